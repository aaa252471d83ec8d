package app

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/parley-news/parley/pkg/bus"
	"github.com/parley-news/parley/pkg/index"
)

// eventReport is one report of pkg/event's labelled set.
type eventReport struct {
	ID        string    `json:"id"`
	Source    string    `json:"source"`
	Lang      string    `json:"lang"`
	Published time.Time `json:"published"`
	Title     string    `json:"title"`
	Body      string    `json:"body"`
}

// TestEventsEndToEnd is what a new user tries: three outlets' differently
// worded reports of one round of talks in Riyadh, one of them in Russian,
// and a report on different talks in Riyadh a week later, each outlet
// with its own feed, read by `parley run`. The three share an event_id,
// the fourth does not; /api/events shows the event with its outlets and
// languages; parley.events.> carries one message per event.
func TestEventsEndToEnd(t *testing.T) {
	reports := map[string]eventReport{}
	f, err := os.Open(filepath.Join("..", "event", "testdata", "events.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var r eventReport
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatal(err)
		}
		reports[r.ID] = r
	}
	f.Close()
	feeds := map[string][]string{ // outlet feed -> reports
		"northwire": {"e1-wire", "e2-en"},
		"gulf":      {"e1-gulf"},
		"vesti":     {"e1-ru"},
	}
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	for feed, ids := range feeds {
		mux.HandleFunc("/"+feed+".xml", func(w http.ResponseWriter, _ *http.Request) {
			var b bytes.Buffer
			fmt.Fprintf(&b, `<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>%s</title><link>%s/</link>`, html.EscapeString(reports[ids[0]].Source), srv.URL)
			for _, id := range ids {
				r := reports[id]
				u := srv.URL + "/" + feed + "/" + id + ".html"
				fmt.Fprintf(&b, "<item><title>%s</title><link>%s</link><guid>%s</guid><pubDate>%s</pubDate></item>",
					html.EscapeString(r.Title), u, u, r.Published.Format(time.RFC1123Z))
			}
			b.WriteString("</channel></rss>")
			w.Header().Set("Content-Type", "application/rss+xml")
			_, _ = w.Write(b.Bytes())
		})
		for _, id := range ids {
			r := reports[id]
			mux.HandleFunc("/"+feed+"/"+id+".html", func(w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("Content-Type", "text/html; charset=utf-8")
				fmt.Fprintf(w, `<!doctype html><html lang="%s"><head><title>%s</title><meta property="article:published_time" content="%s"></head><body><article><h1>%s</h1><p>%s</p></article></body></html>`,
					r.Lang, html.EscapeString(r.Title), r.Published.Format(time.RFC3339), html.EscapeString(r.Title), html.EscapeString(r.Body))
			})
		}
	}
	a, base := startApp(t, Config{AllowPrivate: true, FetchTimeout: 5 * time.Second},
		[]string{srv.URL + "/northwire.xml", srv.URL + "/gulf.xml", srv.URL + "/vesti.xml"})
	waitFor(t, "the four reports searchable and the stages idle", 90*time.Second, func() bool {
		return search(t, base, "*").Total >= 4 && idle(a.Bus().JetStream())
	})
	event := map[string]string{} // title -> event_id
	for _, h := range search(t, base, "*").Hits {
		event[h.Title] = h.EventID
	}
	first := event[reports["e1-wire"].Title]
	if first == "" {
		t.Fatalf("no event_id on the wire report: %v", event)
	}
	for _, id := range []string{"e1-gulf", "e1-ru"} {
		if got := event[reports[id].Title]; got != first {
			t.Errorf("%s (%s): event %q, want the wire report's %q", id, reports[id].Lang, got, first)
		}
	}
	if got := event[reports["e2-en"].Title]; got == first || got == "" {
		t.Errorf("different talks in Riyadh a week later: event %q (the first talks' is %q)", got, first)
	}
	if res := search(t, base, "event:"+first); res.Total != 3 {
		t.Errorf("event:%s finds %d articles, want 3", first, res.Total)
	}

	var evs struct {
		Total  int `json:"total"`
		Events []struct {
			ID          string             `json:"event_id"`
			Articles    int                `json:"articles"`
			FirstReport index.Record       `json:"first_report"`
			Outlets     []index.FacetCount `json:"outlets"`
			Languages   []index.FacetCount `json:"languages"`
		} `json:"events"`
	}
	if code := getJSON(t, base+"/api/events?q=*&sort=size", &evs); code != http.StatusOK {
		t.Fatalf("/api/events: status %d", code)
	}
	if evs.Total != 2 || len(evs.Events) != 2 {
		t.Fatalf("/api/events: %+v, want two events", evs)
	}
	e := evs.Events[0]
	got := fmt.Sprintf("%s %d first=%s outlets=%v languages=%v", e.ID, e.Articles, e.FirstReport.Title, e.Outlets, e.Languages)
	want := fmt.Sprintf("%s 3 first=%s outlets=[{Gulf Courier 1} {Northwire 1} {Vesti Mira 1}] languages=[{en 2} {ru 1}]", first, reports["e1-wire"].Title)
	if got != want {
		t.Errorf("/api/events:\n got %s\nwant %s", got, want)
	}

	res, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	metrics, _ := io.ReadAll(res.Body)
	res.Body.Close()
	for _, line := range []string{`parley_parser_events_total{outcome="new"} 2`, `parley_parser_events_total{outcome="joined"} 2`} {
		if !strings.Contains(string(metrics), line+"\n") {
			t.Errorf("/metrics lacks %s", line)
		}
	}

	// One message per event on parley.events.>, not one per article.
	ctx := context.Background()
	var n uint64
	waitFor(t, "the event alerts", 30*time.Second, func() bool {
		s, err := a.Bus().JetStream().Stream(ctx, bus.StreamAlerts)
		if err != nil {
			return false
		}
		info, err := s.Info(ctx, jetstream.WithSubjectFilter(bus.SubjectEvents+".>"))
		if err != nil {
			return false
		}
		n = 0
		for subj, c := range info.State.Subjects {
			if strings.HasPrefix(subj, bus.SubjectEvents+".") {
				n += c
			}
		}
		return n >= 2 && idle(a.Bus().JetStream())
	})
	if n != 2 {
		t.Errorf("%d messages on %s.>, want 2 (one per event)", n, bus.SubjectEvents)
	}
}
