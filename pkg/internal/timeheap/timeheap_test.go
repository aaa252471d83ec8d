package timeheap

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

type item struct {
	at  time.Time
	pos int
}

func newHeap() Heap[*item] {
	return New(func(x *item) time.Time { return x.at }, func(x *item, i int) { x.pos = i })
}

// TestOrder: items come out earliest first whatever the order they went
// in, after moves and removals, and each knows its position while in.
func TestOrder(t *testing.T) {
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	r := rand.New(rand.NewPCG(1, 2))
	h := newHeap()
	var in []*item
	for range 200 {
		x := &item{at: base.Add(time.Duration(r.IntN(1000)) * time.Second)}
		h.Push(x)
		in = append(in, x)
	}
	check := func() {
		t.Helper()
		for _, x := range in {
			if x.pos >= 0 && h.items[x.pos] != x {
				t.Fatalf("item at %s says position %d, which holds another", x.at, x.pos)
			}
		}
	}
	check()
	// Move some later, remove others.
	for i, x := range in {
		switch i % 3 {
		case 0:
			x.at = x.at.Add(500 * time.Second)
			h.Fix(x.pos)
		case 1:
			if got := h.Remove(x.pos); got != x || x.pos != -1 {
				t.Fatalf("Remove gave %p (position %d), want %p", got, x.pos, x)
			}
		}
	}
	check()
	var out []time.Time
	for h.Len() > 0 {
		first := h.Peek()
		x := h.Pop()
		if x != first || x.pos != -1 {
			t.Fatalf("Pop gave %p (position %d), Peek %p", x, x.pos, first)
		}
		out = append(out, x.at)
	}
	if want := 200 - (200+1)/3; len(out) != want {
		t.Fatalf("%d items out, want %d", len(out), want)
	}
	if !slices.IsSortedFunc(out, func(a, b time.Time) int { return a.Compare(b) }) {
		t.Fatalf("not earliest first: %v", out)
	}
}
