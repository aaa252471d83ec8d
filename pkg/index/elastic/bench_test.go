package elastic

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/parley-news/parley/pkg/article"
	"github.com/parley-news/parley/pkg/internal/sharedtest"
)

const (
	benchArticles = 20000
	// The indexer's defaults: batches of 256 articles from 2 workers.
	benchBatch   = 256
	benchCallers = 2
	// The plain loader: 8 MiB bulk requests, 4 at a time.
	rawBulkBytes = 8 << 20
	rawParallel  = 4
)

// benchCorpus builds n articles from the shared extraction benchmark's
// ground-truth bodies and the seed article, with varied ids, titles,
// sources, dates and entities.
func benchCorpus(b *testing.B, n int) []*article.Article {
	gt := sharedtest.Dir(b, "bench/extraction/ground-truth.json")
	seed := sharedtest.Dir(b, "seeds/abu-dhabi-talks.txt")
	data, err := os.ReadFile(gt)
	if err != nil {
		b.Fatal(err)
	}
	var truth map[string]struct {
		Body string `json:"articleBody"`
		URL  string `json:"url"`
	}
	if err := json.Unmarshal(data, &truth); err != nil {
		b.Fatal(err)
	}
	s, err := os.ReadFile(seed)
	if err != nil {
		b.Fatal(err)
	}
	bodies := []string{string(s)}
	for _, v := range truth {
		if strings.TrimSpace(v.Body) != "" {
			bodies = append(bodies, v.Body)
		}
	}
	sources := []string{"Reuters", "Associated Press", "Agence France-Presse", "BBC News", "Al Jazeera", "Kyiv Independent", "TASS", "Deutsche Welle"}
	langs := []string{"en", "en", "en", "fr", "de", "uk", "ru", "ar"}
	people := []article.Entity{{Name: "Vladimir Putin", ID: "Q7747"}, {Name: "Volodymyr Zelenskyy", ID: "Q3881298"}, {Name: "Dmitry Peskov", ID: "Q2622009"}, {Name: "Emmanuel Macron", ID: "Q3052772"}}
	countries := [][]string{{"UA", "RU"}, {"AE"}, {"US", "UA"}, {"FR"}, {"DE", "RU"}}
	topics := [][]string{{"diplomacy"}, {"economy"}, {"diplomacy", "security"}, {"politics"}}
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	arts := make([]*article.Article, n)
	for i := range arts {
		body := bodies[i%len(bodies)]
		first, _, _ := strings.Cut(body, ".")
		if len(first) > 120 {
			first = first[:120]
		}
		pub := start.Add(time.Duration(i) * 7 * time.Minute)
		fetched := pub.Add(3 * time.Minute)
		src := i % len(sources)
		arts[i] = &article.Article{
			ID:          fmt.Sprintf("bench-%06d", i),
			URL:         fmt.Sprintf("https://news%d.example/%d/%06d", src, i%97, i),
			FeedURL:     fmt.Sprintf("https://news%d.example/feed", src),
			Source:      sources[src],
			Title:       fmt.Sprintf("%s (%d)", strings.TrimSpace(first), i),
			Body:        body,
			Summary:     article.Snippet(body, 200),
			Authors:     []string{fmt.Sprintf("Author %d", i%50)},
			PublishedAt: &pub,
			FetchedAt:   &fetched,
			Language:    langs[i%len(langs)],
			Entities: article.Entities{
				People:    people[:1+i%len(people)],
				Places:    []article.Entity{{Name: "Abu Dhabi", ID: "Q1519"}},
				Countries: countries[i%len(countries)],
			},
			Quotes:  []article.Quote{{Speaker: "Dmitry Peskov", Text: "any summit must be well prepared"}},
			Topics:  topics[i%len(topics)],
			StoryID: fmt.Sprintf("story-%d", i/5),
		}
	}
	return arts
}

// BenchmarkBulk indexes the corpus through Index, in batches as the
// indexer sends them (256 articles, 2 at a time), and the same documents
// (the same bulk lines) with a plain loader: pre-encoded 8 MiB _bulk
// requests, 4 at a time, raw HTTP, no retries, into an index with the same
// settings and mapping, once before and once after parley. It reports
// docs/s of both and their ratio. PARLEY_BENCH_ES_FLUSH_BYTES and
// PARLEY_BENCH_ES_WORKERS override the backend's defaults.
func BenchmarkBulk(b *testing.B) {
	url := esURL(b)
	arts := benchCorpus(b, benchArticles)
	for range b.N {
		// Each loader runs twice, interleaved (plain, parley, plain,
		// parley), on fresh indices, and the faster run of each counts:
		// the node warms up during the first run, and the other work on a
		// shared machine slows single runs down by a factor of up to four.
		var plains, parleys []time.Duration
		var stats Stats
		var cfg Config
		for range 2 {
			plains = append(plains, plainRun(b, url, arts))
			d, s, c := parleyRun(b, arts)
			parleys = append(parleys, d)
			stats, cfg = s, c
		}
		plain, parley := slices.Min(plains), slices.Min(parleys)
		pr := float64(len(arts)) / parley.Seconds()
		rr := float64(len(arts)) / plain.Seconds()
		b.ReportMetric(pr, "parley-docs/s")
		b.ReportMetric(rr, "plain-docs/s")
		b.ReportMetric(pr/rr, "ratio")
		fmt.Printf("bench-es: %d articles: parley %.0f docs/s (best of %v; %d workers, %d KiB bulk requests: %d sent, %d items retried), plain _bulk %.0f docs/s (best of %v), ratio %.2f\n",
			len(arts), pr, round(parleys), cfg.Workers, cfg.FlushBytes>>10, stats.BulkRequests, stats.ItemRetries,
			rr, round(plains), pr/rr)
	}
}

func round(ds []time.Duration) []time.Duration {
	out := make([]time.Duration, len(ds))
	for i, d := range ds {
		out[i] = d.Round(time.Millisecond)
	}
	return out
}

// parleyRun indexes arts through Index on a fresh alias as the indexer
// does: batches of benchBatch articles from benchCallers goroutines.
func parleyRun(b *testing.B, arts []*article.Article) (time.Duration, Stats, Config) {
	ctx := context.Background()
	ix := openTest(b, func(c *Config) {
		if v, err := strconv.Atoi(os.Getenv("PARLEY_BENCH_ES_FLUSH_BYTES")); err == nil {
			c.FlushBytes = v
		}
		if v, err := strconv.Atoi(os.Getenv("PARLEY_BENCH_ES_WORKERS")); err == nil {
			c.Workers = v
		}
	})
	t0 := time.Now()
	var wg sync.WaitGroup
	next := make(chan []*article.Article)
	var failed sync.Map
	for range benchCallers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for batch := range next {
				for i, err := range ix.Index(ctx, batch) {
					if err != nil {
						failed.Store(batch[i].ID, err)
					}
				}
			}
		}()
	}
	for i := 0; i < len(arts); i += benchBatch {
		next <- arts[i:min(i+benchBatch, len(arts))]
	}
	close(next)
	wg.Wait()
	d := time.Since(t0)
	failed.Range(func(k, v any) bool { b.Fatalf("article %v: %v", k, v); return false })
	if err := ix.Refresh(ctx); err != nil {
		b.Fatal(err)
	}
	if n, err := ix.Count(ctx); err != nil || n != len(arts) {
		b.Fatalf("parley count %d (%v), want %d", n, err, len(arts))
	}
	s := ix.Stats()
	cfg := ix.cfg
	if err := ix.Close(); err != nil {
		b.Fatal(err)
	}
	// Free the node's memory and disk for the next run.
	rawDo(b, ixURL(ix), http.MethodDelete, "/"+ix.IndexName(), nil)
	return d, s, cfg
}

func ixURL(ix *Index) string { return ix.cfg.URLs[0] }

// plainRun loads arts with the plain loader into a fresh index and
// returns how long it took.
func plainRun(b *testing.B, url string, arts []*article.Article) time.Duration {
	raw := newRawIndex(b, url)
	bodies := rawBodies(b, arts)
	t0 := time.Now()
	rawLoad(b, url, raw, bodies)
	d := time.Since(t0)
	var c struct {
		Count int `json:"count"`
	}
	rawJSON(b, url, http.MethodPost, "/"+raw+"/_refresh", nil, nil)
	rawJSON(b, url, http.MethodGet, "/"+raw+"/_count", nil, &c)
	if c.Count != len(arts) {
		b.Fatalf("plain loader count %d, want %d", c.Count, len(arts))
	}
	// Free the node's memory and disk for the next run.
	rawDo(b, url, http.MethodDelete, "/"+raw, nil)
	return d
}

// newRawIndex creates an index with parley's settings and mapping, and
// deletes it when the benchmark ends.
func newRawIndex(b *testing.B, url string) string {
	name := uniqueAlias(b) + "-plain"
	rawJSON(b, url, http.MethodPut, "/"+name, map[string]any{"settings": settings(1), "mappings": mappings()}, nil)
	b.Cleanup(func() { rawDo(b, url, http.MethodDelete, "/"+name, nil) })
	return name
}

// rawBodies packs the bulk lines Index sends for arts into large bulk
// request bodies. The plain loader's clock starts after this: it measures
// what Elasticsearch can take.
func rawBodies(b *testing.B, arts []*article.Article) [][]byte {
	var bodies [][]byte
	var cur bytes.Buffer
	for _, a := range arts {
		l, err := EncodeBulkItem(a)
		if err != nil {
			b.Fatal(err)
		}
		if cur.Len()+len(l) > rawBulkBytes && cur.Len() > 0 {
			bodies = append(bodies, bytes.Clone(cur.Bytes()))
			cur.Reset()
		}
		cur.Write(l)
	}
	if cur.Len() > 0 {
		bodies = append(bodies, bytes.Clone(cur.Bytes()))
	}
	return bodies
}

// rawLoad is the plain loader: raw HTTP, several requests in flight.
func rawLoad(b *testing.B, url, name string, bodies [][]byte) {
	work := make(chan []byte)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var firstErr error
	for range rawParallel {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for body := range work {
				req, _ := http.NewRequest(http.MethodPost, url+"/"+name+"/_bulk?filter_path=errors", bytes.NewReader(body))
				req.Header.Set("Content-Type", "application/x-ndjson")
				res, err := http.DefaultClient.Do(req)
				var r struct {
					Errors bool `json:"errors"`
				}
				if err == nil {
					err = json.NewDecoder(res.Body).Decode(&r)
					res.Body.Close()
					if err == nil && (res.StatusCode != 200 || r.Errors) {
						err = fmt.Errorf("plain bulk: status %d, errors %v", res.StatusCode, r.Errors)
					}
				}
				if err != nil {
					mu.Lock()
					firstErr = err
					mu.Unlock()
				}
			}
		}()
	}
	for _, body := range bodies {
		work <- body
	}
	close(work)
	wg.Wait()
	if firstErr != nil {
		b.Fatal(firstErr)
	}
}
