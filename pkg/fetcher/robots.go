package fetcher

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"sync"
	"time"

	"github.com/temoto/robotstxt"

	"github.com/parley-news/parley/pkg/fetch"
)

// robots.txt is consulted for article pages (RFC 9309), never for the feeds
// a user subscribed to (as feed readers do). One copy per origin is kept
// for robotsTTL; its Crawl-delay for parley's user agent becomes a floor of
// the host's delay between requests.

const (
	robotsTTL         = 24 * time.Hour
	robotsRetry       = 10 * time.Minute // after robots.txt could not be had
	robotsMaxBytes    = 512 << 10
	robotsMaxDelay    = time.Minute // a Crawl-delay beyond this is taken as this
	robotsDisallowMsg = "robots.txt disallows it"
)

// errRobotsDisallowed is the page error of a page robots.txt disallows.
var errRobotsDisallowed = errors.New(robotsDisallowMsg)

type robotsEntry struct {
	ready   chan struct{} // closed once group and expires are set
	group   *robotstxt.Group
	expires time.Time
}

type robotsCache struct {
	client *fetch.Client
	agent  string
	now    func() time.Time

	mu    sync.Mutex
	sites map[string]*robotsEntry // by scheme://host:port
}

func newRobotsCache(client *fetch.Client, agent string) *robotsCache {
	return &robotsCache{client: client, agent: agent, now: time.Now, sites: map[string]*robotsEntry{}}
}

// allowed reports whether robots.txt lets parley fetch pageURL: nil, or an
// error wrapping errRobotsDisallowed. A robots.txt that cannot be had (a
// network error, a 5xx) allows the page and is asked for again later; a
// 4xx means no robots.txt, so everything is allowed.
func (rc *robotsCache) allowed(ctx context.Context, pageURL string) error {
	u, err := url.Parse(pageURL)
	if err != nil || u.Host == "" {
		return nil // the page fetch reports the bad URL
	}
	site := u.Scheme + "://" + u.Host
	rc.mu.Lock()
	e := rc.sites[site]
	fresh := e != nil && (!isClosed(e.ready) || rc.now().Before(e.expires))
	if !fresh {
		e = &robotsEntry{ready: make(chan struct{})}
		rc.sites[site] = e
	}
	rc.mu.Unlock()
	if !fresh {
		rc.load(ctx, site, e)
	}
	select {
	case <-e.ready:
	case <-ctx.Done():
		return ctx.Err()
	}
	path := u.EscapedPath()
	if path == "" {
		path = "/"
	}
	if u.RawQuery != "" {
		path += "?" + u.RawQuery
	}
	if e.group != nil && !e.group.Test(path) {
		return fmt.Errorf("%w (%s/robots.txt)", errRobotsDisallowed, site)
	}
	return nil
}

func (rc *robotsCache) load(ctx context.Context, site string, e *robotsEntry) {
	defer close(e.ready)
	e.expires = rc.now().Add(robotsTTL)
	resp, err := rc.client.Get(ctx, site+"/robots.txt", fetch.Options{Limit: robotsMaxBytes, Accept: "text/plain, */*;q=0.5"})
	var data *robotstxt.RobotsData
	var se *fetch.StatusError
	switch {
	case errors.As(err, &se) && se.Code >= 400 && se.Code < 500:
		return // no robots.txt: everything allowed
	case err != nil:
		e.expires = rc.now().Add(robotsRetry)
		return
	default:
		if data, err = robotstxt.FromBytes(resp.Body); err != nil {
			return // unreadable: as none
		}
	}
	e.group = data.FindGroup(rc.agent)
	if d := min(e.group.CrawlDelay, robotsMaxDelay); d > 0 {
		rc.client.SetHostDelayFloor(fetch.HostKey(hostOf(site)), d)
	}
}

func isClosed(c chan struct{}) bool {
	select {
	case <-c:
		return true
	default:
		return false
	}
}
