package elastic

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/parley-news/parley/pkg/article"
	"github.com/parley-news/parley/pkg/bus"
	"github.com/parley-news/parley/pkg/bus/bustest"
	"github.com/parley-news/parley/pkg/indexer"
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
	// Publishers of the corpus to PARLEY_ARTICLES before a stage run.
	benchPublishers = 8
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
			ID:          article.ID(fmt.Sprintf("news%d.example/%d/%06d", i%len(sources), i%97, i)),
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

// BenchmarkBulk indexes the corpus three ways, each into fresh indices with
// the same settings and mapping, and reports docs/s of each:
//
//   - the plain loader: the bulk lines Index sends, pre-encoded into 8 MiB
//     _bulk requests, 4 at a time, raw HTTP, no retries — what
//     Elasticsearch can take;
//   - parley's indexer stage: the articles wait on PARLEY_ARTICLES of an
//     in-process nats-server (published beforehand, untimed), and the clock
//     runs from starting indexer.Run with its default Config until its
//     consumer has every article acknowledged: indexed, published on
//     parley.indexed and acked, as in production;
//   - parley's backend alone: Index called as the indexer calls it
//     (batches of 256 from 2 goroutines), no bus.
//
// Both parley figures are also reported as a ratio to the plain loader.
// PARLEY_BENCH_ES_FLUSH_BYTES and PARLEY_BENCH_ES_WORKERS override the
// backend's defaults in both parley runs.
func BenchmarkBulk(b *testing.B) {
	url := esURL(b)
	arts := benchCorpus(b, benchArticles)
	for range b.N {
		// Each loader runs twice, interleaved (plain, stage, backend,
		// plain, stage, backend), on fresh indices, and the faster run of
		// each counts: the node warms up during the first run, and the
		// other work on a shared machine slows single runs down by a
		// factor of up to four.
		var plains, stages, backends []time.Duration
		var stats, stageStats Stats
		var cfg Config
		var icfg indexer.Config
		for range 2 {
			plains = append(plains, plainRun(b, url, arts))
			d, s, c := stageRun(b, arts)
			stages = append(stages, d)
			stageStats, icfg = s, c
			d, s, cfg = parleyRun(b, arts)
			backends = append(backends, d)
			stats = s
		}
		rate := func(ds []time.Duration) float64 { return float64(len(arts)) / slices.Min(ds).Seconds() }
		rr, sr, pr := rate(plains), rate(stages), rate(backends)
		b.ReportMetric(rr, "plain-docs/s")
		b.ReportMetric(sr, "stage-docs/s")
		b.ReportMetric(sr/rr, "stage-ratio")
		b.ReportMetric(pr, "backend-docs/s")
		b.ReportMetric(pr/rr, "backend-ratio")
		fmt.Printf("bench-es: %d articles, best of 2 interleaved runs each, fresh indices\n", len(arts))
		fmt.Printf("bench-es: plain _bulk loader (%d MiB requests, %d in flight): %.0f docs/s (runs %v)\n",
			rawBulkBytes>>20, rawParallel, rr, round(plains))
		fmt.Printf("bench-es: parley indexer stage (JetStream -> indexer -> ES; batches of %d, %d workers, %s max wait; %d bulk requests, %d items retried): %.0f docs/s (runs %v), ratio %.2f\n",
			icfg.BatchSize, icfg.Workers, icfg.MaxWait, stageStats.BulkRequests, stageStats.ItemRetries, sr, round(stages), sr/rr)
		fmt.Printf("bench-es: parley backend (Index calls; batches of %d from %d goroutines; %d workers, %d KiB bulk requests: %d sent, %d items retried): %.0f docs/s (runs %v), ratio %.2f\n",
			benchBatch, benchCallers, cfg.Workers, cfg.FlushBytes>>10, stats.BulkRequests, stats.ItemRetries, pr, round(backends), pr/rr)
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
	ix := openTest(b, benchOverrides)
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

// benchOverrides applies PARLEY_BENCH_ES_FLUSH_BYTES and
// PARLEY_BENCH_ES_WORKERS to the backend's Config.
func benchOverrides(c *Config) {
	if v, err := strconv.Atoi(os.Getenv("PARLEY_BENCH_ES_FLUSH_BYTES")); err == nil {
		c.FlushBytes = v
	}
	if v, err := strconv.Atoi(os.Getenv("PARLEY_BENCH_ES_WORKERS")); err == nil {
		c.Workers = v
	}
}

// stageRun runs the indexer stage over arts and returns how long it took
// from its start until every article was acknowledged. The articles are
// first published to PARLEY_ARTICLES of a fresh in-process nats-server, as
// the parser publishes them; that is not timed. The stage runs with its
// default Config and writes to a fresh alias through the backend.
func stageRun(b *testing.B, arts []*article.Article) (time.Duration, Stats, indexer.Config) {
	ctx := context.Background()
	log := slog.New(slog.NewTextHandler(testWriter{b}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	dir, err := os.MkdirTemp("", "parley-bench-nats-")
	if err != nil {
		b.Fatal(err)
	}
	// Deferred, not b.Cleanup: each run frees its store before the next.
	defer os.RemoveAll(dir)
	srv, err := bus.StartEmbedded(bus.EmbeddedConfig{StoreDir: dir}, log)
	if err != nil {
		b.Fatal(err)
	}
	defer srv.Shutdown()
	nc, err := srv.Connect()
	if err != nil {
		b.Fatal(err)
	}
	defer nc.Close()
	bs, err := bus.New(ctx, nc, bus.Config{}, log)
	if err != nil {
		b.Fatal(err)
	}
	publishArticles(b, bs, arts)

	ix := openTest(b, benchOverrides)
	var cfg indexer.Config
	cfg.Defaults()
	stage, err := indexer.New(cfg, bs, ix, nil, log)
	if err != nil {
		b.Fatal(err)
	}
	rctx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	var runErr error
	t0 := time.Now()
	go func() {
		defer close(done)
		runErr = stage.Run(rctx)
	}()
	// The stage must be gone before the server it consumes from.
	defer func() { stop(); <-done }()
	waitAcked(b, bs, cfg.Durable, done, &runErr)
	d := time.Since(t0)
	stop()
	<-done
	if runErr != nil {
		b.Fatalf("indexer stage: %v", runErr)
	}
	if err := ix.Refresh(ctx); err != nil {
		b.Fatal(err)
	}
	if n, err := ix.Count(ctx); err != nil || n != len(arts) {
		b.Fatalf("indexer stage count %d (%v), want %d", n, err, len(arts))
	}
	s := ix.Stats()
	if err := ix.Close(); err != nil {
		b.Fatal(err)
	}
	// Free the node's memory and disk for the next run.
	rawDo(b, ixURL(ix), http.MethodDelete, "/"+ix.IndexName(), nil)
	return d, s, cfg
}

// publishArticles publishes arts on parley.articles.<language> from a few
// goroutines, as parser replicas would.
func publishArticles(b *testing.B, bs *bus.Bus, arts []*article.Article) {
	ctx := context.Background()
	next := make(chan *article.Article)
	errs := make(chan error, benchPublishers)
	var wg sync.WaitGroup
	for range benchPublishers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for a := range next {
				if err := bs.PublishArticle(ctx, a); err != nil {
					errs <- err
					// Drain the rest so the sender does not block.
					for range next {
					}
					return
				}
			}
		}()
	}
	for _, a := range arts {
		next <- a
	}
	close(next)
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		b.Fatal(err)
	}
}

// waitAcked waits until the stage's consumer has nothing left to deliver
// and nothing awaiting an acknowledgement, or fails if the stage stops
// (done closed, *runErr set) first.
func waitAcked(b *testing.B, bs *bus.Bus, durable string, done <-chan struct{}, runErr *error) {
	ctx := context.Background()
	deadline := time.Now().Add(10 * time.Minute)
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-done:
			b.Fatalf("indexer stage stopped early: %v", *runErr)
		case <-tick.C:
		}
		ok, err := bustest.Settled(ctx, bs.JetStream(), bus.StreamArticles, durable)
		if ok {
			return
		}
		if time.Now().After(deadline) {
			b.Fatalf("indexer stage has not settled its articles after 10m (%v)", err)
		}
	}
}

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
