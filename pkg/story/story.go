// Package story groups copies of the same story (a wire story carried by
// several outlets, a lightly edited rewrite, a later update) under one story
// id, while different stories on the same subject stay apart. It compares
// MinHash signatures of word shingles of the article text and finds
// candidates by LSH banding, so an assignment costs the same however many
// articles are open. Signatures are kept for a window of time and can be
// persisted through a Store so that ids survive restarts.
package story

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/parley-news/parley/pkg/article"
	"github.com/parley-news/parley/pkg/internal/timeheap"
)

// Config configures an Index.
type Config struct {
	// Threshold is the estimated Jaccard similarity of two articles' shingle
	// sets at or above which they are one story. Default 0.3, measured on
	// the pairs in testdata (see TestThresholdPairs).
	Threshold float64
	// Window is how long a story stays open: signatures older than this
	// are dropped, and a later copy starts a new story. Default 72h.
	Window time.Duration
	// ShingleWords is the number of words per shingle. Default 5.
	ShingleWords int
	// Bands and Rows shape the LSH: Bands*Rows MinHash values per
	// signature; two articles become candidates when all Rows values of
	// some band agree. Default 32 x 2: a pair at similarity 0.3 becomes a
	// candidate with probability 0.95, at 0.45 with 0.9994.
	Bands, Rows int
	// MaxSignatures bounds memory: beyond it the oldest are dropped.
	// Default 50,000; a signature of a distinct article takes about 3 KB
	// of heap (measured), so about 150 MB at the cap.
	MaxSignatures int
	// MinWords is the fewest words of text an article needs to be compared;
	// shorter ones (a headline only) get a story of their own. Default 20.
	MinWords int
	// Now returns the current time; default time.Now.
	Now func() time.Time
	// Logger; default slog.Default().
	Logger *slog.Logger
}

func (c *Config) setDefaults() {
	if c.Threshold == 0 {
		c.Threshold = 0.3
	}
	if c.Window == 0 {
		c.Window = 72 * time.Hour
	}
	if c.ShingleWords == 0 {
		c.ShingleWords = 5
	}
	if c.Bands == 0 {
		c.Bands = 32
	}
	if c.Rows == 0 {
		c.Rows = 2
	}
	if c.MaxSignatures == 0 {
		c.MaxSignatures = 50_000
	}
	if c.MinWords == 0 {
		c.MinWords = 20
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
}

// Validate reports the first setting out of range.
func (c Config) Validate() error {
	switch {
	case c.Threshold < 0 || c.Threshold > 1:
		return fmt.Errorf("story: Threshold %v must be within [0, 1]", c.Threshold)
	case c.Window < 0:
		return fmt.Errorf("story: Window %v must not be negative", c.Window)
	case c.ShingleWords < 0 || c.ShingleWords > 16:
		return fmt.Errorf("story: ShingleWords %d must be within [1, 16]", c.ShingleWords)
	case c.Bands < 0 || c.Rows < 0 || c.Bands*c.Rows > 1024:
		return fmt.Errorf("story: Bands %d x Rows %d must be positive and at most 1024 values", c.Bands, c.Rows)
	case c.MaxSignatures < 0:
		return fmt.Errorf("story: MaxSignatures %d must not be negative", c.MaxSignatures)
	case c.MinWords < 0:
		return fmt.Errorf("story: MinWords %d must not be negative", c.MinWords)
	}
	return nil
}

// Signature is what the index keeps of one article, and what a Store
// persists.
type Signature struct {
	ArticleID string `json:"article_id"`
	StoryID   string `json:"story_id"`
	// MinHash holds Bands*Rows minimum hashes of the shingles; empty for
	// an article too short to compare.
	MinHash []uint32 `json:"minhash,omitempty"`
	// Time is the article's publication time (or when it was assigned);
	// the signature is dropped Window after it.
	Time time.Time `json:"time"`
}

// Store persists signatures so that story ids survive restarts. The
// pipeline implements it with a JetStream KV bucket.
type Store interface {
	Load(ctx context.Context) ([]Signature, error)
	Save(ctx context.Context, s Signature) error
}

// maxBucket is the most articles one LSH bucket holds.
const maxBucket = 64

// ErrNoID is returned for an article without an ID.
var ErrNoID = errors.New("story: article has no id")

// Index assigns story ids. It is safe for concurrent use.
type Index struct {
	cfg   Config
	store Store
	seeds []uint64

	loadMu sync.Mutex
	loaded bool

	mu      sync.Mutex
	byID    map[string]*entry
	buckets []map[uint64][]*entry // one map per band
	byTime  timeheap.Heap[*entry]
}

type entry struct {
	sig   Signature
	bands []uint64
	hi    int // index in byTime
}

// New returns an Index. st may be nil: the index then lives in memory only.
// Signatures are read from st on the first Assign, or by Load.
func New(cfg Config, st Store) (*Index, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg.setDefaults()
	ix := &Index{
		cfg:     cfg,
		store:   st,
		seeds:   hashSeeds(cfg.Bands * cfg.Rows),
		byID:    map[string]*entry{},
		byTime:  timeheap.New(func(e *entry) time.Time { return e.sig.Time }, func(e *entry, i int) { e.hi = i }),
		buckets: make([]map[uint64][]*entry, cfg.Bands),
	}
	for i := range ix.buckets {
		ix.buckets[i] = map[uint64][]*entry{}
	}
	if st == nil {
		ix.loaded = true
	}
	return ix, nil
}

// Load reads the stored signatures still inside the window. Assign calls
// it on first use; a service may call it at start to fail early.
func (ix *Index) Load(ctx context.Context) error {
	ix.loadMu.Lock()
	defer ix.loadMu.Unlock()
	if ix.loaded {
		return nil
	}
	sigs, err := ix.store.Load(ctx)
	if err != nil {
		return fmt.Errorf("story: load signatures: %w", err)
	}
	cutoff := ix.cfg.Now().Add(-ix.cfg.Window)
	n := 0
	ix.mu.Lock()
	for _, s := range sigs {
		if s.Time.Before(cutoff) || s.ArticleID == "" || s.StoryID == "" {
			continue
		}
		if len(s.MinHash) != 0 && len(s.MinHash) != ix.cfg.Bands*ix.cfg.Rows {
			continue // written with another LSH shape: cannot be compared
		}
		ix.insertLocked(s, nil)
		n++
	}
	ix.evictLocked()
	ix.mu.Unlock()
	ix.loaded = true
	ix.cfg.Logger.Info("story signatures loaded", "stored", len(sigs), "open", n)
	return nil
}

// Len returns the number of signatures held in memory.
func (ix *Index) Len() int {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	return len(ix.byID)
}

// Assign returns the story id of a: the id of the open story it is a copy
// of, or a new one derived from a's own id. The same article id always
// gets the same story id while it is in the window (an article updated
// under the same URL keeps its story).
func (ix *Index) Assign(ctx context.Context, a *article.Article) (string, error) {
	if a.ID == "" {
		return "", ErrNoID
	}
	if err := ix.Load(ctx); err != nil {
		return "", err
	}
	ix.mu.Lock()
	if e, ok := ix.byID[a.ID]; ok {
		id := e.sig.StoryID
		ix.mu.Unlock()
		return id, nil
	}
	ix.mu.Unlock()

	now := ix.cfg.Now()
	sig := Signature{ArticleID: a.ID, Time: articleTime(a, now, ix.cfg.Window)}
	body := a.Body
	if strings.TrimSpace(body) == "" {
		body = a.Summary // a page that could not be extracted
	}
	words := words(a.Title, body)
	if len(words) >= ix.cfg.MinWords {
		sig.MinHash = ix.minHash(words)
	}
	bands := ix.bandKeys(sig.MinHash)

	// Decide and insert under one lock, so that concurrent copies of a new
	// story see each other; the signature is taken back out if it cannot
	// be saved.
	ix.mu.Lock()
	if e, ok := ix.byID[a.ID]; ok { // assigned meanwhile
		ix.mu.Unlock()
		return e.sig.StoryID, nil
	}
	ix.evictLocked()
	sig.StoryID = NewStoryID(a.ID)
	if best := ix.bestLocked(sig.MinHash, bands); best != nil {
		sig.StoryID = best.sig.StoryID
	}
	e := ix.insertLocked(sig, bands)
	ix.evictLocked()
	ix.mu.Unlock()

	if ix.store != nil {
		if err := ix.store.Save(ctx, sig); err != nil {
			ix.mu.Lock()
			if ix.byID[a.ID] == e {
				ix.removeLocked(e)
			}
			ix.mu.Unlock()
			return "", fmt.Errorf("story: save signature of %s: %w", a.ID, err)
		}
	}
	return sig.StoryID, nil
}

// NewStoryID is the id of a story first seen in the article with id
// articleID: the article id itself, so it is stable across restarts and
// instances.
func NewStoryID(articleID string) string { return articleID }

func articleTime(a *article.Article, now time.Time, window time.Duration) time.Time {
	if a.PublishedAt != nil {
		t := a.PublishedAt.UTC()
		// A date in the future or beyond the window (bad feed dates,
		// replays) would drop the signature at once or keep it too long.
		if !t.After(now.Add(time.Hour)) && !t.Before(now.Add(-window)) {
			return t
		}
	}
	return now.UTC()
}

// bestLocked returns the most similar open article at or above the
// threshold among the LSH candidates.
func (ix *Index) bestLocked(mh []uint32, bands []uint64) *entry {
	if len(mh) == 0 {
		return nil
	}
	var best *entry
	bestSim := ix.cfg.Threshold
	seen := map[*entry]bool{}
	for b, key := range bands {
		for _, e := range ix.buckets[b][key] {
			if seen[e] {
				continue
			}
			seen[e] = true
			if sim := Similarity(mh, e.sig.MinHash); sim >= bestSim && (best == nil || sim > bestSim || e.sig.Time.Before(best.sig.Time)) {
				best, bestSim = e, sim
				if sim >= 0.9 {
					return best // a copy: no need to look further
				}
			}
		}
	}
	return best
}

// Similarity estimates the Jaccard similarity of two MinHash signatures.
func Similarity(a, b []uint32) float64 {
	if len(a) == 0 || len(a) != len(b) {
		return 0
	}
	eq := 0
	for i := range a {
		if a[i] == b[i] {
			eq++
		}
	}
	return float64(eq) / float64(len(a))
}

// insertLocked adds a signature whose band keys are bands (nil: computed).
func (ix *Index) insertLocked(s Signature, bands []uint64) *entry {
	if old, ok := ix.byID[s.ArticleID]; ok {
		ix.removeLocked(old)
	}
	if bands == nil {
		bands = ix.bandKeys(s.MinHash)
	}
	e := &entry{sig: s, bands: bands}
	ix.byID[s.ArticleID] = e
	for b, key := range e.bands {
		// A full bucket holds enough copies of this story to find it; the
		// cap keeps a story with thousands of copies from making every
		// assignment and eviction slow.
		if len(ix.buckets[b][key]) < maxBucket {
			ix.buckets[b][key] = append(ix.buckets[b][key], e)
		}
	}
	ix.byTime.Push(e)
	return e
}

func (ix *Index) removeLocked(e *entry) {
	delete(ix.byID, e.sig.ArticleID)
	for b, key := range e.bands {
		list := ix.buckets[b][key]
		for i, x := range list {
			if x == e {
				list[i] = list[len(list)-1]
				list = list[:len(list)-1]
				break
			}
		}
		if len(list) == 0 {
			delete(ix.buckets[b], key)
		} else {
			ix.buckets[b][key] = list
		}
	}
	ix.byTime.Remove(e.hi)
}

// evictLocked drops signatures older than the window, and the oldest
// beyond MaxSignatures.
func (ix *Index) evictLocked() {
	cutoff := ix.cfg.Now().Add(-ix.cfg.Window)
	for ix.byTime.Len() > 0 && (ix.byTime.Peek().sig.Time.Before(cutoff) || ix.byTime.Len() > ix.cfg.MaxSignatures) {
		ix.removeLocked(ix.byTime.Peek())
	}
}
