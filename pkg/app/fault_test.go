package app

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/parley-news/parley/pkg/article"
	"github.com/parley-news/parley/pkg/index"
	"github.com/parley-news/parley/pkg/internal/origin"
)

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

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
	if testing.Short() {
		t.Skip("builds and runs the parley binary")
	}
	bin, err := buildParley()
	if err != nil {
		t.Fatal(err)
	}
	const feeds, items = 10, 100
	o, err := origin.Start(origin.Generated{Feeds: feeds, Items: items, Bodies: benchBodies(t)})
	if err != nil {
		t.Fatal(err)
	}
	defer o.Close()
	list := filepath.Join(t.TempDir(), "feeds.txt")
	if err := os.WriteFile(list, []byte(strings.Join(o.GeneratedFeedURLs(), "\n")), 0o600); err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{}
	for i := range feeds {
		for j := range items {
			c, _ := article.CanonicalURL(fmt.Sprintf("%s/gen/%d/%d.html", o.URL, i, j))
			want[article.ID(c)] = true
		}
	}
	data := t.TempDir()
	addr := freeAddr(t)
	base := "http://" + addr
	args := []string{"--feeds", list, "--data", data, "--http", addr, "--nats-listen", "", "--allow-private-addresses", "--poll-interval", "1h"}

	first := startProc(t, bin, "run", args...)
	var atKill int
	waitFor(t, "ingest under way", 3*time.Minute, func() bool {
		var res index.Result
		if getJSONQuiet(base+"/api/search?q=*&size=0", &res) != nil {
			return false
		}
		atKill = res.Total
		return res.Total >= 100
	})
	if err := first.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = first.cmd.Wait()
	t.Logf("killed parley run (SIGKILL) with %d of %d articles searchable", atKill, len(want))

	startProc(t, bin, "run", args...)
	var got map[string]int
	waitFor(t, "every article after the restart", 5*time.Minute, func() bool {
		var res index.Result
		if getJSONQuiet(base+"/api/search?q=*&size=0", &res) != nil {
			return false
		}
		return res.Total >= len(want)
	})
	time.Sleep(3 * time.Second) // let anything redelivered land
	got = indexedIDs(t, base)
	missing, extra, dups := 0, 0, 0
	for id := range want {
		if got[id] == 0 {
			missing++
		}
	}
	for id, n := range got {
		if !want[id] {
			extra++
		}
		if n > 1 {
			dups += n - 1
		}
	}
	t.Logf("reliability: kill -9 parley run at %d/%d indexed; restart; expected %d, found %d, missing %d, unexpected %d, duplicates %d",
		atKill, len(want), len(want), len(got), missing, extra, dups)
	if missing != 0 || extra != 0 || dups != 0 {
		t.Fatalf("after kill -9 and restart: missing %d, unexpected %d, duplicates %d", missing, extra, dups)
	}
}

// getJSONQuiet is getJSON for a server that may not be up yet.
func getJSONQuiet(u string, out any) error {
	return fetchJSON(u, out)
}
