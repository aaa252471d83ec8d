package alert

import (
	"encoding/json"
	"log/slog"
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
			s, err := newRuleSet([]RuleConfig{{Name: "c", Query: "config"}}, nil, nil, slog.New(slog.DiscardHandler))
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
			for _, r := range s.current().Rules() {
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
