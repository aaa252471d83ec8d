package bus

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/parley-news/parley/pkg/backoff"
	"github.com/parley-news/parley/pkg/permanent"
)

// ConsumerConfig is a durable pull consumer of one stage.
type ConsumerConfig struct {
	Stream  string
	Durable string
	Filter  string // subject filter, e.g. "parley.raw.>"
	// AckWait is how long a delivered message may stay unacknowledged
	// before it is delivered again.
	AckWait time.Duration
	// MaxDeliver is how many deliveries a message gets before the stage
	// dead-letters it.
	MaxDeliver int
	// MaxAckPending bounds messages in flight.
	MaxAckPending int
}

// Redelivery is the delay before a failed message is delivered again:
// 1 s after the first failure, doubling, at most 2 min.
var Redelivery = backoff.Policy{Initial: time.Second, Max: 2 * time.Minute}

// Backoff is the redelivery delay after the n-th failed delivery (n from 1).
func Backoff(n uint64) time.Duration { return Redelivery.Delay(int(min(n, 64))) }

// Consumer creates (or updates) a durable pull consumer. A consumer that
// has read past the end of its stream (the stream lost messages at its
// end: a truncated or damaged file) would skip as many new messages as
// were lost; it is started again after the last message the stream still
// holds (and after its own ack floor), and the loss is reported as damage.
func (b *Bus) Consumer(ctx context.Context, cfg ConsumerConfig) (jetstream.Consumer, error) {
	if cfg.AckWait == 0 {
		cfg.AckWait = time.Minute
	}
	if cfg.MaxDeliver == 0 {
		cfg.MaxDeliver = 5
	}
	if cfg.MaxAckPending == 0 {
		cfg.MaxAckPending = 1024
	}
	cc := jetstream.ConsumerConfig{
		Durable:       cfg.Durable,
		FilterSubject: cfg.Filter,
		AckPolicy:     jetstream.AckExplicitPolicy,
		AckWait:       cfg.AckWait,
		MaxDeliver:    cfg.MaxDeliver,
		MaxAckPending: cfg.MaxAckPending,
		DeliverPolicy: jetstream.DeliverAllPolicy,
	}
	if err := b.checkConsumer(ctx, cfg, &cc); err != nil {
		return nil, err
	}
	c, err := b.js.CreateOrUpdateConsumer(ctx, cfg.Stream, cc)
	if err != nil {
		return nil, fmt.Errorf("create consumer %s on %s: %w", cfg.Durable, cfg.Stream, err)
	}
	return c, nil
}

// checkConsumer compares an existing consumer with its stream: one ahead
// of the stream's end is deleted, and cc set to start after what is still
// there; an existing one keeps its start (a deliver policy cannot change).
func (b *Bus) checkConsumer(ctx context.Context, cfg ConsumerConfig, cc *jetstream.ConsumerConfig) error {
	c, err := b.js.Consumer(ctx, cfg.Stream, cfg.Durable)
	if errors.Is(err, jetstream.ErrConsumerNotFound) || errors.Is(err, jetstream.ErrStreamNotFound) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("consumer %s on %s: %w", cfg.Durable, cfg.Stream, err)
	}
	ci := c.CachedInfo()
	s, err := b.js.Stream(ctx, cfg.Stream)
	if err != nil {
		return fmt.Errorf("stream %s: %w", cfg.Stream, err)
	}
	si, err := s.Info(ctx)
	if err != nil {
		return fmt.Errorf("stream %s: %w", cfg.Stream, err)
	}
	last := si.State.LastSeq
	if ci.Delivered.Stream <= last {
		cc.DeliverPolicy, cc.OptStartSeq = ci.Config.DeliverPolicy, ci.Config.OptStartSeq
		return nil
	}
	start := min(ci.AckFloor.Stream, last) + 1
	if err := b.js.DeleteConsumer(ctx, cfg.Stream, cfg.Durable); err != nil && !errors.Is(err, jetstream.ErrConsumerNotFound) {
		return fmt.Errorf("restart consumer %s on %s: %w", cfg.Durable, cfg.Stream, err)
	}
	cc.DeliverPolicy, cc.OptStartSeq = jetstream.DeliverByStartSequencePolicy, start
	b.health.damaged(fmt.Sprintf("stream %s ends at message %d but its consumer %s had read up to %d: messages %d to %d were lost from the stream (a truncated or damaged file); the consumer now starts at %d",
		cfg.Stream, last, cfg.Durable, ci.Delivered.Stream, last+1, ci.Delivered.Stream, start), b.log)
	return nil
}

// Pending is how many messages a durable consumer has yet to deliver or
// see acknowledged: the stage's lag, for /metrics.
func (b *Bus) Pending(ctx context.Context, stream, durable string) (pending uint64, ackPending int, err error) {
	c, err := b.js.Consumer(ctx, stream, durable)
	if err != nil {
		return 0, 0, fmt.Errorf("consumer %s: %w", durable, err)
	}
	info, err := c.Info(ctx)
	if err != nil {
		return 0, 0, fmt.Errorf("consumer %s info: %w", durable, err)
	}
	return info.NumPending, info.NumAckPending, nil
}

// Outcome of settling a failed message.
type Outcome string

// Outcomes.
const (
	Retried      Outcome = "retried"
	DeadLettered Outcome = "dead_lettered"
)

// Fail settles a message whose handling failed: a transient failure is
// delivered again after a growing delay; a permanent one (marked with
// permanent.Error), or one that has used up maxDeliver deliveries, goes to
// parley.dlq.<stage> with its error.
// When the dead letter cannot be published, the message is retried: it is
// never dropped.
func (b *Bus) Fail(ctx context.Context, stage string, m jetstream.Msg, cause error, maxDeliver int) Outcome {
	var n uint64 = 1
	if md, err := m.Metadata(); err == nil {
		n = md.NumDelivered
	}
	log := b.log.With("stage", stage, "subject", m.Subject(), "deliveries", n, "err", cause)
	if permanent.Is(cause) || n >= uint64(maxDeliver) {
		if err := b.DeadLetter(ctx, stage, m, cause); err == nil {
			log.Error("dead-lettered")
			return DeadLettered
		} else {
			log.Error("dead-letter failed; the message will be delivered again", "dlq_err", err)
		}
	} else {
		log.Warn("failed; will be delivered again")
	}
	_ = m.NakWithDelay(Backoff(n))
	return Retried
}
