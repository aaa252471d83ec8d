package fetcher

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/parley-news/parley/pkg/bus"
	"github.com/parley-news/parley/pkg/bus/bustest"
	"github.com/parley-news/parley/pkg/feedstore"
	"github.com/parley-news/parley/pkg/fetch"
	"github.com/parley-news/parley/pkg/internal/origin"
)

// A page robots.txt disallows is never requested: its article comes from
// the feed with page_error saying why. A disallowed feed is fetched all
// the same (the user subscribed to it). robots.txt is asked for once, and
// its Crawl-delay spaces the requests that follow.
func TestRobotsTxt(t *testing.T) {
	const crawlDelay = 300 * time.Millisecond
	robots := "User-agent: *\nDisallow: /\n\nUser-agent: parley\nDisallow: /a/0/\nDisallow: /feed/1.rss\nCrawl-delay: 0.3\n"
	farm, err := origin.StartFarm(origin.FarmConfig{
		Hosts: 2, Feeds: 2, Items: 3, FirstIP: "127.0.3.1", KeepLog: true,
		Before: func(w http.ResponseWriter, r *http.Request, host, n int) bool {
			if r.URL.Path != "/robots.txt" {
				return false
			}
			if host == 1 {
				http.NotFound(w, r) // no robots.txt: everything allowed
				return true
			}
			fmt.Fprint(w, robots)
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
	f, err := New(Config{PollInterval: time.Hour, Fetch: fetch.Config{AllowPrivate: true, Timeout: 10 * time.Second, HostConcurrency: 2}},
		b, prometheus.NewRegistry(), slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- f.Run(ctx) }()
	want := 2 * 2 * 3
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

	guarded := farm.Hosts[0]
	disallowed := guarded.URL + "/a/0/"
	for _, r := range rawMessages(t, b) {
		isDisallowed := strings.HasPrefix(r.PageURL, disallowed)
		switch {
		case isDisallowed && !strings.Contains(r.PageError, "robots.txt disallows it"):
			t.Errorf("%s: page error %q, want robots.txt named", r.PageURL, r.PageError)
		case isDisallowed && (len(r.Page) > 0 || r.PageRef != "" || r.Item.Title == ""):
			t.Errorf("%s: want the article from the feed alone", r.PageURL)
		case !isDisallowed && r.PageError != "":
			t.Errorf("%s: page error %q", r.PageURL, r.PageError)
		}
	}
	robotsAsked, feed1 := 0, 0
	var robotsAt time.Time
	// Requests the host let go before robots.txt was read are not spaced
	// by its Crawl-delay; those arriving 100 ms after it are.
	var afterRobots []time.Time
	for _, r := range guarded.Log() {
		switch {
		case strings.HasPrefix(r.Path, "/a/0/"):
			t.Errorf("disallowed page %s was requested", r.Path)
		case r.Path == "/robots.txt":
			robotsAsked++
			robotsAt = r.At
		case r.Path == "/feed/1.rss":
			feed1++
		}
		if robotsAsked > 0 && r.At.After(robotsAt.Add(100*time.Millisecond)) {
			afterRobots = append(afterRobots, r.At)
		}
	}
	if robotsAsked != 1 {
		t.Errorf("robots.txt asked for %d times, want once", robotsAsked)
	}
	if feed1 != 1 {
		t.Errorf("the disallowed feed was fetched %d times, want once (feeds are fetched regardless)", feed1)
	}
	for i := 1; i < len(afterRobots); i++ {
		if gap := afterRobots[i].Sub(afterRobots[i-1]); gap < crawlDelay-60*time.Millisecond {
			t.Errorf("requests %v apart after robots.txt asked for a Crawl-delay of %v", gap, crawlDelay)
		}
	}
	if len(afterRobots) < 2 {
		t.Errorf("only %d requests after robots.txt: the Crawl-delay is not exercised", len(afterRobots))
	}
	if n, _ := farm.Hosts[1].Stats(); n != 1+2+6 {
		t.Errorf("host without robots.txt: %d requests, want robots.txt, 2 feeds and 6 pages", n)
	}
}
