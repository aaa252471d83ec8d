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
	"github.com/parley-news/parley/pkg/article"
	"github.com/parley-news/parley/pkg/bus"
	"github.com/parley-news/parley/pkg/enrich"
	"github.com/parley-news/parley/pkg/query"
)

type natsFlags struct {
	url, creds, user, password, token string
}

func (n *natsFlags) bind(fs *flag.FlagSet, env Env) {
	fs.StringVar(&n.url, "nats-url", envOr(env, "PARLEY_NATS_URL", "nats://127.0.0.1:4222"), "NATS server (env PARLEY_NATS_URL); parley run listens on --nats-listen")
	fs.StringVar(&n.creds, "nats-creds", env.Getenv("PARLEY_NATS_CREDS"), "NATS credentials file (env PARLEY_NATS_CREDS)")
	fs.StringVar(&n.user, "nats-user", env.Getenv("PARLEY_NATS_USER"), "NATS user (env PARLEY_NATS_USER)")
	fs.StringVar(&n.password, "nats-password", env.Getenv("PARLEY_NATS_PASSWORD"), "NATS password (env PARLEY_NATS_PASSWORD)")
	fs.StringVar(&n.token, "nats-token", env.Getenv("PARLEY_NATS_TOKEN"), "NATS token (env PARLEY_NATS_TOKEN)")
}

func (n *natsFlags) connect() (*nats.Conn, jetstream.JetStream, error) {
	opts := []nats.Option{nats.Name("parley-cli"), nats.Timeout(10 * time.Second)}
	switch {
	case n.creds != "":
		opts = append(opts, nats.UserCredentials(n.creds))
	case n.user != "":
		opts = append(opts, nats.UserInfo(n.user, n.password))
	case n.token != "":
		opts = append(opts, nats.Token(n.token))
	}
	nc, err := nats.Connect(n.url, opts...)
	if err != nil {
		return nil, nil, fmt.Errorf("connect to nats %s: %w (is parley run listening there? see --nats-listen)", n.url, err)
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
	var nf natsFlags
	nf.bind(fs, env)
	q := fs.String("query", "", "an ad hoc rule in the query language, alive as long as this command")
	rule := fs.String("rule", "", "a saved rule's name: its alerts on parley.alerts.<rule>")
	subject := fs.String("subject", "", "any alert subject, with NATS wildcards (e.g. 'parley.entities.country.AE', 'parley.alerts.>')")
	all := fs.Bool("all", false, "replay the alerts kept in the stream first")
	count := fs.Int("count", 0, "exit after this many alerts (0: run until interrupted)")
	if err := fs.Parse(args); err != nil {
		return err
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
	var matcher *alert.Rule
	stream, filter := bus.StreamAlerts, bus.SubjectAlerts+".>"
	switch {
	case *rule != "":
		filter = bus.SubjectAlerts + "." + bus.Token(*rule)
	case *subject != "":
		filter = *subject
	case *q != "":
		node, err := query.Parse(*q)
		if err != nil {
			return fmt.Errorf("--query: %w: %w", err, errUsage)
		}
		gaz, err := enrich.NewGazetteer()
		if err != nil {
			return err
		}
		matcher = alert.NewRule("adhoc", *q, query.Expand(node, gaz))
		stream, filter = bus.StreamIndexed, bus.SubjectIndexed+".>"
	}
	nc, js, err := nf.connect()
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
	seenStories := map[string]bool{}
	for ctx.Err() == nil {
		m, err := cons.Next(jetstream.FetchMaxWait(time.Second))
		if err != nil {
			if errors.Is(err, nats.ErrTimeout) || errors.Is(err, jetstream.ErrNoMessages) || ctx.Err() != nil {
				continue
			}
			return fmt.Errorf("watch %s: %w", filter, err)
		}
		out := json.RawMessage(m.Data())
		if matcher != nil {
			var a article.Article
			if err := json.Unmarshal(m.Data(), &a); err != nil {
				continue
			}
			story := a.StoryID
			if story == "" {
				story = a.ID
			}
			if seenStories[story] || !matcher.Match(&a) {
				continue
			}
			seenStories[story] = true
			data, err := json.Marshal(alert.New(matcher, &a))
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
