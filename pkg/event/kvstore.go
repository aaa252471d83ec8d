package event

import (
	"github.com/nats-io/nats.go/jetstream"

	"github.com/parley-news/parley/pkg/kvjson"
)

// KVStore keeps signatures in a JetStream key-value bucket (parley_events),
// keyed by article id; it is a Watcher.
type KVStore = kvjson.ByArticle[Signature]

// NewKVStore is the store over the bucket kv.
func NewKVStore(kv jetstream.KeyValue) KVStore {
	return kvjson.NewByArticle(kv, "event signature", func(s Signature) string { return s.ArticleID })
}
