package elastic

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/parley-news/parley/pkg/index"
	"github.com/parley-news/parley/pkg/index/embedded"
	"github.com/parley-news/parley/pkg/index/indextest"
	"github.com/parley-news/parley/pkg/query"
)

// asWritten is n with every word quoted: the exact analysis parley had
// before stems and name keys (tokens only).
func asWritten(n query.Node) query.Node {
	switch n := n.(type) {
	case query.Term:
		n.Phrase = true
		return n
	case query.And:
		out := make([]query.Node, len(n.Children))
		for i, c := range n.Children {
			out[i] = asWritten(c)
		}
		return query.And{Children: out}
	case query.Or:
		out := make([]query.Node, len(n.Children))
		for i, c := range n.Children {
			out[i] = asWritten(c)
		}
		return query.Or{Children: out}
	case query.Not:
		return query.Not{Child: asWritten(n.Child)}
	}
	return n
}

// TestMorphologyMeasured runs the labelled query set of word forms and
// names across scripts (indextest.MorphQueries, labelling rule there and in
// the README) on Elasticsearch, the embedded index and the alerter's
// query.Match, exactly as written (every word quoted: the analysis before
// stems and name keys) and as typed, checks that the three find the same
// articles, and prints recall and precision pooled over the queries
// (README, Measured figures).
func TestMorphologyMeasured(t *testing.T) {
	es := openTest(t, nil)
	emb, err := embedded.Open(embedded.Config{}, testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	defer emb.Close()
	arts := indextest.MorphArticles()
	mustIndex(t, es, arts)
	for i, err := range emb.Index(context.Background(), arts) {
		if err != nil {
			t.Fatalf("embedded index %s: %v", arts[i].ID, err)
		}
	}
	docs := make([]*query.Document, len(arts))
	for i, a := range arts {
		docs[i] = query.NewDocument(a)
	}
	type score struct{ found, right, relevant int }
	var before, after score
	var lines []string
	for _, mq := range indextest.MorphQueries {
		q, err := query.Parse(mq.Q)
		if err != nil {
			t.Fatalf("parse %q: %v", mq.Q, err)
		}
		var got [2][]string
		for k, n := range []query.Node{asWritten(q), q} {
			req := index.Request{Query: n, Size: 100}
			a, err := es.Search(context.Background(), req)
			if err != nil {
				t.Fatalf("elasticsearch %q: %v", mq.Q, err)
			}
			b, err := emb.Search(context.Background(), req)
			if err != nil {
				t.Fatalf("embedded %q: %v", mq.Q, err)
			}
			var matched []string
			for i, d := range docs {
				if query.Match(n, d) {
					matched = append(matched, arts[i].ID)
				}
			}
			slices.Sort(matched)
			if ia, ib := ids(a), ids(b); !slices.Equal(ia, ib) || !slices.Equal(ia, matched) {
				t.Errorf("%s: elasticsearch %v, embedded %v, query.Match %v", n, ia, ib, matched)
			}
			got[k] = matched
		}
		for k, s := range []*score{&before, &after} {
			s.found += len(got[k])
			s.relevant += len(mq.Relevant)
			for _, id := range got[k] {
				if slices.Contains(mq.Relevant, id) {
					s.right++
				}
			}
		}
		lines = append(lines, fmt.Sprintf("%-12s relevant %v; as written %v; with forms %v", mq.Q, mq.Relevant, got[0], got[1]))
	}
	t.Logf("labelled set: %d queries over %d articles\n%s", len(indextest.MorphQueries), len(arts), strings.Join(lines, "\n"))
	ratio := func(a, b int) float64 { return float64(a) / float64(b) }
	for _, c := range []struct {
		name string
		s    score
	}{{"as written (before)", before}, {"stems and name keys", after}} {
		t.Logf("%-20s recall %.3f (%d of %d), precision %.3f (%d of %d found)", c.name,
			ratio(c.s.right, c.s.relevant), c.s.right, c.s.relevant, ratio(c.s.right, c.s.found), c.s.right, c.s.found)
	}
	// The set's floor: what the README reports must not silently erode.
	if r, p := ratio(after.right, after.relevant), ratio(after.right, after.found); r < 0.9 || p < 0.9 {
		t.Errorf("with stems and name keys: recall %.3f, precision %.3f; want both at least 0.9", r, p)
	}
	if before.right >= after.right {
		t.Errorf("stems and name keys found %d relevant articles, the words as written %d", after.right, before.right)
	}
}

// TestOpenOlderMapping: an index behind the alias made by an older parley
// (mapping version 1, without the stem and name fields) gets the new
// fields in place, and parley warns that the documents already there lack
// them until parley replay index refills it (README, Query language,
// Upgrading). Those documents are still found by their words as written.
func TestOpenOlderMapping(t *testing.T) {
	url := esURL(t)
	alias := uniqueAlias(t)
	cleanup(t, url, alias)
	m := mappings()
	m["_meta"] = map[string]any{"parley_mapping_version": 1}
	props := m["properties"].(map[string]any)
	for _, f := range []string{index.DocTitleStem, index.DocSummaryStem, index.DocBodyStem, index.DocQuotesStem, index.DocTitleName, index.DocSummaryName, index.DocBodyName} {
		delete(props, f)
	}
	rawJSON(t, url, http.MethodPut, "/"+alias+"-v1", map[string]any{
		"aliases": map[string]any{alias: map[string]any{"is_write_index": true}}, "mappings": m,
	}, nil)
	// An article indexed by the older parley: no stem or name fields.
	a := indextest.MorphArticles()[0]
	d := index.NewDocument(a)
	d.TitleStem, d.BodyStem, d.TitleName, d.BodyName = "", "", "", ""
	rawJSON(t, url, http.MethodPut, "/"+alias+"-v1/_doc/"+a.ID+"?refresh=true", map[string]any{
		"id": d.ID, "title": d.Title, "body": d.Body, "language": d.Language, "story_key": a.ID,
	}, nil)

	var logs strings.Builder
	ix, err := Open(context.Background(), Config{URLs: []string{url}, Index: alias}, slog.New(slog.NewTextHandler(&logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	if !strings.Contains(logs.String(), "older mapping") || !strings.Contains(logs.String(), "parley replay index") {
		t.Errorf("no warning of the older mapping in the log:\n%s", logs.String())
	}
	var got map[string]struct {
		Mappings struct {
			Properties map[string]map[string]any `json:"properties"`
		} `json:"mappings"`
	}
	rawJSON(t, url, http.MethodGet, "/"+alias+"-v1/_mapping", nil, &got)
	if an := got[alias+"-v1"].Mappings.Properties[index.DocBodyStem]["analyzer"]; an != "whitespace" {
		t.Errorf("body_stem added with analyzer %v, want whitespace", an)
	}
	for q, want := range map[string]int{"sanctions": 1, `"sanctions"`: 1, "sanction": 0} {
		res, err := ix.Search(context.Background(), index.Request{Query: mustParseQuery(t, q), Size: 10})
		if err != nil {
			t.Fatal(err)
		}
		if res.Total != want {
			t.Errorf("%s on the older index: %d hits, want %d", q, res.Total, want)
		}
	}
}

func mustParseQuery(t *testing.T, s string) query.Node {
	t.Helper()
	n, err := query.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return n
}
