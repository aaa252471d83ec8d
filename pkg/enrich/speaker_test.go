package enrich

import (
	"testing"

	"github.com/parley-news/parley/pkg/article"
	"github.com/parley-news/parley/pkg/query"
)

// TestSpeakerSpellings holds the enricher and the query language's
// speaker: expansion together: the enricher names a quotation's speaker
// by the canonical name, and speaker: in any spelling expands to it.
func TestSpeakerSpellings(t *testing.T) {
	g, err := NewGazetteer()
	if err != nil {
		t.Fatal(err)
	}
	e, err := New(Config{}, g)
	if err != nil {
		t.Fatal(err)
	}
	a := &article.Article{ID: "s", Language: "en", Title: "Talks in Abu Dhabi",
		Body: "“We will not give up our land,” Zelenskiy told reporters in Kyiv on Sunday.\n\n" +
			"“Any summit must be well prepared,” Kremlin spokesman Dmitry Peskov said."}
	e.Enrich(a)
	speakers := map[string]bool{}
	for _, q := range a.Quotes {
		speakers[q.Speaker] = true
	}
	if !speakers["Volodymyr Zelensky"] || !speakers["Dmitry Peskov"] {
		t.Fatalf("quotes %+v: want Volodymyr Zelensky and Dmitry Peskov as speakers", a.Quotes)
	}
	d := query.NewDocument(a)
	tests := []struct {
		q    string
		want bool
	}{
		{"speaker:Zelenskiy", true},
		{"speaker:Zelensky", true},
		{"speaker:Zelenskyy", true},
		{"speaker:Зеленський", true},
		{"speaker:Зеленский", true},
		{"speaker:Peskov", true},
		{"speaker:Песков", true},
		{"speaker:Putin", false},
		{`speaker:Зеленський quote:"our land"`, true},
	}
	for _, tt := range tests {
		n, err := query.Parse(tt.q)
		if err != nil {
			t.Fatal(err)
		}
		if got := query.Match(query.Expand(n, g), d); got != tt.want {
			t.Errorf("%s: %v, want %v (expanded %s)", tt.q, got, tt.want, query.Format(query.Expand(n, g)))
		}
	}
}
