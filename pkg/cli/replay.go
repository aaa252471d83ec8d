package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/parley-news/parley/pkg/app"
	"github.com/parley-news/parley/pkg/bus"
	"github.com/parley-news/parley/pkg/enrich"
	"github.com/parley-news/parley/pkg/index/elastic"
	"github.com/parley-news/parley/pkg/index/embedded"
	"github.com/parley-news/parley/pkg/redact"
	"github.com/parley-news/parley/pkg/replay"
)

// replayCmd is `parley replay parse --since T` and `parley replay index
// --into DIR|NAME`.
func replayCmd(ctx context.Context, args []string, env Env) error {
	var verb string
	if len(args) > 0 && args[0] != "" && args[0][0] != '-' {
		verb, args = args[0], args[1:]
	}
	fs := newFlagSet("replay", env, " parse --since T | index --into DIR|NAME")
	since := fs.String("since", "", "replay parse: pages fetched at or after this time (RFC 3339, a date like 2026-01-24, or a duration back from now like 48h)")
	into := fs.String("into", "", "replay index: a new directory to fill with a fresh embedded index, or with --es-url the name of a new Elasticsearch index (default <es-index>-v<mapping>-<UTC time>) that the alias is moved to once filled")
	force := fs.Bool("force", false, "replay index into Elasticsearch: move the alias even when the new index holds fewer articles than the old one (articles older than the stream's retention are not kept)")
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
		if *into == "" && cfg.ESURL == "" {
			return fmt.Errorf("replay index needs --into DIR (or --es-url): %w", errUsage)
		}
	default:
		fmt.Fprint(env.Stderr, "Usage: parley replay parse --since T | index --into DIR|NAME [flags]\n")
		return fmt.Errorf("unknown replay command %q (parse, index): %w", verb, errUsage)
	}
	log := newLogger(cfg, env.Stderr)
	bcfg, err := cfg.NATS()
	if err != nil {
		return err
	}
	bcfg.ConnectWait = 5 * time.Second
	b, err := bus.Connect(ctx, bcfg, log)
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
		p, err := app.NewParser(cfg, b, gaz, nil, log)
		if err != nil {
			return err
		}
		stats, err := replay.Parse(ctx, b.JetStream(), p, b, t, log)
		fmt.Fprintf(env.Stderr, "re-parsed %d pages fetched since %s: %d articles published, %d failed\n", stats.Read, t.UTC().Format(time.RFC3339), stats.Published, stats.Failed)
		return err
	}

	if cfg.ESURL != "" {
		name := *into
		if name == "" {
			name = fmt.Sprintf("%s-v%d-%s", cfg.ESIndex, elastic.MappingVersion, time.Now().UTC().Format("20060102-150405"))
		}
		return replayElastic(ctx, b, cfg.Elastic(gaz), name, cfg.IndexerBatch, *force, env, log)
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

// replayElastic fills a new Elasticsearch index from the kept articles
// and moves the alias to it (replay.Swap), saying how to undo each step.
func replayElastic(ctx context.Context, b *bus.Bus, cfg elastic.Config, name string, batch int, force bool, env Env, log *slog.Logger) (err error) {
	ix, err := elastic.Create(ctx, cfg, name, log)
	if err != nil {
		return fmt.Errorf("elasticsearch: %w", err)
	}
	defer func() {
		if cerr := ix.Close(); err == nil {
			err = cerr
		}
	}()
	es := redact.List(cfg.URLs[0])
	fmt.Fprintf(env.Stderr, "filling %s from %s (the live index stays in use meanwhile)\n", name, bus.StreamArticles)
	st, err := replay.Swap(ctx, b.JetStream(), ix, batch, force, log)
	if st.Fill.Read > 0 || st.Live > 0 {
		fmt.Fprintf(env.Stderr, "filled %s with %d articles from %d kept messages; the alias %s shows %d\n", name, st.Filled, st.Fill.Read, cfg.Index, st.Live)
	}
	switch {
	case errors.Is(err, replay.ErrFewer):
		return fmt.Errorf("%s: %w; articles older than the articles stream's retention (--articles-retention) are not kept, so moving the alias would hide them; re-run with --force to move it anyway; delete the new index with: curl -X DELETE '%s/%s'", name, err, es, name)
	case errors.Is(err, replay.ErrNotSwapped):
		return fmt.Errorf("%w; delete the new index with: curl -X DELETE '%s/%s'", err, es, name)
	}
	if st.Moved {
		back := ""
		if len(st.Old) > 0 {
			back = fmt.Sprintf(" (to move it back: curl -X POST '%s/_aliases' -H 'Content-Type: application/json' -d '{\"actions\":[{\"remove\":{\"index\":\"%s\",\"alias\":\"%s\"}},{\"add\":{\"index\":\"%s\",\"alias\":\"%s\",\"is_write_index\":true}}]}')",
				es, name, cfg.Index, st.Old[len(st.Old)-1], cfg.Index)
		}
		fmt.Fprintf(env.Stderr, "moved the alias %s from %v to %s%s\n", cfg.Index, st.Old, name, back)
	}
	if err != nil {
		return fmt.Errorf("%w; run `parley replay index` again into another new index", err)
	}
	fmt.Fprintf(env.Stderr, "caught up with %d articles published meanwhile; %s now holds %d articles\n", st.CatchUp.Read, name, st.Holds)
	for _, o := range st.Old {
		fmt.Fprintf(env.Stderr, "the old index %s is kept: delete it once you trust the new one: curl -X DELETE '%s/%s'\n", o, es, o)
	}
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
