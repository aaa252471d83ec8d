// Package bus is parley's message transport: the NATS connection, the
// JetStream streams that carry pages and articles between the stages
// (publish, pull, dead letters, health), the key-value buckets and the
// object store it creates and repairs for the stores that give them their
// meaning (pkg/feedstore, pkg/versions, pkg/story, pkg/alert's rules), and an embedded
// nats-server for single-machine runs.
package bus

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/parley-news/parley/pkg/backoff"
	"github.com/parley-news/parley/pkg/redact"
)

// Subjects (docs/contract.md, NATS).
const (
	SubjectRaw      = "parley.raw"      // .<source>
	SubjectArticles = "parley.articles" // .<language>
	SubjectIndexed  = "parley.indexed"  // .<language>
	SubjectAlerts   = "parley.alerts"   // .<rule>
	SubjectEntities = "parley.entities" // .country.<CC> / .person.<slug>
	SubjectEvents   = "parley.events"   // .<language>: once per new event
	SubjectDLQ      = "parley.dlq"      // .<stage>
)

// Stream names.
const (
	StreamRaw      = "PARLEY_RAW"
	StreamArticles = "PARLEY_ARTICLES"
	StreamIndexed  = "PARLEY_INDEXED"
	StreamAlerts   = "PARLEY_ALERTS"
	StreamDLQ      = "PARLEY_DLQ"
)

// Config is how to reach NATS and how long streams keep messages.
type Config struct {
	// URL of the NATS server(s), comma separated. Empty when the caller
	// passes an in-process connection to New.
	URL string
	// Credentials: a creds file, an nkey seed file, or user/password, or a token.
	CredsFile string
	NKeyFile  string
	User      string
	Password  string
	Token     string
	// TLS: CA certificate to trust, and a client certificate/key for mutual TLS.
	CAFile   string
	CertFile string
	KeyFile  string

	// RawMaxAge is how long fetched pages are kept for re-parsing (parley replay parse).
	RawMaxAge time.Duration
	// ArticlesMaxAge is how long extracted articles are kept for re-indexing.
	ArticlesMaxAge time.Duration
	// AlertsMaxAge is how long alerts are kept for `parley watch --all`.
	AlertsMaxAge time.Duration
	// DuplicateWindow is how long JetStream remembers message ids, so a
	// republish after a crash is dropped.
	DuplicateWindow time.Duration
	// Replicas of every stream and bucket (1 on one machine, 3 on a cluster).
	Replicas int
	// ConnectWait bounds how long New keeps retrying an unreachable server.
	ConnectWait time.Duration
}

// Defaults fills zero settings.
func (c *Config) Defaults() {
	if c.RawMaxAge == 0 {
		c.RawMaxAge = 7 * 24 * time.Hour
	}
	if c.ArticlesMaxAge == 0 {
		c.ArticlesMaxAge = 30 * 24 * time.Hour
	}
	if c.AlertsMaxAge == 0 {
		c.AlertsMaxAge = 7 * 24 * time.Hour
	}
	if c.DuplicateWindow == 0 {
		c.DuplicateWindow = time.Hour
	}
	if c.Replicas == 0 {
		c.Replicas = 1
	}
	if c.ConnectWait == 0 {
		c.ConnectWait = 30 * time.Second
	}
}

// Validate names the first bad setting.
func (c *Config) Validate() error {
	switch {
	case c.RawMaxAge < time.Minute:
		return fmt.Errorf("raw retention %s: must be at least 1m", c.RawMaxAge)
	case c.ArticlesMaxAge < time.Minute:
		return fmt.Errorf("articles retention %s: must be at least 1m", c.ArticlesMaxAge)
	case c.DuplicateWindow < time.Second || c.DuplicateWindow > c.RawMaxAge:
		return fmt.Errorf("duplicate window %s: must be between 1s and the raw retention", c.DuplicateWindow)
	case c.Replicas < 1 || c.Replicas > 5:
		return fmt.Errorf("replicas %d: must be 1 to 5", c.Replicas)
	case (c.CertFile == "") != (c.KeyFile == ""):
		return errors.New("nats tls: a client certificate needs both a cert file and a key file")
	}
	return nil
}

// Bus is a connection to NATS with JetStream and parley's streams and buckets.
type Bus struct {
	cfg    Config
	nc     *nats.Conn
	js     jetstream.JetStream
	log    *slog.Logger
	ownsNC bool

	feeds     jetstream.KeyValue
	feedState jetstream.KeyValue
	seen      jetstream.KeyValue
	stories   jetstream.KeyValue
	events    jetstream.KeyValue
	rules     jetstream.KeyValue
	versions  jetstream.KeyValue
	fetchers  jetstream.KeyValue
	pages     jetstream.ObjectStore

	health   *health
	repairMu sync.Mutex // one Repair at a time
}

// Connect dials cfg.URL (see Dial), then sets up the streams and buckets.
func Connect(ctx context.Context, cfg Config, log *slog.Logger) (*Bus, error) {
	nc, err := Dial(ctx, cfg, "parley", log)
	if err != nil {
		return nil, err
	}
	b, err := New(ctx, nc, cfg, log)
	if err != nil {
		nc.Close()
		return nil, err
	}
	b.ownsNC = true
	return b, nil
}

// Dial connects to cfg.URL with cfg's credentials and TLS, retrying an
// unreachable server with backoff for up to cfg.ConnectWait. It is the one
// place a parley process or command builds a connection to a NATS server
// (every role, parley watch, dlq and replay), so each of them accepts the
// same credential and TLS settings.
func Dial(ctx context.Context, cfg Config, name string, log *slog.Logger) (*nats.Conn, error) {
	cfg.Defaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.URL == "" {
		return nil, errors.New("nats url: empty (set --nats-url or run the embedded server)")
	}
	opts, err := cfg.options(name, log)
	if err != nil {
		return nil, err
	}
	deadline := time.Now().Add(cfg.ConnectWait)
	wait := 250 * time.Millisecond
	for {
		nc, err := nats.Connect(cfg.URL, opts...)
		if err == nil {
			return nc, nil
		}
		// Refused credentials and an unverifiable server certificate do
		// not get better by waiting: fail at once.
		var certErr *tls.CertificateVerificationError
		if errors.Is(err, nats.ErrAuthorization) || errors.As(err, &certErr) || time.Now().After(deadline) {
			return nil, fmt.Errorf("connect to nats %s: %w", redact.List(cfg.URL), err)
		}
		log.Warn("nats not reachable yet, retrying", "url", redact.List(cfg.URL), "err", err, "retry_in", wait)
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("connect to nats %s: %w", redact.List(cfg.URL), ctx.Err())
		case <-time.After(wait):
		}
		wait = min(wait*2, 5*time.Second)
	}
}

// reconnectOptions make a connection that was dropped reconnect for as
// long as it takes, saying so in the log, for connections over the network
// and in-process ones alike: a lost connection is never a reason to stop.
func reconnectOptions(log *slog.Logger) []nats.Option {
	return []nats.Option{
		nats.MaxReconnects(-1),
		nats.ReconnectWait(time.Second),
		nats.DisconnectErrHandler(func(_ *nats.Conn, err error) {
			if err != nil {
				log.Warn("nats disconnected", "err", err)
			}
		}),
		nats.ReconnectHandler(func(nc *nats.Conn) { log.Info("nats reconnected", "url", nc.ConnectedUrlRedacted()) }),
	}
}

// options are the client options of cfg: name, reconnects, credentials and TLS.
func (c *Config) options(name string, log *slog.Logger) ([]nats.Option, error) {
	opts := append([]nats.Option{nats.Name(name)}, reconnectOptions(log)...)
	switch {
	case c.CredsFile != "":
		opts = append(opts, nats.UserCredentials(c.CredsFile))
	case c.NKeyFile != "":
		o, err := nats.NkeyOptionFromSeed(c.NKeyFile)
		if err != nil {
			return nil, fmt.Errorf("nats nkey %s: %w", c.NKeyFile, err)
		}
		opts = append(opts, o)
	case c.User != "":
		opts = append(opts, nats.UserInfo(c.User, c.Password))
	case c.Token != "":
		opts = append(opts, nats.Token(c.Token))
	}
	if c.CAFile != "" {
		opts = append(opts, nats.RootCAs(c.CAFile))
	}
	if c.CertFile != "" {
		opts = append(opts, nats.ClientCert(c.CertFile, c.KeyFile))
	}
	return opts, nil
}

// New sets up parley's streams and buckets over an existing connection. The
// caller keeps ownership of nc.
func New(ctx context.Context, nc *nats.Conn, cfg Config, log *slog.Logger) (*Bus, error) {
	cfg.Defaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	js, err := jetstream.New(nc)
	if err != nil {
		return nil, fmt.Errorf("jetstream: %w", err)
	}
	b := &Bus{cfg: cfg, nc: nc, js: js, log: log, health: &health{stalled: map[string]error{}, repaired: make(chan struct{})}}
	h, err := b.setupRetrying(ctx)
	if err != nil {
		return nil, err
	}
	b.feeds, b.feedState, b.seen, b.stories, b.events, b.rules, b.versions, b.fetchers, b.pages = h.feeds, h.feedState, h.seen, h.stories, h.events, h.rules, h.versions, h.fetchers, h.pages
	return b, nil
}

// Conn is the underlying NATS connection.
func (b *Bus) Conn() *nats.Conn { return b.nc }

// JetStream is the JetStream context.
func (b *Bus) JetStream() jetstream.JetStream { return b.js }

// Config returns the settings the bus runs with.
func (b *Bus) Config() Config { return b.cfg }

// Ping checks that the server answers, for /healthz.
func (b *Bus) Ping(ctx context.Context) error {
	if !b.nc.IsConnected() {
		return fmt.Errorf("nats: %s", b.nc.Status())
	}
	if _, err := b.js.AccountInfo(ctx); err != nil {
		return fmt.Errorf("jetstream: %w", err)
	}
	return nil
}

// Close drains the connection if the bus opened it.
func (b *Bus) Close() error {
	if b.ownsNC {
		return b.nc.Drain()
	}
	return nil
}

// setupRetrying runs setup, trying again while the server cannot answer
// yet (retrying): a stage started during a nats-server restart waits for
// it instead of exiting.
func (b *Bus) setupRetrying(ctx context.Context) (handles, error) {
	var h handles
	err := b.retrying(ctx, "set up streams", func(ctx context.Context) error {
		var err error
		h, err = b.setup(ctx)
		return err
	})
	return h, err
}

// retrying runs fn, trying again with backoff for up to cfg.ConnectWait
// while the server cannot answer yet (restarting, electing a leader,
// catching up after a reconnect); each failure is logged with what it
// was doing. A refusal that waiting does not change is returned at once.
func (b *Bus) retrying(ctx context.Context, what string, fn func(context.Context) error) error {
	deadline := time.Now().Add(b.cfg.ConnectWait)
	policy := backoff.Policy{Initial: 250 * time.Millisecond, Max: 5 * time.Second, Jitter: true}
	for n := 1; ; n++ {
		err := fn(ctx)
		if err == nil || !Transient(err) || ctx.Err() != nil {
			return err
		}
		if time.Now().After(deadline) {
			if errors.Is(err, nats.ErrNoResponders) {
				return fmt.Errorf("%w (nothing answers JetStream requests: is JetStream enabled on the server, e.g. nats-server -js?)", err)
			}
			return err
		}
		wait := policy.Delay(n)
		b.log.Warn("nats cannot answer yet, retrying", "doing", what, "err", err, "retry_in", wait)
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("%w (%w)", err, ctx.Err())
		case <-t.C:
		}
	}
}

// Transient reports whether err is the server not answering in time, or
// not at all yet, as opposed to a refusal that waiting does not change.
func Transient(err error) bool {
	return errors.Is(err, context.DeadlineExceeded) || errors.Is(err, nats.ErrTimeout) ||
		errors.Is(err, nats.ErrNoResponders) || errors.Is(err, jetstream.ErrNoStreamResponse) ||
		errors.Is(err, nats.ErrConnectionReconnecting) || errors.Is(err, nats.ErrDisconnected)
}
