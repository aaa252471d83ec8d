package embedded

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/parley-news/parley/pkg/article"
	"github.com/parley-news/parley/pkg/index"
	"github.com/parley-news/parley/pkg/permanent"
	"github.com/parley-news/parley/pkg/query"
)

func at(s string) *time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return &t
}

const (
	qZelensky = "Q3874799"
	qPutin    = "Q7747"
	qKyiv     = "Q1899"
	qAbuDhabi = "Q1519"
)

// testArticles is a small desk of diplomatic coverage: one story (s1)
// carried by two outlets, spellings in three scripts, an article without a
// date, and one published late on the last day of a range.
func testArticles() []*article.Article {
	return []*article.Article{
		{
			ID: "a1", URL: "https://www.reuters.com/world/abu-dhabi-talks", Source: "Reuters", Language: "en",
			Title:       "Ukraine and Russia open talks in Abu Dhabi",
			Summary:     "Delegations met under Emirati mediation.",
			Body:        "ABU DHABI, Jan 24 (Reuters) - Ukrainian and Russian delegations met in Abu Dhabi on Saturday, the first direct talks in months.\n\nPresident Volodymyr Zelenskiy said the meeting was \"constructive\" but warned that Kyiv would not cede territory. The Kremlin said Vladimir Putin had approved the agenda.",
			PublishedAt: at("2026-01-24T10:00:00Z"),
			Entities: article.Entities{
				People:    []article.Entity{{Name: "Volodymyr Zelenskiy", ID: qZelensky}, {Name: "Vladimir Putin", ID: qPutin}},
				Places:    []article.Entity{{Name: "Abu Dhabi", ID: qAbuDhabi}, {Name: "Kyiv", ID: qKyiv}},
				Countries: []string{"UA", "RU", "AE"},
			},
			Quotes:  []article.Quote{{Speaker: "Volodymyr Zelenskiy", Text: "constructive"}},
			Topics:  []string{"diplomacy"},
			StoryID: "s1",
			EventID: "e1",
		},
		{
			ID: "a2", URL: "https://kyivindependent.com/uk/zelensky-abu-dhabi", Source: "Kyiv Independent", Language: "uk",
			Title:       "Зеленський: переговори в Абу-Дабі тривають",
			Body:        "Президент України Володимир Зеленський заявив, що переговори з Росією в Абу-Дабі тривають. Офіс Зеленського не розкрив деталей.",
			PublishedAt: at("2026-01-25T08:15:00Z"),
			Entities: article.Entities{
				People:    []article.Entity{{Name: "Volodymyr Zelensky", ID: qZelensky}},
				Places:    []article.Entity{{Name: "Abu Dhabi", ID: qAbuDhabi}},
				Countries: []string{"ua", "ae"},
			},
			Topics:  []string{"Diplomacy"},
			StoryID: "s2",
			EventID: "e1",
		},
		{
			ID: "a3", URL: "https://apnews.com/riyadh-meeting", Source: "AP", Language: "en",
			Title:       "Saudi Arabia hosts US-Russia meeting in Riyadh",
			Body:        "RIYADH (AP) - Secretary of State Marco Rubio and Foreign Minister Sergey Lavrov met in Riyadh on Tuesday to discuss ending the war in Ukraine. Kiev was not invited.",
			PublishedAt: at("2025-02-18T12:00:00Z"),
			Entities: article.Entities{
				People:    []article.Entity{{Name: "Marco Rubio", ID: "Q324546"}, {Name: "Sergey Lavrov", ID: "Q80527"}},
				Places:    []article.Entity{{Name: "Riyadh", ID: "Q3692"}, {Name: "Kyiv", ID: qKyiv}},
				Countries: []string{"SA", "US", "RU"},
			},
			Quotes: []article.Quote{
				{Speaker: "Sergey Lavrov", SpeakerID: "Q80527", Text: "We are ready to listen to proposals"},
				{Speaker: "Marco Rubio", SpeakerID: "Q324546", Text: "This was a first step"},
			},
			Topics:  []string{"diplomacy"},
			StoryID: "s3",
			EventID: "e3",
		},
		{
			ID: "a4", URL: "https://www.aljazeera.com/news/abu-dhabi-talks", Source: "Al Jazeera", Language: "en",
			Title:       "Abu Dhabi talks between Ukraine and Russia end first day",
			Body:        "Talks between Ukraine and Russia in the Emirati capital ended their first day. Zelensky's envoy Rustem Umerov led the Ukrainian side.",
			PublishedAt: at("2026-01-24T18:00:00Z"),
			Entities: article.Entities{
				People:    []article.Entity{{Name: "Volodymyr Zelensky", ID: qZelensky}, {Name: "Rustem Umerov"}},
				Places:    []article.Entity{{Name: "Abu Dhabi", ID: qAbuDhabi}},
				Countries: []string{"UA", "RU", "AE"},
			},
			Topics:  []string{"diplomacy"},
			StoryID: "s1",
			EventID: "e1",
		},
		{
			ID: "a5", URL: "https://www.bloomberg.com/oil-opec", Source: "Bloomberg", Language: "en",
			Title:    "Oil prices rise as OPEC+ meets",
			Summary:  "Brent crude gained 2% ahead of the OPEC+ meeting.",
			Body:     "Oil rose on Monday as OPEC+ ministers prepared to meet. Saudi Arabia is expected to extend cuts.",
			Entities: article.Entities{Countries: []string{"SA"}},
			Topics:   []string{"economy"},
		},
		{
			ID: "a6", URL: "https://www.lemonde.fr/macron-zelensky", Source: "Le Monde", Language: "fr",
			Title:       "Macron reçoit Zelensky à l'Élysée",
			Body:        "Emmanuel Macron a reçu Volodymyr Zelensky à l'Élysée dimanche soir. Les deux présidents ont évoqué les négociations d'Abou Dhabi.",
			PublishedAt: at("2026-02-01T22:30:00Z"),
			Entities: article.Entities{
				People:    []article.Entity{{Name: "Emmanuel Macron", ID: "Q3052772"}, {Name: "Volodymyr Zelensky", ID: qZelensky}},
				Countries: []string{"FR", "UA"},
			},
			Topics:  []string{"diplomacy"},
			StoryID: "s6",
			EventID: "e6",
		},
		{
			ID: "a7", URL: "https://www.reuters.com/egypt-sisi-witkoff", Source: "Reuters", Language: "en",
			Title:       "Egypt's al-Sisi meets Witkoff in Cairo",
			Body:        "CAIRO, Jan 31 (Reuters) - Egyptian President Abdel Fattah al-Sisi met U.S. envoy Steve Witkoff in Cairo on Saturday to discuss the Gaza ceasefire. Sisi said Egypt was ready to host further talks.",
			PublishedAt: at("2026-01-31T09:00:00Z"),
			Entities: article.Entities{
				People:    []article.Entity{{Name: "Abdel Fattah el-Sisi", ID: "Q58311"}, {Name: "Steve Witkoff", ID: "Q7614025"}},
				Places:    []article.Entity{{Name: "Cairo", ID: "Q85"}},
				Countries: []string{"EG", "US"},
			},
			Quotes:  []article.Quote{{Speaker: "Abdel Fattah el-Sisi", SpeakerID: "Q58311", Text: "Egypt is ready to host further talks"}},
			Topics:  []string{"diplomacy", "middle-east"},
			StoryID: "s7",
			EventID: "e7",
		},
	}
}

// mapResolver is a tiny gazetteer for tests.
type mapResolver map[string][2]string

func (m mapResolver) Lookup(name string) (kind, id string, ok bool) {
	v, ok := m[strings.ToLower(strings.TrimSpace(name))]
	return v[0], v[1], ok
}

// Spellings makes mapResolver a query.Speller: every name with the same
// id, in a fixed order.
func (m mapResolver) Spellings(name string) []string {
	_, id, ok := m.Lookup(name)
	if !ok {
		return nil
	}
	var out []string
	for n, v := range m {
		if v[1] == id {
			out = append(out, n)
		}
	}
	slices.Sort(out)
	return out
}

// canonicalNames are the names the enricher would give speakers, by id.
var canonicalNames = map[string]string{qZelensky: "Volodymyr Zelenskiy", qPutin: "Vladimir Putin"}

// CanonicalName makes mapResolver a query.Namer, as the gazetteer is.
func (m mapResolver) CanonicalName(name string) (string, bool) {
	_, id, ok := m.Lookup(name)
	c, known := canonicalNames[id]
	return c, ok && known
}

func testResolver() mapResolver {
	person := func(id string) [2]string { return [2]string{query.KindPerson, id} }
	return mapResolver{
		"zelenskiy": person(qZelensky), "zelensky": person(qZelensky), "zelenskyy": person(qZelensky),
		"зеленський": person(qZelensky), "volodymyr zelensky": person(qZelensky),
		"putin": person(qPutin), "vladimir putin": person(qPutin), "путін": person(qPutin),
		"ukraine": {query.KindCountry, "UA"}, "україна": {query.KindCountry, "UA"},
		"uae": {query.KindCountry, "AE"}, "united arab emirates": {query.KindCountry, "AE"},
		"kyiv": {query.KindPlace, qKyiv}, "kiev": {query.KindPlace, qKyiv}, "київ": {query.KindPlace, qKyiv},
		"abu dhabi": {query.KindPlace, qAbuDhabi},
	}
}

func openTest(t testing.TB, cfg Config) *Index {
	t.Helper()
	ix, err := Open(cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { _ = ix.Close() })
	return ix
}

func fill(t testing.TB, ix *Index, arts []*article.Article) {
	t.Helper()
	for i, err := range ix.Index(context.Background(), arts) {
		if err != nil {
			t.Fatalf("Index %s: %v", arts[i].ID, err)
		}
	}
}

func search(t *testing.T, ix *Index, req index.Request) *index.Result {
	t.Helper()
	res, err := ix.Search(context.Background(), req)
	if err != nil {
		t.Fatalf("Search(%s): %v", query.Format(req.Query), err)
	}
	return res
}

func ids(hits []index.Hit) []string {
	out := make([]string, len(hits))
	for i, h := range hits {
		out[i] = h.ID
	}
	return out
}

func sorted(s []string) []string {
	s = slices.Clone(s)
	sort.Strings(s)
	return s
}

func mustParse(t testing.TB, s string) query.Node {
	t.Helper()
	n, err := query.Parse(s)
	if err != nil {
		t.Fatalf("Parse(%q): %v", s, err)
	}
	return n
}

// searchTests are queries with the articles they must find. They serve
// both the Bleve index and query.Match (TestMatchAgreesWithSearch).
var searchTests = []struct {
	q    string
	want []string
}{
	{"*", []string{"a1", "a2", "a3", "a4", "a5", "a6", "a7"}},
	{"", []string{"a1", "a2", "a3", "a4", "a5", "a6", "a7"}},
	// words: lower case, no stemming, every text field
	{"talks", []string{"a1", "a4", "a7"}},
	{"TALKS", []string{"a1", "a4", "a7"}},
	{"talk", []string{"a1", "a4", "a7"}}, // talks, by its English stem
	{`"talk"`, nil},                      // quoted: that form only
	{"переговорах", []string{"a2"}},      // переговори, by its Ukrainian stem
	{`"переговорах"`, nil},
	{"Emirati", []string{"a1", "a4"}}, // a1 in summary, a4 in body
	{"переговори", []string{"a2"}},
	{"Élysée", nil}, // UAX #29 keeps l'Élysée one word, as Elasticsearch does
	{"l'élysée", []string{"a6"}},
	{"the", []string{"a1", "a3", "a4", "a5", "a7"}}, // no stop words
	// phrases, and words that analyse to several tokens
	{`"Abu Dhabi"`, []string{"a1", "a2", "a4"}}, // a2 through the entity
	{`"abu  dhabi"`, []string{"a1", "a4"}},
	{`"Dhabi Abu"`, nil},
	{`"Абу-Дабі"`, []string{"a2"}},
	{"al-Sisi", []string{"a7"}},
	{`"ceasefire talks"`, nil},
	{`"Gaza ceasefire"`, []string{"a7"}},
	// boolean logic, implicit AND, precedence, nesting
	{"Ukraine Russia", []string{"a1", "a3", "a4"}},
	{"Ukraine AND Russia", []string{"a1", "a3", "a4"}},
	{"Riyadh OR Cairo", []string{"a3", "a7"}},
	{"Riyadh OR Cairo talks", []string{"a3", "a7"}},
	{"(Riyadh OR Cairo) talks", []string{"a7"}},
	{"((Riyadh OR (Cairo AND Gaza)) AND NOT Rubio)", []string{"a7"}},
	{"Ukraine -Kiev", []string{"a2", "a4", "a6"}}, // Ukraine is also country:UA, Kiev also entity:Q1899
	{"Ukraine NOT Kiev", []string{"a2", "a4", "a6"}},
	{"Rubio and Lavrov", []string{"a3"}}, // "and" is a word
	{"Rubio or Lavrov", nil},
	// prefixes: one analysed word of at least query.MinPrefix letters
	{"Zelensk*", []string{"a1", "a4", "a6"}}, // Zelenskiy, Zelensky's, Zelensky; no expansion
	{"Зеленськ*", []string{"a2"}},
	{"title:talk*", []string{"a1", "a4"}},
	{"Ukrain*", []string{"a1", "a3", "a4"}},
	{"person:Zelensk*", []string{"a1", "a2", "a4", "a6"}},
	{"négoc* OR переговор*", []string{"a2", "a6"}},
	{"meet* -title:meet*", []string{"a1"}},
	{"zzz*", nil},
	// NOT-only
	{"NOT diplomacy", []string{"a1", "a2", "a3", "a4", "a5", "a6", "a7"}}, // a bare word, not the topic
	{"NOT topic:diplomacy", []string{"a5"}},
	{"-topic:diplomacy", []string{"a5"}},
	{"NOT (topic:diplomacy OR language:fr)", []string{"a5"}},
	{"NOT NOT country:FR", []string{"a6"}},
	// fields
	{"title:talks", []string{"a1", "a4"}},
	{`title:"Abu Dhabi"`, []string{"a1", "a4"}},
	{"source:reuters", []string{"a1", "a7"}},
	{`source:"Kyiv Independent"`, []string{"a2"}},
	{"source:Kyiv", []string{"a2"}},
	{"language:en", []string{"a1", "a3", "a4", "a5", "a7"}},
	{"language:UK", []string{"a2"}},
	{"language:ukrainian", []string{"a2"}},
	{"language:українська OR language:anglais", []string{"a1", "a2", "a3", "a4", "a5", "a7"}},
	{"country:ae", []string{"a1", "a2", "a4"}},
	{"country:UA country:FR", []string{"a6"}},
	{"person:Lavrov", []string{"a3"}},
	{`person:"Volodymyr Zelensky"`, []string{"a1", "a2", "a4", "a6"}}, // a1 through the entity
	{`person:"Zelensky Volodymyr"`, nil},
	{"person:Zelensky", []string{"a1", "a2", "a4", "a6"}},
	{"title:Zelensky", []string{"a2", "a6"}}, // Зеленський: a capitalised word is a name in any script
	{`title:"Zelensky"`, []string{"a6"}},
	{"topic:Diplomacy", []string{"a1", "a2", "a3", "a4", "a6", "a7"}},
	{"topic:middle-east", []string{"a7"}},
	{"story:s1", []string{"a1", "a4"}},
	{"story:S1", nil},
	{"event:e1", []string{"a1", "a2", "a4"}},
	{"event:E1", nil},
	{"event:e1 AND language:uk", []string{"a2"}},
	{"entity:q1899", []string{"a1", "a3"}},
	// dates: inclusive, To to the end of its day, open bounds, no date
	{"published_at:[2026-01-24 TO 2026-01-24]", []string{"a1", "a4"}},
	{"published_at:2026-01-24", []string{"a1", "a4"}},
	{"published_at:[2026-01-25 TO 2026-02-01]", []string{"a2", "a6", "a7"}},
	{"published_at:[2026-01-01 TO 2026-01-31]", []string{"a1", "a2", "a4", "a7"}},
	{"published_at:[* TO 2025-12-31]", []string{"a3"}},
	{"published_at:[2026-01-24T18:00:00Z TO *]", []string{"a2", "a4", "a6", "a7"}},
	{"published_at:[2026-01-24T10:00:00Z TO 2026-01-24T10:00:00Z]", []string{"a1"}},
	{"published_at:[* TO *]", []string{"a1", "a2", "a3", "a4", "a6", "a7"}},
	{"NOT published_at:[* TO *]", []string{"a5"}},
	{"topic:diplomacy published_at:[2026-01-01 TO *] -country:UA", []string{"a7"}},
	// expansion through the resolver (the index is opened with one)
	{"Zelenskiy", []string{"a1", "a2", "a4", "a6"}},
	{"Зеленський", []string{"a1", "a2", "a4", "a6"}},
	{"Vladimir Putin", []string{"a1"}},
	{"person:Zelenskyy", []string{"a1", "a2", "a4", "a6"}},
	{"country:Ukraine", []string{"a1", "a2", "a4", "a6"}},
	{"country:UAE", []string{"a1", "a2", "a4"}},
	{"UAE", []string{"a1", "a2", "a4"}},
	{"Kiev", []string{"a1", "a3"}},
	{`"Abu Dhabi" -Kyiv`, []string{"a2", "a4"}},
	// quotations and who said them
	{"quote:constructive", []string{"a1"}},
	{`quote:"ready to"`, []string{"a3", "a7"}},
	{`quote:"to ready"`, nil},
	{"quote:Riyadh", nil}, // in the body, not in a quotation
	{"speaker:Lavrov", []string{"a3"}},
	{"speaker:sisi", []string{"a7"}},
	{`speaker:"el-Sisi"`, []string{"a7"}},
	{"speaker:Lavrov quote:ready", []string{"a3"}},
	{"speaker:Rubio quote:talks", nil},
	{"speaker:Zelenskiy", []string{"a1"}},
	{"speaker:Зеленський", []string{"a1"}}, // through the canonical name
	{"speaker:Zelensky OR speaker:Putin", []string{"a1"}},
	{"quote:ready -speaker:Lavrov", []string{"a7"}},
	{"speaker:Kyiv", nil},
}

func TestSearch(t *testing.T) {
	ix := openTest(t, Config{Resolver: testResolver()})
	fill(t, ix, testArticles())
	for _, tt := range searchTests {
		t.Run(tt.q, func(t *testing.T) {
			res := search(t, ix, index.Request{Query: mustParse(t, tt.q), Size: 100})
			got := sorted(ids(res.Hits))
			if !slices.Equal(got, sorted(tt.want)) {
				t.Fatalf("Search(%q) = %v, want %v", tt.q, got, tt.want)
			}
			if res.Total != len(tt.want) {
				t.Fatalf("Search(%q).Total = %d, want %d", tt.q, res.Total, len(tt.want))
			}
		})
	}
}

// TestMatchAgreesWithSearch holds the alerter's matcher to the index: for
// every query, query.Match over the articles finds exactly what Search does.
func TestMatchAgreesWithSearch(t *testing.T) {
	r := testResolver()
	ix := openTest(t, Config{Resolver: r})
	arts := testArticles()
	fill(t, ix, arts)
	docs := make([]*query.Document, len(arts))
	for i, a := range arts {
		docs[i] = query.NewDocument(a)
	}
	queries := []string{
		"Sisi", "sisi AND al", "U.S.", "U.S. envoy", `"U.S"`, "Jan 24", "24", "2", "OPEC+", "OPEC",
		"Zelensky's", "d'Abou", "l'Élysée", `"a reçu"`, "title:Зеленський", "person:Sisi", "person:el-Sisi",
		"source:AL", `source:"al jazeera"`, "country:xx", "language:\"\"", "story:\"\"", `title:""`,
		"entity:Q58311 OR entity:Q80527", "(a OR b) c", "Kyiv Kiev", "Київ", "Ukraine OR Україна",
	}
	for _, tt := range searchTests {
		queries = append(queries, tt.q)
	}
	for _, s := range queries {
		n := mustParse(t, s)
		res := search(t, ix, index.Request{Query: n, Size: 100})
		var matched []string
		expanded := query.Expand(n, r)
		for i, d := range docs {
			if query.Match(expanded, d) {
				matched = append(matched, arts[i].ID)
			}
		}
		if got := sorted(ids(res.Hits)); !slices.Equal(got, sorted(matched)) {
			t.Errorf("%q (%s): Search = %v, Match = %v", s, query.Format(expanded), got, matched)
		}
	}
}

// TestPrefixBound: a prefix expanding to more than query.MaxPrefixWords
// words of the index is refused, in searches and exports; a longer one is
// not.
func TestPrefixBound(t *testing.T) {
	ix := openTest(t, Config{})
	var body strings.Builder
	for i := range query.MaxPrefixWords + 1 {
		fmt.Fprintf(&body, "abc%04d ", i)
	}
	fill(t, ix, []*article.Article{{ID: "wide", Title: "wide", Body: body.String()}})
	for _, q := range []string{"abc*", "title:wide OR ABC*"} {
		_, err := ix.Search(context.Background(), index.Request{Query: mustParse(t, q)})
		if !errors.Is(err, index.ErrPrefixTooBroad) {
			t.Errorf("search %s: err = %v, want ErrPrefixTooBroad", q, err)
		}
		err = ix.Export(context.Background(), mustParse(t, q), func(index.Record) error { return nil })
		if !errors.Is(err, index.ErrPrefixTooBroad) {
			t.Errorf("export %s: err = %v, want ErrPrefixTooBroad", q, err)
		}
	}
	res := search(t, ix, index.Request{Query: mustParse(t, "abc1*")})
	if res.Total != 1 {
		t.Errorf("abc1* (25 words): %d hits, want 1", res.Total)
	}
}

func TestExpansionNeedsResolver(t *testing.T) {
	ix := openTest(t, Config{})
	fill(t, ix, testArticles())
	// Quoted, so that the name key (which folds Zelenskiy and Zelensky
	// without any list) does not apply.
	res := search(t, ix, index.Request{Query: mustParse(t, `"Zelenskiy"`), Size: 100})
	if got := ids(res.Hits); !slices.Equal(got, []string{"a1"}) {
		t.Fatalf(`without a resolver "Zelenskiy" found %v, want [a1]`, got)
	}
}

func TestOrdering(t *testing.T) {
	ix := openTest(t, Config{})
	fill(t, ix, testArticles())
	res := search(t, ix, index.Request{Query: query.All{}, Size: 100})
	want := []string{"a6", "a7", "a2", "a4", "a1", "a3", "a5"} // newest first, undated last
	if got := ids(res.Hits); !slices.Equal(got, want) {
		t.Fatalf("* ordered %v, want %v", got, want)
	}
	// Equal relevance falls back to newest first.
	res = search(t, ix, index.Request{Query: mustParse(t, "country:RU"), Size: 100})
	if got := ids(res.Hits); !slices.Equal(got, []string{"a4", "a1", "a3"}) {
		t.Fatalf("country:RU ordered %v", got)
	}
	// A word in the title and body ranks above one in the body only.
	res = search(t, ix, index.Request{Query: mustParse(t, "ceasefire OR Cairo"), Size: 100})
	if len(res.Hits) == 0 || res.Hits[0].ID != "a7" {
		t.Fatalf("ceasefire OR Cairo ordered %v", ids(res.Hits))
	}
}

func TestPagination(t *testing.T) {
	ix := openTest(t, Config{})
	fill(t, ix, testArticles())
	all := ids(search(t, ix, index.Request{Query: query.All{}, Size: 100}).Hits)
	var paged []string
	for from := 0; from < 10; from += 3 {
		res := search(t, ix, index.Request{Query: query.All{}, From: from, Size: 3})
		if res.Total != 7 {
			t.Fatalf("Total = %d on page from %d", res.Total, from)
		}
		paged = append(paged, ids(res.Hits)...)
	}
	if !slices.Equal(paged, all) {
		t.Fatalf("pages %v, want %v", paged, all)
	}
	if n := len(search(t, ix, index.Request{}).Hits); n != 7 {
		t.Fatalf("default size returned %d hits", n)
	}
	var many []*article.Article
	for i := range 150 {
		many = append(many, &article.Article{ID: fmt.Sprintf("m%03d", i), Title: "filler"})
	}
	fill(t, ix, many)
	if n := len(search(t, ix, index.Request{Query: mustParse(t, "filler")}).Hits); n != 10 {
		t.Fatalf("default size: %d hits, want 10", n)
	}
	res := search(t, ix, index.Request{Query: mustParse(t, "filler"), Size: 1000})
	if len(res.Hits) != 100 || res.Total != 150 {
		t.Fatalf("size cap: %d hits of %d, want 100 of 150", len(res.Hits), res.Total)
	}
}

func TestFacets(t *testing.T) {
	ix := openTest(t, Config{})
	fill(t, ix, testArticles())
	res := search(t, ix, index.Request{
		Query:  mustParse(t, "topic:diplomacy"),
		Facets: []string{index.FacetSource, index.FacetLanguage, index.FacetCountry, index.FacetPerson, index.FacetTopic, index.FacetSpeaker},
	})
	want := map[string][]index.FacetCount{
		index.FacetSpeaker:  {{Value: "Abdel Fattah el-Sisi", Count: 1}, {Value: "Marco Rubio", Count: 1}, {Value: "Sergey Lavrov", Count: 1}, {Value: "Volodymyr Zelenskiy", Count: 1}},
		index.FacetSource:   {{Value: "Reuters", Count: 2}, {Value: "AP", Count: 1}, {Value: "Al Jazeera", Count: 1}, {Value: "Kyiv Independent", Count: 1}, {Value: "Le Monde", Count: 1}},
		index.FacetLanguage: {{Value: "en", Count: 4}, {Value: "fr", Count: 1}, {Value: "uk", Count: 1}},
		index.FacetCountry:  {{Value: "UA", Count: 4}, {Value: "AE", Count: 3}, {Value: "RU", Count: 3}, {Value: "US", Count: 2}, {Value: "EG", Count: 1}, {Value: "FR", Count: 1}, {Value: "SA", Count: 1}},
		index.FacetTopic:    {{Value: "diplomacy", Count: 6}, {Value: "middle-east", Count: 1}},
	}
	for name, w := range want {
		if got := res.Facets[name]; !slices.Equal(got, w) {
			t.Errorf("facet %s = %v, want %v", name, got, w)
		}
	}
	people := res.Facets[index.FacetPerson]
	if len(people) == 0 || people[0] != (index.FacetCount{Value: "Volodymyr Zelensky", Count: 3}) {
		t.Errorf("person facet = %v, want Volodymyr Zelensky first with 3", people)
	}
	// FacetSize keeps the top values only.
	top := search(t, ix, index.Request{Query: mustParse(t, "topic:diplomacy"), Facets: []string{index.FacetCountry}, FacetSize: 2})
	if got := top.Facets[index.FacetCountry]; !slices.Equal(got, want[index.FacetCountry][:2]) {
		t.Errorf("country facet of size 2 = %v", got)
	}
	if _, err := ix.Search(context.Background(), index.Request{Facets: []string{"colour"}}); err == nil {
		t.Errorf("unknown facet: no error")
	}
}

func TestCollapseStories(t *testing.T) {
	ix := openTest(t, Config{})
	fill(t, ix, testArticles())
	res := search(t, ix, index.Request{Query: mustParse(t, "Ukraine"), CollapseStories: true, Size: 100})
	// a1 and a4 are story s1: one of them only (a2 has України).
	got := ids(res.Hits)
	if len(got) != 3 || res.Total != 3 || !slices.Contains(got, "a3") || !slices.Contains(got, "a2") {
		t.Fatalf("collapsed hits %v total %d, want one of s1, a2 and a3", got, res.Total)
	}
	res = search(t, ix, index.Request{Query: query.All{}, CollapseStories: true, Size: 2, From: 4, Facets: []string{index.FacetSource}})
	if got := ids(res.Hits); res.Total != 6 || !slices.Equal(got, []string{"a3", "a5"}) {
		t.Fatalf("collapsed page = %v total %d, want [a3 a5] of 6", got, res.Total)
	}
	if res.Facets[index.FacetSource][0] != (index.FacetCount{Value: "Reuters", Count: 2}) {
		t.Fatalf("facets with collapse: %v", res.Facets)
	}
}

func TestSnippets(t *testing.T) {
	ix := openTest(t, Config{})
	fill(t, ix, testArticles())
	res := search(t, ix, index.Request{Query: mustParse(t, "Kremlin")})
	s := res.Hits[0].Snippet
	if !strings.HasPrefix(s, "…") || !strings.Contains(s, "Kremlin said Vladimir Putin") || strings.ContainsAny(s, "<>\n") {
		t.Errorf("snippet around Kremlin = %q", s)
	}
	if n := len([]rune(s)); n > 205 {
		t.Errorf("snippet of %d characters", n)
	}
	res = search(t, ix, index.Request{Query: mustParse(t, "country:SA -topic:diplomacy")})
	if got := res.Hits[0].Snippet; got != "Brent crude gained 2% ahead of the OPEC+ meeting." {
		t.Errorf("summary snippet = %q", got)
	}
	res = search(t, ix, index.Request{Query: mustParse(t, "story:s7")})
	if got := res.Hits[0].Snippet; !strings.HasPrefix(got, "CAIRO, Jan 31 (Reuters) - Egyptian") {
		t.Errorf("body-start snippet = %q", got)
	}
	h := res.Hits[0]
	if h.URL != "https://www.reuters.com/egypt-sisi-witkoff" || h.Source != "Reuters" || h.Language != "en" ||
		h.PublishedAt == nil || !h.PublishedAt.Equal(*at("2026-01-31T09:00:00Z")) || h.StoryID != "s7" || h.Title == "" {
		t.Errorf("hit = %+v", h)
	}
}

func TestIndexIdempotent(t *testing.T) {
	ix := openTest(t, Config{})
	a := testArticles()[0]
	fill(t, ix, []*article.Article{a})
	b := *a
	b.Title = "Ukraine and Russia end talks in Abu Dhabi"
	fill(t, ix, []*article.Article{&b, &b})
	n, err := ix.Count(context.Background())
	if err != nil || n != 1 {
		t.Fatalf("Count = %d, %v; want 1", n, err)
	}
	if got := ids(search(t, ix, index.Request{Query: mustParse(t, "title:open")}).Hits); len(got) != 0 {
		t.Fatalf("old title still found: %v", got)
	}
	if got := ids(search(t, ix, index.Request{Query: mustParse(t, "title:end")}).Hits); !slices.Equal(got, []string{"a1"}) {
		t.Fatalf("new title not found: %v", got)
	}
}

func TestIndexErrors(t *testing.T) {
	ix := openTest(t, Config{})
	errs := ix.Index(context.Background(), []*article.Article{{ID: "ok", Title: "fine"}, {Title: "no id"}, nil})
	if errs[0] != nil || !permanent.Is(errs[1]) || !permanent.Is(errs[2]) {
		t.Fatalf("errors = %v", errs)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	errs = ix.Index(ctx, []*article.Article{{ID: "late"}})
	if !errors.Is(errs[0], context.Canceled) || permanent.Is(errs[0]) {
		t.Fatalf("cancelled: %v", errs)
	}
}

func TestArticle(t *testing.T) {
	ix := openTest(t, Config{})
	arts := testArticles()
	fill(t, ix, arts)
	a, err := ix.Article(context.Background(), "a2")
	if err != nil {
		t.Fatal(err)
	}
	if a.Title != arts[1].Title || a.Body != arts[1].Body || len(a.Entities.People) != 1 || a.Entities.People[0].ID != qZelensky {
		t.Fatalf("Article = %+v", a)
	}
	if _, err := ix.Article(context.Background(), "nope"); !errors.Is(err, index.ErrNotFound) {
		t.Fatalf("unknown id: %v, want ErrNotFound", err)
	}
}

func TestPersistence(t *testing.T) {
	dir := t.TempDir() + "/index"
	ix, err := Open(Config{Path: dir}, nil)
	if err != nil {
		t.Fatal(err)
	}
	fill(t, ix, testArticles())
	if err := ix.Close(); err != nil {
		t.Fatal(err)
	}
	ix = openTest(t, Config{Path: dir, Resolver: testResolver()})
	n, err := ix.Count(context.Background())
	if err != nil || n != 7 {
		t.Fatalf("Count after reopen = %d, %v", n, err)
	}
	res := search(t, ix, index.Request{Query: mustParse(t, "Зеленський"), Size: 100})
	if got := sorted(ids(res.Hits)); !slices.Equal(got, []string{"a1", "a2", "a4", "a6"}) {
		t.Fatalf("after reopen: %v", got)
	}
	if _, err := ix.Article(context.Background(), "a7"); err != nil {
		t.Fatal(err)
	}
}

func TestOpenRefusesOtherMapping(t *testing.T) {
	dir := t.TempDir()
	ix, err := Open(Config{Path: dir}, nil) // an existing empty directory
	if err != nil {
		t.Fatal(err)
	}
	if err := ix.idx.SetInternal(internalMappingVersion, []byte("0")); err != nil {
		t.Fatal(err)
	}
	_ = ix.Close()
	if _, err := Open(Config{Path: dir}, nil); !errors.Is(err, ErrOutdated) || !strings.Contains(err.Error(), "mapping version") {
		t.Fatalf("Open of an index with another mapping: %v, want ErrOutdated", err)
	}
}

// TestAnalysisAgrees holds query.Analyze to the analyzer the mapping
// gives Bleve's text fields: same tokens, same positions.
func TestAnalysisAgrees(t *testing.T) {
	m, err := buildMapping()
	if err != nil {
		t.Fatal(err)
	}
	inputs := []string{
		"", "Ukraine and Russia open talks in Abu Dhabi", "U.S.-Russia", "al-Sisi's envoy", "3.5% 2026-01-24 10:00",
		"ΟΔΥΣΣΕΥΣ ΣΟΦΟΣ", "İstanbul İSTANBUL", "Ⱥ Ⱦ ȺȾ", "東京都で会談", "カタカナ ひらがな", "ภาษาไทย", "한국어 회담",
		"Зеленський заявив, що…", "l'Élysée d’Abou", "emoji 🇺🇦 ✌️", "don't", "OPEC+", "\xff\xfeinvalid \xc3", "a\u00adb", "x_y z.w",
	}
	for _, s := range inputs {
		var bleveToks []string
		stream, err := m.AnalyzeText(textAnalyzer, []byte(s))
		if err != nil {
			t.Fatal(err)
		}
		for _, tok := range stream {
			bleveToks = append(bleveToks, fmt.Sprintf("%d:%s", tok.Position, tok.Term))
		}
		var ours []string
		for i, tok := range query.Analyze(s) {
			ours = append(ours, fmt.Sprintf("%d:%s", i+1, tok.Text))
		}
		if !slices.Equal(bleveToks, ours) {
			t.Errorf("%q: bleve %q, query.Analyze %q", s, bleveToks, ours)
		}
	}
}

func TestSearchCancelled(t *testing.T) {
	ix := openTest(t, Config{})
	fill(t, ix, testArticles())
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := ix.Search(ctx, index.Request{Query: query.All{}}); !errors.Is(err, context.Canceled) {
		t.Fatalf("Search with a cancelled context: %v", err)
	}
}

func TestOpenTwiceIsAClearError(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "index")
	first, err := Open(Config{Path: dir}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer first.Close()
	if _, err := Open(Config{Path: dir}, nil); !errors.Is(err, ErrIndexInUse) {
		t.Fatalf("second open: %v, want ErrIndexInUse", err)
	}
}

// TestOpenUnreadableIsDamaged: an index whose files the storage library
// cannot open is ErrDamaged (parley moves it aside and fills a new one)
// rather than an error that keeps parley from starting at all.
func TestOpenUnreadableIsDamaged(t *testing.T) {
	dir := t.TempDir() + "/index"
	ix, err := Open(Config{Path: dir}, nil)
	if err != nil {
		t.Fatal(err)
	}
	fill(t, ix, testArticles())
	if err := ix.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "index_meta.json"), []byte("\x00garbage{"), 0o600); err != nil {
		t.Fatal(err)
	}
	ix, err = Open(Config{Path: dir}, nil)
	if err == nil {
		ix.Close()
		t.Fatal("Open of an unreadable index succeeded")
	}
	if !errors.Is(err, ErrDamaged) {
		t.Fatalf("Open = %v, want ErrDamaged", err)
	}
}
