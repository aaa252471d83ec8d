package app

import (
	"context"
	"fmt"
	"net"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/parley-news/parley/pkg/bus"
)

// copiesByArticle reads a whole stream and counts its messages per article id.
func copiesByArticle(t *testing.T, js jetstream.JetStream, stream string) map[string]int {
	return copiesBy(t, js, stream, func(m jetstream.Msg) string { return m.Headers().Get(bus.HeaderArticleID) })
}

// copiesBy reads a whole stream and counts its messages per key.
func copiesBy(t *testing.T, js jetstream.JetStream, stream string, key func(jetstream.Msg) string) map[string]int {
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
		out[key(m)]++
	}
	return out
}

// TestSplitModeFaults runs the fetcher, parser, indexer and alerter as
// processes against an external nats-server while they ingest 600
// generated articles, kills each stage with SIGKILL in turn mid-stream and
// restarts it, then restarts the nats-server itself (same port, same
// store), and finally checks the index holds every article exactly once,
// no article went twice through the articles and indexed streams, and no
// story was alerted twice on one subject.
func TestSplitModeFaults(t *testing.T) {
	bin := parleyBinary(t)
	const feeds, items = 6, 100
	o, want := generatedOrigin(t, feeds, items)
	list := writeFeedList(t, o.GeneratedFeedURLs()...)
	total := len(want)

	store := t.TempDir()
	ns := startNATS(t, -1, store)
	port := ns.Addr().(*net.TCPAddr).Port
	url := ns.ClientURL()
	data := t.TempDir()
	common := []string{"--nats-url", url, "--http", "127.0.0.1:0", "--poll-interval", "1h", "--fetch-timeout", "10s", "--shutdown-timeout", "10s"}
	args := map[string][]string{
		"fetcher": append(append([]string{}, common...), "--feeds", list, "--allow-private-addresses"),
		"parser":  common,
		"indexer": append(append([]string{}, common...), "--data", data),
		"alerter": common,
	}
	roles := []string{"fetcher", "parser", "indexer", "alerter"}
	procs := map[string]*proc{}
	for _, role := range roles {
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
		procs[role].kill(t)
		faults = append(faults, fmt.Sprintf("kill -9 the %s process at %d/%d articles %s, restart it", role, n, total, what))
		t.Logf("killed the %s (SIGKILL) at %d/%d %s", role, n, total, what)
		procs[role] = startProc(t, bin, role, args[role]...)
	}
	kill("fetcher", bus.StreamRaw, "fetched", total/10)
	kill("parser", bus.StreamArticles, "parsed", total*3/10)
	kill("indexer", bus.StreamIndexed, "indexed", total/2)
	kill("alerter", bus.StreamIndexed, "indexed", total*6/10)

	waitFor(t, "70% indexed before restarting nats-server", 4*time.Minute, func() bool { return streamMsgs(js, bus.StreamIndexed) >= total*7/10 })
	n := streamMsgs(js, bus.StreamIndexed)
	ns.Shutdown()
	ns.WaitForShutdown()
	time.Sleep(2 * time.Second) // the stages see the server gone
	ns = startNATS(t, port, store)
	faults = append(faults, fmt.Sprintf("restart the nats-server (shutdown, 2 s down, same port and store) at %d/%d articles indexed", n, total))
	t.Logf("restarted nats-server at %d/%d indexed", n, total)

	settled := func() bool {
		return streamMsgs(js, bus.StreamIndexed) >= total && drained(js, bus.StreamRaw, "parser") &&
			drained(js, bus.StreamArticles, "indexer") && drained(js, bus.StreamIndexed, "alerter")
	}
	waitFor(t, "every article indexed and alerted on after the faults", 5*time.Minute, settled)
	// Stop the stages first, so that nothing is in flight while the
	// streams are counted (a redelivery would land after the count).
	for _, role := range roles {
		procs[role].stop(t)
	}
	if !settled() {
		t.Fatal("the stages stopped with messages pending")
	}
	articles := copiesByArticle(t, js, bus.StreamArticles)
	indexed := copiesByArticle(t, js, bus.StreamIndexed)
	alerts := copiesBy(t, js, bus.StreamAlerts, func(m jetstream.Msg) string { return m.Subject() + " " + m.Headers().Get(bus.HeaderArticleID) })
	got, docs := indexCount(t, filepath.Join(data, "index"))
	tl := countAgainst(want, got, docs)
	streamCopies := 0
	for _, c := range []map[string]int{articles, indexed} {
		for _, k := range c {
			streamCopies += k - 1
		}
	}
	alertCopies, entityAlerts := 0, 0
	for key, k := range alerts {
		alertCopies += k - 1
		if strings.HasPrefix(key, bus.SubjectEntities+".") {
			entityAlerts++
		}
	}
	for _, f := range faults {
		t.Logf("reliability: split mode, %s; load %d articles; expected %d, found %d, duplicates %d (missing %d, unexpected %d; second copies in PARLEY_ARTICLES/PARLEY_INDEXED %d; %d entity alerts, second copies per subject and story %d)",
			f, total, tl.expected, tl.found, tl.duplicates, tl.missing, tl.unexpected, streamCopies, entityAlerts, alertCopies)
	}
	if tl.missing != 0 || tl.unexpected != 0 || tl.duplicates != 0 || docs != total {
		t.Fatalf("after the faults: %d documents, missing %d, unexpected %d, duplicates %d", docs, tl.missing, tl.unexpected, tl.duplicates)
	}
	if streamCopies != 0 {
		t.Errorf("an article went downstream twice: %d second copies in the articles and indexed streams", streamCopies)
	}
	if entityAlerts == 0 {
		t.Error("no entity alerts: the alerter published nothing on parley.entities.*")
	}
	if alertCopies != 0 {
		t.Errorf("a story was alerted twice on one subject: %d second copies in PARLEY_ALERTS", alertCopies)
	}
}
