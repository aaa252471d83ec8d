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

	"github.com/parley-news/parley/pkg/bus"
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
	filter := bus.SubjectDLQ + ".>"
	if *stage != "" {
		filter = bus.SubjectDLQ + "." + bus.Token(*stage)
	}
	stream, err := js.Stream(ctx, bus.StreamDLQ)
	if err != nil {
		return fmt.Errorf("dead-letter stream: %w", err)
	}
	cons, err := js.OrderedConsumer(ctx, bus.StreamDLQ, jetstream.OrderedConsumerConfig{FilterSubjects: []string{filter}})
	if err != nil {
		return fmt.Errorf("read dead letters: %w", err)
	}
	enc := json.NewEncoder(env.Stdout)
	enc.SetEscapeHTML(false)
	n := 0
	for {
		m, err := cons.Next(jetstream.FetchMaxWait(500 * time.Millisecond))
		if err != nil {
			if errors.Is(err, nats.ErrTimeout) || errors.Is(err, jetstream.ErrNoMessages) {
				break
			}
			return fmt.Errorf("read dead letters: %w", err)
		}
		md, _ := m.Metadata()
		h := m.Headers()
		if verb == "list" {
			rec := map[string]any{
				"seq": md.Sequence.Stream, "stage": h.Get(bus.HeaderStage), "subject": h.Get(bus.HeaderSubject),
				"error": h.Get(bus.HeaderError), "failed_at": h.Get(bus.HeaderFailedAt),
				"deliveries": h.Get(bus.HeaderDeliveries), "bytes": len(m.Data()),
			}
			if err := enc.Encode(rec); err != nil {
				return err
			}
		} else {
			orig := h.Get(bus.HeaderSubject)
			if !bus.StageSubject(orig) {
				fmt.Fprintf(env.Stderr, "dead letter %d kept: its original subject %.80q is not one a stage reads\n", md.Sequence.Stream, orig)
				if md.NumPending == 0 {
					break
				}
				continue
			}
			msg := &nats.Msg{Subject: orig, Data: m.Data(), Header: nats.Header{}}
			if _, err := js.PublishMsg(ctx, msg, jetstream.WithMsgID(fmt.Sprintf("replay-%d-%d", md.Sequence.Stream, time.Now().UnixNano()))); err != nil {
				return fmt.Errorf("replay dead letter %d to %s: %w", md.Sequence.Stream, orig, err)
			}
			if err := stream.DeleteMsg(ctx, md.Sequence.Stream); err != nil {
				return fmt.Errorf("remove replayed dead letter %d: %w", md.Sequence.Stream, err)
			}
		}
		n++
		if md.NumPending == 0 {
			break
		}
	}
	if verb == "replay" {
		fmt.Fprintf(env.Stderr, "replayed %d dead letters\n", n)
	} else if n == 0 {
		fmt.Fprintln(env.Stderr, "no dead letters")
	}
	return nil
}
