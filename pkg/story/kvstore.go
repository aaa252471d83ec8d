package story

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/parley-news/parley/pkg/article"
)

// KVStore keeps signatures in a JetStream key-value bucket (parley_stories),
// keyed by article id, so story ids survive restarts, are shared by parser
// replicas started later, and a re-parsed article (`parley replay parse`)
// keeps the story id it was given.
type KVStore struct{ kv jetstream.KeyValue }

// NewKVStore is the store over the bucket kv.
func NewKVStore(kv jetstream.KeyValue) KVStore { return KVStore{kv: kv} }

// Load reads every signature with one watch over the bucket.
func (s KVStore) Load(ctx context.Context) ([]Signature, error) {
	w, err := s.kv.WatchAll(ctx, jetstream.IgnoreDeletes())
	if err != nil {
		return nil, fmt.Errorf("watch %s: %w", s.kv.Bucket(), err)
	}
	defer func() { _ = w.Stop() }()
	var out []Signature
	for {
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case e, ok := <-w.Updates():
			if !ok || e == nil {
				return out, nil
			}
			var sig Signature
			if err := json.Unmarshal(e.Value(), &sig); err != nil {
				continue // written by another version; the story starts afresh
			}
			out = append(out, sig)
		}
	}
}

// Save writes one signature under its article id, which must have the
// form article.ID gives (it is the key).
func (s KVStore) Save(ctx context.Context, sig Signature) error {
	if !article.ValidID(sig.ArticleID) {
		return fmt.Errorf("save story signature %.40q: not an article id (32 hex digits)", sig.ArticleID)
	}
	data, err := json.Marshal(sig)
	if err != nil {
		return fmt.Errorf("encode story signature: %w", err)
	}
	if _, err := s.kv.Put(ctx, sig.ArticleID, data); err != nil {
		return fmt.Errorf("save story signature %s: %w", sig.ArticleID, err)
	}
	return nil
}
