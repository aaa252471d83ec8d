package embedded

import (
	"context"
	"slices"
	"strings"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/mapping"
	bsearch "github.com/blevesearch/bleve/v2/search"
	bq "github.com/blevesearch/bleve/v2/search/query"
	"github.com/blevesearch/bleve/v2/search/searcher"
	bleveindex "github.com/blevesearch/bleve_index_api"

	"github.com/parley-news/parley/pkg/index"
	"github.com/parley-news/parley/pkg/query"
)

// nearQuery answers a query.Near. Bleve has no span queries, so it finds
// the articles that hold an alternative of each operand in one field the
// Near searches (term queries that keep their positions), and of those
// keeps the ones whose positions query.Near.Near finds near, the check
// query.Match makes on the words of the text. The filter runs inside the
// search, before counting and paging, so totals, pages and facets count
// only the articles kept; its cost is bounded by the candidates and their
// occurrences of the operands' words (README, Query language).
type nearQuery struct {
	near   query.Near
	a, b   []query.Alternative
	fields []string
}

func newNearQuery(n query.Near) bq.Query {
	q := &nearQuery{near: n, a: query.Alternatives(n.A), b: query.Alternatives(n.B), fields: index.NearFields(n)}
	if len(q.a) == 0 || len(q.b) == 0 {
		return bleve.NewMatchNoneQuery()
	}
	return q
}

// Searcher implements bq.Query.
func (q *nearQuery) Searcher(ctx context.Context, r bleveindex.IndexReader, m mapping.IndexMapping, options bsearch.SearcherOptions) (bsearch.Searcher, error) {
	perField := make([]bq.Query, 0, len(q.fields))
	for _, f := range q.fields {
		perField = append(perField, bleve.NewConjunctionQuery(anyOf(q.a, f), anyOf(q.b, f)))
	}
	options.IncludeTermVectors = true
	s, err := bleve.NewDisjunctionQuery(perField...).Searcher(ctx, r, m, options)
	if err != nil {
		return nil, err
	}
	return searcher.NewFilteringSearcher(ctx, s, q.accept), nil
}

// anyOf matches a document with any of alts in field (stems in its stem
// field), every word of an alternative as a term, so that the positions of
// each reach accept.
func anyOf(alts []query.Alternative, field string) bq.Query {
	qs := make([]bq.Query, 0, len(alts))
	for _, a := range alts {
		field := field
		if a.Stem {
			field = index.StemFieldOf(field)
		}
		if a.Prefix {
			p := bleve.NewPrefixQuery(a.Words[0])
			p.SetField(field)
			qs = append(qs, p)
			continue
		}
		words := make([]bq.Query, len(a.Words))
		for i, w := range a.Words {
			t := bleve.NewTermQuery(w)
			t.SetField(field)
			words[i] = t
		}
		qs = append(qs, bleve.NewConjunctionQuery(words...))
	}
	return bleve.NewDisjunctionQuery(qs...)
}

// place is one position of a word in a field: the value it is in (its
// array position: the sentence, for the sentences field) and its
// position there.
type place struct{ value, pos int }

// accept reports whether a candidate's positions match q, field by field
// (a field's words with its stems, which stand at the same positions).
// It drops the positions afterwards: nothing else asked for them.
func (q *nearQuery) accept(_ *bsearch.SearchContext, d *bsearch.DocumentMatch) bool {
	defer func() { d.FieldTermLocations = d.FieldTermLocations[:0] }()
	for _, f := range q.fields {
		w, stems := placesIn(d, f), placesIn(d, index.StemFieldOf(f))
		if q.near.Near(spans(q.a, w, stems), spans(q.b, w, stems)) {
			return true
		}
	}
	return false
}

// placesIn collects the positions of the words of field d's locations hold.
func placesIn(d *bsearch.DocumentMatch, field string) words {
	w := words{places: map[string][]place{}, at: map[place]string{}}
	for _, l := range d.FieldTermLocations {
		if l.Field != field {
			continue
		}
		p := place{pos: int(l.Location.Pos)}
		if len(l.Location.ArrayPositions) > 0 {
			p.value = int(l.Location.ArrayPositions[0])
		}
		if _, dup := w.at[p]; !dup {
			w.at[p] = l.Term
			w.places[l.Term] = append(w.places[l.Term], p)
		}
	}
	return w
}

// words are the words of one field a candidate holds that a query asked
// for: the places of each, and the word at each place.
type words struct {
	places map[string][]place
	at     map[place]string
}

// spans lists where alts occur among a field's words toks and stems,
// sorted as query.Near.Near wants them.
func spans(alts []query.Alternative, toks, stems words) []query.Span {
	var out []query.Span
	for _, a := range alts {
		w := toks
		if a.Stem {
			w = stems
		}
		if a.Prefix {
			for word, ps := range w.places {
				if strings.HasPrefix(word, a.Words[0]) {
					for _, p := range ps {
						out = append(out, query.Span{Sent: p.value, Start: p.pos, End: p.pos + 1})
					}
				}
			}
			continue
		}
		for _, p := range w.places[a.Words[0]] {
			if w.followedBy(p, a.Words[1:]) {
				out = append(out, query.Span{Sent: p.value, Start: p.pos, End: p.pos + len(a.Words)})
			}
		}
	}
	slices.SortFunc(out, func(s, t query.Span) int {
		if s.Sent != t.Sent {
			return s.Sent - t.Sent
		}
		return s.Start - t.Start
	})
	return out
}

// followedBy reports whether rest are the words right after place p.
func (w words) followedBy(p place, rest []string) bool {
	for i, word := range rest {
		if w.at[place{p.value, p.pos + 1 + i}] != word {
			return false
		}
	}
	return true
}
