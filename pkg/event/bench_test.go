package event

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"testing"
	"time"

	"github.com/parley-news/parley/pkg/article"
	"github.com/parley-news/parley/pkg/enrich"
	"github.com/parley-news/parley/pkg/extract"
	"github.com/parley-news/parley/pkg/feed"
	"github.com/parley-news/parley/pkg/internal/sharedtest"
	"github.com/parley-news/parley/pkg/story"
)

// benchCorpus returns enriched articles to assign: the labelled reports,
// and the 181 article bodies of ../shared/bench/extraction when present
// (real coverage, so keys as real articles have them).
func benchCorpus(b *testing.B) []*article.Article {
	b.Helper()
	gaz, err := enrich.NewGazetteer()
	if err != nil {
		b.Fatal(err)
	}
	en, err := enrich.New(enrich.Config{}, gaz)
	if err != nil {
		b.Fatal(err)
	}
	var out []*article.Article
	for _, l := range readLabelled(b, filepath.Join("testdata", "events.jsonl")) {
		out = append(out, &article.Article{Title: l.Title, Body: l.Body})
	}
	if dir, ok := sharedtest.Find("bench/extraction"); ok {
		if raw, err := os.ReadFile(filepath.Join(dir, "ground-truth.json")); err == nil {
			var gt map[string]struct {
				Title       string `json:"title"`
				ArticleBody string `json:"articleBody"`
			}
			if err := json.Unmarshal(raw, &gt); err != nil {
				b.Fatal(err)
			}
			for _, v := range gt {
				out = append(out, &article.Article{Title: v.Title, Body: v.ArticleBody})
			}
		}
	}
	for _, a := range out {
		en.Enrich(a)
	}
	return out
}

// BenchmarkAssign assigns the corpus over and over as new articles, one
// every 5 seconds of publication time, so that 26,000 are within Gap of
// each other and the index holds its 50,000 signature cap: the cost of
// one assignment (keys, candidates through the postings, similarities,
// insertion and eviction) with every key's postings full.
func BenchmarkAssign(b *testing.B) {
	ctx := context.Background()
	corpus := benchCorpus(b)
	start := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	var now time.Time
	ix, err := New(Config{Now: func() time.Time { return now }}, nil)
	if err != nil {
		b.Fatal(err)
	}
	// Fill to the cap first, so that b.N assignments all see a full index.
	n := 0
	assign := func() {
		p := start.Add(time.Duration(n) * 5 * time.Second)
		now = p
		a := *corpus[n%len(corpus)]
		a.ID, a.PublishedAt = fmt.Sprint("b", n), &p
		if _, err := ix.Assign(ctx, &a); err != nil {
			b.Fatal(err)
		}
		n++
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	for ix.Len() < ix.cfg.MaxSignatures {
		assign()
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		assign()
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "articles/s")
	b.ReportMetric(float64(ix.Len()), "signatures")
	b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/float64(1<<20), "heap_MB_at_cap")
	b.ReportMetric(float64(len(corpus)), "distinct_texts")
}

// BenchmarkLabelledSet runs enrichment, stories and events over the
// labelled set, and the held-out set, and reports the pairwise precision and recall of event_id
// and of story_id against the labels (story_id as the only grouping
// parley had before events), and how they move with the threshold.
func BenchmarkLabelledSet(b *testing.B) {
	set := readLabelled(b, tuningSet)
	held := readLabelled(b, heldOutSet)
	var cs, hs []clustered
	for b.Loop() {
		cs = runPipeline(b, set, Config{})
		hs = runPipeline(b, held, Config{})
	}
	p, r, _, _, _ := pairwise(cs, byEvent, byEventID)
	sp, sr, _, _, _ := pairwise(cs, byEvent, byStoryID)
	b.ReportMetric(p, "event_P")
	b.ReportMetric(r, "event_R")
	b.ReportMetric(sp, "story_P")
	b.ReportMetric(sr, "story_R")
	b.ReportMetric(float64(len(cs)), "articles")
	hp, hr, _, _, _ := pairwise(hs, byEvent, byEventID)
	hsp, hsr, _, _, _ := pairwise(hs, byEvent, byStoryID)
	b.ReportMetric(hp, "heldout_event_P")
	b.ReportMetric(hr, "heldout_event_R")
	b.ReportMetric(hsp, "heldout_story_P")
	b.ReportMetric(hsr, "heldout_story_R")
	// One line each: go test shows at most ten lines of a benchmark's log.
	line := "tuning set, event_id pairwise precision/recall by threshold:"
	for _, th := range []float64{0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5} {
		p, r, _, _, _ := pairwise(runPipeline(b, set, Config{Threshold: th}), byEvent, byEventID)
		line += fmt.Sprintf(" %.2f: %.2f/%.2f", th, p, r)
	}
	b.Log(line)
	line = "tuning set, event_id pairwise precision/recall by gap:"
	for _, gap := range []time.Duration{12 * time.Hour, 24 * time.Hour, 36 * time.Hour, 72 * time.Hour, 7 * 24 * time.Hour} {
		p, r, _, _, _ := pairwise(runPipeline(b, set, Config{Gap: gap, Window: max(gap, 96*time.Hour)}), byEvent, byEventID)
		line += fmt.Sprintf(" %v: %.2f/%.2f", gap, p, r)
	}
	b.Log(line)
}

// BenchmarkCapturedFeeds runs enrichment, stories and events over the items (title
// and feed text) of the captured real feeds in ../shared/fixtures/feeds,
// each at its own date, and reports how many pairs of items got one
// event: with the same title (one post carried by two of the captured
// feeds: they should share it) and with different titles (these feeds
// are of unrelated outlets and years, so most such pairs are wrong
// joins, though some are one event: several reports of one State of the
// Union night). Nothing is labelled beyond the titles; it is a check
// against joining what real feeds put side by side, not a P/R figure.
func BenchmarkCapturedFeeds(b *testing.B) {
	dir, ok := sharedtest.Find("fixtures/feeds/real-world")
	if !ok {
		b.Skip("../shared/fixtures/feeds not present")
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*"))
	gaz, err := enrich.NewGazetteer()
	if err != nil {
		b.Fatal(err)
	}
	en, err := enrich.New(enrich.Config{}, gaz)
	if err != nil {
		b.Fatal(err)
	}
	var items []*article.Article
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		fd, err := feed.Parse(raw, "", "")
		if err != nil {
			continue // the fixtures include broken feeds on purpose
		}
		for i, it := range fd.Items {
			p := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
			if it.Published != nil {
				p = *it.Published
			}
			a := &article.Article{
				ID: fmt.Sprintf("%s#%d", filepath.Base(f), i), Title: it.Title,
				Body: extract.FragmentText(it.Summary + " " + it.Content), PublishedAt: &p,
			}
			en.Enrich(a)
			items = append(items, a)
		}
	}
	sort.SliceStable(items, func(i, j int) bool { return items[i].PublishedAt.Before(*items[j].PublishedAt) })
	var same, different, copies int
	for b.Loop() {
		var now time.Time
		clock := func() time.Time { return now }
		stories, err := story.New(story.Config{Now: clock}, nil)
		if err != nil {
			b.Fatal(err)
		}
		ix, err := New(Config{Now: clock}, nil)
		if err != nil {
			b.Fatal(err)
		}
		event := make([]string, len(items))
		for i, a := range items {
			now = *a.PublishedAt
			if a.StoryID, err = stories.Assign(context.Background(), a); err != nil {
				b.Fatal(err)
			}
			if event[i], err = ix.Assign(context.Background(), a); err != nil {
				b.Fatal(err)
			}
		}
		same, different, copies = 0, 0, 0
		for i := range items {
			for j := i + 1; j < len(items); j++ {
				sameTitle := items[i].Title == items[j].Title && items[i].Title != ""
				if sameTitle {
					copies++
				}
				if event[i] != event[j] {
					continue
				}
				if sameTitle {
					same++
				} else {
					different++
				}
			}
		}
	}
	b.ReportMetric(float64(len(items)), "items")
	b.ReportMetric(float64(copies), "same_title_pairs")
	b.ReportMetric(float64(same), "same_title_joined")
	b.ReportMetric(float64(different), "different_title_joined")
}
