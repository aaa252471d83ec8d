package fetcher

import (
	"context"
	"hash/fnv"
	"math/rand/v2"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/parley-news/parley/pkg/feed"
	"github.com/parley-news/parley/pkg/feedstore"
	"github.com/parley-news/parley/pkg/fetch"
	"github.com/parley-news/parley/pkg/internal/timeheap"
)

// The scheduler keeps every feed in one heap ordered by the time its next
// poll is due; a single loop starts the polls that are due, each in a
// goroutine of its own that lives only while the poll runs. So the stage
// holds a goroutine per poll in progress, not per feed, and 100,000 quiet
// feeds cost a heap entry each.
//
// A due feed starts only when its host has fewer polls running than the
// host limit (the Fetcher sets twice --host-concurrency; the requests
// inside a poll wait for the host in package fetch, which holds them to
// --host-concurrency); the feeds of a busy host queue behind it in due
// order and hold nothing another host needs. At most Config.Polls polls run
// at once, all hosts together.
//
// Lateness (parley_fetch_lateness_seconds) is the scheduler's own: from the
// time a feed was due, or, when its host had its limit of polls running
// then, from the time the host took it, to the poll's start. The time a
// due feed queued behind its host is what the host's politeness allows,
// not the scheduler falling behind; it is measured on its own
// (parley_fetch_host_queue_seconds).

type entry struct {
	key, url, title, host string
	due                   time.Time
	idx                   int // in the heap; -1 when not in it
	removed               bool
	parked                bool               // its host belongs to another fetcher
	force                 bool               // poll now, whatever the saved next poll (a retry)
	recheck               bool               // held by another fetcher at its last turn: look before claiming
	hostFree              time.Time          // when its host took it, after it queued behind the host
	retried               time.Time          // the latest RetryAt of the feed's entry seen
	cancel                context.CancelFunc // of the poll in progress
}

type scheduler struct {
	hostLimit int // polls running per host; 0: no limit
	maxPolls  int
	now       func() time.Time

	mu         sync.Mutex
	due        timeheap.Heap[*entry]
	feeds      map[string]*entry // by feed key
	hostActive map[string]int
	hostWait   map[string][]*entry
	ready      []*entry // host slot taken, waiting for a poll slot
	active     int
	wake       chan struct{}
	// Sharding: the live fetchers and this one's id. A host belongs to
	// the fetcher that ranks first for it (rendezvous hashing), so each
	// host's requests come from one fetcher; the due feeds of other
	// fetchers' hosts are parked until the membership changes.
	members []string
	self    string
	parked  map[string][]*entry
}

func newScheduler(hostLimit, maxPolls int, now func() time.Time) *scheduler {
	return &scheduler{
		hostLimit: hostLimit, maxPolls: maxPolls, now: now,
		feeds: map[string]*entry{}, hostActive: map[string]int{}, hostWait: map[string][]*entry{},
		wake: make(chan struct{}, 1), parked: map[string][]*entry{},
		due: timeheap.New(func(e *entry) time.Time { return e.due }, func(e *entry, i int) { e.idx = i }),
	}
}

func (s *scheduler) signal() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// add schedules a feed at due; it reports false when the feed is known.
// retryAt is the entry's RetryAt: for a known feed, a later one than it
// had asks for a poll now, whatever the feed's back-off (the feeds page's
// Retry); for a new feed it was asked before and is moot.
func (s *scheduler) add(key, url, title string, due time.Time, retryAt *time.Time) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if e, ok := s.feeds[key]; ok {
		e.title = title
		if retryAt != nil && retryAt.After(e.retried) {
			e.retried = *retryAt
			e.force = true
			if e.idx >= 0 {
				e.due = s.now()
				s.due.Fix(e.idx)
				s.signal()
			}
		}
		return false
	}
	e := &entry{key: key, url: url, title: title, host: fetch.HostKey(hostOf(url)), due: due, idx: -1}
	if retryAt != nil {
		e.retried = *retryAt
	}
	s.feeds[key] = e
	s.due.Push(e)
	s.signal()
	return true
}

// takeForce reports, once, that the feed's next poll was asked for now.
func (s *scheduler) takeForce(e *entry) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	f := e.force
	e.force = false
	return f
}

// remove forgets a feed and cancels its poll in progress.
func (s *scheduler) remove(key string) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.feeds[key]
	if !ok {
		return "", false
	}
	delete(s.feeds, key)
	e.removed = true
	if e.idx >= 0 {
		s.due.Remove(e.idx)
	}
	if e.cancel != nil {
		e.cancel()
	}
	return e.url, true
}

// take moves the due feeds to their hosts' queues and returns the feeds
// that may start now (their host and poll slots taken), and how long until
// the next feed is due.
func (s *scheduler) take() ([]*entry, time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	for s.due.Len() > 0 && !s.due.Peek().due.After(now) {
		e := s.due.Pop()
		if !s.owns(e.host) {
			e.parked = true
			s.parked[e.host] = append(s.parked[e.host], e)
			continue
		}
		if s.hostLimit > 0 && s.hostActive[e.host] >= s.hostLimit {
			s.hostWait[e.host] = append(s.hostWait[e.host], e)
			continue
		}
		s.hostActive[e.host]++
		s.ready = append(s.ready, e)
	}
	var start []*entry
	for s.active < s.maxPolls && len(s.ready) > 0 {
		e := s.ready[0]
		s.ready[0] = nil
		s.ready = s.ready[1:]
		if e.removed {
			s.releaseHost(e.host)
			continue
		}
		s.active++
		start = append(start, e)
	}
	wait := time.Hour
	if s.due.Len() > 0 {
		wait = s.due.Peek().due.Sub(now)
	}
	return start, wait
}

// releaseHost frees a host slot and hands it to the host's next due feed.
func (s *scheduler) releaseHost(host string) {
	s.hostActive[host]--
	for q := s.hostWait[host]; len(q) > 0; q = s.hostWait[host] {
		e := q[0]
		if len(q) == 1 {
			delete(s.hostWait, host)
		} else {
			q[0] = nil
			s.hostWait[host] = q[1:]
		}
		if e.removed {
			continue
		}
		s.hostActive[host]++
		e.hostFree = s.now()
		s.ready = append(s.ready, e)
		break
	}
	if s.hostActive[host] == 0 {
		delete(s.hostActive, host)
	}
}

// done ends a poll and schedules the feed's next one at next, or now when
// a retry was asked for while the poll ran (the poll may have read the
// entry before the request came).
func (s *scheduler) done(e *entry, next time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.active--
	e.cancel = nil
	s.releaseHost(e.host)
	if !e.removed {
		e.due = next
		if e.force {
			e.due = s.now()
		}
		s.due.Push(e)
	}
	s.signal()
}

// owns reports whether host belongs to this fetcher; s.mu is held.
func (s *scheduler) owns(host string) bool {
	return len(s.members) < 2 || owner(s.members, host) == s.self
}

// owner is the member that ranks first for host.
func owner(members []string, host string) string {
	var best string
	var bestScore uint64
	for _, m := range members {
		h := fnv.New64a()
		h.Write([]byte(m))
		h.Write([]byte{0})
		h.Write([]byte(host))
		if sc := mix(h.Sum64()); best == "" || sc > bestScore {
			best, bestScore = m, sc
		}
	}
	return best
}

// mix is splitmix64's finalizer: FNV alone hardly moves the high bits for
// names that differ in their last bytes (127.0.5.1, 127.0.5.2), which
// would give one fetcher every host.
func mix(z uint64) uint64 {
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// setMembers takes a new membership and brings back the parked feeds of
// the hosts that are now this fetcher's, due as they were.
func (s *scheduler) setMembers(members []string, self string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.members, s.self = members, self
	for host, es := range s.parked {
		if !s.owns(host) {
			continue
		}
		for _, e := range es {
			e.parked = false
			if !e.removed {
				s.due.Push(e)
			}
		}
		delete(s.parked, host)
	}
	s.signal()
}

// len is the number of feeds scheduled.
func (s *scheduler) len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.feeds)
}

// spread gives feeds due now (hosts[i] is the host of feed i) start
// offsets over the first interval, at most rate a second all hosts
// together: feeds added at start do not all fire at once. Each host's
// feeds are evenly apart over the window from a random phase, in random
// order, so a host's first polls come at the pace its politeness allows
// instead of in random bunches that queue behind it.
func spread(hosts []string, rate float64, interval time.Duration) []time.Duration {
	n := len(hosts)
	window := min(interval, time.Duration(float64(n)/rate*float64(time.Second)))
	byHost := map[string][]int{}
	for i, h := range hosts {
		byHost[h] = append(byHost[h], i)
	}
	out := make([]time.Duration, n)
	for _, feeds := range byHost {
		phase := rand.Float64()
		for j, k := range rand.Perm(len(feeds)) {
			out[feeds[k]] = time.Duration((phase + float64(j)) / float64(len(feeds)) * float64(window))
		}
	}
	return out
}

// schedule is what decides the interval after a successful poll.
type schedule struct {
	start, min, max time.Duration
	jitter          float64 // ± this fraction of the interval
	rand            func() float64
}

// publishGap estimates the time between items of a feed from the dates of
// its most recent items (at most 20, none in the future): their mean gap,
// or the age of the newest item when that is longer (a feed that stopped
// publishing). ok is false with fewer than two dated items.
func publishGap(items []feed.Item, now time.Time) (gap time.Duration, newest time.Time, ok bool) {
	var dates []time.Time
	for _, it := range items {
		d := it.Published
		if d == nil {
			d = it.Updated
		}
		if d != nil && !d.After(now.Add(5*time.Minute)) {
			dates = append(dates, *d)
		}
	}
	if len(dates) == 0 {
		return 0, time.Time{}, false
	}
	slices.SortFunc(dates, func(a, b time.Time) int { return b.Compare(a) })
	newest = dates[0]
	if len(dates) < 2 {
		return 0, newest, false
	}
	dates = dates[:min(len(dates), 20)]
	gap = dates[0].Sub(dates[len(dates)-1]) / time.Duration(len(dates)-1)
	return max(gap, now.Sub(newest)), newest, true
}

// httpHint is how long the response says the document stays fresh:
// Cache-Control max-age, else Expires (against Date, or now).
func httpHint(h http.Header, now time.Time) time.Duration {
	if h == nil {
		return 0
	}
	for _, d := range strings.Split(h.Get("Cache-Control"), ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(d), "=")
		switch strings.ToLower(k) {
		case "no-cache", "no-store":
			return 0
		case "max-age":
			if n, err := strconv.ParseInt(strings.Trim(v, `"`), 10, 64); err == nil && n > 0 {
				return time.Duration(min(n, 366*24*3600)) * time.Second
			}
			return 0
		}
	}
	exp, err := http.ParseTime(h.Get("Expires"))
	if err != nil {
		return 0
	}
	base := now
	if date, err := http.ParseTime(h.Get("Date")); err == nil {
		base = date
	}
	return max(exp.Sub(base), 0)
}

// next is the interval before the next poll of a feed that was just
// polled successfully and published `published` new items. The feed's
// publishing rate sets it (half the time between items, so an item waits
// half of that on average); without dated items, the last interval halves
// after new items and grows by half after none. The feed's and the
// response's own hints are lower bounds, the interval stays within
// [min, max], and a jitter of ±10% keeps feeds from polling in step.
func (sc schedule) next(st *feedstore.FeedState, doc *feed.Feed, header http.Header, published int, now time.Time) time.Duration {
	if doc != nil {
		if gap, newest, ok := publishGap(doc.Items, now); ok {
			st.PublishGap = gap.Seconds()
			st.NewestItem = &newest
		} else if !newest.IsZero() {
			st.NewestItem = &newest
		}
	} else if st.PublishGap > 0 && st.NewestItem != nil {
		// 304: nothing new, and the newest item is older by now.
		st.PublishGap = max(st.PublishGap, now.Sub(*st.NewestItem).Seconds())
	}
	prev := time.Duration(st.Interval * float64(time.Second))
	var iv time.Duration
	switch {
	case st.PublishGap > 0:
		iv = time.Duration(st.PublishGap*float64(time.Second)) / 2
	case prev == 0:
		iv = sc.start
	case published > 0:
		iv = prev / 2
	default:
		iv = prev * 3 / 2
	}
	floor := sc.min
	if doc != nil {
		floor = max(floor, min(doc.MinInterval, sc.max))
		st.Hint = doc.MinInterval.Seconds()
	}
	floor = max(floor, min(httpHint(header, now), sc.max), min(time.Duration(st.Hint*float64(time.Second)), sc.max))
	iv = min(max(iv, floor), sc.max)
	st.Interval = iv.Seconds()
	if sc.jitter > 0 {
		iv += time.Duration((sc.rand()*2 - 1) * sc.jitter * float64(iv))
		iv = min(max(iv, floor), sc.max)
	}
	return iv
}
