package query

import (
	"slices"
	"time"

	"github.com/parley-news/parley/pkg/article"
)

// MatchingQuotes returns the quotations of an article in language lang
// (which stems their words) that the speaker:
// and quote: terms of n (expanded) pick out, in article order: the
// quotations a search for n is about, for showing with its hits. It is nil
// when n has no such term. A quotation qualifies when the part of n about
// quotations (quoteTerms) matches an article holding that quotation alone: speaker:Lavrov quote:"red lines" finds Lavrov's quotations with
// those words, not any quotation of Lavrov's next to any with the words.
func MatchingQuotes(n Node, lang string, quotes []article.Quote) []article.Quote {
	r, ok := quoteTerms(n)
	if !ok || !positiveQuoteTerm(n, true) {
		return nil
	}
	var out []article.Quote
	now := time.Now()
	for _, q := range quotes {
		if MatchAt(r, NewDocument(&article.Article{Language: lang, Quotes: []article.Quote{q}}), now) {
			out = append(out, q)
		}
	}
	return out
}

// quoteTerms is the part of n about quotations: its speaker: and quote:
// terms under the operators above them, every other term left out (an And
// or Or keeps the children that have such terms). It reports whether n
// had any.
func quoteTerms(n Node) (Node, bool) {
	switch n := n.(type) {
	case Term:
		return n, n.Field == FieldSpeaker || n.Field == FieldQuote
	case And:
		kept := keepQuoteTerms(n.Children)
		return And{Children: kept}, len(kept) > 0
	case Or:
		kept := keepQuoteTerms(n.Children)
		return Or{Children: kept}, len(kept) > 0
	case Not:
		c, ok := quoteTerms(n.Child)
		return Not{Child: c}, ok
	}
	return n, false
}

func keepQuoteTerms(children []Node) []Node {
	var kept []Node
	for _, c := range children {
		if k, ok := quoteTerms(c); ok {
			kept = append(kept, k)
		}
	}
	return kept
}

// positiveQuoteTerm reports whether n has a speaker: or quote: term that
// is not negated: only such a term picks quotations out.
func positiveQuoteTerm(n Node, positive bool) bool {
	switch n := n.(type) {
	case Term:
		return positive && (n.Field == FieldSpeaker || n.Field == FieldQuote)
	case And:
		return slices.ContainsFunc(n.Children, func(c Node) bool { return positiveQuoteTerm(c, positive) })
	case Or:
		return slices.ContainsFunc(n.Children, func(c Node) bool { return positiveQuoteTerm(c, positive) })
	case Not:
		return positiveQuoteTerm(n.Child, !positive)
	}
	return false
}
