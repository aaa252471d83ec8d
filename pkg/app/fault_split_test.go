package app

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/parley-news/parley/pkg/article"
	"github.com/parley-news/parley/pkg/bus"
	"github.com/parley-news/parley/pkg/index"
	"github.com/parley-news/parley/pkg/index/embedded"
	"github.com/parley-news/parley/pkg/internal/origin"
	"github.com/parley-news/parley/pkg/query"
)

// startNATSAt runs a nats-server with JetStream on 127.0.0.1:port (-1 for a
// random port) over storeDir, so that a test can stop it and start another
// on the same port and store.
func startNATSAt(t *testing.T, port int, storeDir string, opts ...func(*server.Options)) *server.Server {
	t.Helper()
	o := &server.Options{ServerName: "parley-test", Host: "127.0.0.1", Port: port, JetStream: true, StoreDir: storeDir, NoSigs: true, MaxPayload: 8 << 20}
	for _, f := range opts {
		f(o)
	}
	srv, err := server.NewServer(o)
	if err != nil {
		t.Fatal(err)
	}
	go srv.Start()
	if !srv.ReadyForConnections(30 * time.Second) {
		t.Fatal("nats-server not ready")
	}
	t.Cleanup(srv.Shutdown)
	return srv
}

// generatedIDs are the article ids of the origin's generated feeds.
func generatedIDs(o *origin.Origin, feeds, items int) map[string]bool {
	want := map[string]bool{}
	for i := range feeds {
		for j := range items {
			c, _ := article.CanonicalURL(fmt.Sprintf("%s/gen/%d/%d.html", o.URL, i, j))
			want[article.ID(c)] = true
		}
	}
	return want
}

// streamMsgs is how many messages a stream holds, -1 while it cannot be read.
func streamMsgs(js jetstream.JetStream, name string) int {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	s, err := js.Stream(ctx, name)
	if err != nil {
		return -1
	}
	info, err := s.Info(ctx)
	if err != nil {
		return -1
	}
	return int(info.State.Msgs)
}

// drained reports whether a durable consumer has nothing pending or unacknowledged.
func drained(js jetstream.JetStream, stream, durable string) bool {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	c, err := js.Consumer(ctx, stream, durable)
	if err != nil {
		return false
	}
	ci, err := c.Info(ctx)
	return err == nil && ci.NumPending == 0 && ci.NumAckPending == 0
}

// copiesByArticle reads a whole stream and counts its messages per article id.
func copiesByArticle(t *testing.T, js jetstream.JetStream, stream string) map[string]int {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cons, err := js.OrderedConsumer(ctx, stream, jetstream.OrderedConsumerConfig{})
	if err != nil {
		t.Fatalf("read %s: %v", stream, err)
	}
	out := map[string]int{}
	total := streamMsgs(js, stream)
	for n := 0; n < total; n++ {
		m, err := cons.Next(jetstream.FetchMaxWait(5 * time.Second))
		if err != nil {
			t.Fatalf("read %s after %d of %d: %v", stream, n, total, err)
		}
		out[m.Headers().Get(bus.HeaderArticleID)]++
	}
	return out
}

// indexCount opens the embedded index in dir (no process may hold it) and
// returns every id it holds with the number of hits for it when paging
// through all documents, and its document count.
func indexCount(t *testing.T, dir string) (map[string]int, int) {
	t.Helper()
	ix, err := embedded.Open(embedded.Config{Path: dir}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	ctx := context.Background()
	total, err := ix.Count(ctx)
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]int{}
	for from := 0; from < total+100; from += 100 {
		res, err := ix.Search(ctx, index.Request{Query: query.All{}, From: from, Size: 100})
		if err != nil {
			t.Fatal(err)
		}
		for _, h := range res.Hits {
			ids[h.ID]++
		}
		if len(res.Hits) < 100 {
			break
		}
	}
	return ids, total
}

// tally compares what the index holds with what was expected.
type tally struct {
	expected, found, missing, unexpected, duplicates int
}

func countAgainst(want map[string]bool, got map[string]int, docs int) tally {
	tl := tally{expected: len(want)}
	for id := range want {
		if got[id] > 0 {
			tl.found++
		} else {
			tl.missing++
		}
	}
	for id, n := range got {
		if !want[id] {
			tl.unexpected++
		}
		tl.duplicates += n - 1
	}
	// A document the paging did not return (or returned twice) is a copy too.
	tl.duplicates += docs - len(got)
	return tl
}

// TestSplitModeFaults runs the fetcher, parser and indexer as three
// processes against an external nats-server while they ingest 600
// generated articles, kills each stage with SIGKILL in turn mid-stream and
// restarts it, then restarts the nats-server itself (same port, same
// store), and finally checks the index holds every article exactly once.
func TestSplitModeFaults(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the parley binary")
	}
	bin, err := buildParley()
	if err != nil {
		t.Fatal(err)
	}
	const feeds, items = 6, 100
	o, err := origin.Start(origin.Generated{Feeds: feeds, Items: items, Bodies: benchBodies(t)})
	if err != nil {
		t.Fatal(err)
	}
	defer o.Close()
	list := filepath.Join(t.TempDir(), "feeds.txt")
	if err := os.WriteFile(list, []byte(strings.Join(o.GeneratedFeedURLs(), "\n")), 0o600); err != nil {
		t.Fatal(err)
	}
	want := generatedIDs(o, feeds, items)
	total := len(want)

	store := t.TempDir()
	ns := startNATSAt(t, -1, store)
	port := ns.Addr().(*net.TCPAddr).Port
	url := ns.ClientURL()
	data := t.TempDir()
	common := []string{"--nats-url", url, "--http", "127.0.0.1:0", "--poll-interval", "1h", "--fetch-timeout", "10s", "--shutdown-timeout", "10s"}
	args := map[string][]string{
		"fetcher": append(append([]string{}, common...), "--feeds", list, "--allow-private-addresses"),
		"parser":  common,
		"indexer": append(append([]string{}, common...), "--data", data),
	}
	procs := map[string]*proc{}
	for _, role := range []string{"fetcher", "parser", "indexer"} {
		procs[role] = startProc(t, bin, role, args[role]...)
	}

	nc, err := nats.Connect(url, nats.MaxReconnects(-1), nats.ReconnectWait(100*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}

	var faults []string
	kill := func(role, stream, what string, at int) {
		waitFor(t, fmt.Sprintf("%d %s before killing the %s", at, what, role), 4*time.Minute, func() bool { return streamMsgs(js, stream) >= at })
		n := streamMsgs(js, stream)
		p := procs[role]
		if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		_ = p.cmd.Wait()
		faults = append(faults, fmt.Sprintf("kill -9 the %s process at %d/%d articles %s, restart it", role, n, total, what))
		t.Logf("killed the %s (SIGKILL) at %d/%d %s", role, n, total, what)
		procs[role] = startProc(t, bin, role, args[role]...)
	}
	kill("fetcher", bus.StreamRaw, "fetched", total/10)
	kill("parser", bus.StreamArticles, "parsed", total*3/10)
	kill("indexer", bus.StreamIndexed, "indexed", total/2)

	waitFor(t, "70% indexed before restarting nats-server", 4*time.Minute, func() bool { return streamMsgs(js, bus.StreamIndexed) >= total*7/10 })
	n := streamMsgs(js, bus.StreamIndexed)
	ns.Shutdown()
	ns.WaitForShutdown()
	time.Sleep(2 * time.Second) // the stages see the server gone
	ns = startNATSAt(t, port, store)
	faults = append(faults, fmt.Sprintf("restart the nats-server (shutdown, 2 s down, same port and store) at %d/%d articles indexed", n, total))
	t.Logf("restarted nats-server at %d/%d indexed", n, total)

	deadline := time.Now().Add(5 * time.Minute)
	for time.Now().Before(deadline) {
		if streamMsgs(js, bus.StreamIndexed) >= total && drained(js, bus.StreamRaw, "parser") && drained(js, bus.StreamArticles, "indexer") {
			break
		}
		time.Sleep(500 * time.Millisecond)
	}
	time.Sleep(2 * time.Second) // anything redelivered lands now
	articles := copiesByArticle(t, js, bus.StreamArticles)
	indexed := copiesByArticle(t, js, bus.StreamIndexed)
	for _, role := range []string{"fetcher", "parser", "indexer"} {
		procs[role].stop(t)
	}
	got, docs := indexCount(t, filepath.Join(data, "index"))
	tl := countAgainst(want, got, docs)
	streamCopies := 0
	for _, c := range []map[string]int{articles, indexed} {
		for _, k := range c {
			streamCopies += k - 1
		}
	}
	for _, f := range faults {
		t.Logf("reliability: split mode, %s; load %d articles; expected %d, found %d, duplicates %d (missing %d, unexpected %d; second copies in PARLEY_ARTICLES/PARLEY_INDEXED %d)",
			f, total, tl.expected, tl.found, tl.duplicates, tl.missing, tl.unexpected, streamCopies)
	}
	if tl.missing != 0 || tl.unexpected != 0 || tl.duplicates != 0 || docs != total {
		t.Fatalf("after the faults: %d documents, missing %d, unexpected %d, duplicates %d", docs, tl.missing, tl.unexpected, tl.duplicates)
	}
	if streamCopies != 0 {
		t.Errorf("an article went downstream twice: %d second copies in the articles and indexed streams", streamCopies)
	}
}
