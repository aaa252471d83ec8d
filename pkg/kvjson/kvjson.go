// Package kvjson keeps JSON values in a JetStream key-value bucket, one per
// key, and reads them all back at start: the state the parser's story and
// event indexes keep across restarts (parley_stories, parley_events).
package kvjson

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/parley-news/parley/pkg/article"
)

// Bucket is a bucket of JSON values of type T.
type Bucket[T any] struct{ kv jetstream.KeyValue }

// New is the bucket over kv.
func New[T any](kv jetstream.KeyValue) Bucket[T] { return Bucket[T]{kv: kv} }

// LoadAll reads every value with one watch over the bucket. A value that
// does not decode as T (written by another version) is skipped.
func (b Bucket[T]) LoadAll(ctx context.Context) ([]T, error) {
	w, err := b.kv.WatchAll(ctx, jetstream.IgnoreDeletes())
	if err != nil {
		return nil, fmt.Errorf("watch %s: %w", b.kv.Bucket(), err)
	}
	defer func() { _ = w.Stop() }()
	var out []T
	for {
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case e, ok := <-w.Updates():
			if !ok && ctx.Err() != nil {
				// The watch ends with ctx too: the values are not all in.
				return nil, ctx.Err()
			}
			if !ok || e == nil {
				return out, nil
			}
			var v T
			if err := json.Unmarshal(e.Value(), &v); err != nil {
				continue
			}
			out = append(out, v)
		}
	}
}

// Watch calls fn with every value in the bucket, then with each value
// written to it, until ctx ends or the watch fails (the bucket was
// deleted, NATS went away). A value that does not decode as T is skipped.
func (b Bucket[T]) Watch(ctx context.Context, fn func(T)) error {
	w, err := b.kv.WatchAll(ctx, jetstream.IgnoreDeletes())
	if err != nil {
		return fmt.Errorf("watch %s: %w", b.kv.Bucket(), err)
	}
	defer func() { _ = w.Stop() }()
	for {
		select {
		case <-ctx.Done():
			return nil
		case e, ok := <-w.Updates():
			if !ok {
				if ctx.Err() != nil {
					return nil
				}
				return fmt.Errorf("watch %s: ended", b.kv.Bucket())
			}
			if e == nil {
				continue // the end of the values there were
			}
			var v T
			if err := json.Unmarshal(e.Value(), &v); err != nil {
				continue
			}
			fn(v)
		}
	}
}

// Put writes v under key.
func (b Bucket[T]) Put(ctx context.Context, key string, v T) error {
	data, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode %s value: %w", b.kv.Bucket(), err)
	}
	if _, err := b.kv.Put(ctx, key, data); err != nil {
		return fmt.Errorf("put %s %s: %w", b.kv.Bucket(), key, err)
	}
	return nil
}

// ByArticle is a bucket of values kept one per article under the article's
// id: the signatures of the story and event indexes, so their ids survive
// restarts, are shared by parser replicas, and a re-parsed article
// (`parley replay parse`) keeps the ids it was given.
type ByArticle[T any] struct {
	b    Bucket[T]
	what string
	id   func(T) string
}

// NewByArticle is the store over kv; id gives a value's article id, and
// what names the values in errors ("story signature").
func NewByArticle[T any](kv jetstream.KeyValue, what string, id func(T) string) ByArticle[T] {
	return ByArticle[T]{b: New[T](kv), what: what, id: id}
}

// Load reads every value; one written by another version is skipped (its
// article is compared afresh).
func (s ByArticle[T]) Load(ctx context.Context) ([]T, error) { return s.b.LoadAll(ctx) }

// Watch calls fn with every value in the bucket, then with each one saved,
// by any process, until ctx ends or the watch fails.
func (s ByArticle[T]) Watch(ctx context.Context, fn func(T)) error { return s.b.Watch(ctx, fn) }

// Save writes v under its article id, which must have the form article.ID
// gives (it is the key).
func (s ByArticle[T]) Save(ctx context.Context, v T) error {
	id := s.id(v)
	if !article.ValidID(id) {
		return fmt.Errorf("save %s %.40q: not an article id (32 hex digits)", s.what, id)
	}
	return s.b.Put(ctx, id, v)
}
