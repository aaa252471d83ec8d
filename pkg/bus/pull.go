package bus

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/parley-news/parley/pkg/internal/panics"
)

// Pull reads a stage's durable consumer, one message at a time, for as
// long as the stage runs. What happens underneath never ends it: when a
// read fails (the consumer or its stream was deleted, the server refuses)
// it pauses, longer each time up to a minute, logs one line per attempt,
// recreates what is missing (Repair, then the consumer) and reads on;
// meanwhile Stalled names it, for /healthz. Pull belongs to one goroutine.
type Pull struct {
	b    *Bus
	cfg  ConsumerConfig
	opts []jetstream.PullMessagesOpt
	log  *slog.Logger

	it    jetstream.MessagesContext
	fails int
	since time.Time
}

// maxPause bounds the pause between two attempts to read a failing
// consumer: a stage that keeps failing logs about once a minute.
const maxPause = time.Minute

// A read is a pull request renewed every pullExpiry, during which the
// server sends a heartbeat every pullHeartbeat. Two heartbeats missed end
// the read with an error: that is how a consumer deleted while no request
// was waiting shows (the server has no one to say so to).
const (
	pullExpiry    = 10 * time.Second
	pullHeartbeat = 2 * time.Second
)

// Pull creates (or updates) the consumer and starts reading it; opts tune
// the reads (jetstream.PullMaxMessages).
func (b *Bus) Pull(ctx context.Context, cfg ConsumerConfig, log *slog.Logger, opts ...jetstream.PullMessagesOpt) (*Pull, error) {
	p := &Pull{b: b, cfg: cfg, opts: opts, log: log.With("stream", cfg.Stream, "consumer", cfg.Durable)}
	if err := p.open(ctx); err != nil {
		return nil, err
	}
	return p, nil
}

func (p *Pull) open(ctx context.Context) error {
	cons, err := p.b.Consumer(ctx, p.cfg)
	if err != nil {
		return err
	}
	opts := append([]jetstream.PullMessagesOpt{jetstream.PullExpiry(pullExpiry), jetstream.PullHeartbeat(pullHeartbeat)}, p.opts...)
	it, err := cons.Messages(opts...)
	if err != nil {
		return fmt.Errorf("read %s: %w", p.cfg.Stream, err)
	}
	p.it = it
	return nil
}

// Next returns the next message, waiting as long as it takes; its only
// error is ctx's once ctx ends.
func (p *Pull) Next(ctx context.Context) (jetstream.Msg, error) {
	for {
		m, err := p.next(ctx, jetstream.NextContext(ctx))
		if m != nil || err != nil {
			return m, err
		}
	}
}

// NextWithin is Next waiting at most d: nil and no error when nothing came.
func (p *Pull) NextWithin(ctx context.Context, d time.Duration) (jetstream.Msg, error) {
	wctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	m, err := p.next(ctx, jetstream.NextContext(wctx))
	if err == nil && m == nil && ctx.Err() != nil {
		err = ctx.Err()
	}
	return m, err
}

// next makes one attempt: a message, or nil after a failure (paused and
// recorded) or when wait ended first.
func (p *Pull) next(ctx context.Context, wait jetstream.NextOpt) (jetstream.Msg, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if p.it == nil {
		// The stream or the consumer may be gone: recreate what is missing.
		err := p.b.Repair(ctx)
		if err == nil {
			err = p.open(ctx)
		}
		if err != nil {
			p.failed(ctx, err)
			return nil, nil
		}
		p.recovered()
	}
	m, err := p.it.Next(wait)
	switch {
	case err == nil:
		if p.fails > 0 {
			p.recovered()
		}
		return m, nil
	case ctx.Err() != nil:
		return nil, ctx.Err()
	case errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled):
		return nil, nil // wait ended
	}
	p.failed(ctx, err)
	return nil, nil
}

// failed drops the iterator (the next attempt opens a new one), records the
// stall and pauses.
func (p *Pull) failed(ctx context.Context, err error) {
	if p.it != nil {
		p.it.Stop()
		p.it = nil
	}
	if p.fails == 0 {
		p.since = time.Now()
	}
	p.fails++
	pause := min(250*time.Millisecond<<min(p.fails-1, 10), maxPause)
	p.b.health.stall(p.cfg.Durable, fmt.Errorf("cannot read %s since %s (%d attempts): %w", p.cfg.Stream, p.since.UTC().Format(time.RFC3339), p.fails, err))
	p.log.Warn("cannot read the stream; trying again", "attempts", p.fails, "retry_in", pause, "err", err)
	t := time.NewTimer(pause)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}

func (p *Pull) recovered() {
	if p.fails > 0 {
		p.log.Info("reading the stream again", "attempts", p.fails, "stalled_for", time.Since(p.since).Round(time.Millisecond))
	}
	p.fails = 0
	p.b.health.unstall(p.cfg.Durable)
}

// Work reads until ctx ends and hands each message to one of workers
// goroutines running handle. A message in hand when ctx ends is finished
// on a context of its own that ends finish after that, so that its ack or
// nak is not lost to the shutdown; Work returns once every worker is done.
// A handler that panics does not end the process: the panic, with its
// stack, becomes an error handed to fail with the message, which the stage
// settles as it settles any failure (delivered again, then dead-lettered).
func (p *Pull) Work(ctx context.Context, workers int, finish time.Duration, handle func(context.Context, jetstream.Msg), fail func(context.Context, jetstream.Msg, error)) {
	msgs := make(chan jetstream.Msg)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for m := range msgs {
				hctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), finish)
				if err := guard(hctx, m, handle); err != nil {
					p.log.Error("handler panicked", "consumer", p.cfg.Durable, "subject", m.Subject(), "err", err)
					fail(hctx, m, err)
				}
				cancel()
			}
		}()
	}
	for {
		m, err := p.Next(ctx)
		if err != nil {
			break // ctx ended
		}
		msgs <- m
	}
	close(msgs)
	wg.Wait()
}

// guard runs handle on m and turns a panic into an error that carries
// its stack.
func guard(ctx context.Context, m jetstream.Msg, handle func(context.Context, jetstream.Msg)) error {
	if p := panics.Catch(func() { handle(ctx, m) }); p != nil {
		return fmt.Errorf("handling %s %w\n%s", m.Subject(), p, p.Stack)
	}
	return nil
}

// Stop ends the reads; messages fetched but not returned are delivered
// again after their ack wait.
func (p *Pull) Stop() {
	if p.it != nil {
		p.it.Stop()
		p.it = nil
	}
}
