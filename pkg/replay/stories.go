package replay

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/parley-news/parley/pkg/bus"
	"github.com/parley-news/parley/pkg/story"
)

// StoryStore keeps story signatures in the parley_stories bucket, the
// bucket the parser stage uses, so a re-parsed article keeps the story id
// it was given (and so its message id, when its text did not change).
type StoryStore struct{ kv jetstream.KeyValue }

// NewStoryStore is the story store of b.
func NewStoryStore(b *bus.Bus) StoryStore { return StoryStore{kv: b.KV(bus.BucketStories)} }

// Load reads every signature with one watch over the bucket.
func (s StoryStore) Load(ctx context.Context) ([]story.Signature, error) {
	w, err := s.kv.WatchAll(ctx, jetstream.IgnoreDeletes())
	if err != nil {
		return nil, fmt.Errorf("watch %s: %w", bus.BucketStories, err)
	}
	defer func() { _ = w.Stop() }()
	var out []story.Signature
	for {
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case e, ok := <-w.Updates():
			if !ok || e == nil {
				return out, nil
			}
			var sig story.Signature
			if err := json.Unmarshal(e.Value(), &sig); err != nil {
				continue
			}
			out = append(out, sig)
		}
	}
}

// Save writes one signature under its article id.
func (s StoryStore) Save(ctx context.Context, sig story.Signature) error {
	data, err := json.Marshal(sig)
	if err != nil {
		return fmt.Errorf("encode story signature: %w", err)
	}
	if _, err := s.kv.Put(ctx, sig.ArticleID, data); err != nil {
		return fmt.Errorf("save story signature %s: %w", sig.ArticleID, err)
	}
	return nil
}
