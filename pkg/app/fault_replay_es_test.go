package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/parley-news/parley/pkg/app"
	"github.com/parley-news/parley/pkg/cli"
	"github.com/parley-news/parley/pkg/index"
	"github.com/parley-news/parley/pkg/index/elastic"
	"github.com/parley-news/parley/pkg/internal/origin"
	"github.com/parley-news/parley/pkg/internal/sharedtest"
	"github.com/parley-news/parley/pkg/query"
)

// TestReplayIndexElastic runs parley on a real Elasticsearch, ingests 300
// articles, then adds a feed of 200 more and at once runs `parley replay
// index --into NAME`: the new index is filled from the kept articles while
// the live pipeline goes on ingesting into the old one, the alias moves to
// it in one step, and the articles published meanwhile are caught up.
// Afterwards the alias names only the new index, which holds all 500
// articles exactly once, and the old index is kept.
func TestReplayIndexElastic(t *testing.T) {
	esURL := sharedtest.ESURL(t)
	const feeds, items = 3, 100
	bodies := make([]string, 7)
	for i := range bodies {
		bodies[i] = strings.Repeat(fmt.Sprintf("Envoys met in Geneva for round %d of the talks on a ceasefire and prisoner exchanges, officials said. ", i), 6)
	}
	o := app.StartOrigin(t, origin.Generated{Feeds: feeds, Items: items, Bodies: bodies})
	late := app.StartOrigin(t, origin.Generated{Feeds: 1, Items: 200, Bodies: bodies})
	const first = feeds * items
	const total = first + 200
	list := app.WriteFeedList(t, o.GeneratedFeedURLs()...)
	alias := fmt.Sprintf("parley-replay-es-%d", time.Now().UnixNano())
	t.Cleanup(func() {
		for _, p := range []string{"/" + alias + "-*", "/_index_template/" + alias} {
			req, _ := http.NewRequest(http.MethodDelete, esURL+p, nil)
			if resp, err := http.DefaultClient.Do(req); err == nil {
				resp.Body.Close()
			}
		}
	})
	natsAddr := app.FreeAddr(t)
	data := t.TempDir()
	a := app.RunApp(t, app.Config{
		Feeds: list, Data: data, HTTP: "127.0.0.1:0", NATSListen: natsAddr,
		ESURL: esURL, ESIndex: alias,
		AllowPrivate: true, PollInterval: time.Hour, FetchTimeout: 10 * time.Second,
	}, app.TestLogger(t))
	ctx := context.Background()
	count := func() int {
		if r, ok := a.Backend().(interface{ Refresh(context.Context) error }); ok {
			_ = r.Refresh(ctx)
		}
		n, _ := a.Backend().Count(ctx)
		return n
	}
	app.WaitFor(t, "the first 300 articles indexed", 4*time.Minute, func() bool { return count() >= first })
	resp, err := http.Post("http://"+a.HTTPAddr()+"/api/feeds", "application/json", strings.NewReader(`{"url":"`+late.GeneratedFeedURLs()[0]+`"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("POST /api/feeds: %s", resp.Status)
	}
	atStart := count()

	cliRun := func(args ...string) (string, int) {
		var out, errOut bytes.Buffer
		env := cli.Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errOut, Getenv: func(string) string { return "" }}
		code := cli.Main(ctx, append(args, "--nats-listen", natsAddr, "--data", data, "--es-url", esURL, "--es-index", alias, "--log-level", "warn"), env)
		return errOut.String(), code
	}
	v := fmt.Sprintf("-v%d", elastic.MappingVersion)
	name := alias + v + "-rebuilt"
	msg, code := cliRun("replay", "index", "--into", name)
	if code != 0 {
		t.Fatalf("replay index: exit %d: %s", code, msg)
	}
	t.Logf("replay index (started with %d of %d articles indexed):\n%s", atStart, total, msg)
	for _, want := range []string{"filling " + name, "moved the alias " + alias + " from [" + alias + v + "] to " + name, "caught up with", "the old index " + alias + v + " is kept"} {
		if !strings.Contains(msg, want) {
			t.Errorf("replay index did not say %q", want)
		}
	}

	// Once the live stages are idle, anything more would be in the index
	// already (a duplicate or a stray).
	app.WaitFor(t, "every article indexed and the stages idle", 4*time.Minute, func() bool {
		return count() >= total && app.Idle(a.Bus().JetStream())
	})
	var aliases map[string]json.RawMessage
	getJSON(t, esURL+"/_alias/"+alias, &aliases)
	if _, ok := aliases[name]; !ok || len(aliases) != 1 {
		t.Errorf("alias %s names %v, want only %s", alias, keys(aliases), name)
	}
	var old struct {
		Count int `json:"count"`
	}
	getJSON(t, esURL+"/"+alias+v+"/_count", &old)
	t.Logf("old index %s%s kept with %d articles", alias, v, old.Count)

	seen := map[string]int{}
	res, err := a.Backend().Search(ctx, index.Request{Query: query.All{}, Size: total + 50})
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range res.Hits {
		seen[h.ID]++
	}
	dups := 0
	for _, n := range seen {
		dups += n - 1
	}
	if n := count(); n != total || len(seen) != total || dups != 0 || res.Total != total {
		t.Errorf("after the swap: count %d, search total %d, %d distinct ids, %d duplicates; want %d, no duplicates", n, res.Total, len(seen), dups, total)
	}
	var direct struct {
		Count int `json:"count"`
	}
	getJSON(t, esURL+"/"+name+"/_count", &direct)
	if direct.Count != total {
		t.Errorf("%s holds %d articles, want %d", name, direct.Count, total)
	}

	// Refusals: the alias's own name, and an index that exists already.
	for _, into := range []string{alias, name} {
		if msg, code := cliRun("replay", "index", "--into", into); code == 0 || !strings.Contains(msg, into) {
			t.Errorf("replay index --into %s: exit %d: %s", into, code, msg)
		}
	}
}

func getJSON(t *testing.T, u string, out any) {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s", u, resp.Status)
	}
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		t.Fatalf("GET %s: %v", u, err)
	}
}

func keys(m map[string]json.RawMessage) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
