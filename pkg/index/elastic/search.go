package elastic

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/parley-news/parley/pkg/article"
	"github.com/parley-news/parley/pkg/index"
	"github.com/parley-news/parley/pkg/query"
)

const (
	defaultSize = 10
	maxWindow   = 10000 // index.max_result_window
	snippetLen  = 280
)

// Search runs one request. The query is expanded with the configured
// Resolver (all known spellings of a name) and translated from its AST.
// Hits sort by relevance, then newest first; a match-everything query, or
// req.Sort SortDate, sorts newest first.
func (ix *Index) Search(ctx context.Context, req index.Request) (*index.Result, error) {
	q := ix.expanded(req.Query)
	if q != nil {
		// One now for the query and the histogram's span.
		q = query.Resolve(q, time.Now())
	}
	body, err := SearchBody(q, req)
	if err != nil {
		return nil, err
	}
	var r searchResponse
	if err := ix.call(ctx, ix.es, "search", http.MethodPost, "/"+ix.target+"/_search", body, &r); err != nil {
		return nil, err
	}
	return r.result(req, q)
}

// expanded is q with every spelling of its names (the configured Resolver).
func (ix *Index) expanded(q query.Node) query.Node {
	if q != nil && ix.cfg.Resolver != nil {
		q = expand(q, ix.cfg.Resolver)
	}
	return q
}

// SearchBody is the _search request for req with its (already expanded)
// query q. Relative dates in q are fixed to the time of the call.
func SearchBody(q query.Node, req index.Request) (map[string]any, error) {
	if q != nil {
		q = query.Resolve(q, time.Now())
	}
	eq, err := Translate(q)
	if err != nil {
		return nil, err
	}
	size := req.Size
	if size <= 0 {
		size = defaultSize
	}
	from := max(req.From, 0)
	if from >= maxWindow {
		return nil, fmt.Errorf("search: from %d: must be below %d", from, maxWindow)
	}
	size = min(size, maxWindow-from)
	body := map[string]any{
		"query":            eq,
		"from":             from,
		"size":             size,
		"track_total_hits": true,
		"_source":          []string{"id", "url", "title", "source", "published_at", "language", "story_id", "event_id", "summary", fieldArticle + ".quotes"},
		"highlight": map[string]any{
			"pre_tags":  []string{""},
			"post_tags": []string{""},
			"fields": map[string]any{
				index.DocBody: map[string]any{
					"type":                "plain",
					"fragment_size":       snippetLen,
					"number_of_fragments": 1,
					"no_match_size":       snippetLen,
				},
			},
		},
	}
	dateDesc := map[string]any{index.DocPublishedAt: map[string]any{"order": "desc", "missing": "_last"}}
	idAsc := map[string]any{"id": map[string]any{"order": "asc"}}
	switch req.Sort {
	case "", index.SortRelevance:
		if isAll(q) {
			body["sort"] = []any{dateDesc, idAsc}
		} else {
			body["sort"] = []any{"_score", dateDesc, idAsc}
		}
	case index.SortDate:
		body["sort"] = []any{dateDesc, idAsc}
	default:
		return nil, fmt.Errorf("search: unknown sort %q (want relevance or date)", req.Sort)
	}
	aggs := map[string]any{}
	if req.Histogram != "" {
		if !index.ValidInterval(req.Histogram) {
			return nil, fmt.Errorf("search: unknown histogram interval %q (want hour, day, week or month)", req.Histogram)
		}
		// Non-empty buckets only: index.Buckets fills the gaps, the same
		// way for both backends, and bounds their number.
		aggs["histogram"] = map[string]any{"date_histogram": map[string]any{
			"field": index.DocPublishedAt, "calendar_interval": req.Histogram, "time_zone": "UTC", "min_doc_count": 1,
		}}
	}
	for _, f := range req.Facets {
		field, ok := facetField(f)
		if !ok {
			return nil, fmt.Errorf("search: unknown facet %q (want source, language, country, person, topic or speaker)", f)
		}
		aggs["facet_"+f] = map[string]any{"terms": map[string]any{"field": field, "size": req.FacetSizeOf()}}
	}
	if req.CollapseStories {
		body["collapse"] = map[string]any{"field": fieldStoryKey}
		// hits.total counts articles; the total of a collapsed search is
		// its number of stories.
		aggs["stories"] = map[string]any{"cardinality": map[string]any{"field": fieldStoryKey, "precision_threshold": 40000}}
	}
	if len(aggs) > 0 {
		body["aggs"] = aggs
	}
	return body, nil
}

type searchResponse struct {
	Hits struct {
		Total struct {
			Value int `json:"value"`
		} `json:"total"`
		Hits []struct {
			Source struct {
				ID          string     `json:"id"`
				URL         string     `json:"url"`
				Title       string     `json:"title"`
				Source      string     `json:"source"`
				PublishedAt *time.Time `json:"published_at"`
				Language    string     `json:"language"`
				StoryID     string     `json:"story_id"`
				EventID     string     `json:"event_id"`
				Summary     string     `json:"summary"`
				Article     struct {
					Quotes []article.Quote `json:"quotes"`
				} `json:"article"`
			} `json:"_source"`
			Highlight map[string][]string `json:"highlight"`
		} `json:"hits"`
	} `json:"hits"`
	Aggregations map[string]json.RawMessage `json:"aggregations"`
}

func (r *searchResponse) result(req index.Request, q query.Node) (*index.Result, error) {
	res := &index.Result{Total: r.Hits.Total.Value, Hits: make([]index.Hit, 0, len(r.Hits.Hits))}
	for _, h := range r.Hits.Hits {
		s := h.Source
		snippet := ""
		if hl := h.Highlight[index.DocBody]; len(hl) > 0 {
			snippet = cleanSnippet(hl[0])
		}
		if snippet == "" {
			snippet = article.Snippet(s.Summary, snippetLen)
		}
		res.Hits = append(res.Hits, index.Hit{
			ID: s.ID, URL: s.URL, Title: s.Title, Source: s.Source, PublishedAt: s.PublishedAt,
			Language: s.Language, Snippet: snippet, StoryID: s.StoryID, EventID: s.EventID,
			Quotes: query.MatchingQuotes(q, s.Language, s.Article.Quotes),
		})
	}
	if len(req.Facets) > 0 {
		res.Facets = map[string][]index.FacetCount{}
		for _, f := range req.Facets {
			var a struct {
				Buckets []struct {
					Key      string `json:"key"`
					DocCount int    `json:"doc_count"`
				} `json:"buckets"`
			}
			_ = json.Unmarshal(r.Aggregations["facet_"+f], &a)
			counts := make([]index.FacetCount, 0, len(a.Buckets))
			for _, b := range a.Buckets {
				counts = append(counts, index.FacetCount{Value: b.Key, Count: b.DocCount})
			}
			res.Facets[f] = counts
		}
	}
	if req.CollapseStories {
		var c struct {
			Value int `json:"value"`
		}
		if json.Unmarshal(r.Aggregations["stories"], &c) == nil {
			res.Total = c.Value
		}
	}
	if req.Histogram != "" {
		var h struct {
			Buckets []struct {
				Key      int64 `json:"key"`
				DocCount int   `json:"doc_count"`
			} `json:"buckets"`
		}
		if err := json.Unmarshal(r.Aggregations["histogram"], &h); err != nil {
			return nil, fmt.Errorf("search: decode histogram: %w", err)
		}
		counts := make(map[time.Time]int, len(h.Buckets))
		for _, b := range h.Buckets {
			counts[time.UnixMilli(b.Key).UTC()] += b.DocCount
		}
		var err error
		from, to := query.DateBounds(q)
		if res.Histogram, err = index.Buckets(counts, req.Histogram, from, to); err != nil {
			return nil, fmt.Errorf("search: %w", err)
		}
	}
	return res, nil
}

// cleanSnippet puts a highlight fragment on one line. The fragment is
// plain text already: the highlighter's tags are empty strings.
func cleanSnippet(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
