package index

import (
	"time"

	"github.com/parley-news/parley/pkg/article"
)

// Record is one matching article as an export carries it
// (GET /api/export): what an analyst takes into a spreadsheet or a
// notebook, without the text.
type Record struct {
	ID          string          `json:"id"`
	URL         string          `json:"url"`
	Title       string          `json:"title"`
	Source      string          `json:"source"`
	PublishedAt *time.Time      `json:"published_at,omitempty"`
	Language    string          `json:"language"`
	Countries   []string        `json:"countries"`
	People      []string        `json:"people"`
	Topics      []string        `json:"topics"`
	StoryID     string          `json:"story_id"`
	Quotes      []article.Quote `json:"quotes"`
	EventID     string          `json:"event_id"`
}

// ExportArticle is the part of an article (A3 JSON) a Record is made of:
// backends decode stored articles into it, skipping the text.
type ExportArticle struct {
	ID          string     `json:"id"`
	URL         string     `json:"url"`
	Title       string     `json:"title"`
	Source      string     `json:"source"`
	PublishedAt *time.Time `json:"published_at"`
	Language    string     `json:"language"`
	Entities    struct {
		People    []article.Entity `json:"people"`
		Countries []string         `json:"countries"`
	} `json:"entities"`
	Topics  []string        `json:"topics"`
	StoryID string          `json:"story_id"`
	Quotes  []article.Quote `json:"quotes"`
	EventID string          `json:"event_id"`
}

// ExportFields are the article fields ExportArticle reads, as JSON paths
// (for a backend that can fetch only some fields of a stored article).
var ExportFields = []string{
	"id", "url", "title", "source", "published_at", "language", "entities.people.name",
	"entities.countries", "topics", "story_id", "quotes", "event_id",
}

// Record makes the export record of a.
func (a *ExportArticle) Record() Record {
	r := Record{
		ID: a.ID, URL: a.URL, Title: a.Title, Source: a.Source, PublishedAt: a.PublishedAt,
		Language: a.Language, Countries: a.Entities.Countries, Topics: a.Topics, StoryID: a.StoryID,
		Quotes: a.Quotes, EventID: a.EventID,
	}
	for _, p := range a.Entities.People {
		r.People = append(r.People, p.Name)
	}
	return r
}
