package enrich_test

import (
	"slices"
	"testing"

	"github.com/parley-news/parley/pkg/enrich"
	"github.com/parley-news/parley/pkg/query"
)

// The gazetteer gives NEAR and SENTENCE the spellings of names.
var _ query.Speller = (*enrich.Gazetteer)(nil)

func TestSpellings(t *testing.T) {
	g, err := enrich.NewGazetteer()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		has, not []string
	}{
		{"Зеленський", []string{"Volodymyr Zelensky", "Zelenskiy", "Zelenskyy", "Зеленський"}, nil},
		{"zelenskiy", []string{"Volodymyr Zelensky", "Зеленський"}, nil},
		{"Kiev", []string{"Kyiv", "Київ", "Киев"}, nil},
		{"United States", []string{"United States", "USA", "U.S."}, []string{"US", "us"}},
		{"nobody-known", nil, nil},
	}
	for _, tt := range tests {
		got := g.Spellings(tt.name)
		for _, s := range tt.has {
			if !slices.Contains(got, s) {
				t.Errorf("Spellings(%q) = %q, missing %q", tt.name, got, s)
			}
		}
		for _, s := range tt.not {
			if slices.Contains(got, s) {
				t.Errorf("Spellings(%q) holds %q", tt.name, s)
			}
		}
		if tt.has == nil && got != nil {
			t.Errorf("Spellings(%q) = %q, want none", tt.name, got)
		}
		if len(got) > 0 {
			if e, _ := g.Resolve(tt.name); got[0] != e.Name {
				t.Errorf("Spellings(%q) starts with %q, want the canonical name %q", tt.name, got[0], e.Name)
			}
		}
	}
}
