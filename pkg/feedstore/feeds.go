// Package feedstore keeps what parley knows of its feeds, in the key-value
// buckets the bus creates: the feed set (what to poll, watched live by the
// fetchers), each feed's state (status, errors, validators, learnt
// interval), the items already published, hosts paused after a 429 or 503,
// WebSub subscriptions, and the fetchers sharing the feeds (heartbeats and
// claims). The fetcher writes it; the API and `parley feeds` read and
// change the feed set through it.
package feedstore

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/parley-news/parley/pkg/bus"
)

// Store is the feed store over the buckets the bus creates.
type Store struct {
	bus                          *bus.Bus
	feeds, state, seen, fetchers jetstream.KeyValue
	log                          *slog.Logger
}

// New is the feed store of b. Over a bus from bus.AttachFeeds (a stopped
// parley's state) only the feed set and feed state methods may be called.
func New(b *bus.Bus, log *slog.Logger) *Store {
	if log == nil {
		log = slog.Default()
	}
	return &Store{
		bus: b, feeds: b.KV(bus.BucketFeeds), state: b.KV(bus.BucketFeedState),
		seen: b.KV(bus.BucketSeen), fetchers: b.KV(bus.BucketFetchers), log: log,
	}
}

// maxWatchPause bounds the pause before watching the feed set again.
const maxWatchPause = time.Minute

// FeedEntry is one feed of the feed set.
type FeedEntry struct {
	URL     string    `json:"url"`
	Title   string    `json:"title,omitempty"`
	AddedAt time.Time `json:"added_at"`
	// RetryAt, when later than the fetcher last saw, asks it to poll the
	// feed at once whatever its back-off (RetryFeed: the feeds page's
	// Retry button).
	RetryAt *time.Time `json:"retry_at,omitempty"`
}

// Feed status values.
const (
	FeedNew     = "new"     // not polled yet
	FeedOK      = "ok"      // last poll succeeded
	FeedFailing = "failing" // last poll failed; LastError says why
	FeedBlocked = "blocked" // refused by the SSRF guard
)

// FeedState is what the fetcher knows of a feed, shown by GET /api/feeds.
type FeedState struct {
	URL          string     `json:"url"`
	Title        string     `json:"title,omitempty"`
	Status       string     `json:"status"`
	LastFetch    *time.Time `json:"last_fetch,omitempty"`
	LastSuccess  *time.Time `json:"last_success,omitempty"`
	LastError    string     `json:"last_error,omitempty"`
	Items        int        `json:"items"` // items published from this feed, in all
	ErrorCount   int        `json:"error_count,omitempty"`
	NextPoll     *time.Time `json:"next_poll,omitempty"`
	ETag         string     `json:"etag,omitempty"`
	LastModified string     `json:"last_modified,omitempty"`
	Unchanged    int        `json:"unchanged,omitempty"` // polls in a row without new items
	// What the scheduler learnt: the time between the feed's items
	// (seconds), its newest item, the feed's or HTTP's own refresh hint
	// (seconds), and the interval it chose after the last poll (seconds).
	PublishGap float64    `json:"publish_gap_seconds,omitempty"`
	NewestItem *time.Time `json:"newest_item,omitempty"`
	Hint       float64    `json:"hint_seconds,omitempty"`
	Interval   float64    `json:"interval_seconds,omitempty"`
	// Host is the feed's politeness key (registrable domain or IP): feeds
	// and pages of one host share its limits.
	Host string `json:"host,omitempty"`
	// HostPausedUntil and HostPauseReason are set by GET /api/feeds while
	// the host is paused after a 429 or 503.
	HostPausedUntil *time.Time `json:"host_paused_until,omitempty"`
	HostPauseReason string     `json:"host_pause_reason,omitempty"`
	// WebSub: the hub the feed advertises, and (set by GET /api/feeds)
	// the subscription's state, lease and last push.
	Hub              string     `json:"hub,omitempty"`
	WebSubState      string     `json:"websub_state,omitempty"`
	WebSubError      string     `json:"websub_error,omitempty"`
	WebSubLeaseUntil *time.Time `json:"websub_lease_until,omitempty"`
	WebSubLastPush   *time.Time `json:"websub_last_push,omitempty"`
}

// FeedKey is the bucket key of a feed URL.
func FeedKey(url string) string {
	sum := sha256.Sum256([]byte(url))
	return hex.EncodeToString(sum[:12])
}

// AddFeed adds f to the feed set. It reports false when the feed was
// already there.
func (fs *Store) AddFeed(ctx context.Context, f FeedEntry) (bool, error) {
	if f.AddedAt.IsZero() {
		f.AddedAt = time.Now().UTC()
	}
	data, err := json.Marshal(f)
	if err != nil {
		return false, fmt.Errorf("encode feed %s: %w", f.URL, err)
	}
	if _, err := fs.feeds.Create(ctx, FeedKey(f.URL), data); err != nil {
		if errors.Is(err, jetstream.ErrKeyExists) {
			return false, nil
		}
		return false, fmt.Errorf("add feed %s: %w", f.URL, err)
	}
	return true, nil
}

// RetryFeed asks the fetcher to poll a feed now instead of waiting out its
// back-off: the entry is rewritten with RetryAt set, which the fetcher
// sees through WatchFeeds.
func (fs *Store) RetryFeed(ctx context.Context, url string) error {
	key := FeedKey(url)
	e, err := fs.feeds.Get(ctx, key)
	if err != nil {
		if errors.Is(err, jetstream.ErrKeyNotFound) {
			return fmt.Errorf("retry feed %s: %w", url, ErrUnknownFeed)
		}
		return fmt.Errorf("retry feed %s: %w", url, err)
	}
	var f FeedEntry
	if err := json.Unmarshal(e.Value(), &f); err != nil {
		return fmt.Errorf("retry feed %s: bad entry: %w", url, err)
	}
	now := time.Now().UTC()
	f.RetryAt = &now
	data, err := json.Marshal(f)
	if err != nil {
		return fmt.Errorf("encode feed %s: %w", url, err)
	}
	if _, err := fs.feeds.Update(ctx, key, data, e.Revision()); err != nil {
		return fmt.Errorf("retry feed %s: %w", url, err)
	}
	return nil
}

// ErrUnknownFeed is returned when removing a feed that is not in the set.
var ErrUnknownFeed = errors.New("feed is not in the feed set")

// RemoveFeed removes a feed and its state.
func (fs *Store) RemoveFeed(ctx context.Context, url string) error {
	key := FeedKey(url)
	if _, err := fs.feeds.Get(ctx, key); err != nil {
		if errors.Is(err, jetstream.ErrKeyNotFound) {
			return fmt.Errorf("remove feed %s: %w", url, ErrUnknownFeed)
		}
		return fmt.Errorf("remove feed %s: %w", url, err)
	}
	if err := fs.feeds.Delete(ctx, key); err != nil {
		return fmt.Errorf("remove feed %s: %w", url, err)
	}
	if err := fs.state.Delete(ctx, key); err != nil && !errors.Is(err, jetstream.ErrKeyNotFound) {
		return fmt.Errorf("remove feed state %s: %w", url, err)
	}
	if err := fs.state.Delete(ctx, webSubKey(key)); err != nil && !errors.Is(err, jetstream.ErrKeyNotFound) {
		return fmt.Errorf("remove websub subscription %s: %w", url, err)
	}
	return nil
}

// Feeds lists the feed set, sorted by URL.
func (fs *Store) Feeds(ctx context.Context) ([]FeedEntry, error) {
	lister, err := fs.feeds.ListKeys(ctx)
	if err != nil {
		return nil, fmt.Errorf("list feeds: %w", err)
	}
	var out []FeedEntry
	for key := range lister.Keys() {
		e, err := fs.feeds.Get(ctx, key)
		if err != nil {
			if errors.Is(err, jetstream.ErrKeyNotFound) {
				continue
			}
			return nil, fmt.Errorf("get feed %s: %w", key, err)
		}
		var f FeedEntry
		if err := json.Unmarshal(e.Value(), &f); err != nil {
			return nil, fmt.Errorf("decode feed %s: %w", key, err)
		}
		out = append(out, f)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].URL < out[j].URL })
	return out, nil
}

// FeedChange is an addition (Entry set) or removal (Entry nil) in the feed
// set, or (Synced) the mark that the feed set as it was when the watch
// started has been delivered.
type FeedChange struct {
	Key    string
	Entry  *FeedEntry
	Synced bool
}

// WatchFeeds streams the current feed set, then a Synced mark, then every
// change, until ctx ends. The channel is closed when the watch stops. When
// the bucket is recreated (Repair) or the server ends the watch, it
// watches again: the current set comes again, a Synced mark, the changes.
func (fs *Store) WatchFeeds(ctx context.Context) (<-chan FeedChange, error) {
	repaired := fs.bus.Repaired()
	w, err := fs.feeds.WatchAll(ctx)
	if err != nil {
		return nil, fmt.Errorf("watch feeds: %w", err)
	}
	out := make(chan FeedChange)
	go func() {
		defer close(out)
		pause := time.Second
		// wait pauses before the next attempt, longer each time, cut short
		// by a repair (the bucket is back) or the end of ctx.
		wait := func() {
			t := time.NewTimer(pause)
			select {
			case <-ctx.Done():
			case <-t.C:
			case <-repaired:
			}
			t.Stop()
			pause = min(2*pause, maxWatchPause)
		}
		for {
			ended := fs.forwardFeeds(ctx, w, out, repaired)
			_ = w.Stop()
			if ctx.Err() != nil {
				return
			}
			if ended {
				// The server ended the watch: wait a little, or for a repair.
				fs.log.Warn("feed set watch ended; watching again", "retry_in", pause)
				wait()
			}
			for ctx.Err() == nil {
				repaired = fs.bus.Repaired()
				if w, err = fs.feeds.WatchAll(ctx); err == nil {
					break
				}
				fs.log.Warn("watch feeds", "err", err, "retry_in", pause)
				wait()
			}
			if ctx.Err() != nil {
				return
			}
		}
	}()
	return out, nil
}

// forwardFeeds passes the watch's changes on until ctx ends (false), a
// repair recreated buckets (false), or the watch ends (true).
func (fs *Store) forwardFeeds(ctx context.Context, w jetstream.KeyWatcher, out chan<- FeedChange, repaired <-chan struct{}) bool {
	for {
		select {
		case <-ctx.Done():
			return false
		case <-repaired:
			return false
		case e, ok := <-w.Updates():
			if !ok {
				return true
			}
			ch := FeedChange{Synced: true} // e == nil: end of the initial values
			if e != nil {
				ch = FeedChange{Key: e.Key()}
			}
			if e != nil && e.Operation() == jetstream.KeyValuePut {
				var f FeedEntry
				if err := json.Unmarshal(e.Value(), &f); err != nil {
					fs.log.Error("bad feed entry in bucket", "key", e.Key(), "err", err)
					continue
				}
				ch.Entry = &f
			}
			select {
			case out <- ch:
			case <-ctx.Done():
				return false
			}
		}
	}
}

// FeedState returns the state of a feed; a feed never polled has status "new".
func (fs *Store) FeedState(ctx context.Context, url string) (FeedState, error) {
	e, err := fs.state.Get(ctx, FeedKey(url))
	if err != nil {
		if errors.Is(err, jetstream.ErrKeyNotFound) {
			return FeedState{URL: url, Status: FeedNew}, nil
		}
		return FeedState{}, fmt.Errorf("feed state %s: %w", url, err)
	}
	var s FeedState
	if err := json.Unmarshal(e.Value(), &s); err != nil {
		return FeedState{}, fmt.Errorf("decode feed state %s: %w", url, err)
	}
	return s, nil
}

// PutFeedState records the state of a feed.
func (fs *Store) PutFeedState(ctx context.Context, s FeedState) error {
	data, err := json.Marshal(s)
	if err != nil {
		return fmt.Errorf("encode feed state %s: %w", s.URL, err)
	}
	if _, err := fs.state.Put(ctx, FeedKey(s.URL), data); err != nil {
		return fmt.Errorf("put feed state %s: %w", s.URL, err)
	}
	return nil
}

// SeenVersion returns the version under which an item was published, and
// whether it was.
func (fs *Store) SeenVersion(ctx context.Context, feedURL, itemKey string) (string, bool, error) {
	e, err := fs.seen.Get(ctx, FeedKey(feedURL)+"."+itemKey)
	if err != nil {
		if errors.Is(err, jetstream.ErrKeyNotFound) {
			return "", false, nil
		}
		return "", false, fmt.Errorf("seen %s: %w", itemKey, err)
	}
	return string(e.Value()), true, nil
}

// MarkSeen records that an item was published under version.
func (fs *Store) MarkSeen(ctx context.Context, feedURL, itemKey, version string) error {
	if _, err := fs.seen.Put(ctx, FeedKey(feedURL)+"."+itemKey, []byte(version)); err != nil {
		return fmt.Errorf("mark seen %s: %w", itemKey, err)
	}
	return nil
}

// SeedFeeds adds the feeds of a --feeds file to the feed set, once: a feed
// the user removed later through the API is not added again on restart,
// while a URL newly written into the file is. It returns how many it added.
func (fs *Store) SeedFeeds(ctx context.Context, entries []FeedEntry) (int, error) {
	added := 0
	for _, f := range entries {
		marker := "seeded-" + FeedKey(f.URL)
		if _, err := fs.state.Get(ctx, marker); err == nil {
			continue
		} else if !errors.Is(err, jetstream.ErrKeyNotFound) {
			return added, fmt.Errorf("seed feed %s: %w", f.URL, err)
		}
		created, err := fs.AddFeed(ctx, f)
		if err != nil {
			return added, err
		}
		if created {
			added++
		}
		if _, err := fs.state.Put(ctx, marker, []byte(f.URL)); err != nil {
			return added, fmt.Errorf("seed feed %s: %w", f.URL, err)
		}
	}
	return added, nil
}
