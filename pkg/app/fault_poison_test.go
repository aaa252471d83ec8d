package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/parley-news/parley/pkg/app"
	"github.com/parley-news/parley/pkg/article"
	"github.com/parley-news/parley/pkg/bus"
	"github.com/parley-news/parley/pkg/cli"
)

// poisonSite serves one RSS feed of n items whose pages are ordinary
// articles, except the one at poisonAt: served as text/html, it is binary
// garbage with NUL bytes, which the extractor refuses as not HTML however
// often it is tried.
func poisonSite(n, poisonAt int) *httptest.Server {
	mux := http.NewServeMux()
	var srv *httptest.Server
	mux.HandleFunc("/feed.rss", func(w http.ResponseWriter, r *http.Request) {
		var b bytes.Buffer
		b.WriteString(`<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Poison Gazette</title><link>` + srv.URL + `/</link>`)
		for i := range n {
			link := fmt.Sprintf("%s/p/%d.html", srv.URL, i)
			if i == poisonAt {
				link = srv.URL + "/p/poison.html"
			}
			fmt.Fprintf(&b, "<item><title>Report number %d on the talks</title><link>%s</link><guid>%s</guid><pubDate>%s</pubDate><description>Summary of report %d.</description></item>",
				i, link, link, time.Date(2026, 1, 1, 0, i, 0, 0, time.UTC).Format(time.RFC1123Z), i)
		}
		b.WriteString("</channel></rss>")
		w.Header().Set("Content-Type", "application/rss+xml")
		w.Write(b.Bytes())
	})
	mux.HandleFunc("/p/poison.html", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		garbage := make([]byte, 8192)
		for i := range garbage {
			garbage[i] = byte(i * 7 % 256)
		}
		w.Write(garbage)
	})
	mux.HandleFunc("/p/", func(w http.ResponseWriter, r *http.Request) {
		var i int
		if _, err := fmt.Sscanf(r.URL.Path, "/p/%d.html", &i); err != nil {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, `<!doctype html><html lang="en"><head><title>Report number %d on the talks</title></head><body><article><h1>Report number %d on the talks</h1>`, i, i)
		for p := range 4 {
			fmt.Fprintf(w, "<p>Paragraph %d of report %d: the delegations met again in the afternoon and agreed to continue the talks on prisoner exchanges and humanitarian corridors next week.</p>", p, i)
		}
		fmt.Fprint(w, `</article></body></html>`)
	})
	srv = httptest.NewServer(mux)
	return srv
}

// TestPoisonPageDeadLettered feeds 40 articles, one of whose pages makes
// extraction fail every time. That page must reach parley.dlq.parser after
// MaxDeliver (5) deliveries with its error, every other article must be
// indexed, and `parley dlq list` / `parley dlq replay` must show it and put
// it back on its original subject.
func TestPoisonPageDeadLettered(t *testing.T) {
	if testing.Short() {
		t.Skip("waits for five deliveries with back-off (about 15 s)")
	}
	const n, poisonAt = 40, 20
	site := poisonSite(n, poisonAt)
	defer site.Close()
	natsAddr := app.FreeAddr(t)
	data := t.TempDir()
	a := app.RunApp(t, app.Config{
		Feeds: app.WriteFeedList(t, site.URL+"/feed.rss"), Data: data, HTTP: "127.0.0.1:0", NATSListen: natsAddr,
		AllowPrivate: true, PollInterval: time.Hour, FetchTimeout: 10 * time.Second,
	}, app.TestLogger(t))
	js := a.Bus().JetStream()
	ctx := context.Background()

	want := map[string]bool{}
	for i := range n {
		if i != poisonAt {
			c, _ := article.CanonicalURL(fmt.Sprintf("%s/p/%d.html", site.URL, i))
			want[article.ID(c)] = true
		}
	}
	indexedAtDLQ := -1
	app.WaitFor(t, "the poison page in parley.dlq.parser", 3*time.Minute, func() bool {
		if app.StreamMsgs(js, bus.StreamDLQ) >= 1 {
			indexedAtDLQ, _ = a.Backend().Count(ctx)
			return true
		}
		return false
	})
	app.WaitFor(t, "every other article indexed and the stages idle", 2*time.Minute, func() bool {
		c, _ := a.Backend().Count(ctx)
		return c >= len(want) && app.Idle(js)
	})
	found, missing := 0, 0
	for id := range want {
		if _, err := a.Article(ctx, id); err == nil {
			found++
		} else {
			missing++
		}
	}
	docs, _ := a.Backend().Count(ctx)
	t.Logf("reliability: poison page (text/html, binary) among %d items; %d/%d others already indexed when it was dead-lettered; expected %d indexed + 1 dead letter, found %d indexed (%d documents) + %d dead letter, duplicates %d",
		n, indexedAtDLQ, len(want), len(want), found, docs, app.StreamMsgs(js, bus.StreamDLQ), docs-found)
	if missing != 0 || docs != len(want) {
		t.Fatalf("indexed %d of %d (documents %d): the poison page held up or lost articles", found, len(want), docs)
	}

	// The dead letter carries the page, its error and its deliveries.
	m, err := lastDeadLetter(ctx, js)
	if err != nil {
		t.Fatal(err)
	}
	if e := m.Header.Get(bus.HeaderError); !strings.Contains(e, "not an html page") || !strings.Contains(e, "poison.html") {
		t.Errorf("dead letter error %q should name the page and say it is not html", e)
	}
	if d := m.Header.Get(bus.HeaderDeliveries); d != "5" {
		t.Errorf("dead letter after %s deliveries, want 5 (parser MaxDeliver)", d)
	}
	if s := m.Header.Get(bus.HeaderSubject); !strings.HasPrefix(s, bus.SubjectRaw+".") {
		t.Errorf("original subject %q", s)
	}
	raw, err := bus.DecodeRaw(m.Data)
	if err != nil || !strings.HasSuffix(raw.Item.Link, "/p/poison.html") {
		t.Errorf("dead letter payload: %v %+v", err, raw)
	}

	// parley dlq list shows it.
	cliRun := func(args ...string) (string, string, int) {
		var out, errOut bytes.Buffer
		env := cli.Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errOut, Getenv: func(string) string { return "" }}
		code := cli.Main(ctx, args, env)
		return out.String(), errOut.String(), code
	}
	out, errOut, code := cliRun("dlq", "list", "--data", data, "--nats-listen", natsAddr, "--stage", "parser")
	if code != 0 {
		t.Fatalf("dlq list: exit %d: %s", code, errOut)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 1 {
		t.Fatalf("dlq list printed %d lines, want 1:\n%s", len(lines), out)
	}
	var rec map[string]any
	if err := json.Unmarshal([]byte(lines[0]), &rec); err != nil {
		t.Fatalf("dlq list: %v: %s", err, lines[0])
	}
	if rec["stage"] != "parser" || !strings.Contains(fmt.Sprint(rec["error"]), "not an html page") || rec["deliveries"] != "5" {
		t.Errorf("dlq list record %v", rec)
	}

	// parley dlq replay puts it back on its subject: the parser tries it
	// again, fails five more times and dead-letters it again.
	rawBefore := app.StreamCount(t, js, bus.StreamRaw)
	_, errOut, code = cliRun("dlq", "replay", "--data", data, "--nats-listen", natsAddr, "--stage", "parser")
	if code != 0 || !strings.Contains(errOut, "replayed 1 dead letters") {
		t.Fatalf("dlq replay: exit %d: %s", code, errOut)
	}
	if got := app.StreamCount(t, js, bus.StreamRaw); got != rawBefore+1 {
		t.Errorf("after replay %s holds %d messages, want %d", bus.StreamRaw, got, rawBefore+1)
	}
	app.WaitFor(t, "the replayed page dead-lettered again", 3*time.Minute, func() bool { return app.StreamMsgs(js, bus.StreamDLQ) == 1 })
	m2, err := lastDeadLetter(ctx, js)
	if err != nil {
		t.Fatal(err)
	}
	if m2.Sequence == m.Sequence || m2.Header.Get(bus.HeaderDeliveries) != "5" {
		t.Errorf("after replay: dead letter seq %d (before %d), deliveries %s", m2.Sequence, m.Sequence, m2.Header.Get(bus.HeaderDeliveries))
	}
	if c, _ := a.Backend().Count(ctx); c != len(want) {
		t.Errorf("after replay the index holds %d, want %d", c, len(want))
	}
	t.Logf("dlq replay: republished to %s, dead-lettered again after %s deliveries", m.Header.Get(bus.HeaderSubject), m2.Header.Get(bus.HeaderDeliveries))
}

func lastDeadLetter(ctx context.Context, js jetstream.JetStream) (*jetstream.RawStreamMsg, error) {
	s, err := js.Stream(ctx, bus.StreamDLQ)
	if err != nil {
		return nil, err
	}
	return s.GetLastMsgForSubject(ctx, bus.SubjectDLQ+".parser")
}
