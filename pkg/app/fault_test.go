package app

import (
	"fmt"
	"testing"
	"time"

	"github.com/parley-news/parley/pkg/index"
)

// indexedIDs pages through every article the API holds.
func indexedIDs(t *testing.T, base string) map[string]int {
	t.Helper()
	ids := map[string]int{}
	for from := 0; ; from += 100 {
		var res index.Result
		if code := getJSON(t, fmt.Sprintf("%s/api/search?q=*&size=100&from=%d", base, from), &res); code != 200 {
			t.Fatalf("search: %d", code)
		}
		for _, h := range res.Hits {
			ids[h.ID]++
		}
		if len(res.Hits) < 100 {
			return ids
		}
	}
}

// TestKillDuringIngest kills `parley run` with SIGKILL while it ingests
// 1,000 articles, restarts it on the same --data, and counts: every
// article once, none lost, none twice.
func TestKillDuringIngest(t *testing.T) {
	bin := parleyBinary(t)
	const feeds, items = 10, 100
	o, want := generatedOrigin(t, feeds, items)
	list := writeFeedList(t, o.GeneratedFeedURLs()...)
	data := t.TempDir()
	addr := freeAddr(t)
	base := "http://" + addr
	args := []string{"--feeds", list, "--data", data, "--http", addr, "--nats-listen", "", "--allow-private-addresses", "--poll-interval", "1h"}

	first := startProc(t, bin, "run", args...)
	var atKill int
	waitFor(t, "ingest under way", 3*time.Minute, func() bool {
		atKill = searchable(base)
		return atKill >= 100
	})
	first.kill(t)
	t.Logf("killed parley run (SIGKILL) with %d of %d articles searchable", atKill, len(want))

	startProc(t, bin, "run", args...)
	waitFor(t, "every article after the restart", 5*time.Minute, func() bool { return searchable(base) >= len(want) })
	time.Sleep(3 * time.Second) // let anything redelivered land
	got := indexedIDs(t, base)
	tl := countAgainst(want, got, len(got))
	t.Logf("reliability: kill -9 parley run at %d/%d indexed; restart; expected %d, found %d, missing %d, unexpected %d, duplicates %d",
		atKill, len(want), tl.expected, len(got), tl.missing, tl.unexpected, tl.duplicates)
	if tl.missing != 0 || tl.unexpected != 0 || tl.duplicates != 0 {
		t.Fatalf("after kill -9 and restart: missing %d, unexpected %d, duplicates %d", tl.missing, tl.unexpected, tl.duplicates)
	}
}
