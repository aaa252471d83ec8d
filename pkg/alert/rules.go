package alert

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"golang.org/x/text/language"
	"golang.org/x/text/message"

	"github.com/parley-news/parley/pkg/query"
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

// errRuleLimit is a stored rule that would take the set past MaxRules or
// MaxRuleTerms.
var errRuleLimit = errors.New("over the rule limit")

// checkLimitLocked says whether the set can take rule key costing terms in
// place of what it holds under key now; the caller holds mu.
func (s *ruleSet) checkLimitLocked(key string, terms int) error {
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
		return fmt.Errorf("%w: %s", errRuleLimit, p.Sprintf("there are %d rules; the limit is %d (remove one first)", rules, MaxRules))
	case total > MaxRuleTerms:
		return fmt.Errorf("%w: %s", errRuleLimit, p.Sprintf("the rules would have %d terms in all; the limit is %d (remove or shorten rules first)", total, MaxRuleTerms))
	}
	return nil
}

// ruleSet is the config rules plus the stored ones, and the Index over
// them, swapped whole on every change so matching never waits for a lock.
type ruleSet struct {
	resolver query.Resolver
	kv       jetstream.KeyValue
	log      *slog.Logger

	mu      sync.Mutex
	entries map[string]*entry // by lower-case name
	// tombs holds the last revision known of each removed stored rule, so
	// a watch event older than the removal does not bring it back.
	tombs map[string]uint64
	index atomic.Pointer[Index]
}

func newRuleSet(config []RuleConfig, kv jetstream.KeyValue, resolver query.Resolver, log *slog.Logger) (*ruleSet, error) {
	s := &ruleSet{resolver: resolver, kv: kv, log: log, entries: map[string]*entry{}, tombs: map[string]uint64{}}
	for i, rc := range config {
		r, err := rc.Compile(resolver)
		if err != nil {
			return nil, fmt.Errorf("rules[%d]: %w", i, err)
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

func (s *ruleSet) current() *Index { return s.index.Load() }

// rebuild indexes the current rules; the caller holds mu or owns s.
func (s *ruleSet) rebuild() {
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
func (s *ruleSet) apply(key string, rev uint64, op jetstream.KeyValueOp, value []byte) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.applyLocked(key, rev, op, value)
}

func (s *ruleSet) applyLocked(key string, rev uint64, op jetstream.KeyValueOp, value []byte) bool {
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

// watch keeps the set in step with the bucket until ctx ends. ready is
// closed once the bucket's current rules are in.
func (s *ruleSet) watch(ctx context.Context, ready chan<- struct{}) error {
	w, err := s.kv.WatchAll(ctx)
	if err != nil {
		close(ready)
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

// put stores rc as a new version and applies it at once.
func (s *ruleSet) put(ctx context.Context, rc RuleConfig) (StoredRule, bool, error) {
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
		return StoredRule{}, false, fmt.Errorf("rule %s: %w", rc.Name, errConfigRule)
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

var (
	errConfigRule  = errors.New("defined in the config file; change it there")
	errUnknownRule = errors.New("no such rule")
)

// remove deletes a stored rule (the bucket keeps its history).
func (s *ruleSet) remove(ctx context.Context, name string) error {
	key := strings.ToLower(name)
	s.mu.Lock()
	e := s.entries[key]
	s.mu.Unlock()
	switch {
	case e == nil:
		return fmt.Errorf("rule %s: %w", name, errUnknownRule)
	case e.source == SourceConfig:
		return fmt.Errorf("rule %s: %w", name, errConfigRule)
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
	Error          string      `json:"error,omitempty"`
	WebhookStatus  *hookStatus `json:"webhook_status,omitempty"`
	RequiresAlways bool        `json:"tried_on_every_article,omitempty"`
}

func (s *ruleSet) list(h *webhooks) []RuleInfo {
	s.mu.Lock()
	out := make([]RuleInfo, 0, len(s.entries))
	for _, e := range s.entries {
		ri := RuleInfo{
			Name: e.stored.Name, Query: e.stored.Query, Source: e.source, Version: e.stored.Version,
			Subject: Subject(e.stored.Name), Error: e.err,
		}
		if e.stored.Webhook != "" {
			ri.Webhook = redactURL(e.stored.Webhook)
		}
		if !e.stored.UpdatedAt.IsZero() {
			t := e.stored.UpdatedAt
			ri.UpdatedAt = &t
		}
		if e.rule != nil {
			ri.RequiresAlways = e.rule.req.always
		}
		out = append(out, ri)
	}
	s.mu.Unlock()
	for i := range out {
		if st, ok := h.statusOf(out[i].Name); ok {
			out[i].WebhookStatus = &st
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// HandleList serves GET /api/rules: {"rules": [RuleInfo...]}.
func (a *Alerter) HandleList(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{"rules": a.rules.list(a.hooks)})
}

// HandleAdd serves POST /api/rules with {"name", "query", "webhook"}: it
// stores the rule (a new version when the name exists) and matching uses it
// at once. A query that does not parse is a 400 with the parse error.
func (a *Alerter) HandleAdd(w http.ResponseWriter, r *http.Request) {
	var rc RuleConfig
	// The server caps every request body (api.MaxBodyBytes).
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&rc); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			writeError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("body: over the %d-byte limit", mbe.Limit))
			return
		}
		writeError(w, http.StatusBadRequest, `body: want {"name": "...", "query": "...", "webhook": "https://..." (optional)}: `+err.Error())
		return
	}
	rc.Name, rc.Query, rc.Webhook = strings.TrimSpace(rc.Name), strings.TrimSpace(rc.Query), strings.TrimSpace(rc.Webhook)
	if _, err := rc.Compile(nil); err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	sr, created, err := a.rules.put(r.Context(), rc)
	if err != nil {
		switch {
		case errors.Is(err, errConfigRule):
			writeError(w, http.StatusConflict, err.Error())
			return
		case errors.Is(err, errRuleLimit):
			writeError(w, http.StatusUnprocessableEntity, err.Error())
			return
		}
		writeError(w, http.StatusBadGateway, err.Error())
		return
	}
	code := http.StatusOK
	if created {
		code = http.StatusCreated
	}
	a.log.Info("rule stored", "rule", sr.Name, "version", sr.Version)
	writeJSON(w, code, map[string]any{"name": sr.Name, "query": sr.Query, "version": sr.Version, "created": created, "subject": Subject(sr.Name)})
}

// HandleRemove serves DELETE /api/rules?name=NAME.
func (a *Alerter) HandleRemove(w http.ResponseWriter, r *http.Request) {
	name := strings.TrimSpace(r.URL.Query().Get("name"))
	if name == "" {
		writeError(w, http.StatusBadRequest, "name: missing (DELETE /api/rules?name=...)")
		return
	}
	if err := a.rules.remove(r.Context(), name); err != nil {
		switch {
		case errors.Is(err, errUnknownRule):
			writeError(w, http.StatusNotFound, err.Error())
		case errors.Is(err, errConfigRule):
			writeError(w, http.StatusConflict, err.Error())
		default:
			writeError(w, http.StatusBadGateway, err.Error())
		}
		return
	}
	a.log.Info("rule removed", "rule", name)
	w.WriteHeader(http.StatusNoContent)
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(code)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}

func writeError(w http.ResponseWriter, code int, msg string) {
	writeJSON(w, code, map[string]string{"error": msg})
}
