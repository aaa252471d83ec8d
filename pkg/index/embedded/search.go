package embedded

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/numeric"
	bsearch "github.com/blevesearch/bleve/v2/search"

	"github.com/parley-news/parley/pkg/article"
	"github.com/parley-news/parley/pkg/index"
	"github.com/parley-news/parley/pkg/query"
)

const (
	defaultSize = 10
	maxSize     = 100
	snippetLen  = 200
	// collapseScanLimit bounds how many matching articles a collapsed
	// search reads to group them by story (see Search).
	collapseScanLimit = 5000
	collapsePage      = 500
)

// facetFields maps the facet names of index.Request to index fields.
var facetFields = map[string]string{
	index.FacetSource:   fieldSourceKW,
	index.FacetLanguage: index.DocLanguage,
	index.FacetCountry:  index.DocCountries,
	index.FacetPerson:   fieldPeopleKW,
	index.FacetTopic:    index.DocTopics,
	index.FacetSpeaker:  fieldSpeakersKW,
}

// Search runs req. The query is expanded with the configured Resolver, its
// relative dates fixed to now, then translated (see translate). Hits come
// by relevance, then newest first; a query that matches everything (*),
// or req.Sort SortDate, comes newest first. Size defaults to 10 and is
// capped at 100.
//
// Facets count the top FacetSize values (10 by default) over all matching articles (not over
// collapsed stories). With CollapseStories, hits are grouped by story_id in
// Go, the best hit of each story kept: Search reads up to 5000 matching
// articles (their story ids, from doc values) to do so. Total is then the exact number of
// stories when at most 5000 articles matched, and otherwise an upper bound:
// the stories seen plus every article not read.
func (ix *Index) Search(ctx context.Context, req index.Request) (*index.Result, error) {
	q := req.Query
	if q == nil {
		q = query.All{}
	}
	q = query.Resolve(query.Expand(q, ix.resolver), time.Now())
	size := req.Size
	if size <= 0 {
		size = defaultSize
	}
	if size > maxSize {
		size = maxSize
	}
	from := max(req.From, 0)

	_, all := q.(query.All)
	switch req.Sort {
	case "", index.SortRelevance:
	case index.SortDate:
		all = true
	default:
		return nil, fmt.Errorf("search: unknown sort %q (want relevance or date)", req.Sort)
	}
	if req.Histogram != "" && !index.ValidInterval(req.Histogram) {
		return nil, fmt.Errorf("search: unknown histogram interval %q (want hour, day, week or month)", req.Histogram)
	}
	order := sortOrder(all)
	if err := ix.checkPrefixes(q); err != nil {
		return nil, err
	}
	bq := translate(q)

	newRequest := func(size, from int, fields []string) *bleve.SearchRequest {
		sr := bleve.NewSearchRequestOptions(bq, size, from, false)
		sr.SortByCustom(order)
		sr.Fields = fields
		return sr
	}
	sr := newRequest(size, from, []string{fieldArticle})
	if req.CollapseStories {
		sr = newRequest(collapsePage, 0, nil)
	}
	for _, name := range req.Facets {
		field, ok := facetFields[name]
		if !ok {
			return nil, fmt.Errorf("search: unknown facet %q", name)
		}
		sr.AddFacet(name, bleve.NewFacetRequest(field, req.FacetSizeOf()))
	}
	if req.Histogram != "" {
		sr.AddFacet(histogramFacet, histogramRequest())
	}
	res, err := ix.idx.SearchInContext(ctx, sr)
	if err != nil {
		return nil, fmt.Errorf("search: %w", err)
	}
	out := &index.Result{Total: int(res.Total), Hits: []index.Hit{}, Facets: facets(res, req.Facets)}
	if req.Histogram != "" {
		if out.Histogram, err = histogram(res, req.Histogram, q); err != nil {
			return nil, fmt.Errorf("search: %w", err)
		}
	}
	want := snippetTerms(q)

	if !req.CollapseStories {
		for _, h := range res.Hits {
			raw, _ := h.Fields[fieldArticle].(string)
			var a article.Article
			if err := json.Unmarshal([]byte(raw), &a); err != nil {
				return nil, fmt.Errorf("search: decode article %s: %w", h.ID, err)
			}
			out.Hits = append(out.Hits, hit(&a, want, q))
		}
		return out, nil
	}

	ids, total, err := ix.collapse(ctx, res, newRequest)
	if err != nil {
		return nil, err
	}
	out.Total = total
	if from < len(ids) {
		ids = ids[from:min(from+size, len(ids))]
	} else {
		ids = nil
	}
	for _, id := range ids {
		a, err := ix.load(id)
		if err != nil {
			return nil, fmt.Errorf("search: %w", err)
		}
		out.Hits = append(out.Hits, hit(a, want, q))
	}
	return out, nil
}

// collapse reads matching hits, first page res, in order and keeps the
// first of each story. It returns the kept ids and the Total to report.
func (ix *Index) collapse(ctx context.Context, res *bleve.SearchResult, newRequest func(size, from int, fields []string) *bleve.SearchRequest) ([]string, int, error) {
	seen := map[string]bool{}
	var ids []string
	read := 0
	for {
		for _, h := range res.Hits {
			story := storyOf(h)
			key := "story:" + story
			if story == "" {
				key = "id:" + h.ID
			}
			if !seen[key] {
				seen[key] = true
				ids = append(ids, h.ID)
			}
		}
		read += len(res.Hits)
		if len(res.Hits) < collapsePage || read >= int(res.Total) {
			return ids, len(ids), nil
		}
		if read >= collapseScanLimit {
			ix.logger.Debug("collapsed search read its limit", "matches", res.Total, "read", read)
			return ids, len(ids) + int(res.Total) - read, nil
		}
		sr := newRequest(collapsePage, read, nil)
		var err error
		res, err = ix.idx.SearchInContext(ctx, sr)
		if err != nil {
			return nil, 0, fmt.Errorf("search: collapse stories: %w", err)
		}
	}
}

// histogramFacet is the facet that counts matches by publication time.
const histogramFacet = "parley_histogram"

// histogramRequest counts every distinct published_at of the matches.
// Bleve indexes a date as prefix-coded terms at several shifts; the terms
// with shift 0 (first byte ShiftStartInt64) are the exact instants, read
// from doc values in one pass over the matches. The counts are put in
// buckets in Go (histogram), where every calendar interval is exact.
func histogramRequest() *bleve.FacetRequest {
	fr := bleve.NewFacetRequest(index.DocPublishedAt, math.MaxInt32)
	fr.TermPrefix = string([]byte{numeric.ShiftStartInt64})
	return fr
}

func histogram(res *bleve.SearchResult, interval string, q query.Node) ([]index.Bucket, error) {
	counts := map[time.Time]int{}
	if fr, ok := res.Facets[histogramFacet]; ok && fr != nil && fr.Terms != nil {
		for _, t := range fr.Terms.Terms() {
			ns, err := numeric.PrefixCoded(t.Term).Int64()
			if err != nil {
				return nil, fmt.Errorf("histogram: decode date term: %w", err)
			}
			counts[index.BucketStart(time.Unix(0, ns), interval)] += t.Count
		}
	}
	from, to := query.DateBounds(q)
	return index.Buckets(counts, interval, from, to)
}

// sortOrder is relevance, then newest first (all: newest first only), then
// id for a stable order. It ends with story_id, which cannot change the
// order (ids are unique) but puts each hit's story id, read from doc
// values, in its sort values: collapsing reads it there instead of loading
// stored fields.
func sortOrder(all bool) bsearch.SortOrder {
	var order bsearch.SortOrder
	if !all {
		order = append(order, &bsearch.SortScore{Desc: true})
	}
	return append(order,
		&bsearch.SortField{Field: index.DocPublishedAt, Desc: true, Type: bsearch.SortFieldAsDate, Missing: bsearch.SortFieldMissingLast},
		&bsearch.SortDocID{},
		&bsearch.SortField{Field: index.DocStoryID, Type: bsearch.SortFieldAsString, Missing: bsearch.SortFieldMissingLast},
	)
}

// storyOf returns the story_id of a hit from its last sort value.
func storyOf(h *bsearch.DocumentMatch) string {
	if len(h.Sort) == 0 {
		return ""
	}
	v := h.Sort[len(h.Sort)-1]
	if v == bsearch.HighTerm || v == bsearch.LowTerm {
		return ""
	}
	return v
}

func facets(res *bleve.SearchResult, names []string) map[string][]index.FacetCount {
	if len(names) == 0 {
		return nil
	}
	out := make(map[string][]index.FacetCount, len(names))
	for _, name := range names {
		counts := []index.FacetCount{}
		if fr, ok := res.Facets[name]; ok && fr != nil {
			for _, t := range fr.Terms.Terms() {
				counts = append(counts, index.FacetCount{Value: t.Term, Count: t.Count})
			}
		}
		out[name] = counts
	}
	return out
}

func hit(a *article.Article, want map[string]bool, q query.Node) index.Hit {
	return index.Hit{
		ID:          a.ID,
		URL:         a.URL,
		Title:       a.Title,
		Source:      a.Source,
		PublishedAt: a.PublishedAt,
		Language:    a.Language,
		Snippet:     snippet(a, want),
		StoryID:     a.StoryID,
		EventID:     a.EventID,
		Quotes:      query.MatchingQuotes(q, a.Language, a.Quotes),
	}
}

// snippetTerms returns the tokens of the bare words and phrases a query
// asks for (not those under NOT), to centre snippets on them.
func snippetTerms(n query.Node) map[string]bool {
	want := map[string]bool{}
	var walk func(query.Node)
	walk = func(n query.Node) {
		switch n := n.(type) {
		case query.And:
			for _, c := range n.Children {
				walk(c)
			}
		case query.Or:
			for _, c := range n.Children {
				walk(c)
			}
		case query.Term:
			if n.Field == query.FieldText {
				for _, t := range query.Analyze(n.Value) {
					want[t.Text] = true
				}
			}
		case query.Near:
			walk(n.A)
			walk(n.B)
		}
	}
	walk(n)
	return want
}

// snippet is plain text of about 200 characters: the body around the first
// word the query asks for, or else the start of the summary or body.
func snippet(a *article.Article, want map[string]bool) string {
	if len(want) > 0 && a.Body != "" {
		for _, t := range query.Analyze(a.Body) {
			if !want[t.Text] {
				continue
			}
			start := t.Start - snippetLen/3
			if start <= 0 {
				return article.Snippet(oneLine(a.Body), snippetLen)
			}
			// Start at a word boundary (or at least a rune boundary).
			if sp := strings.IndexAny(a.Body[start:t.Start], " \n\t"); sp >= 0 {
				start += sp + 1
			}
			for start < t.Start && !utf8.RuneStart(a.Body[start]) {
				start++
			}
			return "…" + article.Snippet(oneLine(a.Body[start:]), snippetLen)
		}
	}
	text := a.Summary
	if text == "" {
		text = a.Body
	}
	return article.Snippet(oneLine(text), snippetLen)
}

// oneLine folds paragraphs and runs of spaces into single spaces.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// checkPrefixes refuses a query with a prefix (Zel*) that expands to more
// than query.MaxPrefixWords distinct words of a field it searches, so that
// one query cannot make Bleve search every word of the index
// (index.ErrPrefixTooBroad).
func (ix *Index) checkPrefixes(n query.Node) error {
	switch n := n.(type) {
	case query.And:
		for _, c := range n.Children {
			if err := ix.checkPrefixes(c); err != nil {
				return err
			}
		}
	case query.Or:
		for _, c := range n.Children {
			if err := ix.checkPrefixes(c); err != nil {
				return err
			}
		}
	case query.Not:
		return ix.checkPrefixes(n.Child)
	case query.Near:
		for _, a := range append(query.Alternatives(n.A), query.Alternatives(n.B)...) {
			if !a.Prefix {
				continue
			}
			for _, f := range index.NearFields(n) {
				if err := ix.countPrefix(query.Prefix{Value: a.Words[0]}, a.Words[0], f); err != nil {
					return err
				}
			}
		}
	case query.Prefix:
		word, fields := index.PrefixWord(n)
		for _, f := range fields {
			if err := ix.countPrefix(n, word, f); err != nil {
				return err
			}
		}
	}
	return nil
}

func (ix *Index) countPrefix(p query.Prefix, word, field string) (err error) {
	dict, err := ix.idx.FieldDictPrefix(field, []byte(word))
	if err != nil {
		return fmt.Errorf("search: prefix %s*: %w", p.Value, err)
	}
	defer func() {
		if cerr := dict.Close(); cerr != nil && err == nil {
			err = fmt.Errorf("search: prefix %s*: %w", p.Value, cerr)
		}
	}()
	for n := 0; ; n++ {
		e, err := dict.Next()
		if err != nil {
			return fmt.Errorf("search: prefix %s*: %w", p.Value, err)
		}
		if e == nil {
			return nil
		}
		if n == query.MaxPrefixWords {
			return fmt.Errorf("%w: %s* matches more than %d words in %s; type more of the word", index.ErrPrefixTooBroad, p.Value, query.MaxPrefixWords, field)
		}
	}
}
