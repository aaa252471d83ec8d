package api

import (
	"bufio"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/parley-news/parley/pkg/article"
	"github.com/parley-news/parley/pkg/index"
	"github.com/parley-news/parley/pkg/index/embedded"
	"github.com/parley-news/parley/pkg/index/indextest"
)

func newEmbeddedServer(t *testing.T, arts []*article.Article) *httptest.Server {
	t.Helper()
	ix, err := embedded.Open(embedded.Config{}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ix.Close() })
	for start := 0; start < len(arts); start += 1000 {
		for i, err := range ix.Index(context.Background(), arts[start:min(start+1000, len(arts))]) {
			if err != nil {
				t.Fatalf("index %d: %v", start+i, err)
			}
		}
	}
	reg := prometheus.NewRegistry()
	s, err := New(Config{Addr: "127.0.0.1:0"}, ix, nil, reg, reg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(s.Handler())
	t.Cleanup(ts.Close)
	return ts
}

// TestExportComplete exports more matches than a search can page to
// (10,000) and checks that every one comes, once, in both formats.
func TestExportComplete(t *testing.T) {
	const n = 10_500
	arts := indextest.Articles(n)
	ts := newEmbeddedServer(t, arts)
	tests := []struct {
		q    string
		want func(i int) bool
	}{
		{"*", func(int) bool { return true }},
		{"summit AND speaker:lavrov", func(i int) bool { return i%3 == 0 }},
		{"NOT summit", func(i int) bool { return i%3 != 0 }},
		{"published_at:[2026-01-02 TO 2026-01-03]", func(i int) bool { return i >= 1440 && i < 3*1440 }},
		{"nothing-matches", func(int) bool { return false }},
	}
	for _, tt := range tests {
		var want []string
		for i, a := range arts {
			if tt.want(i) {
				want = append(want, a.ID)
			}
		}
		for _, format := range []string{"csv", "jsonl"} {
			res, err := http.Get(ts.URL + "/api/export?format=" + format + "&q=" + url.QueryEscape(tt.q))
			if err != nil {
				t.Fatal(err)
			}
			if res.StatusCode != 200 {
				body, _ := io.ReadAll(res.Body)
				t.Fatalf("%s %q: status %d: %s", format, tt.q, res.StatusCode, body)
			}
			var got []string
			if format == "csv" {
				if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/csv") {
					t.Errorf("content type %q", ct)
				}
				rows, err := csv.NewReader(res.Body).ReadAll()
				if err != nil {
					t.Fatalf("%q: read csv: %v", tt.q, err)
				}
				if !slices.Equal(rows[0], exportColumns) {
					t.Fatalf("header %v", rows[0])
				}
				for _, row := range rows[1:] {
					got = append(got, row[0])
					if strings.HasPrefix(row[2], "=") {
						t.Fatalf("%s: title %q would run as a formula", row[0], row[2])
					}
				}
			} else {
				sc := bufio.NewScanner(res.Body)
				for sc.Scan() {
					var rec index.Record
					if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
						t.Fatalf("%q: line %q: %v", tt.q, sc.Text(), err)
					}
					got = append(got, rec.ID)
				}
				if err := sc.Err(); err != nil {
					t.Fatal(err)
				}
			}
			res.Body.Close()
			if c := res.Trailer.Get("X-Parley-Export-Count"); c != fmt.Sprint(len(want)) {
				t.Errorf("%s %q: count trailer %q, want %d", format, tt.q, c, len(want))
			}
			slices.Sort(got)
			if !slices.Equal(got, want) {
				t.Errorf("%s %q: exported %d articles, want %d (first difference %s)", format, tt.q, len(got), len(want), firstDiff(got, want))
			}
		}
	}
}

func TestExportRecord(t *testing.T) {
	arts := indextest.Articles(4)
	ts := newEmbeddedServer(t, arts)
	res, err := http.Get(ts.URL + "/api/export?format=csv&q=" + url.QueryEscape("speaker:lavrov"))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	rows, err := csv.NewReader(res.Body).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{
		exportColumns,
		{"art-000000", "https://example.org/news/0", `'=HYPERLINK("https://evil.example/0")`, "Example News", "2026-01-01T00:00:00Z", "en",
			"US; CH", "Antonio Guterres", "diplomacy", "s0", `Sergey Lavrov: We are ready, "in principle", to talk`, "e0"},
		{"art-000003", "https://example.org/news/3", "Report number 3, with a comma", "Example News", "2026-01-01T00:03:00Z", "en",
			"US; CH", "Antonio Guterres", "diplomacy", "s1", `Sergey Lavrov: We are ready, "in principle", to talk`, "e0"},
	}
	if !slices.EqualFunc(rows, want, slices.Equal) {
		t.Errorf("csv:\n%q\nwant\n%q", rows, want)
	}
	if cd := res.Header.Get("Content-Disposition"); !strings.HasPrefix(cd, `attachment; filename="parley-export-`) {
		t.Errorf("Content-Disposition %q", cd)
	}
	for _, tt := range []struct {
		path string
		code int
	}{
		{"/api/export?format=xlsx", 400},
		{"/api/export?q=" + url.QueryEscape("(unbalanced"), 400},
	} {
		res, err := http.Get(ts.URL + tt.path)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != tt.code {
			t.Errorf("%s: %d, want %d", tt.path, res.StatusCode, tt.code)
		}
	}
}

func firstDiff(a, b []string) string {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return fmt.Sprintf("at %d: %s vs %s", i, a[i], b[i])
		}
	}
	return "in length"
}
