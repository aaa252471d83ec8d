// Package versions keeps every version of every article (the
// parley_article_versions bucket): the parser records each article whose
// content changed under its URL, and GET /api/articles/{id}/versions reads
// them back (docs/contract.md, API).
package versions

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/parley-news/parley/pkg/article"
	"github.com/parley-news/parley/pkg/bus"
)

// Store is the version store over the bucket bus.BucketVersions: the key
// is the article id, each revision one version.
type Store struct {
	kv jetstream.KeyValue
}

// New is the version store of b.
func New(b *bus.Bus) *Store { return &Store{kv: b.KV(bus.BucketVersions)} }

// ErrBadID is returned for an id that is not an article id (see
// article.ValidID): it never becomes a key, where '*' or '>' would read
// other articles' versions and a long one would cost the connection.
var ErrBadID = errors.New("not an article id (32 hex digits)")

// RecordVersion stores a as the newest version of its article when its
// content differs from the last one stored, and sets a.Version: 1 for a
// new article, one more for each change. A redelivered article (same
// content) keeps its version and stores nothing.
func (s *Store) RecordVersion(ctx context.Context, a *article.Article) error {
	if !article.ValidID(a.ID) {
		return fmt.Errorf("article versions %.40q: %w", a.ID, ErrBadID)
	}
	hash := bus.ContentHash(a)
	e, err := s.kv.Get(ctx, a.ID)
	switch {
	case errors.Is(err, jetstream.ErrKeyNotFound):
		a.Version = 1
	case err != nil:
		return fmt.Errorf("article versions %s: %w", a.ID, err)
	default:
		var last versionRecord
		if err := json.Unmarshal(e.Value(), &last); err != nil {
			return fmt.Errorf("decode article version %s: %w", a.ID, err)
		}
		if last.Hash == hash {
			a.Version = last.Article.Version
			return nil
		}
		a.Version = last.Article.Version + 1
	}
	data, err := json.Marshal(versionRecord{Hash: hash, Article: a})
	if err != nil {
		return fmt.Errorf("encode article version %s: %w", a.ID, err)
	}
	if _, err := s.kv.Put(ctx, a.ID, data); err != nil {
		return fmt.Errorf("store article version %s: %w", a.ID, err)
	}
	return nil
}

// Versions returns the stored versions of an article, oldest first.
func (s *Store) Versions(ctx context.Context, id string) ([]*article.Article, error) {
	if !article.ValidID(id) {
		return nil, fmt.Errorf("article versions %.40q: %w", id, ErrBadID)
	}
	hist, err := s.kv.History(ctx, id)
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("article versions %s: %w", id, err)
	}
	out := make([]*article.Article, 0, len(hist))
	for _, e := range hist {
		if e.Operation() != jetstream.KeyValuePut {
			continue
		}
		var rec versionRecord
		if err := json.Unmarshal(e.Value(), &rec); err != nil {
			return nil, fmt.Errorf("decode article version %s: %w", id, err)
		}
		out = append(out, rec.Article)
	}
	return out, nil
}

type versionRecord struct {
	Hash    string           `json:"hash"`
	Article *article.Article `json:"article"`
}
