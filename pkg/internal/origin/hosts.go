package origin

import (
	"bytes"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Host is a test server on one loopback address (127.0.0.0/8 is all
// loopback on Linux, so each address is a different host to a client) that
// records when each request arrived, its path, and how many were in flight
// at once: what politeness tests and benchmarks check.
type Host struct {
	*httptest.Server
	IP string
	// Handle answers a request; n is its 0-based number at this host. Nil
	// answers "ok". Set it before the first request.
	Handle func(w http.ResponseWriter, r *http.Request, n int)

	mu          sync.Mutex
	log         []Request
	keepLog     bool
	requests    int
	inFlight    int
	maxInFlight int
}

// Request is one request a Host received.
type Request struct {
	At    time.Time
	Path  string
	Agent string // User-Agent
}

// StartHost serves on ip (e.g. "127.0.0.2") at a free port. keepLog keeps
// every request (benchmarks with millions of requests pass false and read
// only the counters).
func StartHost(ip string, keepLog bool, handle func(w http.ResponseWriter, r *http.Request, n int)) (*Host, error) {
	ln, err := net.Listen("tcp", ip+":0")
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w", ip, err)
	}
	h := &Host{IP: ip, Handle: handle, keepLog: keepLog}
	h.Server = httptest.NewUnstartedServer(http.HandlerFunc(h.serve))
	h.Server.Listener = ln
	h.Server.Start()
	return h, nil
}

func (h *Host) serve(w http.ResponseWriter, r *http.Request) {
	h.mu.Lock()
	n := h.requests
	h.requests++
	if h.keepLog {
		h.log = append(h.log, Request{At: time.Now(), Path: r.URL.Path, Agent: r.UserAgent()})
	}
	h.inFlight++
	h.maxInFlight = max(h.maxInFlight, h.inFlight)
	h.mu.Unlock()
	defer func() {
		h.mu.Lock()
		h.inFlight--
		h.mu.Unlock()
	}()
	if h.Handle != nil {
		h.Handle(w, r, n)
		return
	}
	fmt.Fprint(w, "ok")
}

// Log returns the requests received so far, in order of arrival.
func (h *Host) Log() []Request {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]Request(nil), h.log...)
}

// Stats are how many requests arrived and the most that were in flight at once.
func (h *Host) Stats() (requests, maxInFlight int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.requests, h.maxInFlight
}

// Farm is many publishers, one per loopback address, each with Feeds RSS
// feeds of Items items whose pages it serves too.
type Farm struct {
	Hosts  []*Host
	cfg    FarmConfig
	frozen atomic.Int64 // the last period of busy feeds, once frozen; 0 before
}

// FarmConfig shapes a Farm.
type FarmConfig struct {
	Hosts, Feeds, Items int
	// FirstIP is the address of the first host; the others follow it
	// (default 127.0.1.1).
	FirstIP string
	KeepLog bool
	// Before, when set, may answer a request itself (return true), e.g.
	// with a 429; host is the host's index.
	Before func(w http.ResponseWriter, r *http.Request, host, n int) bool
	// BusyEvery, when set, makes every BusyOneIn-th feed busy: it gains a
	// new item every BusyEvery (dated then), the others never change.
	// Feeds carry an ETag, so unchanged ones answer 304.
	BusyEvery time.Duration
	BusyOneIn int
	// Published, when set, is told of every item a busy feed serves, its
	// page URL and when it was published (each time it is served).
	Published func(page string, at time.Time)
}

// StartFarm serves a Farm until Close.
func StartFarm(cfg FarmConfig) (*Farm, error) {
	if cfg.FirstIP == "" {
		cfg.FirstIP = "127.0.1.1"
	}
	ip := net.ParseIP(cfg.FirstIP).To4()
	if ip == nil {
		return nil, fmt.Errorf("first ip %q: want an IPv4 address", cfg.FirstIP)
	}
	f := &Farm{cfg: cfg}
	for i := range cfg.Hosts {
		a := make(net.IP, 4)
		copy(a, ip)
		v := uint32(a[0])<<24 | uint32(a[1])<<16 | uint32(a[2])<<8 | uint32(a[3]) + uint32(i)
		a[0], a[1], a[2], a[3] = byte(v>>24), byte(v>>16), byte(v>>8), byte(v)
		h, err := StartHost(a.String(), cfg.KeepLog, nil)
		if err != nil {
			f.Close()
			return nil, err
		}
		h.Handle = func(w http.ResponseWriter, r *http.Request, n int) {
			if cfg.Before != nil && cfg.Before(w, r, i, n) {
				return
			}
			f.serve(h, w, r)
		}
		f.Hosts = append(f.Hosts, h)
	}
	return f, nil
}

// Close stops every host.
func (f *Farm) Close() {
	for _, h := range f.Hosts {
		h.Close()
	}
}

// Freeze stops the busy feeds gaining items: from now on each serves the
// items it serves now, so a test can wait for a known set of articles.
func (f *Farm) Freeze() {
	f.frozen.Store(time.Now().UnixNano() / int64(max(f.cfg.BusyEvery, 1)))
}

// FeedURLs lists every feed, host by host.
func (f *Farm) FeedURLs() []string {
	var out []string
	for _, h := range f.Hosts {
		for i := range f.cfg.Feeds {
			out = append(out, fmt.Sprintf("%s/feed/%d.rss", h.URL, i))
		}
	}
	return out
}

// PageURLs lists every article page.
func (f *Farm) PageURLs() []string {
	var out []string
	for _, h := range f.Hosts {
		for i := range f.cfg.Feeds {
			for j := range f.cfg.Items {
				out = append(out, fmt.Sprintf("%s/a/%d/%d.html", h.URL, i, j))
			}
		}
	}
	return out
}

var farmPublished = time.Date(2026, 1, 20, 9, 0, 0, 0, time.UTC)

// busy reports whether feed (the n-th on its host) gains items.
func (f *Farm) busy(feed int) bool {
	return f.cfg.BusyEvery > 0 && f.cfg.BusyOneIn > 0 && feed%f.cfg.BusyOneIn == 0
}

func (f *Farm) serve(h *Host, w http.ResponseWriter, r *http.Request) {
	path := r.URL.Path
	switch {
	case strings.HasPrefix(path, "/feed/") && strings.HasSuffix(path, ".rss"):
		feed, err := strconv.Atoi(strings.TrimSuffix(strings.TrimPrefix(path, "/feed/"), ".rss"))
		if err != nil || feed < 0 || feed >= f.cfg.Feeds {
			http.NotFound(w, r)
			return
		}
		// A busy feed's items are numbered by period since the epoch: the
		// newest is the current period's, published at its start.
		newest, at := int64(f.cfg.Items-1), farmPublished
		if f.busy(feed) {
			period := time.Now().UnixNano() / int64(f.cfg.BusyEvery)
			if last := f.frozen.Load(); last > 0 {
				period = min(period, last)
			}
			newest, at = period, time.Unix(0, period*int64(f.cfg.BusyEvery)).UTC()
		}
		etag := fmt.Sprintf(`"%d"`, newest)
		if r.Header.Get("If-None-Match") == etag {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		var b bytes.Buffer
		fmt.Fprintf(&b, `<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Publisher %s feed %d</title><link>%s/</link>`, h.IP, feed, h.URL)
		for j := range int64(f.cfg.Items) {
			n := newest - j
			link := fmt.Sprintf("%s/a/%d/%d.html", h.URL, feed, n)
			date := farmPublished.Add(time.Duration(n) * time.Hour)
			if f.busy(feed) {
				date = at.Add(-time.Duration(j) * f.cfg.BusyEvery)
				if f.cfg.Published != nil {
					f.cfg.Published(link, date)
				}
			}
			fmt.Fprintf(&b, "<item><title>Report %d of feed %d at %s</title><link>%s</link><guid>%s</guid><pubDate>%s</pubDate><description>Envoys met in round %d of the talks.</description></item>",
				n, feed, h.IP, link, link, date.Format(time.RFC1123Z), n)
		}
		b.WriteString("</channel></rss>")
		w.Header().Set("Content-Type", "application/rss+xml")
		w.Header().Set("ETag", etag)
		_, _ = w.Write(b.Bytes())
	case strings.HasPrefix(path, "/a/"):
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, "<!doctype html><html lang=en><head><title>%s</title></head><body><article><h1>Report %s</h1><p>Envoys of both governments met again on %s and said the talks would continue next week, officials said.</p><p>The ministers discussed a ceasefire, prisoner exchanges and the reopening of trade routes.</p></article></body></html>",
			path, path, h.IP)
	default:
		http.NotFound(w, r)
	}
}
