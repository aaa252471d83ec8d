package embedded

import (
	"time"

	"github.com/blevesearch/bleve/v2"
	bq "github.com/blevesearch/bleve/v2/search/query"

	"github.com/parley-news/parley/pkg/index"
	"github.com/parley-news/parley/pkg/query"
)

// translate turns a parsed (and expanded) query into a Bleve query with the
// semantics of query.Match. Text is analysed here with query.Analyze, the
// same analysis the mapping applies at index time, and searched as term or
// phrase queries, so the user's string never reaches Bleve's query-string
// syntax and no second analyser can disagree.
func translate(n query.Node) bq.Query {
	switch n := n.(type) {
	case query.All:
		return bleve.NewMatchAllQuery()
	case query.And:
		if len(n.Children) == 0 {
			return bleve.NewMatchAllQuery()
		}
		qs := make([]bq.Query, len(n.Children))
		for i, c := range n.Children {
			qs[i] = translate(c)
		}
		return bleve.NewConjunctionQuery(qs...)
	case query.Or:
		if len(n.Children) == 0 {
			return bleve.NewMatchNoneQuery()
		}
		qs := make([]bq.Query, len(n.Children))
		for i, c := range n.Children {
			qs[i] = translate(c)
		}
		return bleve.NewDisjunctionQuery(qs...)
	case query.Not:
		return bq.NewBooleanQuery([]bq.Query{bleve.NewMatchAllQuery()}, nil, []bq.Query{translate(n.Child)})
	case query.Range:
		return translateRange(n)
	case query.Term:
		return translateTerm(n)
	case query.Prefix:
		return translatePrefix(n)
	case query.Near:
		return newNearQuery(n)
	}
	return bleve.NewMatchNoneQuery()
}

// translatePrefix matches the indexed words of p's field(s) that start with
// p's analysed word. Search has checked each expands to at most
// query.MaxPrefixWords words (checkPrefixes).
func translatePrefix(p query.Prefix) bq.Query {
	word, fields := index.PrefixWord(p)
	if word == "" {
		return bleve.NewMatchNoneQuery()
	}
	qs := make([]bq.Query, 0, len(fields))
	for _, f := range fields {
		q := bleve.NewPrefixQuery(word)
		q.SetField(f)
		qs = append(qs, q)
	}
	if len(qs) == 1 {
		return qs[0]
	}
	return bleve.NewDisjunctionQuery(qs...)
}

func translateTerm(t query.Term) bq.Query {
	name, keyword := index.FieldFor(t.Field)
	if t.Field == query.FieldPublished {
		return bleve.NewMatchNoneQuery()
	}
	if keyword {
		v := index.NormalizeKeyword(name, t.Value)
		if v == "" {
			return bleve.NewMatchNoneQuery()
		}
		q := bleve.NewTermQuery(v)
		q.SetField(name)
		return q
	}
	fields := []string{name}
	if t.Field == query.FieldText {
		fields = index.TextFields
	} else if name == "" {
		return bleve.NewMatchNoneQuery()
	}
	toks := query.Analyze(t.Value)
	if len(toks) == 0 {
		return bleve.NewMatchNoneQuery()
	}
	words := make([]string, len(toks))
	for i, tok := range toks {
		words[i] = tok.Text
	}
	qs := termsIn(nil, fields, words)
	if !t.Phrase {
		// Unquoted: also its stems and name key (query.WordForms).
		for _, f := range query.WordForms(t.Value) {
			qs = termsIn(qs, index.FormFields(t.Field, f.Names), f.Terms)
		}
	}
	if len(qs) == 1 {
		return qs[0]
	}
	return bleve.NewDisjunctionQuery(qs...)
}

// termsIn appends to qs a query for words as consecutive terms of each
// of fields: a term query for one word, else a phrase (a word that
// analyses into several tokens, al-Sisi, is a phrase, as in query.Match).
func termsIn(qs []bq.Query, fields, words []string) []bq.Query {
	for _, f := range fields {
		if len(words) == 1 {
			q := bleve.NewTermQuery(words[0])
			q.SetField(f)
			qs = append(qs, q)
			continue
		}
		qs = append(qs, bleve.NewPhraseQuery(words, f))
	}
	return qs
}

// The dates the index holds: Bleve stores datetimes as nanoseconds since
// 1970 in an int64 and its date range queries accept only this span. A date
// outside is not indexed (query.Match ignores it the same way).
var (
	minTime = time.Date(1677, 12, 1, 0, 0, 0, 0, time.UTC)
	maxTime = time.Date(2262, 4, 11, 11, 59, 59, 0, time.UTC)
)

func translateRange(r query.Range) bq.Query {
	if r.Field != query.FieldPublished {
		return bleve.NewMatchNoneQuery()
	}
	// Search resolved relative bounds already (query.Resolve).
	from, to := r.Bounds(time.Now())
	if (!from.IsZero() && from.After(maxTime)) || (!to.IsZero() && to.Before(minTime)) {
		return bleve.NewMatchNoneQuery()
	}
	if from.IsZero() || from.Before(minTime) {
		// An open start still requires a date, as in query.Match.
		from = minTime
	}
	if !to.IsZero() && to.After(maxTime) {
		to = maxTime
	}
	yes := true
	q := bleve.NewDateRangeInclusiveQuery(from, to, &yes, &yes)
	q.SetField(index.DocPublishedAt)
	return q
}
