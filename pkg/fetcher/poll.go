package fetcher

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/parley-news/parley/pkg/bus"
	"github.com/parley-news/parley/pkg/feed"
	"github.com/parley-news/parley/pkg/feedstore"
	"github.com/parley-news/parley/pkg/fetch"
	"github.com/parley-news/parley/pkg/internal/panics"
	"github.com/parley-news/parley/pkg/redact"
)

const feedAccept = "application/rss+xml, application/atom+xml, application/feed+json, application/json;q=0.9, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5"
const pageAccept = "text/html, application/xhtml+xml;q=0.9, */*;q=0.5"

// Poll downloads one feed, publishes its new and updated items, records
// and returns the feed's state (with NextPoll set).
//
// A panic while polling (a bug on a stranger's bytes) is a failed poll:
// logged with its stack, saved in the feed's state for /api/feeds, and
// retried after the error backoff; it never stops the fetcher.
func (f *Fetcher) Poll(ctx context.Context, feedURL, title string) feedstore.FeedState {
	var st feedstore.FeedState
	p := panics.Catch(func() { st = f.poll(ctx, feedURL, title) })
	if p == nil {
		return st
	}
	err := f.panicked(p, "polling the feed", "feed", redact.URL(feedURL))
	prev, rerr := f.feeds.FeedState(ctx, feedURL)
	if rerr != nil {
		prev = feedstore.FeedState{URL: feedURL, Title: title}
	}
	prev.URL = feedURL
	return f.failed(ctx, prev, err)
}

// panicked logs a recovered panic with its stack and returns it as an
// error naming what was being done.
func (f *Fetcher) panicked(p *panics.Error, what string, attrs ...any) error {
	f.log.Error(what+" panicked", append(attrs, "panic", p.Value, "stack", string(p.Stack))...)
	return fmt.Errorf("%s %w", what, p)
}

func (f *Fetcher) poll(ctx context.Context, feedURL, title string) feedstore.FeedState {
	log := f.log.With("feed", redact.URL(feedURL))
	st, err := f.feeds.FeedState(ctx, feedURL)
	if err != nil {
		log.Error("read feed state", "err", err)
		st = feedstore.FeedState{URL: feedURL}
	}
	st.URL = feedURL
	if title != "" {
		st.Title = title
	}
	now := time.Now().UTC()
	st.LastFetch = &now
	st.Host = fetch.HostKey(hostOf(feedURL))

	start := time.Now()
	resp, err := f.client.Get(ctx, feedURL, fetch.Options{
		ETag: st.ETag, LastModified: st.LastModified, Limit: f.cfg.Fetch.MaxFeedBytes, Accept: feedAccept,
	})
	f.m.pollDur.Observe(time.Since(start).Seconds())
	if ctx.Err() != nil {
		return st
	}
	if err != nil {
		return f.failed(ctx, st, err)
	}
	if resp.NotModified {
		f.m.polls.WithLabelValues("not_modified").Inc()
		pushed := f.subscribe(ctx, &st, feedURL, nil, resp.Header)
		return f.succeeded(ctx, st, resp, nil, 0, pushed)
	}
	doc, err := feed.Parse(resp.Body, resp.ContentType, resp.URL)
	if err != nil {
		return f.failed(ctx, st, fmt.Errorf("feed %s: %w", redact.URL(feedURL), err))
	}
	if st.Title == "" {
		st.Title = strings.TrimSpace(doc.Title)
	}
	published, err := f.publishItems(ctx, feedURL, st.Title, doc)
	if err != nil {
		// Items that were published stay published; the rest are tried at
		// the next poll because they were not marked seen.
		st.Items += published
		return f.failed(ctx, st, err)
	}
	if published > 0 {
		f.m.polls.WithLabelValues("new_items").Inc()
	} else {
		f.m.polls.WithLabelValues("unchanged").Inc()
	}
	pushed := f.subscribe(ctx, &st, feedURL, doc, resp.Header)
	return f.succeeded(ctx, st, resp, doc, published, pushed)
}

// succeeded records a successful poll; pushed says a WebSub hub pushes the
// feed, which then gets only a slow backup poll.
func (f *Fetcher) succeeded(ctx context.Context, st feedstore.FeedState, resp *fetch.Response, doc *feed.Feed, published int, pushed bool) feedstore.FeedState {
	now := time.Now().UTC()
	st.Status = feedstore.FeedOK
	st.LastSuccess = &now
	st.LastError = ""
	st.ErrorCount = 0
	if !resp.NotModified {
		st.ETag, st.LastModified = resp.ETag, resp.LastModified
	}
	st.Items += published
	if published > 0 {
		st.Unchanged = 0
	} else {
		st.Unchanged++
	}
	iv := f.sch.next(&st, doc, resp.Header, published, now)
	if pushed {
		iv = max(iv, min(webSubBackup, f.cfg.MaxPollInterval))
	}
	f.m.interval.Observe(iv.Seconds())
	next := now.Add(iv)
	st.NextPoll = &next
	f.save(ctx, st)
	return st
}

func (f *Fetcher) failed(ctx context.Context, st feedstore.FeedState, err error) feedstore.FeedState {
	now := time.Now().UTC()
	st.ErrorCount++
	// The feed URL's password is used for fetching, never shown.
	st.LastError = redact.In(err.Error(), st.URL)
	st.Status = feedstore.FeedFailing
	outcome := "error"
	var retryAfter time.Duration
	var se *fetch.StatusError
	if errors.As(err, &se) {
		retryAfter = se.RetryAfter
	}
	if errors.Is(err, fetch.ErrBlockedAddress) {
		st.Status = feedstore.FeedBlocked
		outcome = "blocked"
	}
	f.m.polls.WithLabelValues(outcome).Inc()
	next := now.Add(f.errorBackoff(st.ErrorCount, retryAfter))
	if se != nil && (se.Code == http.StatusTooManyRequests || se.Code == http.StatusServiceUnavailable) && retryAfter > 0 {
		// Rate limited, not broken: the publisher said when to come back
		// (the whole host is paused until then, see package fetch).
		next = now.Add(min(retryAfter, f.cfg.MaxErrorBackoff))
	}
	st.NextPoll = &next
	f.log.Warn("feed poll failed", "feed", redact.URL(st.URL), "status", st.Status, "errors_in_a_row", st.ErrorCount, "next_poll", next, "err", st.LastError)
	f.save(ctx, st)
	return st
}

func (f *Fetcher) save(ctx context.Context, st feedstore.FeedState) {
	if err := f.feeds.PutFeedState(context.WithoutCancel(ctx), st); err != nil {
		f.log.Error("save feed state", "feed", redact.URL(st.URL), "err", redact.In(err.Error(), st.URL))
	}
}

// itemVersion changes when the feed says an item was updated, so an updated
// item is published again (and re-parsed) while an unchanged one is not.
func itemVersion(it feed.Item) string {
	if it.Updated != nil {
		return it.Updated.UTC().Format(time.RFC3339)
	}
	return "1"
}

// publishItems publishes the feed's items that were not published before,
// oldest first, fetching their pages a few at a time.
func (f *Fetcher) publishItems(ctx context.Context, feedURL, title string, doc *feed.Feed) (int, error) {
	source := title
	if source == "" {
		source = hostOf(feedURL)
	}
	type job struct {
		item    feed.Item
		key     string
		version string
		updated bool
	}
	var jobs []job
	seenKeys := map[string]bool{}
	items := slices.Clone(doc.Items)
	slices.Reverse(items)
	for _, it := range items {
		if it.Link == "" {
			// No link and no permalink guid: the item still becomes an
			// article, under an address made from the feed and its key.
			it.Link = syntheticLink(feedURL, bus.ItemKey(feedURL, it))
		}
		key := bus.ItemKey(feedURL, it)
		if seenKeys[key] { // duplicate guid within one document
			continue
		}
		seenKeys[key] = true
		ver := itemVersion(it)
		old, seen, err := f.feeds.SeenVersion(ctx, feedURL, key)
		if err != nil {
			return 0, err
		}
		if seen && old == ver {
			continue
		}
		jobs = append(jobs, job{item: it, key: key, version: ver, updated: seen})
	}
	if len(jobs) == 0 {
		return 0, nil
	}
	var (
		wg        sync.WaitGroup
		mu        sync.Mutex
		published int
		firstErr  error
	)
	fail := func(err error) {
		mu.Lock()
		if firstErr == nil {
			firstErr = err
		}
		mu.Unlock()
	}
	publish := func(j job) {
		raw := f.fetchPage(ctx, feedURL, title, source, j.item)
		msgID := j.key + "-" + shortHash(j.version)
		if err := f.bus.PublishRaw(ctx, raw, msgID); err != nil {
			f.m.items.WithLabelValues("publish_error").Inc()
			fail(err)
			return
		}
		// Marked seen only after JetStream confirmed the page: a crash in
		// between publishes it again, and the message id drops the copy.
		if err := f.feeds.MarkSeen(ctx, feedURL, j.key, j.version); err != nil {
			f.log.Warn("mark item seen", "link", redact.In(j.item.Link, feedURL), "err", err)
		}
		if raw.Truncated != "" {
			f.m.items.WithLabelValues("truncated").Inc()
			f.log.Warn("feed item too large for a message: published without the excess", "feed", redact.URL(feedURL), "link", redact.In(j.item.Link, feedURL), "truncated", raw.Truncated)
		}
		outcome := "published"
		if j.updated {
			outcome = "updated"
		}
		f.m.items.WithLabelValues(outcome).Inc()
		mu.Lock()
		published++
		mu.Unlock()
	}
	perFeed := make(chan struct{}, f.cfg.PagesPerFeed)
	for _, j := range jobs {
		select {
		case perFeed <- struct{}{}:
		case <-ctx.Done():
			wg.Wait()
			return published, ctx.Err()
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-perFeed }()
			// A panic while publishing fails the poll as a publish error
			// does: the item is not marked seen and goes at the next poll.
			if p := panics.Catch(func() { publish(j) }); p != nil {
				f.m.items.WithLabelValues("publish_error").Inc()
				fail(f.panicked(p, "publishing the item", "link", redact.In(j.item.Link, feedURL)))
			}
		}()
	}
	wg.Wait()
	return published, firstErr
}

// fetchPage downloads an item's page. A page that cannot be had (refused,
// too large, not HTML, gone) is not fatal: the raw item carries the reason
// and the parser builds the article from the feed's own content.
//
// A panic while fetching the page is the page's error: the item goes on
// with the feed's own text, as for a page that could not be had.
func (f *Fetcher) fetchPage(ctx context.Context, feedURL, feedTitle, source string, it feed.Item) *bus.Raw {
	raw := &bus.Raw{FeedURL: feedURL, FeedTitle: feedTitle, Source: source, Item: it, PageURL: it.Link}
	if p := panics.Catch(func() { f.fillPage(ctx, raw, feedURL, it) }); p != nil {
		raw.PageError = f.panicked(p, "fetching the page", "url", redact.In(it.Link, feedURL)).Error()
		f.m.items.WithLabelValues("page_error").Inc()
	}
	raw.FetchedAt = time.Now().UTC()
	return raw
}

// fillPage downloads the page of raw's item into raw, or sets its
// PageError.
func (f *Fetcher) fillPage(ctx context.Context, raw *bus.Raw, feedURL string, it feed.Item) {
	if strings.Contains(it.Link, "parley_item=") {
		raw.PageError = "the feed item has no link"
		return
	}
	if err := f.robots.allowed(ctx, it.Link); err != nil {
		raw.PageError = redact.In(err.Error(), feedURL)
		if errors.Is(err, errRobotsDisallowed) {
			f.m.items.WithLabelValues("robots_disallowed").Inc()
		}
		return
	}
	start := time.Now()
	resp, err := f.getPage(ctx, it.Link)
	f.m.pageDur.Observe(time.Since(start).Seconds())
	if err != nil {
		// A relative link resolved against the feed URL carries its password.
		raw.PageError = redact.In(err.Error(), feedURL)
		f.m.items.WithLabelValues("page_error").Inc()
		f.log.Warn("page not fetched; using the feed's content", "url", redact.In(it.Link, feedURL), "err", raw.PageError)
		return
	}
	raw.PageURL = resp.URL
	raw.StatusCode = resp.StatusCode
	raw.ContentType = resp.ContentType
	if mt, _, _ := mime.ParseMediaType(resp.ContentType); mt != "" && mt != "text/html" && mt != "application/xhtml+xml" && !strings.HasPrefix(mt, "text/") {
		raw.PageError = fmt.Sprintf("not an HTML page (%s)", mt)
		f.m.items.WithLabelValues("page_error").Inc()
		return
	}
	raw.SetPage(resp.Body)
}

// pageAttempts is how often a page answered with 429 or 503 is asked for:
// the answer paused its host, so the next attempt waits out the pause.
const pageAttempts = 3

// getPage downloads a page, asking again after a 429 or 503 once its host's
// pause is over, so that rate limiting costs time rather than the page.
func (f *Fetcher) getPage(ctx context.Context, link string) (*fetch.Response, error) {
	for attempt := 1; ; attempt++ {
		resp, err := f.client.Get(ctx, link, fetch.Options{Limit: f.cfg.Fetch.MaxPageBytes, Accept: pageAccept})
		var se *fetch.StatusError
		if attempt == pageAttempts || !errors.As(err, &se) || (se.Code != http.StatusTooManyRequests && se.Code != http.StatusServiceUnavailable) {
			return resp, err
		}
	}
}

func syntheticLink(feedURL, key string) string {
	u, err := url.Parse(feedURL)
	if err != nil {
		return feedURL
	}
	q := u.Query()
	q.Set("parley_item", key)
	u.RawQuery = q.Encode()
	return u.String()
}

func shortHash(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:6])
}
