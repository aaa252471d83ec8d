package elastic

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/parley-news/parley/pkg/article"
	"github.com/parley-news/parley/pkg/index"
	"github.com/parley-news/parley/pkg/permanent"
	"github.com/parley-news/parley/pkg/query"
)

func TestOpenInstallsTemplateAndAlias(t *testing.T) {
	ix := openTest(t, nil)
	url := ix.cfg.URLs[0]

	var tmpl struct {
		IndexTemplates []struct {
			Name          string `json:"name"`
			IndexTemplate struct {
				IndexPatterns []string `json:"index_patterns"`
				Template      struct {
					Mappings struct {
						Dynamic any `json:"dynamic"`
					} `json:"mappings"`
				} `json:"template"`
			} `json:"index_template"`
		} `json:"index_templates"`
	}
	rawJSON(t, url, http.MethodGet, "/_index_template/"+ix.Alias(), nil, &tmpl)
	if len(tmpl.IndexTemplates) != 1 {
		t.Fatalf("index templates named %s: %d, want 1", ix.Alias(), len(tmpl.IndexTemplates))
	}
	it := tmpl.IndexTemplates[0].IndexTemplate
	if !slices.Equal(it.IndexPatterns, []string{ix.Alias() + "-*"}) {
		t.Errorf("template patterns %v, want [%s-*]", it.IndexPatterns, ix.Alias())
	}
	if fmt.Sprint(it.Template.Mappings.Dynamic) != "false" {
		t.Errorf("template dynamic %v, want false", it.Template.Mappings.Dynamic)
	}

	var aliases []struct {
		Alias        string `json:"alias"`
		Index        string `json:"index"`
		IsWriteIndex string `json:"is_write_index"`
	}
	rawJSON(t, url, http.MethodGet, "/_cat/aliases/"+ix.Alias()+"?format=json", nil, &aliases)
	want := ix.Alias() + versionSuffix
	if len(aliases) != 1 || aliases[0].Index != want || aliases[0].IsWriteIndex != "true" {
		t.Errorf("_cat/aliases: %+v, want %s -> %s (write index)", aliases, ix.Alias(), want)
	}
	if ix.IndexName() != want {
		t.Errorf("IndexName %s, want %s", ix.IndexName(), want)
	}

	// The mapping Elasticsearch reports for the alias has the design's types.
	var m map[string]struct {
		Mappings struct {
			Dynamic    any                       `json:"dynamic"`
			Properties map[string]map[string]any `json:"properties"`
		} `json:"mappings"`
	}
	rawJSON(t, url, http.MethodGet, "/"+ix.Alias()+"/_mapping", nil, &m)
	props := m[want].Mappings.Properties
	for field, typ := range map[string]string{
		"id": "keyword", "url": "keyword", "language": "keyword", "countries": "keyword",
		"published_at": "date", "title": "text", "body": "text", "people": "text",
		"story_id": "keyword", "topics": "keyword", "event_id": "keyword", "body_stem": "text", "title_name": "text",
	} {
		if got := props[field]["type"]; got != typ {
			t.Errorf("mapping of %s: type %v, want %s", field, got, typ)
		}
	}
	if a := props["body_stem"]["analyzer"]; a != "whitespace" {
		t.Errorf("body_stem analyzer %v, want whitespace", a)
	}
	if sub, _ := props["source"]["fields"].(map[string]any); sub["keyword"] == nil {
		t.Errorf("source has no keyword sub-field: %v", props["source"])
	}
	if props["article"]["enabled"] != false {
		t.Errorf("article field: %v, want enabled false", props["article"])
	}

	// A second Open on the same alias finds it and succeeds.
	ix2, err := Open(context.Background(), ix.cfg, testLogger(t))
	if err != nil {
		t.Fatalf("second open: %v", err)
	}
	if err := ix2.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestOpenRefusesConflictingIndex(t *testing.T) {
	url := esURL(t)
	tests := []struct {
		name   string
		setup  func(alias string) (path string, body any)
		reason string
	}{
		{
			name: "versioned index with other field types",
			setup: func(alias string) (string, any) {
				return "/" + alias + versionSuffix, map[string]any{
					"aliases":  map[string]any{alias: map[string]any{}},
					"mappings": map[string]any{"properties": map[string]any{"published_at": map[string]any{"type": "keyword"}, "title": map[string]any{"type": "keyword"}}},
				}
			},
			reason: "published_at is keyword, want date",
		},
		{
			name: "plain index with the alias's name",
			setup: func(alias string) (string, any) {
				return "/" + alias, map[string]any{}
			},
			reason: "is an index, not an alias",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			alias := uniqueAlias(t)
			cleanup(t, url, alias)
			path, body := tt.setup(alias)
			rawJSON(t, url, http.MethodPut, path, body, nil)
			ix, err := Open(context.Background(), Config{URLs: []string{url}, Index: alias}, testLogger(t))
			if err == nil {
				ix.Close()
				t.Fatal("open succeeded on a conflicting index")
			}
			if !errors.Is(err, ErrMappingConflict) || !strings.Contains(err.Error(), tt.reason) {
				t.Errorf("open: %v; want ErrMappingConflict saying %q", err, tt.reason)
			}
		})
	}
}

func TestOpenUnreachable(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close() // nothing listens there now
	_, err = Open(context.Background(), Config{URLs: []string{"http://" + addr}, MaxRetries: 1}, testLogger(t))
	if !errors.Is(err, ErrUnreachable) {
		t.Fatalf("open on a closed port: %v, want ErrUnreachable", err)
	}
}

func TestIndexIsIdempotent(t *testing.T) {
	ix := openTest(t, nil)
	a := fixtures(t)[0]
	mustIndex(t, ix, []*article.Article{a})
	b := *a
	b.Title = "Updated title"
	mustIndex(t, ix, []*article.Article{&b, &b})
	n, err := ix.Count(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if n != 1 {
		t.Errorf("count after indexing one article three times: %d, want 1", n)
	}
	got, err := ix.Article(context.Background(), a.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Title != "Updated title" {
		t.Errorf("title %q, want the last version's", got.Title)
	}
}

func TestArticle(t *testing.T) {
	ix := openTest(t, nil)
	arts := fixtures(t)
	mustIndex(t, ix, arts)
	got, err := ix.Article(context.Background(), "a1")
	if err != nil {
		t.Fatal(err)
	}
	if got.Title != arts[0].Title || got.Body != arts[0].Body || len(got.Entities.People) != 2 || len(got.Quotes) != 1 {
		t.Errorf("article a1 came back as %+v", got)
	}
	_, err = ix.Article(context.Background(), "no-such-id")
	if !errors.Is(err, index.ErrNotFound) {
		t.Errorf("unknown id: %v, want index.ErrNotFound", err)
	}
}

// TestIndexReportsRejectedItems: items the mapping refuses come back with
// Elasticsearch's reason, marked permanent, while the others of the same
// call are written.
func TestIndexReportsRejectedItems(t *testing.T) {
	url := esURL(t)
	tests := []struct {
		name   string
		setup  func(t *testing.T, alias string) // before Open
		bad    func(a *article.Article)
		reason string
	}{
		{
			name: "keyword value too long for the mapping",
			bad: func(a *article.Article) {
				a.URL = "https://example.org/" + strings.Repeat("x", 40000)
			},
			reason: "immense term",
		},
		{
			// An index created by hand whose published_at is a date
			// without time: the field types agree, so Open accepts it,
			// but a date with a time conflicts with that mapping.
			name: "date that conflicts with the index's date format",
			setup: func(t *testing.T, alias string) {
				m := mappings()
				m["properties"].(map[string]any)["published_at"] = map[string]any{"type": "date", "format": "strict_date"}
				rawJSON(t, url, http.MethodPut, "/"+alias+versionSuffix, map[string]any{
					"aliases": map[string]any{alias: map[string]any{"is_write_index": true}}, "mappings": m,
				}, nil)
			},
			bad:    func(a *article.Article) {},
			reason: "failed to parse field [published_at]",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			alias := uniqueAlias(t)
			cleanup(t, url, alias)
			if tt.setup != nil {
				tt.setup(t, alias)
			}
			ix, err := Open(context.Background(), Config{URLs: []string{url}, Index: alias}, testLogger(t))
			if err != nil {
				t.Fatal(err)
			}
			defer ix.Close()
			arts := fixtures(t)
			bad := *arts[2]
			tt.bad(&bad)
			arts[2] = &bad
			errs := ix.Index(context.Background(), arts)
			for i, err := range errs {
				wantBad := i == 2 || (tt.setup != nil && arts[i].PublishedAt != nil)
				switch {
				case wantBad && err == nil:
					t.Errorf("article %s: no error, want a rejection", arts[i].ID)
				case wantBad && (!permanent.Is(err) || !strings.Contains(err.Error(), tt.reason)):
					t.Errorf("article %s: %v; want a permanent error saying %q", arts[i].ID, err, tt.reason)
				case !wantBad && err != nil:
					t.Errorf("article %s: %v, want it written", arts[i].ID, err)
				}
			}
			if err := ix.Refresh(context.Background()); err != nil {
				t.Fatal(err)
			}
			n, _ := ix.Count(context.Background())
			ok := 0
			for _, err := range errs {
				if err == nil {
					ok++
				}
			}
			if n != ok {
				t.Errorf("count %d, want the %d articles reported written", n, ok)
			}
			if s := ix.Stats(); s.Rejected == 0 {
				t.Errorf("stats: %+v, want rejections counted", s)
			}
		})
	}
}

func ids(r *index.Result) []string {
	out := make([]string, 0, len(r.Hits))
	for _, h := range r.Hits {
		out = append(out, h.ID)
	}
	sort.Strings(out)
	return out
}

// searchCases are queries of the query language (docs/contract.md) and the fixtures they match; the
// cross-backend test runs them too.
var searchCases = []struct {
	q    string
	want []string
}{
	{"*", []string{"a1", "a2", "a3", "a4", "a5", "a6", "a7", "a8"}},
	{"", []string{"a1", "a2", "a3", "a4", "a5", "a6", "a7", "a8"}},
	{"ceasefire", []string{"a3"}},
	{"CEASEFIRE", []string{"a3"}},
	{"abu dhabi", []string{"a1", "a2", "a4"}},
	{`"peace talks"`, []string{"a1", "a8"}},
	{`"talks peace"`, nil},
	{"putin AND zelenskiy", []string{"a1", "a2"}},
	{"ceasefire OR oil", []string{"a3", "a5"}},
	{"talks NOT dhabi", []string{"a8"}},
	{"NOT diplomacy", []string{"a1", "a2", "a3", "a4", "a5", "a6", "a7", "a8"}},
	{"NOT topic:diplomacy", []string{"a5", "a7", "a8"}},
	{"(putin OR peskov) AND summit", []string{"a1", "a6"}},
	{"title:kremlin", []string{"a6"}},
	{`title:"abu dhabi"`, []string{"a1", "a2", "a4"}},
	{"source:wire", []string{"a2", "a8"}},
	{`source:"example news"`, []string{"a1", "a3", "a6"}},
	{"language:de", []string{"a4"}},
	{"language:German", []string{"a4"}},
	{"Zelensk*", []string{"a1", "a2", "a3"}},                  // Zelenskiy
	{"title:zelensk* OR Ukrain*", []string{"a1", "a3", "a4"}}, // Russia-Ukraine, der Ukraine
	{"davo* -zelenskiy", nil},
	{"title:davo*", []string{"a3"}},
	{"language:EN AND oil", []string{"a5"}},
	{"country:ua", []string{"a1", "a3", "a7"}},
	{"country:AE", []string{"a1", "a2", "a4"}},
	{"person:putin", []string{"a1", "a2", "a6"}},
	{`person:"dmitry peskov"`, []string{"a6"}},
	{"topic:economy", []string{"a3", "a5"}},
	{"topic:Diplomacy AND country:ch", []string{"a3"}},
	{"published_at:[2026-01-25 TO 2026-01-26]", []string{"a1", "a2", "a4"}},
	{"published_at:[2026-02-01 TO *]", []string{"a5", "a6"}},
	{"published_at:[* TO 2026-01-01]", []string{"a7"}},
	{"published_at:2026-02-01", []string{"a6"}},
	{"diplomacy AND published_at:[2026-01-01 TO 2026-01-31]", nil},
	{"topic:diplomacy AND published_at:[2026-01-01 TO 2026-01-31]", []string{"a1", "a2", "a3", "a4"}},
	{"speaker:peskov", []string{"a1", "a6"}},
	{`quote:"well prepared"`, []string{"a1", "a6"}},
	{"speaker:peskov quote:any", []string{"a1"}},
	{"quote:ceasefire", []string{"a3"}},
	{"speaker:ceasefire", nil},
	// Proximity: either order, the distance exact, phrases, prefixes,
	// alternatives, and sentences of the title, summary and body apart.
	{"NEAR/1(putin, zelenskiy)", []string{"a1", "a2"}},
	{"NEAR/1(zelenskiy, putin)", []string{"a1", "a2"}},
	{`NEAR/2("vladimir putin", zelenskiy)`, []string{"a1"}},
	{`NEAR/1(zelenskiy, "vladimir putin")`, nil},
	{`NEAR/1(putin, "vladimir putin")`, []string{"a1"}},
	{"NEAR/1(person, trilateral)", []string{"a1"}},
	{"SENTENCE(person, trilateral)", nil},
	{"SENTENCE(trilateral, putin)", []string{"a2"}},
	{"NOT SENTENCE(trilateral, putin)", []string{"a1", "a3", "a4", "a5", "a6", "a7", "a8"}},
	{"SENTENCE(officials, zelenskiy)", []string{"a1", "a2"}},
	{"SENTENCE(kremlin, peskov)", []string{"a6"}},
	{"SENTENCE(prepared, repeats)", nil},
	{"NEAR/3(zelensk*, ceasefire)", []string{"a3"}},
	{"NEAR/2(zelensk*, ceasefire)", []string{"a3"}},
	{"NEAR/1(zelensk*, ceasefire)", nil},
	{"SENTENCE(davo*, ceasefire)", []string{"a3"}},
	{`SENTENCE((peskov OR lavrov), "well prepared")`, []string{"a6"}},
	{"SENTENCE(gespräche, USA) OR NEAR/3(oil, monday)", []string{"a4", "a5"}},
	{`NEAR/5(talks, "abu dhabi") AND NOT language:de`, []string{"a1", "a2"}},
	// Unquoted words match their inflected forms, as they do alone.
	{`NEAR/3(talk, "abu dhabi")`, []string{"a1", "a2"}},
	{`NEAR/3("talk", "abu dhabi")`, nil},
	{"SENTENCE(negotiation, putin)", []string{"a1"}},
	{`SENTENCE("negotiation", putin)`, nil},
	{"SENTENCE(negotiation, trilateral)", nil},
	{"NEAR/2(price, rising)", []string{"a5"}},
}

func TestSearchQueryLanguage(t *testing.T) {
	ix := openTest(t, nil)
	mustIndex(t, ix, fixtures(t))
	for _, tc := range searchCases {
		t.Run(tc.q, func(t *testing.T) {
			q, err := query.Parse(tc.q)
			if err != nil {
				t.Fatalf("parse %q: %v", tc.q, err)
			}
			res, err := ix.Search(context.Background(), index.Request{Query: q, Size: 50})
			if err != nil {
				t.Fatalf("search %q: %v", tc.q, err)
			}
			if got := ids(res); !slices.Equal(got, tc.want) && !(len(got) == 0 && len(tc.want) == 0) {
				t.Errorf("search %q: %v, want %v", tc.q, got, tc.want)
			}
			if res.Total != len(tc.want) {
				t.Errorf("search %q: total %d, want %d", tc.q, res.Total, len(tc.want))
			}
		})
	}
}

func TestSearchOrderSnippetPaging(t *testing.T) {
	ix := openTest(t, nil)
	mustIndex(t, ix, fixtures(t))
	ctx := context.Background()

	res, err := ix.Search(ctx, index.Request{Query: query.All{}, Size: 3})
	if err != nil {
		t.Fatal(err)
	}
	// Match-everything sorts newest first; undated last.
	if got := []string{res.Hits[0].ID, res.Hits[1].ID, res.Hits[2].ID}; !slices.Equal(got, []string{"a5", "a6", "a4"}) {
		t.Errorf("first page of *: %v, want [a5 a6 a4]", got)
	}
	if res.Total != 8 {
		t.Errorf("total %d, want 8", res.Total)
	}
	last, err := ix.Search(ctx, index.Request{Query: query.All{}, From: 7, Size: 3})
	if err != nil {
		t.Fatal(err)
	}
	if len(last.Hits) != 1 || last.Hits[0].ID != "a8" {
		t.Errorf("last page: %v, want [a8]", ids(last))
	}

	res, err = ix.Search(ctx, index.Request{Query: query.Term{Value: "ceasefire"}})
	if err != nil {
		t.Fatal(err)
	}
	h := res.Hits[0]
	if !strings.Contains(h.Snippet, "ceasefire") || strings.ContainsAny(h.Snippet, "<>\n") {
		t.Errorf("snippet %q: want plain text around the match", h.Snippet)
	}
	if h.URL == "" || h.Title == "" || h.Source == "" || h.PublishedAt == nil || h.Language != "en" {
		t.Errorf("hit misses fields: %+v", h)
	}
}

func TestSearchFacetsAndCollapse(t *testing.T) {
	ix := openTest(t, nil)
	mustIndex(t, ix, fixtures(t))
	ctx := context.Background()
	res, err := ix.Search(ctx, index.Request{
		Query:  query.Term{Field: query.FieldTopic, Value: "diplomacy"},
		Facets: []string{index.FacetSource, index.FacetLanguage, index.FacetCountry, index.FacetPerson, index.FacetTopic},
	})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]index.FacetCount{
		index.FacetSource:   {{Value: "Example News", Count: 3}, {Value: "Beispiel Zeitung", Count: 1}, {Value: "Wire Service", Count: 1}},
		index.FacetLanguage: {{Value: "en", Count: 4}, {Value: "de", Count: 1}},
		index.FacetCountry:  {{Value: "AE", Count: 3}, {Value: "RU", Count: 3}, {Value: "UA", Count: 2}, {Value: "CH", Count: 1}, {Value: "US", Count: 1}},
		index.FacetPerson:   {{Value: "Vladimir Putin", Count: 3}, {Value: "Volodymyr Zelenskyy", Count: 2}, {Value: "Dmitry Peskov", Count: 1}},
		index.FacetTopic:    {{Value: "diplomacy", Count: 5}, {Value: "economy", Count: 1}},
	}
	for f, w := range want {
		if got := res.Facets[f]; !slices.Equal(got, w) {
			t.Errorf("facet %s: %v, want %v", f, got, w)
		}
	}

	res, err = ix.Search(ctx, index.Request{Query: query.Term{Value: "abu dhabi"}, CollapseStories: true, Size: 10})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Hits) != 1 || res.Hits[0].StoryID != "s-abudhabi" || res.Total != 1 {
		t.Errorf("collapsed abu dhabi: total %d hits %v, want one hit of story s-abudhabi", res.Total, ids(res))
	}
	res, err = ix.Search(ctx, index.Request{Query: query.All{}, CollapseStories: true, Size: 10})
	if err != nil {
		t.Fatal(err)
	}
	// a1, a2, a4 share a story; the 5 others have none and stay apart.
	if len(res.Hits) != 6 || res.Total != 6 {
		t.Errorf("collapsed *: total %d hits %v, want 6", res.Total, ids(res))
	}
}

func TestSearchRejectsUnknownFacet(t *testing.T) {
	_, err := SearchBody(query.All{}, index.Request{Facets: []string{"colour"}})
	if err == nil || !strings.Contains(err.Error(), "colour") {
		t.Errorf("unknown facet: %v, want an error naming it", err)
	}
}
