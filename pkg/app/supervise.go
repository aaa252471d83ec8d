package app

import (
	"context"
	"log/slog"
	"time"

	"github.com/parley-news/parley/pkg/bus"
)

// Restart pauses of Supervise: the first, and the longest.
const (
	restartFirst = time.Second
	restartMax   = time.Minute
)

// Supervise runs roles until ctx ends, as `parley run` and every stage
// command do. A parley that fails after it has started (a stage stopped,
// the NATS connection was closed for good) is started again in the same
// process, with a new connection, index handle and stages, after a pause
// that grows from 1 s to 1 min (and is back to 1 s after a minute of
// running); the log says why, and a start that fails then is tried again
// the same way. So nothing a stranger sends and no lost connection stops
// the process. A failure before it first started (a bad setting, an
// address in use, a data directory another parley holds) ends Supervise
// with that error, unless it is NATS not answering in time
// (bus.Transient: a nats-server restarting as the stage starts, past the
// bus's own wait), which is tried again the same way. started, when not
// nil, is called with each App once it is ready.
func Supervise(ctx context.Context, cfg Config, roles []Role, log *slog.Logger, started func(*App)) error {
	pause := restartFirst
	everStarted := false
	for {
		a, err := New(cfg, roles, log)
		if err != nil {
			return err
		}
		done := make(chan error, 1)
		go func() { done <- a.Run(ctx) }()
		var begun time.Time
		select {
		case <-a.Ready():
			begun = time.Now()
			if started != nil {
				started(a)
			}
			err = <-done
		case err = <-done:
			select {
			case <-a.Ready(): // it had started, and failed since
				begun = time.Now()
			default:
			}
		}
		neverStarted := begun.IsZero() && !everStarted
		if ctx.Err() != nil || err == nil || (neverStarted && !bus.Transient(err)) {
			return err
		}
		if neverStarted {
			log.Error("parley could not start: NATS does not answer; trying again", "err", err, "in", pause)
		} else {
			everStarted = true
			if !begun.IsZero() && time.Since(begun) >= restartMax {
				pause = restartFirst
			}
			log.Error("parley stopped; starting it again", "err", err, "in", pause)
		}
		t := time.NewTimer(pause)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil
		case <-t.C:
		}
		pause = min(2*pause, restartMax)
	}
}
