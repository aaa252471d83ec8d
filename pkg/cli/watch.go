package cli

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/parley-news/parley/pkg/alert"
	"github.com/parley-news/parley/pkg/app"
	"github.com/parley-news/parley/pkg/bus"
	"github.com/parley-news/parley/pkg/enrich"
	"github.com/parley-news/parley/pkg/query"
)

// dialNATS connects a command to the NATS that cfg names (app.Config.NATS):
// by default the embedded server of the parley run on the same --data,
// with the credentials parley generated there.
func dialNATS(ctx context.Context, cfg app.Config, env Env) (*nats.Conn, jetstream.JetStream, error) {
	bcfg, err := cfg.NATS()
	if err != nil {
		return nil, nil, err
	}
	bcfg.ConnectWait = 5 * time.Second
	nc, err := bus.Dial(ctx, bcfg, "parley-cli", newLogger(cfg, env.Stderr))
	if err != nil {
		return nil, nil, fmt.Errorf("%w (is parley run listening there? see --nats-listen and --data)", err)
	}
	js, err := jetstream.New(nc)
	if err != nil {
		nc.Close()
		return nil, nil, fmt.Errorf("jetstream: %w", err)
	}
	return nc, js, nil
}

func watchCmd(ctx context.Context, args []string, env Env) error {
	fs := newFlagSet("watch", env, "")
	q := fs.String("query", "", "an ad hoc rule in the query language, alive as long as this command")
	rule := fs.String("rule", "", "a saved rule's name: its alerts on parley.alerts.<rule>")
	subject := fs.String("subject", "", "any alert subject, with NATS wildcards (e.g. 'parley.entities.country.AE', 'parley.alerts.>')")
	all := fs.Bool("all", false, "replay the alerts kept in the stream first")
	count := fs.Int("count", 0, "exit after this many alerts (0: run until interrupted)")
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
	n := 0
	for _, s := range []string{*q, *rule, *subject} {
		if s != "" {
			n++
		}
	}
	if n > 1 {
		return fmt.Errorf("watch takes one of --query, --rule, --subject: %w", errUsage)
	}
	var watch *alert.Watch
	stream, filter := bus.StreamAlerts, bus.SubjectAlerts+".>"
	switch {
	case *rule != "":
		filter = bus.SubjectAlerts + "." + bus.Token(*rule)
	case *subject != "":
		filter = *subject
	case *q != "":
		node, hints, err := query.ParseHints(*q)
		if err != nil {
			return fmt.Errorf("--query: %w: %w", err, errUsage)
		}
		for _, h := range hints {
			fmt.Fprintf(env.Stderr, "--query: %s\n", h)
		}
		gaz, err := enrich.NewGazetteer()
		if err != nil {
			return err
		}
		watch = alert.NewWatch(alert.NewRule("adhoc", *q, query.Expand(node, gaz)))
		stream, filter = bus.StreamIndexed, bus.SubjectIndexed+".>"
	}
	nc, js, err := dialNATS(ctx, cfg, env)
	if err != nil {
		return err
	}
	defer nc.Close()
	policy := jetstream.DeliverNewPolicy
	if *all {
		policy = jetstream.DeliverAllPolicy
	}
	cons, err := js.OrderedConsumer(ctx, stream, jetstream.OrderedConsumerConfig{FilterSubjects: []string{filter}, DeliverPolicy: policy})
	if err != nil {
		return fmt.Errorf("subscribe to %s on %s: %w", filter, stream, err)
	}
	enc := json.NewEncoder(env.Stdout)
	enc.SetEscapeHTML(false)
	printed := 0
	for ctx.Err() == nil {
		m, err := cons.Next(jetstream.FetchMaxWait(time.Second))
		if err != nil {
			if errors.Is(err, nats.ErrTimeout) || errors.Is(err, jetstream.ErrNoMessages) || ctx.Err() != nil {
				continue
			}
			return fmt.Errorf("watch %s: %w", filter, err)
		}
		out := json.RawMessage(m.Data())
		if watch != nil {
			al, ok := watch.Alert(m.Data())
			if !ok {
				continue
			}
			data, err := json.Marshal(al)
			if err != nil {
				return err
			}
			out = data
		}
		if err := enc.Encode(out); err != nil {
			return err
		}
		printed++
		if *count > 0 && printed >= *count {
			return nil
		}
	}
	return nil
}
