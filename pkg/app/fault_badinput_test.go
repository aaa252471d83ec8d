package app_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/parley-news/parley/pkg/bus"
	"github.com/parley-news/parley/pkg/bus/bustest"
	"github.com/parley-news/parley/pkg/extract"
	"github.com/parley-news/parley/pkg/feedstore"
	"github.com/parley-news/parley/pkg/fetch"
	"github.com/parley-news/parley/pkg/fetcher"
	"github.com/parley-news/parley/pkg/parser"
)

// feedSite serves /feed.rss (built by items), no robots.txt, and a short
// HTML page for every other path, counting page requests.
type feedSite struct {
	*httptest.Server
	pages atomic.Int64
}

func newFeedSite(items func(base string) string) *feedSite {
	s := &feedSite{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/feed.rss" {
			w.Header().Set("Content-Type", "application/rss+xml")
			fmt.Fprintf(w, `<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Test Wire</title><link>%s/</link>%s</channel></rss>`, s.URL, items(s.URL))
			return
		}
		if r.URL.Path == "/robots.txt" { // asked once per site before its pages; not a page
			http.NotFound(w, r)
			return
		}
		s.pages.Add(1)
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, `<!doctype html><html lang="en"><head><title>Page %s</title></head><body><article><p>The talks on %s resumed on Monday, the ministry said in a statement to reporters.</p></article></body></html>`, r.URL.Path, r.URL.Path)
	}))
	return s
}

func testFetcher(t *testing.T, b *bus.Bus) *fetcher.Fetcher {
	t.Helper()
	f, err := fetcher.New(fetcher.Config{PollInterval: time.Minute, Fetch: fetch.Config{AllowPrivate: true, Timeout: 20 * time.Second}}, b, nil, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// TestFeedWithTenThousandItems polls one feed of 10,000 items through the
// fetcher onto the bus: every item is published once, and a full re-poll
// (the site sends no validators) publishes none and fetches no page again.
func TestFeedWithTenThousandItems(t *testing.T) {
	if testing.Short() {
		t.Skip("10,000 page fetches and publishes")
	}
	const n = 10000
	site := newFeedSite(func(base string) string {
		var b strings.Builder
		for i := range n {
			fmt.Fprintf(&b, "<item><title>Item %d</title><link>%s/p/%d</link><guid>tag:test,%d</guid></item>", i, base, i, i)
		}
		return b.String()
	})
	defer site.Close()
	b := bustest.New(t)
	f := testFetcher(t, b)
	ctx := context.Background()
	st := f.Poll(ctx, site.URL+"/feed.rss", "")
	if st.Status != feedstore.FeedOK || st.Items != n {
		t.Fatalf("first poll: status %s, items %d, error %q", st.Status, st.Items, st.LastError)
	}
	if got := bustest.StreamMsgs(t, b, bus.StreamRaw); got != n {
		t.Fatalf("raw stream holds %d, want %d", got, n)
	}
	pages := site.pages.Load()
	st = f.Poll(ctx, site.URL+"/feed.rss", "")
	got := bustest.StreamMsgs(t, b, bus.StreamRaw)
	t.Logf("reliability: feed with %d items; first poll published %d (pages fetched %d); re-poll published %d more, fetched %d more pages",
		n, n, pages, int(got)-n, site.pages.Load()-pages)
	if st.Status != feedstore.FeedOK || got != n || site.pages.Load() != pages {
		t.Fatalf("re-poll: status %s, raw stream %d (want %d), pages fetched again %d", st.Status, got, n, site.pages.Load()-pages)
	}
}

// TestDuplicateGUIDsAndFutureDates polls a feed where two items share a
// guid and one is dated in 2099. The duplicate is published once; the
// future date is kept as the feed gives it (parley does not invent a date;
// pkg/docdate keeps 1990-2200), through the fetcher and the parser.
func TestDuplicateGUIDsAndFutureDates(t *testing.T) {
	future := time.Date(2099, 1, 2, 3, 4, 5, 0, time.UTC)
	site := newFeedSite(func(base string) string {
		return fmt.Sprintf(`<item><title>First version</title><link>%[1]s/p/a</link><guid isPermaLink="false">dup-1</guid></item>`+
			`<item><title>Same guid again</title><link>%[1]s/p/b</link><guid isPermaLink="false">dup-1</guid></item>`+
			`<item><title>From the future</title><link>%[1]s/p/c</link><guid>c</guid><pubDate>%[2]s</pubDate></item>`,
			base, future.Format(time.RFC1123Z))
	})
	defer site.Close()
	b := bustest.New(t)
	f := testFetcher(t, b)
	ctx := context.Background()
	st := f.Poll(ctx, site.URL+"/feed.rss", "")
	if st.Status != feedstore.FeedOK {
		t.Fatalf("poll: %+v", st)
	}
	if got := bustest.StreamMsgs(t, b, bus.StreamRaw); got != 2 {
		t.Fatalf("raw stream holds %d, want 2 (one per guid)", got)
	}
	ex, err := extract.New(extract.Config{})
	if err != nil {
		t.Fatal(err)
	}
	p, err := parser.New(parser.Config{}, b, ex, nil, nil, nil, nil, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	cons, err := b.JetStream().OrderedConsumer(ctx, bus.StreamRaw, jetstream.OrderedConsumerConfig{})
	if err != nil {
		t.Fatal(err)
	}
	var sawFuture bool
	for range 2 {
		m, err := cons.Next(jetstream.FetchMaxWait(5 * time.Second))
		if err != nil {
			t.Fatal(err)
		}
		raw, err := bus.DecodeRaw(m.Data())
		if err != nil {
			t.Fatal(err)
		}
		if raw.Item.Title != "From the future" {
			continue
		}
		sawFuture = true
		if raw.Item.Published == nil || !raw.Item.Published.Equal(future) {
			t.Errorf("raw item published %v, want %v", raw.Item.Published, future)
		}
		a, err := p.Parse(ctx, m.Data())
		if err != nil {
			t.Fatal(err)
		}
		if a.PublishedAt == nil || !a.PublishedAt.Equal(future) {
			t.Errorf("article published_at %v, want %v kept as given", a.PublishedAt, future)
		}
	}
	if !sawFuture {
		t.Error("the future-dated item was not published")
	}
	if site.pages.Load() != 2 {
		t.Errorf("fetched %d pages, want 2", site.pages.Load())
	}
}
