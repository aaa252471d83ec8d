// Package bustest starts a real in-process nats-server with JetStream for
// tests of packages that use the bus: no mocks, the same server code the
// embedded mode runs.
package bustest

import (
	"context"
	"fmt"
	"log/slog"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/parley-news/parley/pkg/bus"
)

// New starts a server in a temporary directory and returns a bus over it;
// both stop when the test ends.
func New(tb testing.TB) *bus.Bus { return NewConfig(tb, bus.Config{}) }

// NewConfig is New with the bus's settings, e.g. a short duplicate window.
func NewConfig(tb testing.TB, cfg bus.Config) *bus.Bus {
	tb.Helper()
	log := slog.New(slog.DiscardHandler)
	srv, err := bus.StartEmbedded(bus.EmbeddedConfig{StoreDir: tb.TempDir(), MaxPayload: 1 << 20}, log)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(srv.Shutdown)
	nc, err := srv.Connect()
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(nc.Close)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	b, err := bus.New(ctx, nc, cfg, log)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// StreamMsgs is how many messages a stream holds.
func StreamMsgs(tb testing.TB, b *bus.Bus, stream string) uint64 {
	tb.Helper()
	s, err := b.JetStream().Stream(context.Background(), stream)
	if err != nil {
		tb.Fatal(err)
	}
	info, err := s.Info(context.Background())
	if err != nil {
		tb.Fatal(err)
	}
	return info.State.Msgs
}

// Run runs a stage (its Run method) until the test ends, then stops it and
// fails the test if it returned an error.
func Run(tb testing.TB, name string, run func(context.Context) error) {
	tb.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- run(ctx) }()
	tb.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			tb.Errorf("%s: %v", name, err)
		}
	})
}

// Settled reports whether the durable consumer has settled every message
// its stream holds: nothing pending or unacknowledged, and its ack floor at
// the stream's last message. The ack floor is what makes the answer sound:
// a consumer's pending count reads 0 for a moment after it is created,
// before the server has counted the stream for it. The consumer must read
// the whole stream (its filter covers every subject the stream holds).
// An error, e.g. a consumer the stage has not created yet, means "not yet".
func Settled(ctx context.Context, js jetstream.JetStream, stream, durable string) (bool, error) {
	c, err := js.Consumer(ctx, stream, durable)
	if err != nil {
		return false, fmt.Errorf("consumer %s: %w", durable, err)
	}
	ci, err := c.Info(ctx)
	if err != nil {
		return false, fmt.Errorf("consumer %s: %w", durable, err)
	}
	s, err := js.Stream(ctx, stream)
	if err != nil {
		return false, fmt.Errorf("stream %s: %w", stream, err)
	}
	si, err := s.Info(ctx)
	if err != nil {
		return false, fmt.Errorf("stream %s: %w", stream, err)
	}
	return ci.NumPending == 0 && ci.NumAckPending == 0 && ci.AckFloor.Stream >= si.State.LastSeq, nil
}

// WaitSettled waits until Settled holds, and fails the test when it has not
// within a minute.
func WaitSettled(tb testing.TB, b *bus.Bus, stream, durable string) {
	tb.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		ok, err := Settled(context.Background(), b.JetStream(), stream, durable)
		if ok {
			return
		}
		if time.Now().After(deadline) {
			tb.Fatalf("%s has not settled %s within a minute (%v)", durable, stream, err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
