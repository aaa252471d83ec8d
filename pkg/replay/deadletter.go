package replay

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/parley-news/parley/pkg/bus"
)

// DeadLetter is a message a stage gave up on, as PARLEY_DLQ keeps it
// (bus.Bus.DeadLetter): the original subject and the reason are headers.
type DeadLetter struct {
	Seq        uint64 `json:"seq"`
	Stage      string `json:"stage"`
	Subject    string `json:"subject"` // where the message was read from
	Error      string `json:"error"`
	FailedAt   string `json:"failed_at"`
	Deliveries string `json:"deliveries"`
	Bytes      int    `json:"bytes"`
}

func deadLetter(m jetstream.Msg, seq uint64) DeadLetter {
	h := m.Headers()
	return DeadLetter{
		Seq: seq, Stage: h.Get(bus.HeaderStage), Subject: h.Get(bus.HeaderSubject),
		Error: h.Get(bus.HeaderError), FailedAt: h.Get(bus.HeaderFailedAt),
		Deliveries: h.Get(bus.HeaderDeliveries), Bytes: len(m.Data()),
	}
}

// dlqFilter is the subject of stage's dead letters, or of every stage's
// when stage is empty.
func dlqFilter(stage string) string {
	if stage == "" {
		return bus.SubjectDLQ + ".>"
	}
	return bus.SubjectDLQ + "." + bus.Token(stage)
}

// DeadLetters calls fn for each dead letter of stage ("" for every stage)
// that the stream held when it began, oldest first.
func DeadLetters(ctx context.Context, js jetstream.JetStream, stage string, fn func(DeadLetter) error) error {
	_, err := readStream(ctx, js, bus.StreamDLQ, from{filter: dlqFilter(stage)}, func(m jetstream.Msg) error {
		md, err := m.Metadata()
		if err != nil {
			return err
		}
		return fn(deadLetter(m, md.Sequence.Stream))
	})
	if err != nil {
		return fmt.Errorf("read dead letters: %w", err)
	}
	return nil
}

// Redeliver publishes each dead letter of stage ("" for every stage) on its
// original subject, for the stage to read again, and then removes it from
// the dead-letter stream (a crash in between leaves both: the stage may
// see the message twice, and nothing is lost). A dead letter whose
// original subject is not one a stage reads (bus.StageSubject: the header
// could be forged) is kept and passed to kept. It returns how many it
// redelivered.
func Redeliver(ctx context.Context, js jetstream.JetStream, stage string, kept func(DeadLetter)) (int, error) {
	stream, err := js.Stream(ctx, bus.StreamDLQ)
	if err != nil {
		return 0, fmt.Errorf("dead-letter stream: %w", err)
	}
	n := 0
	_, err = readStream(ctx, js, bus.StreamDLQ, from{filter: dlqFilter(stage)}, func(m jetstream.Msg) error {
		md, err := m.Metadata()
		if err != nil {
			return err
		}
		seq := md.Sequence.Stream
		orig := m.Headers().Get(bus.HeaderSubject)
		if !bus.StageSubject(orig) {
			if kept != nil {
				kept(deadLetter(m, seq))
			}
			return nil
		}
		msg := &nats.Msg{Subject: orig, Data: m.Data(), Header: nats.Header{}}
		id := "replay-" + strconv.FormatUint(seq, 10) + "-" + strconv.FormatInt(time.Now().UnixNano(), 10)
		if _, err := js.PublishMsg(ctx, msg, jetstream.WithMsgID(id)); err != nil {
			return fmt.Errorf("replay dead letter %d to %s: %w", seq, orig, err)
		}
		if err := stream.DeleteMsg(ctx, seq); err != nil {
			return fmt.Errorf("remove replayed dead letter %d: %w", seq, err)
		}
		n++
		return nil
	})
	return n, err
}
