// Package event groups the coverage of one news event by different outlets,
// in different words and languages, under one event id: the same round of
// talks reported by a wire, a Gulf outlet and a Russian-language site.
// Copies of one text (package story) always share their event; other
// articles join an open event when they name enough of the same people,
// organisations, places and countries (by Wikidata id, so in any script),
// headline names and words, as its closest articles published within Gap
// of them (README, Events). An event that keeps being reported day after day stays open;
// the same kind of meeting in the same city a week later starts a new one.
// Signatures are kept for a window of time and can be persisted through a
// Store so that ids survive restarts.
package event

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"sort"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/parley-news/parley/pkg/article"
	"github.com/parley-news/parley/pkg/internal/timeheap"
	"github.com/parley-news/parley/pkg/morph"
	"github.com/parley-news/parley/pkg/query"
)

// Config configures an Index.
type Config struct {
	// Threshold is the score at or above which an article joins an event:
	// its mean similarity (see Similarity) to the event's 3 closest
	// articles within Gap. Default 0.25, the middle of the range that
	// groups the labelled sets in testdata right (README, Events).
	Threshold float64
	// Gap is how far apart in publication time two articles may be and
	// still be linked: an event grows while it is reported at least every
	// Gap. Default 36h.
	Gap time.Duration
	// Window is how long a signature is kept after it was assigned; at
	// least Gap. Default 96h.
	Window time.Duration
	// MaxSignatures bounds memory: beyond it the oldest are dropped.
	// Default 50,000.
	MaxSignatures int
	// MaxPostings is how many of the latest articles each key (a person,
	// a place, a headline word) finds as candidates. Default 64.
	MaxPostings int
	// Now returns the current time; default time.Now.
	Now func() time.Time
	// Logger; default slog.Default().
	Logger *slog.Logger
}

func (c *Config) setDefaults() {
	if c.Threshold == 0 {
		c.Threshold = 0.25
	}
	if c.Gap == 0 {
		c.Gap = 36 * time.Hour
	}
	if c.Window == 0 {
		c.Window = max(96*time.Hour, c.Gap)
	}
	if c.MaxSignatures == 0 {
		c.MaxSignatures = 50_000
	}
	if c.MaxPostings == 0 {
		c.MaxPostings = 64
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
		return fmt.Errorf("event: Threshold %v must be within [0, 1]", c.Threshold)
	case c.Gap < 0:
		return fmt.Errorf("event: Gap %v must not be negative", c.Gap)
	case c.Window < 0 || (c.Window != 0 && c.Window < c.Gap):
		return fmt.Errorf("event: Window %v must be at least Gap (%v)", c.Window, c.Gap)
	case c.MaxSignatures < 0:
		return fmt.Errorf("event: MaxSignatures %d must not be negative", c.MaxSignatures)
	case c.MaxPostings < 0 || c.MaxPostings > 4096:
		return fmt.Errorf("event: MaxPostings %d must be within [1, 4096]", c.MaxPostings)
	}
	return nil
}

// Signature is what the index keeps of one article, and what a Store
// persists.
type Signature struct {
	ArticleID string `json:"article_id"`
	EventID   string `json:"event_id"`
	StoryID   string `json:"story_id,omitempty"`
	// Keys are the article's features (see Keys).
	Keys []string `json:"keys,omitempty"`
	// Time is the article's publication time (when it was assigned if it
	// has none, or one in the future): what Gap compares.
	Time time.Time `json:"time"`
	// Assigned is when it was assigned: the signature is dropped Window
	// after, so that reports of an older event read from a feed at once
	// (a new feed's backlog) still meet each other.
	Assigned time.Time `json:"assigned"`
}

// Store persists signatures so that event ids survive restarts. The
// pipeline implements it with a JetStream KV bucket (KVStore).
type Store interface {
	Load(ctx context.Context) ([]Signature, error)
	Save(ctx context.Context, s Signature) error
}

// Watcher is a Store that also tells of the signatures other processes
// save (KVStore does).
type Watcher interface {
	Watch(ctx context.Context, fn func(Signature)) error
}

// ErrNoID is returned for an article without an ID.
var ErrNoID = errors.New("event: article has no id")

// Index assigns event ids. It is safe for concurrent use.
type Index struct {
	cfg   Config
	store Store

	loadMu sync.Mutex
	loaded bool

	mu       sync.Mutex
	byID     map[string]*entry
	byStory  map[string]*entry     // the latest article of each story
	members  map[string]int        // event id -> articles held
	df       map[string]int        // key -> articles held with it
	postings map[string][]*entry   // key -> latest articles with it, oldest first
	byTime   timeheap.Heap[*entry] // by Assigned
}

type entry struct {
	sig    Signature
	weight float64 // sum of the key weights
	hi     int     // index in byTime
}

// New returns an Index. st may be nil: the index then lives in memory only.
// Signatures are read from st on the first Assign, or by Load.
func New(cfg Config, st Store) (*Index, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg.setDefaults()
	ix := &Index{
		cfg: cfg, store: st,
		byID: map[string]*entry{}, byStory: map[string]*entry{}, postings: map[string][]*entry{},
		members: map[string]int{}, df: map[string]int{},
		byTime: timeheap.New(func(e *entry) time.Time { return e.sig.Assigned }, func(e *entry, i int) { e.hi = i }),
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
		return fmt.Errorf("event: load signatures: %w", err)
	}
	// In the order they were assigned, so that postings keep the latest.
	sort.SliceStable(sigs, func(i, j int) bool { return sigs[i].Assigned.Before(sigs[j].Assigned) })
	cutoff := ix.cfg.Now().Add(-ix.cfg.Window)
	n := 0
	ix.mu.Lock()
	for _, s := range sigs {
		if s.Assigned.IsZero() {
			s.Assigned = s.Time
		}
		if s.Assigned.Before(cutoff) || s.ArticleID == "" || s.EventID == "" {
			continue
		}
		ix.insertLocked(s)
		n++
	}
	ix.evictLocked()
	ix.mu.Unlock()
	ix.loaded = true
	ix.cfg.Logger.Info("event signatures loaded", "stored", len(sigs), "open", n)
	return nil
}

// Follow takes in the signatures other parser processes save, as they
// save them, until ctx ends, so that replicas assign the reports of one
// event alike: the next report of an event another replica started
// joins it. It returns at once when the store cannot watch (nil: the
// index is alone), and with the watch's error (the caller retries).
func (ix *Index) Follow(ctx context.Context) error {
	w, ok := ix.store.(Watcher)
	if !ok {
		return nil
	}
	if err := ix.Load(ctx); err != nil {
		return err
	}
	return w.Watch(ctx, ix.apply)
}

// apply holds s, saved by this or another process, unless it is held
// already or outside the window.
func (ix *Index) apply(s Signature) {
	if s.ArticleID == "" || s.EventID == "" {
		return
	}
	if s.Assigned.IsZero() {
		s.Assigned = s.Time
	}
	ix.mu.Lock()
	defer ix.mu.Unlock()
	if e, ok := ix.byID[s.ArticleID]; ok && e.sig.EventID == s.EventID {
		return
	}
	if s.Assigned.Before(ix.cfg.Now().Add(-ix.cfg.Window)) {
		return
	}
	ix.insertLocked(s)
	ix.evictLocked()
}

// Len returns the number of signatures held in memory.
func (ix *Index) Len() int {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	return len(ix.byID)
}

// Assign returns the event id of a: the id of the open event it reports
// on, or a new one equal to a's own id. Call it after the article is
// enriched and has its story id. The same article id keeps its event
// while it is in the window.
func (ix *Index) Assign(ctx context.Context, a *article.Article) (string, error) {
	if a.ID == "" {
		return "", ErrNoID
	}
	if err := ix.Load(ctx); err != nil {
		return "", err
	}
	now := ix.cfg.Now()
	sig := Signature{ArticleID: a.ID, StoryID: a.StoryID, Keys: Keys(a), Time: articleTime(a, now), Assigned: now.UTC()}

	// Decide and insert under one lock, so that concurrent reports of a
	// new event see each other; the signature is taken back out if it
	// cannot be saved.
	ix.mu.Lock()
	if e, ok := ix.byID[a.ID]; ok {
		id := e.sig.EventID
		ix.mu.Unlock()
		return id, nil
	}
	ix.evictLocked()
	sig.EventID = NewEventID(a.ID)
	if best := ix.bestLocked(sig); best != nil {
		sig.EventID = best.sig.EventID
	}
	e := ix.insertLocked(sig)
	ix.evictLocked()
	ix.mu.Unlock()

	if ix.store != nil {
		if err := ix.store.Save(ctx, sig); err != nil {
			ix.mu.Lock()
			if ix.byID[a.ID] == e {
				ix.removeLocked(e)
			}
			ix.mu.Unlock()
			return "", fmt.Errorf("event: save signature of %s: %w", a.ID, err)
		}
	}
	return sig.EventID, nil
}

// NewEventID is the id of an event first reported in the article with id
// articleID: the article id itself, so it is stable across restarts.
func NewEventID(articleID string) string { return articleID }

// articleTime is when a was published, or now for an article without a
// date or with one in the future (a bad feed date). An old date is kept:
// the backlog of a feed added today is compared by when it was published.
func articleTime(a *article.Article, now time.Time) time.Time {
	if a.PublishedAt != nil {
		if t := a.PublishedAt.UTC(); !t.After(now.Add(time.Hour)) {
			return t
		}
	}
	return now.UTC()
}

// linkTop is how many of an event's articles an article is compared with
// on average: the mean similarity to the topK closest ones (zeros
// counting, for an event with that many articles) is the event's score,
// so that one article sharing a person with one report of another event
// (a minister's next visit, a reaction from a third capital) does not
// chain two events into one, while an event that grows is still found.
const linkTop = 3

// bestLocked returns the open article whose event s joins: a copy of the
// same story, else the closest article of the open event with the best
// score at or above the threshold among articles within Gap, found
// through the postings of s's keys.
func (ix *Index) bestLocked(s Signature) *entry {
	if s.StoryID != "" && s.StoryID != s.ArticleID {
		if e, ok := ix.byStory[s.StoryID]; ok {
			return e
		}
	}
	weight := keysWeight(s.Keys)
	if weight == 0 {
		return nil
	}
	set := make(map[string]bool, len(s.Keys))
	for _, k := range s.Keys {
		set[k] = true
	}
	type cand struct {
		top  [linkTop]float64 // descending
		best *entry
	}
	cands := map[string]*cand{}
	seen := map[*entry]bool{}
	for _, k := range s.Keys {
		if !candidateKey(k) {
			continue
		}
		for _, e := range ix.postings[k] {
			if seen[e] {
				continue
			}
			seen[e] = true
			if d := s.Time.Sub(e.sig.Time); d > ix.cfg.Gap || d < -ix.cfg.Gap {
				continue
			}
			sim := similarity(set, weight, e, ix.hubLocked)
			if sim == 0 {
				continue
			}
			c := cands[e.sig.EventID]
			if c == nil {
				c = &cand{}
				cands[e.sig.EventID] = c
			}
			if sim > c.top[0] || (sim == c.top[0] && e.sig.Time.Before(c.best.sig.Time)) {
				c.best = e
			}
			for i := range c.top {
				if sim > c.top[i] {
					copy(c.top[i+1:], c.top[i:len(c.top)-1])
					c.top[i] = sim
					break
				}
			}
		}
	}
	var best *entry
	bestScore := ix.cfg.Threshold
	for id, c := range cands {
		n := min(linkTop, ix.members[id])
		sum := 0.0
		for _, v := range c.top[:n] {
			sum += v
		}
		score := sum / float64(max(n, 1))
		if score >= bestScore && (best == nil || score > bestScore || c.best.sig.Time.Before(best.sig.Time)) {
			best, bestScore = c.best, score
		}
	}
	return best
}

// hubLocked reports whether k is a hub among the signatures held.
func (ix *Index) hubLocked(k string) bool {
	n := ix.df[k]
	return n > hubMin && float64(n) > hubShare*float64(len(ix.byID))
}

// insertLocked adds a signature.
func (ix *Index) insertLocked(s Signature) *entry {
	if old, ok := ix.byID[s.ArticleID]; ok {
		ix.removeLocked(old)
	}
	e := &entry{sig: s, weight: keysWeight(s.Keys)}
	ix.byID[s.ArticleID] = e
	ix.members[s.EventID]++
	for _, k := range s.Keys {
		ix.df[k]++
	}
	if s.StoryID != "" {
		if cur, ok := ix.byStory[s.StoryID]; !ok || !s.Time.Before(cur.sig.Time) {
			ix.byStory[s.StoryID] = e
		}
	}
	for _, k := range s.Keys {
		if !candidateKey(k) {
			continue
		}
		list := append(ix.postings[k], e)
		if len(list) > ix.cfg.MaxPostings {
			// Keep the latest: a key as common as a capital city finds
			// its recent articles, which is where an open event is.
			list = append(list[:0:0], list[len(list)-ix.cfg.MaxPostings:]...)
		}
		ix.postings[k] = list
	}
	ix.byTime.Push(e)
	return e
}

func (ix *Index) removeLocked(e *entry) {
	delete(ix.byID, e.sig.ArticleID)
	if ix.members[e.sig.EventID]--; ix.members[e.sig.EventID] <= 0 {
		delete(ix.members, e.sig.EventID)
	}
	for _, k := range e.sig.Keys {
		if ix.df[k]--; ix.df[k] <= 0 {
			delete(ix.df, k)
		}
	}
	if ix.byStory[e.sig.StoryID] == e {
		delete(ix.byStory, e.sig.StoryID)
	}
	for _, k := range e.sig.Keys {
		list, ok := ix.postings[k]
		if !ok {
			continue
		}
		for i, x := range list {
			if x == e {
				list = append(list[:i], list[i+1:]...)
				break
			}
		}
		if len(list) == 0 {
			delete(ix.postings, k)
		} else {
			ix.postings[k] = list
		}
	}
	ix.byTime.Remove(e.hi)
}

// evictLocked drops signatures assigned longer than the window ago, and
// the oldest beyond MaxSignatures.
func (ix *Index) evictLocked() {
	cutoff := ix.cfg.Now().Add(-ix.cfg.Window)
	for ix.byTime.Len() > 0 && (ix.byTime.Peek().sig.Assigned.Before(cutoff) || ix.byTime.Len() > ix.cfg.MaxSignatures) {
		ix.removeLocked(ix.byTime.Peek())
	}
}

// Key prefixes and their weights: who is involved says most about which
// event an article reports, then where, then which states.
const (
	keyPerson  = "p:"
	keyOrg     = "o:"
	keyPlace   = "l:"
	keyCountry = "c:"
	keyTitle   = "t:"
	keyNumber  = "n:" // a number in the headline, the same in every language
	keyName    = "k:" // a capitalised headline word by its name key, the same in Latin and Cyrillic
)

func keyWeight(k string) float64 {
	switch k[:2] {
	case keyPerson:
		return 3
	case keyOrg, keyPlace, keyNumber:
		return 2
	}
	return 1
}

// candidateKey reports whether k finds candidates: every key but a
// country, which thousands of open articles share.
func candidateKey(k string) bool { return !strings.HasPrefix(k, keyCountry) }

func keysWeight(keys []string) float64 {
	w := 0.0
	for _, k := range keys {
		w += keyWeight(k)
	}
	return w
}

// minSpecific is how much two articles must share of who and where to
// be linked (specificWeight): a person, an organisation, a place or a
// number, or two headline names; a hub counts half. States and
// ordinary headline words alone link nothing: on real feeds they joined
// a site's recurring series ("Black Friday deal: ...", "wellness
// calendar, Aug. 16-23").
const minSpecific = 2

// hubShare is the share of the signatures held (and hubMin the least
// number) above which a key is a hub: a name in a large part of all
// coverage (a president in every other story of the day), which alone
// must not link articles, while it still counts towards their
// similarity.
const (
	hubShare = 0.02
	hubMin   = 5
)

// specificWeight is what a shared key counts towards minSpecific.
func specificWeight(k string) float64 {
	switch k[:2] {
	case keyPerson:
		return 3
	case keyOrg, keyPlace, keyNumber:
		return 2
	case keyName:
		return 1
	}
	return 0
}

// similarity is the weighted cosine of two key sets (Ochiai with key
// weights): the weight of the shared keys over the geometric mean of
// the two sets' weights; 0 when they share too little of who and where.
// hub reports whether key k is a hub; nil for none.
func similarity(a map[string]bool, aWeight float64, b *entry, hub func(k string) bool) float64 {
	if b.weight == 0 {
		return 0
	}
	shared, specific := 0.0, 0.0
	for _, k := range b.sig.Keys {
		if a[k] {
			shared += keyWeight(k)
			w := specificWeight(k)
			if w > 0 && hub != nil && hub(k) {
				w /= 2
			}
			specific += w
		}
	}
	if specific < minSpecific {
		return 0
	}
	return shared / math.Sqrt(aWeight*b.weight)
}

// Similarity is the similarity of two articles as Assign compares them
// (ignoring time and story): 0 (nothing shared but states) to 1 (the
// same keys).
func Similarity(a, b *article.Article) float64 {
	ka, kb := Keys(a), Keys(b)
	set := make(map[string]bool, len(ka))
	for _, k := range ka {
		set[k] = true
	}
	return similarity(set, keysWeight(ka), &entry{sig: Signature{Keys: kb}, weight: keysWeight(kb)}, nil)
}

// Keys returns the features of an enriched article that Assign compares,
// each once, prefixed by kind: people, organisations and places by
// Wikidata id (or canonical name; so in any script the gazetteer reads),
// countries by ISO code, and the distinctive words of the headline:
// capitalised ones by their name key (morph.NameKey: Вершинин and
// Vershinin meet), others in lower case cut to their first 5 letters so
// that most inflections of a word meet.
func Keys(a *article.Article) []string {
	seen := map[string]bool{}
	var out []string
	add := func(k string) {
		if !seen[k] {
			seen[k] = true
			out = append(out, k)
		}
	}
	for _, group := range []struct {
		prefix string
		es     []article.Entity
	}{{keyPerson, a.Entities.People}, {keyOrg, a.Entities.Organizations}, {keyPlace, a.Entities.Places}} {
		for _, e := range group.es {
			if k := article.EntityKey(e); k != "" {
				add(group.prefix + k)
			}
		}
	}
	for _, c := range a.Entities.Countries {
		if c = strings.ToUpper(strings.TrimSpace(c)); c != "" {
			add(keyCountry + c)
		}
	}
	// The name keys of the entities' names: a headline word that is one
	// of them is keyed by its entity already.
	known := map[string]bool{}
	for _, es := range [][]article.Entity{a.Entities.People, a.Entities.Organizations, a.Entities.Places} {
		for _, e := range es {
			for _, t := range query.Analyze(e.Name) {
				known[morph.NameKey(t.Text)] = true
			}
		}
	}
	for _, t := range query.Analyze(a.Title) {
		if stopWords[t.Text] {
			continue
		}
		if r, _ := utf8.DecodeRuneInString(a.Title[t.Start:]); unicode.IsUpper(r) {
			// A name, perhaps one the gazetteer does not know: its
			// spellings in either script meet (Вершинин, Vershinin).
			if k := morph.NameKey(t.Text); utf8.RuneCountInString(k) >= 4 {
				if !known[k] {
					add(keyName + k)
				}
				continue
			}
		}
		if w, ok := titleWord(t.Text); ok {
			add(w)
		}
	}
	return out
}

// titleWord is the key of a headline word: words of at least 4 letters
// that are not common function words, cut to 5 letters; numbers of 2 to
// 4 digits ("150 prisoners", "30-day truce") as they are, but years.
func titleWord(w string) (string, bool) {
	n := utf8.RuneCountInString(w)
	if n < 2 || n > 40 {
		return "", false
	}
	digits := true
	for _, r := range w {
		if !unicode.IsDigit(r) {
			digits = false
			break
		}
	}
	if digits {
		year := n == 4 && (strings.HasPrefix(w, "19") || strings.HasPrefix(w, "20"))
		return keyNumber + w, n <= 4 && !year
	}
	if n < 4 || stopWords[w] {
		return "", false
	}
	r := []rune(w)
	if len(r) > 5 {
		r = r[:5]
	}
	return keyTitle + string(r), true
}

// stopWords are headline words of 4 letters or more, in the languages
// parley reads most, that say nothing about which event it is.
var stopWords = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(`
		about after again against amid also among before being between could during from have
		into more most news over says said says than that their them then there these they this
		those told update updates very what when where which while will with would year years
		live latest video watch report reports first last week today
		avec dans pour sont selon leur leurs apres après contre entre cette lors sous
		nach über gegen eine einen einem einer sind wird wurde nicht auch noch beim
		para sobre como entre tras contra desde hasta según
		после против перед между также может будет были было этом этой этого года году
		заявил заявила сообщил сообщает сегодня новости
		بعد قبل على إلى حول خلال التي الذي هذا هذه مع من في عن
	`) {
		m[w] = true
	}
	return m
}()
