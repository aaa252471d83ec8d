// Package index holds what the search backends share: the request and
// result of a search, the not-found error, and the fields every backend
// indexes. The backends live in index/embedded (Bleve) and index/elastic.
package index

import (
	"errors"
	"time"

	"github.com/parley-news/parley/pkg/article"
	"github.com/parley-news/parley/pkg/query"
)

// ErrNotFound is returned when an article id is unknown.
var ErrNotFound = errors.New("article not found")

// Request is one search.
type Request struct {
	Query query.Node
	From  int
	Size  int
	// Facets asks for counts of the top values of these facets (FacetSource,
	// FacetLanguage, FacetCountry, FacetPerson, FacetTopic, FacetSpeaker).
	Facets []string
	// CollapseStories returns one hit per story_id.
	CollapseStories bool
	// FacetSize is how many top values each facet counts: 0 means
	// DefaultFacetSize; at most MaxFacetSize.
	FacetSize int
	// Sort orders the hits: SortRelevance (the default: by relevance,
	// then newest first; a query matching everything comes newest first)
	// or SortDate (newest published_at first, articles without a date
	// last, ties by id).
	Sort string
	// Histogram, when set (HistogramHour, HistogramDay, HistogramWeek or
	// HistogramMonth), counts all matching articles by when they were
	// published (Result.Histogram).
	Histogram string
}

// Sort orders of Request.Sort.
const (
	SortRelevance = "relevance"
	SortDate      = "date"
)

// Facet sizes: the default and the largest a request may ask for.
const (
	DefaultFacetSize = 10
	MaxFacetSize     = 100
)

// FacetSizeOf is the facet size a request asks for, within bounds.
func (r Request) FacetSizeOf() int {
	if r.FacetSize <= 0 {
		return DefaultFacetSize
	}
	return min(r.FacetSize, MaxFacetSize)
}

// Facet names.
const (
	FacetSource   = "source"
	FacetLanguage = "language"
	FacetCountry  = "country"
	FacetPerson   = "person"
	FacetTopic    = "topic"
	// FacetSpeaker counts the articles quoting each speaker, by the name
	// the quotation carries (the enricher writes known people under their
	// canonical name).
	FacetSpeaker = "speaker"
)

// Result is a page of hits.
type Result struct {
	Total  int                     `json:"total"`
	Hits   []Hit                   `json:"hits"`
	Facets map[string][]FacetCount `json:"facets"`
	// Histogram is set when the request asked for one (see Buckets).
	Histogram []Bucket `json:"histogram,omitempty"`
	// Hint is set by the API, not the backends: query.ParseHints' hints on
	// the query, joined with "; " (language:russian was read as
	// language:ru; did you mean OR?).
	Hint string `json:"hint,omitempty"`
}

// Hit is one search result of GET /api/search (docs/contract.md).
type Hit struct {
	ID          string     `json:"id"`
	URL         string     `json:"url"`
	Title       string     `json:"title"`
	Source      string     `json:"source"`
	PublishedAt *time.Time `json:"published_at,omitempty"`
	Language    string     `json:"language"`
	Snippet     string     `json:"snippet"`
	StoryID     string     `json:"story_id,omitempty"`
	EventID     string     `json:"event_id,omitempty"`
	// Quotes are the article's quotations the query's speaker: and
	// quote: terms pick out (query.MatchingQuotes), with their speakers.
	Quotes []article.Quote `json:"quotes,omitempty"`
}

// FacetCount is one value of a facet and how many hits have it.
type FacetCount struct {
	Value string `json:"value"`
	Count int    `json:"count"`
}
