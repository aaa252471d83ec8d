package bus

import (
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"sync"
)

// health is what the bus knows is wrong: consumers that cannot read (their
// stage is stalled) and damage found in the streams (data lost, or
// repaired), for /healthz.
type health struct {
	mu      sync.Mutex
	stalled map[string]error // consumer -> why it cannot read
	damage  []string         // what was found lost or repaired in this run
	// repaired is closed, and replaced, each time Repair recreates streams
	// or buckets: watchers of a recreated bucket must watch again.
	repaired chan struct{}
}

func (h *health) repairedNow() {
	h.mu.Lock()
	defer h.mu.Unlock()
	close(h.repaired)
	h.repaired = make(chan struct{})
}

// Repaired is closed the next time Repair recreates streams or buckets.
func (b *Bus) Repaired() <-chan struct{} {
	b.health.mu.Lock()
	defer b.health.mu.Unlock()
	return b.health.repaired
}

func (h *health) stall(consumer string, err error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.stalled[consumer] = err
}

func (h *health) unstall(consumer string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	delete(h.stalled, consumer)
}

// damaged records what was found, once, and logs it as an error.
func (h *health) damaged(what string, log *slog.Logger) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, d := range h.damage {
		if d == what {
			return
		}
	}
	h.damage = append(h.damage, what)
	log.Error("data damage: " + what)
}

// Stalled says which consumers cannot read their stream and why; nil when
// every stage reads.
func (b *Bus) Stalled() error {
	b.health.mu.Lock()
	defer b.health.mu.Unlock()
	names := make([]string, 0, len(b.health.stalled))
	for n := range b.health.stalled {
		names = append(names, n)
	}
	sort.Strings(names)
	var errs []error
	for _, n := range names {
		errs = append(errs, fmt.Errorf("consumer %s: %w", n, b.health.stalled[n]))
	}
	return errors.Join(errs...)
}

// Damage is what was found lost or repaired in the streams and buckets
// since this process started (Check, Repair, a consumer found ahead of its
// stream).
func (b *Bus) Damage() []string {
	b.health.mu.Lock()
	defer b.health.mu.Unlock()
	return append([]string(nil), b.health.damage...)
}
