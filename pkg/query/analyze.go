package query

import (
	"bytes"
	"unicode"
	"unicode/utf8"

	"github.com/blevesearch/segment"
)

// Token is one analysed word of a text: its indexed form and where it came
// from in the input (byte offsets).
type Token struct {
	Text       string
	Start, End int
}

// Analyze splits text into the tokens every backend indexes for a text
// field: Unicode word segmentation (UAX #29, the segmenter of Bleve's
// "unicode" tokenizer) keeping letters, numbers and ideographs and dropping
// spaces and punctuation, then lower-casing. There is no stemming and no
// stop word list, which is what Elasticsearch's standard analyzer does too.
func Analyze(text string) []Token {
	var toks []Token
	in := []byte(text)
	seg := segment.NewWordSegmenterDirect(in)
	start := 0
	for seg.Segment() {
		b := seg.Bytes()
		end := start + len(b)
		if seg.Type() != segment.None {
			toks = append(toks, Token{Text: string(toLower(b)), Start: start, End: end})
		}
		start = end
	}
	return toks
}

// terms returns the token texts of text.
func terms(text string) []string {
	toks := Analyze(text)
	if len(toks) == 0 {
		return nil
	}
	out := make([]string, len(toks))
	for i, t := range toks {
		out[i] = t.Text
	}
	return out
}

// toLower lower-cases exactly like Bleve's to_lower token filter, including
// its final-sigma rule, so that the matcher and the Bleve index agree byte
// for byte. It copies b.
func toLower(s []byte) []byte {
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); {
		wid := 1
		r := rune(s[i])
		if r >= utf8.RuneSelf {
			r, wid = utf8.DecodeRune(s[i:])
		}
		l := unicode.ToLower(r)
		if l == r {
			out = append(out, s[i:i+wid]...)
			i += wid
			continue
		}
		if l == 'σ' && i+2 == len(s) {
			l = 'ς'
		}
		if utf8.RuneLen(l) > wid {
			// Bleve defers to bytes.ToLower for the rest of the token
			// when a lower-case rune is wider than its upper case.
			return append(out, bytes.ToLower(s[i:])...)
		}
		out = utf8.AppendRune(out, l)
		i += wid
	}
	return out
}
