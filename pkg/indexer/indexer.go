// Package indexer is the indexing stage: it pulls extracted articles from
// parley.articles.>, writes them to the search index in batches, publishes
// each confirmed article on parley.indexed.<language>, and only then
// acknowledges it. A redelivered article replaces its own document (ids come
// from the canonical URL), so nothing is indexed twice.
package indexer

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/parley-news/parley/pkg/article"
	"github.com/parley-news/parley/pkg/bus"
	"github.com/parley-news/parley/pkg/internal/panics"
	"github.com/parley-news/parley/pkg/permanent"
)

// Backend is the search index the indexer writes to. Index returns one
// error per article, nil once that article is durable in the index.
type Backend interface {
	Index(ctx context.Context, arts []*article.Article) []error
}

// encodedIndexer is a backend that stores each article's JSON as it was
// received rather than encoding the article again (Elasticsearch keeps it
// in the document).
type encodedIndexer interface {
	IndexEncoded(ctx context.Context, arts []*article.Article, encoded [][]byte) []error
}

// Config of the indexing stage.
type Config struct {
	// Durable is the JetStream consumer name; every indexer replica of one
	// index shares it.
	Durable string
	// BatchSize is the most articles written in one batch.
	BatchSize int
	// MaxWait is how long a batch waits to fill.
	MaxWait time.Duration
	// Workers pull and write batches concurrently.
	Workers int
	// MaxDeliver is how many times an article is tried before it is dead-lettered.
	MaxDeliver int
	// ShutdownTimeout bounds the final flush on shutdown.
	ShutdownTimeout time.Duration
}

// Defaults fills zero settings.
func (c *Config) Defaults() {
	if c.Durable == "" {
		c.Durable = "indexer"
	}
	if c.BatchSize == 0 {
		c.BatchSize = 256
	}
	if c.MaxWait == 0 {
		c.MaxWait = 200 * time.Millisecond
	}
	if c.Workers == 0 {
		c.Workers = 2
	}
	if c.MaxDeliver == 0 {
		c.MaxDeliver = 8
	}
	if c.ShutdownTimeout == 0 {
		c.ShutdownTimeout = 20 * time.Second
	}
}

// Validate names the first bad setting.
func (c *Config) Validate() error {
	switch {
	case c.BatchSize < 1 || c.BatchSize > 10000:
		return fmt.Errorf("indexer batch size %d: must be 1 to 10000", c.BatchSize)
	case c.Workers < 1 || c.Workers > 64:
		return fmt.Errorf("indexer workers %d: must be 1 to 64", c.Workers)
	case c.MaxDeliver < 1:
		return fmt.Errorf("indexer max deliver %d: must be at least 1", c.MaxDeliver)
	case c.MaxWait <= 0:
		return fmt.Errorf("indexer max wait %s: must be positive", c.MaxWait)
	}
	return nil
}

// Indexer is the indexing stage.
type Indexer struct {
	cfg     Config
	bus     *bus.Bus
	backend Backend
	log     *slog.Logger

	docs     *prometheus.CounterVec
	batchDur prometheus.Histogram
	latency  prometheus.Histogram
	fresh    *prometheus.HistogramVec
	mu       sync.Mutex
	sources  map[string]bool // the sources with a label of their own in fresh
}

// maxSourceLabels bounds the source label of parley_publish_to_index_seconds:
// the first sources seen get their own, the rest share "other", so 100,000
// feeds do not make 100,000 series.
const maxSourceLabels = 200

// New builds the stage; metrics are registered on reg.
func New(cfg Config, b *bus.Bus, backend Backend, reg prometheus.Registerer, log *slog.Logger) (*Indexer, error) {
	cfg.Defaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	ix := &Indexer{
		cfg: cfg, bus: b, backend: backend, log: log.With("stage", "indexer"),
		docs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "parley_indexer_articles_total", Help: "Articles handled by the indexer, by outcome (indexed, retried, dead_lettered).",
		}, []string{"outcome"}),
		batchDur: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "parley_indexer_batch_seconds", Help: "Time to write one batch to the index.",
			Buckets: prometheus.ExponentialBuckets(0.005, 2, 12),
		}),
		latency: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "parley_indexer_fetch_to_indexed_seconds", Help: "Time from fetching an article's page to the index confirming it.",
			Buckets: prometheus.ExponentialBuckets(0.01, 2, 14),
		}),
		fresh: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "parley_publish_to_index_seconds", Help: "Time from an article's published_at to the index confirming it (searchable), by source (the first 200 sources; then \"other\").",
			Buckets: []float64{1, 2, 5, 10, 30, 60, 120, 300, 600, 1800, 3600, 3 * 3600, 12 * 3600, 86400, 7 * 86400},
		}, []string{"source"}),
		sources: map[string]bool{},
	}
	if reg != nil {
		for _, c := range []prometheus.Collector{ix.docs, ix.batchDur, ix.latency, ix.fresh} {
			if err := reg.Register(c); err != nil {
				return nil, fmt.Errorf("register indexer metrics: %w", err)
			}
		}
	}
	return ix, nil
}

// Run consumes until ctx ends, then finishes the batches in flight under
// cfg.ShutdownTimeout.
func (ix *Indexer) Run(ctx context.Context) error {
	pull, err := ix.bus.Pull(ctx, bus.ConsumerConfig{
		Stream: bus.StreamArticles, Durable: ix.cfg.Durable, Filter: bus.SubjectArticles + ".>",
		MaxDeliver: ix.cfg.MaxDeliver + 1, AckWait: 2 * time.Minute,
	}, ix.log, jetstream.PullMaxMessages(ix.cfg.BatchSize*ix.cfg.Workers))
	if err != nil {
		return err
	}
	defer pull.Stop()
	ix.log.Info("indexer running", "durable", ix.cfg.Durable, "workers", ix.cfg.Workers, "batch", ix.cfg.BatchSize)
	// One goroutine reads and hands batches to the workers.
	batches := make(chan []jetstream.Msg)
	var wg sync.WaitGroup
	for range ix.cfg.Workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for msgs := range batches {
				// The batch was delivered: finish it even when shutdown
				// begins, so its acks are not left to AckWait.
				fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), ix.cfg.ShutdownTimeout)
				ix.handleGuarded(fctx, msgs)
				cancel()
			}
		}()
	}
	for {
		msgs, err := ix.batch(ctx, pull)
		if err != nil {
			break // ctx ended
		}
		batches <- msgs
	}
	close(batches)
	wg.Wait()
	ix.log.Info("indexer stopped")
	return nil
}

// batch waits for an article, then takes the ones that follow within
// MaxWait, up to BatchSize.
func (ix *Indexer) batch(ctx context.Context, pull *bus.Pull) ([]jetstream.Msg, error) {
	m, err := pull.Next(ctx)
	if err != nil {
		return nil, err
	}
	msgs := []jetstream.Msg{m}
	deadline := time.Now().Add(ix.cfg.MaxWait)
	for len(msgs) < ix.cfg.BatchSize {
		wait := time.Until(deadline)
		if wait <= 0 {
			break
		}
		m, err := pull.NextWithin(ctx, wait)
		if err != nil || m == nil {
			break // the batch goes as it is; a shutdown finishes it first
		}
		msgs = append(msgs, m)
	}
	return msgs, nil
}

// handleGuarded is handle, with a panic (a bug on a stranger's article,
// in the stage or a backend) kept from stopping parley: the batch is
// handled again one article at a time, so that the article that panics
// does not take the others with it, and it fails as any article fails
// (delivered again, then dead-lettered to parley.dlq.indexer).
func (ix *Indexer) handleGuarded(ctx context.Context, msgs []jetstream.Msg) {
	err := ix.guard(ctx, msgs)
	if err == nil {
		return
	}
	if len(msgs) == 1 {
		ix.fail(ctx, msgs[0], err)
		return
	}
	for _, m := range msgs {
		if err := ix.guard(ctx, []jetstream.Msg{m}); err != nil {
			ix.fail(ctx, m, err)
		}
	}
}

// guard runs handle and turns a panic into an error, logged with its stack.
func (ix *Indexer) guard(ctx context.Context, msgs []jetstream.Msg) error {
	if p := panics.Catch(func() { ix.handle(ctx, msgs) }); p != nil {
		ix.log.Error("indexing panicked", "articles", len(msgs), "panic", p.Value, "stack", string(p.Stack))
		return fmt.Errorf("indexing %w", p)
	}
	return nil
}

func (ix *Indexer) handle(ctx context.Context, msgs []jetstream.Msg) {
	arts := make([]*article.Article, 0, len(msgs))
	kept := make([]jetstream.Msg, 0, len(msgs))
	for _, m := range msgs {
		var a article.Article
		if err := json.Unmarshal(m.Data(), &a); err != nil {
			ix.fail(ctx, m, permanent.Error(fmt.Errorf("decode article: %w", err)))
			continue
		}
		if a.ID == "" {
			ix.fail(ctx, m, permanent.Error(errors.New("article without id")))
			continue
		}
		// The id becomes the document id, a header and a message id: one
		// not made by article.ID is not parley's (a forged message).
		if !article.ValidID(a.ID) {
			ix.fail(ctx, m, permanent.Error(fmt.Errorf("article id %.40q: not an article id (32 hex digits)", a.ID)))
			continue
		}
		arts = append(arts, &a)
		kept = append(kept, m)
	}
	if len(arts) == 0 {
		return
	}
	start := time.Now()
	var errs []error
	if enc, ok := ix.backend.(encodedIndexer); ok {
		raw := make([][]byte, len(kept))
		for i, m := range kept {
			raw[i] = m.Data()
		}
		errs = enc.IndexEncoded(ctx, arts, raw)
	} else {
		errs = ix.backend.Index(ctx, arts)
	}
	ix.batchDur.Observe(time.Since(start).Seconds())
	if len(errs) != len(arts) {
		err := fmt.Errorf("index backend returned %d results for %d articles", len(errs), len(arts))
		for _, m := range kept {
			ix.fail(ctx, m, err)
		}
		return
	}
	// The articles the index confirmed go on to parley.indexed, all in
	// flight at once; each message is acked once its copy is stored.
	var done []int
	var out []bus.Indexed
	for i, m := range kept {
		if errs[i] != nil {
			ix.fail(ctx, m, fmt.Errorf("index article %s: %w", arts[i].ID, errs[i]))
			continue
		}
		done = append(done, i)
		out = append(out, bus.Indexed{Article: arts[i], Data: m.Data(), Hash: m.Headers().Get(bus.HeaderContentHash)})
	}
	for k, err := range ix.bus.PublishIndexedBatch(ctx, out) {
		i := done[k]
		m := kept[i]
		if err != nil {
			ix.fail(ctx, m, err)
			continue
		}
		if err := m.Ack(); err != nil {
			ix.log.Warn("ack article", "id", arts[i].ID, "err", err)
		}
		ix.docs.WithLabelValues("indexed").Inc()
		if arts[i].FetchedAt != nil {
			ix.latency.Observe(time.Since(*arts[i].FetchedAt).Seconds())
		}
		ix.observeFreshness(arts[i])
	}
}

// observeFreshness records how long after its publication an article
// became searchable; articles without a date, or dated in the future, say
// nothing about that.
func (ix *Indexer) observeFreshness(a *article.Article) {
	if a.PublishedAt == nil {
		return
	}
	d := time.Since(*a.PublishedAt)
	if d < 0 {
		return
	}
	source := a.Source
	ix.mu.Lock()
	if !ix.sources[source] {
		if len(ix.sources) >= maxSourceLabels {
			source = "other"
		} else {
			ix.sources[source] = true
		}
	}
	ix.mu.Unlock()
	ix.fresh.WithLabelValues(source).Observe(d.Seconds())
}

// fail retries m later, or dead-letters it when the error is permanent or
// its deliveries are used up.
func (ix *Indexer) fail(ctx context.Context, m jetstream.Msg, err error) {
	ix.docs.WithLabelValues(string(ix.bus.Fail(ctx, "indexer", m, err, ix.cfg.MaxDeliver))).Inc()
}
