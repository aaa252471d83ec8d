// Package timeheap is the one min-heap by time that parley keeps where
// things fall due or age out: the fetcher's feeds by next poll, the story
// and event windows' signatures by time. Each item is told its position,
// so that it can be moved (Fix) or removed (Remove) in O(log n).
package timeheap

import (
	"container/heap"
	"time"
)

// Heap holds items earliest first. The zero value is not usable: New.
type Heap[T any] struct {
	items []T
	when  func(T) time.Time
	place func(T, int) // records an item's position, -1 once out
}

// New is an empty heap ordered by when; place is told each item's
// position whenever it changes, and -1 when the item leaves.
func New[T any](when func(T) time.Time, place func(T, int)) Heap[T] {
	return Heap[T]{when: when, place: place}
}

// Len is how many items the heap holds.
func (h *Heap[T]) Len() int { return len(h.items) }

// Peek is the earliest item; the heap must not be empty.
func (h *Heap[T]) Peek() T { return h.items[0] }

// Push adds x.
func (h *Heap[T]) Push(x T) { heap.Push((*order[T])(h), x) }

// Pop removes and returns the earliest item; the heap must not be empty.
func (h *Heap[T]) Pop() T { return heap.Pop((*order[T])(h)).(T) }

// Fix restores the order after the time of the item at position i changed.
func (h *Heap[T]) Fix(i int) { heap.Fix((*order[T])(h), i) }

// Remove removes and returns the item at position i.
func (h *Heap[T]) Remove(i int) T { return heap.Remove((*order[T])(h), i).(T) }

// order is the heap seen by container/heap.
type order[T any] Heap[T]

func (o *order[T]) Len() int           { return len(o.items) }
func (o *order[T]) Less(i, j int) bool { return o.when(o.items[i]).Before(o.when(o.items[j])) }
func (o *order[T]) Swap(i, j int) {
	o.items[i], o.items[j] = o.items[j], o.items[i]
	o.place(o.items[i], i)
	o.place(o.items[j], j)
}

func (o *order[T]) Push(x any) {
	t := x.(T)
	o.place(t, len(o.items))
	o.items = append(o.items, t)
}

func (o *order[T]) Pop() any {
	n := len(o.items) - 1
	t := o.items[n]
	var zero T
	o.items[n] = zero
	o.items = o.items[:n]
	o.place(t, -1)
	return t
}
