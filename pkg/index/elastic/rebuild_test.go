package elastic

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/parley-news/parley/pkg/article"
	"github.com/parley-news/parley/pkg/permanent"
)

// TestLaterFetchWins writes versions of one article out of order: the
// latest fetch stays, an earlier one is reported as written (superseded,
// not an error), and a re-parse of the same fetch replaces the document.
func TestLaterFetchWins(t *testing.T) {
	ix := openTest(t, nil)
	ctx := context.Background()
	at := func(min int) *time.Time {
		tm := time.Date(2026, 2, 1, 10, min, 0, 0, time.UTC)
		return &tm
	}
	version := func(title string, fetched *time.Time) *article.Article {
		return &article.Article{ID: "a1", URL: "https://example.org/a1", Title: title, Body: title + " body", FetchedAt: fetched}
	}
	steps := []struct {
		a    *article.Article
		want string
	}{
		{version("second fetch", at(2)), "second fetch"},
		{version("first fetch", at(1)), "second fetch"},                                // older: superseded
		{version("second fetch, better parser", at(2)), "second fetch, better parser"}, // same fetch: replaced
		{version("third fetch", at(3)), "third fetch"},
		{version("no fetch time", nil), "no fetch time"}, // unversioned: last write wins
	}
	for _, s := range steps {
		if err := ix.Index(ctx, []*article.Article{s.a})[0]; err != nil {
			t.Fatalf("index %q: %v", s.a.Title, err)
		}
		got, err := ix.Article(ctx, "a1")
		if err != nil {
			t.Fatal(err)
		}
		if got.Title != s.want {
			t.Errorf("after writing %q the index holds %q, want %q", s.a.Title, got.Title, s.want)
		}
	}
	if st := ix.Stats(); st.Superseded != 1 || st.Rejected != 0 {
		t.Errorf("stats %+v: want 1 superseded, 0 rejected", st)
	}
	if err := ix.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	if n, err := ix.Count(ctx); err != nil || n != 1 {
		t.Errorf("count %d (%v), want 1", n, err)
	}
}

// TestCreateAndSwapAlias fills a new index outside the alias while the
// live index takes writes through the alias, then moves the alias in one
// step: searches and writes go to the new index, the old one is kept.
func TestCreateAndSwapAlias(t *testing.T) {
	live := openTest(t, nil)
	url := ixURL(live)
	ctx := context.Background()
	arts := fixtures(t)
	mustIndex(t, live, arts[:3])

	cfg := live.cfg
	name := live.Alias() + "-rebuilt"
	for _, bad := range []string{live.Alias(), "Upper", "a b", "_x"} {
		if _, err := Create(ctx, cfg, bad, testLogger(t)); err == nil {
			t.Errorf("Create(%q) succeeded", bad)
		}
	}
	fresh, err := Create(ctx, cfg, name, testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	defer fresh.Close()
	if _, err := Create(ctx, cfg, name, testLogger(t)); err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Errorf("Create over an existing index: %v", err)
	}
	mustIndex(t, fresh, arts)
	// The alias still names only the old index.
	if n, _ := live.Count(ctx); n != 3 {
		t.Errorf("live count before the swap %d, want 3", n)
	}
	old, err := fresh.SwapAlias(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{live.IndexName()}; !slices.Equal(old, want) {
		t.Errorf("swap returned %v, want %v", old, want)
	}
	var aliases map[string]any
	rawJSON(t, url, http.MethodGet, "/_alias/"+live.Alias(), nil, &aliases)
	if _, ok := aliases[name]; !ok || len(aliases) != 1 {
		t.Errorf("alias names %v, want only %s", aliases, name)
	}
	// Through the alias (the live Index) reads and writes reach the new index.
	if n, _ := live.Count(ctx); n != len(arts) {
		t.Errorf("live count after the swap %d, want %d", n, len(arts))
	}
	extra := *arts[0]
	extra.ID = "after-swap"
	mustIndex(t, live, []*article.Article{&extra})
	if _, err := fresh.Article(ctx, "after-swap"); err != nil {
		t.Errorf("a write through the alias after the swap is not in the new index: %v", err)
	}
	// The old index is kept.
	if st, _ := rawDo(t, url, http.MethodHead, "/"+live.IndexName(), nil); st != http.StatusOK {
		t.Errorf("old index %s: status %d, want it kept", live.IndexName(), st)
	}
	// A second swap is a no-op that names no old index.
	if old, err := fresh.SwapAlias(ctx); err != nil || len(old) != 0 {
		t.Errorf("second swap: %v, %v", old, err)
	}
	// Open on the alias now finds the new index.
	re, err := Open(ctx, cfg, testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	defer re.Close()
	if re.IndexName() != name {
		t.Errorf("reopened on %s, want %s", re.IndexName(), name)
	}
	if _, err := live.SwapAlias(ctx); err == nil {
		t.Error("SwapAlias on an Index opened through the alias succeeded")
	}
}

// TestIndexEncoded stores articles with the JSON the indexer received:
// Article returns them as they were, and a broken encoding fails that
// article alone, for good.
func TestIndexEncoded(t *testing.T) {
	ix := openTest(t, nil)
	ctx := context.Background()
	arts := fixtures(t)
	raw := make([][]byte, len(arts))
	for i, a := range arts {
		data, err := json.Marshal(a)
		if err != nil {
			t.Fatal(err)
		}
		raw[i] = data
	}
	raw[1] = []byte(`{"id": broken`)
	errs := ix.IndexEncoded(ctx, arts, raw)
	for i, err := range errs {
		if i == 1 {
			if err == nil || !permanent.Is(err) {
				t.Errorf("broken encoding: %v, want a permanent error", err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("index %s: %v", arts[i].ID, err)
		}
	}
	for i, a := range arts {
		if i == 1 {
			continue
		}
		got, err := ix.Article(ctx, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		gj, _ := json.Marshal(got)
		if string(gj) != string(raw[i]) {
			t.Errorf("article %s comes back as\n%s\nwant\n%s", a.ID, gj, raw[i])
		}
	}
}
