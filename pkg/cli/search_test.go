package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/parley-news/parley/pkg/article"
	"github.com/parley-news/parley/pkg/index"
)

func TestSearchCommand(t *testing.T) {
	var asked string
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		asked = r.URL.RawQuery
		p := time.Date(2026, 1, 24, 10, 0, 0, 0, time.UTC)
		_ = json.NewEncoder(w).Encode(index.Result{Total: 1, Hits: []index.Hit{{
			ID: "a1", Title: "Lavrov in Riyadh", Source: "AP", URL: "https://apnews.com/x", PublishedAt: &p, Snippet: "Talks…",
			Quotes: []article.Quote{{Speaker: "Sergey Lavrov", Text: "We are ready"}, {Text: "no comment"}},
		}}})
	}))
	defer ts.Close()
	var out bytes.Buffer
	env := Env{Stdout: &out, Stderr: &out, Getenv: func(string) string { return "" }}
	if err := run(context.Background(), []string{"search", "--api", ts.URL, "--sort", "date", "speaker:Lavrov"}, env); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(asked, "sort=date") || !strings.Contains(asked, "q=speaker%3ALavrov") {
		t.Errorf("asked the API for %q", asked)
	}
	for _, want := range []string{"1 articles", "2026-01-24 10:00  Lavrov in Riyadh  [AP]", "“We are ready” — Sergey Lavrov", "“no comment” — unattributed"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}
