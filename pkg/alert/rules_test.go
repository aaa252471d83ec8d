package alert

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/nats-io/nats.go/jetstream"
)

// The rule set applies bucket events in revision order whatever order the
// API handler and the watch see them in: an event older than what is
// known, a removal included, changes nothing.
func TestRuleSetApply(t *testing.T) {
	put := func(name, q string) []byte {
		data, _ := json.Marshal(StoredRule{Name: name, Query: q, Version: 1})
		return data
	}
	type ev struct {
		rev uint64
		op  jetstream.KeyValueOp
		val []byte
	}
	tests := []struct {
		name   string
		events []ev
		want   string // query of rule "a", "" when absent
	}{
		{"put", []ev{{1, jetstream.KeyValuePut, put("a", "x")}}, "x"},
		{"update", []ev{{1, jetstream.KeyValuePut, put("a", "x")}, {2, jetstream.KeyValuePut, put("a", "y")}}, "y"},
		{"stale update", []ev{{2, jetstream.KeyValuePut, put("a", "y")}, {1, jetstream.KeyValuePut, put("a", "x")}}, "y"},
		{"delete", []ev{{1, jetstream.KeyValuePut, put("a", "x")}, {2, jetstream.KeyValueDelete, nil}}, ""},
		{"stale put after delete", []ev{{1, jetstream.KeyValuePut, put("a", "x")}, {3, jetstream.KeyValueDelete, nil}, {2, jetstream.KeyValuePut, put("a", "y")}}, ""},
		{"put after delete", []ev{{1, jetstream.KeyValuePut, put("a", "x")}, {2, jetstream.KeyValueDelete, nil}, {3, jetstream.KeyValuePut, put("a", "z")}}, "z"},
		{"config wins", []ev{{1, jetstream.KeyValuePut, put("c", "x")}}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := NewRules([]RuleConfig{{Name: "c", Query: "config"}}, nil, nil, slog.New(slog.DiscardHandler))
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range tt.events {
				key := "a"
				if tt.name == "config wins" {
					key = "c"
				}
				if s.apply(key, e.rev, e.op, e.val) {
					s.mu.Lock()
					s.rebuild()
					s.mu.Unlock()
				}
			}
			got := ""
			for _, r := range s.Index().Rules() {
				if r.Name == "a" {
					got = r.Query
				}
				if r.Name == "c" && r.Query != "config" {
					t.Errorf("config rule replaced by %q", r.Query)
				}
			}
			if got != tt.want {
				t.Errorf("rule a = %q, want %q", got, tt.want)
			}
		})
	}
}

// TestRuleLimits: a rule's query is limited like a search (query.MaxTerms),
// and the set by MaxRules and MaxRuleTerms, so whoever may store rules
// cannot make matching every article arbitrarily slow. Rules arriving from
// the bucket past a limit are listed with the reason and not matched.
func TestRuleLimits(t *testing.T) {
	negated := func(n int) string { return strings.TrimSpace(strings.Repeat("-word ", n)) }
	ctx := context.Background()

	// One rule of 3,000 negated terms: refused as a bad rule naming the limit.
	empty, err := NewRules(nil, nil, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := empty.Put(ctx, RuleConfig{Name: "x", Query: negated(3000)}); !errors.Is(err, ErrBadRule) || !strings.Contains(err.Error(), "query has 3,000 terms; the limit is 256") {
		t.Errorf("rule of 3,000 terms: %v, want a bad rule naming the limit", err)
	}

	fill := func(n int, q string) *Rules {
		s, err := NewRules(nil, nil, nil, slog.New(slog.DiscardHandler))
		if err != nil {
			t.Fatal(err)
		}
		for i := range n {
			data, _ := json.Marshal(StoredRule{Name: fmt.Sprintf("r%d", i), Query: q, Version: 1})
			s.apply(fmt.Sprintf("r%d", i), uint64(i+1), jetstream.KeyValuePut, data)
		}
		return s
	}
	tests := []struct {
		name  string
		set   *Rules
		query string
		want  string
	}{
		{"rule count", fill(MaxRules, "talks"), "talks", "there are 10,000 rules; the limit is 10,000"},
		{"terms in all", fill(MaxRuleTerms/256, negated(256)), negated(256), "the rules would have 100,096 terms in all; the limit is 100,000"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// Through the API (the limit holds before the bucket is written).
			_, _, err := tt.set.Put(ctx, RuleConfig{Name: "one-more", Query: tt.query})
			if !errors.Is(err, ErrRuleLimit) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("put: %v, want %q", err, tt.want)
			}
			// Through the bucket, written by another client.
			data, _ := json.Marshal(StoredRule{Name: "one-more", Query: tt.query, Version: 1})
			tt.set.apply("one-more", 1<<40, jetstream.KeyValuePut, data)
			tt.set.mu.Lock()
			tt.set.rebuild()
			tt.set.mu.Unlock()
			for _, ri := range tt.set.List() {
				if ri.Name == "one-more" && !strings.Contains(ri.Error, tt.want) {
					t.Errorf("listed as %+v, want the limit as its error", ri)
				}
			}
			for _, r := range tt.set.Index().Rules() {
				if r.Name == "one-more" {
					t.Errorf("a rule past the limit is matched")
				}
			}
			// Replacing a rule with one of the same size stays within.
			if err := tt.set.checkLimitLocked("r0", tt.set.entries["r0"].terms); err != nil {
				t.Errorf("replacing a rule: %v", err)
			}
		})
	}
}
