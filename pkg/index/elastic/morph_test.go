package elastic

import (
	"context"
	"fmt"
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
