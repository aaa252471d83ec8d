package fetcher

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/parley-news/parley/pkg/bus"
	"github.com/parley-news/parley/pkg/bus/bustest"
	"github.com/parley-news/parley/pkg/feedstore"
	"github.com/parley-news/parley/pkg/fetch"
	"github.com/parley-news/parley/pkg/internal/origin"
)

func newFetcher(t *testing.T, b *bus.Bus, allowPrivate bool) *Fetcher {
	t.Helper()
	f, err := New(Config{PollInterval: time.Minute, Fetch: fetch.Config{AllowPrivate: allowPrivate, Timeout: 10 * time.Second}}, b, nil, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func TestPollRefusesPrivateAddresses(t *testing.T) {
	o, err := origin.Start(origin.Generated{})
	if err != nil {
		t.Fatal(err)
	}
	defer o.Close()
	b := bustest.New(t)
	f := newFetcher(t, b, false)
	st := f.Poll(context.Background(), o.URL+origin.FeedRSS, "")
	if st.Status != feedstore.FeedBlocked {
		t.Fatalf("status %q, want %q (error %q)", st.Status, feedstore.FeedBlocked, st.LastError)
	}
	if !strings.Contains(st.LastError, "127.0.0.1") || !strings.Contains(st.LastError, "allow-private-addresses") {
		t.Errorf("error %q should name the address and the flag that permits it", st.LastError)
	}
	if n := o.TotalHits(); n != 0 {
		t.Errorf("origin received %d requests, want none", n)
	}
	saved, _ := feedstore.New(b, nil).FeedState(context.Background(), o.URL+origin.FeedRSS)
	if saved.Status != feedstore.FeedBlocked || saved.NextPoll == nil {
		t.Errorf("saved state %+v", saved)
	}
}

func TestPollPublishesNewItemsOnce(t *testing.T) {
	o, err := origin.Start(origin.Generated{})
	if err != nil {
		t.Fatal(err)
	}
	defer o.Close()
	b := bustest.New(t)
	f := newFetcher(t, b, true)
	ctx := context.Background()
	feedURL := o.URL + origin.FeedRSS

	st := f.Poll(ctx, feedURL, "")
	if st.Status != feedstore.FeedOK || st.Items != 3 || st.ETag == "" {
		t.Fatalf("first poll state %+v", st)
	}
	if n := bustest.StreamMsgs(t, b, bus.StreamRaw); n != 3 {
		t.Fatalf("raw stream holds %d, want 3", n)
	}
	// Re-poll: the origin answers 304 to the conditional GET.
	st = f.Poll(ctx, feedURL, "")
	if o.NotModified() != 1 || st.Status != feedstore.FeedOK || st.Items != 3 || st.Unchanged != 1 {
		t.Fatalf("second poll: 304s %d, state %+v", o.NotModified(), st)
	}
	// Without validators (a server that ignores them), the items are seen
	// already: nothing is published or fetched again.
	st.ETag, st.LastModified = "", ""
	if err := feedstore.New(b, nil).PutFeedState(ctx, st); err != nil {
		t.Fatal(err)
	}
	st = f.Poll(ctx, feedURL, "")
	if n := bustest.StreamMsgs(t, b, bus.StreamRaw); n != 3 || st.Items != 3 {
		t.Fatalf("after a full re-poll the raw stream holds %d (items %d), want 3", n, st.Items)
	}
	if n := o.Hits("/articles/cup-final.html"); n != 1 {
		t.Errorf("page fetched %d times, want 1", n)
	}
}

func TestPollReportsFailures(t *testing.T) {
	o, err := origin.Start(origin.Generated{})
	if err != nil {
		t.Fatal(err)
	}
	defer o.Close()
	b := bustest.New(t)
	f := newFetcher(t, b, true)
	tests := []struct {
		path, want string
	}{
		{origin.FeedGone, "410"},
		{origin.FeedNotFeed, "not a feed"},
		{"/feeds/missing.xml", "404"},
	}
	for _, tt := range tests {
		st := f.Poll(context.Background(), o.URL+tt.path, "")
		if st.Status != feedstore.FeedFailing || !strings.Contains(strings.ToLower(st.LastError), tt.want) || st.ErrorCount != 1 {
			t.Errorf("%s: state %+v, want failing with %q", tt.path, st, tt.want)
		}
		if st.NextPoll == nil || time.Until(*st.NextPoll) < 50*time.Second {
			t.Errorf("%s: next poll %v should back off", tt.path, st.NextPoll)
		}
	}
}

func TestErrorBackoff(t *testing.T) {
	f := &Fetcher{cfg: Config{PollInterval: 10 * time.Minute, MaxErrorBackoff: 6 * time.Hour}}
	backoffs := []struct {
		n          int
		retryAfter time.Duration
		want       time.Duration
	}{
		{1, 0, 10 * time.Minute}, {2, 0, 20 * time.Minute}, {3, 0, 40 * time.Minute}, {10, 0, 6 * time.Hour},
		{1, time.Hour, time.Hour}, // Retry-After wins when longer
	}
	for _, tt := range backoffs {
		if got := f.errorBackoff(tt.n, tt.retryAfter); got != tt.want {
			t.Errorf("errorBackoff(%d, %s) = %s, want %s", tt.n, tt.retryAfter, got, tt.want)
		}
	}
}

// TestFeedPasswordNeverShown: a feed URL's password is sent to the feed's
// server but appears neither in the feed's recorded error nor in any log
// line, whatever fails.
func TestFeedPasswordNeverShown(t *testing.T) {
	o, err := origin.Start(origin.Generated{})
	if err != nil {
		t.Fatal(err)
	}
	defer o.Close()
	b := bustest.New(t)
	var logs bytes.Buffer
	f, err := New(Config{PollInterval: time.Minute, Fetch: fetch.Config{AllowPrivate: true, Timeout: 10 * time.Second}}, b, nil,
		slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
	if err != nil {
		t.Fatal(err)
	}
	withPassword := strings.Replace(o.URL, "http://", "http://reader:s3cret-pw@", 1)
	for _, path := range []string{origin.FeedGone, origin.FeedNotFeed, "/feeds/missing.xml", origin.FeedRSS} {
		st := f.Poll(context.Background(), withPassword+path, "")
		if strings.Contains(st.LastError, "s3cret") {
			t.Errorf("%s: last error %q shows the password", path, st.LastError)
		}
		if path != origin.FeedRSS && !strings.Contains(st.LastError, "reader:***@") {
			t.Errorf("%s: last error %q does not name the feed", path, st.LastError)
		}
	}
	if strings.Contains(logs.String(), "s3cret") {
		t.Errorf("the password is in the logs:\n%s", logs.String())
	}
	if !strings.Contains(logs.String(), "reader:***@") {
		t.Errorf("no log line names the feed:\n%s", logs.String())
	}
}

// TestPollOversizedItem: an item whose feed fields exceed the message
// limit (1 MiB here) is published once without the excess; the feed is
// ok, and a re-poll neither publishes it again nor fetches its page. It
// used to leave the feed failing for good and refetch the page each poll.
func TestPollOversizedItem(t *testing.T) {
	var pageHits atomic.Int64
	content := strings.Repeat("<p>Ministers met in Geneva.</p>", 100_000) // 3 MB
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/feed.xml":
			w.Header().Set("Content-Type", "application/rss+xml")
			fmt.Fprintf(w, `<?xml version="1.0"?><rss version="2.0"><channel><title>Big</title>
<item><guid>big-1</guid><title>Big item</title><link>%[1]s/a</link><description><![CDATA[%[2]s]]></description></item>
<item><guid>small-1</guid><title>Small item</title><link>%[1]s/b</link><description>short</description></item>
</channel></rss>`, srv.URL, content)
		case "/robots.txt":
			http.NotFound(w, r)
		default:
			pageHits.Add(1)
			fmt.Fprint(w, "<html><body><p>page</p></body></html>")
		}
	}))
	defer srv.Close()
	b := bustest.New(t)
	f := newFetcher(t, b, true)
	ctx := context.Background()
	st := f.Poll(ctx, srv.URL+"/feed.xml", "")
	if st.Status != feedstore.FeedOK || st.Items != 2 {
		t.Fatalf("first poll: %+v", st)
	}
	st = f.Poll(ctx, srv.URL+"/feed.xml", "")
	if st.Status != feedstore.FeedOK || st.Items != 2 {
		t.Fatalf("second poll: %+v", st)
	}
	if n := bustest.StreamMsgs(t, b, bus.StreamRaw); n != 2 {
		t.Errorf("raw stream holds %d messages, want 2", n)
	}
	if n := pageHits.Load(); n != 2 {
		t.Errorf("pages fetched %d times, want 2 (once each)", n)
	}
}

// TestRemoveFeedDuringFirstPoll removes a feed while its first poll waits
// for the server: the poll is cut short with no next poll time, and the
// fetcher goes on running (it once dereferenced the missing time and
// took the whole process down).
func TestRemoveFeedDuringFirstPoll(t *testing.T) {
	asked := make(chan struct{}, 1)
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case asked <- struct{}{}:
		default:
		}
		<-r.Context().Done()
	}))
	defer slow.Close()
	b := bustest.New(t)
	f := newFetcher(t, b, true)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- f.Run(ctx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("run: %v", err)
		}
	}()
	feedURL := slow.URL + "/feed.rss"
	if _, err := feedstore.New(b, nil).AddFeed(ctx, feedstore.FeedEntry{URL: feedURL}); err != nil {
		t.Fatal(err)
	}
	select {
	case <-asked:
	case <-time.After(30 * time.Second):
		t.Fatal("the feed was not polled")
	}
	if err := feedstore.New(b, nil).RemoveFeed(ctx, feedURL); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "the removed feed's poll to stop", func() bool {
		f.sched.mu.Lock()
		defer f.sched.mu.Unlock()
		return f.sched.active == 0 && len(f.sched.feeds) == 0 && f.sched.due.Len() == 0
	})
	select {
	case err := <-done:
		t.Fatalf("the fetcher stopped after a feed was removed: %v", err)
	default:
	}
}

func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// The feeds page's Retry: a failing feed backing off for minutes is
// polled again at once when asked, and only once per request.
func TestRetryFeed(t *testing.T) {
	var polls atomic.Int32
	gone := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		polls.Add(1)
		http.NotFound(w, r)
	}))
	defer gone.Close()
	b := bustest.New(t)
	f := newFetcher(t, b, true) // a failure backs off at least PollInterval (1 min)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- f.Run(ctx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("run: %v", err)
		}
	}()
	feedURL := gone.URL + "/feed.rss"
	if _, err := feedstore.New(b, nil).AddFeed(ctx, feedstore.FeedEntry{URL: feedURL}); err != nil {
		t.Fatal(err)
	}
	waitPolls := func(n int32) {
		t.Helper()
		deadline := time.Now().Add(20 * time.Second)
		for polls.Load() < n {
			if time.Now().After(deadline) {
				t.Fatalf("%d polls, want %d", polls.Load(), n)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	waitPolls(1)
	if err := feedstore.New(b, nil).RetryFeed(ctx, feedURL); err != nil {
		t.Fatal(err)
	}
	waitPolls(2)
	if err := feedstore.New(b, nil).RetryFeed(ctx, gone.URL+"/other.rss"); !errors.Is(err, feedstore.ErrUnknownFeed) {
		t.Errorf("retry of an unknown feed: %v", err)
	}
	if st, _ := feedstore.New(b, nil).FeedState(ctx, feedURL); st.ErrorCount < 1 {
		t.Errorf("state after the retry: %+v", st)
	}
	if n := polls.Load(); n != 2 {
		t.Errorf("%d polls after one retry, want 2", n)
	}
}

// A panic while polling a feed fails that poll, visibly, and the fetcher
// goes on; a panic while fetching one page leaves that item to go on with
// the feed's own text. The panics are real ones (nil dereferences), made
// by taking a part away from the fetcher.
func TestPanicsFailOnePollOrPage(t *testing.T) {
	o, err := origin.Start(origin.Generated{})
	if err != nil {
		t.Fatal(err)
	}
	defer o.Close()
	ctx := context.Background()
	feedURL := o.URL + origin.FeedRSS

	t.Run("poll", func(t *testing.T) {
		b := bustest.New(t)
		f := newFetcher(t, b, true)
		f.client = nil
		st := f.Poll(ctx, feedURL, "")
		if st.Status != feedstore.FeedFailing || !strings.Contains(st.LastError, "polling the feed panicked") || st.NextPoll == nil {
			t.Fatalf("state %+v, want failing with the panic and a next poll", st)
		}
		saved, err := feedstore.New(b, nil).FeedState(ctx, feedURL)
		if err != nil || saved.Status != feedstore.FeedFailing || saved.LastError != st.LastError {
			t.Errorf("saved state %+v (%v), want the failed poll", saved, err)
		}
	})
	t.Run("publish", func(t *testing.T) {
		b := bustest.New(t)
		f := newFetcher(t, b, true)
		f.bus = nil
		st := f.Poll(ctx, feedURL, "")
		if st.Status != feedstore.FeedFailing || !strings.Contains(st.LastError, "publishing the item panicked") {
			t.Fatalf("state %+v, want failing with the panic", st)
		}
	})
	t.Run("page", func(t *testing.T) {
		b := bustest.New(t)
		f := newFetcher(t, b, true)
		f.robots = nil
		st := f.Poll(ctx, feedURL, "")
		if st.Status != feedstore.FeedOK || st.Items != 3 {
			t.Fatalf("state %+v, want the poll to succeed with its 3 items", st)
		}
		s, err := b.JetStream().Stream(ctx, bus.StreamRaw)
		if err != nil {
			t.Fatal(err)
		}
		for seq := uint64(1); seq <= 3; seq++ {
			m, err := s.GetMsg(ctx, seq)
			if err != nil {
				t.Fatal(err)
			}
			raw, err := bus.DecodeRaw(m.Data)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(raw.PageError, "fetching the page panicked") {
				t.Errorf("item %q: page error %q, want the panic", raw.Item.Link, raw.PageError)
			}
		}
	})
}
