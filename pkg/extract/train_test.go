package extract

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"os"
	"strings"
	"testing"

	"github.com/parley-news/parley/pkg/extract/internal/plainhtml"
)

// TestTrainBlockModel trains the block model (classify.go) on the
// MIT-licensed 2019 dev set and writes it to the file named by
// PARLEY_EXTRACT_TRAIN (make train-extract writes blockmodel.json). The
// training is deterministic: the same pages and features give the same
// weights, which TestBlockModelUpToDate checks.
func TestTrainBlockModel(t *testing.T) {
	out := os.Getenv("PARLEY_EXTRACT_TRAIN")
	if out == "" {
		t.Skip("set PARLEY_EXTRACT_TRAIN=FILE to train the block model on ../shared/bench/extraction (make train-extract)")
	}
	ids, truth, pages := loadDevSet(t)
	m := trainBlockModel(t, blockExamples(t, ids, truth, pages))
	for j, name := range m.Features {
		t.Logf("%-16s %+.3f", name, m.W[j])
	}
	b, err := json.MarshalIndent(m, "", " ")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(out, append(b, '\n'), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestBlockModelUpToDate: the model shipped is the one the training gives
// on the features extraction computes now, so a change to a feature
// cannot leave a model trained on the old one.
func TestBlockModelUpToDate(t *testing.T) {
	if testing.Short() {
		t.Skip("trains the block model (about 10 s)")
	}
	ids, truth, pages := loadDevSet(t)
	got := trainBlockModel(t, blockExamples(t, ids, truth, pages))
	shipped, err := loadBlockModel(blockModelJSON)
	if err != nil {
		t.Fatal(err)
	}
	for j, name := range shipped.Features {
		if d := math.Abs(got.W[j] - shipped.W[j]); d > 1e-6 {
			t.Errorf("weight of %s: trained %.6f, shipped %.6f; retrain (make train-extract)", name, got.W[j], shipped.W[j])
		}
	}
}

// TestBlockModelBySite cross-validates the block model across the sites
// of the 2019 set: for each of five folds of sites a model is trained on
// the other four and the fold's pages are extracted with it. When the
// model is not fitted to some sites, the pooled held-out F1 stays close
// to the F1 of the model trained on all pages. It extracts the set six
// times, so it runs only with PARLEY_EXTRACT_CV=1 (figures in the README).
func TestBlockModelBySite(t *testing.T) {
	if os.Getenv("PARLEY_EXTRACT_CV") == "" {
		t.Skip("set PARLEY_EXTRACT_CV=1 to cross-validate the block model on ../shared/bench/extraction")
	}
	ids, truth, pages := loadDevSet(t)
	foldOf, sites := foldsBySite(t, ids, truth)
	ex := blockExamples(t, ids, truth, pages)
	score := func(m *blockModel, in func(id string) bool) map[string]pageScore {
		e, err := newExtractor(Config{}, m)
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]pageScore{}
		for _, id := range ids {
			if !in(id) {
				continue
			}
			body := ""
			if a, err := e.Extract(context.Background(), bytes.Clone(pages[id]), truth[id].URL, Hints{}); err == nil {
				body = a.Body
			}
			p, r := shingleScore(truth[id].ArticleBody, body)
			out[id] = pageScore{p, r, body == ""}
		}
		return out
	}
	all := func(string) bool { return true }
	pick := func(s map[string]pageScore) func(id string) (pageScore, bool) {
		return func(id string) (pageScore, bool) { v, ok := s[id]; return v, ok }
	}
	none := pooledF1(ids, pick(score(nil, all)))
	inSample := pooledF1(ids, pick(score(trainBlockModel(t, ex), all)))
	heldOut := map[string]pageScore{}
	for k := 0; k < siteFolds; k++ {
		var train []blockExample
		for _, x := range ex {
			if foldOf[x.page] != k {
				train = append(train, x)
			}
		}
		for id, s := range score(trainBlockModel(t, train), func(id string) bool { return foldOf[id] == k }) {
			heldOut[id] = s
		}
	}
	held := pooledF1(ids, pick(heldOut))
	t.Logf("%d sites in %d folds: without the model F1 %.4f; trained on all pages %.4f (in sample); trained per fold and scored on the held-out sites %.4f",
		sites, siteFolds, none, inSample, held)
	if held < inSample-0.005 {
		t.Errorf("held-out F1 %.4f is more than 0.005 below the in-sample %.4f: the model is fitted to some sites", held, inSample)
	}
}

// blockExample is one paragraph of a page: its features and whether the
// page's truth holds it.
type blockExample struct {
	page string
	x    []float64
	y    float64
}

// blockExamples extracts every page without the model, as published and
// without semantic markup, and returns every non-empty paragraph of each
// as an example, labelled by the truth.
func blockExamples(t *testing.T, ids []string, truth map[string]devPage, pages map[string][]byte) []blockExample {
	t.Helper()
	e, err := newExtractor(Config{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	var out []blockExample
	for _, id := range ids {
		// Each page as published and rewritten without semantic markup
		// (plainhtml), as pages of other sites and years are written: the
		// model learns from both what holds without class names.
		plain, err := plainhtml.Rewrite(pages[id])
		if err != nil {
			t.Fatal(err)
		}
		for _, page := range [][]byte{pages[id], plain} {
			e.trace = func(ix *pageIndex, title string, tParas, rParas []string) {
				held := heldBy(e.seed, ix, strings.Split(truth[id].ArticleBody, "\n"))
				feats, _, _ := blockFeatures(e.seed, ix, title, tParas, rParas)
				for i, x := range feats {
					if ix.norm[i] == "" {
						continue
					}
					y := 0.0
					if held[i] {
						y = 1
					}
					out = append(out, blockExample{id, x, y})
				}
			}
			if _, err := e.Extract(context.Background(), bytes.Clone(page), truth[id].URL, Hints{}); err != nil {
				t.Logf("%s: %v", id, err)
			}
		}
	}
	return out
}

// trainBlockModel fits a logistic regression to the examples by full-batch
// gradient descent on standardised features, with a small L2 penalty on
// every weight but the intercept; a fixed number of steps in a fixed
// order makes it deterministic.
func trainBlockModel(t *testing.T, ex []blockExample) *blockModel {
	t.Helper()
	const (
		steps = 3000
		rate  = 0.5
		l2    = 1e-3
	)
	if len(ex) == 0 {
		t.Fatal("no training examples")
	}
	d := len(blockFeatureNames)
	m := &blockModel{Features: blockFeatureNames, Mean: make([]float64, d), Std: make([]float64, d), W: make([]float64, d)}
	m.Std[0] = 1
	n := float64(len(ex))
	for j := 1; j < d; j++ {
		var s, s2 float64
		for _, x := range ex {
			s += x.x[j]
			s2 += x.x[j] * x.x[j]
		}
		m.Mean[j] = s / n
		// A feature that never varies gets deviation 1 and weight 0.
		m.Std[j] = 1
		if v := s2/n - m.Mean[j]*m.Mean[j]; v > 1e-12 {
			m.Std[j] = math.Sqrt(v)
		}
	}
	z := make([][]float64, len(ex))
	for i, x := range ex {
		z[i] = make([]float64, d)
		z[i][0] = 1
		for j := 1; j < d; j++ {
			z[i][j] = (x.x[j] - m.Mean[j]) / m.Std[j]
		}
	}
	g := make([]float64, d)
	for step := 0; step < steps; step++ {
		clear(g)
		for i, zi := range z {
			s := 0.0
			for j, v := range zi {
				s += m.W[j] * v
			}
			r := 1/(1+math.Exp(-s)) - ex[i].y
			for j, v := range zi {
				g[j] += r * v
			}
		}
		for j := range m.W {
			reg := l2 * m.W[j]
			if j == 0 {
				reg = 0
			}
			m.W[j] -= rate * (g[j]/n + reg)
		}
	}
	return m
}
