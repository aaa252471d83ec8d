package app

import (
	"encoding/json"
	"fmt"
	"os"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/parley-news/parley/pkg/internal/origin"
	"github.com/parley-news/parley/pkg/internal/sharedtest"
)

// benchBodies are article texts for generated pages: the shared
// extraction benchmark's ground truth when present, else the origin's own.
func benchBodies(tb testing.TB) []string {
	if p, ok := sharedtest.Find("bench/extraction/ground-truth.json"); ok {
		data, err := os.ReadFile(p)
		if err == nil {
			var gt map[string]struct {
				ArticleBody string `json:"articleBody"`
			}
			if json.Unmarshal(data, &gt) == nil {
				var out []string
				for _, v := range gt {
					if len(v.ArticleBody) > 200 {
						out = append(out, v.ArticleBody)
					}
				}
				return out
			}
		}
	}
	tb.Log("../shared not found: generated pages use the origin's own article texts")
	o, err := origin.Start(origin.Generated{})
	if err != nil {
		tb.Fatal(err)
	}
	defer o.Close()
	var out []string
	for _, a := range o.Articles {
		out = append(out, strings.Join(a.Paragraphs, "\n"))
	}
	return out
}

// peakRSS is the process's peak resident set size (VmHWM), in MiB.
func peakRSS() float64 { return rssMiB(os.Getpid(), "VmHWM:") }

// BenchmarkIngest measures end-to-end ingest: from a local origin serving
// 10 feeds of 100 articles to all 1,000 searchable, through the embedded
// NATS, fetcher, parser (extraction and enrichment), indexer and Bleve.
func BenchmarkIngest(b *testing.B) {
	const feeds, items = 10, 100
	bodies := benchBodies(b)
	for range b.N {
		o, err := origin.Start(origin.Generated{Feeds: feeds, Items: items, Bodies: bodies})
		if err != nil {
			b.Fatal(err)
		}
		var peakHeap uint64
		stop := make(chan struct{})
		var wg sync.WaitGroup
		wg.Add(1)
		go func() {
			defer wg.Done()
			var ms runtime.MemStats
			for {
				runtime.ReadMemStats(&ms)
				peakHeap = max(peakHeap, ms.HeapInuse)
				select {
				case <-stop:
					return
				case <-time.After(100 * time.Millisecond):
				}
			}
		}()
		start := time.Now()
		_, base := startApp(b, Config{AllowPrivate: true, PollInterval: time.Hour}, o.GeneratedFeedURLs())
		want := feeds * items
		var got int
		for got < want {
			res := search(b, base, "*")
			got = res.Total
			if time.Since(start) > 20*time.Minute {
				b.Fatalf("only %d of %d articles searchable after 20m", got, want)
			}
			time.Sleep(100 * time.Millisecond)
		}
		elapsed := time.Since(start)
		close(stop)
		wg.Wait()
		rate := float64(want) / elapsed.Seconds()
		b.ReportMetric(rate, "articles/s")
		b.ReportMetric(float64(peakHeap)/(1<<20), "peak-heap-MiB")
		b.ReportMetric(peakRSS(), "peak-rss-MiB")
		fmt.Printf("ingest: %d articles from %d feeds searchable in %.1fs = %.1f articles/s; peak Go heap %.0f MiB, peak RSS %.0f MiB (GOMAXPROCS=%d)\n",
			want, feeds, elapsed.Seconds(), rate, float64(peakHeap)/(1<<20), peakRSS(), runtime.GOMAXPROCS(0))
		o.Close()
	}
}
