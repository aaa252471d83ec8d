package app

import (
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/parley-news/parley/pkg/article"
	"github.com/parley-news/parley/pkg/bus"
	"github.com/parley-news/parley/pkg/internal/origin"
)

// pushSite serves feeds that name a WebSub hub, and the pages of their
// items; an item is added with add, and the feed's whole document is what
// the hub pushes.
type pushSite struct {
	*origin.Host
	hub   string
	mu    sync.Mutex
	items map[int][]string // per feed, newest first: "n|RFC1123Z date"
}

func (s *pushSite) feedURL(feed int) string { return fmt.Sprintf("%s/feed/%d.rss", s.URL, feed) }

func (s *pushSite) pageURL(feed, n int) string { return fmt.Sprintf("%s/a/%d/%d.html", s.URL, feed, n) }

// add gives feed a new item dated at and returns its page URL.
func (s *pushSite) add(feed int, at time.Time) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := len(s.items[feed])
	s.items[feed] = append([]string{strconv.Itoa(n) + "|" + at.Format(time.RFC1123Z)}, s.items[feed]...)
	return s.pageURL(feed, n)
}

func (s *pushSite) rss(feed int) []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	var b strings.Builder
	fmt.Fprintf(&b, `<?xml version="1.0"?><rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom"><channel><title>Pushed feed %d</title><link>%s/</link><atom:link rel="hub" href="%s"/>`, feed, s.URL, s.hub)
	for _, it := range s.items[feed][:min(len(s.items[feed]), 10)] {
		n, date, _ := strings.Cut(it, "|")
		fmt.Fprintf(&b, "<item><title>Pushed report %s of feed %d</title><link>%s</link><pubDate>%s</pubDate><description>Envoys met in round %s.</description></item>",
			n, feed, s.pageURL(feed, mustAtoi(n)), date, n)
	}
	b.WriteString("</channel></rss>")
	return []byte(b.String())
}

func mustAtoi(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}

func (s *pushSite) serve(w http.ResponseWriter, r *http.Request, _ int) {
	var feed, n int
	switch {
	case strings.HasPrefix(r.URL.Path, "/feed/"):
		if _, err := fmt.Sscanf(r.URL.Path, "/feed/%d.rss", &feed); err != nil {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/rss+xml")
		_, _ = w.Write(s.rss(feed))
	case strings.HasPrefix(r.URL.Path, "/a/"):
		if _, err := fmt.Sscanf(r.URL.Path, "/a/%d/%d.html", &feed, &n); err != nil {
			http.NotFound(w, r)
			return
		}
		fmt.Fprintf(w, "<!doctype html><html lang=en><head><title>Pushed report %d</title></head><body><article><h1>Pushed report %d of feed %d</h1><p>Envoys of both governments met again in round %d and said the talks would continue next week, officials said.</p><p>The ministers discussed a ceasefire, prisoner exchanges and the reopening of trade routes.</p></article></body></html>",
			n, n, feed, n)
	default:
		http.NotFound(w, r)
	}
}

// BenchmarkPublishToSearchable (make bench-fetch, after the fetcher's
// scale benchmark): the whole of parley run in-process, with the default
// politeness and scheduling, against BENCH_SEARCHABLE_FEEDS polled feeds
// (default 1,000) on 20 loopback publishers, one in ten busy (a new item
// every minute), and 20 feeds on one more publisher that name a WebSub hub
// (--websub-callback set), to one of which the hub pushes a new item every
// 2 s. After a warm-up of BENCH_SEARCHABLE_WARMUP_SECONDS (default 90: the
// first polls, the subscriptions), it measures for BENCH_SEARCHABLE_SECONDS
// (default 120) the time from each new item's publication (its date; for
// a pushed item, the push) to the indexer confirming it (the
// parley.indexed message: searchable), and prints p50 and p99 for polled
// and for pushed items.
func BenchmarkPublishToSearchable(b *testing.B) {
	feeds := benchEnv("BENCH_SEARCHABLE_FEEDS", 1000)
	warmup := time.Duration(benchEnv("BENCH_SEARCHABLE_WARMUP_SECONDS", 90)) * time.Second
	measure := time.Duration(benchEnv("BENCH_SEARCHABLE_SECONDS", 120)) * time.Second
	const hosts, pushedFeeds = 20, 20

	type sample struct {
		pushed bool
		at     time.Time
	}
	var mu sync.Mutex
	var began time.Time
	waiting := map[string]sample{} // by article id, items published in the measured period
	measured := map[string]bool{}
	var polled, pushed []time.Duration
	idOf := func(page string) string {
		c, _ := article.CanonicalURL(page)
		return article.ID(c)
	}
	farm, err := origin.StartFarm(origin.FarmConfig{
		Hosts: hosts, Feeds: max(1, feeds/hosts), Items: 3, FirstIP: "127.0.9.1",
		BusyEvery: time.Minute, BusyOneIn: 10,
		Published: func(page string, at time.Time) {
			mu.Lock()
			defer mu.Unlock()
			if !began.IsZero() && at.After(began.Add(warmup)) {
				if id := idOf(page); !measured[id] {
					if _, ok := waiting[id]; !ok {
						waiting[id] = sample{at: at}
					}
				}
			}
		},
	})
	if err != nil {
		b.Skipf("loopback addresses: %v", err)
	}
	defer farm.Close()
	hub := origin.StartHub()
	defer hub.Close()
	stopDrain := make(chan struct{})
	var drain sync.WaitGroup
	drain.Go(func() {
		for {
			select {
			case <-hub.Verified:
			case <-stopDrain:
				return
			}
		}
	})
	defer drain.Wait()
	defer close(stopDrain)
	site := &pushSite{hub: hub.URL, items: map[int][]string{}}
	site.Host, err = origin.StartHost("127.0.9.100", false, site.serve)
	if err != nil {
		b.Skipf("loopback address: %v", err)
	}
	defer site.Close()
	urls := farm.FeedURLs()
	for i := range pushedFeeds {
		site.add(i, time.Now().Add(-time.Hour))
		urls = append(urls, site.feedURL(i))
	}

	addr := freeAddr(b)
	mu.Lock()
	began = time.Now()
	mu.Unlock()
	a := runApp(b, Config{
		Feeds: writeFeedList(b, urls...), Data: b.TempDir(), HTTP: addr, AllowPrivate: true,
		HostConcurrency: 2, HostDelay: time.Second, WebSubCallback: "http://" + addr,
		PollInterval: time.Minute,
	}, slog.New(slog.DiscardHandler))
	sub, err := a.Bus().Conn().Subscribe(bus.SubjectIndexed+".>", func(m *nats.Msg) {
		id := m.Header.Get(bus.HeaderArticleID)
		mu.Lock()
		defer mu.Unlock()
		if s, ok := waiting[id]; ok {
			delete(waiting, id)
			measured[id] = true
			if s.pushed {
				pushed = append(pushed, time.Since(s.at))
			} else {
				polled = append(polled, time.Since(s.at))
			}
		}
	})
	if err != nil {
		b.Fatal(err)
	}
	defer func() { _ = sub.Unsubscribe() }()

	b.ResetTimer()
	end := began.Add(warmup + measure)
	pushes, refused := 0, 0
	t := time.NewTicker(2 * time.Second)
	defer t.Stop()
	for feed := 0; time.Now().Before(end); feed = (feed + 1) % pushedFeeds {
		<-t.C
		s, ok := hub.SubscriptionTo(site.feedURL(feed))
		if !ok || time.Now().Before(began.Add(warmup)) {
			continue
		}
		at := time.Now()
		page := site.add(feed, at)
		mu.Lock()
		waiting[idOf(page)] = sample{pushed: true, at: at}
		mu.Unlock()
		code, err := hub.PushTo(s, site.rss(feed), "application/rss+xml")
		if err != nil || code != http.StatusAccepted {
			refused++
			mu.Lock()
			delete(waiting, idOf(page))
			mu.Unlock()
			continue
		}
		pushes++
	}
	// What is still on its way gets the time its poll interval allows.
	deadline := time.Now().Add(90 * time.Second)
	for time.Now().Before(deadline) {
		mu.Lock()
		n := len(waiting)
		mu.Unlock()
		if n == 0 {
			break
		}
		time.Sleep(time.Second)
	}
	b.StopTimer()
	mu.Lock()
	defer mu.Unlock()
	quant := func(d []time.Duration) string {
		if len(d) == 0 {
			return "none"
		}
		slices.Sort(d)
		return fmt.Sprintf("p50 %s, p99 %s (%d items)", d[len(d)/2].Round(time.Millisecond), d[min(len(d)-1, len(d)*99/100)].Round(time.Millisecond), len(d))
	}
	fmt.Printf("bench-fetch: publish -> searchable, parley run with default politeness, %d polled feeds on %d publishers (%d busy: an item a minute) and %d WebSub feeds, %v measured after a %v warm-up\n",
		len(farm.FeedURLs()), hosts, len(farm.FeedURLs())/10, pushedFeeds, measure, warmup)
	fmt.Printf("bench-fetch: polled items (published -> searchable): %s\n", quant(polled))
	fmt.Printf("bench-fetch: pushed items (push -> searchable): %s; %d pushes, %d refused\n", quant(pushed), pushes, refused)
	if len(waiting) > 0 {
		fmt.Printf("bench-fetch: %d items not searchable by the end\n", len(waiting))
	}
}

// benchEnv is the positive integer in the environment variable name, or def.
func benchEnv(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}
