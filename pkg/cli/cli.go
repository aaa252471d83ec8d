package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"

	"github.com/parley-news/parley/pkg/app"
)

// Env is what a command may touch of the process, so tests can run
// commands in-process.
type Env struct {
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	Getenv func(string) string
}

// OSEnv is the real process environment.
func OSEnv() Env {
	return Env{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv}
}

// errUsage marks a command-line mistake: exit status 2.
var errUsage = errors.New("usage")

const usage = `parley ingests news feeds, extracts and enriches every article, and makes
diplomatic coverage searchable and alertable within seconds.

Usage:
  parley [run] [flags]              everything in one process (embedded NATS and index by default)
  parley fetcher|parser|indexer|alerter [flags]
                                    one stage, against --nats-url (and --es-url for the indexer)
  parley api [flags]                the HTTP API and search page over an existing index
  parley extract [--url URL] FILE|- parse one HTML page, print the article JSON
  parley search [--json] QUERY      query the API of a running parley or parley api (--api)
  parley watch [--query Q | --rule NAME | --subject S] [--all] [--count N]
                                    print alerts as JSON lines
  parley feeds list|add URL|remove URL|import FILE.opml|export [--api URL]
                                    manage the feeds of a running parley through its API
  parley feeds list|add URL|remove URL --data DIR
                                    the same on the state of a stopped parley (e.g. one a
                                    feed keeps from starting); refused while parley runs on DIR
  parley dlq list|replay [--stage S] messages a stage gave up on
  parley replay parse --since T | index --into DIR|NAME
                                    re-extract kept pages; or fill a fresh index from the kept
                                    articles (Elasticsearch: a new index, then the alias moves)
  parley version

Run 'parley COMMAND --help' for the flags of a command. Every flag can also be
set as PARLEY_<FLAG> in the environment (e.g. PARLEY_ES_URL) or in a YAML file
given with --config (snake_case keys).
`

// Main runs the command line args (without the program name) and returns
// the exit status.
func Main(ctx context.Context, args []string, env Env) int {
	err := run(ctx, args, env)
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, errUsage):
		fmt.Fprintln(env.Stderr, "parley:", strings.TrimSuffix(err.Error(), ": usage"))
		return 2
	default:
		fmt.Fprintln(env.Stderr, "parley:", err)
		return 1
	}
}

func run(ctx context.Context, args []string, env Env) error {
	cmd := "run"
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "run":
		return runRoles(ctx, "run", app.AllRoles, args, env)
	case "fetcher":
		return runRoles(ctx, cmd, []app.Role{app.RoleFetcher}, args, env)
	case "parser":
		return runRoles(ctx, cmd, []app.Role{app.RoleParser}, args, env)
	case "indexer":
		return runRoles(ctx, cmd, []app.Role{app.RoleIndexer}, args, env)
	case "alerter":
		return runRoles(ctx, cmd, []app.Role{app.RoleAlerter}, args, env)
	case "api":
		return runRoles(ctx, cmd, []app.Role{app.RoleAPI}, args, env)
	case "extract":
		return extractCmd(ctx, args, env)
	case "search":
		return searchCmd(ctx, args, env)
	case "watch":
		return watchCmd(ctx, args, env)
	case "feeds":
		return feedsCmd(ctx, args, env)
	case "dlq":
		return dlqCmd(ctx, args, env)
	case "replay":
		return replayCmd(ctx, args, env)
	case "version":
		fmt.Fprintln(env.Stdout, "parley", Version)
		return nil
	case "help", "-h", "--help":
		fmt.Fprint(env.Stdout, usage)
		return nil
	}
	fmt.Fprint(env.Stderr, usage)
	return fmt.Errorf("unknown command %q: %w", cmd, errUsage)
}

// Version is set at build time with -ldflags "-X .../cli.Version=...".
var Version = "dev"

func newFlagSet(name string, env Env, extra string) *flag.FlagSet {
	fs := flag.NewFlagSet("parley "+name, flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	fs.Usage = func() {
		fmt.Fprintf(env.Stderr, "Usage: parley %s [flags]%s\n\nFlags:\n", name, extra)
		describeFlags(env.Stderr, fs)
	}
	return fs
}

// newLogger builds the process logger from the config.
func newLogger(cfg app.Config, w io.Writer) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(cfg.LogLevel))
	opts := &slog.HandlerOptions{Level: level}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

func runRoles(ctx context.Context, name string, roles []app.Role, args []string, env Env) error {
	fs := newFlagSet(name, env, "")
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
	if name != "run" && name != "api" && cfg.NATSURL == "" {
		return fmt.Errorf("parley %s needs --nats-url (or PARLEY_NATS_URL): a single stage runs against an external NATS; use 'parley run' for everything in one process: %w", name, errUsage)
	}
	if name == "api" && cfg.NATSURL == "" && cfg.ESURL == "" {
		return fmt.Errorf("parley api needs --es-url or --nats-url (with the embedded index under --data): %w", errUsage)
	}
	log := newLogger(cfg, env.Stderr)
	if name != "run" {
		cfg.NATSListen = ""
	}
	// A bad setting is a usage error (app.New checks them all before
	// anything starts); app.Supervise reports the others.
	if _, err := app.New(cfg, roles, log); err != nil {
		return fmt.Errorf("%w: %w", err, errUsage)
	}
	return app.Supervise(ctx, cfg, roles, log, nil)
}
