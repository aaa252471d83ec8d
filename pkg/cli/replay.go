package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/parley-news/parley/pkg/bus"
	"github.com/parley-news/parley/pkg/enrich"
	"github.com/parley-news/parley/pkg/extract"
	"github.com/parley-news/parley/pkg/index/embedded"
	"github.com/parley-news/parley/pkg/parser"
	"github.com/parley-news/parley/pkg/replay"
	"github.com/parley-news/parley/pkg/story"
)

// replayCmd is `parley replay parse --since T` and `parley replay index --into DIR`.
func replayCmd(ctx context.Context, args []string, env Env) error {
	var verb string
	if len(args) > 0 && args[0] != "" && args[0][0] != '-' {
		verb, args = args[0], args[1:]
	}
	fs := newFlagSet("replay", env, " parse --since T | index --into DIR")
	since := fs.String("since", "", "replay parse: pages fetched at or after this time (RFC 3339, a date like 2026-01-24, or a duration back from now like 48h)")
	into := fs.String("into", "", "replay index: a new directory to fill with a fresh embedded index")
	cfg, rest, err := loadConfig(fs, args, env.Getenv)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return fmt.Errorf("%w: %w", err, errUsage)
	}
	if len(rest) > 0 {
		return fmt.Errorf("unexpected arguments %q: %w", rest, errUsage)
	}
	switch verb {
	case "parse":
		if *since == "" {
			return fmt.Errorf("replay parse needs --since: %w", errUsage)
		}
	case "index":
		if *into == "" {
			return fmt.Errorf("replay index needs --into DIR: %w", errUsage)
		}
		if cfg.ESURL != "" {
			return errors.New("replay index into Elasticsearch is not supported yet: the elastic backend has no versioned index and alias swap; fill an embedded index with --into, or re-run the indexer with a new --es-index")
		}
	default:
		fmt.Fprint(env.Stderr, "Usage: parley replay parse --since T | index --into DIR [flags]\n")
		return fmt.Errorf("unknown replay command %q (parse, index): %w", verb, errUsage)
	}
	log := newLogger(cfg, env.Stderr)
	url := cfg.NATSURL
	if url == "" {
		url = "nats://" + cfg.NATSListen
	}
	b, err := bus.Connect(ctx, bus.Config{
		URL: url, CredsFile: cfg.NATSCreds, NKeyFile: cfg.NATSNKey,
		User: cfg.NATSUser, Password: cfg.NATSPass, Token: cfg.NATSToken,
		CAFile: cfg.NATSCA, CertFile: cfg.NATSCert, KeyFile: cfg.NATSKey,
		RawMaxAge: cfg.RawRetention, ArticlesMaxAge: cfg.ArticlesRetention,
		ConnectWait: 5 * time.Second,
	}, log)
	if err != nil {
		return err
	}
	defer func() {
		_ = b.Close()
		b.Conn().Close()
	}()
	gaz, err := enrich.NewGazetteer()
	if err != nil {
		return fmt.Errorf("gazetteer: %w", err)
	}
	if verb == "parse" {
		t, err := parseSince(*since, time.Now())
		if err != nil {
			return fmt.Errorf("--since %q: %w: %w", *since, err, errUsage)
		}
		ex, err := extract.New(extract.Config{})
		if err != nil {
			return fmt.Errorf("extractor: %w", err)
		}
		en, err := enrich.New(enrich.Config{}, gaz)
		if err != nil {
			return fmt.Errorf("enricher: %w", err)
		}
		st, err := story.New(story.Config{}, replay.NewStoryStore(b))
		if err != nil {
			return fmt.Errorf("stories: %w", err)
		}
		p, err := parser.New(parser.Config{}, b, ex, en, st, nil, log)
		if err != nil {
			return err
		}
		stats, err := replay.Parse(ctx, b.JetStream(), p, b, t, log)
		fmt.Fprintf(env.Stderr, "re-parsed %d pages fetched since %s: %d articles published, %d failed\n", stats.Read, t.UTC().Format(time.RFC3339), stats.Published, stats.Failed)
		return err
	}

	dir := filepath.Clean(*into)
	if entries, err := os.ReadDir(dir); err == nil && len(entries) > 0 {
		return fmt.Errorf("--into %s: not empty; replay index fills a new directory", dir)
	}
	ix, err := embedded.Open(embedded.Config{Path: dir, Resolver: gaz}, log)
	if err != nil {
		return err
	}
	stats, err := replay.Index(ctx, b.JetStream(), ix, cfg.IndexerBatch, log)
	n, cerr := ix.Count(ctx)
	if cerr == nil {
		cerr = ix.Close()
	} else {
		_ = ix.Close()
	}
	if err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	cur := filepath.Join(cfg.Data, "index")
	fmt.Fprintf(env.Stderr, "filled %s with %d articles from %d kept messages\n", dir, n, stats.Read)
	fmt.Fprintf(env.Stderr, "to use it: stop parley (or the indexer and api), then\n  mv %s %s.old && mv %s %s\nand start it again; the indexer goes on from where its consumer stands.\n", cur, cur, dir, cur)
	return nil
}

// parseSince reads an RFC 3339 time, a date, or a duration back from now.
func parseSince(s string, now time.Time) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	if t, err := time.Parse("2006-01-02", s); err == nil {
		return t, nil
	}
	if d, err := time.ParseDuration(s); err == nil && d >= 0 {
		return now.Add(-d), nil
	}
	return time.Time{}, errors.New("want an RFC 3339 time, a date (2006-01-02) or a duration (48h)")
}
