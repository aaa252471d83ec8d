package indexer

import (
	"fmt"
	"log/slog"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/parley-news/parley/pkg/article"
)

// parley_publish_to_index_seconds: one series per source up to the
// bound, then "other"; undated and future-dated articles are not counted.
func TestPublishToIndexMetric(t *testing.T) {
	reg := prometheus.NewRegistry()
	ix, err := New(Config{}, nil, nil, reg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	ago := time.Now().Add(-90 * time.Second)
	future := time.Now().Add(time.Hour)
	for i := range maxSourceLabels + 5 {
		ix.observeFreshness(&article.Article{Source: fmt.Sprint("source ", i), PublishedAt: &ago})
	}
	ix.observeFreshness(&article.Article{Source: "source 0", PublishedAt: &ago})
	ix.observeFreshness(&article.Article{Source: "undated"})
	ix.observeFreshness(&article.Article{Source: "from the future", PublishedAt: &future})
	if n := testutil.CollectAndCount(ix.fresh); n != maxSourceLabels+1 {
		t.Errorf("%d series, want %d sources and other", n, maxSourceLabels+1)
	}
	wantCounts := map[string]uint64{"source 0": 2, "other": 5, "undated": 0}
	mfs, _ := reg.Gather()
	got := map[string]uint64{}
	for _, mf := range mfs {
		if mf.GetName() != "parley_publish_to_index_seconds" {
			continue
		}
		for _, m := range mf.GetMetric() {
			got[m.GetLabel()[0].GetValue()] = m.GetHistogram().GetSampleCount()
			if s := m.GetHistogram().GetSampleSum(); s < 89*float64(m.GetHistogram().GetSampleCount()) {
				t.Errorf("%s: sum %v for %d articles published 90 s ago", m.GetLabel()[0].GetValue(), s, m.GetHistogram().GetSampleCount())
			}
		}
	}
	for source, want := range wantCounts {
		if got[source] != want {
			t.Errorf("%s: %d observations, want %d", source, got[source], want)
		}
	}
}
