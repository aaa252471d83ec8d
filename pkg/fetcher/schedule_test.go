package fetcher

import (
	"fmt"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/parley-news/parley/pkg/feed"
	"github.com/parley-news/parley/pkg/feedstore"
)

var now0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// itemsEvery is a feed document of n items, the newest published ago before
// now0 and each earlier one every apart.
func itemsEvery(n int, ago, every time.Duration) *feed.Feed {
	doc := &feed.Feed{}
	for i := range n {
		t := now0.Add(-ago - time.Duration(i)*every)
		doc.Items = append(doc.Items, feed.Item{Link: fmt.Sprint(i), Published: &t})
	}
	return doc
}

func TestScheduleNext(t *testing.T) {
	sc := schedule{start: 10 * time.Minute, min: time.Minute, max: 24 * time.Hour}
	withTTL := itemsEvery(10, time.Minute, 2*time.Minute)
	withTTL.MinInterval = time.Hour
	tests := []struct {
		name      string
		prev      feedstore.FeedState
		doc       *feed.Feed
		header    http.Header
		published int
		want      time.Duration
	}{
		{"busy: an item every 2 min", feedstore.FeedState{}, itemsEvery(20, time.Minute, 2*time.Minute), nil, 1, time.Minute},
		{"an item every 30 min", feedstore.FeedState{}, itemsEvery(20, 5*time.Minute, 30*time.Minute), nil, 1, 15 * time.Minute},
		{"an item every 3 h", feedstore.FeedState{}, itemsEvery(5, time.Hour, 3*time.Hour), nil, 0, 90 * time.Minute},
		{"stopped: newest item 3 days old", feedstore.FeedState{}, itemsEvery(20, 72*time.Hour, time.Minute), nil, 0, 24 * time.Hour},
		{"busy but <ttl> 60", feedstore.FeedState{}, withTTL, nil, 1, time.Hour},
		{"busy but max-age 1800", feedstore.FeedState{}, itemsEvery(20, time.Minute, 2*time.Minute), http.Header{"Cache-Control": {"public, max-age=1800"}}, 1, 30 * time.Minute},
		{"busy but Expires in 20 min", feedstore.FeedState{}, itemsEvery(20, time.Minute, 2*time.Minute),
			http.Header{"Date": {now0.Format(http.TimeFormat)}, "Expires": {now0.Add(20 * time.Minute).Format(http.TimeFormat)}}, 1, 20 * time.Minute},
		{"no-cache is no hint", feedstore.FeedState{}, itemsEvery(20, time.Minute, 2*time.Minute), http.Header{"Cache-Control": {"no-cache"}, "Expires": {"0"}}, 1, time.Minute},
		{"a hint beyond the maximum is capped", feedstore.FeedState{}, itemsEvery(20, time.Minute, 2*time.Minute), http.Header{"Cache-Control": {"max-age=604800"}}, 1, 24 * time.Hour},
		{"no dates, first poll: the start interval", feedstore.FeedState{}, &feed.Feed{Items: []feed.Item{{Link: "a"}}}, nil, 1, 10 * time.Minute},
		{"no dates, new items: halves", feedstore.FeedState{Interval: 600}, &feed.Feed{Items: []feed.Item{{Link: "a"}}}, nil, 2, 5 * time.Minute},
		{"no dates, nothing new: grows by half", feedstore.FeedState{Interval: 600}, &feed.Feed{Items: []feed.Item{{Link: "a"}}}, nil, 0, 15 * time.Minute},
		{"no dates, busy for long: the minimum", feedstore.FeedState{Interval: 70}, &feed.Feed{}, nil, 3, time.Minute},
		{"304: the newest item ages", feedstore.FeedState{PublishGap: 600, NewestItem: ptr(now0.Add(-4 * time.Hour))}, nil, nil, 0, 2 * time.Hour},
		{"304: a remembered <ttl> holds", feedstore.FeedState{PublishGap: 120, NewestItem: ptr(now0.Add(-time.Minute)), Hint: 3600}, nil, nil, 0, time.Hour},
	}
	for _, tt := range tests {
		st := tt.prev
		got := sc.next(&st, tt.doc, tt.header, tt.published, now0)
		if got != tt.want {
			t.Errorf("%s: interval %v, want %v", tt.name, got, tt.want)
		}
		if st.Interval != tt.want.Seconds() {
			t.Errorf("%s: state remembers %vs, want %v", tt.name, st.Interval, tt.want)
		}
	}
}

func ptr[T any](v T) *T { return &v }

// Jitter spreads intervals by ±10% and never below the floor or above the
// maximum.
func TestScheduleJitter(t *testing.T) {
	for _, tt := range []struct {
		r    float64
		doc  *feed.Feed
		want time.Duration
	}{
		{0, itemsEvery(20, 5*time.Minute, 30*time.Minute), 13*time.Minute + 30*time.Second},
		{1, itemsEvery(20, 5*time.Minute, 30*time.Minute), 16*time.Minute + 30*time.Second},
		{0, itemsEvery(20, time.Minute, time.Minute), time.Minute},             // not below the minimum
		{1, itemsEvery(20, 72*time.Hour, time.Minute), 24 * time.Hour},         // not above the maximum
		{0.5, itemsEvery(20, 5*time.Minute, 30*time.Minute), 15 * time.Minute}, // the middle
	} {
		sc := schedule{start: 10 * time.Minute, min: time.Minute, max: 24 * time.Hour, jitter: 0.1, rand: func() float64 { return tt.r }}
		if got := sc.next(&feedstore.FeedState{}, tt.doc, nil, 1, now0); got != tt.want {
			t.Errorf("rand %v: %v, want %v", tt.r, got, tt.want)
		}
	}
}

// fakeClock is the scheduler's clock in tests.
type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time { return c.t }

func keys(es []*entry) []string {
	var out []string
	for _, e := range es {
		out = append(out, e.key)
	}
	slices.Sort(out)
	return out
}

func TestSchedulerDueOrderAndHostLimit(t *testing.T) {
	clock := &fakeClock{t: now0}
	s := newScheduler(2, 100, clock.now)
	for i, key := range []string{"a1", "a2", "a3", "b1"} {
		host := "https://a.example/"
		if key[0] == 'b' {
			host = "https://b.example/"
		}
		s.add(key, host+key, "", now0.Add(time.Duration(i)*time.Second), nil)
	}
	s.add("c1", "https://news.c.example/feed", "", now0.Add(time.Hour), nil)

	first, wait := s.take()
	if got := keys(first); fmt.Sprint(got) != "[a1]" || wait != time.Second {
		t.Fatalf("at 0s: started %v, next in %v; want [a1], 1s", got, wait)
	}
	clock.t = now0.Add(10 * time.Second)
	start, wait := s.take()
	if got := keys(start); fmt.Sprint(got) != "[a2 b1]" {
		t.Fatalf("at 10s: started %v, want [a2 b1]: a3 waits, its host has two polls running", got)
	}
	if wait != time.Hour-10*time.Second {
		t.Errorf("next due in %v, want c1's %v", wait, time.Hour-10*time.Second)
	}
	// a1 ends: its host slot goes to a3, due before it came back.
	s.done(first[0], clock.t.Add(10*time.Minute))
	a1 := s.feeds["a1"]
	if a1.idx < 0 || !a1.due.Equal(clock.t.Add(10*time.Minute)) {
		t.Errorf("a1 not rescheduled: %+v", a1)
	}
	start2, _ := s.take()
	if got := keys(start2); fmt.Sprint(got) != "[a3]" {
		t.Errorf("after a poll of a.example ended, started %v, want [a3]", got)
	}
	// a3 queued behind its host: its lateness counts from when the host
	// took it, not from its due time.
	if a3 := s.feeds["a3"]; !a3.hostFree.Equal(clock.t) {
		t.Errorf("a3's host took it at %v, want %v (when a1 ended)", a3.hostFree, clock.t)
	}
}

func TestSchedulerPollLimitAndRemoval(t *testing.T) {
	clock := &fakeClock{t: now0}
	s := newScheduler(0, 2, clock.now)
	for i := range 5 {
		s.add(fmt.Sprint("f", i), fmt.Sprintf("https://h%d.example/feed", i), "", now0, nil)
	}
	start, _ := s.take()
	if len(start) != 2 {
		t.Fatalf("started %d, want the limit of 2", len(start))
	}
	// f-something still waiting is removed: it must never start.
	var waiting string
	for k, e := range s.feeds {
		if e.idx < 0 && !slices.Contains(start, e) {
			waiting = k
			break
		}
	}
	if _, ok := s.remove(waiting); !ok {
		t.Fatal("remove a waiting feed")
	}
	if _, ok := s.remove(start[0].key); !ok {
		t.Fatal("remove a polling feed")
	}
	s.done(start[0], now0.Add(time.Minute))
	s.done(start[1], now0.Add(time.Minute))
	var all []*entry
	for {
		more, _ := s.take()
		if len(more) == 0 {
			break
		}
		all = append(all, more...)
		for _, e := range more {
			s.done(e, now0.Add(time.Hour))
		}
	}
	if len(all) != 2 {
		t.Errorf("started %d more, want the 2 that were neither removed nor polled", len(all))
	}
	for _, e := range all {
		if e.key == waiting {
			t.Errorf("removed feed %s started", waiting)
		}
	}
	if _, ok := s.feeds[start[0].key]; ok || start[0].idx >= 0 {
		t.Error("a feed removed during its poll was scheduled again")
	}
	if s.len() != 3 {
		t.Errorf("%d feeds scheduled, want 3", s.len())
	}
}

// TestSchedulerRetryDuringPoll: a retry asked for while the feed's poll
// runs is not lost to the back-off that poll then sets.
func TestSchedulerRetryDuringPoll(t *testing.T) {
	clock := &fakeClock{t: now0}
	s := newScheduler(2, 10, clock.now)
	s.add("f", "https://a.example/feed", "", now0, nil)
	start, _ := s.take()
	if len(start) != 1 {
		t.Fatalf("started %d, want 1", len(start))
	}
	if s.takeForce(start[0]) {
		t.Fatal("a first poll reported as a retry")
	}
	clock.t = now0.Add(time.Second)
	retry := clock.t
	s.add("f", "https://a.example/feed", "", time.Time{}, &retry)
	s.done(start[0], clock.t.Add(time.Hour)) // the failed poll's back-off
	again, wait := s.take()
	if len(again) != 1 || wait != time.Hour {
		t.Fatalf("after a retry during the poll: started %d, next in %v; want 1 now", len(again), wait)
	}
	if !s.takeForce(again[0]) {
		t.Error("the poll after the retry is not marked as one")
	}
	s.done(again[0], clock.t.Add(time.Hour))
	if next, wait := s.take(); len(next) != 0 || wait != time.Hour {
		t.Errorf("a second poll without a second retry: started %d, next in %v", len(next), wait)
	}
}

func TestSpread(t *testing.T) {
	for _, tt := range []struct {
		n, hosts int
		window   time.Duration
	}{
		{1000, 10, 20 * time.Second},     // 1,000 feeds at 50/s: 20 s
		{100000, 1000, 10 * time.Minute}, // never beyond the interval
		{1000, 1000, 20 * time.Second},   // a host each
		{1, 1, 20 * time.Millisecond},
	} {
		hosts := make([]string, tt.n)
		for i := range hosts {
			hosts[i] = fmt.Sprintf("h%d.example", i%tt.hosts)
		}
		offs := spread(hosts, 50, 10*time.Minute)
		if len(offs) != tt.n || slices.Max(offs) >= tt.window {
			t.Errorf("n=%d: %d offsets, last %v, want below %v", tt.n, len(offs), slices.Max(offs), tt.window)
		}
		if tt.n >= 1000 && slices.Max(offs) < tt.window*9/10 {
			t.Errorf("n=%d: last offset %v, want them spread over about %v", tt.n, slices.Max(offs), tt.window)
		}
		// No second of the window gets many more than its share.
		perSecond := map[time.Duration]int{}
		for _, o := range offs {
			perSecond[o.Truncate(time.Second)]++
		}
		share := float64(tt.n) / max(tt.window.Seconds(), 1)
		for sec, c := range perSecond {
			if float64(c) > 2*share+10 {
				t.Errorf("n=%d: %d feeds start in second %v, want about %.0f", tt.n, c, sec, share)
			}
		}
		// A host's feeds are evenly apart: window / its feeds.
		byHost := map[string][]time.Duration{}
		for i, o := range offs {
			byHost[hosts[i]] = append(byHost[hosts[i]], o)
		}
		for h, os := range byHost {
			slices.Sort(os)
			gap := tt.window / time.Duration(len(os))
			for i := 1; i < len(os); i++ {
				if d := os[i] - os[i-1]; d < gap-time.Millisecond || d > gap+time.Millisecond {
					t.Errorf("n=%d: %s's feeds %d and %d start %v apart, want %v", tt.n, h, i-1, i, d, gap)
					break
				}
			}
		}
	}
}

// Hosts spread over the fetchers, and a fetcher leaving moves only its own.
func TestOwnerSpread(t *testing.T) {
	three := []string{"fetcher-a", "fetcher-b", "fetcher-c"}
	count := map[string]int{}
	moved := 0
	for i := range 3000 {
		host := fmt.Sprintf("127.0.%d.%d", i/250, i%250+1)
		o := owner(three, host)
		count[o]++
		if o2 := owner([]string{"fetcher-a", "fetcher-c"}, host); o != "fetcher-b" && o2 != o {
			moved++
		}
	}
	for _, m := range three {
		if count[m] < 800 || count[m] > 1200 {
			t.Errorf("%s owns %d of 3000 hosts, want about 1000: %v", m, count[m], count)
		}
	}
	if moved != 0 {
		t.Errorf("%d hosts of the fetchers that stayed changed owner", moved)
	}
}
