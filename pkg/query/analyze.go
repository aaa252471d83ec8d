package query

import (
	"bytes"
	"strings"
	"sync"
	"sync/atomic"
	"unicode"
	"unicode/utf8"

	"github.com/blevesearch/segment"

	"github.com/parley-news/parley/pkg/morph"
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

// Forms is a text value analysed the ways parley indexes it (README, Query
// language): Tokens are Analyze's, searched by quoted phrases; Stems are
// those tokens' stems in the value's language, one for one (morph.Stem),
// and Names the name keys of its capitalised words in order
// (morph.NameKey), both searched by unquoted words (WordForms).
type Forms struct {
	Tokens, Stems, Names []string
}

// maxFormBytes bounds a stem or name key: both backends index them split
// at white space, which Elasticsearch cuts into pieces past 255
// characters; a longer one is cut here, the same for indexing and search.
const maxFormBytes = 200

// AnalyzeForms analyses text of an article in language lang (an ISO 639-1
// code, possibly with a region: en-GB).
func AnalyzeForms(text, lang string) Forms {
	lang = baseLanguage(lang)
	toks := Analyze(text)
	f := Forms{Tokens: make([]string, len(toks)), Stems: make([]string, len(toks))}
	for i, t := range toks {
		f.Tokens[i] = t.Text
		f.Stems[i] = bounded(morph.Stem(lang, t.Text))
		if capitalised(text[t.Start:t.End]) {
			if k := morph.NameKey(t.Text); k != "" {
				f.Names = append(f.Names, bounded(k))
			}
		}
	}
	return f
}

// Form is one way an unquoted word of a text field matches: Terms as
// consecutive terms of the stem fields, or with Names of the name fields.
type Form struct {
	Names bool
	Terms []string
}

// WordForms are the forms under which an unquoted word (Term with Phrase
// false) of a text field is looked for besides its tokens: its stems in
// every language stemmed for its script (the query has no language: an
// article's stem in its own language is always among these, morph.Stems),
// and when the word is capitalised (a name) its name key: Vershinin finds
// Вершинина, US finds U.S. A word that
// analyses into several tokens (al-Sisi) gives runs of as many terms.
//
// The result is shared: callers must not change it.
func WordForms(value string) []Form { return analysed(value).forms }

// valueAnalysis is a query value's tokens and word forms.
type valueAnalysis struct {
	tokens []string
	forms  []Form
}

// analysed is the analysis of a query value. Matching needs it for every
// term of every rule tried on every article, so the analyses of up to
// maxCachedValues values are kept (alert rules hold at most 100,000 terms
// in all; past the cap a value is analysed each time it is needed).
func analysed(value string) valueAnalysis {
	if v, ok := valuesCache.Load(value); ok {
		return v.(valueAnalysis)
	}
	v := valueAnalysis{tokens: terms(value), forms: wordForms(value)}
	if valuesCached.Add(1) <= maxCachedValues {
		valuesCache.Store(value, v)
	}
	return v
}

const maxCachedValues = 1 << 17

var (
	valuesCache  sync.Map // value → valueAnalysis
	valuesCached atomic.Int64
)

func wordForms(value string) []Form {
	toks := Analyze(value)
	if len(toks) == 0 {
		return nil
	}
	var out []Form
	seen := map[string]bool{}
	for _, lang := range morph.Languages {
		terms := make([]string, len(toks))
		for i, t := range toks {
			terms[i] = bounded(morph.Stem(lang, t.Text))
		}
		if k := strings.Join(terms, " "); !seen[k] {
			seen[k] = true
			out = append(out, Form{Terms: terms})
		}
	}
	// A name: every token capitalised (Al-Sisi, not al-Sisi, whose name
	// keys would be Sisi's alone).
	var names []string
	for _, t := range toks {
		if !capitalised(value[t.Start:t.End]) {
			names = nil
			break
		}
		if k := morph.NameKey(t.Text); k != "" {
			names = append(names, bounded(k))
		}
	}
	if len(names) > 0 {
		out = append(out, Form{Names: true, Terms: names})
	}
	return out
}

// capitalised reports whether a word as written starts with a capital.
func capitalised(word string) bool {
	r, _ := utf8.DecodeRuneInString(word)
	return unicode.IsUpper(r) || unicode.IsTitle(r)
}

// bounded is s as the stem and name fields hold it: valid UTF-8 (the lower
// casing of toLower can leave a stray byte, which the JSON sent to
// Elasticsearch would turn into U+FFFD: both backends get U+FFFD), one
// term (on invalid UTF-8 the word segmenter can take the byte after a
// stray lead byte, a space too, into the word: it becomes U+FFFD, where
// the backends' whitespace analyzers would split it) and at most
// maxFormBytes long.
func bounded(s string) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return utf8.RuneError
		}
		return r
	}, strings.ToValidUTF8(s, "\uFFFD"))
	if len(s) <= maxFormBytes {
		return s
	}
	cut := maxFormBytes
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut]
}

// baseLanguage is the language of a code with a region (en-GB, pt_BR),
// lower case.
func baseLanguage(lang string) string {
	lang = strings.ToLower(strings.TrimSpace(lang))
	if i := strings.IndexAny(lang, "-_"); i >= 0 {
		lang = lang[:i]
	}
	return lang
}
