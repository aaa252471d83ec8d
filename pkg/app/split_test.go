package app

import (
	"context"
	"log/slog"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/parley-news/parley/pkg/bus"
	"github.com/parley-news/parley/pkg/internal/origin"
)

// sortedIDs lists each id as many times as it was hit, in order.
func sortedIDs(hits map[string]int) []string {
	var ids []string
	for id, n := range hits {
		for range n {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	return ids
}

// TestSplitModeMatchesRun runs the fetcher, parser and indexer as three
// processes against one external nats-server and checks they build the
// same index as `parley run` does from the same origin.
func TestSplitModeMatchesRun(t *testing.T) {
	bin := parleyBinary(t)
	o := startOrigin(t, origin.Generated{})
	feeds := writeFeedList(t, o.FeedURLs()...)

	// Split mode.
	ns := startNATS(t, -1, t.TempDir())
	url := ns.ClientURL()
	data := t.TempDir()
	common := []string{"--nats-url", url, "--http", "127.0.0.1:0", "--poll-interval", "1h", "--fetch-timeout", "5s"}
	fetcher := startProc(t, bin, "fetcher", append(common, "--feeds", feeds, "--allow-private-addresses")...)
	parser := startProc(t, bin, "parser", common...)
	indexer := startProc(t, bin, "indexer", append(common, "--data", data)...)

	nc, err := nats.Connect(url)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, _ := jetstream.New(nc)
	want := 9 + len(origin.BadPages)
	if !pollUntil(3*time.Minute, func() bool {
		return streamMsgs(js, bus.StreamIndexed) >= want && drained(js, bus.StreamArticles, "indexer")
	}) {
		t.Fatal("split mode did not index the origin's articles within 3 minutes")
	}
	for _, p := range []*proc{fetcher, parser, indexer} {
		p.stop(t)
	}
	splitHits, _ := indexCount(t, filepath.Join(data, "index"))
	splitIDs := sortedIDs(splitHits)

	// The same origin through parley run, in-process.
	runData := t.TempDir()
	a, stop, err := startRun(t, Config{Feeds: feeds, Data: runData, HTTP: "127.0.0.1:0", AllowPrivate: true, PollInterval: time.Hour, FetchTimeout: 5 * time.Second}, AllRoles, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	var n int
	if !pollUntil(2*time.Minute, func() bool {
		n, err = a.Backend().Count(context.Background())
		return err == nil && n >= want
	}) {
		t.Fatalf("parley run indexed %d of %d", n, want)
	}
	time.Sleep(time.Second)
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	runHits, _ := indexCount(t, filepath.Join(runData, "index"))
	runIDs := sortedIDs(runHits)

	if len(splitIDs) != want || !slices.Equal(splitIDs, runIDs) {
		t.Fatalf("split mode indexed %d articles %v\nparley run indexed %d %v", len(splitIDs), splitIDs, len(runIDs), runIDs)
	}
}
