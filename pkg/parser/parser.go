// Package parser is the parsing stage: it pulls fetched pages from
// parley.raw.>, extracts the article, enriches it, assigns its story and
// its event, and publishes it on parley.articles.<language> before acknowledging the page.
// A page that fails every time is dead-lettered after MaxDeliver tries and
// holds up nothing behind it.
package parser

import (
	"context"
	"errors"
	"fmt"
	"html"
	"log/slog"
	"runtime"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/parley-news/parley/pkg/article"
	"github.com/parley-news/parley/pkg/backoff"
	"github.com/parley-news/parley/pkg/bus"
	"github.com/parley-news/parley/pkg/charset"
	"github.com/parley-news/parley/pkg/event"
	"github.com/parley-news/parley/pkg/extract"
	"github.com/parley-news/parley/pkg/internal/panics"
	"github.com/parley-news/parley/pkg/permanent"
	"github.com/parley-news/parley/pkg/redact"
	"github.com/parley-news/parley/pkg/versions"
)

// Extractor turns one UTF-8 page into an article.
type Extractor interface {
	Extract(ctx context.Context, page []byte, pageURL string, h extract.Hints) (*article.Article, error)
}

// Enricher fills entities, quotes and topics.
type Enricher interface {
	Enrich(a *article.Article)
}

// Stories assigns story ids to near-duplicate articles.
type Stories interface {
	Assign(ctx context.Context, a *article.Article) (string, error)
}

// Events assigns event ids to the reports of one event.
type Events interface {
	Assign(ctx context.Context, a *article.Article) (string, error)
}

// follower is an Events that takes in what other parser processes assign
// (event.Index.Follow).
type follower interface {
	Follow(ctx context.Context) error
}

// Config of the parsing stage.
type Config struct {
	Durable    string
	Workers    int
	MaxDeliver int
	// ShutdownTimeout bounds how long pages in flight may finish on shutdown.
	ShutdownTimeout time.Duration
}

// Defaults fills zero settings.
func (c *Config) Defaults() {
	if c.Durable == "" {
		c.Durable = "parser"
	}
	if c.Workers == 0 {
		c.Workers = runtime.GOMAXPROCS(0)
	}
	if c.MaxDeliver == 0 {
		c.MaxDeliver = 5
	}
	if c.ShutdownTimeout == 0 {
		c.ShutdownTimeout = 20 * time.Second
	}
}

// Validate names the first bad setting.
func (c *Config) Validate() error {
	switch {
	case c.Workers < 1 || c.Workers > 256:
		return fmt.Errorf("parser workers %d: must be 1 to 256", c.Workers)
	case c.MaxDeliver < 1:
		return fmt.Errorf("parser max deliver %d: must be at least 1", c.MaxDeliver)
	}
	return nil
}

// Parser is the parsing stage.
type Parser struct {
	cfg      Config
	bus      *bus.Bus
	versions *versions.Store
	extract  Extractor
	enrich   Enricher // may be nil
	stories  Stories  // may be nil
	events   Events   // may be nil
	log      *slog.Logger
	pages    *prometheus.CounterVec
	assigned *prometheus.CounterVec
	duration prometheus.Histogram
}

// New builds the stage; enrich, stories and events may be nil.
func New(cfg Config, b *bus.Bus, ex Extractor, en Enricher, st Stories, ev Events, reg prometheus.Registerer, log *slog.Logger) (*Parser, error) {
	cfg.Defaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	p := &Parser{
		cfg: cfg, bus: b, versions: versions.New(b), extract: ex, enrich: en, stories: st, events: ev, log: log.With("stage", "parser"),
		pages: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "parley_parser_pages_total", Help: "Pages handled by the parser, by outcome (published, empty, retried, dead_lettered).",
		}, []string{"outcome"}),
		assigned: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "parley_parser_events_total", Help: "Articles given an event id, by outcome (new: the article is its event's first report; joined: a later report).",
		}, []string{"outcome"}),
		duration: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "parley_parser_page_seconds", Help: "Time to extract and enrich one page.",
			Buckets: prometheus.ExponentialBuckets(0.001, 2, 14),
		}),
	}
	if reg != nil {
		for _, c := range []prometheus.Collector{p.pages, p.assigned, p.duration} {
			if err := reg.Register(c); err != nil {
				return nil, fmt.Errorf("register parser metrics: %w", err)
			}
		}
	}
	return p, nil
}

// Run consumes until ctx ends; pages in flight finish under ShutdownTimeout.
func (p *Parser) Run(ctx context.Context) error {
	pull, err := p.bus.Pull(ctx, bus.ConsumerConfig{
		Stream: bus.StreamRaw, Durable: p.cfg.Durable, Filter: bus.SubjectRaw + ".>",
		MaxDeliver: p.cfg.MaxDeliver + 1, AckWait: time.Minute, MaxAckPending: p.cfg.Workers * 8,
	}, p.log, jetstream.PullMaxMessages(p.cfg.Workers*2))
	if err != nil {
		return err
	}
	defer pull.Stop()
	var wg sync.WaitGroup
	if f, ok := p.events.(follower); ok {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p.follow(ctx, f)
		}()
	}
	p.log.Info("parser running", "durable", p.cfg.Durable, "workers", p.cfg.Workers)
	pull.Work(ctx, p.cfg.Workers, p.cfg.ShutdownTimeout+time.Minute, p.handle, p.fail)
	wg.Wait()
	p.log.Info("parser stopped")
	return nil
}

// follow keeps the event index following the other parser processes'
// assignments until ctx ends, starting again after a failure: meanwhile
// this process assigns from what it holds, and says so.
func (p *Parser) follow(ctx context.Context, f follower) {
	retry := backoff.Policy{Initial: time.Second, Max: time.Minute, Jitter: true}
	for n := 1; ; n++ {
		start := time.Now()
		err := f.Follow(ctx)
		if time.Since(start) > retry.Max {
			n = 1 // it had been following: a new failure
		}
		if ctx.Err() != nil {
			return
		}
		if err == nil {
			return // nothing to follow
		}
		d := retry.Delay(n)
		p.log.Warn("following other parsers' event assignments failed; assigning from this process's own until it is back", "err", err, "retry_in", d)
		select {
		case <-ctx.Done():
			return
		case <-time.After(d):
		}
	}
}

func (p *Parser) handle(ctx context.Context, m jetstream.Msg) {
	start := time.Now()
	a, err := p.Parse(ctx, m.Data())
	p.duration.Observe(time.Since(start).Seconds())
	if err != nil {
		p.fail(ctx, m, err)
		return
	}
	if err := p.bus.PublishArticle(ctx, a); err != nil {
		p.fail(ctx, m, err)
		return
	}
	if err := m.Ack(); err != nil {
		p.log.Warn("ack raw page", "subject", m.Subject(), "err", err)
	}
	if a.Truncated != "" {
		p.log.Warn("article too large for a message: published without the excess", "url", a.URL, "truncated", a.Truncated)
	}
	if a.Body == "" {
		p.pages.WithLabelValues("empty").Inc()
		p.log.Info("no article body", "url", a.URL, "reason", a.EmptyReason)
	}
	p.pages.WithLabelValues("published").Inc()
}

// Parse turns one raw message into an enriched article. A panic (in
// extraction, on a stranger's page) is its error, with the stack.
func (p *Parser) Parse(ctx context.Context, data []byte) (*article.Article, error) {
	var (
		a   *article.Article
		err error
	)
	if pe := panics.Catch(func() { a, err = p.parse(ctx, data) }); pe != nil {
		return nil, fmt.Errorf("extraction %w\n%s", pe, pe.Stack)
	}
	return a, err
}

func (p *Parser) parse(ctx context.Context, data []byte) (*article.Article, error) {
	raw, err := bus.DecodeRaw(data)
	if err != nil {
		return nil, permanent.Error(err) // the same bytes will not decode next time
	}
	page, err := p.bus.Page(ctx, raw)
	if err != nil && !errors.Is(err, bus.ErrPageGone) {
		return nil, err
	}
	hints := extract.Hints{
		Title: raw.Item.Title, Summary: raw.Item.Summary, Language: raw.Item.Language,
		Authors: raw.Item.Authors, Categories: raw.Item.Categories,
		Published: raw.Item.Published, Updated: raw.Item.Updated,
		Image: raw.Item.Image, Source: raw.Source,
	}
	pageURL := raw.PageURL
	if pageURL == "" {
		pageURL = raw.Item.Link
	}
	var (
		a      *article.Article
		reason string
	)
	switch {
	case page != nil:
		utf8, _, derr := charset.HTML(page, raw.ContentType)
		if derr != nil {
			return nil, fmt.Errorf("decode page %s: %w", pageURL, derr)
		}
		a, err = p.extract.Extract(ctx, utf8, pageURL, hints)
		if err != nil {
			return nil, fmt.Errorf("extract %s: %w", pageURL, err)
		}
	default:
		// No page (refused, too large, not HTML, or expired from the object
		// store): the feed's own content is the article.
		reason = raw.PageError
		if reason == "" {
			reason = "page not available"
		}
		content := raw.Item.Content
		if content == "" {
			content = raw.Item.Summary
		}
		doc := "<html><head><title>" + html.EscapeString(raw.Item.Title) + "</title></head><body><article>" + content + "</article></body></html>"
		a, err = p.extract.Extract(ctx, []byte(doc), pageURL, hints)
		if err != nil {
			return nil, fmt.Errorf("extract feed content of %s: %w", pageURL, err)
		}
		// The page's boilerplate heuristics do not apply to the feed's own
		// text, which is short and all article: keep all of it.
		if a.Body == "" {
			a.Body = extract.FragmentText(content)
			if a.Body != "" {
				a.EmptyReason = ""
			}
		}
	}
	if a.URL == "" {
		if a.URL, err = article.CanonicalURL(pageURL); err != nil {
			return nil, fmt.Errorf("article url: %w", err)
		}
	}
	if a.ID == "" {
		a.ID = article.ID(a.URL)
	}
	a.FeedURL = redact.URL(raw.FeedURL) // its password is for fetching only
	a.PageError = raw.PageError
	if a.Source == "" {
		a.Source = raw.Source
	}
	fetched := raw.FetchedAt.UTC()
	a.FetchedAt = &fetched
	if a.Body == "" && a.EmptyReason == "" {
		a.EmptyReason = reason
	}
	if p.enrich != nil {
		p.enrich.Enrich(a)
	}
	if p.stories != nil {
		id, err := p.stories.Assign(ctx, a)
		if err != nil {
			return nil, fmt.Errorf("assign story of %s: %w", a.URL, err)
		}
		a.StoryID = id
	}
	if p.events != nil {
		id, err := p.events.Assign(ctx, a)
		if err != nil {
			return nil, fmt.Errorf("assign event of %s: %w", a.URL, err)
		}
		a.EventID = id
		if id == event.NewEventID(a.ID) {
			p.assigned.WithLabelValues("new").Inc()
		} else {
			p.assigned.WithLabelValues("joined").Inc()
		}
	}
	// A page that changed under the same URL becomes the next version of
	// the same article (the index replaces it in place); earlier versions
	// stay readable through /api/articles/{id}/versions.
	if err := p.versions.RecordVersion(ctx, a); err != nil {
		return nil, err
	}
	return a, nil
}

func (p *Parser) fail(ctx context.Context, m jetstream.Msg, err error) {
	p.pages.WithLabelValues(string(p.bus.Fail(ctx, "parser", m, err, p.cfg.MaxDeliver))).Inc()
}
