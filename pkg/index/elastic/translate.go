package elastic

import (
	"fmt"
	"strings"
	"time"

	"github.com/parley-news/parley/pkg/index"
	"github.com/parley-news/parley/pkg/query"
)

// Translate turns a parsed (and expanded) query into an Elasticsearch
// query object. It builds only term-level and match queries from the
// AST's values; no part of a user's string is ever given to
// query_string or simple_query_string.
func Translate(n query.Node) (map[string]any, error) {
	if n == nil {
		return matchAll(), nil
	}
	switch q := n.(type) {
	case query.All, *query.All:
		return matchAll(), nil
	case query.Term:
		return translateTerm(q)
	case *query.Term:
		return translateTerm(*q)
	case query.Prefix:
		return translatePrefix(q), nil
	case query.Near:
		return translateNear(q), nil
	case query.And:
		return translateAnd(q.Children)
	case *query.And:
		return translateAnd(q.Children)
	case query.Or:
		return translateOr(q.Children)
	case *query.Or:
		return translateOr(q.Children)
	case query.Not:
		return translateNot(q.Child)
	case *query.Not:
		return translateNot(q.Child)
	case query.Range:
		return translateRange(q)
	case *query.Range:
		return translateRange(*q)
	}
	return nil, fmt.Errorf("translate query: unknown node %T", n)
}

func matchAll() map[string]any { return map[string]any{"match_all": map[string]any{}} }

func matchNone() map[string]any { return map[string]any{"match_none": map[string]any{}} }

// textQuery matches value as a run of consecutive tokens within one value
// of field, whether or not the user quoted it: a word the analyser splits
// (al-Sisi) stays together, as in query.Match and the embedded backend.
// match_phrase analyses value with the field's (standard) analyzer, the
// analysis query.Analyze mirrors.
func textQuery(field, value string) map[string]any {
	return map[string]any{"match_phrase": map[string]any{field: map[string]any{"query": value}}}
}

// translatePrefix matches the words of p's field(s) that start with p's
// analysed word. Its expansion is bounded by the top_terms rewrite: at most
// query.MaxPrefixWords words per field, the best scoring ones, where the
// embedded index refuses a broader prefix (README, Query language).
func translatePrefix(p query.Prefix) map[string]any {
	word, fields := index.PrefixWord(p)
	if word == "" {
		return matchNone()
	}
	should := make([]any, 0, len(fields))
	for _, f := range fields {
		should = append(should, map[string]any{"prefix": map[string]any{f: map[string]any{
			"value": word, "rewrite": fmt.Sprintf("top_terms_%d", query.MaxPrefixWords),
		}}})
	}
	return map[string]any{"bool": map[string]any{"should": should, "minimum_should_match": 1}}
}

// translateNear is a span_near over each field the Near searches (title,
// summary and body, or the sentences): its operands' alternatives
// (span_or of words, of phrases as span_near in order with no slop, of
// stems in the stem fields, and of prefixes bounded as translatePrefix
// bounds them) in either order, with a
// slop of the distance, or for SENTENCE of less than the gap between
// sentences. Elasticsearch counts the slop as query.Near.Near counts the
// words between.
func translateNear(n query.Near) map[string]any {
	a, b := query.Alternatives(n.A), query.Alternatives(n.B)
	if len(a) == 0 || len(b) == 0 {
		return matchNone()
	}
	slop := n.Distance
	if n.Sentence {
		slop = sentenceGap - 1
	}
	fields := index.NearFields(n)
	should := make([]any, 0, len(fields))
	for _, f := range fields {
		should = append(should, map[string]any{"span_near": map[string]any{
			"clauses":  []any{spanOr(a, f), spanOr(b, f)},
			"slop":     slop,
			"in_order": false,
		}})
	}
	return anyOf(should)
}

// formsQuery adds to should, for an unquoted word, its stems and name key
// (query.WordForms) as runs of terms of the form fields. match_phrase
// analyses them with those fields' whitespace analyzer, which only splits
// again what query.AnalyzeForms made.
func formsQuery(should []any, t query.Term) []any {
	if t.Phrase {
		return should
	}
	for _, f := range query.WordForms(t.Value) {
		for _, field := range index.FormFields(t.Field, f.Names) {
			should = append(should, textQuery(field, strings.Join(f.Terms, " ")))
		}
	}
	return should
}

func anyOf(should []any) map[string]any {
	if len(should) == 1 {
		return should[0].(map[string]any)
	}
	return map[string]any{"bool": map[string]any{"should": should, "minimum_should_match": 1}}
}

// spanOr is a span query for any of alts in field. The stems of
// unquoted words are looked for in field's stem field, at the same
// positions, through span_field_masking, which lets them stand in a
// span_near of field.
func spanOr(alts []query.Alternative, field string) map[string]any {
	clauses := make([]any, 0, len(alts))
	for _, a := range alts {
		if a.Stem {
			a.Stem = false
			clauses = append(clauses, map[string]any{"span_field_masking": map[string]any{
				"query": spanOr([]query.Alternative{a}, index.StemFieldOf(field)),
				"field": field,
			}})
			continue
		}
		switch {
		case a.Prefix:
			clauses = append(clauses, map[string]any{"span_multi": map[string]any{"match": map[string]any{
				"prefix": map[string]any{field: map[string]any{
					"value": a.Words[0], "rewrite": fmt.Sprintf("top_terms_%d", query.MaxPrefixWords),
				}},
			}}})
		case len(a.Words) == 1:
			clauses = append(clauses, spanTerm(field, a.Words[0]))
		default:
			words := make([]any, len(a.Words))
			for i, w := range a.Words {
				words[i] = spanTerm(field, w)
			}
			clauses = append(clauses, map[string]any{"span_near": map[string]any{
				"clauses": words, "slop": 0, "in_order": true,
			}})
		}
	}
	if len(clauses) == 1 {
		return clauses[0].(map[string]any)
	}
	return map[string]any{"span_or": map[string]any{"clauses": clauses}}
}

func spanTerm(field, word string) map[string]any {
	return map[string]any{"span_term": map[string]any{field: word}}
}

func translateTerm(t query.Term) (map[string]any, error) {
	if t.Field == query.FieldText {
		should := make([]any, 0, len(index.TextFields))
		for _, f := range index.TextFields {
			should = append(should, textQuery(f, t.Value))
		}
		return anyOf(formsQuery(should, t)), nil
	}
	if t.Field == query.FieldPublished {
		day, err := parseDate(t.Value)
		if err != nil {
			return nil, fmt.Errorf("translate query: published_at:%s: %w", t.Value, err)
		}
		to := day
		if len(strings.TrimSpace(t.Value)) == len(time.DateOnly) {
			to = day.AddDate(0, 0, 1).Add(-time.Nanosecond)
		}
		return translateRange(query.Range{Field: query.FieldPublished, From: day, To: to})
	}
	name, keyword := index.FieldFor(t.Field)
	if name == "" {
		return nil, fmt.Errorf("translate query: unknown field %q", t.Field)
	}
	if keyword {
		return map[string]any{"term": map[string]any{name: map[string]any{"value": index.NormalizeKeyword(name, t.Value)}}}, nil
	}
	return anyOf(formsQuery([]any{textQuery(name, t.Value)}, t)), nil
}

func translateAnd(children []query.Node) (map[string]any, error) {
	var must, mustNot []any
	for _, c := range children {
		if inner, ok := notChild(c); ok {
			q, err := Translate(inner)
			if err != nil {
				return nil, err
			}
			mustNot = append(mustNot, q)
			continue
		}
		q, err := Translate(c)
		if err != nil {
			return nil, err
		}
		must = append(must, q)
	}
	if len(must) == 0 {
		must = []any{matchAll()}
	}
	b := map[string]any{"must": must}
	if len(mustNot) > 0 {
		b["must_not"] = mustNot
	}
	return map[string]any{"bool": b}, nil
}

func notChild(n query.Node) (query.Node, bool) {
	switch q := n.(type) {
	case query.Not:
		return q.Child, true
	case *query.Not:
		return q.Child, true
	}
	return nil, false
}

func translateOr(children []query.Node) (map[string]any, error) {
	if len(children) == 0 {
		return map[string]any{"match_none": map[string]any{}}, nil
	}
	should := make([]any, 0, len(children))
	for _, c := range children {
		q, err := Translate(c)
		if err != nil {
			return nil, err
		}
		should = append(should, q)
	}
	return map[string]any{"bool": map[string]any{"should": should, "minimum_should_match": 1}}, nil
}

func translateNot(child query.Node) (map[string]any, error) {
	q, err := Translate(child)
	if err != nil {
		return nil, err
	}
	return map[string]any{"bool": map[string]any{"must": []any{matchAll()}, "must_not": []any{q}}}, nil
}

// translateRange: both bounds inclusive, as the parser sets them
// (published_at:[2026-01-01 TO 2026-02-01] ends at the last instant of
// February 1).
func translateRange(r query.Range) (map[string]any, error) {
	name, _ := index.FieldFor(r.Field)
	if r.Field == "" {
		name = index.DocPublishedAt
	}
	if name != index.DocPublishedAt {
		return nil, fmt.Errorf("translate query: range on %q: only published_at has dates", r.Field)
	}
	// SearchBody resolved relative bounds already; a query translated on
	// its own takes now from the clock.
	from, to := r.Bounds(time.Now())
	rng := map[string]any{"format": "strict_date_optional_time_nanos"}
	if !from.IsZero() {
		rng["gte"] = from.UTC().Format(time.RFC3339Nano)
	}
	if !to.IsZero() {
		rng["lte"] = to.UTC().Format(time.RFC3339Nano)
	}
	if from.IsZero() && to.IsZero() {
		return map[string]any{"exists": map[string]any{"field": name}}, nil
	}
	return map[string]any{"range": map[string]any{name: rng}}, nil
}

func parseDate(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	for _, layout := range []string{"2006-01-02", time.RFC3339, "2006-01-02T15:04:05"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("want a date like 2026-01-31")
}

// isAll reports whether the query matches everything, so results sort by
// date instead of relevance.
func isAll(n query.Node) bool {
	switch n.(type) {
	case nil, query.All, *query.All:
		return true
	}
	return false
}
