// Package embedded is parley's built-in search index (the default of
// `parley run`): Bleve with the scorch engine, in a directory or in memory.
// It indexes index.Document fields with an explicit mapping whose text
// analysis is the one query.Analyze and Elasticsearch's standard analyzer
// use, and translates the query AST itself, so a query means the same here
// as on Elasticsearch and in the alerter's query.Match.
package embedded

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	bolterrors "go.etcd.io/bbolt/errors"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/index/scorch"
	bleveindex "github.com/blevesearch/bleve_index_api"

	"github.com/parley-news/parley/pkg/article"
	"github.com/parley-news/parley/pkg/index"
	"github.com/parley-news/parley/pkg/internal/panics"
	"github.com/parley-news/parley/pkg/permanent"
	"github.com/parley-news/parley/pkg/query"
)

// ErrIndexInUse is returned when another process holds the index open.
var ErrIndexInUse = errors.New("the index is in use by another process: only one parley process may open an embedded index (stop it, or use --es-url to share an index between processes)")

// Config configures the embedded index.
type Config struct {
	// Path is the index directory, created when missing; "" keeps the
	// index in memory (tests, throwaway runs): nothing is durable then.
	Path string
	// Resolver expands names to every spelling of their entity
	// (query.Expand). Nil searches the words as typed.
	Resolver query.Resolver
}

// ErrDamaged is returned when the index files cannot be read: the storage
// library gave up on them (a torn or overwritten file). Nothing in them
// can be trusted; the index is to be rebuilt (parley replay index).
var ErrDamaged = errors.New("the index files are damaged")

// ErrOutdated is returned when the index was built with another mapping
// (an older parley): it would answer queries differently, so it is to be
// rebuilt from the kept articles, as parley run does by itself.
var ErrOutdated = errors.New("the index was built with another mapping")

// openDisk opens the index on disk. A root file that bolt finds invalid, a
// segment that cannot be loaded, and the panics of the storage library on some damaged files (a page that
// does not say what it is), are returned as ErrDamaged rather than
// stopping the process.
func openDisk(path string, runtime map[string]any) (bleve.Index, error) {
	var (
		idx bleve.Index
		err error
	)
	if p := panics.Catch(func() { idx, err = bleve.OpenUsing(path, runtime) }); p != nil {
		return nil, fmt.Errorf("%w: %v", ErrDamaged, p.Value)
	}
	switch {
	case err == nil, errors.Is(err, bolterrors.ErrTimeout), errors.Is(err, fs.ErrPermission):
		return idx, err
	default:
		// Anything else the files themselves caused: an invalid root file,
		// or a segment so damaged that the snapshot cannot be loaded (bleve
		// then reports the mapping it could not read).
		return nil, fmt.Errorf("%w: %w", ErrDamaged, err)
	}
}

// Validate reports a setting Open cannot use.
func (c Config) Validate() error {
	if c.Path == "" {
		return nil
	}
	fi, err := os.Stat(c.Path)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return nil
	case err != nil:
		return fmt.Errorf("index path %s: %w", c.Path, err)
	case !fi.IsDir():
		return fmt.Errorf("index path %s: not a directory", c.Path)
	}
	return nil
}

// Index is an open Bleve index. It is safe for concurrent use.
type Index struct {
	idx      bleve.Index
	resolver query.Resolver
	logger   *slog.Logger
	path     string
}

// Open opens the index at cfg.Path, creating it when the directory is
// missing or empty, and checks that it was built with this mapping
// (ErrOutdated otherwise).
func Open(cfg Config, logger *slog.Logger) (*Index, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	ix := &Index{resolver: cfg.Resolver, logger: logger, path: cfg.Path}
	if cfg.Path == "" {
		m, err := buildMapping()
		if err != nil {
			return nil, fmt.Errorf("build index mapping: %w", err)
		}
		// Not bleve.NewMemOnly, which is the older upsidedown engine on a
		// treap (slow, and another engine than on disk): scorch without a
		// path keeps its segments in memory.
		idx, err := bleve.NewUsing("", m, scorch.Name, bleve.Config.DefaultKVStore, nil)
		if err != nil {
			return nil, fmt.Errorf("create in-memory index: %w", err)
		}
		ix.idx = idx
		if err := idx.SetInternal(internalMappingVersion, []byte(mappingVersion)); err != nil {
			_ = idx.Close()
			return nil, fmt.Errorf("record mapping version: %w", err)
		}
		logger.Info("embedded index in memory", "mapping_version", mappingVersion)
		return ix, nil
	}

	// A batch returns only after scorch has persisted it (segment file and
	// root bolt both fsynced) as long as unsafe_batch is false, which is
	// the default for an index with a path; we set it explicitly so that
	// Index's "nil error = durable" cannot be turned off by a default.
	// A second process opening the same index waits for the file lock at
	// most bolt_timeout, then gets ErrIndexInUse instead of hanging.
	runtime := map[string]any{"unsafe_batch": false, "bolt_timeout": "3s"}
	_, err := os.Stat(filepath.Join(cfg.Path, "index_meta.json"))
	switch {
	case err == nil:
		idx, err := openDisk(cfg.Path, runtime)
		if err != nil {
			if errors.Is(err, bolterrors.ErrTimeout) {
				return nil, fmt.Errorf("open index %s: %w", cfg.Path, ErrIndexInUse)
			}
			return nil, fmt.Errorf("open index %s: %w", cfg.Path, err)
		}
		ix.idx = idx
		v, err := idx.GetInternal(internalMappingVersion)
		if err != nil {
			_ = idx.Close()
			return nil, fmt.Errorf("read mapping version of %s: %w", cfg.Path, err)
		}
		if string(v) != mappingVersion {
			_ = idx.Close()
			return nil, fmt.Errorf("%w: index %s has mapping version %q, this parley needs %q", ErrOutdated, cfg.Path, v, mappingVersion)
		}
	case errors.Is(err, os.ErrNotExist):
		if err := removeIfEmpty(cfg.Path); err != nil {
			return nil, err
		}
		if err := os.MkdirAll(filepath.Dir(filepath.Clean(cfg.Path)), 0o755); err != nil {
			return nil, fmt.Errorf("create index parent directory: %w", err)
		}
		m, err := buildMapping()
		if err != nil {
			return nil, fmt.Errorf("build index mapping: %w", err)
		}
		idx, err := bleve.NewUsing(cfg.Path, m, scorch.Name, bleve.Config.DefaultKVStore, runtime)
		if err != nil {
			return nil, fmt.Errorf("create index %s: %w", cfg.Path, err)
		}
		ix.idx = idx
		if err := idx.SetInternal(internalMappingVersion, []byte(mappingVersion)); err != nil {
			_ = idx.Close()
			return nil, fmt.Errorf("record mapping version: %w", err)
		}
	default:
		return nil, fmt.Errorf("open index %s: %w", cfg.Path, err)
	}
	n, _ := ix.idx.DocCount()
	logger.Info("embedded index open", "path", cfg.Path, "docs", n, "mapping_version", mappingVersion)
	return ix, nil
}

// removeIfEmpty removes dir when it exists and is empty, since Bleve
// creates an index only where nothing exists yet.
func removeIfEmpty(dir string) error {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("read index directory %s: %w", dir, err)
	}
	if len(entries) > 0 {
		return fmt.Errorf("index directory %s is not empty and holds no index", dir)
	}
	if err := os.Remove(dir); err != nil {
		return fmt.Errorf("prepare index directory %s: %w", dir, err)
	}
	return nil
}

// Close closes the index.
func (ix *Index) Close() error {
	if err := ix.idx.Close(); err != nil {
		return fmt.Errorf("close index: %w", err)
	}
	return nil
}

// Index writes arts in one batch and returns one error per article, nil
// meaning the article is durable (on disk, unless the index is in memory).
// Re-indexing an id replaces the document. An article that can never be
// indexed (no id) gets an permanent.Error error; a failed batch gives every
// article of it the batch's error.
func (ix *Index) Index(ctx context.Context, arts []*article.Article) []error {
	errs := make([]error, len(arts))
	if err := ctx.Err(); err != nil {
		for i := range errs {
			errs[i] = err
		}
		return errs
	}
	b := ix.idx.NewBatch()
	for i, a := range arts {
		if a == nil || a.ID == "" {
			errs[i] = permanent.Error(errors.New("index article: no id"))
			continue
		}
		doc, err := bleveDocument(a)
		if err != nil {
			errs[i] = permanent.Error(fmt.Errorf("index article %s: %w", a.ID, err))
			continue
		}
		if err := b.Index(a.ID, doc); err != nil {
			errs[i] = permanent.Error(fmt.Errorf("index article %s: %w", a.ID, err))
		}
	}
	if b.Size() == 0 {
		return errs
	}
	if err := ix.idx.Batch(b); err != nil {
		ix.logger.Warn("index batch failed", "articles", len(arts), "error", err)
		for i := range errs {
			if errs[i] == nil {
				errs[i] = fmt.Errorf("index batch: %w", err)
			}
		}
	}
	return errs
}

// bleveDocument is what Bleve indexes for a: index.Document's fields under
// their index names, keyword copies for facets, and the article JSON.
// Empty values are left out, so that no query matches an empty keyword.
func bleveDocument(a *article.Article) (map[string]any, error) {
	raw, err := json.Marshal(a)
	if err != nil {
		return nil, fmt.Errorf("encode article: %w", err)
	}
	d := index.NewDocument(a)
	m := map[string]any{fieldArticle: string(raw)}
	str := func(k, v string) {
		if v != "" {
			m[k] = v
		}
	}
	list := func(k string, vs []string) {
		var out []string
		for _, v := range vs {
			if v != "" {
				out = append(out, v)
			}
		}
		if len(out) > 0 {
			m[k] = out
		}
	}
	str("id", d.ID)
	str("url", d.URL)
	str("feed_url", d.FeedURL)
	str(index.DocSource, d.Source)
	str(fieldSourceKW, d.Source)
	str(index.DocTitle, d.Title)
	str(index.DocSummary, d.Summary)
	str(index.DocBody, d.Body)
	str(index.DocLanguage, d.Language)
	str(index.DocStoryID, d.StoryID)
	str(index.DocEventID, d.EventID)
	list("authors", d.Authors)
	list(index.DocCountries, d.Countries)
	list(index.DocPeople, d.People)
	list(fieldPeopleKW, d.People)
	list("organizations", d.Organizations)
	list("places", d.Places)
	list(index.DocEntities, d.Entities)
	list(index.DocTopics, d.Topics)
	list("quotes", d.Quotes)
	list("speakers", d.Speakers)
	list(fieldSpeakersKW, d.Speakers)
	list(index.DocSentences, d.Sentences)
	list(index.DocSentencesStem, d.SentencesStem)
	str(index.DocTitleStem, d.TitleStem)
	str(index.DocSummaryStem, d.SummaryStem)
	str(index.DocBodyStem, d.BodyStem)
	list(index.DocQuotesStem, d.QuotesStem)
	str(index.DocTitleName, d.TitleName)
	str(index.DocSummaryName, d.SummaryName)
	str(index.DocBodyName, d.BodyName)
	for k, t := range map[string]*time.Time{
		index.DocPublishedAt: d.PublishedAt, "updated_at": d.UpdatedAt, "fetched_at": d.FetchedAt,
	} {
		// Bleve cannot hold dates outside int64 nanoseconds; such a date
		// is left out (and query.Match ignores it the same way).
		if t != nil && !t.Before(minTime) && !t.After(maxTime) {
			m[k] = t.UTC()
		}
	}
	return m, nil
}

// Article returns the article stored under id, or index.ErrNotFound.
func (ix *Index) Article(ctx context.Context, id string) (*article.Article, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	a, err := ix.load(id)
	if err != nil {
		return nil, err
	}
	return a, nil
}

func (ix *Index) load(id string) (*article.Article, error) {
	doc, err := ix.idx.Document(id)
	if err != nil {
		return nil, fmt.Errorf("load article %s: %w", id, err)
	}
	if doc == nil {
		return nil, index.ErrNotFound
	}
	var raw []byte
	doc.VisitFields(func(f bleveindex.Field) {
		if f.Name() == fieldArticle {
			raw = append([]byte(nil), f.Value()...)
		}
	})
	if raw == nil {
		return nil, fmt.Errorf("load article %s: no stored article", id)
	}
	var a article.Article
	if err := json.Unmarshal(raw, &a); err != nil {
		return nil, fmt.Errorf("decode article %s: %w", id, err)
	}
	return &a, nil
}

// Count returns the number of articles in the index.
func (ix *Index) Count(ctx context.Context) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	n, err := ix.idx.DocCount()
	if err != nil {
		return 0, fmt.Errorf("count articles: %w", err)
	}
	return int(n), nil
}
