// Package fetcher is the fetching stage: it schedules every feed of the
// feed set (watched in JetStream KV, so feeds added through the API are
// polled at once) on one time heap by its next poll, learned from the
// feed's publishing rate and its hints; downloads each feed with
// conditional GET, detects new items durably (pushed by a WebSub hub or
// polled alike), fetches their pages where robots.txt allows and publishes
// them on parley.raw.<source>. Every request waits for its host (the
// politeness of package fetch: per-host concurrency, delay and 429/503
// pauses, shared by feed and page requests), so a slow or paused host never
// delays others; fetcher processes share the feeds by host (README, Sharded
// fetchers).
package fetcher

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/url"
	"os"
	"slices"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/parley-news/parley/pkg/bus"
	"github.com/parley-news/parley/pkg/feedstore"
	"github.com/parley-news/parley/pkg/fetch"
	"github.com/parley-news/parley/pkg/redact"
)

// Config of the fetching stage.
type Config struct {
	// PollInterval is where a new feed starts; the scheduler then learns
	// each feed's interval within [MinPollInterval, MaxPollInterval] (a
	// PollInterval below MinPollInterval lowers the minimum to it).
	PollInterval    time.Duration
	MinPollInterval time.Duration
	MaxPollInterval time.Duration
	// MaxErrorBackoff caps the delay after repeated failures.
	MaxErrorBackoff time.Duration
	// PagesPerFeed is how many pages of one feed are downloaded at once.
	PagesPerFeed int
	// Polls is how many polls run at once, all hosts together.
	Polls int
	// StartRate is how many feeds a second at most start their first poll
	// when the stage starts (feeds due then are spread over at most one
	// PollInterval).
	StartRate float64
	// WebSubCallback is the public base URL at which hubs reach
	// WebSubHandler (--websub-callback); empty, WebSub is off.
	WebSubCallback string
	// ID names this fetcher among the fetchers sharing the feed set
	// (default: host name, process id and a random suffix).
	ID    string
	Fetch fetch.Config
}

// Defaults fills zero settings.
func (c *Config) Defaults() {
	if c.PollInterval == 0 {
		c.PollInterval = 10 * time.Minute
	}
	if c.MinPollInterval == 0 {
		c.MinPollInterval = time.Minute
	}
	c.MinPollInterval = min(c.MinPollInterval, c.PollInterval)
	if c.MaxPollInterval == 0 {
		c.MaxPollInterval = 24 * time.Hour
	}
	if c.MaxErrorBackoff == 0 {
		c.MaxErrorBackoff = 6 * time.Hour
	}
	if c.PagesPerFeed == 0 {
		c.PagesPerFeed = 4
	}
	if c.Polls == 0 {
		// A poll holds its slot while its pages wait for the host's
		// delay: at 100,000 feeds, 512 were all taken with 1,500 due
		// polls waiting for one (make bench-fetch).
		c.Polls = 4096
	}
	if c.StartRate == 0 {
		c.StartRate = 50
	}
	if c.ID == "" {
		host, _ := os.Hostname()
		c.ID = bus.Token(fmt.Sprintf("%s-%d-%04x", host, os.Getpid(), rand.Uint32N(1<<16)))
	}
}

// Validate names the first bad setting.
func (c *Config) Validate() error {
	switch {
	case c.PollInterval < time.Second:
		return fmt.Errorf("poll interval %s: must be at least 1s", c.PollInterval)
	case c.MinPollInterval < time.Second:
		return fmt.Errorf("min poll interval %s: must be at least 1s", c.MinPollInterval)
	case c.MaxPollInterval < c.PollInterval:
		return fmt.Errorf("max poll interval %s: must be at least the poll interval %s", c.MaxPollInterval, c.PollInterval)
	case c.PagesPerFeed < 1 || c.Polls < 1:
		return errors.New("fetcher concurrency: pages per feed and polls must be at least 1")
	case c.StartRate <= 0:
		return fmt.Errorf("start rate %g: must be positive", c.StartRate)
	}
	if c.WebSubCallback != "" {
		u, err := url.Parse(c.WebSubCallback)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("websub callback %q: want an absolute http(s) URL, e.g. https://parley.example.org", c.WebSubCallback)
		}
	}
	return c.Fetch.Validate()
}

// Fetcher is the fetching stage.
type Fetcher struct {
	cfg    Config
	bus    *bus.Bus
	feeds  *feedstore.Store
	client *fetch.Client
	log    *slog.Logger
	m      metrics

	robots  *robotsCache
	webSub  webSubMetrics
	sched   *scheduler
	sch     schedule
	mu      sync.Mutex
	status  map[string]string      // by feed key
	initial []feedstore.FeedChange // the feed set at start, until the watch is synced
	synced  bool
	members []string // the fetchers alive, this one included
}

type metrics struct {
	polls     *prometheus.CounterVec
	items     *prometheus.CounterVec
	pollDur   prometheus.Histogram
	pageDur   prometheus.Histogram
	feeds     *prometheus.GaugeVec
	lateness  prometheus.Histogram
	hostQueue prometheus.Histogram
	interval  prometheus.Histogram
}

// New builds the stage; metrics are registered on reg.
func New(cfg Config, b *bus.Bus, reg prometheus.Registerer, log *slog.Logger) (*Fetcher, error) {
	cfg.Defaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	f := &Fetcher{
		cfg: cfg, bus: b, feeds: feedstore.New(b, log), log: log.With("stage", "fetcher"),
		// Twice --host-concurrency polls per host: a poll spends much of
		// its run off the host (its claim and state in NATS, parsing,
		// publishing), and with only --host-concurrency of them the host
		// idled while its due feeds queued (make bench-fetch). Their
		// requests still wait for the host in package fetch.
		sched:  newScheduler(2*cfg.Fetch.HostConcurrency, cfg.Polls, time.Now),
		sch:    schedule{start: cfg.PollInterval, min: cfg.MinPollInterval, max: cfg.MaxPollInterval, jitter: 0.1, rand: rand.Float64},
		status: map[string]string{},
		webSub: newWebSubMetrics(),
		m: metrics{
			polls: prometheus.NewCounterVec(prometheus.CounterOpts{
				Name: "parley_fetcher_polls_total", Help: "Feed polls by outcome (new_items, unchanged, not_modified, error, blocked).",
			}, []string{"outcome"}),
			items: prometheus.NewCounterVec(prometheus.CounterOpts{
				Name: "parley_fetcher_items_total", Help: "Feed items by outcome (published, updated, page_error, robots_disallowed, publish_error, truncated: published without feed fields over the message limit).",
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
			lateness: prometheus.NewHistogram(prometheus.HistogramOpts{
				Name: "parley_fetch_lateness_seconds", Help: "Time from when a feed's poll was due (or, if its host had 2 x --host-concurrency polls running then, when the host took it) to when it started.",
				Buckets: []float64{0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300, 900, 3600},
			}),
			hostQueue: prometheus.NewHistogram(prometheus.HistogramOpts{
				Name: "parley_fetch_host_queue_seconds", Help: "Time a due feed queued behind its host, which had 2 x --host-concurrency polls running (not part of the lateness).",
				Buckets: []float64{0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300, 900, 3600},
			}),
			interval: prometheus.NewHistogram(prometheus.HistogramOpts{
				Name: "parley_fetch_poll_interval_seconds", Help: "The interval the scheduler chose after each successful poll.",
				Buckets: []float64{60, 120, 300, 600, 1200, 1800, 3600, 7200, 14400, 28800, 43200, 86400},
			}),
		},
	}
	fcfg := cfg.Fetch
	fcfg.OnHostPause = f.hostPaused
	client, err := fetch.New(fcfg)
	if err != nil {
		return nil, err
	}
	f.client = client
	f.robots = newRobotsCache(client, client.Config().UserAgent)
	if reg != nil {
		for _, c := range append([]prometheus.Collector{f.m.polls, f.m.items, f.m.pollDur, f.m.pageDur, f.m.feeds, f.m.lateness, f.m.hostQueue, f.m.interval, f.webSub.subs, f.webSub.pushes}, client.Collectors()...) {
			if err := reg.Register(c); err != nil {
				return nil, fmt.Errorf("register fetcher metrics: %w", err)
			}
		}
	}
	return f, nil
}

// Run watches the feed set and polls every feed until ctx ends.
func (f *Fetcher) Run(ctx context.Context) error {
	changes, err := f.feeds.WatchFeeds(ctx)
	if err != nil {
		return err
	}
	f.log.Info("fetcher running", "poll_interval", f.cfg.PollInterval, "min_poll_interval", f.cfg.MinPollInterval,
		"max_poll_interval", f.cfg.MaxPollInterval, "allow_private", f.cfg.Fetch.AllowPrivate,
		"host_concurrency", f.cfg.Fetch.HostConcurrency, "host_delay", f.cfg.Fetch.HostDelay)
	f.refreshMembers(ctx)
	var polls sync.WaitGroup
	loopDone, membersDone := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(loopDone)
		f.dispatch(ctx, &polls)
	}()
	go func() {
		defer close(membersDone)
		t := time.NewTicker(bus.FetcherTTL / 3)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				f.refreshMembers(ctx)
			}
		}
	}()
	for ch := range changes {
		f.apply(ch)
	}
	<-loopDone
	<-membersDone
	polls.Wait()
	lctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
	if err := f.feeds.Leave(lctx, f.cfg.ID); err != nil {
		f.log.Warn("leave the fetchers", "err", err)
	}
	cancel()
	f.log.Info("fetcher stopped")
	return nil
}

// dispatch starts the polls that are due until ctx ends.
func (f *Fetcher) dispatch(ctx context.Context, polls *sync.WaitGroup) {
	t := time.NewTimer(time.Hour)
	defer t.Stop()
	for {
		start, wait := f.sched.take()
		for _, e := range start {
			pctx, cancel := context.WithCancel(ctx)
			f.sched.mu.Lock()
			e.cancel = cancel
			f.sched.mu.Unlock()
			polls.Add(1)
			go func() {
				defer polls.Done()
				defer cancel()
				next := f.pollDue(pctx, e)
				f.sched.done(e, next)
			}()
		}
		t.Reset(max(wait, 0))
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-f.sched.wake:
		}
	}
}

// refreshMembers renews this fetcher's heartbeat and takes the list of
// fetchers alive, which decides the hosts it polls. A fetcher that cannot
// reach the bucket keeps the membership it had (alone: every host).
func (f *Fetcher) refreshMembers(ctx context.Context) {
	if err := f.feeds.Heartbeat(ctx, f.cfg.ID); err != nil {
		if ctx.Err() == nil {
			f.log.Warn("fetcher heartbeat", "err", err)
		}
		return
	}
	members, err := f.feeds.LiveFetchers(ctx)
	if err != nil {
		if ctx.Err() == nil {
			f.log.Warn("list fetchers", "err", err)
		}
		return
	}
	if !slices.Contains(members, f.cfg.ID) {
		members = append(members, f.cfg.ID)
		slices.Sort(members)
	}
	f.mu.Lock()
	changed := !slices.Equal(members, f.members)
	f.members = members
	f.mu.Unlock()
	if changed {
		f.log.Info("fetchers sharing the feed set", "fetchers", members, "self", f.cfg.ID)
		f.sched.setMembers(members, f.cfg.ID)
	}
}

// claimRecheck is how soon a fetcher looks again at a feed another
// fetcher has claimed.
const claimRecheck = 2 * time.Second

// heldElsewhere is when to look at a feed again whose state says it is
// due at next, which another fetcher wrote. A next time no further than a
// claim may be that fetcher's claim, its poll under way (the feed's host
// changing hands): that poll saves a much sooner next time, which this
// fetcher would not hear of, so it looks again shortly.
func (f *Fetcher) heldElsewhere(e *entry, now, next time.Time, claim time.Duration) time.Time {
	if d := next.Sub(now); d > claimRecheck && d <= claim {
		e.recheck = true
		return now.Add(claimRecheck)
	}
	return next
}

// pollDue polls a feed whose turn came and returns when its next poll is
// due. A feed whose saved state says it is not due yet (a restart, or the
// spread at start) waits for that time without a request.
func (f *Fetcher) pollDue(ctx context.Context, e *entry) time.Time {
	now := time.Now()
	hostFree := e.hostFree // set by the scheduler for this turn only
	e.hostFree = time.Time{}
	// The claim keeps every other fetcher off this feed until the poll's
	// state is saved, or until it expires (this fetcher died mid-poll).
	claim := max(2*f.client.Config().Timeout, time.Minute)
	until := now.Add(claim)
	force := f.sched.takeForce(e)
	if force {
		f.log.Info("feed polled now on request", "feed", redact.URL(e.url))
	}
	if e.recheck && !force {
		// Another fetcher held the feed at its last turn: once its poll
		// has saved a next time, that is when the feed is due. Only a
		// look, not a claim: ClaimFeed lets a feed go up to a second
		// early (clocks of different machines), and a claim now could
		// poll it twice in one interval.
		e.recheck = false
		st, err := f.feeds.FeedState(ctx, e.url)
		if err == nil && st.NextPoll != nil && st.NextPoll.After(now) {
			return f.heldElsewhere(e, now, *st.NextPoll, claim)
		}
	}
	claimed, next, err := f.feeds.ClaimFeed(ctx, e.url, now, until, force)
	switch {
	case err != nil:
		if ctx.Err() == nil {
			f.log.Warn("claim feed", "feed", redact.URL(e.url), "err", err)
		}
		return now.Add(30 * time.Second)
	case !claimed && next != nil:
		return f.heldElsewhere(e, now, *next, claim)
	case !claimed:
		// Another fetcher wrote the feed's state meanwhile.
		e.recheck = true
		return now.Add(claimRecheck)
	}
	due := e.due
	if hostFree.After(due) {
		f.m.hostQueue.Observe(hostFree.Sub(due).Seconds())
		due = hostFree
	}
	f.m.lateness.Observe(now.Sub(due).Seconds())
	st := f.Poll(ctx, e.url, e.title)
	if ctx.Err() != nil {
		// Cut short (shutdown, the feed removed): due again at once, for
		// whichever fetcher polls it next.
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
		if err := f.feeds.ReleaseClaim(rctx, e.url, until); err != nil {
			f.log.Warn("release claim", "feed", redact.URL(e.url), "err", err)
		}
		cancel()
		return time.Now().Add(f.cfg.PollInterval)
	}
	f.setStatus(e.key, st.Status)
	if st.NextPoll == nil {
		return time.Now().Add(f.cfg.PollInterval)
	}
	return *st.NextPoll
}

func (f *Fetcher) apply(ch feedstore.FeedChange) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if ch.Synced {
		// The feed set at start: spread over the first interval.
		f.synced = true
		hosts := make([]string, len(f.initial))
		for i, ic := range f.initial {
			hosts[i] = fetch.HostKey(hostOf(ic.Entry.URL))
		}
		offsets := spread(hosts, f.cfg.StartRate, f.cfg.PollInterval)
		now := time.Now()
		for i, ic := range f.initial {
			f.addLocked(ic.Key, ic.Entry, now.Add(offsets[i]))
		}
		f.initial = nil
		f.updateGauge()
		return
	}
	if ch.Entry == nil {
		if u, ok := f.sched.remove(ch.Key); ok {
			f.log.Info("feed removed", "url", redact.URL(u))
		}
		delete(f.status, ch.Key)
		f.initial = slices.DeleteFunc(f.initial, func(c feedstore.FeedChange) bool { return c.Key == ch.Key })
		f.updateGauge()
		return
	}
	if !f.synced {
		f.initial = append(f.initial, ch)
		return
	}
	// Added while running: polled at once.
	f.addLocked(ch.Key, ch.Entry, time.Now())
	f.updateGauge()
}

// addLocked schedules a feed; f.mu is held.
func (f *Fetcher) addLocked(key string, e *feedstore.FeedEntry, due time.Time) {
	if f.sched.add(key, e.URL, e.Title, due, e.RetryAt) {
		f.status[key] = feedstore.FeedNew
	}
}

func (f *Fetcher) setStatus(key, status string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	// Moved between labels, not recounted: a recount walks every feed,
	// which at 100,000 feeds and hundreds of polls a second was most of
	// the stage's CPU, under f.mu.
	if old, ok := f.status[key]; ok && old != status {
		f.status[key] = status
		f.m.feeds.WithLabelValues(old).Dec()
		f.m.feeds.WithLabelValues(status).Inc()
	}
}

// updateGauge recounts feeds by status, after feeds came or went; f.mu is
// held.
func (f *Fetcher) updateGauge() {
	counts := map[string]float64{feedstore.FeedNew: 0, feedstore.FeedOK: 0, feedstore.FeedFailing: 0, feedstore.FeedBlocked: 0}
	for _, s := range f.status {
		counts[s]++
	}
	for s, n := range counts {
		f.m.feeds.WithLabelValues(s).Set(n)
	}
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
	if err := f.feeds.PutHostState(ctx, feedstore.HostState{Host: p.Host, PausedUntil: p.Until.UTC(), Reason: p.Reason}); err != nil {
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
