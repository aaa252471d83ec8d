package extract

import (
	"encoding/json"
	"hash/maphash"
	"math"
	"slices"
	"strings"
	"testing"

	"golang.org/x/net/html"
)

func TestLoadBlockModel(t *testing.T) {
	if _, err := loadBlockModel(blockModelJSON); err != nil {
		t.Fatalf("the shipped model: %v", err)
	}
	model := func(edit func(m *blockModel)) []byte {
		m := constantModel(0)
		m.Features = slices.Clone(blockFeatureNames)
		edit(m)
		b, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	tests := []struct {
		name string
		raw  []byte
		want string
	}{
		{"not JSON", []byte("{"), "block model:"},
		{"other features", model(func(m *blockModel) { m.Features[3] = "class_name" }), "retrain it (make train-extract)"},
		{"a weight missing", model(func(m *blockModel) { m.W = m.W[1:] }), "weights"},
		{"no deviation", model(func(m *blockModel) { m.Std[2] = 0 }), "deviation 0"},
	}
	for _, tt := range tests {
		_, err := loadBlockModel(tt.raw)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error %v, want one saying %q", tt.name, err, tt.want)
		}
	}
	if _, err := loadBlockModel(model(func(*blockModel) {})); err != nil {
		t.Errorf("a well-formed model: %v", err)
	}
}

// blockPage is a page whose article trafilatura might cut short: a menu,
// the headline, four paragraphs of the story (one of them a list item)
// and a line the page repeats three times.
const blockPage = `<html><body>
<ul><li><a href="/">Home</a></li><li><a href="/world">World</a></li></ul>
<h1>Ferry fares rise again</h1>
<p>Return fares on the island ferry will rise by twelve per cent from March, the council said on Tuesday.</p>
<p>Councillors voted by seven to four for the rise after a debate of two hours in the town hall.</p>
<ul><li>Residents asked for a discount for those who travel to work on the mainland every day.</li></ul>
<p>The discount was proposed, debated and dropped without a vote, members said afterwards.</p>
<div>Share this</div><div>Share this</div><div>Share this</div>
</body></html>`

func TestBlockFeatures(t *testing.T) {
	root, err := html.Parse(strings.NewReader(blockPage))
	if err != nil {
		t.Fatal(err)
	}
	ix := newPageIndex(root)
	seed := maphash.MakeSeed()
	tParas := []string{
		"Return fares on the island ferry will rise by twelve per cent from March, the council said on Tuesday.",
		"The discount was proposed, debated and dropped without a vote, members said afterwards.",
	}
	rParas := []string{
		"Return fares on the island ferry will rise by twelve per cent from March, the council said on Tuesday.",
		"Councillors voted by seven to four for the rise after a debate of two hours in the town hall.",
	}
	feats, _, _ := blockFeatures(seed, ix, "Ferry fares rise again", tParas, rParas)
	at := func(prefix string) []float64 {
		for i, s := range ix.norm {
			if strings.HasPrefix(s, prefix) {
				return feats[i]
			}
		}
		t.Fatalf("no paragraph %q on the page", prefix)
		return nil
	}
	f := func(name string) int { return slices.Index(blockFeatureNames, name) }
	tests := []struct {
		para, feature string
		want          float64
	}{
		{"return fares", "in_t", 1}, {"return fares", "in_r", 1}, {"return fares", "in_both", 1},
		{"councillors voted", "in_t", 0}, {"councillors voted", "in_r", 1}, {"councillors voted", "prev_in_t", 1},
		{"the discount was", "in_t", 1}, {"the discount was", "in_r", 0},
		{"residents asked", "tag_li", 1}, {"residents asked", "sentence_end", 1},
		{"home", "after_title", 0}, {"return fares", "after_title", 1}, {"return fares", "no_title", 0},
		{"home", "link_density", 1}, {"return fares", "link_density", 0},
		{"ferry fares rise again", "tag_h", 1},
		{"share this", "repeated", 1}, {"return fares", "repeated", 0},
		{"return fares", "tag_p", 1}, {"return fares", "bias", 1},
	}
	for _, tt := range tests {
		if got := at(tt.para)[f(tt.feature)]; got != tt.want {
			t.Errorf("%q: %s = %v, want %v", tt.para, tt.feature, got, tt.want)
		}
	}
	if got := len(feats[0]); got != len(blockFeatureNames) {
		t.Errorf("%d features, %d names", got, len(blockFeatureNames))
	}
}

// TestFilled: the paragraphs only readability holds that the model keeps
// go where they stand on the page, and a repeated line never.
func TestFilled(t *testing.T) {
	root, err := html.Parse(strings.NewReader(blockPage))
	if err != nil {
		t.Fatal(err)
	}
	ix := newPageIndex(root)
	seed := maphash.MakeSeed()
	fares := "Return fares on the island ferry will rise by twelve per cent from March, the council said on Tuesday."
	vote := "Councillors voted by seven to four for the rise after a debate of two hours in the town hall."
	residents := "Residents asked for a discount for those who travel to work on the mainland every day."
	dropped := "The discount was proposed, debated and dropped without a vote, members said afterwards."
	tParas := []string{fares, dropped}
	rParas := []string{fares, vote, residents, dropped, "Share this"}
	if got := constantModel(-10).filled(seed, ix, "Ferry fares rise again", tParas, rParas); got != nil {
		t.Errorf("a model that keeps nothing filled in %q", got)
	}
	got := constantModel(10).filled(seed, ix, "Ferry fares rise again", tParas, rParas)
	want := []string{fares, vote, residents, dropped}
	if !slices.Equal(got, want) {
		t.Errorf("filled\n got %q\nwant %q", got, want)
	}
}

// constantModel is a well-formed model whose probability is the same for
// every paragraph: the logistic of bias.
func constantModel(bias float64) *blockModel {
	n := len(blockFeatureNames)
	m := &blockModel{Features: blockFeatureNames, Mean: make([]float64, n), Std: make([]float64, n), W: make([]float64, n)}
	for j := range m.Std {
		m.Std[j] = 1
	}
	m.W[0] = bias
	return m
}

// TestByList: the items of one list share the mean of their
// probabilities; paragraphs outside lists, items of another list and
// paragraphs not in question (0) keep their own.
func TestByList(t *testing.T) {
	root, err := html.Parse(strings.NewReader(`<html><body><div>
<p>What is new in this release of the game, for those who played the last one.</p>
<ul><li>New tasks</li><li>More questions for your opponent</li><li>Bugs fixed</li></ul>
<p>Try something new this weekend.</p>
<ol><li>First step</li><li>Second step</li></ol>
</div></body></html>`))
	if err != nil {
		t.Fatal(err)
	}
	ix := newPageIndex(root)
	at := func(text string) int {
		i := ix.find(text)
		if i < 0 {
			t.Fatalf("%q not on the page", text)
		}
		return i
	}
	prob := make([]float64, len(ix.lines))
	prob[at("New tasks")] = 0.9
	prob[at("More questions for your opponent")] = 0.3
	prob[at("Bugs fixed")] = 0.3
	prob[at("Try something new this weekend.")] = 0.7
	prob[at("First step")] = 0.2
	got := ix.byList(prob)
	for text, want := range map[string]float64{
		"New tasks": 0.5, "More questions for your opponent": 0.5, "Bugs fixed": 0.5,
		"Try something new this weekend.": 0.7, "First step": 0.2, "Second step": 0,
	} {
		if g := got[at(text)]; math.Abs(g-want) > 1e-9 {
			t.Errorf("%s: %.3f, want %.3f", text, g, want)
		}
	}
}
