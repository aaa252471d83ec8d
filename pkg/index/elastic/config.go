package elastic

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/parley-news/parley/pkg/query"
)

// DefaultAlias is the alias parley reads and writes through.
const DefaultAlias = "parley-articles"

// Config of the Elasticsearch backend. Zero values take the defaults
// documented on each field (see Defaults).
type Config struct {
	// URLs of the cluster's HTTP endpoints, e.g. http://127.0.0.1:9200.
	URLs []string
	// APIKey (base64 "id:key", as Kibana shows it) or Username/Password
	// authenticate; leave all empty for a cluster with security off.
	APIKey   string
	Username string
	Password string
	// CACertFile is a PEM file of the CA that signed the cluster's HTTP
	// certificate (https URLs with a private CA).
	CACertFile string

	// Index is the alias parley reads and writes through; the concrete
	// index behind it is Index + "-v" + the mapping version. Default
	// "parley-articles".
	Index string
	// Shards is the primary shard count of a newly created index. Default 1.
	Shards int

	// FlushBytes is the largest bulk request body. Default 1 MiB: a bulk
	// request to one shard runs on one write thread, so an indexer batch
	// split into several requests keeps every write thread busy.
	FlushBytes int
	// FlushInterval is the longest a partly filled bulk request waits for
	// articles of other Index calls before it is sent. Callers wait for
	// their own articles, so it is short. Default 5ms.
	FlushInterval time.Duration
	// Workers send bulk requests concurrently. Default 4.
	Workers int

	// MaxRetries bounds the retries of a bulk request, or of the items of a
	// bulk response, that Elasticsearch rejected for now (429, 502, 503,
	// 504) and of other requests on those statuses. Default 6.
	MaxRetries int
	// RetryBackoff is the first retry's delay; it doubles up to
	// MaxRetryBackoff, with jitter. Defaults 100ms and 5s.
	RetryBackoff    time.Duration
	MaxRetryBackoff time.Duration
	// WaitReady makes Open retry an unreachable cluster with backoff for up
	// to this long (a cluster that answers 401 fails at once). Default 0:
	// one attempt.
	WaitReady time.Duration
	// OnWait, when set, is called with the reason each time Open finds the
	// cluster unreachable and waits to try again (parley serves it on
	// /healthz meanwhile).
	OnWait func(err error)
	// CloseTimeout bounds how long Close waits for bulk requests in flight.
	// Default 30s.
	CloseTimeout time.Duration

	// Resolver expands person and place names to their known spellings and
	// entity ids before translation (query.Expand); nil leaves queries as
	// parsed.
	Resolver query.Resolver
}

// Defaults fills zero settings.
func (c *Config) Defaults() {
	if c.Index == "" {
		c.Index = DefaultAlias
	}
	if c.Shards == 0 {
		c.Shards = 1
	}
	if c.FlushBytes == 0 {
		c.FlushBytes = 1 << 20
	}
	if c.FlushInterval == 0 {
		c.FlushInterval = 5 * time.Millisecond
	}
	if c.Workers == 0 {
		c.Workers = 4
	}
	if c.MaxRetries == 0 {
		c.MaxRetries = 6
	}
	if c.RetryBackoff == 0 {
		c.RetryBackoff = 100 * time.Millisecond
	}
	if c.MaxRetryBackoff == 0 {
		c.MaxRetryBackoff = 5 * time.Second
	}
	if c.CloseTimeout == 0 {
		c.CloseTimeout = 30 * time.Second
	}
}

// Validate names the first bad setting.
func (c *Config) Validate() error {
	if len(c.URLs) == 0 {
		return errors.New("elasticsearch url: none set (--es-url)")
	}
	for _, u := range c.URLs {
		p, err := url.Parse(u)
		if err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" {
			return fmt.Errorf("elasticsearch url %q: want http(s)://host:port", u)
		}
	}
	if c.APIKey != "" && (c.Username != "" || c.Password != "") {
		return errors.New("elasticsearch api key and username/password: set one of them")
	}
	if (c.Username == "") != (c.Password == "") {
		return errors.New("elasticsearch username and password: set both or neither")
	}
	if c.CACertFile != "" {
		if _, err := os.Stat(c.CACertFile); err != nil {
			return fmt.Errorf("elasticsearch ca cert file: %w", err)
		}
	}
	if err := validIndexName(c.Index); err != nil {
		return fmt.Errorf("elasticsearch index: %w", err)
	}
	switch {
	case c.Shards < 1 || c.Shards > 1024:
		return fmt.Errorf("elasticsearch shards %d: must be 1 to 1024", c.Shards)
	case c.FlushBytes < 1<<10 || c.FlushBytes > 100<<20:
		return fmt.Errorf("elasticsearch flush bytes %d: must be 1 KiB to 100 MiB", c.FlushBytes)
	case c.FlushInterval < 0:
		return fmt.Errorf("elasticsearch flush interval %s: must not be negative", c.FlushInterval)
	case c.Workers < 1 || c.Workers > 64:
		return fmt.Errorf("elasticsearch workers %d: must be 1 to 64", c.Workers)
	case c.MaxRetries < 0:
		return fmt.Errorf("elasticsearch max retries %d: must not be negative", c.MaxRetries)
	case c.RetryBackoff <= 0 || c.MaxRetryBackoff < c.RetryBackoff:
		return fmt.Errorf("elasticsearch retry backoff %s..%s: must be positive and min <= max", c.RetryBackoff, c.MaxRetryBackoff)
	case c.WaitReady < 0:
		return fmt.Errorf("elasticsearch wait ready %s: must not be negative", c.WaitReady)
	case c.CloseTimeout <= 0:
		return fmt.Errorf("elasticsearch close timeout %s: must be positive", c.CloseTimeout)
	}
	return nil
}

// validIndexName checks Elasticsearch's rules for index and alias names.
func validIndexName(n string) error {
	if n == "" || n != strings.ToLower(n) || strings.ContainsAny(n, ` "*\<|,>/?#:`) || strings.HasPrefix(n, "_") || strings.HasPrefix(n, "-") || strings.HasPrefix(n, "+") || n == "." || n == ".." || len(n) > 255 {
		return fmt.Errorf("%q: must be lower case without spaces, \", *, \\, <, |, comma, >, /, ?, #, : and not start with _, - or +", n)
	}
	return nil
}
