package backoff

import (
	"testing"
	"time"
)

func TestRetryAfter(t *testing.T) {
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		in   string
		want time.Duration
	}{
		{"", 0},
		{"0", 0},
		{"30", 30 * time.Second},
		{" 5 ", 5 * time.Second},
		{"-3", 0},
		{"soon", 0},
		{"Wed, 25 Nov 2026 12:10:00 GMT", 10 * time.Minute},
		{"Wednesday, 25-Nov-26 12:01:00 GMT", time.Minute},
		{"Wed, 25 Nov 2026 11:00:00 GMT", 0},
		{"99999999999", 365 * 24 * time.Hour},
		{"Wed, 25 Nov 2099 12:00:00 GMT", 365 * 24 * time.Hour},
	}
	for _, tt := range tests {
		if got := RetryAfter(tt.in, now); got != tt.want {
			t.Errorf("RetryAfter(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestDelay(t *testing.T) {
	p := Policy{Initial: time.Second, Max: 10 * time.Second}
	for n, want := range map[int]time.Duration{1: time.Second, 2: 2 * time.Second, 3: 4 * time.Second, 4: 8 * time.Second, 5: 10 * time.Second, 60: 10 * time.Second} {
		if got := p.Delay(n); got != want {
			t.Errorf("Delay(%d) = %v, want %v", n, got, want)
		}
	}
	if got := p.After(2, time.Minute); got != time.Minute {
		t.Errorf("After(2, 1m) = %v, want the Retry-After", got)
	}
	if got := p.After(5, time.Second); got != 10*time.Second {
		t.Errorf("After(5, 1s) = %v, want the back-off", got)
	}
	j := Policy{Initial: time.Second, Max: 4 * time.Second, Jitter: true}
	for n := 1; n < 200; n++ {
		want := min(time.Second<<min(n-1, 10), 4*time.Second)
		if got := j.Delay(n); got < want/2 || got > want {
			t.Fatalf("jittered Delay(%d) = %v, want within [%v, %v]", n, got, want/2, want)
		}
	}
}
