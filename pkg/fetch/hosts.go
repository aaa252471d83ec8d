package fetch

import (
	"context"
	"fmt"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/net/publicsuffix"
)

// Per-host politeness. Every request of a Client, feed or page, first waits
// for its host: at most Config.HostConcurrency requests in flight to one
// host, request starts at least Config.HostDelay apart (or the larger delay
// the host asked for in robots.txt), and none at all while the host is
// paused after a 429 or 503. Waiting for a host holds nothing another host
// needs: the Client-wide cap (Config.MaxInFlight) is taken only once the
// host lets the request go, so a slow or paused host never delays others.

// HostKey is the politeness key of a host name: its registrable domain by
// the public suffix list (www.example.co.uk and feeds.example.co.uk share
// example.co.uk; user.github.io is its own), or the name itself for IP
// addresses and names without a public suffix (localhost).
func HostKey(host string) string {
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	if _, err := netip.ParseAddr(host); err == nil {
		return host
	}
	if d, err := publicsuffix.EffectiveTLDPlusOne(host); err == nil {
		return d
	}
	return host
}

// HostPause is a pause of every request to one host, reported to
// Config.OnHostPause when a 429 or 503 starts or extends it.
type HostPause struct {
	Host   string // HostKey
	Until  time.Time
	Code   int    // the status that caused it
	Reason string // e.g. "HTTP 429 from https://…/feed.xml, Retry-After 30s"
}

type hostState struct {
	slots       chan struct{} // one per request in flight; nil without a concurrency limit
	inFlight    int
	maxInFlight int
	next        time.Time     // earliest start of the next request
	sending     chan struct{} // set while a spaced request is on its way out; closed when it was written
	pausedUntil time.Time
	pauses      int           // 429/503 answers in a row, for the back-off without Retry-After
	floor       time.Duration // a larger delay the host asked for (robots.txt Crawl-delay)
}

type gateMetrics struct {
	wait        prometheus.Histogram
	pauses      *prometheus.CounterVec
	inFlight    prometheus.Gauge
	maxInFlight prometheus.Gauge
	paused      prometheus.GaugeFunc
}

// gate enforces the politeness settings of one Client.
type gate struct {
	concurrency int
	delay       time.Duration
	maxPause    time.Duration
	global      chan struct{} // nil: no Client-wide cap
	onPause     func(HostPause)
	now         func() time.Time

	mu          sync.Mutex
	hosts       map[string]*hostState
	maxInFlight int
	m           gateMetrics
}

func newGate(cfg Config) *gate {
	g := &gate{
		concurrency: cfg.HostConcurrency, delay: cfg.HostDelay, maxPause: cfg.MaxHostPause,
		onPause: cfg.OnHostPause, now: time.Now, hosts: map[string]*hostState{},
	}
	if cfg.MaxInFlight > 0 {
		g.global = make(chan struct{}, cfg.MaxInFlight)
	}
	g.m = gateMetrics{
		wait: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "parley_fetch_host_wait_seconds", Help: "Time a request waited for its host (concurrency, delay, pause) before it started.",
			Buckets: prometheus.ExponentialBuckets(0.001, 4, 12),
		}),
		pauses: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "parley_fetch_host_pauses_total", Help: "Hosts paused after a 429 or 503, by status code.",
		}, []string{"code"}),
		inFlight: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "parley_fetch_requests_in_flight", Help: "Requests in flight, all hosts.",
		}),
		maxInFlight: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "parley_fetch_host_max_in_flight", Help: "The most requests ever in flight to one host at once (at most --host-concurrency).",
		}),
	}
	g.m.paused = prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "parley_fetch_hosts_paused", Help: "Hosts paused now after a 429 or 503.",
	}, func() float64 { return float64(g.pausedHosts()) })
	return g
}

func (g *gate) collectors() []prometheus.Collector {
	return []prometheus.Collector{g.m.wait, g.m.pauses, g.m.inFlight, g.m.maxInFlight, g.m.paused}
}

func (g *gate) host(key string) *hostState {
	h := g.hosts[key]
	if h == nil {
		h = &hostState{}
		if g.concurrency > 0 {
			h.slots = make(chan struct{}, g.concurrency)
		}
		g.hosts[key] = h
	}
	return h
}

// acquire waits until a request to host may start and returns two
// functions: sent, to call once the request was written (the next request
// to the host starts at least the delay after that moment, so the host sees
// the spacing even when this one had to dial first), and done, to call with
// the response's status code (0 without a response) and Retry-After.
func (g *gate) acquire(ctx context.Context, key string) (sent func(), done func(code int, retryAfter time.Duration), err error) {
	start := g.now()
	g.mu.Lock()
	h := g.host(key)
	g.mu.Unlock()
	if h.slots != nil {
		select {
		case h.slots <- struct{}{}:
		case <-ctx.Done():
			return nil, nil, ctx.Err()
		}
	}
	freeSlot := func() {
		if h.slots != nil {
			<-h.slots
		}
	}
	spaced := false
	for {
		g.mu.Lock()
		if h.sending != nil {
			wake := h.sending
			g.mu.Unlock()
			select {
			case <-wake:
				continue
			case <-ctx.Done():
				freeSlot()
				return nil, nil, ctx.Err()
			}
		}
		now := g.now()
		at := h.next
		if h.pausedUntil.After(at) {
			at = h.pausedUntil
		}
		if !now.Before(at) {
			h.next = now
			if d := max(g.delay, h.floor); d > 0 {
				spaced = true
				h.sending = make(chan struct{})
			}
			h.inFlight++
			if h.inFlight > h.maxInFlight {
				h.maxInFlight = h.inFlight
			}
			if h.inFlight > g.maxInFlight {
				g.maxInFlight = h.inFlight
				g.m.maxInFlight.Set(float64(g.maxInFlight))
			}
			g.mu.Unlock()
			break
		}
		g.mu.Unlock()
		t := time.NewTimer(at.Sub(now))
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			freeSlot()
			return nil, nil, ctx.Err()
		}
	}
	var sentOnce sync.Once
	sent = func() {
		if !spaced {
			return
		}
		sentOnce.Do(func() {
			g.mu.Lock()
			h.next = g.now().Add(max(g.delay, h.floor))
			close(h.sending)
			h.sending = nil
			g.mu.Unlock()
		})
	}
	if g.global != nil {
		select {
		case g.global <- struct{}{}:
		case <-ctx.Done():
			sent()
			g.mu.Lock()
			h.inFlight--
			g.mu.Unlock()
			freeSlot()
			return nil, nil, ctx.Err()
		}
	}
	g.m.inFlight.Inc()
	g.m.wait.Observe(g.now().Sub(start).Seconds())
	var doneOnce sync.Once
	return sent, func(code int, retryAfter time.Duration) {
		doneOnce.Do(func() {
			sent()
			g.m.inFlight.Dec()
			if g.global != nil {
				<-g.global
			}
			g.done(key, h, code, retryAfter)
			freeSlot()
		})
	}, nil
}

// done records the end of a request; a 429 or 503 pauses the host for its
// Retry-After, or without one for 30 s doubled at each such answer in a
// row, at most maxPause.
func (g *gate) done(key string, h *hostState, code int, retryAfter time.Duration) {
	g.mu.Lock()
	h.inFlight--
	if code != http.StatusTooManyRequests && code != http.StatusServiceUnavailable {
		if code > 0 {
			h.pauses = 0
		}
		g.mu.Unlock()
		return
	}
	h.pauses++
	pause := retryAfter
	reason := "Retry-After " + retryAfter.String()
	if pause <= 0 {
		pause = 30 * time.Second << min(h.pauses-1, 16)
		reason = fmt.Sprintf("no Retry-After, back-off after %d in a row", h.pauses)
	}
	if g.maxPause > 0 && pause > g.maxPause {
		pause = g.maxPause
	}
	until := g.now().Add(pause)
	extended := until.After(h.pausedUntil)
	if extended {
		h.pausedUntil = until
	}
	g.mu.Unlock()
	g.m.pauses.WithLabelValues(strconv.Itoa(code)).Inc()
	if extended && g.onPause != nil {
		g.onPause(HostPause{Host: key, Until: until, Code: code, Reason: fmt.Sprintf("HTTP %d, %s: paused for %s", code, reason, pause)})
	}
}

// PausedUntil is the end of host's pause, zero when it is not paused.
func (c *Client) PausedUntil(hostKey string) time.Time {
	g := c.gate
	g.mu.Lock()
	defer g.mu.Unlock()
	if h := g.hosts[hostKey]; h != nil && h.pausedUntil.After(g.now()) {
		return h.pausedUntil
	}
	return time.Time{}
}

// SetHostDelayFloor makes requests to host start at least d apart when d is
// longer than Config.HostDelay (robots.txt Crawl-delay).
func (c *Client) SetHostDelayFloor(hostKey string, d time.Duration) {
	g := c.gate
	g.mu.Lock()
	defer g.mu.Unlock()
	g.host(hostKey).floor = d
}

// MaxInFlight is the most requests that were ever in flight to hostKey at
// once.
func (c *Client) MaxInFlight(hostKey string) int {
	g := c.gate
	g.mu.Lock()
	defer g.mu.Unlock()
	if h := g.hosts[hostKey]; h != nil {
		return h.maxInFlight
	}
	return 0
}

// Collectors are the Client's metrics, for the caller to register.
func (c *Client) Collectors() []prometheus.Collector { return c.gate.collectors() }

func (g *gate) pausedHosts() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	now, n := g.now(), 0
	for _, h := range g.hosts {
		if h.pausedUntil.After(now) {
			n++
		}
	}
	return n
}
