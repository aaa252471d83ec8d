package elastic

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/parley-news/parley/pkg/article"
	"github.com/parley-news/parley/pkg/index"
	"github.com/parley-news/parley/pkg/query"
)

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name string
		mod  func(*Config)
		want string // substring of the error; "" = valid
	}{
		{"defaults", func(*Config) {}, ""},
		{"no url", func(c *Config) { c.URLs = nil }, "elasticsearch url"},
		{"bad url", func(c *Config) { c.URLs = []string{"localhost:9200"} }, "elasticsearch url"},
		{"key and password", func(c *Config) { c.APIKey, c.Username, c.Password = "k", "u", "p" }, "api key and username"},
		{"user without password", func(c *Config) { c.Username = "u" }, "username and password"},
		{"missing ca file", func(c *Config) { c.CACertFile = "/nonexistent/ca.pem" }, "ca cert file"},
		{"upper-case index", func(c *Config) { c.Index = "Parley" }, "elasticsearch index"},
		{"index with star", func(c *Config) { c.Index = "parley*" }, "elasticsearch index"},
		{"zero workers", func(c *Config) { c.Workers = -1 }, "workers"},
		{"tiny flush", func(c *Config) { c.FlushBytes = 10 }, "flush bytes"},
		{"backoff order", func(c *Config) { c.RetryBackoff, c.MaxRetryBackoff = time.Second, time.Millisecond }, "retry backoff"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := Config{URLs: []string{"http://127.0.0.1:9200"}}
			c.Defaults()
			tt.mod(&c)
			err := c.Validate()
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("Validate: %v, want nil", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Errorf("Validate: %v, want an error naming %q", err, tt.want)
			}
		})
	}
}

func TestTranslate(t *testing.T) {
	day := func(s string) time.Time { d, _ := time.Parse(time.DateOnly, s); return d }
	tests := []struct {
		name string
		q    query.Node
		want string
	}{
		{"all", query.All{}, `{"match_all":{}}`},
		{"word", query.Term{Value: "Kyiv"},
			`{"bool":{"minimum_should_match":1,"should":[{"match_phrase":{"title":{"query":"Kyiv"}}},{"match_phrase":{"summary":{"query":"Kyiv"}}},{"match_phrase":{"body":{"query":"Kyiv"}}},` +
				`{"match_phrase":{"title_stem":{"query":"kyiv"}}},{"match_phrase":{"summary_stem":{"query":"kyiv"}}},{"match_phrase":{"body_stem":{"query":"kyiv"}}},` +
				`{"match_phrase":{"title_name":{"query":"kiv"}}},{"match_phrase":{"summary_name":{"query":"kiv"}}},{"match_phrase":{"body_name":{"query":"kiv"}}}]}}`},
		{"phrase", query.Term{Value: "Kyiv", Phrase: true},
			`{"bool":{"minimum_should_match":1,"should":[{"match_phrase":{"title":{"query":"Kyiv"}}},{"match_phrase":{"summary":{"query":"Kyiv"}}},{"match_phrase":{"body":{"query":"Kyiv"}}}]}}`},
		{"title word", query.Term{Field: query.FieldTitle, Value: "talks"},
			`{"bool":{"minimum_should_match":1,"should":[{"match_phrase":{"title":{"query":"talks"}}},{"match_phrase":{"title_stem":{"query":"talk"}}},{"match_phrase":{"title_stem":{"query":"talks"}}}]}}`},
		{"keyword normalised", query.Term{Field: query.FieldCountry, Value: "ua"}, `{"term":{"countries":{"value":"UA"}}}`},
		{"topic lower case", query.Term{Field: query.FieldTopic, Value: "Diplomacy"}, `{"term":{"topics":{"value":"diplomacy"}}}`},
		{"person text", query.Term{Field: query.FieldPerson, Value: "Putin", Phrase: true}, `{"match_phrase":{"people":{"query":"Putin"}}}`},
		{"not alone", query.Not{Child: query.Term{Field: query.FieldLanguage, Value: "EN"}},
			`{"bool":{"must":[{"match_all":{}}],"must_not":[{"term":{"language":{"value":"en"}}}]}}`},
		{"and with not", query.And{Children: []query.Node{query.Term{Field: query.FieldTopic, Value: "x"}, query.Not{Child: query.Term{Field: query.FieldStory, Value: "S1"}}}},
			`{"bool":{"must":[{"term":{"topics":{"value":"x"}}}],"must_not":[{"term":{"story_id":{"value":"S1"}}}]}}`},
		{"or", query.Or{Children: []query.Node{query.Term{Field: query.FieldEntity, Value: "q1"}, query.All{}}},
			`{"bool":{"minimum_should_match":1,"should":[{"term":{"entities":{"value":"Q1"}}},{"match_all":{}}]}}`},
		{"range", query.Range{Field: query.FieldPublished, From: day("2026-01-01"), To: day("2026-02-02").Add(-time.Nanosecond)},
			`{"range":{"published_at":{"format":"strict_date_optional_time_nanos","gte":"2026-01-01T00:00:00Z","lte":"2026-02-01T23:59:59.999999999Z"}}}`},
		{"open range", query.Range{Field: query.FieldPublished, To: day("2026-01-01")},
			`{"range":{"published_at":{"format":"strict_date_optional_time_nanos","lte":"2026-01-01T00:00:00Z"}}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q, err := Translate(tt.q)
			if err != nil {
				t.Fatal(err)
			}
			got, _ := json.Marshal(q)
			if string(got) != tt.want {
				t.Errorf("Translate(%v):\n got %s\nwant %s", tt.q, got, tt.want)
			}
		})
	}
}

// TestTranslateNeverQueryString: whatever the user types, the request
// holds no query_string or simple_query_string.
func TestTranslateNeverQueryString(t *testing.T) {
	for _, s := range []string{`a:b OR "c d" AND NOT (e f)`, `title:"x y" source:z*`, `*`, `query_string:foo`, `country:ua published_at:[2026-01-01 TO *]`} {
		q, err := query.Parse(s)
		if err != nil {
			continue
		}
		body, err := SearchBody(q, index.Request{Facets: []string{index.FacetSource}, CollapseStories: true})
		if err != nil {
			continue
		}
		b, _ := json.Marshal(body)
		if strings.Contains(string(b), `"query_string"`) || strings.Contains(string(b), `"simple_query_string"`) {
			t.Errorf("%q became a request with a query-string query: %s", s, b)
		}
	}
}

func TestMappingConflicts(t *testing.T) {
	ours := mappings()
	if c, m := mappingConflicts(ours); len(c) != 0 || len(m) != 0 {
		t.Fatalf("our own mapping: conflicts %v missing %v", c, m)
	}
	other := map[string]any{"properties": map[string]any{
		"title":        map[string]any{"type": "keyword"},
		"body":         map[string]any{"type": "text", "analyzer": "english"},
		"source":       map[string]any{"type": "text"},
		"published_at": map[string]any{"type": "date"},
	}}
	c, m := mappingConflicts(other)
	want := []string{"body uses analyzer english, want standard", "source has no keyword sub-field source.keyword", "title is keyword, want text"}
	if strings.Join(c, "|") != strings.Join(want, "|") {
		t.Errorf("conflicts %q, want %q", c, want)
	}
	if len(m) == 0 || !strings.Contains(strings.Join(m, ","), "countries") {
		t.Errorf("missing %v, want the fields absent from the index", m)
	}
}

func TestEncodeBulkItem(t *testing.T) {
	a := &article.Article{ID: `id"1`, URL: "https://x.example/1", Title: "T", Language: "EN",
		Entities: article.Entities{Countries: []string{"ua"}}}
	b, err := EncodeBulkItem(a)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
	if len(lines) != 2 {
		t.Fatalf("%d lines, want action and source: %s", len(lines), b)
	}
	var action struct {
		Index struct {
			ID string `json:"_id"`
		} `json:"index"`
	}
	var doc map[string]any
	if err := json.Unmarshal([]byte(lines[0]), &action); err != nil || action.Index.ID != a.ID {
		t.Errorf("action %s: %v", lines[0], err)
	}
	if err := json.Unmarshal([]byte(lines[1]), &doc); err != nil {
		t.Fatal(err)
	}
	if doc["language"] != "en" || doc["story_key"] != a.ID || doc["article"] == nil {
		t.Errorf("document %s: want language en, story_key = id, the article", lines[1])
	}
	if cs, _ := doc["countries"].([]any); len(cs) != 1 || cs[0] != "UA" {
		t.Errorf("countries %v, want [UA]", doc["countries"])
	}
}
