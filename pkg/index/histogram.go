package index

import (
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/parley-news/parley/pkg/query"
)

// Histogram intervals of Request.Histogram. Buckets are calendar units in
// UTC; weeks start on Monday (as Elasticsearch's date_histogram does).
const (
	HistogramHour  = "hour"
	HistogramDay   = "day"
	HistogramWeek  = "week"
	HistogramMonth = "month"
)

var intervalUnits = map[string]query.Unit{
	HistogramHour: query.Hour, HistogramDay: query.Day, HistogramWeek: query.Week, HistogramMonth: query.Month,
}

// MaxBuckets bounds a histogram: an hourly one spans at most about 13
// months, a daily one 27 years.
const MaxBuckets = 10000

// ErrTooManyBuckets is a histogram whose matches span more than MaxBuckets
// intervals: the request should narrow published_at or take a larger
// interval.
var ErrTooManyBuckets = errors.New("histogram has too many buckets")

// ErrPrefixTooBroad is a prefix query (Zel*) that expands to more than
// query.MaxPrefixWords words of the index: the API answers it with 400.
var ErrPrefixTooBroad = errors.New("prefix too broad")

// Bucket is one interval of a histogram: its first instant and how many
// matching articles were published in it.
type Bucket struct {
	T     time.Time `json:"t"`
	Count int       `json:"count"`
}

// ValidInterval reports whether s is a histogram interval.
func ValidInterval(s string) bool {
	_, ok := intervalUnits[s]
	return ok
}

// BucketStart is the first instant of the interval t falls in.
func BucketStart(t time.Time, interval string) time.Time {
	return query.Relative{Round: intervalUnits[interval]}.At(t, false)
}

// Buckets turns counts by bucket start (from BucketStart, or a backend's
// date histogram) into the histogram of Result: every interval from the
// first non-empty one to the last, empty ones with count 0, oldest first.
// No counts give an empty histogram. from and to, when not zero, are the
// span the query asked for (query.DateBounds): the histogram then reaches
// out to the intervals they fall in, so that two searches over one span
// have the same intervals, also where the first or last ones are empty.
func Buckets(counts map[time.Time]int, interval string, from, to time.Time) ([]Bucket, error) {
	u, ok := intervalUnits[interval]
	if !ok {
		return nil, fmt.Errorf("histogram interval %q: want hour, day, week or month", interval)
	}
	bounded := !from.IsZero() && !to.IsZero()
	if len(counts) == 0 && !bounded {
		return []Bucket{}, nil
	}
	starts := make([]time.Time, 0, len(counts)+2)
	byInstant := make(map[[2]int64]int, len(counts))
	for t, n := range counts {
		starts = append(starts, t.UTC())
		byInstant[instant(t)] += n
	}
	if !from.IsZero() && (bounded || len(starts) > 0) {
		starts = append(starts, BucketStart(from, interval))
	}
	if !to.IsZero() && (bounded || len(starts) > 0) {
		starts = append(starts, BucketStart(to, interval))
	}
	slices.SortFunc(starts, func(a, b time.Time) int { return a.Compare(b) })
	first, last := starts[0], starts[len(starts)-1]
	step := query.Relative{Round: u}
	var out []Bucket
	for t := first; !t.After(last); t = step.At(t, true).Add(time.Nanosecond) {
		if len(out) == MaxBuckets {
			return nil, fmt.Errorf("%w: the matches span %s to %s, more than %d %ss: take a larger interval or narrow published_at",
				ErrTooManyBuckets, first.Format(time.DateOnly), last.Format(time.DateOnly), MaxBuckets, interval)
		}
		out = append(out, Bucket{T: t, Count: byInstant[instant(t)]})
	}
	return out, nil
}

// instant is a map key for t that ignores its location and monotonic clock.
func instant(t time.Time) [2]int64 { return [2]int64{t.Unix(), int64(t.Nanosecond())} }
