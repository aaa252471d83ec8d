package elastic

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/parley-news/parley/pkg/article"
	"github.com/parley-news/parley/pkg/internal/sharedtest"
)

// throttledURL is an Elasticsearch whose write thread pool queue holds one
// task (thread_pool.write.queue_size is a static node setting, so it needs
// its own node): PARLEY_TEST_ES_THROTTLED_URL, or a second instance this
// test starts with scripts/es.sh (PARLEY_ES_NAME=throttled) when the main
// one runs, and stops afterwards.
func throttledURL(t *testing.T) string {
	if u := os.Getenv("PARLEY_TEST_ES_THROTTLED_URL"); u != "" {
		return strings.TrimRight(u, "/")
	}
	return startES(t, "throttled", 9250, "PARLEY_ES_WRITE_QUEUE_SIZE=1")
}

// startES starts an Elasticsearch instance of its own with scripts/es.sh
// (only where the main one runs, so Java and Maven are there), stops it
// when the test ends, and returns its URL and a function that runs
// `es.sh up|down` on it.
func startES(t *testing.T, name string, port int, env ...string) string {
	url, _ := startESCtl(t, name, port, env...)
	return url
}

func startESCtl(t *testing.T, name string, port int, env ...string) (string, func(cmd string) string) {
	esURL(t) // skips when there is no Elasticsearch at all
	if testing.Short() {
		t.Skipf("-short: not starting a second Elasticsearch (%s)", name)
	}
	script := filepath.Join(sharedtest.RepoRoot(t), "scripts", "es.sh")
	env = append(os.Environ(), append(env, "PARLEY_ES_NAME="+name, fmt.Sprintf("PARLEY_ES_PORT=%d", port))...)
	ctl := func(verb string) string {
		cmd := exec.Command("bash", script, verb)
		cmd.Env = env
		cmd.Stderr = testWriter{t}
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("scripts/es.sh %s (%s): %v", verb, name, err)
		}
		lines := strings.Split(strings.TrimSpace(string(out)), "\n")
		return lines[len(lines)-1]
	}
	url := ctl("up")
	t.Cleanup(func() {
		down := exec.Command("bash", script, "down")
		down.Env = env
		down.Stderr = testWriter{t}
		if err := down.Run(); err != nil {
			t.Errorf("stop Elasticsearch %s: %v", name, err)
		}
	})
	return url, ctl
}

// TestIndexRetriesThrottledWrites sends many concurrent bulk requests to a
// node whose write queue holds one task, over four shards, so that
// Elasticsearch rejects whole requests and single items of successful
// responses with 429. Every article must still be written exactly once.
func TestIndexRetriesThrottledWrites(t *testing.T) {
	url := throttledURL(t)
	ix := openTest(t, func(c *Config) {
		c.URLs = []string{url}
		c.Shards = 4
		c.Workers = 8
		c.FlushBytes = 64 << 10
		c.MaxRetries = 30
	})
	ctx := context.Background()
	base := fixtures(t)
	const callers, perCall = 8, 150
	total := 0
	// Rounds until Elasticsearch has throttled something (it normally
	// does in the first), bounded.
	for round := 0; round < 5; round++ {
		var wg sync.WaitGroup
		errs := make([][]error, callers)
		for c := range callers {
			arts := make([]*article.Article, perCall)
			for i := range arts {
				a := *base[i%len(base)]
				a.ID = fmt.Sprintf("r%d-c%d-%d", round, c, i)
				arts[i] = &a
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs[c] = ix.Index(ctx, arts)
			}()
		}
		wg.Wait()
		for c := range callers {
			for i, err := range errs[c] {
				if err != nil {
					t.Fatalf("round %d caller %d article %d: %v", round, c, i, err)
				}
			}
		}
		total += callers * perCall
		if s := ix.Stats(); s.ThrottledItems+s.ThrottledBulks > 0 {
			break
		}
	}
	s := ix.Stats()
	t.Logf("stats: %+v", s)
	if s.ThrottledItems+s.ThrottledBulks == 0 {
		t.Skipf("Elasticsearch throttled nothing in %d articles: this run could not test retries against the real node (TestBulkWriterPaths covers them with scripted answers)", total)
	}
	if err := ix.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	n, err := ix.Count(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if n != total {
		t.Errorf("count %d, want %d: throttled articles lost or doubled", n, total)
	}
	if s.Indexed != int64(total) || s.Failed != 0 || s.Rejected != 0 {
		t.Errorf("stats %+v: want %d indexed, none failed or rejected", s, total)
	}
}
