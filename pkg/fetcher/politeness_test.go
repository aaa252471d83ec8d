package fetcher

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/parley-news/parley/pkg/bus"
	"github.com/parley-news/parley/pkg/bus/bustest"
	"github.com/parley-news/parley/pkg/feedstore"
	"github.com/parley-news/parley/pkg/fetch"
	"github.com/parley-news/parley/pkg/internal/origin"
)

// The fetching stage against four publishers on four loopback addresses,
// feeds and pages on each: no host ever has more than two requests in
// flight or two starts closer than the delay; the host that answers one
// page with 429 Retry-After: 1 gets no request for that second while the
// others go on; every article is published once, with its page.
func TestPolitenessAcrossFeedsAndPages(t *testing.T) {
	const (
		hosts, feeds, items = 4, 4, 3
		delay               = 250 * time.Millisecond
		// The origin times a request when its handler starts: on a loaded
		// machine that lags the client's write by up to tens of
		// milliseconds (on a machine with a load of 20, up to 70 ms), more on a new
		// connection than on a reused one.
		slack       = 100 * time.Millisecond
		limitedHost = 1
	)
	var mu sync.Mutex
	var limitedAt time.Time
	limitedPages := 0
	farm, err := origin.StartFarm(origin.FarmConfig{
		Hosts: hosts, Feeds: feeds, Items: items, FirstIP: "127.0.2.1", KeepLog: true,
		Before: func(w http.ResponseWriter, r *http.Request, host, n int) bool {
			if host != limitedHost || !strings.HasPrefix(r.URL.Path, "/a/") {
				return false
			}
			mu.Lock()
			limitedPages++
			second := limitedPages == 2
			mu.Unlock()
			if !second {
				return false
			}
			w.Header().Set("Retry-After", "1")
			w.WriteHeader(http.StatusTooManyRequests)
			mu.Lock()
			limitedAt = time.Now()
			mu.Unlock()
			return true
		},
	})
	if err != nil {
		t.Skipf("loopback addresses: %v", err)
	}
	defer farm.Close()

	b := bustest.New(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	for _, u := range farm.FeedURLs() {
		if _, err := feedstore.New(b, nil).AddFeed(ctx, feedstore.FeedEntry{URL: u}); err != nil {
			t.Fatal(err)
		}
	}
	reg := prometheus.NewRegistry()
	f, err := New(Config{PollInterval: time.Hour, Fetch: fetch.Config{
		AllowPrivate: true, Timeout: 10 * time.Second, HostConcurrency: 2, HostDelay: delay,
	}}, b, reg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- f.Run(ctx) }()

	want := hosts * feeds * items
	deadline := time.Now().Add(60 * time.Second)
	for bustest.StreamMsgs(t, b, bus.StreamRaw) < uint64(want) {
		if time.Now().After(deadline) {
			t.Fatalf("raw stream holds %d after 60s, want %d", bustest.StreamMsgs(t, b, bus.StreamRaw), want)
		}
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}

	// Every article once, each with its page.
	pages := map[string]int{}
	for _, r := range rawMessages(t, b) {
		pages[r.PageURL]++
		if r.PageError != "" || len(r.Page) == 0 && r.PageRef == "" {
			t.Errorf("%s: page error %q", r.PageURL, r.PageError)
		}
	}
	for _, u := range farm.PageURLs() {
		if pages[u] != 1 {
			t.Errorf("%s published %d times, want once", u, pages[u])
		}
	}
	if len(pages) != want {
		t.Errorf("%d distinct pages published, want %d", len(pages), want)
	}

	mu.Lock()
	pauseStart := limitedAt
	mu.Unlock()
	if pauseStart.IsZero() {
		t.Fatal("the limited host never answered 429")
	}
	pauseEnd := pauseStart.Add(time.Second)
	othersDuringPause := 0
	for i, h := range farm.Hosts {
		log := h.Log()
		_, maxIn := h.Stats()
		if maxIn > 2 {
			t.Errorf("host %s: %d requests in flight at once, want at most 2", h.IP, maxIn)
		}
		wantRequests := 1 + feeds + feeds*items // robots.txt, feeds, pages
		if i == limitedHost {
			wantRequests++ // the page asked again after the pause
		}
		if len(log) != wantRequests {
			t.Errorf("host %s: %d requests, want %d", h.IP, len(log), wantRequests)
		}
		for k := 1; k < len(log); k++ {
			if gap := log[k].At.Sub(log[k-1].At); gap < delay-slack {
				t.Errorf("host %s: requests %d and %d started %v apart, want at least %v", h.IP, k-1, k, gap, delay)
			}
		}
		for _, r := range log {
			inPause := r.At.After(pauseStart) && r.At.Before(pauseEnd.Add(-slack))
			switch {
			case inPause && i == limitedHost:
				t.Errorf("host %s got %s %v after its 429 with Retry-After: 1", h.IP, r.Path, r.At.Sub(pauseStart))
			case inPause:
				othersDuringPause++
			}
		}
	}
	if othersDuringPause == 0 {
		t.Error("no other host got a request during the pause: they should go on")
	}

	limited := farm.Hosts[limitedHost].IP
	hs, ok, err := feedstore.New(b, nil).HostState(context.Background(), limited)
	if err != nil || !ok || !strings.Contains(hs.Reason, "429") || hs.PausedUntil.Sub(pauseStart) < 900*time.Millisecond {
		t.Errorf("host state of %s: %+v (found %v, err %v), want its 429 pause", limited, hs, ok, err)
	}
	st, _ := feedstore.New(b, nil).FeedState(context.Background(), farm.FeedURLs()[limitedHost*feeds])
	if st.Host != limited {
		t.Errorf("feed state host %q, want %q", st.Host, limited)
	}
	if n := testutil.ToFloat64(f.client.Collectors()[1].(*prometheus.CounterVec).WithLabelValues("429")); n != 1 {
		t.Errorf("parley_fetch_host_pauses_total{code=429} = %v, want 1", n)
	}
	if ok, fresh := testutil.ToFloat64(f.m.feeds.WithLabelValues(feedstore.FeedOK)), testutil.ToFloat64(f.m.feeds.WithLabelValues(feedstore.FeedNew)); ok != hosts*feeds || fresh != 0 {
		t.Errorf("parley_fetcher_feeds: ok %v, new %v; want %d and 0", ok, fresh, hosts*feeds)
	}
	if n := maxGauge(t, reg, "parley_fetch_host_max_in_flight"); n < 1 || n > 2 {
		t.Errorf("parley_fetch_host_max_in_flight = %v, want 1 or 2", n)
	}
}

func maxGauge(t *testing.T, g prometheus.Gatherer, name string) float64 {
	t.Helper()
	mfs, err := g.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == name {
			return mf.GetMetric()[0].GetGauge().GetValue()
		}
	}
	t.Fatalf("metric %s not registered", name)
	return 0
}

// rawMessages reads every message of the raw stream.
func rawMessages(t *testing.T, b *bus.Bus) []*bus.Raw {
	t.Helper()
	ctx := context.Background()
	c, err := b.JetStream().OrderedConsumer(ctx, bus.StreamRaw, jetstream.OrderedConsumerConfig{})
	if err != nil {
		t.Fatal(err)
	}
	n := bustest.StreamMsgs(t, b, bus.StreamRaw)
	var out []*bus.Raw
	batch, err := c.Fetch(int(n), jetstream.FetchMaxWait(5*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	for m := range batch.Messages() {
		r, err := bus.DecodeRaw(m.Data())
		if err != nil {
			t.Fatal(fmt.Errorf("decode raw: %w", err))
		}
		out = append(out, r)
	}
	if uint64(len(out)) != n {
		t.Fatalf("read %d raw messages, stream holds %d", len(out), n)
	}
	return out
}
