package bus

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

type lineCounter struct {
	mu    sync.Mutex
	lines []string
}

func (c *lineCounter) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.lines = append(c.lines, strings.TrimSpace(string(p)))
	return len(p), nil
}

func (c *lineCounter) count() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.lines)
}

// TestPullBacksOffWhileFailing holds a stage whose stream is gone and
// cannot be recreated (not one of parley's, so Repair leaves it): Next
// keeps trying with growing pauses, one log line each, Stalled names it,
// and once the stream is back Next returns its message and the stall ends.
func TestPullBacksOffWhileFailing(t *testing.T) {
	b := newTestBus(t)
	ctx := context.Background()
	sc := jetstream.StreamConfig{Name: "TEST_GONE", Subjects: []string{"gone.>"}}
	if _, err := b.js.CreateStream(ctx, sc); err != nil {
		t.Fatal(err)
	}
	var logs lineCounter
	log := slog.New(slog.NewTextHandler(&logs, nil))
	p, err := b.Pull(ctx, ConsumerConfig{Stream: "TEST_GONE", Durable: "stage", Filter: "gone.>"}, log)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Stop()
	if err := b.js.DeleteStream(ctx, "TEST_GONE"); err != nil {
		t.Fatal(err)
	}
	// For 10 s nothing can be read: the missed heartbeats show it after
	// 4 s, then attempts follow after 0.25, 0.5, 1, 2 and 4 s.
	wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	m, err := p.Next(wctx)
	cancel()
	if m != nil || err == nil {
		t.Fatalf("Next on a deleted stream: %v, %v", m, err)
	}
	n := logs.count()
	t.Logf("%d log lines in 10 s of failures", n)
	if n < 2 || n > 8 {
		t.Errorf("%d log lines in 10 s of failures, want 2 to 8 (one per attempt, pauses doubling):\n%s", n, strings.Join(logs.lines, "\n"))
	}
	if err := b.Stalled(); err == nil || !strings.Contains(err.Error(), "consumer stage: cannot read TEST_GONE") {
		t.Errorf("Stalled: %v", err)
	}

	if _, err := b.js.CreateStream(ctx, sc); err != nil {
		t.Fatal(err)
	}
	if _, err := b.js.Publish(ctx, "gone.x", []byte("back")); err != nil {
		t.Fatal(err)
	}
	rctx, cancel := context.WithTimeout(ctx, 2*maxPause)
	defer cancel()
	m, err = p.Next(rctx)
	if err != nil || string(m.Data()) != "back" {
		t.Fatalf("Next once the stream is back: %v", err)
	}
	if err := b.Stalled(); err != nil {
		t.Errorf("Stalled after recovery: %v", err)
	}
}

// TestPullWork: every message reaches one of the workers, no more run at
// once than asked, and a message in hand when the stage stops finishes on
// a context that is still alive before Work returns.
func TestPullWork(t *testing.T) {
	b := newTestBus(t)
	ctx := context.Background()
	const n, workers = 20, 3
	for i := range n {
		if err := b.Publish(ctx, SubjectRaw+".w", []byte{byte(i)}, "w-"+string(rune('a'+i))); err != nil {
			t.Fatal(err)
		}
	}
	p, err := b.Pull(ctx, ConsumerConfig{Stream: StreamRaw, Durable: "work", Filter: SubjectRaw + ".>"}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer p.Stop()
	var (
		mu           sync.Mutex
		seen         = map[byte]int{}
		running, top int
	)
	held := make(chan struct{})    // the last message is in hand
	release := make(chan struct{}) // the stage has been told to stop
	var late error
	// The first messages wait for one another: they are in hand together
	// only if workers run at once.
	var first sync.WaitGroup
	first.Add(workers)
	together := make(chan struct{})
	go func() { first.Wait(); close(together) }()
	apart := false
	wctx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		p.Work(wctx, workers, time.Minute, func(hctx context.Context, m jetstream.Msg) {
			mu.Lock()
			running++
			top = max(top, running)
			seen[m.Data()[0]]++
			last, early := len(seen) == n, len(seen) <= workers
			mu.Unlock()
			if early {
				first.Done()
				select {
				case <-together:
				case <-time.After(10 * time.Second):
					apart = true
				}
			}
			if last {
				close(held)
				<-release
				late = hctx.Err()
			}
			_ = m.Ack()
			mu.Lock()
			running--
			mu.Unlock()
		}, func(_ context.Context, m jetstream.Msg, err error) {
			t.Errorf("message %v failed: %v", m.Data(), err)
		})
	}()
	select {
	case <-held:
	case <-time.After(30 * time.Second):
		t.Fatal("not every message was handed to a worker")
	}
	stop()
	select {
	case <-done:
		t.Fatal("Work returned while a message was in hand")
	case <-time.After(100 * time.Millisecond):
	}
	close(release)
	<-done
	if late != nil {
		t.Errorf("the message in hand at the stop had its context ended: %v", late)
	}
	if apart {
		t.Errorf("the first %d messages were not in hand together", workers)
	}
	if len(seen) != n || top != workers {
		t.Errorf("%d distinct messages handled (want %d), at most %d at once (want %d)", len(seen), n, top, workers)
	}
	for d, c := range seen {
		if c != 1 {
			t.Errorf("message %d handled %d times", d, c)
		}
	}
}

// TestPullWorkSurvivesPanic: a handler that panics on one message does not
// end the stage: the panic reaches the stage's fail with that message and
// the stack, and the same worker goes on to the next messages.
func TestPullWorkSurvivesPanic(t *testing.T) {
	b := newTestBus(t)
	ctx := context.Background()
	for i, id := range []string{"before", "bomb", "after"} {
		if err := b.Publish(ctx, SubjectRaw+".p", []byte(id), "p-"+string(rune('a'+i))); err != nil {
			t.Fatal(err)
		}
	}
	p, err := b.Pull(ctx, ConsumerConfig{Stream: StreamRaw, Durable: "panics", Filter: SubjectRaw + ".>"}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer p.Stop()
	var (
		mu      sync.Mutex
		handled []string
		failed  = map[string]error{}
	)
	wctx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		p.Work(wctx, 1, time.Minute, func(_ context.Context, m jetstream.Msg) {
			if string(m.Data()) == "bomb" {
				var nilMap map[string]int
				nilMap["boom"]++ // a real runtime panic: assignment to a nil map
			}
			mu.Lock()
			handled = append(handled, string(m.Data()))
			mu.Unlock()
			_ = m.Ack()
		}, func(_ context.Context, m jetstream.Msg, err error) {
			mu.Lock()
			failed[string(m.Data())] = err
			mu.Unlock()
			_ = m.Term()
		})
	}()
	deadline := time.Now().Add(30 * time.Second)
	for {
		mu.Lock()
		n := len(handled) + len(failed)
		mu.Unlock()
		if n == 3 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after 30s: handled %v, failed %v", handled, failed)
		}
		time.Sleep(10 * time.Millisecond)
	}
	stop()
	<-done
	mu.Lock()
	defer mu.Unlock()
	if strings.Join(handled, ",") != "before,after" {
		t.Errorf("handled %v, want before and after", handled)
	}
	err = failed["bomb"]
	switch {
	case len(failed) != 1 || err == nil:
		t.Errorf("failed %v, want only the panicking message", failed)
	case !strings.Contains(err.Error(), "panicked: assignment to entry in nil map") || !strings.Contains(err.Error(), "pull_test.go"):
		t.Errorf("fail got %q, want the panic and its stack", err)
	}
}
