package cli

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"

	"github.com/parley-news/parley/pkg/replay"
)

func dlqCmd(ctx context.Context, args []string, env Env) error {
	fs := newFlagSet("dlq", env, " list|replay")
	stage := fs.String("stage", "", "only this stage's dead letters (fetcher, parser, indexer, alerter)")
	var verb string
	if len(args) > 0 && args[0] != "" && args[0][0] != '-' {
		verb, args = args[0], args[1:]
	}
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
	if verb == "" {
		verb = "list"
	}
	if verb != "list" && verb != "replay" {
		return fmt.Errorf("unknown dlq command %q (list, replay): %w", verb, errUsage)
	}
	nc, js, err := dialNATS(ctx, cfg, env)
	if err != nil {
		return err
	}
	defer nc.Close()
	if verb == "replay" {
		n, err := replay.Redeliver(ctx, js, *stage, func(d replay.DeadLetter) {
			fmt.Fprintf(env.Stderr, "dead letter %d kept: its original subject %.80q is not one a stage reads\n", d.Seq, d.Subject)
		})
		fmt.Fprintf(env.Stderr, "replayed %d dead letters\n", n)
		return err
	}
	enc := json.NewEncoder(env.Stdout)
	enc.SetEscapeHTML(false)
	n := 0
	err = replay.DeadLetters(ctx, js, *stage, func(d replay.DeadLetter) error {
		n++
		return enc.Encode(d)
	})
	if err == nil && n == 0 {
		fmt.Fprintln(env.Stderr, "no dead letters")
	}
	return err
}
