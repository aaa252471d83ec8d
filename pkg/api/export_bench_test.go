package api

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"runtime"
	"runtime/metrics"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/parley-news/parley/pkg/index/elastic"
	"github.com/parley-news/parley/pkg/index/embedded"
	"github.com/parley-news/parley/pkg/index/indextest"
)

// BenchmarkExport streams exports of 2,000 and 20,000 matches out of one
// index of 20,000 articles through the HTTP API and prints the peak Go
// heap the server grew by during each (sampled every millisecond, above
// the heap after a collection before it starts): constant memory means the
// two peaks are about the same, not ten times apart. It runs on the
// embedded index on disk, and on Elasticsearch when PARLEY_TEST_ES_URL is
// set (make bench-export).
func BenchmarkExport(b *testing.B) {
	const n = 20_000
	arts := indextest.Articles(n)
	ctx := context.Background()
	log := slog.New(slog.DiscardHandler)
	type backend struct {
		name string
		ix   Searcher
	}
	emb, err := embedded.Open(embedded.Config{Path: b.TempDir() + "/index"}, log)
	if err != nil {
		b.Fatal(err)
	}
	defer emb.Close()
	for start := 0; start < n; start += 1000 {
		for _, err := range emb.Index(ctx, arts[start:min(start+1000, n)]) {
			if err != nil {
				b.Fatal(err)
			}
		}
	}
	backends := []backend{{"embedded", emb}}
	if u := os.Getenv("PARLEY_TEST_ES_URL"); u != "" {
		alias := fmt.Sprintf("parley-bench-export-%d", time.Now().UnixNano())
		es, err := elastic.Open(ctx, elastic.Config{URLs: []string{u}, Index: alias}, log)
		if err != nil {
			b.Fatal(err)
		}
		defer func() {
			_ = es.Close()
			for _, path := range []string{"/" + alias + "-*", "/_index_template/" + alias} {
				req, _ := http.NewRequest(http.MethodDelete, u+path, nil)
				if res, err := http.DefaultClient.Do(req); err == nil {
					res.Body.Close()
				}
			}
		}()
		for start := 0; start < n; start += 1000 {
			for _, err := range es.Index(ctx, arts[start:min(start+1000, n)]) {
				if err != nil {
					b.Fatal(err)
				}
			}
		}
		if err := es.Refresh(ctx); err != nil {
			b.Fatal(err)
		}
		backends = append(backends, backend{"elasticsearch", es})
	}
	for _, be := range backends {
		reg := prometheus.NewRegistry()
		s, err := New(Config{Addr: "127.0.0.1:0"}, be.ix, nil, reg, reg, log)
		if err != nil {
			b.Fatal(err)
		}
		ts := httptest.NewServer(s.Handler())
		for _, tc := range []struct {
			matches int
			q       string
		}{
			// Articles are a minute apart from Start: 2,000 minutes.
			{2000, fmt.Sprintf("published_at:[%s TO %s]", indextest.Start.Format(time.RFC3339),
				indextest.Start.Add(1999*time.Minute).Format(time.RFC3339))},
			{n, "*"},
		} {
			for _, format := range []string{"csv", "jsonl"} {
				b.Run(fmt.Sprintf("%s/%s/%d", be.name, format, tc.matches), func(b *testing.B) {
					for b.Loop() {
						peak, bytes, took := exportOnce(b, ts.URL+"/api/export?format="+format+"&q="+url.QueryEscape(tc.q), tc.matches)
						b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
						b.ReportMetric(float64(tc.matches)/took.Seconds(), "records/s")
						fmt.Printf("export %s %s %d matches: %.1f MiB streamed in %.2fs (%.0f records/s); server heap peak +%.1f MiB over the heap before\n",
							be.name, format, tc.matches, float64(bytes)/(1<<20), took.Seconds(), float64(tc.matches)/took.Seconds(), float64(peak)/(1<<20))
					}
				})
			}
		}
		ts.Close()
	}
}

// exportOnce downloads one export, checks its count, and returns how far
// the heap rose above its level after a collection before the request.
func exportOnce(b *testing.B, u string, want int) (peak uint64, n int64, took time.Duration) {
	runtime.GC()
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(sample)
	base := sample[0].Value.Uint64()
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(time.Millisecond)
		defer t.Stop()
		s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
		for {
			select {
			case <-done:
				return
			case <-t.C:
				metrics.Read(s)
				if v := s[0].Value.Uint64(); v > base && v-base > peak {
					peak = v - base
				}
			}
		}
	}()
	start := time.Now()
	res, err := http.Get(u)
	if err != nil {
		b.Fatal(err)
	}
	n, err = io.Copy(io.Discard, res.Body)
	res.Body.Close()
	took = time.Since(start)
	close(done)
	wg.Wait()
	if err != nil || res.StatusCode != 200 {
		b.Fatalf("%s: status %d, %v", u, res.StatusCode, err)
	}
	if c := res.Trailer.Get("X-Parley-Export-Count"); c != fmt.Sprint(want) {
		b.Fatalf("%s: exported %s, want %d", u, c, want)
	}
	return peak, n, took
}
