package index

import (
	"errors"
	"slices"
	"testing"
	"time"
)

func TestBuckets(t *testing.T) {
	ts := func(s string) time.Time {
		t, err := time.Parse(time.RFC3339, s)
		if err != nil {
			panic(err)
		}
		return t
	}
	bk := func(s string, n int) Bucket { return Bucket{T: ts(s), Count: n} }
	counts := func(pub ...string) map[time.Time]int {
		m := map[time.Time]int{}
		for _, p := range pub {
			m[BucketStart(ts(p), HistogramDay)]++
		}
		return m
	}
	tests := []struct {
		name     string
		interval string
		in       map[time.Time]int
		want     []Bucket
	}{
		{"empty", HistogramDay, nil, []Bucket{}},
		{"gaps filled", HistogramDay, counts("2026-02-27T23:59:59Z", "2026-03-02T00:00:00Z", "2026-03-02T10:00:00Z"),
			[]Bucket{bk("2026-02-27T00:00:00Z", 1), bk("2026-02-28T00:00:00Z", 0), bk("2026-03-01T00:00:00Z", 0), bk("2026-03-02T00:00:00Z", 2)}},
		{"weeks from Monday", HistogramWeek, map[time.Time]int{
			BucketStart(ts("2026-03-01T12:00:00Z"), HistogramWeek): 3, // a Sunday: week of Monday 23 February
			BucketStart(ts("2026-03-09T00:00:00Z"), HistogramWeek): 1,
		}, []Bucket{bk("2026-02-23T00:00:00Z", 3), bk("2026-03-02T00:00:00Z", 0), bk("2026-03-09T00:00:00Z", 1)}},
		{"months of unequal length", HistogramMonth, map[time.Time]int{
			BucketStart(ts("2026-01-31T12:00:00Z"), HistogramMonth): 1,
			BucketStart(ts("2026-03-31T12:00:00Z"), HistogramMonth): 2,
		}, []Bucket{bk("2026-01-01T00:00:00Z", 1), bk("2026-02-01T00:00:00Z", 0), bk("2026-03-01T00:00:00Z", 2)}},
		{"hours, keys in another zone", HistogramHour, map[time.Time]int{
			ts("2026-01-01T10:00:00+02:00"): 1, ts("2026-01-01T09:00:00Z"): 2,
		}, []Bucket{bk("2026-01-01T08:00:00Z", 1), bk("2026-01-01T09:00:00Z", 2)}},
	}
	for _, tt := range tests {
		got, err := Buckets(tt.in, tt.interval, time.Time{}, time.Time{})
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if !slices.EqualFunc(got, tt.want, func(a, b Bucket) bool { return a.T.Equal(b.T) && a.Count == b.Count }) {
			t.Errorf("%s: %v, want %v", tt.name, got, tt.want)
		}
	}
	// 10,000 hours fit; one more does not.
	first := ts("2026-01-01T00:00:00Z")
	var none time.Time
	if got, err := Buckets(map[time.Time]int{first: 1, first.Add((MaxBuckets - 1) * time.Hour): 1}, HistogramHour, none, none); err != nil || len(got) != MaxBuckets {
		t.Errorf("%d hours: %d buckets, %v", MaxBuckets, len(got), err)
	}
	if _, err := Buckets(map[time.Time]int{first: 1, first.Add(MaxBuckets * time.Hour): 1}, HistogramHour, none, none); !errors.Is(err, ErrTooManyBuckets) {
		t.Errorf("%d hours: err %v, want ErrTooManyBuckets", MaxBuckets+1, err)
	}
	if _, err := Buckets(map[time.Time]int{first: 1}, "minute", none, none); err == nil {
		t.Errorf("an unknown interval was accepted")
	}
}

// A query's published_at span widens the histogram to it, so searches over
// one span chart the same intervals.
func TestBucketsWithinSpan(t *testing.T) {
	ts := func(s string) time.Time {
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			panic(err)
		}
		return t
	}
	days := func(from string, counts ...int) []Bucket {
		var out []Bucket
		for i, n := range counts {
			out = append(out, Bucket{T: ts(from).AddDate(0, 0, i), Count: n})
		}
		return out
	}
	mid := map[time.Time]int{ts("2026-03-03T00:00:00Z"): 2}
	var none time.Time
	tests := []struct {
		name     string
		in       map[time.Time]int
		from, to time.Time
		want     []Bucket
	}{
		{"both sides", mid, ts("2026-03-01T12:00:00Z"), ts("2026-03-05T23:59:59.999999999Z"), days("2026-03-01T00:00:00Z", 0, 0, 2, 0, 0)},
		{"no match, both sides", nil, ts("2026-03-01T00:00:00Z"), ts("2026-03-02T23:59:59.999999999Z"), days("2026-03-01T00:00:00Z", 0, 0)},
		{"start only", mid, ts("2026-03-02T00:00:00Z"), none, days("2026-03-02T00:00:00Z", 0, 2)},
		{"end only", mid, none, ts("2026-03-04T08:00:00Z"), days("2026-03-03T00:00:00Z", 2, 0)},
		{"no match, one side", nil, ts("2026-03-01T00:00:00Z"), none, []Bucket{}},
	}
	for _, tt := range tests {
		got, err := Buckets(tt.in, HistogramDay, tt.from, tt.to)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if !slices.EqualFunc(got, tt.want, func(a, b Bucket) bool { return a.T.Equal(b.T) && a.Count == b.Count }) {
			t.Errorf("%s: %v, want %v", tt.name, got, tt.want)
		}
	}
}
