package query

import (
	"bytes"
	"unicode"
	"unicode/utf8"

	"github.com/blevesearch/segment"

	"github.com/parley-news/parley/pkg/sentence"
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

// toLower lower-cases exactly like Bleve's to_lower token filter (v2.6.3,
// toLowerDeferredCopy), on a copy of s, so that the matcher and the Bleve
// index agree byte for byte. That includes its quirks: a final capital
// sigma becomes ς, and when a rune's lower case is shorter in UTF-8 (İ,
// the Kelvin and Ångström signs, Ω) the following unchanged bytes are not
// shifted, so "İstanbul" indexes as "i\xb0stanbu". The query side analyses
// the same way, so such a word still finds itself; it differs from
// Elasticsearch, whose lower-casing is Java's.
func toLower(in []byte) []byte {
	s := append([]byte(nil), in...)
	j := 0
	for i := 0; i < len(s); {
		wid := 1
		r := rune(s[i])
		if r >= utf8.RuneSelf {
			r, wid = utf8.DecodeRune(s[i:])
		}
		l := unicode.ToLower(r)
		if l == r {
			i += wid
			j += wid
			continue
		}
		if l == 'σ' && i+2 == len(s) {
			l = 'ς'
		}
		lwid := utf8.RuneLen(l)
		if lwid > wid {
			rest := bytes.ToLower(s[i:])
			rv := make([]byte, j+len(rest))
			copy(rv[:j], s[:j])
			copy(rv[j:], rest)
			return rv
		}
		utf8.EncodeRune(s[j:], l)
		i += wid
		j += lwid
	}
	return s[:j]
}

// Sentences splits text into the sentences SENTENCE(a, b) looks in, the
// same for every backend (the indexes store them, Match splits the same
// way): sentence.Split's sentences, one of more than MaxSentenceWords
// words cut after every MaxSentenceWords words, and at most MaxSentences
// of them (a longer text's rest is in none).
func Sentences(text string) []string {
	var out []string
	for _, s := range sentence.Split(text) {
		// A token has at least one byte: a short sentence needs no count.
		if len(s) > MaxSentenceWords {
			toks := Analyze(s)
			for len(toks) > MaxSentenceWords && len(out) < MaxSentences {
				cut := toks[MaxSentenceWords].Start
				out = append(out, s[:cut])
				s = s[cut:]
				toks = toks[MaxSentenceWords:]
				for i := range toks {
					toks[i].Start -= cut
				}
			}
		}
		if len(out) == MaxSentences {
			break
		}
		out = append(out, s)
	}
	return out
}
