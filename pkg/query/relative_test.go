package query

import (
	"testing"
	"time"
)

func TestRelativeAt(t *testing.T) {
	// A Wednesday, late in a 31-day month.
	now := time.Date(2026, 3, 31, 15, 4, 5, 6, time.UTC)
	ts := func(s string) time.Time {
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			panic(err)
		}
		return t
	}
	tests := []struct {
		expr     string
		from, to string // At(now, false), At(now, true)
	}{
		{"now", "2026-03-31T15:04:05.000000006Z", "2026-03-31T15:04:05.000000006Z"},
		{"now-7d", "2026-03-24T15:04:05.000000006Z", "2026-03-24T15:04:05.000000006Z"},
		{"now-24h", "2026-03-30T15:04:05.000000006Z", "2026-03-30T15:04:05.000000006Z"},
		{"now+90m", "2026-03-31T16:34:05.000000006Z", "2026-03-31T16:34:05.000000006Z"},
		{"now-30s", "2026-03-31T15:03:35.000000006Z", "2026-03-31T15:03:35.000000006Z"},
		{"now-2w", "2026-03-17T15:04:05.000000006Z", "2026-03-17T15:04:05.000000006Z"},
		// 31 March minus a month is the last day of February.
		{"now-1M", "2026-02-28T15:04:05.000000006Z", "2026-02-28T15:04:05.000000006Z"},
		{"now-13M", "2025-02-28T15:04:05.000000006Z", "2025-02-28T15:04:05.000000006Z"},
		{"now-1y", "2025-03-31T15:04:05.000000006Z", "2025-03-31T15:04:05.000000006Z"},
		{"now/d", "2026-03-31T00:00:00Z", "2026-03-31T23:59:59.999999999Z"},
		{"now-7d/d", "2026-03-24T00:00:00Z", "2026-03-24T23:59:59.999999999Z"},
		{"now/h", "2026-03-31T15:00:00Z", "2026-03-31T15:59:59.999999999Z"},
		{"now/w", "2026-03-30T00:00:00Z", "2026-04-05T23:59:59.999999999Z"}, // weeks start on Monday
		{"now-1M/M", "2026-02-01T00:00:00Z", "2026-02-28T23:59:59.999999999Z"},
		{"now/y", "2026-01-01T00:00:00Z", "2026-12-31T23:59:59.999999999Z"},
		{"now-1000000y", "0001-01-01T00:00:00Z", "0001-01-01T00:00:00Z"}, // clamped to a writable year
	}
	for _, tt := range tests {
		r, err := parseRelative(tt.expr, 0)
		if err != nil {
			t.Fatalf("parseRelative(%q): %v", tt.expr, err)
		}
		if got := r.At(now, false); !got.Equal(ts(tt.from)) {
			t.Errorf("%s as a start = %s, want %s", tt.expr, got.Format(time.RFC3339Nano), tt.from)
		}
		if got := r.At(now, true); !got.Equal(ts(tt.to)) {
			t.Errorf("%s as an end = %s, want %s", tt.expr, got.Format(time.RFC3339Nano), tt.to)
		}
		if got := r.String(); got != tt.expr && tt.expr != "now+90m" {
			t.Errorf("String(%q) = %q", tt.expr, got)
		}
	}
	// In a non-UTC zone, now is still taken in UTC.
	if got := (Relative{Round: Day}).At(now.In(time.FixedZone("UTC+10", 10*3600)), false); !got.Equal(ts("2026-03-31T00:00:00Z")) {
		t.Errorf("now/d in UTC+10 = %s, want the UTC day", got)
	}
}

func TestResolve(t *testing.T) {
	now := time.Date(2026, 12, 2, 13, 0, 0, 0, time.UTC)
	n, err := Parse("Putin AND NOT (published_at:[now-7d/d TO now] OR published_at:2026-01-01)")
	if err != nil {
		t.Fatal(err)
	}
	got := Format(Resolve(n, now))
	want := "Putin AND NOT (published_at:[2026-11-25 TO 2026-12-02T13:00:00Z] OR published_at:[2026-01-01 TO 2026-01-01])"
	if got != want {
		t.Errorf("Resolve = %s\nwant      %s", got, want)
	}
}

func TestDateBounds(t *testing.T) {
	d := func(s string) time.Time {
		t, _ := time.Parse(time.RFC3339Nano, s)
		return t
	}
	tests := []struct {
		q        string
		from, to string // "" for open
	}{
		{"Putin", "", ""},
		{"published_at:[2026-01-01 TO 2026-01-31]", "2026-01-01T00:00:00Z", "2026-01-31T23:59:59.999999999Z"},
		{"Putin published_at:[2026-01-01 TO *] published_at:[* TO 2026-02-10]", "2026-01-01T00:00:00Z", "2026-02-10T23:59:59.999999999Z"},
		{"published_at:[2026-01-01 TO 2026-03-01] published_at:[2026-02-01 TO 2026-04-01]", "2026-02-01T00:00:00Z", "2026-03-01T23:59:59.999999999Z"},
		{"published_at:2026-01-05 OR Putin", "", ""},
		{"NOT published_at:2026-01-05", "", ""},
		{"published_at:[now-7d TO now]", "", ""}, // unresolved: not a span yet
	}
	for _, tt := range tests {
		n, err := Parse(tt.q)
		if err != nil {
			t.Fatal(err)
		}
		from, to := DateBounds(n)
		if (tt.from == "" && !from.IsZero()) || (tt.from != "" && !from.Equal(d(tt.from))) ||
			(tt.to == "" && !to.IsZero()) || (tt.to != "" && !to.Equal(d(tt.to))) {
			t.Errorf("DateBounds(%q) = %v, %v; want %q, %q", tt.q, from, to, tt.from, tt.to)
		}
	}
	now := time.Date(2026, 12, 2, 13, 0, 0, 0, time.UTC)
	n, _ := Parse("published_at:[now-7d/d TO now]")
	if from, to := DateBounds(Resolve(n, now)); !from.Equal(d("2026-11-25T00:00:00Z")) || !to.Equal(now) {
		t.Errorf("resolved relative range: %v, %v", from, to)
	}
}
