package embedded

import (
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/parley-news/parley/pkg/article"
	"github.com/parley-news/parley/pkg/index"
	"github.com/parley-news/parley/pkg/query"
)

func TestSortByDate(t *testing.T) {
	ix := openTest(t, Config{Resolver: testResolver()})
	fill(t, ix, testArticles())
	tests := []struct {
		q    string
		want []string
	}{
		// Newest first, the undated a5 last; relevance would put a4
		// (talks in title and body) before a1.
		{"*", []string{"a6", "a7", "a2", "a4", "a1", "a3", "a5"}},
		{"talks", []string{"a7", "a4", "a1"}},
		{"Zelenskiy", []string{"a6", "a2", "a4", "a1"}},
		{"topic:diplomacy OR topic:economy", []string{"a6", "a7", "a2", "a4", "a1", "a3", "a5"}},
	}
	for _, tt := range tests {
		res := search(t, ix, index.Request{Query: mustParse(t, tt.q), Size: 100, Sort: index.SortDate})
		if got := ids(res.Hits); !slices.Equal(got, tt.want) {
			t.Errorf("%q by date = %v, want %v", tt.q, got, tt.want)
		}
	}
	// Ties by id: three articles at one instant.
	same := at("2026-03-01T12:00:00Z")
	ix2 := openTest(t, Config{})
	fill(t, ix2, []*article.Article{
		{ID: "c", URL: "https://x/c", Title: "summit", PublishedAt: same},
		{ID: "a", URL: "https://x/a", Title: "summit summit summit", PublishedAt: same},
		{ID: "b", URL: "https://x/b", Title: "summit", PublishedAt: same},
	})
	res := search(t, ix2, index.Request{Query: mustParse(t, "summit"), Size: 10, Sort: index.SortDate})
	if got := ids(res.Hits); !slices.Equal(got, []string{"a", "b", "c"}) {
		t.Errorf("ties by date = %v, want by id", got)
	}
	if _, err := ix.Search(t.Context(), index.Request{Sort: "oldest"}); err == nil {
		t.Errorf("an unknown sort was accepted")
	}
}

// relativeArticles are dated relative to now, for relative ranges.
func relativeArticles(now time.Time) []*article.Article {
	var arts []*article.Article
	for i, ago := range []time.Duration{
		30 * time.Minute, 5 * time.Hour, 30 * time.Hour, 6 * 24 * time.Hour, 8 * 24 * time.Hour,
		20 * 24 * time.Hour, 45 * 24 * time.Hour, 400 * 24 * time.Hour,
	} {
		p := now.Add(-ago)
		arts = append(arts, &article.Article{
			ID: fmt.Sprintf("r%d", i), URL: fmt.Sprintf("https://example.org/r%d", i),
			Title: "Summit coverage", Body: fmt.Sprintf("Talks, %s ago.", ago), PublishedAt: &p,
		})
	}
	return arts
}

func TestRelativeDates(t *testing.T) {
	now := time.Now().UTC()
	arts := relativeArticles(now)
	ix := openTest(t, Config{})
	fill(t, ix, arts)
	tests := []struct {
		q    string
		want []string
	}{
		{"published_at:[now-24h TO now]", []string{"r0", "r1"}},
		{"published_at:now-24h", []string{"r0", "r1"}},
		{"published_at:[now-7d TO now] summit", []string{"r0", "r1", "r2", "r3"}},
		{"published_at:[now-1M TO now]", []string{"r0", "r1", "r2", "r3", "r4", "r5"}},
		{"published_at:[now-1y TO now-1w]", []string{"r4", "r5", "r6"}},
		{"published_at:[* TO now-1y]", []string{"r7"}},
		{"NOT published_at:[now-7d TO *]", []string{"r4", "r5", "r6", "r7"}},
		{"published_at:[now+1h TO *]", nil},
	}
	for _, tt := range tests {
		n := mustParse(t, tt.q)
		res := search(t, ix, index.Request{Query: n, Size: 100})
		if got := sorted(ids(res.Hits)); !slices.Equal(got, sorted(tt.want)) {
			t.Errorf("Search(%q) = %v, want %v", tt.q, got, tt.want)
		}
		var matched []string
		for _, a := range arts {
			if query.Match(n, query.NewDocument(a)) {
				matched = append(matched, a.ID)
			}
		}
		if !slices.Equal(sorted(matched), sorted(tt.want)) {
			t.Errorf("Match(%q) = %v, want %v", tt.q, matched, tt.want)
		}
	}
}

func TestHistogram(t *testing.T) {
	ix := openTest(t, Config{Resolver: testResolver()})
	fill(t, ix, testArticles())
	ts := func(s string) time.Time { return *at(s) }
	bk := func(s string, n int) index.Bucket { return index.Bucket{T: ts(s), Count: n} }
	tests := []struct {
		q        string
		interval string
		want     []index.Bucket
	}{
		{"talks", index.HistogramDay, []index.Bucket{
			bk("2026-01-24T00:00:00Z", 2), bk("2026-01-25T00:00:00Z", 0), bk("2026-01-26T00:00:00Z", 0),
			bk("2026-01-27T00:00:00Z", 0), bk("2026-01-28T00:00:00Z", 0), bk("2026-01-29T00:00:00Z", 0),
			bk("2026-01-30T00:00:00Z", 0), bk("2026-01-31T00:00:00Z", 1),
		}},
		// 2026-01-19 and 2026-01-26 are Mondays; a2 (Sunday 25th) is in the first week.
		{"Zelenskiy", index.HistogramWeek, []index.Bucket{bk("2026-01-19T00:00:00Z", 3), bk("2026-01-26T00:00:00Z", 1)}},
		{`"Abu Dhabi"`, index.HistogramHour, func() []index.Bucket {
			var out []index.Bucket
			for h := ts("2026-01-24T10:00:00Z"); !h.After(ts("2026-01-25T08:00:00Z")); h = h.Add(time.Hour) {
				n := 0
				switch h {
				case ts("2026-01-24T10:00:00Z"), ts("2026-01-24T18:00:00Z"), ts("2026-01-25T08:00:00Z"):
					n = 1
				}
				out = append(out, index.Bucket{T: h, Count: n})
			}
			return out
		}()},
		// Over every match, not only the page; undated a5 is not counted.
		{"*", index.HistogramMonth, []index.Bucket{
			bk("2025-02-01T00:00:00Z", 1), bk("2025-03-01T00:00:00Z", 0), bk("2025-04-01T00:00:00Z", 0),
			bk("2025-05-01T00:00:00Z", 0), bk("2025-06-01T00:00:00Z", 0), bk("2025-07-01T00:00:00Z", 0),
			bk("2025-08-01T00:00:00Z", 0), bk("2025-09-01T00:00:00Z", 0), bk("2025-10-01T00:00:00Z", 0),
			bk("2025-11-01T00:00:00Z", 0), bk("2025-12-01T00:00:00Z", 0), bk("2026-01-01T00:00:00Z", 4),
			bk("2026-02-01T00:00:00Z", 1),
		}},
		{"nothing-matches-this", index.HistogramDay, []index.Bucket{}},
		// A published_at span widens the chart to it, empty weeks and all.
		{"talks published_at:[2026-01-10 TO 2026-02-03]", index.HistogramWeek, []index.Bucket{
			bk("2026-01-05T00:00:00Z", 0), bk("2026-01-12T00:00:00Z", 0), bk("2026-01-19T00:00:00Z", 2),
			bk("2026-01-26T00:00:00Z", 1), bk("2026-02-02T00:00:00Z", 0),
		}},
		{"nothing-matches-this published_at:[2026-01-01 TO 2026-01-02]", index.HistogramDay, []index.Bucket{
			bk("2026-01-01T00:00:00Z", 0), bk("2026-01-02T00:00:00Z", 0),
		}},
	}
	for _, tt := range tests {
		for _, collapse := range []bool{false, true} {
			res := search(t, ix, index.Request{Query: mustParse(t, tt.q), Size: 1, Histogram: tt.interval, CollapseStories: collapse})
			if !slices.EqualFunc(res.Histogram, tt.want, func(a, b index.Bucket) bool { return a.T.Equal(b.T) && a.Count == b.Count }) {
				t.Errorf("%q by %s (collapse %v) = %v, want %v", tt.q, tt.interval, collapse, res.Histogram, tt.want)
			}
		}
	}
	// Hourly buckets over more than 10,000 hours are refused with the reason.
	fill(t, ix, []*article.Article{{ID: "old", URL: "https://example.org/old", Title: "old", PublishedAt: at("2024-01-01T00:00:00Z")}})
	_, err := ix.Search(t.Context(), index.Request{Query: query.All{}, Histogram: index.HistogramHour})
	if !errors.Is(err, index.ErrTooManyBuckets) {
		t.Errorf("hourly histogram over a year: err = %v, want ErrTooManyBuckets", err)
	}
}

func TestHitQuotes(t *testing.T) {
	ix := openTest(t, Config{Resolver: testResolver()})
	fill(t, ix, testArticles())
	tests := []struct {
		q    string
		want map[string][]string // hit id -> speakers of its quotes
	}{
		{"speaker:Lavrov", map[string][]string{"a3": {"Sergey Lavrov"}}},
		{`quote:"ready to"`, map[string][]string{"a3": {"Sergey Lavrov"}, "a7": {"Abdel Fattah el-Sisi"}}},
		{"Riyadh", map[string][]string{"a3": nil}}, // no speaker: or quote:, no quotes
	}
	for _, tt := range tests {
		res := search(t, ix, index.Request{Query: mustParse(t, tt.q), Size: 10})
		if len(res.Hits) != len(tt.want) {
			t.Fatalf("%q: %d hits, want %d", tt.q, len(res.Hits), len(tt.want))
		}
		for _, h := range res.Hits {
			var got []string
			for _, q := range h.Quotes {
				got = append(got, q.Speaker)
			}
			if !slices.Equal(got, tt.want[h.ID]) {
				t.Errorf("%q hit %s quotes by %v, want %v", tt.q, h.ID, got, tt.want[h.ID])
			}
		}
	}
}
