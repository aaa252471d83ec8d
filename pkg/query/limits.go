package query

import (
	"golang.org/x/text/language"
	"golang.org/x/text/message"
)

// The largest query Parse accepts. Every search and every alert rule is a
// query a stranger may send, and a backend's cost (memory in Bleve and
// Elasticsearch, matching time in the alerter) grows with its size, so the
// limits hold wherever a query enters parley (README, Security).
const (
	// MaxBytes is the longest query string, in bytes.
	MaxBytes = 4096
	// MaxTerms is the most terms a query may have: each word counts, each
	// word of a phrase counts, each keyword value and date range counts
	// one.
	MaxTerms = 256

	// MinPrefix is the fewest characters (of the analysed word) a prefix
	// query (Zel*) may have: a shorter one would expand to too many words.
	MinPrefix = 3
	// MaxPrefixWords is the most distinct indexed words one prefix may
	// expand to in a field of the index: the embedded index refuses a
	// broader prefix, Elasticsearch searches the MaxPrefixWords best
	// scoring (README, Query language).
	MaxPrefixWords = 1024

	// MaxNear is the largest distance of NEAR/n: a wider window is
	// hardly about the two names together, and costs more to check.
	MaxNear = 50
	// MaxSpellings is the most spellings Expand gives one name that is
	// an operand of NEAR or SENTENCE (the gazetteer's first ones).
	MaxSpellings = 64
	// MaxOperandSpellings is the most spellings Expand adds to one
	// operand of NEAR or SENTENCE in all ((Putin OR Lavrov OR ...)), so
	// that the span queries a backend runs stay bounded.
	MaxOperandSpellings = 256
	// MaxSentenceWords is the most words a sentence of
	// Sentences has: a longer one counts as several.
	MaxSentenceWords = 500
	// MaxSentences is the most sentences Sentences returns for one
	// text: SENTENCE looks no further into a longer one.
	MaxSentences = 1000

	// lexLimit is the longest query Parse reads at all, to count its
	// terms for the error message: lexing is linear and this bounds it.
	lexLimit = 64 << 10
)

// LimitError is a query over MaxBytes or MaxTerms.
type LimitError struct {
	What       string // "bytes" or "terms"
	Got, Limit int
}

func (e *LimitError) Error() string {
	p := message.NewPrinter(language.English)
	if e.What == "bytes" {
		return p.Sprintf("query is %d bytes long; the limit is %d", e.Got, e.Limit)
	}
	return p.Sprintf("query has %d terms; the limit is %d", e.Got, e.Limit)
}

// Terms is how many terms n has, counted as MaxTerms counts them: each
// word of a word or phrase, each keyword value, each date range. It is the
// cost of matching n, for limits on many queries together (alert rules).
func Terms(n Node) int {
	switch n := n.(type) {
	case Term:
		if keywordField(n.Field) {
			return 1
		}
		return max(1, len(terms(n.Value)))
	case Range, Prefix:
		return 1
	case Not:
		return Terms(n.Child)
	case Near:
		return Terms(n.A) + Terms(n.B)
	case And:
		return sumTerms(n.Children)
	case Or:
		return sumTerms(n.Children)
	case All:
		return 0
	}
	// A node kind added to the language must get its own case above (its
	// children summed); until then it counts as one term.
	return 1
}

func sumTerms(ns []Node) int {
	t := 0
	for _, c := range ns {
		t += Terms(c)
	}
	return t
}
