package enrich

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/parley-news/parley/pkg/article"
	"github.com/parley-news/parley/pkg/internal/sharedtest"
)

func newTestEnricher(tb testing.TB) *Enricher {
	tb.Helper()
	g, err := NewGazetteer()
	if err != nil {
		tb.Fatalf("NewGazetteer: %v", err)
	}
	e, err := New(Config{}, g)
	if err != nil {
		tb.Fatalf("New: %v", err)
	}
	return e
}

// TestSeedArticle runs the team's seed article (../shared/seeds) through
// enrichment.
func TestSeedArticle(t *testing.T) {
	dir := sharedtest.Dir(t, "seeds")
	body, err := os.ReadFile(filepath.Join(dir, "abu-dhabi-talks.txt"))
	if err != nil {
		t.Fatal(err)
	}
	e := newTestEnricher(t)
	a := &article.Article{Title: "US officials: Russia-Ukraine talks must advance before Putin-Zelenskiy meeting", Body: string(body), Language: "en"}
	e.Enrich(a)
	t.Logf("entities: %+v", a.Entities)
	t.Logf("quotes: %+v", a.Quotes)
	t.Logf("topics: %v", a.Topics)
	for _, want := range []article.Entity{{Name: "Vladimir Putin", ID: "Q7747"}, {Name: "Volodymyr Zelensky", ID: "Q3874799"}} {
		if !slices.Contains(a.Entities.People, want) {
			t.Errorf("people %v: missing %v", a.Entities.People, want)
		}
	}
	for _, c := range []string{"RU", "UA", "US", "AE", "FR", "DE"} {
		if !slices.Contains(a.Entities.Countries, c) {
			t.Errorf("countries %v: missing %s", a.Entities.Countries, c)
		}
	}
	found := false
	for _, q := range a.Quotes {
		if q.Text == "well prepared" {
			found = true
			if q.Speaker != "Dmitry Peskov" {
				t.Errorf("quote %q: speaker %q, want Dmitry Peskov", q.Text, q.Speaker)
			}
		}
	}
	if !found {
		t.Errorf("the Peskov quotation was not found in %+v", a.Quotes)
	}
	if !slices.Contains(a.Topics, TopicDiplomacy) {
		t.Errorf("topics %v: want diplomacy", a.Topics)
	}
}
