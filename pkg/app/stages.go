package app

import (
	"fmt"
	"log/slog"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/parley-news/parley/pkg/bus"
	"github.com/parley-news/parley/pkg/enrich"
	"github.com/parley-news/parley/pkg/event"
	"github.com/parley-news/parley/pkg/extract"
	"github.com/parley-news/parley/pkg/parser"
	"github.com/parley-news/parley/pkg/story"
)

// The constructors here are the one place a stage's parts are built from
// the configuration: `parley run`, a process of one role and the commands
// that run part of a stage (`parley replay parse`, `parley extract`) all
// call them, so that they cannot come to extract or enrich differently.

// NewExtraction builds what turns one page into an enriched article: the
// extractor with the configured site rules, and the enricher over gaz.
func NewExtraction(cfg Config, gaz *enrich.Gazetteer, log *slog.Logger) (*extract.Extractor, *enrich.Enricher, error) {
	ex, err := extract.New(extract.Config{SiteRules: cfg.SiteRules, Logger: log})
	if err != nil {
		return nil, nil, fmt.Errorf("extractor: %w", err)
	}
	en, err := enrich.New(enrich.Config{}, gaz)
	if err != nil {
		return nil, nil, fmt.Errorf("enricher: %w", err)
	}
	return ex, en, nil
}

// NewParser builds the parsing stage over b: extraction, enrichment, the
// story index over the stories bucket and the event index over the events
// bucket. reg may be nil (no metrics).
func NewParser(cfg Config, b *bus.Bus, gaz *enrich.Gazetteer, reg prometheus.Registerer, log *slog.Logger) (*parser.Parser, error) {
	cfg.Defaults()
	ex, en, err := NewExtraction(cfg, gaz, log)
	if err != nil {
		return nil, err
	}
	st, err := story.New(story.Config{}, story.NewKVStore(b.KV(bus.BucketStories)))
	if err != nil {
		return nil, fmt.Errorf("stories: %w", err)
	}
	ev, err := event.New(event.Config{Logger: log}, event.NewKVStore(b.KV(bus.BucketEvents)))
	if err != nil {
		return nil, fmt.Errorf("events: %w", err)
	}
	return parser.New(parser.Config{Workers: cfg.ParserWorkers, ShutdownTimeout: cfg.ShutdownTimeout}, b, ex, en, st, ev, reg, log)
}
