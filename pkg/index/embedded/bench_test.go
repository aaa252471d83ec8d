package embedded

import (
	"context"
	"fmt"
	"math/rand"
	"slices"
	"testing"
	"time"

	"github.com/parley-news/parley/pkg/article"
	"github.com/parley-news/parley/pkg/index"
	"github.com/parley-news/parley/pkg/query"
)

// syntheticArticles varies the test desk into n articles with distinct ids.
func syntheticArticles(n int, seed int64) []*article.Article {
	base := testArticles()
	r := rand.New(rand.NewSource(seed))
	out := make([]*article.Article, n)
	for i := range out {
		a := *base[r.Intn(len(base))]
		a.ID = fmt.Sprintf("%s-%d-%d", a.ID, seed, i)
		a.URL += fmt.Sprintf("?n=%d", i)
		a.StoryID = fmt.Sprintf("story-%d", r.Intn(n/3+1))
		t := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(r.Intn(60*24)) * time.Minute * 60)
		a.PublishedAt = &t
		out[i] = &a
	}
	return out
}

func BenchmarkIndexBatch(b *testing.B) {
	ix := openTest(b, Config{Path: b.TempDir()})
	ctx := context.Background()
	b.ResetTimer()
	i := 0
	for b.Loop() {
		arts := syntheticArticles(100, int64(i))
		i++
		for _, err := range ix.Index(ctx, arts) {
			if err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(b.N*100)/b.Elapsed().Seconds(), "articles/s")
}

func BenchmarkSearch(b *testing.B) {
	ix := openTest(b, Config{Resolver: testResolver()})
	for k := range 20 {
		fill(b, ix, syntheticArticles(250, int64(k)))
	}
	ctx := context.Background()
	for _, q := range []string{
		"*",
		"Zelenskiy",
		`(Putin AND Zelensky) AND (summit OR meeting OR "Abu Dhabi")`,
		"topic:diplomacy -country:UA published_at:[2026-01-15 TO *]",
		"Zelenskiy AND talks",
		"NEAR/5(Zelenskiy, talks)",
		"SENTENCE(Zelenskiy, talks)",
	} {
		n, err := query.Parse(q)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(q, func(b *testing.B) {
			for b.Loop() {
				if _, err := ix.Search(ctx, index.Request{Query: n, Facets: []string{index.FacetSource, index.FacetCountry}}); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(q+" collapsed", func(b *testing.B) {
			for b.Loop() {
				if _, err := ix.Search(ctx, index.Request{Query: n, CollapseStories: true}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestAnalysisAgreesRandom compares query.Analyze with Bleve's analyzer on
// random mixtures of scripts, punctuation and invalid bytes.
func TestAnalysisAgreesRandom(t *testing.T) {
	m, err := buildMapping()
	if err != nil {
		t.Fatal(err)
	}
	pieces := []string{"Zelensky", "Зеленського", "ΣΑΣ", "İ", "K", "Ω", "東京", "ひら", "한국", "ไทย", "al-", "U.S.", "3.5", "'", "’", "-", " ", "\n", ",", "_", "\xff", "\xc3", "🇺🇦", "e\u0301", "ß", "ﬁ", "Ⱥ", "ǅ"}
	r := rand.New(rand.NewSource(1))
	for range 3000 {
		var s string
		for range r.Intn(8) {
			s += pieces[r.Intn(len(pieces))]
		}
		stream, err := m.AnalyzeText(textAnalyzer, []byte(s))
		if err != nil {
			t.Fatal(err)
		}
		var theirs, ours []string
		for _, tok := range stream {
			theirs = append(theirs, fmt.Sprintf("%d:%s", tok.Position, tok.Term))
		}
		for i, tok := range query.Analyze(s) {
			ours = append(ours, fmt.Sprintf("%d:%s", i+1, tok.Text))
		}
		if !slices.Equal(theirs, ours) {
			t.Fatalf("%q: bleve %q, query.Analyze %q", s, theirs, ours)
		}
	}
}
