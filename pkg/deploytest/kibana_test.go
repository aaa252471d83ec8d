package deploytest

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/parley-news/parley/pkg/index/elastic"
	"github.com/parley-news/parley/pkg/internal/sharedtest"
)

type savedObject struct {
	ID         string         `json:"id"`
	Type       string         `json:"type"`
	Attributes map[string]any `json:"attributes"`
	References []struct {
		ID   string `json:"id"`
		Name string `json:"name"`
		Type string `json:"type"`
	} `json:"references"`
}

// kibanaObjects reads every line of deploy/kibana/*.ndjson.
func kibanaObjects(t *testing.T) []savedObject {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(sharedtest.RepoRoot(t), "deploy", "kibana", "*.ndjson"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no deploy/kibana/*.ndjson (%v)", err)
	}
	var objs []savedObject
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(bytes.NewReader(data))
		sc.Buffer(nil, 10<<20)
		for n := 1; sc.Scan(); n++ {
			line := bytes.TrimSpace(sc.Bytes())
			if len(line) == 0 {
				continue
			}
			var o savedObject
			if err := json.Unmarshal(line, &o); err != nil {
				t.Errorf("%s:%d: %v", filepath.Base(f), n, err)
				continue
			}
			if o.ID == "" || o.Type == "" || o.Attributes == nil {
				t.Errorf("%s:%d: saved object without id, type or attributes", filepath.Base(f), n)
			}
			objs = append(objs, o)
		}
	}
	return objs
}

// TestKibanaObjectsParse: every line is a saved object, the ones the issue
// asks for are there, and every reference points at one of them.
func TestKibanaObjectsParse(t *testing.T) {
	objs := kibanaObjects(t)
	byKey := map[string]savedObject{}
	count := map[string]int{}
	for _, o := range objs {
		byKey[o.Type+"/"+o.ID] = o
		count[o.Type]++
	}
	// No map: the gazetteer has no coordinates, so parley indexes no
	// geo_point to draw (place_locations was mapped but never filled).
	for typ, min := range map[string]int{"index-pattern": 1, "search": 3, "dashboard": 1, "visualization": 4} {
		if count[typ] < min {
			t.Errorf("%d saved objects of type %s, want at least %d", count[typ], typ, min)
		}
	}
	for _, o := range objs {
		for _, r := range o.References {
			if _, ok := byKey[r.Type+"/"+r.ID]; !ok {
				t.Errorf("%s %s references %s %s, which no file defines", o.Type, o.ID, r.Type, r.ID)
			}
		}
		// Attributes ending in JSON, and visState, are JSON in a string.
		for k, v := range o.Attributes {
			if s, ok := v.(string); ok && jsonAttr(k) && s != "" {
				var x any
				if err := json.Unmarshal([]byte(s), &x); err != nil {
					t.Errorf("%s %s: %s is not JSON: %v", o.Type, o.ID, k, err)
				}
			}
		}
		if o.Type == "index-pattern" {
			if o.Attributes["title"] != elastic.DefaultAlias {
				t.Errorf("data view %s on %v, want the alias %s", o.ID, o.Attributes["title"], elastic.DefaultAlias)
			}
			if o.Attributes["timeFieldName"] != "published_at" {
				t.Errorf("data view %s: time field %v, want published_at", o.ID, o.Attributes["timeFieldName"])
			}
		}
	}
}

// fieldUse is one field a saved object references, and how.
type fieldUse struct {
	field string
	agg   bool // aggregated (terms, histogram): needs doc values
	geo   bool
	time  bool
}

// jsonAttr reports whether a saved object attribute holds JSON in a string.
func jsonAttr(key string) bool { return strings.HasSuffix(key, "JSON") || key == "visState" }

var kqlField = regexp.MustCompile(`(?:^|[\s(])([A-Za-z_][A-Za-z0-9_.]*)\s*:`)

// referencedFields walks an object's attributes (and the JSON inside
// their strings) for fields: agg params, geo fields, columns, sort, time
// field, and the field names in KQL queries.
func referencedFields(o savedObject) []fieldUse {
	var out []fieldUse
	var walk func(key string, v any)
	walk = func(key string, v any) {
		switch x := v.(type) {
		case string:
			if jsonAttr(key) {
				var inner any
				if json.Unmarshal([]byte(x), &inner) == nil {
					walk("", inner)
				}
			}
		case map[string]any:
			for k, val := range x {
				switch s, _ := val.(string); {
				case k == "field" && s != "":
					out = append(out, fieldUse{field: s, agg: true})
				case k == "geoField" && s != "":
					out = append(out, fieldUse{field: s, geo: true})
				case k == "timeFieldName" && s != "":
					out = append(out, fieldUse{field: s, time: true})
				case k == "query" && s != "":
					if lang, _ := x["language"].(string); lang == "kuery" || lang == "lucene" {
						for _, m := range kqlField.FindAllStringSubmatch(s, -1) {
							out = append(out, fieldUse{field: m[1]})
						}
					}
				case k == "columns":
					if cols, ok := val.([]any); ok {
						for _, c := range cols {
							if s, ok := c.(string); ok {
								out = append(out, fieldUse{field: s})
							}
						}
					}
				case k == "sort":
					if sorts, ok := val.([]any); ok {
						for _, sp := range sorts {
							if pair, ok := sp.([]any); ok && len(pair) > 0 {
								if s, ok := pair[0].(string); ok {
									out = append(out, fieldUse{field: s, agg: true})
								}
							}
						}
					}
				}
				walk(k, val)
			}
		case []any:
			for _, e := range x {
				walk(key, e)
			}
		}
	}
	walk("", o.Attributes)
	return out
}

// TestKibanaObjectsMatchMapping installs parley's template on the real
// Elasticsearch and checks every field the saved objects use against the
// mapping Elasticsearch reports for the alias.
func TestKibanaObjectsMatchMapping(t *testing.T) {
	url := sharedtest.ESURL(t)
	var b [4]byte
	_, _ = rand.Read(b[:])
	alias := "parley-test-kibana-" + hex.EncodeToString(b[:])
	t.Cleanup(func() {
		esDo(t, url, http.MethodDelete, "/"+alias+"-*", nil)
		esDo(t, url, http.MethodDelete, "/_index_template/"+alias, nil)
	})
	ctx := context.Background()
	ix, err := elastic.Open(ctx, elastic.Config{URLs: []string{url}, Index: alias}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()

	var m map[string]struct {
		Mappings struct {
			Properties map[string]map[string]any `json:"properties"`
		} `json:"mappings"`
	}
	if err := json.Unmarshal(esDo(t, url, http.MethodGet, "/"+alias+"/_mapping", nil), &m); err != nil {
		t.Fatal(err)
	}
	types := map[string]string{} // field path -> type, sub-fields included
	for _, idx := range m {
		for name, p := range idx.Mappings.Properties {
			typ, _ := p["type"].(string)
			types[name] = typ
			if sub, ok := p["fields"].(map[string]any); ok {
				for s, sp := range sub {
					st, _ := sp.(map[string]any)["type"].(string)
					types[name+"."+s] = st
				}
			}
		}
	}
	if len(types) == 0 {
		t.Fatalf("alias %s has no mapping", alias)
	}
	checked := 0
	used := map[string]bool{}
	for _, o := range kibanaObjects(t) {
		for _, u := range referencedFields(o) {
			checked++
			used[u.field] = true
			typ, ok := types[u.field]
			switch {
			case !ok:
				t.Errorf("%s %s uses field %q, which the mapping of %s does not have", o.Type, o.ID, u.field, alias)
			case u.agg && (typ == "text" || typ == "object" || typ == ""):
				t.Errorf("%s %s aggregates or sorts on %q, a %s field: use its keyword sub-field", o.Type, o.ID, u.field, typ)
			case u.geo && typ != "geo_point":
				t.Errorf("%s %s maps %q, a %s field, want geo_point", o.Type, o.ID, u.field, typ)
			case u.time && typ != "date":
				t.Errorf("%s %s: time field %q is %s, want date", o.Type, o.ID, u.field, typ)
			}
		}
	}
	if checked == 0 {
		t.Fatal("found no field references in the saved objects")
	}
	var names []string
	for n := range used {
		names = append(names, n)
	}
	sort.Strings(names)
	t.Logf("checked %d field references (%s) against %d mapped fields", checked, strings.Join(names, ", "), len(types))
}

func esDo(t *testing.T, url, method, path string, body []byte) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, url+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	data, _ := io.ReadAll(res.Body)
	if res.StatusCode >= 300 && method != http.MethodDelete {
		t.Fatalf("%s %s: status %d: %s", method, path, res.StatusCode, data)
	}
	return data
}
