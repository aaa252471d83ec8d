package story

import (
	"github.com/nats-io/nats.go/jetstream"

	"github.com/parley-news/parley/pkg/kvjson"
)

// KVStore keeps signatures in a JetStream key-value bucket (parley_stories),
// keyed by article id.
type KVStore = kvjson.ByArticle[Signature]

// NewKVStore is the store over the bucket kv.
func NewKVStore(kv jetstream.KeyValue) KVStore {
	return kvjson.NewByArticle(kv, "story signature", func(s Signature) string { return s.ArticleID })
}
