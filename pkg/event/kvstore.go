package event

import (
	"context"
	"fmt"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/parley-news/parley/pkg/article"
	"github.com/parley-news/parley/pkg/kvjson"
)

// KVStore keeps signatures in a JetStream key-value bucket (parley_events),
// keyed by article id, so event ids survive restarts, are shared by parser
// replicas started later, and a re-parsed article (`parley replay parse`)
// keeps the event id it was given.
type KVStore struct{ b kvjson.Bucket[Signature] }

// NewKVStore is the store over the bucket kv.
func NewKVStore(kv jetstream.KeyValue) KVStore { return KVStore{b: kvjson.New[Signature](kv)} }

// Load reads every signature; one written by another version is skipped
// (its article is compared afresh).
func (s KVStore) Load(ctx context.Context) ([]Signature, error) { return s.b.LoadAll(ctx) }

// Watch calls fn with every signature in the bucket, then with each one
// saved, by any process, until ctx ends or the watch fails.
func (s KVStore) Watch(ctx context.Context, fn func(Signature)) error { return s.b.Watch(ctx, fn) }

// Save writes one signature under its article id, which must have the
// form article.ID gives (it is the key).
func (s KVStore) Save(ctx context.Context, sig Signature) error {
	if !article.ValidID(sig.ArticleID) {
		return fmt.Errorf("save event signature %.40q: not an article id (32 hex digits)", sig.ArticleID)
	}
	return s.b.Put(ctx, sig.ArticleID, sig)
}
