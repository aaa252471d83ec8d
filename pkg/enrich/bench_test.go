package enrich

import (
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/parley-news/parley/pkg/article"
	"github.com/parley-news/parley/pkg/internal/sharedtest"
)

// benchArticles returns the texts to enrich: the seed article and the
// bodies of the extraction benchmark's ground truth (../shared), or the
// articles in testdata when ../shared is absent.
func benchArticles(b *testing.B) []article.Article {
	b.Helper()
	var out []article.Article
	if dir, ok := sharedtest.Find("seeds"); ok {
		if body, err := os.ReadFile(filepath.Join(dir, "abu-dhabi-talks.txt")); err == nil {
			out = append(out, article.Article{Title: "Abu Dhabi talks", Body: string(body), Language: "en"})
		}
	}
	if dir, ok := sharedtest.Find("bench/extraction"); ok {
		if raw, err := os.ReadFile(filepath.Join(dir, "ground-truth.json")); err == nil {
			var gt map[string]struct {
				ArticleBody string `json:"articleBody"`
			}
			if err := json.Unmarshal(raw, &gt); err != nil {
				b.Fatalf("ground-truth.json: %v", err)
			}
			for _, v := range gt {
				out = append(out, article.Article{Body: v.ArticleBody})
			}
		}
	}
	if len(out) < 2 {
		files, _ := filepath.Glob(filepath.Join("testdata", "articles", "*.txt"))
		for _, f := range files {
			a := loadArticle(b, filepath.Base(f), "")
			out = append(out, *a)
		}
	}
	return out
}

// gazetteerHeap measures the heap the loaded gazetteer and enricher keep.
func gazetteerHeap(b *testing.B) (*Enricher, float64) {
	b.Helper()
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	g, err := NewGazetteer()
	if err != nil {
		b.Fatal(err)
	}
	e, err := New(Config{}, g)
	if err != nil {
		b.Fatal(err)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	return e, float64(after.HeapAlloc-before.HeapAlloc) / (1 << 20)
}

// BenchmarkEnrich reports articles per second through enrichment and the
// memory the loaded gazetteer adds (gazetteer-MB).
func BenchmarkEnrich(b *testing.B) {
	e, mb := gazetteerHeap(b)
	arts := benchArticles(b)
	var bytes int
	for _, a := range arts {
		bytes += len(a.Title) + len(a.Body)
	}
	b.SetBytes(int64(bytes / len(arts)))
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		a := arts[n%len(arts)]
		e.Enrich(&a)
		n++
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "articles/s")
	b.ReportMetric(mb, "gazetteer-MB")
	b.ReportMetric(float64(len(arts)), "corpus-articles")
}

// BenchmarkEnrichParallel is BenchmarkEnrich on every core.
func BenchmarkEnrichParallel(b *testing.B) {
	e, _ := gazetteerHeap(b)
	arts := benchArticles(b)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		n := 0
		for pb.Next() {
			a := arts[n%len(arts)]
			e.Enrich(&a)
			n++
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "articles/s")
}

// BenchmarkNewGazetteer is the start-up cost of loading the embedded data.
func BenchmarkNewGazetteer(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := NewGazetteer(); err != nil {
			b.Fatal(err)
		}
	}
}
