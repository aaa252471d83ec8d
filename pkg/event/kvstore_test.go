package event

import (
	"context"
	"testing"
	"time"

	"github.com/parley-news/parley/pkg/bus"
	"github.com/parley-news/parley/pkg/bus/bustest"
)

// TestReplicasFollowEachOther runs two indexes over one parley_events
// bucket, as two parser processes do: both have loaded it (empty) before
// the first report comes, so only following each other lets the second
// replica put the next report of that event into it. A restarted index
// loads what both saved.
func TestReplicasFollowEachOther(t *testing.T) {
	ctx := context.Background()
	b := bustest.New(t)
	r := reports(t)
	now := r["e1-ar"].PublishedAt.Add(time.Hour)
	clock := func() time.Time { return now }
	st := NewKVStore(b.KV(bus.BucketEvents))
	ix1, _ := New(Config{Now: clock}, st)
	ix2, _ := New(Config{Now: clock}, st)
	for _, ix := range []*Index{ix1, ix2} {
		if err := ix.Load(ctx); err != nil {
			t.Fatal(err)
		}
		bustest.Run(t, "follow", ix.Follow)
	}
	first, err := ix1.Assign(ctx, r["e1-wire"])
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for ix2.Len() < 1 {
		if time.Now().After(deadline) {
			t.Fatal("the second replica never took in the first's signature")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if got, err := ix2.Assign(ctx, r["e1-ru"]); err != nil || got != first {
		t.Errorf("second replica: event %q (%v), want the first replica's %q", got, err, first)
	}
	ix3, _ := New(Config{Now: clock}, st)
	if got, err := ix3.Assign(ctx, r["e1-fr"]); err != nil || got != first {
		t.Errorf("restarted: event %q (%v), want %q", got, err, first)
	}
	if ix3.Len() != 3 {
		t.Errorf("restarted index holds %d signatures, want 3", ix3.Len())
	}
}
