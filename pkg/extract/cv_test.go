package extract

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/parley-news/parley/pkg/internal/sharedtest"
)

// TestCoreShareBySite cross-validates the one value parley chose by
// measurement (coreShare) across the sites of the MIT-licensed 2019 dev
// set: its pages are split by host into five folds; for each fold the
// value is chosen on the other four and scored on it. When the value
// chosen on the whole set is not overfitted to some of its sites, the
// pooled held-out F1 stays close to the in-sample F1. It extracts the set
// once per candidate value (about a minute on a loaded machine), so it
// runs only with PARLEY_EXTRACT_CV=1 (the figures are in the README).
func TestCoreShareBySite(t *testing.T) {
	if os.Getenv("PARLEY_EXTRACT_CV") == "" {
		t.Skip("set PARLEY_EXTRACT_CV=1 to cross-validate coreShare on ../shared/bench/extraction")
	}
	ids, truth, pages := loadDevSet(t)
	foldOf, sites := foldsBySite(t, ids, truth)
	values := []float64{0.5, 0.6, 0.7, 0.8, 0.9, 0.95}
	scores := make([]map[string]pageScore, len(values))
	for v, share := range values {
		e := newTestExtractor(t, Config{})
		e.coreShare = share
		scores[v] = map[string]pageScore{}
		for _, id := range ids {
			a, err := e.Extract(context.Background(), bytes.Clone(pages[id]), truth[id].URL, Hints{})
			body := ""
			if err == nil {
				body = a.Body
			}
			p, r := shingleScore(truth[id].ArticleBody, body)
			scores[v][id] = pageScore{p, r, body == ""}
		}
	}
	f1 := func(pick func(id string) (pageScore, bool)) float64 { return pooledF1(ids, pick) }
	best := func(in func(id string) bool) int {
		b, bf := 0, -1.0
		for v := range values {
			f := f1(func(id string) (pageScore, bool) { return scores[v][id], in(id) })
			if f > bf {
				b, bf = v, f
			}
		}
		return b
	}
	all := best(func(string) bool { return true })
	inSample := f1(func(id string) (pageScore, bool) { return scores[all][id], true })
	chosen := make([]int, siteFolds)
	for k := 0; k < siteFolds; k++ {
		chosen[k] = best(func(id string) bool { return foldOf[id] != k })
		t.Logf("fold %d: coreShare %.2f chosen on the other folds", k, values[chosen[k]])
	}
	heldOut := f1(func(id string) (pageScore, bool) { return scores[chosen[foldOf[id]]][id], true })
	for v, share := range values {
		t.Logf("coreShare %.2f: F1 %.4f on all %d pages", share, f1(func(id string) (pageScore, bool) { return scores[v][id], true }), len(ids))
	}
	t.Logf("%d sites in %d folds: best on the whole set %.2f (F1 %.4f in sample); chosen per fold and scored on the held-out sites: F1 %.4f",
		sites, siteFolds, values[all], inSample, heldOut)
	if heldOut < inSample-0.005 {
		t.Errorf("held-out F1 %.4f is more than 0.005 below the in-sample %.4f: coreShare is fitted to some sites", heldOut, inSample)
	}
}

// devPage is one page of the MIT-licensed 2019 dev set and its truth.
type devPage struct{ URL, ArticleBody string }

// loadDevSet reads ../shared/bench/extraction: its page ids in order, the
// truth per id and the page per id. The test skips when ../shared is
// absent.
func loadDevSet(t *testing.T) ([]string, map[string]devPage, map[string][]byte) {
	t.Helper()
	dir := sharedtest.Dir(t, "bench/extraction")
	raw, err := os.ReadFile(filepath.Join(dir, "ground-truth.json"))
	if err != nil {
		t.Fatal(err)
	}
	var truth map[string]devPage
	if err := json.Unmarshal(raw, &truth); err != nil {
		t.Fatal(err)
	}
	ids := make([]string, 0, len(truth))
	for id := range truth {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	pages := make(map[string][]byte, len(ids))
	for _, id := range ids {
		f, err := os.Open(filepath.Join(dir, "html", id+".html.gz"))
		if err != nil {
			t.Fatal(err)
		}
		zr, err := gzip.NewReader(f)
		if err != nil {
			f.Close()
			t.Fatal(err)
		}
		b, err := io.ReadAll(zr)
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		pages[id] = b
	}
	return ids, truth, pages
}

// siteFolds is how many folds foldsBySite splits a set into.
const siteFolds = 5

// foldsBySite puts every page in one of siteFolds folds by its site, so
// that no site has pages on both sides of a split; it returns each page's
// fold and the number of sites.
func foldsBySite(t *testing.T, ids []string, truth map[string]devPage) (map[string]int, int) {
	t.Helper()
	siteFold := map[string]int{}
	foldOf := make(map[string]int, len(ids))
	for _, id := range ids {
		u, err := url.Parse(truth[id].URL)
		if err != nil {
			t.Fatal(err)
		}
		h := strings.TrimPrefix(u.Hostname(), "www.")
		k, ok := siteFold[h]
		if !ok {
			k = len(siteFold) % siteFolds
			siteFold[h] = k
		}
		foldOf[id] = k
	}
	return foldOf, len(siteFold)
}

// pageScore is one page's shingle precision and recall, and whether it
// was given no text.
type pageScore struct {
	p, r  float64
	empty bool
}

// pooledF1 is the sets' metric over the pages pick accepts: precision
// averaged over the pages with a text, recall over all, F1 of the two
// means.
func pooledF1(ids []string, pick func(id string) (pageScore, bool)) float64 {
	var sp, sr float64
	np, nr := 0, 0
	for _, id := range ids {
		s, ok := pick(id)
		if !ok {
			continue
		}
		nr++
		sr += s.r
		if !s.empty {
			np++
			sp += s.p
		}
	}
	if np == 0 || nr == 0 {
		return 0
	}
	p, r := sp/float64(np), sr/float64(nr)
	if p+r == 0 {
		return 0
	}
	return 2 * p * r / (p + r)
}
