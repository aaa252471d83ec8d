package elastic

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/parley-news/parley/pkg/index"
	"github.com/parley-news/parley/pkg/index/embedded"
	"github.com/parley-news/parley/pkg/query"
)

// names is a small resolver over the fixtures' entities: every spelling
// of a name maps to its Wikidata id.
type names map[string][2]string

func (n names) Lookup(name string) (kind, id string, ok bool) {
	v, ok := n[strings.ToLower(strings.TrimSpace(name))]
	return v[0], v[1], ok
}

var testNames = names{
	"zelensky":            {query.KindPerson, "Q3881298"},
	"zelenskiy":           {query.KindPerson, "Q3881298"},
	"zelenskyy":           {query.KindPerson, "Q3881298"},
	"volodymyr zelenskyy": {query.KindPerson, "Q3881298"},
	"зеленський":          {query.KindPerson, "Q3881298"},
	"putin":               {query.KindPerson, "Q7747"},
	"vladimir putin":      {query.KindPerson, "Q7747"},
	"kyiv":                {query.KindPlace, "Q1899"},
	"kiev":                {query.KindPlace, "Q1899"},
	"ukraine":             {query.KindCountry, "UA"},
	"uae":                 {query.KindCountry, "AE"},
	"peskov":              {query.KindPerson, "Q4155387"},
	"песков":              {query.KindPerson, "Q4155387"},
	"dmitry peskov":       {query.KindPerson, "Q4155387"},
}

// Spellings makes names a query.Speller: every name with the same id, in
// a fixed order.
func (n names) Spellings(name string) []string {
	_, id, ok := n.Lookup(name)
	if !ok {
		return nil
	}
	var out []string
	for k, v := range n {
		if v[1] == id {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return out
}

// nearNameCases are NEAR and SENTENCE queries whose operands are names in
// another spelling than the fixtures', and the articles they find on
// every backend.
var nearNameCases = map[string][]string{
	"NEAR/1(Зеленський, putin)":              {"a1", "a2"},
	"NEAR/1(putin, zelenskyy)":               {"a1", "a2"},
	`NEAR/1("vladimir putin", zelensky)`:     {"a1", "a2"}, // a name: Putin is one of its spellings
	"NEAR/2(zelensky, ceasefire)":            {"a3"},
	"NEAR/1(zelensky, ceasefire)":            nil,
	"SENTENCE(Зеленський, ceasefire)":        {"a3"},
	"SENTENCE(kiev, football)":               {"a7"},
	"SENTENCE(kiev, ceasefire)":              {"a3"}, // Kyiv's, by its stem
	`SENTENCE("kiev", ceasefire)`:            nil,    // quoted: kyiv's is another word
	"SENTENCE(Песков, summit)":               {"a6"},
	"SENTENCE(Песков, repeats)":              {"a6"},
	"SENTENCE(Песков, line) AND NOT kremlin": nil,
	"NOT NEAR/3(zelensky, ceasefire)":        {"a1", "a2", "a4", "a5", "a6", "a7", "a8"},
}

// CanonicalName makes names a query.Namer, as the gazetteer is: the
// canonical name is the one the fixtures' quotations carry.
func (n names) CanonicalName(name string) (string, bool) {
	_, id, ok := n.Lookup(name)
	c, known := map[string]string{"Q3881298": "Volodymyr Zelenskyy", "Q4155387": "Dmitry Peskov", "Q7747": "Vladimir Putin"}[id]
	return c, ok && known
}

// TestSameResultsAsEmbedded indexes the fixtures into the embedded (Bleve)
// index and into Elasticsearch and checks that every query finds the same
// articles, totals and facet counts on both, and the same articles as the
// alerter's matcher (query.Match): a rule matches an article exactly when
// searching for its query finds it, on either backend.
func TestSameResultsAsEmbedded(t *testing.T) {
	es := openTest(t, func(c *Config) { c.Resolver = testNames })
	emb, err := embedded.Open(embedded.Config{Resolver: testNames}, testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	defer emb.Close()
	arts := fixtures(t)
	mustIndex(t, es, arts)
	for i, err := range emb.Index(context.Background(), arts) {
		if err != nil {
			t.Fatalf("embedded index %s: %v", arts[i].ID, err)
		}
	}

	queries := []string{
		"zelensky", "Зеленський", "person:zelensky", "kiev", "country:ukraine", "country:uae",
		"vladimir putin", "putin AND NOT zelensky", `"Volodymyr Zelenskiy"`,
		"al-sisi", "russia-ukraine", "u.s.", "kyiv's", "NOT (talks OR summit)",
		"story:s-abudhabi", "entity:q7747", "event:e-abudhabi", "event:E-ABUDHABI", "event:e-abudhabi -language:en",
		"speaker:peskov", "speaker:Песков", "speaker:zelenskiy", "speaker:Зеленський", `quote:"well prepared"`,
		"speaker:peskov quote:any", "quote:ceasefire OR speaker:putin", "quote:summit -speaker:peskov",
		`speaker:"dmitry peskov" AND published_at:[2026-01-01 TO *]`, "quote:ukraine", "speaker:ukraine",
		// Inflected forms (stems), exact forms (quoted) and names in the
		// other script or case (name keys).
		"talk", `"talk"`, "meet", `"meet"`, "leader", "Gespräch", "title:talk", `title:"talk"`, "quote:prepare",
		`quote:"prepare"`, "Zelenskyy", "zelenskyy", "Зеленского", "Путина", `"Путина"`, "Песковым", "talk AND NOT Зеленского",
	}
	for _, c := range searchCases {
		queries = append(queries, c.q)
	}
	for q := range nearNameCases {
		queries = append(queries, q)
	}
	// Relative dates: the fixtures are from late 2025 and early 2026, so
	// the ranges are written in days back from today, rounded to whole
	// days (the two backends and Match read the clock moments apart).
	daysAgo := func(day string) int {
		t, _ := time.Parse(time.DateOnly, day)
		return int(time.Since(t).Hours() / 24)
	}
	queries = append(queries,
		fmt.Sprintf("published_at:[now-%dd/d TO now]", daysAgo("2026-01-25")),
		fmt.Sprintf("published_at:[now-%dd/d TO now-%dd/d]", daysAgo("2026-01-22"), daysAgo("2026-01-26")),
		fmt.Sprintf("published_at:now-%dd/d AND NOT person:putin", daysAgo("2026-01-01")),
		fmt.Sprintf("NOT published_at:[now-%dw/w TO *]", daysAgo("2026-01-01")/7),
		"published_at:[now-1M TO now]", "published_at:[* TO now]",
		"topic:diplomacy published_at:[2025-12-01 TO 2026-03-01]", "nothing-matches published_at:[2026-01-01 TO 2026-01-03]",
	)
	docs := make([]*query.Document, len(arts))
	for i, a := range arts {
		docs[i] = query.NewDocument(a)
	}
	histograms := 0 // with more than one bucket: the comparison says something
	quoted := 0     // searches whose hits carried quotations
	speakers := 0   // searches whose speaker facet counted someone
	facets := []string{index.FacetSource, index.FacetLanguage, index.FacetCountry, index.FacetPerson, index.FacetTopic, index.FacetSpeaker}
	for _, qs := range queries {
		for _, collapse := range []bool{false, true} {
			q, err := query.Parse(qs)
			if err != nil {
				t.Fatalf("parse %q: %v", qs, err)
			}
			// Facet sizes other than the default, on both.
			req := index.Request{Query: q, Size: 50, Facets: facets, CollapseStories: collapse, FacetSize: 3 + 20*(len(qs)%2)}
			search := func(ix interface {
				Search(context.Context, index.Request) (*index.Result, error)
			}, req index.Request) *index.Result {
				t.Helper()
				res, err := ix.Search(context.Background(), req)
				if err != nil {
					t.Fatalf("%T %q: %v", ix, qs, err)
				}
				return res
			}
			a, b := search(es, req), search(emb, req)
			if collapse {
				// Which article stands for a story may differ with
				// scoring; the stories must not.
				if sa, sb := stories(a), stories(b); !slices.Equal(sa, sb) || a.Total != b.Total {
					t.Errorf("%q collapsed: elasticsearch %d %v, embedded %d %v", qs, a.Total, sa, b.Total, sb)
				}
				continue
			}
			if ia, ib := ids(a), ids(b); !slices.Equal(ia, ib) || a.Total != b.Total {
				t.Errorf("%q: elasticsearch %d %v, embedded %d %v", qs, a.Total, ia, b.Total, ib)
			}
			if want, ok := nearNameCases[qs]; ok && !slices.Equal(ids(a), want) && len(ids(a))+len(want) > 0 {
				t.Errorf("%q: found %v, want %v", qs, ids(a), want)
			}
			if qa, qb := hitQuotes(a), hitQuotes(b); qa != qb {
				t.Errorf("%q: quotes of the hits: elasticsearch %s, embedded %s", qs, qa, qb)
			} else if qa != "" {
				quoted++
			}
			var matched []string
			expanded := query.Expand(q, testNames)
			for i, d := range docs {
				if query.Match(expanded, d) {
					matched = append(matched, arts[i].ID)
				}
			}
			slices.Sort(matched)
			if ia := ids(a); !slices.Equal(ia, matched) {
				t.Errorf("%q: elasticsearch %v, query.Match (the alerter) %v", qs, ia, matched)
			}
			for _, f := range facets {
				if !sameFacet(a.Facets[f], b.Facets[f]) {
					t.Errorf("%q facet %s: elasticsearch %v, embedded %v", qs, f, a.Facets[f], b.Facets[f])
				}
			}
			if len(a.Facets[index.FacetSpeaker]) > 0 {
				speakers++
			}
			// Newest first, ties by id: the same order on both.
			req.Sort = index.SortDate
			if a, b := search(es, req), search(emb, req); !slices.Equal(hitIDs(a), hitIDs(b)) {
				t.Errorf("%q by date: elasticsearch %v, embedded %v", qs, hitIDs(a), hitIDs(b))
			}
			for _, interval := range []string{index.HistogramHour, index.HistogramDay, index.HistogramWeek, index.HistogramMonth} {
				req := index.Request{Query: q, Size: 1, Histogram: interval}
				a, errA := es.Search(context.Background(), req)
				b, errB := emb.Search(context.Background(), req)
				if errors.Is(errA, index.ErrTooManyBuckets) && errors.Is(errB, index.ErrTooManyBuckets) {
					continue // hours from the fixtures' dates up to now, a year on
				}
				if errA != nil || errB != nil {
					t.Fatalf("%q histogram by %s: elasticsearch %v, embedded %v", qs, interval, errA, errB)
				}
				if !slices.EqualFunc(a.Histogram, b.Histogram, sameBucket) {
					t.Errorf("%q histogram by %s: elasticsearch %v, embedded %v", qs, interval, a.Histogram, b.Histogram)
				}
				if len(a.Histogram) > 1 {
					histograms++
				}
			}
		}
	}
	if quoted < 8 {
		t.Errorf("only %d searches had hits with quotations", quoted)
	}
	if speakers < 8 {
		t.Errorf("only %d searches had a speaker facet with values", speakers)
	}
	if histograms < 40 {
		t.Errorf("only %d histograms had more than one bucket", histograms)
	}
	t.Logf("%d histograms with more than one bucket agreed", histograms)
}

// hitQuotes lists the quotations of each hit, by hit id.
func hitQuotes(r *index.Result) string {
	var parts []string
	for _, h := range r.Hits {
		for _, q := range h.Quotes {
			parts = append(parts, h.ID+": "+q.Speaker+": "+q.Text)
		}
	}
	slices.Sort(parts)
	return strings.Join(parts, "; ")
}

func sameBucket(a, b index.Bucket) bool { return a.T.Equal(b.T) && a.Count == b.Count }

func hitIDs(r *index.Result) []string {
	out := make([]string, len(r.Hits))
	for i, h := range r.Hits {
		out[i] = h.ID
	}
	return out
}

func stories(r *index.Result) []string {
	var out []string
	for _, h := range r.Hits {
		s := h.StoryID
		if s == "" {
			s = "article:" + h.ID
		}
		out = append(out, s)
	}
	slices.Sort(out)
	return out
}

// sameFacet compares facet counts as sets: ties may come in any order.
func sameFacet(a, b []index.FacetCount) bool {
	key := func(f index.FacetCount) string { return f.Value }
	sa, sb := slices.Clone(a), slices.Clone(b)
	slices.SortFunc(sa, func(x, y index.FacetCount) int { return strings.Compare(key(x), key(y)) })
	slices.SortFunc(sb, func(x, y index.FacetCount) int { return strings.Compare(key(x), key(y)) })
	return slices.Equal(sa, sb)
}
