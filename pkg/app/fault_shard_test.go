package app

import (
	"fmt"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/parley-news/parley/pkg/article"
	"github.com/parley-news/parley/pkg/bus"
	"github.com/parley-news/parley/pkg/internal/origin"
)

// membersLine is the fetcher's log line naming the fetchers it shares the
// feed set with.
var membersLine = regexp.MustCompile(`msg="fetchers sharing the feed set".* fetchers="?\[([^\]]*)\]`)

// fetchersSeen is how many fetchers the last membership a process logged
// names (0 before any).
func fetchersSeen(p *proc) int {
	m := membersLine.FindAllStringSubmatch(p.out.String(), -1)
	if len(m) == 0 {
		return 0
	}
	return len(strings.Fields(m[len(m)-1][1]))
}

// Three fetchers as processes on one nats-server, as README "Sharded
// fetchers" describes them: `parley run` and two `parley fetcher`, each
// with the same politeness and scheduling flags and its own User-Agent, so
// the origin's log names the fetcher of every request. Six publishers on
// six loopback addresses, every feed gaining an item every 5 s. The test
// checks that each host is served by one fetcher once the three see each
// other, that no feed is ever polled twice within its interval, that after
// kill -9 of a `parley fetcher` that served hosts its feeds are polled by
// the others within the stated bound (heartbeat TTL + one heartbeat
// period + one interval; a feed whose poll the killed process had begun,
// once its claim expires), and that every item the publishers served is
// in the index exactly once and went through the articles and indexed
// streams once.
func TestShardedFetcherProcesses(t *testing.T) {
	bin := parleyBinary(t)
	const (
		hosts, feedsPerHost = 6, 3
		interval            = 3 * time.Second
		fetchTimeout        = 5 * time.Second
		// The claim of a poll in progress (README "Sharded fetchers"):
		// max(2 x --fetch-timeout, 1 min).
		claim = time.Minute
	)
	var mu sync.Mutex
	served := map[string]bool{} // page URLs the publishers put in a feed
	farm, err := origin.StartFarm(origin.FarmConfig{
		Hosts: hosts, Feeds: feedsPerHost, Items: 20, FirstIP: "127.0.6.1", KeepLog: true,
		// Every feed gains an item every 5 s and shows its 20 newest: an
		// item stays in its feed for 100 s, longer than a takeover.
		BusyEvery: 5 * time.Second, BusyOneIn: 1,
		Published: func(page string, _ time.Time) {
			mu.Lock()
			served[page] = true
			mu.Unlock()
		},
	})
	if err != nil {
		t.Skipf("loopback addresses: %v", err)
	}
	defer farm.Close()
	list := writeFeedList(t, farm.FeedURLs()...)

	ns := startNATS(t, -1, t.TempDir())
	natsURL := ns.ClientURL()
	addr := freeAddr(t)
	base := "http://" + addr
	flags := func(agent string) []string {
		return []string{"--nats-url", natsURL, "--allow-private-addresses", "--user-agent", agent,
			"--poll-interval", interval.String(), "--min-poll-interval", interval.String(), "--max-poll-interval", interval.String(),
			"--host-concurrency", "2", "--host-delay", "100ms", "--fetch-timeout", fetchTimeout.String(), "--shutdown-timeout", "10s"}
	}
	procs := map[string]*proc{
		"run": startProc(t, bin, "run", append(flags("fetcher-run"), "--feeds", list, "--data", t.TempDir(), "--http", addr, "--nats-listen", "")...),
	}
	waitFor(t, "parley run serving", time.Minute, func() bool { return searchable(base) >= 0 })
	for _, name := range []string{"one", "two"} {
		procs[name] = startProc(t, bin, "fetcher", append(flags("fetcher-"+name), "--http", "127.0.0.1:0")...)
	}
	agentOf := map[string]string{"run": "fetcher-run", "one": "fetcher-one", "two": "fetcher-two"}

	waitFor(t, "each fetcher seeing all three", time.Minute, func() bool {
		for _, p := range procs {
			if fetchersSeen(p) != 3 {
				return false
			}
		}
		return true
	})
	settled := time.Now()
	t.Logf("the three fetchers see each other")
	// `parley fetcher` takes run's politeness and scheduling flags.
	for name, p := range procs {
		if out := p.out.String(); !strings.Contains(out, "min_poll_interval=3s max_poll_interval=3s allow_private=true host_concurrency=2 host_delay=100ms") {
			t.Errorf("%s did not run its fetcher with the flags given:\n%s", name, out)
		}
	}
	// A poll begun before the fetchers agreed finishes its pages (the
	// politeness of a host is shared while fetchers disagree, README
	// "Sharded fetchers"); from then on, three intervals with three
	// fetchers: every feed polled three times in it.
	agreed := settled.Add(5*time.Second + interval)
	waitFor(t, "three intervals with three fetchers", time.Minute, func() bool { return time.Since(agreed) > 3*interval })

	hostsOf := func(agent string, from, to time.Time) []*origin.Host {
		var out []*origin.Host
		for _, h := range farm.Hosts {
			for _, r := range h.Log() {
				if r.At.After(from) && r.At.Before(to) && r.Agent == agent {
					out = append(out, h)
					break
				}
			}
		}
		return out
	}
	victim := ""
	for _, name := range []string{"one", "two"} {
		if len(hostsOf(agentOf[name], agreed, time.Now())) > 0 {
			victim = name
			break
		}
	}
	if victim == "" {
		t.Fatal("neither parley fetcher served a host: the takeover is not exercised")
	}
	killedAt := time.Now()
	procs[victim].kill(t)
	killedAgent := agentOf[victim]
	killedHosts := hostsOf(killedAgent, agreed, killedAt)
	t.Logf("kill -9 parley fetcher %s (%s), which served %d of %d hosts", victim, killedAgent, len(killedHosts), hosts)

	// Every feed of the killed fetcher's hosts polled again by another.
	bound := bus.FetcherTTL + bus.FetcherTTL/3 + interval + 2*time.Second
	type feedKey struct{ host, path string }
	repolled := func(h *origin.Host, feedPath string) (time.Time, string) {
		for _, r := range h.Log() {
			if r.At.After(killedAt) && r.Path == feedPath && r.Agent != killedAgent {
				return r.At, r.Agent
			}
		}
		return time.Time{}, ""
	}
	pending := map[feedKey]*origin.Host{}
	for _, h := range killedHosts {
		for i := range feedsPerHost {
			pending[feedKey{h.IP, fmt.Sprintf("/feed/%d.rss", i)}] = h
		}
	}
	waitFor(t, "the killed fetcher's feeds polled again", bound+claim+bus.FetcherTTL, func() bool {
		for k, h := range pending {
			if at, _ := repolled(h, k.path); at.IsZero() {
				return false
			}
		}
		return true
	})
	var slowest time.Duration
	for k, h := range pending {
		at, agent := repolled(h, k.path)
		after := at.Sub(killedAt)
		slowest = max(slowest, after)
		if after <= bound {
			continue
		}
		// Beyond the bound only a feed whose poll the killed process had
		// begun: its last request to the feed came just before the kill.
		var last time.Time
		for _, r := range h.Log() {
			if r.Path == k.path && r.Agent == killedAgent && r.At.Before(killedAt) {
				last = r.At
			}
		}
		if killedAt.Sub(last) > fetchTimeout || after > claim+bus.FetcherTTL/3+interval+2*time.Second {
			t.Errorf("%s%s polled again by %s %v after the kill, want within %v (its last poll by the killed fetcher %v before the kill)",
				k.host, k.path, agent, after.Round(100*time.Millisecond), bound, killedAt.Sub(last).Round(100*time.Millisecond))
		} else {
			t.Logf("%s%s was being polled at the kill: polled again %v after it, when its claim expired", k.host, k.path, after.Round(100*time.Millisecond))
		}
	}
	t.Logf("the killed fetcher's %d feeds on %d hosts were all polled again by the others within %v of the kill (bound %v)",
		len(pending), len(killedHosts), slowest.Round(100*time.Millisecond), bound)

	// No more items; every item served must be indexed, once.
	farm.Freeze()
	frozen := time.Now()
	mu.Lock()
	n := len(served)
	mu.Unlock()
	t.Logf("publishers frozen with %d items served", n)
	// A poll after the freeze has seen every item there will be.
	waitFor(t, "every feed polled after the freeze", time.Minute, func() bool {
		for _, h := range farm.Hosts {
			for i := range feedsPerHost {
				p, ok := fmt.Sprintf("/feed/%d.rss", i), false
				for _, r := range h.Log() {
					if r.Path == p && r.At.After(frozen.Add(100*time.Millisecond)) {
						ok = true
						break
					}
				}
				if !ok {
					return false
				}
			}
		}
		return true
	})
	want := map[string]bool{}
	mu.Lock()
	for page := range served {
		c, _ := article.CanonicalURL(page)
		want[article.ID(c)] = true
	}
	mu.Unlock()
	waitFor(t, "every served item searchable, the stages idle", 3*time.Minute, func() bool {
		return searchable(base) >= len(want) && stagesIdleOnMetrics(base)
	})
	got := indexedIDs(t, base)
	ended := time.Now()
	for _, name := range []string{"one", "two", "run"} {
		if name != victim {
			procs[name].stop(t)
		}
	}

	// The origin's log: one fetcher per host while the three saw each
	// other, and no feed polled twice within its interval (less the ±10%
	// jitter and the origin's timing slack) by whichever fetchers.
	polls := 0
	for _, h := range farm.Hosts {
		agents := map[string]bool{}
		last := map[string]time.Time{}
		for _, r := range h.Log() {
			if r.At.After(agreed) && r.At.Before(killedAt) {
				agents[r.Agent] = true
			}
			if !strings.HasPrefix(r.Path, "/feed/") || r.At.After(ended) {
				continue
			}
			polls++
			if prev, ok := last[r.Path]; ok && r.At.Sub(prev) < interval*9/10-200*time.Millisecond {
				t.Errorf("%s%s polled twice %v apart (the second by %s), want one poll per interval %v", h.IP, r.Path, r.At.Sub(prev).Round(time.Millisecond), r.Agent, interval)
			}
			last[r.Path] = r.At
		}
		if len(agents) != 1 {
			t.Errorf("host %s served by %d fetchers while the three agreed (%v to %v), want one: %v", h.IP, len(agents), agreed.Format("15:04:05.000"), killedAt.Format("15:04:05.000"), agents)
			for _, r := range h.Log() {
				if strings.HasPrefix(r.Path, "/feed/") {
					t.Logf("  %s %s %s", r.At.Format("15:04:05.000"), r.Path, r.Agent)
				}
			}
		}
		if _, maxIn := h.Stats(); maxIn > 2 {
			t.Errorf("host %s: %d requests in flight at once, want at most --host-concurrency 2", h.IP, maxIn)
		}
	}

	nc, err := nats.Connect(natsURL)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	streamCopies := 0
	for _, stream := range []string{bus.StreamArticles, bus.StreamIndexed} {
		for _, c := range copiesByArticle(t, js, stream) {
			streamCopies += c - 1
		}
	}
	rawCopies := 0
	for _, c := range copiesBy(t, js, bus.StreamRaw, func(m jetstream.Msg) string {
		r, err := bus.DecodeRaw(m.Data())
		if err != nil {
			t.Fatalf("raw message: %v", err)
		}
		return r.PageURL
	}) {
		rawCopies += c - 1
	}
	tl := countAgainst(want, got, len(got))
	t.Logf("reliability: three fetchers (parley run + 2 parley fetcher) on one nats-server, kill -9 one parley fetcher; %d feed polls; expected %d, found %d, missing %d, unexpected %d, duplicates %d (second copies in PARLEY_ARTICLES/PARLEY_INDEXED %d, in PARLEY_RAW %d)",
		polls, tl.expected, len(got), tl.missing, tl.unexpected, tl.duplicates, streamCopies, rawCopies)
	if tl.missing != 0 || tl.unexpected != 0 || tl.duplicates != 0 {
		t.Errorf("index after kill -9 of a fetcher: missing %d, unexpected %d, duplicates %d", tl.missing, tl.unexpected, tl.duplicates)
	}
	if streamCopies != 0 {
		t.Errorf("an article went downstream twice: %d second copies in the articles and indexed streams", streamCopies)
	}
}
