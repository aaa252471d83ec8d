// Package backoff is parley's one delay between tries of something that
// failed for now: exponential from a first delay, capped, with jitter
// where many clients would otherwise retry in step, and never shorter than
// what the other side asked for in Retry-After.
package backoff

import (
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Policy is how the delay grows.
type Policy struct {
	// Initial is the delay after the first failure; it doubles after each
	// further one, up to Max.
	Initial, Max time.Duration
	// Jitter draws each delay from its upper half, so that clients that
	// failed together do not retry together.
	Jitter bool
}

// Delay is the wait after the n-th failure in a row (n from 1).
func (p Policy) Delay(n int) time.Duration {
	d := p.Initial
	for i := 1; i < n && d < p.Max; i++ {
		d *= 2
	}
	d = min(d, p.Max)
	if p.Jitter && d > 1 {
		d = d/2 + rand.N(d/2+1)
	}
	return d
}

// After is the wait after the n-th failure when the other side asked for
// retryAfter (0 when it did not): the longer of the two.
func (p Policy) After(n int, retryAfter time.Duration) time.Duration {
	return max(p.Delay(n), retryAfter)
}

// RetryAfter reads a Retry-After header: delay-seconds or an HTTP-date
// (relative to now). Past dates and garbage give 0; a year at most.
func RetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		if n <= 0 {
			return 0
		}
		const maxSeconds = int64(365 * 24 * 3600)
		return time.Duration(min(n, maxSeconds)) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := t.Sub(now); d > 0 {
			return min(d, 365*24*time.Hour)
		}
	}
	return 0
}
