package alert

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/parley-news/parley/pkg/bus"
)

// MaxRecent bounds how many alerts of a rule one Recent call returns.
const MaxRecent = 200

// Received is an alert as the alerts stream holds it: the alert and when
// JetStream stored it.
type Received struct {
	Time time.Time `json:"time"`
	Alert
}

// History reads the alerts kept in the PARLEY_ALERTS stream (kept for
// the bus's alerts retention, a week by default).
type History struct {
	js jetstream.JetStream
}

// NewHistory reads alerts through js.
func NewHistory(js jetstream.JetStream) *History { return &History{js: js} }

// Recent returns up to n (1 to MaxRecent) of the latest alerts of the rule
// named name, newest first; none when the rule never alerted or its alerts
// have expired. It reads only the rule's own subject, from a start
// sequence it moves back until n of the rule's alerts follow it, so the
// cost is about n messages however busy the stream is.
func (h *History) Recent(ctx context.Context, name string, n int) ([]Received, error) {
	if err := validName(name); err != nil {
		return nil, err
	}
	if n < 1 || n > MaxRecent {
		return nil, fmt.Errorf("recent alerts: %d: %w: want 1 to %d", n, ErrBadRule, MaxRecent)
	}
	subj := Subject(name)
	s, err := h.js.Stream(ctx, bus.StreamAlerts)
	if err != nil {
		return nil, fmt.Errorf("recent alerts of %s: %w", name, err)
	}
	last, err := s.GetLastMsgForSubject(ctx, subj)
	if errors.Is(err, jetstream.ErrMsgNotFound) {
		return []Received{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("recent alerts of %s: %w", name, err)
	}
	first := s.CachedInfo().State.FirstSeq
	for window := uint64(64 * n); ; window *= 4 {
		start := first
		if last.Sequence >= first+window {
			start = last.Sequence - window + 1
		}
		out, enough, err := h.readFrom(ctx, s, subj, start, n, start == first)
		if err != nil {
			return nil, fmt.Errorf("recent alerts of %s: %w", name, err)
		}
		if enough || start == first {
			return out, nil
		}
	}
}

// readFrom reads the alerts on subj from sequence start on and keeps the
// last n, newest first. enough reports whether at least n followed start;
// when they did not, it reads nothing unless start is the stream's first
// sequence (all there is).
func (h *History) readFrom(ctx context.Context, s jetstream.Stream, subj string, start uint64, n int, fromFirst bool) ([]Received, bool, error) {
	cons, err := s.CreateConsumer(ctx, jetstream.ConsumerConfig{
		FilterSubject: subj, DeliverPolicy: jetstream.DeliverByStartSequencePolicy, OptStartSeq: start,
		AckPolicy: jetstream.AckNonePolicy, MemoryStorage: true, InactiveThreshold: time.Minute,
	})
	if err != nil {
		return nil, false, err
	}
	name := cons.CachedInfo().Name
	defer func() {
		dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		_ = s.DeleteConsumer(dctx, name) // it expires after InactiveThreshold anyway
	}()
	pending := int(cons.CachedInfo().NumPending)
	if pending < n && !fromFirst {
		return nil, false, nil
	}
	ring := make([]Received, 0, n)
	for read := 0; read < pending; {
		batch, err := cons.Fetch(min(pending-read, 256), jetstream.FetchMaxWait(5*time.Second))
		if err != nil {
			return nil, false, err
		}
		got := 0
		for m := range batch.Messages() {
			got++
			var r Received
			if err := json.Unmarshal(m.Data(), &r.Alert); err != nil {
				continue // not an alert of ours: nothing to show
			}
			if md, err := m.Metadata(); err == nil {
				r.Time = md.Timestamp.UTC()
			}
			if len(ring) == n {
				copy(ring, ring[1:])
				ring = ring[:n-1]
			}
			ring = append(ring, r)
		}
		if err := batch.Error(); err != nil {
			return nil, false, err
		}
		if got == 0 {
			break // expired meanwhile
		}
		read += got
	}
	out := make([]Received, len(ring))
	for i, r := range ring {
		out[len(ring)-1-i] = r
	}
	return out, pending >= n, nil
}
