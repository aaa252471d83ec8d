// Package fetch is parley's HTTP client for feeds and article pages. It is
// built to be pointed at untrusted URLs: it caps body sizes and decompression,
// bounds every request by a total timeout, limits redirects, refuses private
// and loopback addresses at dial time (the SSRF guard behind
// --allow-private-addresses), supports conditional GET, classifies its
// errors as temporary or permanent, and is polite: every request waits for
// its host (hosts.go).
package fetch

import (
	"errors"
	"fmt"
	"time"
)

// Defaults applied by New to zero-valued Config fields.
const (
	DefaultConnectTimeout  = 10 * time.Second
	DefaultTimeout         = 30 * time.Second
	DefaultMaxFeedBytes    = 10 << 20
	DefaultMaxPageBytes    = 10 << 20
	DefaultMaxRedirects    = 5
	DefaultUserAgent       = "parley/0.1 (+https://github.com/parley-news/parley)"
	DefaultMaxInflateRatio = 100
	DefaultMaxInFlight     = 256
	DefaultMaxHostPause    = time.Hour
)

// Config configures a Client. Zero values take the defaults above; negative
// values are rejected by Validate.
type Config struct {
	// ConnectTimeout bounds DNS, TCP connect and TLS handshake.
	ConnectTimeout time.Duration
	// Timeout bounds a whole request, redirects and body included, so a
	// server trickling bytes is cut off.
	Timeout time.Duration
	// MaxFeedBytes and MaxPageBytes are the body limits callers pass in
	// Options.Limit for feeds and for pages; they are kept here so one
	// configuration holds them. A zero Options.Limit means MaxPageBytes.
	MaxFeedBytes int64
	MaxPageBytes int64
	// MaxRedirects is the number of redirects followed before
	// ErrTooManyRedirects. Set NoRedirects to follow none.
	MaxRedirects int
	NoRedirects  bool
	UserAgent    string
	// AllowPrivate permits loopback, private-network, link-local and other
	// non-public addresses (--allow-private-addresses).
	AllowPrivate bool
	// MaxInflateRatio is the largest decompressed/compressed size ratio
	// accepted for a Content-Encoding body before it counts as a bomb.
	MaxInflateRatio int64

	// HostConcurrency is the most requests in flight to one host (by
	// HostKey) at once; zero means no per-host limit.
	HostConcurrency int
	// HostDelay is the least time between the starts of two requests to
	// one host; zero means none.
	HostDelay time.Duration
	// MaxHostPause caps the pause of a host after a 429 or 503, however
	// long its Retry-After.
	MaxHostPause time.Duration
	// MaxInFlight is the most requests in flight at once, all hosts
	// together; it is taken only after the host let a request go.
	MaxInFlight int
	// OnHostPause, when set, is told of every pause of a host (it is called
	// after the request that caused it ended, outside the Client's locks).
	OnHostPause func(HostPause) `json:"-"`
}

// withDefaults returns cfg with zero fields replaced by their defaults.
func (cfg Config) withDefaults() Config {
	if cfg.ConnectTimeout == 0 {
		cfg.ConnectTimeout = DefaultConnectTimeout
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.MaxFeedBytes == 0 {
		cfg.MaxFeedBytes = DefaultMaxFeedBytes
	}
	if cfg.MaxPageBytes == 0 {
		cfg.MaxPageBytes = DefaultMaxPageBytes
	}
	if cfg.MaxRedirects == 0 && !cfg.NoRedirects {
		cfg.MaxRedirects = DefaultMaxRedirects
	}
	if cfg.UserAgent == "" {
		cfg.UserAgent = DefaultUserAgent
	}
	if cfg.MaxInflateRatio == 0 {
		cfg.MaxInflateRatio = DefaultMaxInflateRatio
	}
	if cfg.MaxInFlight == 0 {
		cfg.MaxInFlight = DefaultMaxInFlight
	}
	if cfg.MaxHostPause == 0 {
		cfg.MaxHostPause = DefaultMaxHostPause
	}
	return cfg
}

// Validate reports the first bad setting by name. Zero values are valid
// (they mean the default).
func (cfg Config) Validate() error {
	var errs []error
	for _, f := range []struct {
		name     string
		value    any
		negative bool
	}{
		{"connect_timeout", cfg.ConnectTimeout, cfg.ConnectTimeout < 0},
		{"timeout", cfg.Timeout, cfg.Timeout < 0},
		{"max_feed_bytes", cfg.MaxFeedBytes, cfg.MaxFeedBytes < 0},
		{"max_page_bytes", cfg.MaxPageBytes, cfg.MaxPageBytes < 0},
		{"max_redirects", cfg.MaxRedirects, cfg.MaxRedirects < 0},
		{"max_inflate_ratio", cfg.MaxInflateRatio, cfg.MaxInflateRatio < 0},
		{"host_concurrency", cfg.HostConcurrency, cfg.HostConcurrency < 0},
		{"host_delay", cfg.HostDelay, cfg.HostDelay < 0},
		{"max_host_pause", cfg.MaxHostPause, cfg.MaxHostPause < 0},
		{"max_in_flight", cfg.MaxInFlight, cfg.MaxInFlight < 0},
	} {
		if f.negative {
			errs = append(errs, fmt.Errorf("fetch config: %s %v is negative", f.name, f.value))
		}
	}
	d := cfg.withDefaults()
	if cfg.ConnectTimeout > 0 && cfg.Timeout > 0 && d.ConnectTimeout > d.Timeout {
		errs = append(errs, fmt.Errorf("fetch config: connect_timeout %v exceeds timeout %v", d.ConnectTimeout, d.Timeout))
	}
	return errors.Join(errs...)
}
