// Package enrich finds who and what a diplomatic news article is about:
// people, organisations, places and countries resolved through a gazetteer
// kept as data in the repository (any spelling, any script, Russian and
// Ukrainian inflections), direct quotations with their speakers, and
// topics ("diplomacy" and the diplomatic event types). It is pure CPU and
// needs nothing at run time but the embedded data.
package enrich

import (
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"

	"github.com/parley-news/parley/pkg/article"
)

// Config configures an Enricher.
type Config struct {
	// DiplomacyMinEvidence is how many diplomatic words and event phrases
	// (title words count twice) an article needs, besides naming states,
	// to be "diplomacy". Default 3, measured on the labelled feed items
	// in testdata (see README).
	DiplomacyMinEvidence int
	// MaxTextBytes caps the title and body read per article; the rest is
	// ignored. Default 256 KiB.
	MaxTextBytes int
	// Logger receives the gazetteer's size once; default slog.Default().
	Logger *slog.Logger
}

func (c *Config) setDefaults() {
	if c.DiplomacyMinEvidence == 0 {
		c.DiplomacyMinEvidence = 3
	}
	if c.MaxTextBytes == 0 {
		c.MaxTextBytes = 256 << 10
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
}

// Validate reports the first setting out of range.
func (c Config) Validate() error {
	if c.DiplomacyMinEvidence < 0 {
		return fmt.Errorf("enrich: DiplomacyMinEvidence %d must not be negative", c.DiplomacyMinEvidence)
	}
	if c.MaxTextBytes < 0 {
		return fmt.Errorf("enrich: MaxTextBytes %d must not be negative", c.MaxTextBytes)
	}
	return nil
}

// Enricher fills the entities, quotes and topics of articles. It is safe
// for concurrent use.
type Enricher struct {
	cfg    Config
	g      *Gazetteer
	topics *topicModel
	pool   sync.Pool // *work
}

type work struct {
	toks []token
	ms   []mention
}

// New returns an Enricher using the gazetteer g.
func New(cfg Config, g *Gazetteer) (*Enricher, error) {
	if g == nil {
		return nil, errors.New("enrich: nil gazetteer")
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg.setDefaults()
	tm, err := g.loadTopics()
	if err != nil {
		return nil, fmt.Errorf("enrich: %w", err)
	}
	e := &Enricher{cfg: cfg, g: g, topics: tm}
	e.pool.New = func() any { return &work{} }
	st := g.Stats()
	cfg.Logger.Debug("enricher ready", "countries", st[KindCountry], "people", st[KindPerson],
		"organizations", st[KindOrganization], "places", st[KindPlace], "aliases", st["aliases"])
	return e, nil
}

// Gazetteer returns the gazetteer the enricher uses.
func (e *Enricher) Gazetteer() *Gazetteer { return e.g }

// Enrich fills a.Entities, a.Quotes and a.Topics from the title and body
// (the summary when there is no body; not StoryID: see package story).
// Fields are replaced, never merged.
func (e *Enricher) Enrich(a *article.Article) {
	body := a.Body
	if strings.TrimSpace(body) == "" {
		body = a.Summary
	}
	text := a.Title + "\n\n" + body
	titleEnd := len(a.Title)
	if len(text) > e.cfg.MaxTextBytes {
		text = text[:e.cfg.MaxTextBytes]
	}
	w := e.pool.Get().(*work)
	defer e.pool.Put(w)
	w.toks = e.g.tokenize(text, w.toks)
	w.ms = e.g.match(w.toks, primaryLanguage(a.Language), w.ms[:0])
	w.ms = e.g.disambiguate(text, w.toks, w.ms)

	a.Entities = e.g.entitiesOf(w.ms)
	a.Quotes = e.g.quotes(text, w.toks, w.ms)
	a.Topics = e.classify(w.toks, w.ms, titleEnd, &a.Entities)
}

// primaryLanguage returns the ISO 639-1 part of a language tag: "fr-FR",
// "fr_CA" and "FR" are all "fr".
func primaryLanguage(tag string) string {
	if i := strings.IndexAny(tag, "-_"); i >= 0 {
		tag = tag[:i]
	}
	return strings.ToLower(tag)
}

// disambiguate drops mentions of ambiguous names without evidence.
func (g *Gazetteer) disambiguate(text string, toks []token, ms []mention) []mention {
	var lower string
	out := ms[:0]
	for _, m := range ms {
		if amb := g.entries[m.entry].amb; amb != nil {
			if lower == "" {
				lower = strings.ToLower(text)
			}
			if !keepAmbiguous(amb, toks, m, lower, g.entries[m.entry].Kind == KindCountry) {
				continue
			}
		}
		out = append(out, m)
	}
	return out
}

// classify decides the topics: "diplomacy" when the article involves two
// states (countries named, or the countries of the people and state bodies
// named) or a state and an international organisation, has enough
// diplomatic vocabulary or event phrases, and is not a sports story; then
// each event type it mentions.
func (e *Enricher) classify(toks []token, ms []mention, titleEnd int, ents *article.Entities) []string {
	s := e.topics.score(toks, titleEnd)
	states := make(map[string]bool, 8)
	for _, c := range ents.Countries {
		states[c] = true
	}
	seen := make(map[int32]bool, len(ms))
	for _, m := range ms {
		if seen[m.entry] {
			continue
		}
		seen[m.entry] = true
		en := &e.g.entries[m.entry]
		switch {
		case en.Kind == KindPerson && en.Country != "" && en.Role != "":
			states[en.Country] = true
		case en.Kind == KindOrganization && en.Country == "":
			s.intl++
		}
	}
	s.states = len(states)
	s.words = len(toks)
	return e.decide(s)
}

func (e *Enricher) decide(s topicScore) []string {
	// A strong event phrase (ceasefire, summit, sanctions, state visit)
	// counts twice.
	evidence := s.eventSum + s.strong + s.diplomacy
	need := e.cfg.DiplomacyMinEvidence
	if s.words < 60 && need > 2 {
		need = 2 // a headline with a line of summary says less
	}
	if !(s.states >= 2 || s.states >= 1 && s.intl >= 1) || evidence < need || s.strong+s.diplomacy == 0 {
		return nil
	}
	if s.sports >= 3 && s.sports*2 >= evidence {
		return nil
	}
	topics := []string{TopicDiplomacy}
	for k, t := range eventTopicOrder {
		if s.events[k] > 0 {
			topics = append(topics, t)
		}
	}
	return topics
}
