// Package morph gives the forms under which parley indexes and searches a
// word beyond its exact spelling (README, Query language): its stem in the
// article's language (English, French, German, Spanish, Russian, Ukrainian,
// Arabic), and for a capitalised word its name key, a spelling folded
// across the Cyrillic and Latin scripts so that Вершинина finds Vershinin.
//
// Words come in analysed (pkg/query's Analyze: one token, lower case). The
// same functions serve indexing, querying and alert matching, so every
// backend and the alerter compare the same strings.
package morph

import (
	"strings"
	"sync"
	"sync/atomic"
	"unicode"

	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/analysis/lang/ar"
	"github.com/blevesearch/snowballstem"
	"github.com/blevesearch/snowballstem/english"
	"github.com/blevesearch/snowballstem/french"
	"github.com/blevesearch/snowballstem/german"
	"github.com/blevesearch/snowballstem/russian"
	"github.com/blevesearch/snowballstem/spanish"
)

// Script is the writing system of a word, by its first letter.
type Script int

// The scripts stemmers exist for; Other is any other (and digits).
const (
	Other Script = iota
	Latin
	Cyrillic
	Arabic
)

// ScriptOf is the script of word's first letter.
func ScriptOf(word string) Script {
	for _, r := range word {
		switch {
		case unicode.Is(unicode.Latin, r):
			return Latin
		case unicode.Is(unicode.Cyrillic, r):
			return Cyrillic
		case unicode.Is(unicode.Arabic, r):
			return Arabic
		case unicode.IsLetter(r):
			return Other
		}
	}
	return Other
}

// stemmer is one language's stemmer and the script it reads.
type stemmer struct {
	script Script
	stem   func(string) string
}

func snowball(f func(*snowballstem.Env) bool) func(string) string {
	return func(w string) string {
		env := snowballstem.NewEnv(w)
		f(env)
		return env.Current()
	}
}

// stemmers are the languages parley stems, by ISO 639-1 code: the Snowball
// stemmers (as Bleve and Lucene use them), Bleve's Arabic normalisation and
// light stemmer (Lucene's; Snowball's Arabic stemmer keeps the alif of
// -ات unless the word has a prefix), and a light Ukrainian stemmer of
// parley's own (ukrainian.go), for which Snowball has none.
var stemmers = map[string]stemmer{
	"en": {Latin, snowball(english.Stem)},
	"fr": {Latin, snowball(french.Stem)},
	"de": {Latin, snowball(german.Stem)},
	"es": {Latin, snowball(spanish.Stem)},
	"ru": {Cyrillic, func(w string) string { return snowball(russian.Stem)(yoToYe(w)) }},
	"uk": {Cyrillic, stemUkrainian},
	"ar": {Arabic, stemArabic},
}

// Languages are the codes of the languages parley stems, in a fixed order.
var Languages = []string{"en", "fr", "de", "es", "ru", "uk", "ar"}

// Stemmed reports whether lang has a stemmer.
func Stemmed(lang string) bool {
	_, ok := stemmers[lang]
	return ok
}

// Stem is word's stem in lang when lang has a stemmer for word's script,
// else word itself: an English word in a Russian article, or any word of
// an article in a language without a stemmer, is indexed as it is.
func Stem(lang, word string) string {
	s, ok := stemmers[lang]
	if !ok || ScriptOf(word) != s.script {
		return word
	}
	return cached(&stems, lang+"\x00"+word, func() string {
		if out := s.stem(word); out != "" {
			return out
		}
		return word
	})
}

// memo keeps the results of a function of words: the words of news repeat,
// and indexing and alert matching stem every word of every article. It
// keeps at most maxMemo results (past that, results are computed each
// time), so hostile text cannot grow it without bound.
type memo struct {
	m sync.Map // key → string
	n atomic.Int64
}

const maxMemo = 1 << 18

var stems, nameKeys memo

func cached(c *memo, key string, f func() string) string {
	if v, ok := c.m.Load(key); ok {
		return v.(string)
	}
	v := f()
	if c.n.Add(1) <= maxMemo {
		c.m.Store(key, v)
	}
	return v
}

// Stems are the forms a query word is looked for under: the word itself
// and its stem in every language stemmed for its script (a query carries
// no language; "sanctions" is stemmed as English, French, German and
// Spanish, "переговорах" as Russian and Ukrainian). Every form an article
// of any language indexes for that word is among them.
func Stems(word string) []string {
	out := []string{word}
	for _, lang := range Languages {
		if s := Stem(lang, word); !contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

func yoToYe(w string) string {
	if !strings.ContainsRune(w, 'ё') {
		return w
	}
	return strings.ReplaceAll(w, "ё", "е")
}

var (
	arNormalize = ar.NewArabicNormalizeFilter()
	arStem      = ar.NewArabicStemmerFilter()
)

func stemArabic(w string) string {
	ts := analysis.TokenStream{{Term: []byte(w)}}
	ts = arStem.Filter(arNormalize.Filter(ts))
	return string(ts[0].Term)
}
