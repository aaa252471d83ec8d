package alert

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/parley-news/parley/pkg/article"
	"github.com/parley-news/parley/pkg/bus"
	"github.com/parley-news/parley/pkg/bus/bustest"
)

func TestRecentAlerts(t *testing.T) {
	b := bustest.New(t)
	js := b.JetStream()
	ctx := context.Background()
	publish := func(subject, rule, id string) {
		t.Helper()
		data, _ := json.Marshal(Alert{Rule: rule, Query: "summit", Article: article.Summary{ID: id, Title: "Summit " + id}})
		if _, err := js.Publish(ctx, subject, data); err != nil {
			t.Fatal(err)
		}
	}
	// 30 alerts of "summit" among 4,000 entity messages and 300 alerts of
	// another rule, as a busy stream holds them.
	for i := range 4000 {
		if i%130 == 0 && i/130 < 30 {
			publish(Subject("summit"), "summit", fmt.Sprintf("s%02d", i/130))
		}
		if i%13 == 0 {
			publish(Subject("other"), "other", fmt.Sprintf("o%d", i))
		}
		publish(bus.SubjectEntities+".country.UA", "country:UA", fmt.Sprintf("e%d", i))
	}
	h := NewHistory(js)
	ids := func(rs []Received) []string {
		var out []string
		for _, r := range rs {
			out = append(out, r.Article.ID)
		}
		return out
	}
	newest := func(k int) []string {
		var out []string
		for i := 29; i >= 30-k; i-- {
			out = append(out, fmt.Sprintf("s%02d", i))
		}
		return out
	}
	tests := []struct {
		rule string
		n    int
		want []string
	}{
		{"summit", 1, newest(1)},
		{"summit", 5, newest(5)},
		{"summit", 30, newest(30)},
		{"summit", 200, newest(30)},
		{"SUMMIT", 3, newest(3)}, // the subject token is lower case
		{"never-alerted", 10, []string{}},
	}
	for _, tt := range tests {
		got, err := h.Recent(ctx, tt.rule, tt.n)
		if err != nil {
			t.Fatalf("Recent(%s, %d): %v", tt.rule, tt.n, err)
		}
		if g := ids(got); !slices.Equal(g, tt.want) && !(len(g) == 0 && len(tt.want) == 0) {
			t.Errorf("Recent(%s, %d) = %v, want %v", tt.rule, tt.n, g, tt.want)
		}
		for i, r := range got {
			if r.Rule != "summit" || r.Time.IsZero() || (i > 0 && r.Time.After(got[i-1].Time)) {
				t.Errorf("Recent(%s, %d)[%d] = %+v: want a summit alert with its time, newest first", tt.rule, tt.n, i, r)
			}
		}
	}
	for _, bad := range []struct {
		rule string
		n    int
	}{{"no spaces", 5}, {"", 5}, {"summit", 0}, {"summit", MaxRecent + 1}} {
		if _, err := h.Recent(ctx, bad.rule, bad.n); !errors.Is(err, ErrBadRule) {
			t.Errorf("Recent(%q, %d): err %v, want ErrBadRule", bad.rule, bad.n, err)
		}
	}
	// The consumers Recent made are gone.
	s, err := js.Stream(ctx, bus.StreamAlerts)
	if err != nil {
		t.Fatal(err)
	}
	if names := consumerNames(t, s); len(names) != 0 {
		t.Errorf("consumers left on %s: %v", bus.StreamAlerts, names)
	}
}

func consumerNames(t *testing.T, s jetstream.Stream) []string {
	t.Helper()
	var out []string
	l := s.ConsumerNames(context.Background())
	for n := range l.Name() {
		out = append(out, n)
	}
	if err := l.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}
