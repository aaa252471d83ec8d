package fetcher

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/parley-news/parley/pkg/bus"
	"github.com/parley-news/parley/pkg/bus/bustest"
	"github.com/parley-news/parley/pkg/feedstore"
	"github.com/parley-news/parley/pkg/fetch"
	"github.com/parley-news/parley/pkg/internal/origin"
)

// Three fetchers on one NATS share the feed set: every host is served by
// one fetcher (its requests carry that fetcher's User-Agent), no feed is
// polled twice within its interval, every item is published once, and
// when one fetcher dies its hosts are polled again by the others within
// FetcherTTL plus a heartbeat period plus an interval.
func TestShardedFetchers(t *testing.T) {
	const (
		hosts, feeds, items = 6, 3, 2
		interval            = 3 * time.Second
	)
	farm, err := origin.StartFarm(origin.FarmConfig{Hosts: hosts, Feeds: feeds, Items: items, FirstIP: "127.0.5.1", KeepLog: true})
	if err != nil {
		t.Skipf("loopback addresses: %v", err)
	}
	defer farm.Close()
	b := bustest.New(t)
	for _, u := range farm.FeedURLs() {
		if _, err := feedstore.New(b, nil).AddFeed(context.Background(), feedstore.FeedEntry{URL: u}); err != nil {
			t.Fatal(err)
		}
	}
	type runner struct {
		id     string
		f      *Fetcher
		cancel context.CancelFunc
		done   chan error
	}
	var runners []*runner
	for _, id := range []string{"fetcher-a", "fetcher-b", "fetcher-c"} {
		f, err := New(Config{
			ID: id, PollInterval: interval, MinPollInterval: interval, MaxPollInterval: interval,
			Fetch: fetch.Config{AllowPrivate: true, Timeout: 5 * time.Second, HostConcurrency: 2, UserAgent: id},
		}, b, nil, slog.New(slog.DiscardHandler))
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		r := &runner{id: id, f: f, cancel: cancel, done: make(chan error, 1)}
		go func() { r.done <- f.Run(ctx) }()
		runners = append(runners, r)
	}
	defer func() {
		for _, r := range runners {
			r.cancel()
			if err := <-r.done; err != nil {
				t.Errorf("%s: %v", r.id, err)
			}
		}
	}()

	want := uint64(hosts * feeds * items)
	waitUntil(t, "every item published", func() bool { return bustest.StreamMsgs(t, b, bus.StreamRaw) >= want })
	// Membership settles (every fetcher sees all three), and two more
	// intervals pass; then one is killed as a crash would (its heartbeat
	// left to expire).
	waitUntil(t, "three fetchers seen by each", func() bool {
		for _, r := range runners {
			r.f.mu.Lock()
			n := len(r.f.members)
			r.f.mu.Unlock()
			if n != 3 {
				return false
			}
		}
		return true
	})
	settled := time.Now()
	waitUntil(t, "two intervals with three fetchers", func() bool { return time.Since(settled) > 2*interval })
	// The one to kill serves a host (which one does depends on the hash).
	served := map[string]bool{}
	for _, h := range farm.Hosts {
		for _, r := range h.Log() {
			if r.At.After(settled) {
				served[r.Agent] = true
			}
		}
	}
	killed := runners[2]
	for _, r := range runners {
		if served[r.id] {
			killed = r
		}
	}
	t.Logf("fetchers serving hosts: %v; killing %s", served, killed.id)
	killedAt := time.Now()
	killed.cancel()
	if err := <-killed.done; err != nil {
		t.Fatal(err)
	}
	killed.done <- nil // for the deferred stop
	// A stopped fetcher leaves at once; a crashed one stays listed until
	// its last heartbeat expires: as if it had just written one.
	if err := feedstore.New(b, nil).Heartbeat(context.Background(), killed.id); err != nil {
		t.Fatal(err)
	}
	bound := bus.FetcherTTL + bus.FetcherTTL/3 + interval + 2*time.Second
	var killedHosts []*origin.Host
	for _, h := range farm.Hosts {
		for _, r := range h.Log() {
			if r.At.After(settled) && r.Agent == killed.id {
				killedHosts = append(killedHosts, h)
				break
			}
		}
	}
	if len(killedHosts) == 0 {
		t.Fatal("the killed fetcher served no host: the takeover is not exercised")
	}
	takenOver := func(h *origin.Host) time.Time {
		for _, r := range h.Log() {
			if r.At.After(killedAt) && r.Agent != killed.id && strings.HasPrefix(r.Path, "/feed/") {
				return r.At
			}
		}
		return time.Time{}
	}
	deadline := time.Now().Add(2 * bound)
	for _, h := range killedHosts {
		for takenOver(h).IsZero() && time.Now().Before(deadline) {
			time.Sleep(50 * time.Millisecond)
		}
		at := takenOver(h)
		switch {
		case at.IsZero():
			t.Errorf("host %s of the killed fetcher not polled again within %v", h.IP, 2*bound)
		case at.Sub(killedAt) > bound:
			t.Errorf("host %s taken over %v after the kill, want within %v", h.IP, at.Sub(killedAt), bound)
		default:
			t.Logf("host %s of the killed fetcher polled again %v after the kill", h.IP, at.Sub(killedAt).Round(100*time.Millisecond))
		}
	}

	if n := bustest.StreamMsgs(t, b, bus.StreamRaw); n != want {
		t.Errorf("raw stream holds %d, want %d: each item once", n, want)
	}
	for _, h := range farm.Hosts {
		log := h.Log()
		agents := map[string]bool{}
		for _, r := range log {
			if r.At.After(settled) && r.At.Before(killedAt) {
				agents[r.Agent] = true
			}
		}
		if len(agents) != 1 {
			t.Errorf("host %s was served by %d fetchers in the settled period, want one: %v", h.IP, len(agents), agents)
		}
		// Each feed: polls at least 0.9 intervals apart (the jitter).
		last := map[string]time.Time{}
		for _, r := range log {
			if !strings.HasPrefix(r.Path, "/feed/") {
				continue
			}
			if prev, ok := last[r.Path]; ok && r.At.Sub(prev) < interval*9/10-200*time.Millisecond {
				t.Errorf("host %s %s polled twice within %v (by %s)", h.IP, r.Path, r.At.Sub(prev), r.Agent)
			}
			last[r.Path] = r.At
		}
	}
}
