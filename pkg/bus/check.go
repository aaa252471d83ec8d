package bus

import (
	"context"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// Mark is what a stream held when last seen, to compare with at the next
// start: its sequence numbers only grow, and buckets that never expire
// entries lose none without a write.
type Mark struct {
	LastSeq uint64    `json:"last_seq"`
	Msgs    uint64    `json:"msgs"`
	At      time.Time `json:"at"`
}

// Marks reads what every stream holds now.
func (b *Bus) Marks(ctx context.Context) (map[string]Mark, error) {
	states, err := b.states(ctx)
	if err != nil {
		return nil, err
	}
	return marksOf(states, time.Now().UTC()), nil
}

// states reads the state of every stream.
func (b *Bus) states(ctx context.Context) (map[string]jetstream.StreamState, error) {
	out := map[string]jetstream.StreamState{}
	for _, name := range StreamNames() {
		s, err := b.js.Stream(ctx, name)
		if err != nil {
			return nil, fmt.Errorf("stream %s: %w", name, err)
		}
		info, err := s.Info(ctx)
		if err != nil {
			return nil, fmt.Errorf("stream %s: %w", name, err)
		}
		out[name] = info.State
	}
	return out, nil
}

func marksOf(states map[string]jetstream.StreamState, at time.Time) map[string]Mark {
	out := make(map[string]Mark, len(states))
	for name, st := range states {
		out[name] = Mark{LastSeq: st.LastSeq, Msgs: st.Msgs, At: at}
	}
	return out
}

// keepsAll are the streams that never drop a message by age: the feed set,
// the feeds' state and the rules.
var keepsAll = map[string]bool{"KV_" + BucketFeeds: true, "KV_" + BucketFeedState: true, "KV_" + BucketRules: true}

// gapless are the streams from which parley never deletes a message (age
// only takes the oldest): a gap inside them is lost data.
var gapless = []string{StreamRaw, StreamArticles, StreamIndexed, StreamAlerts}

// Check compares the streams with the marks of the previous run (nil when
// there are none) and reports what it finds as damage (Damage): a stream
// that ends before where it ended (a truncated or damaged file, or a
// stream deleted while parley was stopped), a bucket that lost entries
// without a write, messages missing inside a stream. It returns what it
// found.
// A server that cannot answer yet (a nats-server restarting as the stage
// starts) is waited for, as at setup.
func (b *Bus) Check(ctx context.Context, prev map[string]Mark) ([]string, error) {
	var states map[string]jetstream.StreamState
	err := b.retrying(ctx, "check streams", func(ctx context.Context) error {
		var err error
		states, err = b.states(ctx)
		return err
	})
	if err != nil {
		return nil, err
	}
	now := marksOf(states, time.Now().UTC())
	var found []string
	report := func(format string, args ...any) {
		msg := fmt.Sprintf(format, args...)
		found = append(found, msg)
		b.health.damaged(msg, b.log)
	}
	for _, name := range StreamNames() {
		was, ok := prev[name]
		if !ok {
			continue
		}
		is := now[name]
		at := was.At.UTC().Format(time.RFC3339)
		switch {
		case is.LastSeq < was.LastSeq:
			report("%s ends at message %d but held messages up to %d at %s: the last %d messages are lost (a truncated or damaged file, or the stream was deleted)%s",
				describe(name), is.LastSeq, was.LastSeq, at, was.LastSeq-is.LastSeq, advice(name))
		case keepsAll[name] && is.LastSeq == was.LastSeq && is.Msgs < was.Msgs:
			report("%s holds %d entries but held %d at %s with no write since: %d are lost (a truncated or damaged file)%s",
				describe(name), is.Msgs, was.Msgs, at, was.Msgs-is.Msgs, advice(name))
		}
	}
	for _, name := range gapless {
		if st := states[name]; st.NumDeleted > 0 {
			report("stream %s is missing %d messages between messages %d and %d (a damaged file)", name, st.NumDeleted, st.FirstSeq, st.LastSeq)
		}
	}
	return found, nil
}

func describe(stream string) string {
	switch stream {
	case "KV_" + BucketFeeds:
		return "the feed set (bucket " + BucketFeeds + ")"
	case "KV_" + BucketRules:
		return "the alert rules (bucket " + BucketRules + ")"
	}
	return "stream " + stream
}

func advice(stream string) string {
	switch stream {
	case "KV_" + BucketFeeds:
		return "; feeds added through the API must be added again (the --feeds list is added at every start)"
	case "KV_" + BucketRules:
		return "; rules created through the API must be created again (config file rules are loaded at every start)"
	}
	return ""
}
