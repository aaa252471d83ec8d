package app

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/parley-news/parley/pkg/feedstore"
	"github.com/parley-news/parley/pkg/internal/origin"
)

// parley run with --websub-callback against a site whose feed names a hub:
// the feed is subscribed, what the hub pushes is searchable with no poll,
// and a push with a bad signature is refused and ingests nothing.
func TestWebSubPushSearchable(t *testing.T) {
	hub := origin.StartHub()
	defer hub.Close()
	var mu sync.Mutex
	stories := []string{"ceasefire talks resume in Geneva"}
	var site *origin.Host
	rss := func(extra ...string) []byte {
		mu.Lock()
		defer mu.Unlock()
		var b strings.Builder
		fmt.Fprintf(&b, `<?xml version="1.0"?><rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom"><channel><title>Pushed Post</title><link>%s/</link><atom:link rel="hub" href="%s"/>`, site.URL, hub.URL)
		for i, s := range append(append([]string(nil), extra...), stories...) {
			slug := strings.ReplaceAll(s, " ", "-")
			fmt.Fprintf(&b, "<item><title>%s</title><link>%s/a/%s.html</link><pubDate>%s</pubDate><description>Diplomats said the %s.</description></item>",
				s, site.URL, slug, time.Now().Add(-time.Duration(i)*time.Minute).Format(time.RFC1123Z), s)
		}
		b.WriteString("</channel></rss>")
		return []byte(b.String())
	}
	site, err := origin.StartHost("127.0.4.2", true, func(w http.ResponseWriter, r *http.Request, _ int) {
		switch {
		case r.URL.Path == "/feed.rss":
			w.Header().Set("Content-Type", "application/rss+xml")
			_, _ = w.Write(rss())
		case strings.HasPrefix(r.URL.Path, "/a/"):
			title := strings.ReplaceAll(strings.TrimSuffix(strings.TrimPrefix(r.URL.Path, "/a/"), ".html"), "-", " ")
			fmt.Fprintf(w, "<!doctype html><html lang=en><head><title>%s</title></head><body><article><h1>%s</h1><p>Envoys of both governments met on Tuesday and said the %s, officials said after the meeting.</p><p>The ministers discussed prisoner exchanges and the reopening of trade routes.</p></article></body></html>", title, title, title)
		default:
			http.NotFound(w, r)
		}
	})
	if err != nil {
		t.Skipf("loopback address: %v", err)
	}
	defer site.Close()
	feedURL := site.URL + "/feed.rss"
	addr := freeAddr(t)
	a := runApp(t, Config{
		Feeds: writeFeedList(t, feedURL), Data: t.TempDir(), HTTP: addr, AllowPrivate: true,
		PollInterval: time.Hour, FetchTimeout: 5 * time.Second, WebSubCallback: "http://" + addr,
	}, testLogger(t))
	base := "http://" + a.HTTPAddr()

	select {
	case err := <-hub.Verified:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(60 * time.Second):
		t.Fatal("no subscription verified within 60s")
	}
	waitFor(t, "the first article searchable", 60*time.Second, func() bool { return search(t, base, "*").Total == 1 })
	var feeds struct{ Feeds []feedstore.FeedState }
	waitFor(t, "the subscription shown active", 10*time.Second, func() bool {
		getJSON(t, base+"/api/feeds", &feeds)
		return len(feeds.Feeds) == 1 && feeds.Feeds[0].WebSubState == feedstore.WebSubActive
	})
	if f := feeds.Feeds[0]; f.Hub != hub.URL || f.WebSubLeaseUntil == nil {
		t.Errorf("/api/feeds: hub %q, lease %v", f.Hub, f.WebSubLeaseUntil)
	}
	polls := func() int {
		n := 0
		for _, r := range site.Log() {
			if r.Path == "/feed.rss" {
				n++
			}
		}
		return n
	}
	before := polls()

	forged := rss("forged summit in Minsk announced")
	if code, err := hub.Push(forged, "application/rss+xml", "a guessed secret"); err != nil || code != http.StatusForbidden {
		t.Errorf("badly signed push: %d %v, want 403", code, err)
	}

	mu.Lock()
	stories = append([]string{"grain corridor deal signed in Istanbul"}, stories...)
	mu.Unlock()
	start := time.Now()
	if code, err := hub.Push(rss(), "application/rss+xml", hub.Subscription().Secret); err != nil || code != http.StatusAccepted {
		t.Fatalf("signed push: %d %v, want 202", code, err)
	}
	waitFor(t, "the pushed article searchable", 30*time.Second, func() bool { return search(t, base, `"grain corridor"`).Total == 1 })
	t.Logf("websub: pushed article searchable %v after the push began", time.Since(start).Round(time.Millisecond))
	if n := polls() - before; n != 0 {
		t.Errorf("the feed was polled %d times after the subscription: the push needs none", n)
	}
	if n := search(t, base, "Minsk").Total; n != 0 {
		t.Errorf("the forged push ingested %d articles", n)
	}
	if n := search(t, base, "*").Total; n != 2 {
		t.Errorf("index holds %d, want 2", n)
	}
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	metrics, _ := io.ReadAll(resp.Body)
	for _, want := range []string{`parley_websub_pushes_total{outcome="bad_signature"} 1`, `parley_websub_pushes_total{outcome="ingested"} 1`} {
		if !strings.Contains(string(metrics), want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}
