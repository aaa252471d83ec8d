package webhook

import (
	"context"
	"crypto/hmac"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

func newTestHooks(t *testing.T, cfg Config) (*Sender, *prometheus.CounterVec) {
	t.Helper()
	cfg.Defaults()
	total := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "t"}, []string{"rule", "outcome"})
	h := New(cfg, total, slog.New(slog.DiscardHandler))
	ctx, cancel := context.WithCancel(context.Background())
	h.Start(ctx)
	t.Cleanup(func() {
		cancel()
		h.Stop()
	})
	return h, total
}

// waitCount waits until a counter reaches want.
func waitCount(t *testing.T, c prometheus.Collector, want float64) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for testutil.ToFloat64(c) < want {
		if time.Now().After(deadline) {
			t.Fatalf("counter at %v, want %v", testutil.ToFloat64(c), want)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestWebhookSignature(t *testing.T) {
	secret := "s3cret"
	type got struct {
		body            []byte
		sig, rule, deli string
	}
	ch := make(chan got, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		ch <- got{body, r.Header.Get(HeaderSignature), r.Header.Get(HeaderRule), r.Header.Get(HeaderDelivery)}
	}))
	defer srv.Close()
	h, total := newTestHooks(t, Config{Secret: secret, AllowPrivate: true})
	body := []byte(`{"rule":"r","query":"q","article":{"id":"1","url":"u","title":"t"}}`)
	h.Enqueue(Job{Rule: "r", URL: srv.URL + "/hook", ID: "r-1", Body: body})
	g := <-ch
	if string(g.body) != string(body) || g.rule != "r" || g.deli != "r-1" {
		t.Errorf("request %q rule %q delivery %q", g.body, g.rule, g.deli)
	}
	if !hmac.Equal([]byte(g.sig), []byte(Sign([]byte(secret), g.body))) || !strings.HasPrefix(g.sig, "sha256=") || len(g.sig) != 7+64 {
		t.Errorf("signature %q does not verify", g.sig)
	}
	if hmac.Equal([]byte(g.sig), []byte(Sign([]byte("other"), g.body))) {
		t.Error("signature verifies under another secret")
	}
	waitCount(t, total.WithLabelValues("r", "delivered"), 1)
}

func TestWebhookRetried(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 1 {
			http.Error(w, "try later", http.StatusInternalServerError)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	defer srv.Close()
	h, total := newTestHooks(t, Config{Backoff: 10 * time.Millisecond, AllowPrivate: true})
	h.Enqueue(Job{Rule: "r", URL: srv.URL, ID: "r-1", Body: []byte(`{}`)})
	waitCount(t, total.WithLabelValues("r", "delivered"), 1)
	if n := calls.Load(); n != 2 {
		t.Errorf("%d calls, want 2", n)
	}
	if n := testutil.ToFloat64(total.WithLabelValues("r", "retried")); n != 1 {
		t.Errorf("retried %v, want 1", n)
	}
}

func TestWebhookFailures(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "gone", http.StatusGone)
	}))
	defer srv.Close()
	tests := []struct {
		name, url string
		allow     bool
		errPart   string
	}{
		// A 4xx is the receiver refusing: not retried.
		{"refused", srv.URL, true, "410 Gone"},
		// Loopback is refused unless private webhooks are allowed.
		{"private", srv.URL, false, "blocked address"},
		// The ranges the webhooks' former, narrower guard let through: the
		// one guard (pkg/ssrf) refuses them before connecting.
		{"IPv4-compatible loopback", "http://[::7f00:1]:1/hook", false, "blocked address: ::7f00:1 is the IPv4-compatible form of a loopback"},
		{"carrier-grade NAT", "http://100.64.0.1:1/hook", false, "blocked address: 100.64.0.1 is a carrier-grade NAT"},
		{"this network", "http://0.1.2.3:1/hook", false, "blocked address: 0.1.2.3"},
		{"benchmarking", "http://198.18.0.1:1/hook", false, "blocked address: 198.18.0.1"},
		{"reserved", "http://240.0.0.1:1/hook", false, "blocked address: 240.0.0.1"},
		{"NAT64 loopback", "http://[64:ff9b::7f00:1]:1/hook", false, "blocked address: 64:ff9b::7f00:1 is the NAT64 form of a loopback"},
		{"6to4 private", "http://[2002:a00:1::1]:1/hook", false, "blocked address: 2002:a00:1::1 is the 6to4 form of a private"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, total := newTestHooks(t, Config{Backoff: 10 * time.Millisecond, AllowPrivate: tt.allow})
			h.Enqueue(Job{Rule: "r", URL: tt.url, ID: "r-1", Body: []byte(`{}`)})
			waitCount(t, total.WithLabelValues("r", "failed"), 1)
			if n := testutil.ToFloat64(total.WithLabelValues("r", "retried")); n != 0 {
				t.Errorf("retried %v times", n)
			}
			st, _ := h.Status("r")
			if !strings.Contains(st.LastError, tt.errPart) || st.Failed != 1 || st.LastErrorAt == nil {
				t.Errorf("status %+v, want last error containing %q", st, tt.errPart)
			}
		})
	}
}

// A panic while posting (a real one: the sender's HTTP client taken away)
// is a failed delivery in the rule's status, not a stopped alerter; the
// next alert is still taken.
func TestWebhookPanicIsAFailure(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer srv.Close()
	h, total := newTestHooks(t, Config{Backoff: 10 * time.Millisecond, AllowPrivate: true})
	client := h.client
	h.client = nil
	t.Cleanup(func() { h.client = client }) // before Stop, which closes its connections
	h.Enqueue(Job{Rule: "r", URL: srv.URL, ID: "r-1", Body: []byte(`{}`)})
	h.Enqueue(Job{Rule: "r", URL: srv.URL, ID: "r-2", Body: []byte(`{}`)})
	waitCount(t, total.WithLabelValues("r", "failed"), 2)
	st, _ := h.Status("r")
	if !strings.Contains(st.LastError, "posting the webhook panicked") || st.Failed != 2 {
		t.Errorf("status %+v, want two failures naming the panic", st)
	}
}

// A hanging endpoint fills its own queue; another rule's alerts still go.
func TestWebhookHangingDoesNotBlock(t *testing.T) {
	release := make(chan struct{})
	var once sync.Once
	unblock := func() { once.Do(func() { close(release) }) }
	hang := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer hang.Close()
	defer unblock()
	got := make(chan string, 10)
	ok := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got <- r.Header.Get(HeaderDelivery)
	}))
	defer ok.Close()

	h, total := newTestHooks(t, Config{Queue: 2, Timeout: time.Minute, AllowPrivate: true})
	for i := range 10 {
		h.Enqueue(Job{Rule: "slow", URL: hang.URL, ID: "slow-" + string(rune('0'+i)), Body: []byte(`{}`)})
	}
	h.Enqueue(Job{Rule: "fast", URL: ok.URL, ID: "fast-1", Body: []byte(`{}`)})
	if id := <-got; id != "fast-1" {
		t.Errorf("delivered %q", id)
	}
	// 10 alerts, one in flight, at most 2 queued: at least 7 dropped.
	if n := testutil.ToFloat64(total.WithLabelValues("slow", "dropped")); n < 7 {
		t.Errorf("dropped %v, want at least 7", n)
	}
	if st, _ := h.Status("slow"); !strings.Contains(st.LastError, "queue full") {
		t.Errorf("slow status %+v", st)
	}
	unblock()
}

// The endpoint's Retry-After is waited for when it is longer than the
// back-off (the back-off was shorter and used to be all there was), and a
// Retry-After beyond MaxBackoff ends the delivery at once with the
// reason, instead of hammering an endpoint that asked for quiet.
func TestWebhookRetryAfter(t *testing.T) {
	var mu sync.Mutex
	var times []time.Time
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		times = append(times, time.Now())
		n := len(times)
		mu.Unlock()
		switch {
		case r.URL.Path == "/never":
			w.Header().Set("Retry-After", "3600")
			w.WriteHeader(http.StatusServiceUnavailable)
		case n == 1:
			w.Header().Set("Retry-After", "1")
			w.WriteHeader(http.StatusTooManyRequests)
		}
	}))
	defer srv.Close()
	h, total := newTestHooks(t, Config{AllowPrivate: true, Backoff: time.Millisecond, MaxBackoff: 2 * time.Second})
	h.Enqueue(Job{Rule: "r", URL: srv.URL + "/hook", ID: "r-1", Body: []byte(`{}`)})
	waitCount(t, total.WithLabelValues("r", "delivered"), 1)
	mu.Lock()
	if len(times) != 2 || times[1].Sub(times[0]) < time.Second {
		t.Errorf("%d tries, %v apart; want 2, at least the 1 s Retry-After apart", len(times), times[len(times)-1].Sub(times[0]))
	}
	times = nil
	mu.Unlock()

	h.Enqueue(Job{Rule: "q", URL: srv.URL + "/never", ID: "q-1", Body: []byte(`{}`)})
	waitCount(t, total.WithLabelValues("q", "failed"), 1)
	mu.Lock()
	tries := len(times)
	mu.Unlock()
	st, _ := h.Status("q")
	if tries != 1 || !strings.Contains(st.LastError, "retried after 1h0m0s, beyond the longest wait (2s)") {
		t.Errorf("%d tries, last error %q; want 1 try and the Retry-After named", tries, st.LastError)
	}
}
