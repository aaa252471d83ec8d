// Package feed reads feed documents (RSS 0.9x/1.0/2.0, Atom, JSON Feed) in
// any encoding into items, and reads feed lists (plain URL lists, OPML, YAML).
package feed

import "time"

// Item is one feed entry as parley keeps it on parley.raw.<source>.
type Item struct {
	GUID       string     `json:"guid,omitempty"`
	Link       string     `json:"link,omitempty"` // absolute; falls back to a permalink guid
	Title      string     `json:"title,omitempty"`
	Summary    string     `json:"summary,omitempty"` // description, HTML as in the feed
	Content    string     `json:"content,omitempty"` // content:encoded / atom content, HTML
	Authors    []string   `json:"authors,omitempty"`
	Published  *time.Time `json:"published,omitempty"`
	Updated    *time.Time `json:"updated,omitempty"`
	Categories []string   `json:"categories,omitempty"`
	Image      string     `json:"image,omitempty"`
	Language   string     `json:"language,omitempty"` // the feed's declared language
}

// Feed is a decoded feed document.
type Feed struct {
	Title    string `json:"title,omitempty"`
	Link     string `json:"link,omitempty"`
	Language string `json:"language,omitempty"`
	Items    []Item `json:"items"`
	// MinInterval is how often at most the feed asks to be fetched: RSS
	// <ttl>, or sy:updatePeriod divided by sy:updateFrequency; zero when
	// it says nothing.
	MinInterval time.Duration `json:"min_interval,omitempty"`
	// Hub and Self are the WebSub hub the feed advertises (<atom:link
	// rel="hub">, JSON Feed "hubs") and its own canonical URL (rel="self"),
	// the topic to subscribe to.
	Hub  string `json:"hub,omitempty"`
	Self string `json:"self,omitempty"`
}
