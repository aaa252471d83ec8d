package extract

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"hash/maphash"
	"math"
	"slices"
	"strings"
	"sync"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// The block model decides which of the paragraphs that only readability
// holds belong with trafilatura's text: the rest of an article that
// trafilatura cut short or left gaps in, or the comments, side columns
// and notes readability took along. It is a logistic regression over
// features of each paragraph of the page (blockFeatures) that rest on the
// text and on where it stands, not on what class names say, so that they
// mean the same on pages of any template or era (one compares a block's
// tag and class with those of trafilatura's blocks on the same page,
// whatever the names are). It is trained on the MIT-licensed
// ../shared/bench/extraction set alone, each page as published and
// rewritten without semantic markup (internal/plainhtml), by
// TestTrainBlockModel (make train-extract), and shipped as blockmodel.json.

//go:embed blockmodel.json
var blockModelJSON []byte

// shippedModel is blockmodel.json, read once for every Extractor (the
// model is only read).
var shippedModel = sync.OnceValues(func() (*blockModel, error) { return loadBlockModel(blockModelJSON) })

// blockModel is a logistic regression over standardised block features.
type blockModel struct {
	Features []string  `json:"features"`
	Mean     []float64 `json:"mean"`
	Std      []float64 `json:"std"`
	W        []float64 `json:"weights"`
}

// loadBlockModel reads a model and checks it was trained on the features
// blockFeatures computes.
func loadBlockModel(raw []byte) (*blockModel, error) {
	var m blockModel
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, fmt.Errorf("block model: %w", err)
	}
	if strings.Join(m.Features, ",") != strings.Join(blockFeatureNames, ",") {
		return nil, fmt.Errorf("block model: trained on features %v, extraction computes %v; retrain it (make train-extract)", m.Features, blockFeatureNames)
	}
	if len(m.Mean) != len(m.Features) || len(m.Std) != len(m.Features) || len(m.W) != len(m.Features) {
		return nil, fmt.Errorf("block model: %d features but %d means, %d deviations, %d weights", len(m.Features), len(m.Mean), len(m.Std), len(m.W))
	}
	for j, s := range m.Std {
		if j > 0 && !(s > 0) {
			return nil, fmt.Errorf("block model: feature %s has deviation %v", m.Features[j], s)
		}
	}
	return &m, nil
}

// blockFeatureNames names the features blockFeatures computes, in order;
// the first is the constant 1 the intercept multiplies.
var blockFeatureNames = []string{
	"bias", "log_words", "link_density", "in_t", "in_r", "in_both", "prose",
	"position", "after_title", "no_title",
	"prev_in_t", "prev_in_r", "next_in_t", "next_in_r", "log_prev_words", "log_next_words",
	"in_t_place", "in_r_place", "sentence_end",
	"tag_p", "tag_li", "tag_td", "tag_h", "tag_blockquote", "repeated", "log_gap",
	"between_t", "t_kind", "before_t", "after_t", "log_t_words",
}

// repeatedFeature is the index of "repeated": the paragraph's text comes
// back three times or more on the page, as a template's lines do.
var repeatedFeature = slices.Index(blockFeatureNames, "repeated")

// blockFeatures returns one feature vector per paragraph of the page
// (see blockFeatureNames): its length, link density and tag, whether
// trafilatura's text (tParas) and readability's (rParas) hold it and its
// neighbours, whether it stands inside the element holding either text's
// prose, after the headline, how far from either text, before, between or
// after trafilatura's paragraphs and in a block built like theirs (same
// tag and class under the same kind of parent), how long trafilatura's
// text is, and whether it ends a sentence. It also returns which
// paragraphs each text holds (heldBy).
func blockFeatures(seed maphash.Seed, ix *pageIndex, title string, tParas, rParas []string) (feats [][]float64, inT, inR []bool) {
	n := len(ix.norm)
	inT = heldBy(seed, ix, tParas)
	inR = heldBy(seed, ix, rParas)
	tc, rc := ix.container(tParas), ix.container(rParas)
	t := ix.titleAt(title)
	count := make(map[string]int, n)
	nw := make([]float64, n)
	for i, s := range ix.norm {
		count[s]++
		if s != "" {
			nw[i] = float64(strings.Count(s, " ") + 1)
		}
	}
	// gap: how many paragraphs away the nearest one either text holds is.
	gap := make([]float64, n)
	for i := range gap {
		gap[i] = float64(n)
	}
	for last, i := -1, 0; i < n; i++ {
		if inT[i] || inR[i] {
			last = i
		}
		if last >= 0 {
			gap[i] = float64(i - last)
		}
	}
	for last, i := -1, n-1; i >= 0; i-- {
		if inT[i] || inR[i] {
			last = i
		}
		if last >= 0 {
			gap[i] = min(gap[i], float64(last-i))
		}
	}
	b := func(v bool) float64 {
		if v {
			return 1
		}
		return 0
	}
	firstT, lastT := -1, -1
	kinds := map[string]bool{}
	tWords := 0.0
	for i := range inT {
		if inT[i] {
			if firstT < 0 {
				firstT = i
			}
			lastT = i
			tWords += nw[i]
			if ix.owner[i] != nil {
				kinds[blockKind(ix.owner[i])] = true
			}
		}
	}
	density := map[*html.Node]float64{} // paragraphs share their block
	out := make([][]float64, n)
	for i := range out {
		o := ix.owner[i]
		tag, ld := "", 0.0
		if o != nil {
			d, ok := density[o]
			if !ok {
				d = linkDensity(o)
				density[o] = d
			}
			tag, ld = o.Data, d
		}
		var prevT, prevR, nextT, nextR, prevW, nextW float64
		if i > 0 {
			prevT, prevR, prevW = b(inT[i-1]), b(inR[i-1]), nw[i-1]
		}
		if i+1 < n {
			nextT, nextR, nextW = b(inT[i+1]), b(inR[i+1]), nw[i+1]
		}
		lines := ix.lines[i]
		end := strings.TrimSpace(lines[len(lines)-1])
		out[i] = []float64{
			1, math.Log1p(nw[i]), ld, b(inT[i]), b(inR[i]), b(inT[i] && inR[i]), b(nw[i] >= proseWords),
			float64(i) / float64(n), b(t >= 0 && i >= t), b(t < 0),
			prevT, prevR, nextT, nextR, math.Log1p(prevW), math.Log1p(nextW),
			b(tc != nil && o != nil && isAncestor(tc, o)), b(rc != nil && o != nil && isAncestor(rc, o)),
			b(endsSentence(end)),
			b(tag == "p"), b(tag == "li"), b(tag == "td" || tag == "th"), b(isHeading(tag)),
			b(insideTag(o, "blockquote")), b(count[ix.norm[i]] >= 3), math.Log1p(gap[i]),
			b(firstT >= 0 && i > firstT && i < lastT), b(o != nil && kinds[blockKind(o)]), b(firstT >= 0 && i < firstT), b(lastT >= 0 && i > lastT), math.Log1p(tWords),
		}
	}
	return out, inT, inR
}

// heldBy reports, per page paragraph, whether a text holds it: more than
// half of its 4-word shingles, or for a paragraph of under four words,
// its words in a row. Case is ignored.
func heldBy(seed maphash.Seed, ix *pageIndex, text []string) []bool {
	norm := make([]string, 0, len(text))
	for _, p := range text {
		norm = append(norm, strings.Join(words(strings.ToLower(p)), " "))
	}
	set := shingleSet(seed, norm)
	joined := " " + strings.Join(norm, " ") + " "
	out := make([]bool, len(ix.norm))
	for i, s := range ix.norm {
		switch {
		case s == "":
		case strings.Count(s, " ") < 3:
			out[i] = strings.Contains(joined, " "+s+" ")
		default:
			held, total := 0, 0
			eachShingle(seed, strings.Split(s, " "), func(k uint64) {
				total++
				if set[k] > 0 {
					held++
				}
			})
			out[i] = 2*held > total
		}
	}
	return out
}

func isHeading(tag string) bool {
	return len(tag) == 2 && tag[0] == 'h' && tag[1] >= '1' && tag[1] <= '6'
}

// insideTag reports whether n or one of its ancestors is a tag element.
func insideTag(n *html.Node, tag string) bool {
	for ; n != nil; n = n.Parent {
		if n.Type == html.ElementNode && n.Data == tag {
			return true
		}
	}
	return false
}

// prob is the model's probability that a paragraph with features f is
// the article's.
func (m *blockModel) prob(f []float64) float64 {
	z := m.W[0]
	for j := 1; j < len(f); j++ {
		z += m.W[j] * (f[j] - m.Mean[j]) / m.Std[j]
	}
	return 1 / (1 + math.Exp(-z))
}

// filled returns tParas with the paragraphs only readability holds that
// the model keeps, each put where it stands on the page among tParas;
// nil when it keeps none. A line the page repeats three times or more is
// a template's and never kept; the items of a list are kept or left
// together (byList), and kept when a paragraph of trafilatura's text
// announces the list (announced).
func (m *blockModel) filled(seed maphash.Seed, ix *pageIndex, title string, tParas, rParas []string) []string {
	feats, inT, inR := blockFeatures(seed, ix, title, tParas, rParas)
	prob := make([]float64, len(feats))
	for i, f := range feats {
		if inR[i] && !inT[i] && f[repeatedFeature] == 0 {
			prob[i] = m.prob(f)
		}
	}
	var add []int
	for i, p := range ix.announced(ix.byList(prob), inT) {
		if p >= 0.5 {
			add = append(add, i)
		}
	}
	if len(add) == 0 {
		return nil
	}
	out := make([]string, 0, len(tParas)+len(add))
	at := -1
	for _, p := range tParas {
		if i := ix.find(p); i >= 0 {
			at = i
		}
		for len(add) > 0 && add[0] < at {
			out = append(out, strings.Join(ix.lines[add[0]], "\n"))
			add = add[1:]
		}
		out = append(out, p)
	}
	for _, i := range add {
		out = append(out, strings.Join(ix.lines[i], "\n"))
	}
	return out
}

// byList gives the items of one list (<ul> or <ol>) the mean of their
// probabilities (prob, by page paragraph; 0 for a paragraph not in
// question), so that a list is kept or left whole: it is one block of the
// article or of the page around it, never half of each.
func (ix *pageIndex) byList(prob []float64) []float64 {
	lists := make([]*html.Node, len(prob))
	sum, count := map[*html.Node]float64{}, map[*html.Node]int{}
	for i, p := range prob {
		if p > 0 {
			if lists[i] = listOf(ix.owner[i]); lists[i] != nil {
				sum[lists[i]] += p
				count[lists[i]]++
			}
		}
	}
	out := slices.Clone(prob)
	for i, l := range lists {
		if l != nil {
			out[i] = sum[l] / float64(count[l])
		}
	}
	return out
}

// announced keeps (probability 1) the items of a list in question (prob
// above 0) that a paragraph of trafilatura's text (inT) announces: it
// ends with a colon right before the list ("VDH demande aux autorités :"
// over the demands), so the list is the rest of its sentence.
func (ix *pageIndex) announced(prob []float64, inT []bool) []float64 {
	for i := 1; i < len(prob); i++ {
		if prob[i] == 0 || !inT[i-1] {
			continue
		}
		l := listOf(ix.owner[i])
		lines := ix.lines[i-1]
		end := strings.TrimSpace(lines[len(lines)-1])
		if l == nil || !(strings.HasSuffix(end, ":") || strings.HasSuffix(end, "：")) {
			continue
		}
		items := []int{}
		links := true
		for j := i; j < len(prob) && listOf(ix.owner[j]) == l; j++ {
			items = append(items, j)
			links = links && ix.linkLine[ix.norm[j]]
		}
		if links {
			continue // a list of links ("For more information:") is not the sentence's end
		}
		for _, j := range items {
			if prob[j] > 0 {
				prob[j] = 1
			}
		}
	}
	return prob
}

// listOf returns the list (<ul> or <ol>) whose item n is or stands in,
// or nil.
func listOf(n *html.Node) *html.Node {
	for ; n != nil && n.Type == html.ElementNode; n = n.Parent {
		switch n.DataAtom {
		case atom.Li:
			if p := n.Parent; p != nil && (p.DataAtom == atom.Ul || p.DataAtom == atom.Ol) {
				return p
			}
			return nil
		case atom.P, atom.Div, atom.Td, atom.Table, atom.Body:
			return nil
		}
	}
	return nil
}
