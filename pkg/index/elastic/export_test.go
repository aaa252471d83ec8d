package elastic

import (
	"context"
	"slices"
	"testing"

	"github.com/parley-news/parley/pkg/index"
	"github.com/parley-news/parley/pkg/index/embedded"
	"github.com/parley-news/parley/pkg/index/indextest"
	"github.com/parley-news/parley/pkg/query"
)

// TestExportComplete exports more matches than a search can reach (from +
// size stops at 10,000) from Elasticsearch and from the embedded index and
// checks that each export holds every match once, with the same records.
func TestExportComplete(t *testing.T) {
	es := openTest(t, nil)
	emb, err := embedded.Open(embedded.Config{}, testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	defer emb.Close()
	arts := indextest.Articles(10_500)
	ctx := context.Background()
	for start := 0; start < len(arts); start += 1000 {
		batch := arts[start:min(start+1000, len(arts))]
		for i, err := range es.Index(ctx, batch) {
			if err != nil {
				t.Fatalf("elasticsearch %s: %v", batch[i].ID, err)
			}
		}
		for i, err := range emb.Index(ctx, batch) {
			if err != nil {
				t.Fatalf("embedded %s: %v", batch[i].ID, err)
			}
		}
	}
	if err := es.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		q    string
		want int
	}{
		{"*", len(arts)},
		{"summit speaker:lavrov", 3500},
		{"NOT summit", 7000},
		{`quote:"in principle" published_at:[2026-01-02 TO 2026-01-03]`, 960},
	}
	for _, tt := range tests {
		q, err := query.Parse(tt.q)
		if err != nil {
			t.Fatal(err)
		}
		export := func(ix interface {
			Export(context.Context, query.Node, func(index.Record) error) error
		}) map[string]index.Record {
			got := map[string]index.Record{}
			err := ix.Export(ctx, q, func(r index.Record) error {
				if _, dup := got[r.ID]; dup {
					t.Errorf("%T %q: %s exported twice", ix, tt.q, r.ID)
				}
				got[r.ID] = r
				return nil
			})
			if err != nil {
				t.Fatalf("%T %q: %v", ix, tt.q, err)
			}
			return got
		}
		a, b := export(es), export(emb)
		if len(a) != tt.want || len(b) != tt.want {
			t.Errorf("%q: elasticsearch exported %d, embedded %d, want %d", tt.q, len(a), len(b), tt.want)
		}
		for id, ra := range a {
			rb := b[id]
			if ra.Title != rb.Title || !ra.PublishedAt.Equal(*rb.PublishedAt) || !slices.Equal(ra.People, rb.People) ||
				!slices.Equal(ra.Countries, rb.Countries) || !slices.Equal(ra.Quotes, rb.Quotes) || ra.StoryID != rb.StoryID {
				t.Errorf("%q %s: elasticsearch %+v, embedded %+v", tt.q, id, ra, rb)
				break
			}
		}
	}
}
