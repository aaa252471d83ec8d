package alert

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"golang.org/x/text/language"
	"golang.org/x/text/message"

	"github.com/parley-news/parley/pkg/query"
	"github.com/parley-news/parley/pkg/webhook"
)

// Where a rule comes from.
const (
	SourceConfig = "config" // the config file: read-only through the API
	SourceStored = "api"    // the parley_rules bucket, written through the API (or any NATS client)
)

// StoredRule is a rule as kept in the parley_rules bucket under its
// lower-case name. Version counts its writes; the bucket's history keeps
// the previous versions.
type StoredRule struct {
	Name      string    `json:"name"`
	Query     string    `json:"query"`
	Webhook   string    `json:"webhook,omitempty"`
	Version   int       `json:"version"`
	UpdatedAt time.Time `json:"updated_at"`
}

// entry is one rule of the set with where it came from.
type entry struct {
	rule     *Rule // nil when the stored query does not compile
	stored   StoredRule
	source   string
	revision uint64 // KV revision of the stored rule
	err      string
	terms    int // query.Terms of the compiled rule
}

// The most rules the set holds, and the most terms (query.Terms) of all
// of them together. Every article is matched against the rules, so their
// number and size are the alerter's cost per article, and anyone who can
// store a rule could otherwise raise it without bound: a stored rule past
// either limit is refused (README, Security). Rules of the config file
// count towards both but are never refused.
const (
	MaxRules     = 10_000
	MaxRuleTerms = 100_000
)

// ErrRuleLimit is a stored rule that would take the set past MaxRules or
// MaxRuleTerms (the API answers 422).
var ErrRuleLimit = errors.New("over the rule limit")

// checkLimitLocked says whether the set can take rule key costing terms in
// place of what it holds under key now; the caller holds mu.
func (s *Rules) checkLimitLocked(key string, terms int) error {
	rules, total := 0, terms
	for k, e := range s.entries {
		if k == key || e.rule == nil {
			continue // replaced, or not matched
		}
		rules++
		total += e.terms
	}
	p := message.NewPrinter(language.English)
	switch {
	case rules+1 > MaxRules:
		return fmt.Errorf("%w: %s", ErrRuleLimit, p.Sprintf("there are %d rules; the limit is %d (remove one first)", rules, MaxRules))
	case total > MaxRuleTerms:
		return fmt.Errorf("%w: %s", ErrRuleLimit, p.Sprintf("the rules would have %d terms in all; the limit is %d (remove or shorten rules first)", total, MaxRuleTerms))
	}
	return nil
}

// Rules is the rule store: the config file's rules plus the ones kept in
// the parley_rules bucket, and the Index over them, swapped whole on every
// change so matching never waits for a lock. The alerter matches with it;
// the API lists and changes it (GET/POST/DELETE /api/rules), in whichever
// process runs those roles: Run follows the bucket, so every process sees
// the changes made through any other.
type Rules struct {
	resolver query.Resolver
	kv       jetstream.KeyValue
	log      *slog.Logger
	ready    chan struct{} // closed by Run once the stored rules are in
	// hooks reports the webhook deliveries of the alerter in this process,
	// if one runs here (GET /api/rules shows them).
	hooks atomic.Pointer[webhook.Sender]

	mu      sync.Mutex
	entries map[string]*entry // by lower-case name
	// tombs holds the last revision known of each removed stored rule, so
	// a watch event older than the removal does not bring it back.
	tombs map[string]uint64
	index atomic.Pointer[Index]
}

// NewRules builds the store over the bucket kv with the config file's
// rules (a bad one is an error naming it); resolver expands names to all
// their spellings and may be nil. The stored rules are loaded by Run.
func NewRules(config []RuleConfig, kv jetstream.KeyValue, resolver query.Resolver, log *slog.Logger) (*Rules, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Rules{resolver: resolver, kv: kv, log: log, ready: make(chan struct{}), entries: map[string]*entry{}, tombs: map[string]uint64{}}
	for i, rc := range config {
		r, err := rc.Compile(resolver)
		if err != nil {
			return nil, fmt.Errorf("rules[%d]: %w", i, err)
		}
		for _, h := range r.Hints {
			log.Warn("rule query hint", "rule", rc.Name, "hint", h)
		}
		k := strings.ToLower(rc.Name)
		if _, dup := s.entries[k]; dup {
			return nil, fmt.Errorf("rules[%d]: rule %s: %w: defined twice", i, rc.Name, ErrBadRule)
		}
		s.entries[k] = &entry{rule: r, terms: query.Terms(r.expanded), source: SourceConfig, stored: StoredRule{Name: rc.Name, Query: rc.Query, Webhook: rc.Webhook, Version: 1}}
	}
	s.rebuild()
	return s, nil
}

// Index is the current rule index.
func (s *Rules) Index() *Index { return s.index.Load() }

// Ready is closed once Run has loaded the stored rules (or stopped).
func (s *Rules) Ready() <-chan struct{} { return s.ready }

// rebuild indexes the current rules; the caller holds mu or owns s.
func (s *Rules) rebuild() {
	names := make([]string, 0, len(s.entries))
	for k, e := range s.entries {
		if e.rule != nil {
			names = append(names, k)
		}
	}
	sort.Strings(names)
	rules := make([]*Rule, len(names))
	for i, k := range names {
		rules[i] = s.entries[k].rule
	}
	s.index.Store(NewIndex(rules))
}

// apply records a change from the bucket; it reports whether the set
// changed. A revision not newer than the one known is a change already
// applied (by the API handler itself).
func (s *Rules) apply(key string, rev uint64, op jetstream.KeyValueOp, value []byte) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.applyLocked(key, rev, op, value)
}

func (s *Rules) applyLocked(key string, rev uint64, op jetstream.KeyValueOp, value []byte) bool {
	cur, ok := s.entries[key]
	if ok && cur.source == SourceConfig {
		if op == jetstream.KeyValuePut {
			s.log.Warn("stored rule ignored: the config file defines a rule of that name", "rule", key)
		}
		return false
	}
	if ok && rev <= cur.revision {
		return false
	}
	if tomb, gone := s.tombs[key]; !ok && gone && rev <= tomb {
		return false
	}
	if op != jetstream.KeyValuePut {
		s.tombs[key] = rev
		if !ok {
			return false
		}
		delete(s.entries, key)
		return true
	}
	delete(s.tombs, key)
	e := &entry{source: SourceStored, revision: rev}
	if err := json.Unmarshal(value, &e.stored); err != nil {
		e.stored.Name = key
		e.err = fmt.Sprintf("decode stored rule: %v", err)
	} else if strings.ToLower(e.stored.Name) != key {
		e.err = fmt.Sprintf("stored under key %q but named %q", key, e.stored.Name)
	} else {
		r, err := RuleConfig{Name: e.stored.Name, Query: e.stored.Query, Webhook: e.stored.Webhook}.Compile(s.resolver)
		if err == nil {
			e.terms = query.Terms(r.expanded)
			err = s.checkLimitLocked(key, e.terms)
		}
		if err != nil {
			e.err, e.terms = err.Error(), 0
		} else {
			e.rule = r
		}
	}
	if e.err != "" {
		s.log.Error("stored rule not usable", "rule", key, "err", e.err)
	}
	s.entries[key] = e
	return true
}

// Run keeps the store in step with the bucket until ctx ends; Ready is
// closed once the bucket's current rules are in.
func (s *Rules) Run(ctx context.Context) error {
	ready := s.ready
	w, err := s.kv.WatchAll(ctx)
	if err != nil {
		close(ready)
		if ctx.Err() != nil {
			return nil // stopped while starting
		}
		return fmt.Errorf("watch rules: %w", err)
	}
	defer func() { _ = w.Stop() }()
	initial := true
	changed := false
	for {
		select {
		case <-ctx.Done():
			if initial {
				close(ready)
			}
			return nil
		case e, ok := <-w.Updates():
			if !ok {
				if initial {
					close(ready)
				}
				// The watch's subscription ends with ctx too, closing
				// the channel: when both are ready, select may take
				// this case, and that stop is ours.
				if ctx.Err() != nil {
					return nil
				}
				return errors.New("watch rules: stopped by the server")
			}
			s.mu.Lock()
			if e != nil && s.applyLocked(e.Key(), e.Revision(), e.Operation(), e.Value()) {
				changed = true
			}
			// Rebuild once per burst (the initial load, a bulk import), not
			// once per rule.
			if changed && (e == nil || (!initial && len(w.Updates()) == 0)) {
				s.rebuild()
				changed = false
				s.log.Info("rules loaded", "rules", s.index.Load().Len())
			}
			s.mu.Unlock()
			if e == nil && initial {
				initial = false
				close(ready)
			}
		}
	}
}

// Put checks rc (a bad rule is ErrBadRule), stores it as a new version
// (ErrConfigRule for a name the config file defines) and applies it at
// once. It reports whether the rule is new.
func (s *Rules) Put(ctx context.Context, rc RuleConfig) (StoredRule, bool, error) {
	rc.Name, rc.Query, rc.Webhook = strings.TrimSpace(rc.Name), strings.TrimSpace(rc.Query), strings.TrimSpace(rc.Webhook)
	key := strings.ToLower(rc.Name)
	r, err := rc.Compile(s.resolver)
	if err != nil {
		return StoredRule{}, false, err
	}
	s.mu.Lock()
	cfg := s.entries[key] != nil && s.entries[key].source == SourceConfig
	limitErr := s.checkLimitLocked(key, query.Terms(r.expanded))
	s.mu.Unlock()
	if cfg {
		return StoredRule{}, false, fmt.Errorf("rule %s: %w", rc.Name, ErrConfigRule)
	}
	if limitErr != nil {
		return StoredRule{}, false, fmt.Errorf("rule %s: %w", rc.Name, limitErr)
	}
	for attempt := 0; ; attempt++ {
		sr := StoredRule{Name: rc.Name, Query: rc.Query, Webhook: rc.Webhook, Version: 1, UpdatedAt: time.Now().UTC().Truncate(time.Millisecond)}
		prev, err := s.kv.Get(ctx, key)
		var rev uint64
		switch {
		case errors.Is(err, jetstream.ErrKeyNotFound):
			data, _ := json.Marshal(sr)
			rev, err = s.kv.Create(ctx, key, data)
		case err != nil:
			return StoredRule{}, false, fmt.Errorf("get rule %s: %w", rc.Name, err)
		default:
			var old StoredRule
			_ = json.Unmarshal(prev.Value(), &old)
			sr.Version = old.Version + 1
			data, _ := json.Marshal(sr)
			rev, err = s.kv.Update(ctx, key, data, prev.Revision())
		}
		if err != nil {
			// A concurrent writer won: read again and write over it.
			if attempt < 3 && (errors.Is(err, jetstream.ErrKeyExists) || strings.Contains(err.Error(), "wrong last sequence")) {
				continue
			}
			return StoredRule{}, false, fmt.Errorf("store rule %s: %w", rc.Name, err)
		}
		data, _ := json.Marshal(sr)
		s.mu.Lock()
		if s.applyLocked(key, rev, jetstream.KeyValuePut, data) {
			s.rebuild()
		}
		s.mu.Unlock()
		return sr, sr.Version == 1, nil
	}
}

// Errors of Put and Remove the API answers with 409 and 404.
var (
	ErrConfigRule  = errors.New("defined in the config file; change it there")
	ErrUnknownRule = errors.New("no such rule")
)

// Remove deletes a stored rule (the bucket keeps its history).
func (s *Rules) Remove(ctx context.Context, name string) error {
	key := strings.ToLower(name)
	s.mu.Lock()
	e := s.entries[key]
	s.mu.Unlock()
	switch {
	case e == nil:
		return fmt.Errorf("rule %s: %w", name, ErrUnknownRule)
	case e.source == SourceConfig:
		return fmt.Errorf("rule %s: %w", name, ErrConfigRule)
	}
	if err := s.kv.Delete(ctx, key); err != nil {
		return fmt.Errorf("delete rule %s: %w", name, err)
	}
	s.mu.Lock()
	if cur := s.entries[key]; cur != nil && cur.source == SourceStored {
		delete(s.entries, key)
		s.tombs[key] = max(s.tombs[key], cur.revision)
		s.rebuild()
	}
	s.mu.Unlock()
	return nil
}

// RuleInfo is one rule in GET /api/rules.
type RuleInfo struct {
	Name      string     `json:"name"`
	Query     string     `json:"query"`
	Webhook   string     `json:"webhook,omitempty"` // scheme and host only
	Source    string     `json:"source"`
	Version   int        `json:"version"`
	UpdatedAt *time.Time `json:"updated_at,omitempty"`
	Subject   string     `json:"subject"`
	// Error says why a stored rule is not matched (a query that no longer
	// parses, a bad entry written by another client).
	Error string `json:"error,omitempty"`
	// Hint is the rule's query hints (Rule.Hints), joined with "; ".
	Hint string `json:"hint,omitempty"`
	// WebhookStatus is known where the alerter runs in the same process.
	WebhookStatus  *webhook.Status `json:"webhook_status,omitempty"`
	RequiresAlways bool            `json:"tried_on_every_article,omitempty"`
}

// List is every rule, by name.
func (s *Rules) List() []RuleInfo {
	s.mu.Lock()
	out := make([]RuleInfo, 0, len(s.entries))
	for _, e := range s.entries {
		ri := RuleInfo{
			Name: e.stored.Name, Query: e.stored.Query, Source: e.source, Version: e.stored.Version,
			Subject: Subject(e.stored.Name), Error: e.err,
		}
		if e.stored.Webhook != "" {
			ri.Webhook = webhook.RedactURL(e.stored.Webhook)
		}
		if !e.stored.UpdatedAt.IsZero() {
			t := e.stored.UpdatedAt
			ri.UpdatedAt = &t
		}
		if e.rule != nil {
			ri.RequiresAlways = e.rule.req.always
			ri.Hint = strings.Join(e.rule.Hints, "; ")
		}
		out = append(out, ri)
	}
	s.mu.Unlock()
	if h := s.hooks.Load(); h != nil {
		for i := range out {
			if st, ok := h.Status(out[i].Name); ok {
				out[i].WebhookStatus = &st
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}
