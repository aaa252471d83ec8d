// Package fetcher is the fetching stage: it keeps one polling loop per feed
// of the feed set (watched in JetStream KV, so feeds added through the API
// are polled at once), downloads each feed with conditional GET, detects new
// items durably, fetches their pages and publishes them on
// parley.raw.<source>. Every request waits for its host (the politeness of
// package fetch: per-host concurrency, delay and 429/503 pauses, shared by
// feed and page requests), so a slow or paused host never delays others.
package fetcher

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net/url"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/parley-news/parley/pkg/bus"
	"github.com/parley-news/parley/pkg/fetch"
)

// Config of the fetching stage.
type Config struct {
	// PollInterval is the default interval between polls of one feed.
	// Adaptive scheduling may poll a quiet feed less often (up to
	// MaxIntervalFactor times), never more often.
	PollInterval      time.Duration
	MaxIntervalFactor float64
	// MaxErrorBackoff caps the delay after repeated failures.
	MaxErrorBackoff time.Duration
	// PagesPerFeed is how many pages of one feed are downloaded at once.
	PagesPerFeed int
	Fetch        fetch.Config
}

// Defaults fills zero settings.
func (c *Config) Defaults() {
	if c.PollInterval == 0 {
		c.PollInterval = 10 * time.Minute
	}
	if c.MaxIntervalFactor == 0 {
		c.MaxIntervalFactor = 4
	}
	if c.MaxErrorBackoff == 0 {
		c.MaxErrorBackoff = 6 * time.Hour
	}
	if c.PagesPerFeed == 0 {
		c.PagesPerFeed = 4
	}
}

// Validate names the first bad setting.
func (c *Config) Validate() error {
	switch {
	case c.PollInterval < time.Second:
		return fmt.Errorf("poll interval %s: must be at least 1s", c.PollInterval)
	case c.MaxIntervalFactor < 1:
		return fmt.Errorf("max interval factor %g: must be at least 1", c.MaxIntervalFactor)
	case c.PagesPerFeed < 1:
		return errors.New("fetcher concurrency: pages per feed must be at least 1")
	}
	return c.Fetch.Validate()
}

// Fetcher is the fetching stage.
type Fetcher struct {
	cfg    Config
	bus    *bus.Bus
	client *fetch.Client
	log    *slog.Logger
	m      metrics

	mu      sync.Mutex
	running map[string]*loop // by feed key
	status  map[string]string
}

type loop struct {
	url    string
	title  string
	cancel context.CancelFunc
	done   chan struct{}
	// retry wakes the loop for a poll now; retried is the latest RetryAt
	// of the feed's entry the loop has been given.
	retry   chan struct{}
	retried time.Time
}

type metrics struct {
	polls   *prometheus.CounterVec
	items   *prometheus.CounterVec
	pollDur prometheus.Histogram
	pageDur prometheus.Histogram
	feeds   *prometheus.GaugeVec
}

// New builds the stage; metrics are registered on reg.
func New(cfg Config, b *bus.Bus, reg prometheus.Registerer, log *slog.Logger) (*Fetcher, error) {
	cfg.Defaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	f := &Fetcher{
		cfg: cfg, bus: b, log: log.With("stage", "fetcher"),
		running: map[string]*loop{}, status: map[string]string{},
		m: metrics{
			polls: prometheus.NewCounterVec(prometheus.CounterOpts{
				Name: "parley_fetcher_polls_total", Help: "Feed polls by outcome (new_items, unchanged, not_modified, error, blocked).",
			}, []string{"outcome"}),
			items: prometheus.NewCounterVec(prometheus.CounterOpts{
				Name: "parley_fetcher_items_total", Help: "Feed items by outcome (published, updated, page_error, publish_error, truncated: published without feed fields over the message limit).",
			}, []string{"outcome"}),
			pollDur: prometheus.NewHistogram(prometheus.HistogramOpts{
				Name: "parley_fetcher_poll_seconds", Help: "Time to download one feed, the wait for its host included.",
				Buckets: prometheus.ExponentialBuckets(0.01, 2, 14),
			}),
			pageDur: prometheus.NewHistogram(prometheus.HistogramOpts{
				Name: "parley_fetcher_page_seconds", Help: "Time to download one article page, the wait for its host included.",
				Buckets: prometheus.ExponentialBuckets(0.01, 2, 14),
			}),
			feeds: prometheus.NewGaugeVec(prometheus.GaugeOpts{
				Name: "parley_fetcher_feeds", Help: "Feeds by status.",
			}, []string{"status"}),
		},
	}
	fcfg := cfg.Fetch
	fcfg.OnHostPause = f.hostPaused
	client, err := fetch.New(fcfg)
	if err != nil {
		return nil, err
	}
	f.client = client
	if reg != nil {
		for _, c := range append([]prometheus.Collector{f.m.polls, f.m.items, f.m.pollDur, f.m.pageDur, f.m.feeds}, client.Collectors()...) {
			if err := reg.Register(c); err != nil {
				return nil, fmt.Errorf("register fetcher metrics: %w", err)
			}
		}
	}
	return f, nil
}

// Run watches the feed set and polls every feed until ctx ends.
func (f *Fetcher) Run(ctx context.Context) error {
	changes, err := f.bus.WatchFeeds(ctx)
	if err != nil {
		return err
	}
	f.log.Info("fetcher running", "poll_interval", f.cfg.PollInterval, "allow_private", f.cfg.Fetch.AllowPrivate,
		"host_concurrency", f.cfg.Fetch.HostConcurrency, "host_delay", f.cfg.Fetch.HostDelay)
	for ch := range changes {
		f.apply(ctx, ch)
	}
	f.mu.Lock()
	loops := make([]*loop, 0, len(f.running))
	for _, l := range f.running {
		l.cancel()
		loops = append(loops, l)
	}
	f.mu.Unlock()
	for _, l := range loops {
		<-l.done
	}
	f.log.Info("fetcher stopped")
	return nil
}

func (f *Fetcher) apply(ctx context.Context, ch bus.FeedChange) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if old, ok := f.running[ch.Key]; ok {
		if ch.Entry != nil && ch.Entry.URL == old.url {
			if r := ch.Entry.RetryAt; r != nil && r.After(old.retried) {
				old.retried = *r
				select {
				case old.retry <- struct{}{}:
				default: // a retry is already pending
				}
			}
			return
		}
		old.cancel()
		delete(f.running, ch.Key)
		delete(f.status, ch.Key)
		f.log.Info("feed removed", "url", fetch.Redact(old.url))
	}
	if ch.Entry == nil {
		f.updateGauge()
		return
	}
	lctx, cancel := context.WithCancel(ctx)
	l := &loop{url: ch.Entry.URL, title: ch.Entry.Title, cancel: cancel, done: make(chan struct{}), retry: make(chan struct{}, 1)}
	if ch.Entry.RetryAt != nil {
		l.retried = *ch.Entry.RetryAt // asked before this loop: already done or moot
	}
	f.running[ch.Key] = l
	f.status[ch.Key] = bus.FeedNew
	f.updateGauge()
	go func() {
		defer close(l.done)
		f.runLoop(lctx, ch.Key, l)
	}()
}

func (f *Fetcher) setStatus(key, status string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.running[key]; ok {
		f.status[key] = status
		f.updateGauge()
	}
}

// updateGauge recounts feeds by status; f.mu is held.
func (f *Fetcher) updateGauge() {
	counts := map[string]float64{bus.FeedNew: 0, bus.FeedOK: 0, bus.FeedFailing: 0, bus.FeedBlocked: 0}
	for _, s := range f.status {
		counts[s]++
	}
	for s, n := range counts {
		f.m.feeds.WithLabelValues(s).Set(n)
	}
}

func (f *Fetcher) runLoop(ctx context.Context, key string, l *loop) {
	log := f.log.With("feed", fetch.Redact(l.url))
	st, err := f.bus.FeedState(ctx, l.url)
	if err != nil {
		log.Error("read feed state", "err", err)
	}
	// A feed polled recently (before a restart) waits for its turn.
	wait := time.Duration(0)
	if st.NextPoll != nil {
		wait = time.Until(*st.NextPoll)
	}
	for {
		if wait > 0 {
			t := time.NewTimer(wait)
			select {
			case <-ctx.Done():
				t.Stop()
				return
			case <-t.C:
			case <-l.retry:
				t.Stop()
				log.Info("feed polled now on request")
			}
		}
		if ctx.Err() != nil {
			return
		}
		st = f.Poll(ctx, l.url, l.title)
		// A poll cut short (the feed removed, shutdown) sets no NextPoll.
		if ctx.Err() != nil {
			return
		}
		f.setStatus(key, st.Status)
		wait = f.cfg.PollInterval
		if st.NextPoll != nil {
			wait = time.Until(*st.NextPoll)
		}
	}
}

// nextInterval is the delay before the next poll after a successful one:
// the poll interval, stretched for a feed that has been quiet for a while.
func (f *Fetcher) nextInterval(unchanged int) time.Duration {
	factor := math.Min(math.Pow(1.5, float64(max(0, unchanged-1))), f.cfg.MaxIntervalFactor)
	return time.Duration(float64(f.cfg.PollInterval) * factor)
}

// errorBackoff is the delay after the n-th failure in a row, at least what
// the origin asked for in Retry-After.
func (f *Fetcher) errorBackoff(n int, retryAfter time.Duration) time.Duration {
	d := f.cfg.PollInterval
	for i := 1; i < n && d < f.cfg.MaxErrorBackoff; i++ {
		d *= 2
	}
	d = min(d, f.cfg.MaxErrorBackoff)
	return max(d, retryAfter)
}

// hostPaused records a host's pause where GET /api/feeds shows it.
func (f *Fetcher) hostPaused(p fetch.HostPause) {
	f.log.Warn("host paused", "host", p.Host, "until", p.Until, "reason", p.Reason)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := f.bus.PutHostState(ctx, bus.HostState{Host: p.Host, PausedUntil: p.Until.UTC(), Reason: p.Reason}); err != nil {
		f.log.Error("save host state", "host", p.Host, "err", err)
	}
}

func hostOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	return u.Hostname()
}
