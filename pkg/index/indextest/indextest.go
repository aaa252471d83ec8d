// Package indextest makes articles in bulk for tests and benchmarks of the
// index backends and of what reads them (exports, histograms): many
// distinct articles whose matches for a few queries are known by number.
package indextest

import (
	"fmt"
	"time"

	"github.com/parley-news/parley/pkg/article"
)

// Start is the publication time of article 0; article i is published i
// minutes later.
var Start = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// Articles makes n articles art-000000 ... : every one is about diplomacy
// and names Antonio Guterres; every third (i%3 == 0) also mentions a
// summit and quotes Sergey Lavrov; every fifth has a title a spreadsheet
// would run as a formula; two consecutive articles share a story, and six
// an event (three stories).
func Articles(n int) []*article.Article {
	arts := make([]*article.Article, n)
	for i := range arts {
		p := Start.Add(time.Duration(i) * time.Minute)
		a := &article.Article{
			ID: fmt.Sprintf("art-%06d", i), URL: fmt.Sprintf("https://example.org/news/%d", i),
			Source: "Example News", Language: "en", PublishedAt: &p, StoryID: fmt.Sprintf("s%d", i/2),
			EventID: fmt.Sprintf("e%d", i/6),
			Title:   fmt.Sprintf("Report number %d, with a comma", i),
			Body:    "Diplomats met again.",
			Topics:  []string{"diplomacy"},
			Entities: article.Entities{
				People:    []article.Entity{{Name: "Antonio Guterres", ID: "Q311440"}},
				Countries: []string{"US", "CH"},
			},
		}
		if i%3 == 0 {
			a.Body = "The summit opened. Sergey Lavrov spoke."
			a.Quotes = []article.Quote{{Speaker: "Sergey Lavrov", Text: "We are ready, \"in principle\", to talk"}}
		}
		if i%5 == 0 {
			a.Title = fmt.Sprintf("=HYPERLINK(\"https://evil.example/%d\")", i)
		}
		arts[i] = a
	}
	return arts
}
