package fetcher

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/parley-news/parley/pkg/bus"
	"github.com/parley-news/parley/pkg/bus/bustest"
	"github.com/parley-news/parley/pkg/feedstore"
	"github.com/parley-news/parley/pkg/fetch"
	"github.com/parley-news/parley/pkg/internal/origin"
)

// A feed that names a hub is subscribed (secret, lease, verified intent);
// content the hub pushes is published at once with no poll; a body with a
// bad signature or none is refused and publishes nothing; the backup poll
// finds the pushed items seen.
func TestWebSub(t *testing.T) {
	hub := origin.StartHub()
	defer hub.Close()
	var mu sync.Mutex
	items := []string{"first"}
	var site *origin.Host
	rss := func() []byte {
		mu.Lock()
		defer mu.Unlock()
		var b strings.Builder
		fmt.Fprintf(&b, `<?xml version="1.0"?><rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom"><channel><title>Pushed</title><link>%s/</link><atom:link rel="hub" href="%s"/><atom:link rel="self" href="%s/feed.rss"/>`, site.URL, hub.URL, site.URL)
		for _, it := range items {
			fmt.Fprintf(&b, "<item><title>%s</title><link>%s/a/%s.html</link><guid>%s/a/%s.html</guid><description>About %s.</description></item>", it, site.URL, it, site.URL, it, it)
		}
		b.WriteString("</channel></rss>")
		return []byte(b.String())
	}
	site, err := origin.StartHost("127.0.4.1", true, func(w http.ResponseWriter, r *http.Request, _ int) {
		switch {
		case r.URL.Path == "/feed.rss":
			w.Header().Set("Content-Type", "application/rss+xml")
			_, _ = w.Write(rss())
		case strings.HasPrefix(r.URL.Path, "/a/"):
			fmt.Fprintf(w, "<html><body><article><h1>%s</h1><p>Envoys met.</p></article></body></html>", r.URL.Path)
		default:
			http.NotFound(w, r)
		}
	})
	if err != nil {
		t.Skipf("loopback address: %v", err)
	}
	defer site.Close()
	feedURL := site.URL + "/feed.rss"

	b := bustest.New(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	mux := http.NewServeMux()
	callback := httptest.NewServer(mux)
	defer callback.Close()
	reg := prometheus.NewRegistry()
	f, err := New(Config{PollInterval: time.Minute, WebSubCallback: callback.URL, Fetch: fetch.Config{AllowPrivate: true, Timeout: 10 * time.Second}},
		b, reg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	mux.Handle("/websub/{feed}", f.WebSubHandler())
	if _, err := feedstore.New(b, nil).AddFeed(ctx, feedstore.FeedEntry{URL: feedURL}); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- f.Run(ctx) }()

	select {
	case err := <-hub.Verified:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the hub got no subscription within 30s")
	}
	hs := hub.Subscription()
	if hs.Topic != feedURL || len(hs.Secret) < 32 || hs.Lease == "" || !strings.HasSuffix(hs.Callback, "/websub/"+feedstore.FeedKey(feedURL)) {
		t.Errorf("subscription: topic %q, secret of %d chars, lease %q, callback %q", hs.Topic, len(hs.Secret), hs.Lease, hs.Callback)
	}
	secret := hs.Secret
	waitUntil(t, "the first item published", func() bool { return bustest.StreamMsgs(t, b, bus.StreamRaw) == 1 })
	sub, ok, err := feedstore.New(b, nil).WebSubOf(ctx, feedURL)
	if err != nil || !ok || sub.State != feedstore.WebSubActive || sub.LeaseUntil == nil {
		t.Fatalf("subscription state %+v (%v, %v), want active with a lease", sub, ok, err)
	}

	feedPolls := func() int {
		n := 0
		for _, r := range site.Log() {
			if r.Path == "/feed.rss" {
				n++
			}
		}
		return n
	}
	polls := feedPolls()

	// A forged push, and an unsigned one: refused, nothing published.
	forged := bytes.ReplaceAll(rss(), []byte("<title>first</title>"), []byte("<title>first</title></item><item><title>forged</title><link>"+site.URL+"/a/forged.html</link>"))
	if code, err := hub.Push(forged, "application/rss+xml", "not the secret"); err != nil || code != http.StatusForbidden {
		t.Errorf("badly signed push: %d %v, want 403", code, err)
	}
	if code, err := hub.Push(forged, "application/rss+xml", ""); err != nil || code != http.StatusForbidden {
		t.Errorf("unsigned push: %d %v, want 403", code, err)
	}

	// The publisher adds an item and the hub pushes it.
	mu.Lock()
	items = append([]string{"second"}, items...)
	mu.Unlock()
	start := time.Now()
	if code, err := hub.Push(rss(), "application/rss+xml", secret); err != nil || code != http.StatusAccepted {
		t.Fatalf("signed push: %d %v, want 202", code, err)
	}
	if n := bustest.StreamMsgs(t, b, bus.StreamRaw); n != 2 {
		t.Fatalf("after the push the raw stream holds %d, want 2", n)
	}
	t.Logf("pushed item published %v after the push began", time.Since(start))
	if n := feedPolls(); n != polls {
		t.Errorf("the feed was polled %d more times: the push needs no poll", n-polls)
	}
	for _, r := range site.Log() {
		if r.Path == "/a/forged.html" {
			t.Error("the forged item's page was requested")
		}
	}

	// The backup poll sees the pushed item: nothing new.
	st := f.Poll(ctx, feedURL, "")
	if n := bustest.StreamMsgs(t, b, bus.StreamRaw); n != 2 || st.Status != feedstore.FeedOK {
		t.Errorf("after the backup poll the raw stream holds %d (status %s), want 2", n, st.Status)
	}
	if st.NextPoll.Sub(*st.LastFetch) < webSubBackup-time.Minute {
		t.Errorf("next poll in %v, want the slow backup poll (%v)", st.NextPoll.Sub(*st.LastFetch), webSubBackup)
	}
	for outcome, want := range map[string]float64{"ingested": 1, "bad_signature": 1, "unsigned": 1} {
		if got := testutil.ToFloat64(f.webSub.pushes.WithLabelValues(outcome)); got != want {
			t.Errorf("parley_websub_pushes_total{outcome=%q} = %v, want %v", outcome, got, want)
		}
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

func TestLinkRels(t *testing.T) {
	h := http.Header{}
	h.Add("Link", `<https://example.org/feed>; rel="self", <https://hub.example/>; rel="hub"`)
	h.Add("Link", `<https://other.example/>; rel=hub`)
	if hub, self := linkRels(h); hub != "https://hub.example/" || self != "https://example.org/feed" {
		t.Errorf("hub %q self %q", hub, self)
	}
}
