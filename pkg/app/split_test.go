package app

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
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

// alertCounts is how many alerts each subject of PARLEY_ALERTS holds.
func alertCounts(t *testing.T, js jetstream.JetStream) map[string]uint64 {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s, err := js.Stream(ctx, bus.StreamAlerts)
	if err != nil {
		t.Fatal(err)
	}
	info, err := s.Info(ctx, jetstream.WithSubjectFilter(">"))
	if err != nil {
		t.Fatal(err)
	}
	return info.State.Subjects
}

// eventAlerts takes the new-event alerts (parley.events.*) out of alerts
// and checks there is one per event id among the indexed articles. Which
// report starts an event, and so a few event ids, depend on the order the
// parser takes articles in, which differs between one process and
// several: the two modes' event alerts are compared by this, not by
// subject. It returns the number of events.
func eventAlerts(t *testing.T, js jetstream.JetStream, alerts map[string]uint64) int {
	t.Helper()
	var n uint64
	for subj, c := range alerts {
		if strings.HasPrefix(subj, bus.SubjectEvents+".") {
			n += c
			delete(alerts, subj)
		}
	}
	events := copiesBy(t, js, bus.StreamIndexed, func(m jetstream.Msg) string {
		var a struct {
			EventID string `json:"event_id"`
		}
		if err := json.Unmarshal(m.Data(), &a); err != nil {
			t.Fatalf("indexed article: %v", err)
		}
		return a.EventID
	})
	if _, ok := events[""]; ok {
		t.Errorf("%d indexed articles without an event_id", events[""])
		delete(events, "")
	}
	if n != uint64(len(events)) || n == 0 {
		t.Errorf("%d new-event alerts for %d events among the indexed articles, want one per event", n, len(events))
	}
	return len(events)
}

// checkRecentAlerts asks the API at base for the rule's alerts
// (GET /api/alerts) and checks it lists the n the stream holds, newest
// first.
func checkRecentAlerts(t *testing.T, base, rule string, n uint64) {
	t.Helper()
	var got struct {
		Rule   string `json:"rule"`
		Alerts []struct {
			Time    time.Time `json:"time"`
			Rule    string    `json:"rule"`
			Article struct {
				ID string `json:"id"`
			} `json:"article"`
		} `json:"alerts"`
	}
	if code := getJSON(t, base+"/api/alerts?rule="+rule+"&limit=200", &got); code != 200 {
		t.Fatalf("GET /api/alerts?rule=%s: %d", rule, code)
	}
	if n == 0 || uint64(len(got.Alerts)) != n {
		t.Errorf("GET %s/api/alerts?rule=%s: %d alerts, the stream holds %d", base, rule, len(got.Alerts), n)
	}
	for i, a := range got.Alerts {
		if a.Rule != rule || a.Article.ID == "" || (i > 0 && a.Time.After(got.Alerts[i-1].Time)) {
			t.Errorf("alert %d %+v: want the rule's, with an article, newest first", i, a)
		}
	}
}

// postRule stores a rule through the API at base.
func postRule(t *testing.T, base, body string) {
	t.Helper()
	resp, err := http.Post(base+"/api/rules", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		msg, _ := io.ReadAll(resp.Body)
		t.Fatalf("POST /api/rules %s: %s %s", body, resp.Status, msg)
	}
}

// TestSplitModeMatchesRun runs every role as a process of its own (the
// fetcher, parser, indexer, alerter and api, as the compose file and the
// Kubernetes manifests do) against one external nats-server, with a rule
// stored through `parley api`, and checks they build the same index and
// publish the same alerts, rule and entity subjects, as `parley run` does
// from the same origin.
func TestSplitModeMatchesRun(t *testing.T) {
	bin := parleyBinary(t)
	o := startOrigin(t, origin.Generated{})
	feeds := writeFeedList(t, o.FeedURLs()...)
	const rule = `{"name":"uae","query":"country:AE OR \"Abu Dhabi\""}`

	// Split mode: the rule is stored through the api process before the
	// fetcher starts, so the alerter has it for every article.
	ns := startNATS(t, -1, t.TempDir())
	url := ns.ClientURL()
	data := t.TempDir()
	common := []string{"--nats-url", url, "--http", "127.0.0.1:0", "--poll-interval", "1h", "--fetch-timeout", "5s"}
	apiAddr := freeAddr(t)
	apiProc := startProc(t, bin, "api", "--nats-url", url, "--http", apiAddr, "--data", t.TempDir())
	apiBase := "http://" + apiAddr
	waitFor(t, "parley api healthy", time.Minute, func() bool {
		resp, err := http.Get(apiBase + "/healthz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})
	postRule(t, apiBase, rule)
	alerter := startProc(t, bin, "alerter", common...)
	parser := startProc(t, bin, "parser", common...)
	indexer := startProc(t, bin, "indexer", append(common, "--data", data)...)
	fetcher := startProc(t, bin, "fetcher", append(common, "--feeds", feeds, "--allow-private-addresses")...)

	nc, err := nats.Connect(url)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, _ := jetstream.New(nc)
	want := 9 + len(origin.BadPages)
	waitFor(t, "split mode to index and alert on the origin's articles", 3*time.Minute, func() bool {
		return streamMsgs(js, bus.StreamIndexed) >= want && drained(js, bus.StreamArticles, "indexer") && drained(js, bus.StreamIndexed, "alerter")
	})
	var listed struct {
		Rules []struct{ Name, Source string }
	}
	if code := getJSON(t, apiBase+"/api/rules", &listed); code != 200 || len(listed.Rules) != 1 || listed.Rules[0].Name != "uae" || listed.Rules[0].Source != "api" {
		t.Errorf("parley api GET /api/rules: %d %+v, want the stored rule uae", code, listed)
	}
	splitAlerts := alertCounts(t, js)
	splitEvents := eventAlerts(t, js, splitAlerts)
	checkRecentAlerts(t, apiBase, "uae", splitAlerts["parley.alerts.uae"])
	for _, p := range []*proc{fetcher, parser, indexer, alerter, apiProc} {
		p.stop(t)
	}
	splitHits, _ := indexCount(t, filepath.Join(data, "index"))
	splitIDs := sortedIDs(splitHits)

	// The same origin through parley run, in-process, the rule stored
	// through its API before its feeds are added.
	runData := t.TempDir()
	a, stop, err := startRun(t, Config{Data: runData, HTTP: "127.0.0.1:0", AllowPrivate: true, PollInterval: time.Hour, FetchTimeout: 5 * time.Second}, AllRoles, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	runBase := "http://" + a.HTTPAddr()
	postRule(t, runBase, rule)
	for _, u := range o.FeedURLs() {
		resp, err := http.Post(runBase+"/api/feeds", "application/json", strings.NewReader(`{"url":"`+u+`"}`))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	var n int
	runJS := a.Bus().JetStream()
	waitFor(t, "parley run to index and alert on the origin's articles", 2*time.Minute, func() bool {
		n, err = a.Backend().Count(context.Background())
		return err == nil && n >= want && drained(runJS, bus.StreamArticles, "indexer") && drained(runJS, bus.StreamIndexed, "alerter")
	})
	runAlerts := alertCounts(t, runJS)
	runEvents := eventAlerts(t, runJS, runAlerts)
	checkRecentAlerts(t, runBase, "uae", runAlerts["parley.alerts.uae"])
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	runHits, _ := indexCount(t, filepath.Join(runData, "index"))
	runIDs := sortedIDs(runHits)

	if len(splitIDs) != want || !slices.Equal(splitIDs, runIDs) {
		t.Fatalf("split mode indexed %d articles %v\nparley run indexed %d %v", len(splitIDs), splitIDs, len(runIDs), runIDs)
	}
	t.Logf("events: %d in split mode, %d in parley run", splitEvents, runEvents)
	if !maps.Equal(splitAlerts, runAlerts) {
		t.Errorf("alerts by subject:\nsplit mode %v\nparley run %v", splitAlerts, runAlerts)
	}
	kinds := map[string]uint64{}
	for subj, c := range splitAlerts {
		for _, k := range []string{"parley.alerts.uae", "parley.entities.country.", "parley.entities.person."} {
			if strings.HasPrefix(subj, k) {
				kinds[k] += c
			}
		}
	}
	if len(kinds) != 3 {
		t.Errorf("split mode alerts by kind %v, want the rule's and both entity kinds (all subjects: %v)", kinds, splitAlerts)
	}
	t.Logf("split mode alerts by kind: %v", kinds)
}
