package app

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/parley-news/parley/pkg/bus"
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

// stagesIdleOnMetrics reports whether the parley at base shows no message
// pending or unacknowledged for its parser and indexer on /metrics.
func stagesIdleOnMetrics(base string) bool {
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		return false
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		return false
	}
	text := string(data)
	for _, m := range []string{"parley_consumer_pending_messages", "parley_consumer_ack_pending_messages"} {
		for _, c := range []string{"parser", "indexer"} {
			if !strings.Contains(text, m+`{consumer="`+c+`"} 0`+"\n") {
				return false
			}
		}
	}
	return true
}

// secondCopies opens the JetStream store of a stopped parley (its --data)
// and counts the messages in the articles and indexed streams beyond one
// per article: an article that went downstream twice.
func secondCopies(t *testing.T, data string) int {
	t.Helper()
	emb, err := bus.StartEmbedded(bus.EmbeddedConfig{StoreDir: filepath.Join(data, "nats")}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer emb.Shutdown()
	nc, err := emb.Connect()
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, stream := range []string{bus.StreamArticles, bus.StreamIndexed} {
		for _, c := range copiesByArticle(t, js, stream) {
			n += c - 1
		}
	}
	return n
}

// TestKillDuringIngest kills `parley run` with SIGKILL while it ingests
// 1,000 articles, restarts it on the same --data, and counts: every
// article once in the index, none lost, and none sent downstream twice
// (the index is keyed by article id, so a second copy could only show in
// the streams: they are counted after the second run stopped).
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

	second := startProc(t, bin, "run", args...)
	// Once the parser and indexer have nothing pending, a redelivery has
	// landed (it is pending or unacknowledged until then).
	waitFor(t, "every article after the restart, the stages idle", 5*time.Minute, func() bool {
		return searchable(base) >= len(want) && stagesIdleOnMetrics(base)
	})
	got := indexedIDs(t, base)
	second.stop(t)
	tl := countAgainst(want, got, len(got))
	copies := secondCopies(t, data)
	t.Logf("reliability: kill -9 parley run at %d/%d indexed; restart; expected %d, found %d, missing %d, unexpected %d, duplicates %d (second copies in PARLEY_ARTICLES/PARLEY_INDEXED %d)",
		atKill, len(want), tl.expected, len(got), tl.missing, tl.unexpected, tl.duplicates, copies)
	if tl.missing != 0 || tl.unexpected != 0 || tl.duplicates != 0 {
		t.Fatalf("after kill -9 and restart: missing %d, unexpected %d, duplicates %d", tl.missing, tl.unexpected, tl.duplicates)
	}
	if copies != 0 {
		t.Errorf("an article went downstream twice: %d second copies in the articles and indexed streams", copies)
	}
}
