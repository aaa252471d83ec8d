// Package article defines the article parley passes between its stages and
// serves through its API (docs/contract.md, Article), with the rules that make its id stable:
// the canonical URL with tracking parameters removed.
package article

import (
	"time"
)

// Article is the extracted, enriched article. The same JSON travels on
// parley.articles.<language>, comes out of `parley extract` and the API.
// A field a stage does not fill is left empty, never invented.
type Article struct {
	ID          string     `json:"id"`
	URL         string     `json:"url"`
	FeedURL     string     `json:"feed_url,omitempty"`
	Source      string     `json:"source,omitempty"`
	Title       string     `json:"title"`
	Body        string     `json:"body"`
	Summary     string     `json:"summary,omitempty"`
	Authors     []string   `json:"authors,omitempty"`
	PublishedAt *time.Time `json:"published_at,omitempty"`
	UpdatedAt   *time.Time `json:"updated_at,omitempty"`
	FetchedAt   *time.Time `json:"fetched_at,omitempty"`
	Language    string     `json:"language,omitempty"`
	Image       string     `json:"image,omitempty"`
	Categories  []string   `json:"categories,omitempty"`
	Entities    Entities   `json:"entities"`
	Quotes      []Quote    `json:"quotes,omitempty"`
	Topics      []string   `json:"topics,omitempty"`
	StoryID     string     `json:"story_id,omitempty"`
	// EventID is the same for every article reporting one event, by any
	// outlet in any language (package event); copies share a StoryID
	// within it.
	EventID string `json:"event_id,omitempty"`

	// Extraction notes that help users
	// see why a body is empty ("no article found: index page").
	EmptyReason string `json:"empty_reason,omitempty"`
	// PageError says why the page could not be fetched (refused, too
	// large, not HTML, a redirect loop, too slow); the body then comes from
	// the feed item's own content.
	PageError string `json:"page_error,omitempty"`
	// Truncated says which fields were cut, and from what size, for the
	// article to fit one NATS message (a page of megabytes of text).
	Truncated string `json:"truncated,omitempty"`
	// Dateline is the place named in a dateline such as "KYIV, Jan 24 (Reuters) -".
	Dateline string `json:"dateline,omitempty"`
	// Version counts how often the page under this URL changed; the previous
	// versions are kept in parley_article_versions (GET /api/articles/{id}/versions).
	Version int `json:"version,omitempty"`
}

// Entities are the people, organisations, places and countries an article
// mentions, with canonical names and Wikidata ids where known.
type Entities struct {
	People        []Entity `json:"people"`
	Organizations []Entity `json:"organizations"`
	Places        []Entity `json:"places"`
	Countries     []string `json:"countries"` // ISO 3166-1 alpha-2
}

// Entity is one resolved name.
type Entity struct {
	Name string `json:"name"`
	ID   string `json:"id,omitempty"` // Wikidata QID
}

// EntityKey is what the search index keys an entity by: its Wikidata id,
// or, for an entity the gazetteer knows without one, its canonical name
// ("name:Dmitry Peskov"), so a search for any of its spellings still finds
// every article that mentions it.
func EntityKey(e Entity) string {
	if e.ID != "" {
		return e.ID
	}
	if e.Name == "" {
		return ""
	}
	return "name:" + e.Name
}

// Quote is a direct quotation and who said it.
type Quote struct {
	Speaker   string `json:"speaker,omitempty"`
	SpeakerID string `json:"speaker_id,omitempty"`
	Text      string `json:"text"`
}

// Summary is the short form of an article carried in alerts (docs/contract.md).
type Summary struct {
	ID          string     `json:"id"`
	URL         string     `json:"url"`
	Title       string     `json:"title"`
	Source      string     `json:"source,omitempty"`
	PublishedAt *time.Time `json:"published_at,omitempty"`
	Snippet     string     `json:"snippet,omitempty"`
}

// Summarize returns the alert summary of a.
func (a *Article) Summarize() Summary {
	snippet := a.Summary
	if snippet == "" {
		snippet = a.Body
	}
	return Summary{
		ID:          a.ID,
		URL:         a.URL,
		Title:       a.Title,
		Source:      a.Source,
		PublishedAt: a.PublishedAt,
		Snippet:     Snippet(snippet, 280),
	}
}

// Snippet cuts text to at most n runes at a word boundary, adding an ellipsis
// when it cut.
func Snippet(text string, n int) string {
	r := []rune(text)
	if len(r) <= n {
		return text
	}
	cut := n
	for i := n; i > n/2; i-- {
		if r[i] == ' ' || r[i] == '\n' {
			cut = i
			break
		}
	}
	return string(r[:cut]) + "…"
}
