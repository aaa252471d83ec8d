package fetch

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/parley-news/parley/pkg/internal/origin"
)

func TestHostKey(t *testing.T) {
	tests := []struct{ host, want string }{
		{"www.example.co.uk", "example.co.uk"},
		{"feeds.example.co.uk", "example.co.uk"},
		{"Example.COM.", "example.com"},
		{"alice.github.io", "alice.github.io"},
		{"127.0.0.2", "127.0.0.2"},
		{"::1", "::1"},
		{"localhost", "localhost"},
	}
	for _, tt := range tests {
		if got := HostKey(tt.host); got != tt.want {
			t.Errorf("HostKey(%q) = %q, want %q", tt.host, got, tt.want)
		}
	}
}

func startHost(t *testing.T, ip string, handle func(w http.ResponseWriter, r *http.Request, n int)) *origin.Host {
	t.Helper()
	h, err := origin.StartHost(ip, true, handle)
	if err != nil {
		t.Skipf("cannot serve on %s: %v", ip, err)
	}
	t.Cleanup(h.Close)
	return h
}

// starts are the arrival times of the requests h received.
func starts(h *origin.Host) []time.Time {
	var out []time.Time
	for _, r := range h.Log() {
		out = append(out, r.At)
	}
	return out
}

// getAll fetches url n times at once and returns the errors.
func getAll(c *Client, url string, n int) []error {
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			_, errs[i] = c.Get(context.Background(), url, Options{})
		})
	}
	wg.Wait()
	return errs
}

// The origin sees request starts at least the host delay apart, less this:
// it times a request when its handler starts, which on a loaded machine
// lags the client's write by up to tens of milliseconds (more on a new
// connection than on a reused one).
const arrivalSlack = 80 * time.Millisecond

func TestHostConcurrencyAndDelay(t *testing.T) {
	const delay = 200 * time.Millisecond
	c := newClient(t, Config{HostConcurrency: 2, HostDelay: delay})
	// Each answer takes longer than the delay, so the concurrency limit,
	// not only the delay, is what keeps a third request waiting.
	slowish := func(w http.ResponseWriter, r *http.Request, _ int) {
		time.Sleep(400 * time.Millisecond)
		fmt.Fprint(w, "ok")
	}
	hosts := []*origin.Host{startHost(t, "127.0.0.1", slowish), startHost(t, "127.0.0.2", slowish), startHost(t, "127.0.0.3", slowish)}
	var wg sync.WaitGroup
	for _, h := range hosts {
		wg.Go(func() {
			for _, err := range getAll(c, h.URL+"/x", 6) {
				if err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	for _, h := range hosts {
		starts := starts(h)
		_, maxIn := h.Stats()
		if len(starts) != 6 {
			t.Errorf("%s: %d requests, want 6", h.URL, len(starts))
		}
		if maxIn != 2 {
			t.Errorf("%s: %d requests in flight at most, want 2 (the limit, reached)", h.URL, maxIn)
		}
		for i := 1; i < len(starts); i++ {
			if gap := starts[i].Sub(starts[i-1]); gap < delay-arrivalSlack {
				t.Errorf("%s: requests %d and %d started %v apart, want at least %v", h.URL, i-1, i, gap, delay)
			}
		}
	}
	if n := c.MaxInFlight("127.0.0.2"); n != 2 {
		t.Errorf("client's max in flight for 127.0.0.2: %d, want 2", n)
	}
}

// A host that does not answer holds its own slots and nothing else: the
// other hosts' requests all complete while it still hangs, even under a
// Client-wide cap of three requests in flight.
func TestSlowHostDelaysNoOther(t *testing.T) {
	release := make(chan struct{})
	slow := startHost(t, "127.0.0.4", func(w http.ResponseWriter, r *http.Request, _ int) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	})
	fast := startHost(t, "127.0.0.5", nil)
	c := newClient(t, Config{HostConcurrency: 2, MaxInFlight: 3})
	slowDone := make(chan []error, 1)
	go func() { slowDone <- getAll(c, slow.URL+"/hang", 4) }()
	waitUntil(t, "two requests hanging at the slow host", func() bool { n, _ := slow.Stats(); return n == 2 })
	for _, err := range getAll(c, fast.URL+"/", 20) {
		if err != nil {
			t.Fatal(err)
		}
	}
	if n, _ := slow.Stats(); n != 2 {
		t.Errorf("slow host received %d requests while its first two hung, want 2", n)
	}
	close(release)
	for _, err := range <-slowDone {
		if err != nil {
			t.Error(err)
		}
	}
}

// A 429 with Retry-After pauses the whole host: no request reaches it during
// the pause (not even ones already waiting), another host goes on, and
// the pause is reported.
func TestRetryAfterPausesHost(t *testing.T) {
	var answered time.Time
	var mu sync.Mutex
	limited := startHost(t, "127.0.0.6", func(w http.ResponseWriter, r *http.Request, n int) {
		if n == 0 {
			w.Header().Set("Retry-After", "1")
			w.WriteHeader(http.StatusTooManyRequests)
			mu.Lock()
			answered = time.Now()
			mu.Unlock()
			return
		}
		fmt.Fprint(w, "ok")
	})
	other := startHost(t, "127.0.0.7", nil)
	pauses := make(chan HostPause, 4)
	c := newClient(t, Config{HostConcurrency: 2, HostDelay: 20 * time.Millisecond, OnHostPause: func(p HostPause) { pauses <- p }})

	if _, err := c.Get(context.Background(), limited.URL+"/feed", Options{}); err == nil {
		t.Fatal("want the 429 as an error")
	}
	p := <-pauses
	if p.Host != "127.0.0.6" || p.Code != 429 || time.Until(p.Until) < 500*time.Millisecond {
		t.Fatalf("pause %+v, want 127.0.0.6 for about 1s", p)
	}
	if !c.PausedUntil("127.0.0.6").Equal(p.Until) {
		t.Errorf("PausedUntil %v, want %v", c.PausedUntil("127.0.0.6"), p.Until)
	}
	var wg sync.WaitGroup
	wg.Go(func() {
		for _, err := range getAll(c, limited.URL+"/page", 3) {
			if err != nil {
				t.Error(err)
			}
		}
	})
	otherDuringPause := 0
	for time.Now().Before(p.Until) {
		if _, err := c.Get(context.Background(), other.URL+"/", Options{}); err != nil {
			t.Fatal(err)
		}
		if time.Now().Before(p.Until) {
			otherDuringPause++
		}
	}
	wg.Wait()
	starts := starts(limited)
	mu.Lock()
	defer mu.Unlock()
	if len(starts) != 4 {
		t.Fatalf("limited host: %d requests, want 4", len(starts))
	}
	for i, s := range starts[1:] {
		if s.Before(answered.Add(time.Second - arrivalSlack)) {
			t.Errorf("request %d reached the paused host %v after the 429, inside its 1s Retry-After", i+1, s.Sub(answered))
		}
	}
	if otherDuringPause < 5 {
		t.Errorf("the other host got %d requests during the pause, want it to go on (at least 5)", otherDuringPause)
	}
}

func TestPauseBackoffWithoutRetryAfter(t *testing.T) {
	g := newGate(Config{MaxHostPause: 90 * time.Second})
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	g.now = func() time.Time { return now }
	var got []time.Duration
	g.onPause = func(p HostPause) { got = append(got, p.Until.Sub(now)) }
	for _, code := range []int{503, 429, 429, 200, 503} {
		_, release, err := g.acquire(context.Background(), "example.com")
		if err != nil {
			t.Fatal(err)
		}
		release(code, 0)
		now = g.hosts["example.com"].pausedUntil.Add(time.Millisecond)
	}
	want := []time.Duration{30 * time.Second, 60 * time.Second, 90 * time.Second, 30 * time.Second}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("pauses %v, want %v (doubling, capped, reset by a success)", got, want)
	}
}

func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
