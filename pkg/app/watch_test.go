package app_test

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/parley-news/parley/pkg/alert"
	"github.com/parley-news/parley/pkg/app"
	"github.com/parley-news/parley/pkg/bus"
	"github.com/parley-news/parley/pkg/cli"
	"github.com/parley-news/parley/pkg/internal/origin"
)

// watch runs `parley watch args...` in-process until it exits or d passes,
// and returns the alerts it printed.
func watch(t *testing.T, d time.Duration, natsArgs []string, args ...string) []alert.Alert {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	var out, errOut app.LockedBuffer
	env := cli.Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errOut, Getenv: func(string) string { return "" }}
	if code := cli.Main(ctx, append(append([]string{"watch"}, natsArgs...), args...), env); code != 0 {
		t.Fatalf("parley watch %v: exit %d: %s", args, code, errOut.String())
	}
	return decodeAlerts(t, out.String())
}

func decodeAlerts(t *testing.T, s string) []alert.Alert {
	t.Helper()
	var alerts []alert.Alert
	sc := bufio.NewScanner(strings.NewReader(s))
	for sc.Scan() {
		var a alert.Alert
		if err := json.Unmarshal(sc.Bytes(), &a); err != nil {
			t.Fatalf("watch printed a line that is not an alert: %q: %v", sc.Text(), err)
		}
		alerts = append(alerts, a)
	}
	return alerts
}

// TestWatchAsANewUser follows issue 7's walk-through: a config with rules,
// parley run against a local origin, then parley watch by rule, by entity
// subject, and by an ad hoc query that sees a feed added while it runs.
func TestWatchAsANewUser(t *testing.T) {
	o := app.StartOrigin(t, origin.Generated{})
	natsAddr := app.FreeAddr(t)
	data := t.TempDir()
	cfg := app.Config{
		Data: data, AllowPrivate: true, FetchTimeout: 5 * time.Second, NATSListen: natsAddr,
		Rules: []app.Rule{
			{Name: "putin-zelensky-summit", Query: `(Putin AND Zelensky) AND (summit OR meeting)`},
			{Name: "uae", Query: `country:AE`},
			{Name: "nothing", Query: `"no such phrase anywhere"`},
		},
	}
	a, base := app.StartApp(t, cfg, o.FeedURLs())
	// The embedded NATS requires the key parley generated under --data:
	// watch finds it there.
	natsArgs := []string{"--data", data, "--nats-listen", natsAddr}
	app.WaitFor(t, "all articles searchable", 90*time.Second, func() bool { return app.Search(t, base, "*").Total >= 13 })

	got := watch(t, 30*time.Second, natsArgs, "--rule", "putin-zelensky-summit", "--all", "--count", "1")
	if len(got) != 1 || got[0].Rule != "putin-zelensky-summit" || !strings.Contains(got[0].Article.Title, "Putin-Zelenskiy") {
		t.Errorf("--rule putin-zelensky-summit: %+v", got)
	}
	got = watch(t, 30*time.Second, natsArgs, "--rule", "uae", "--all", "--count", "2")
	if len(got) != 2 || got[0].Article.ID == got[1].Article.ID {
		t.Errorf("--rule uae --count 2: %+v", got)
	}
	if got := watch(t, 3*time.Second, natsArgs, "--rule", "nothing", "--all"); len(got) != 0 {
		t.Errorf("a rule that matches nothing printed %+v", got)
	}
	got = watch(t, 30*time.Second, natsArgs, "--subject", "parley.entities.country.AE", "--all", "--count", "4")
	if len(got) != 4 {
		t.Errorf("--subject parley.entities.country.AE: %d alerts, want the 4 articles naming the UAE", len(got))
	}

	// An ad hoc query watch sees an article from a feed added while it runs.
	js := a.Bus().JetStream()
	consumersBefore := consumers(t, js, bus.StreamIndexed)
	var out, errOut app.LockedBuffer
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	done := make(chan int, 1)
	go func() {
		env := cli.Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errOut, Getenv: func(string) string { return "" }}
		done <- cli.Main(ctx, append([]string{"watch", "--data", data, "--nats-listen", natsAddr}, "--query", `"grain corridor" AND country:TR`, "--count", "1"), env)
	}()
	// The watch follows new articles only: add the feed once its consumer
	// is there.
	app.WaitFor(t, "the watch's consumer on "+bus.StreamIndexed, 30*time.Second, func() bool {
		return consumers(t, js, bus.StreamIndexed) > consumersBefore
	})
	resp, err := http.Post(base+"/api/feeds", "application/json", strings.NewReader(`{"url":"`+o.URL+origin.FeedLate+`"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("POST /api/feeds: %s", resp.Status)
	}
	select {
	case code := <-done:
		alerts := decodeAlerts(t, out.String())
		if code != 0 || len(alerts) != 1 || !strings.Contains(alerts[0].Article.Title, "grain corridor") {
			t.Errorf("--query watch: exit %d, alerts %+v, stderr %s", code, alerts, errOut.String())
		}
	case <-time.After(100 * time.Second):
		t.Fatal("the --query watch never saw the article from the added feed")
	}
}

// consumers is how many consumers a stream has.
func consumers(t *testing.T, js jetstream.JetStream, stream string) int {
	t.Helper()
	s, err := js.Stream(context.Background(), stream)
	if err != nil {
		t.Fatal(err)
	}
	info, err := s.Info(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return info.State.Consumers
}
