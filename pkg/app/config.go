// Package app wires parley's parts into the programs of docs/contract.md: `parley
// run` (every stage with an embedded NATS and index), and each stage alone
// for split deployments. Mains parse configuration and call Run.
package app

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/parley-news/parley/pkg/bus"
	"github.com/parley-news/parley/pkg/extract"
	"github.com/parley-news/parley/pkg/fetch"
	"github.com/parley-news/parley/pkg/index/elastic"
	"github.com/parley-news/parley/pkg/query"
)

// Rule is a saved search from the config file.
type Rule struct {
	Name  string `yaml:"name" json:"name"`
	Query string `yaml:"query" json:"query"`
	// Webhook, when set, receives each alert as an HTTP POST.
	Webhook string `yaml:"webhook" json:"webhook,omitempty"`
}

// Config is every setting of every role. Flags, PARLEY_* environment
// variables and the YAML config file all fill it (see package cli).
type Config struct {
	Feeds         string `flag:"feeds" help:"feed list: one URL per line (# comments), OPML (.opml) or YAML (.yaml)"`
	Data          string `flag:"data" help:"directory for all state (JetStream store, embedded index, feed state)"`
	HTTP          string `flag:"http" help:"HTTP listen address of the API and search page"`
	WebhookSecret string `flag:"webhook-secret" help:"key of the HMAC-SHA256 signature (X-Parley-Signature) on rule webhooks" secret:"true"`
	APIToken      string `flag:"api-token" help:"bearer token required by endpoints that change state (POST/DELETE /api/feeds, rules); required when --http is not a loopback address" secret:"true"`
	AllowedHosts  string `flag:"allowed-hosts" help:"comma-separated further host names (or name:port) the HTTP server answers under, e.g. the name a reverse proxy serves it as"`
	NATSURL       string `flag:"nats-url" help:"external NATS server URL (default: run an embedded one)"`
	NATSListen    string `flag:"nats-listen" help:"where the embedded NATS accepts clients such as parley watch; empty for none"`
	NATSCreds     string `flag:"nats-creds" help:"NATS credentials file"`
	NATSNKey      string `flag:"nats-nkey" help:"NATS nkey seed file"`
	NATSUser      string `flag:"nats-user" help:"NATS user"`
	NATSPass      string `flag:"nats-password" help:"NATS password" secret:"true"`
	NATSToken     string `flag:"nats-token" help:"NATS token" secret:"true"`
	NATSCA        string `flag:"nats-ca" help:"CA certificate file to trust for NATS TLS"`
	NATSCert      string `flag:"nats-cert" help:"client certificate file for NATS mutual TLS"`
	NATSKey       string `flag:"nats-key" help:"client key file for NATS mutual TLS"`
	ESURL         string `flag:"es-url" help:"Elasticsearch URL(s), comma separated (default: the embedded index under --data)"`
	ESAPIKey      string `flag:"es-api-key" help:"Elasticsearch API key" secret:"true"`
	ESUser        string `flag:"es-username" help:"Elasticsearch user"`
	ESPass        string `flag:"es-password" help:"Elasticsearch password" secret:"true"`
	ESCACert      string `flag:"es-ca-cert" help:"CA certificate file for Elasticsearch TLS"`
	ESIndex       string `flag:"es-index" help:"Elasticsearch alias parley reads and writes"`

	PollInterval      time.Duration `flag:"poll-interval" help:"interval between polls of a new feed; the scheduler then learns each feed's own"`
	MinPollInterval   time.Duration `flag:"min-poll-interval" help:"shortest interval between polls of one feed (a busy feed)"`
	MaxPollInterval   time.Duration `flag:"max-poll-interval" help:"longest interval between polls of one feed (an idle feed)"`
	AllowPrivate      bool          `flag:"allow-private-addresses" help:"permit fetching loopback and private-network addresses (off: refused, SSRF guard)"`
	FetchTimeout      time.Duration `flag:"fetch-timeout" help:"total time limit of one feed or page download"`
	HostConcurrency   int           `flag:"host-concurrency" help:"most requests in flight to one host (registrable domain or IP), feeds and pages together"`
	HostDelay         time.Duration `flag:"host-delay" help:"least time between the starts of two requests to one host; 0 for none"`
	UserAgent         string        `flag:"user-agent" help:"User-Agent of every feed and page request"`
	WebSubCallback    string        `flag:"websub-callback" help:"public base URL at which WebSub hubs reach parley (its /websub/ path); unset, WebSub is off"`
	RawRetention      time.Duration `flag:"raw-retention" help:"how long fetched pages are kept for re-parsing"`
	ArticlesRetention time.Duration `flag:"articles-retention" help:"how long extracted articles are kept for re-indexing"`
	ParserWorkers     int           `flag:"parser-workers" help:"pages extracted at once (default: one per CPU)"`
	IndexerBatch      int           `flag:"indexer-batch" help:"articles written to the index in one batch"`
	ShutdownTimeout   time.Duration `flag:"shutdown-timeout" help:"how long shutdown may take to drain and flush"`
	LogLevel          string        `flag:"log-level" help:"debug, info, warn or error"`
	LogFormat         string        `flag:"log-format" help:"text or json"`

	Rules []Rule `flag:"-"`
	// SiteRules are per-site CSS selectors for the sites a user cares about,
	// applied before the generic extraction (config file key site_rules).
	SiteRules []extract.SiteRule `flag:"-"`
}

// Defaults fills zero settings.
func (c *Config) Defaults() {
	if c.Data == "" {
		c.Data = "./parley-data"
	}
	if c.HTTP == "" {
		c.HTTP = "127.0.0.1:8080"
	}
	if c.PollInterval == 0 {
		c.PollInterval = 10 * time.Minute
	}
	if c.MinPollInterval == 0 {
		c.MinPollInterval = time.Minute
	}
	if c.MaxPollInterval == 0 {
		c.MaxPollInterval = 24 * time.Hour
	}
	if c.FetchTimeout == 0 {
		c.FetchTimeout = 30 * time.Second
	}
	// The host delay takes its default only with the concurrency: the
	// command line fills both before it parses the flags (so --host-delay 0
	// stays 0), and a Config that sets only a concurrency means no delay.
	if c.HostConcurrency == 0 {
		c.HostConcurrency = 2
		if c.HostDelay == 0 {
			c.HostDelay = time.Second
		}
	}
	if c.UserAgent == "" {
		c.UserAgent = fetch.DefaultUserAgent
	}
	if c.RawRetention == 0 {
		c.RawRetention = 7 * 24 * time.Hour
	}
	if c.ArticlesRetention == 0 {
		c.ArticlesRetention = 30 * 24 * time.Hour
	}
	if c.IndexerBatch == 0 {
		c.IndexerBatch = 256
	}
	if c.ShutdownTimeout == 0 {
		c.ShutdownTimeout = 20 * time.Second
	}
	if c.ESIndex == "" {
		c.ESIndex = "parley-articles"
	}
	if c.LogLevel == "" {
		c.LogLevel = "info"
	}
	if c.LogFormat == "" {
		c.LogFormat = "text"
	}
}

// DefaultNATSListen is where the embedded NATS accepts clients unless told otherwise.
const DefaultNATSListen = "127.0.0.1:4222"

// Validate names the first bad setting.
func (c *Config) Validate() error {
	if _, _, err := net.SplitHostPort(c.HTTP); err != nil {
		return fmt.Errorf("--http %q: want host:port, e.g. 127.0.0.1:8080", c.HTTP)
	}
	if c.NATSListen != "" {
		if _, _, err := net.SplitHostPort(c.NATSListen); err != nil {
			return fmt.Errorf("--nats-listen %q: want host:port, e.g. 127.0.0.1:4222, or empty", c.NATSListen)
		}
	}
	if c.NATSURL != "" {
		for _, u := range strings.Split(c.NATSURL, ",") {
			if pu, err := url.Parse(strings.TrimSpace(u)); err != nil || pu.Host == "" {
				return fmt.Errorf("--nats-url %q: want e.g. nats://127.0.0.1:4222", u)
			}
		}
	}
	for _, u := range c.ESURLs() {
		pu, err := url.Parse(u)
		if err != nil || (pu.Scheme != "http" && pu.Scheme != "https") || pu.Host == "" {
			return fmt.Errorf("--es-url %q: want e.g. http://127.0.0.1:9200", u)
		}
	}
	if c.PollInterval < time.Second {
		return fmt.Errorf("--poll-interval %s: must be at least 1s", c.PollInterval)
	}
	if c.MinPollInterval < time.Second {
		return fmt.Errorf("--min-poll-interval %s: must be at least 1s", c.MinPollInterval)
	}
	if c.MaxPollInterval < c.PollInterval || c.MaxPollInterval < c.MinPollInterval {
		return fmt.Errorf("--max-poll-interval %s: must be at least --poll-interval (%s) and --min-poll-interval (%s)", c.MaxPollInterval, c.PollInterval, c.MinPollInterval)
	}
	if c.FetchTimeout < time.Second {
		return fmt.Errorf("--fetch-timeout %s: must be at least 1s", c.FetchTimeout)
	}
	if c.HostConcurrency < 1 || c.HostConcurrency > 1024 {
		return fmt.Errorf("--host-concurrency %d: must be 1 to 1024", c.HostConcurrency)
	}
	if c.WebSubCallback != "" {
		if u, err := url.Parse(c.WebSubCallback); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("--websub-callback %q: want the absolute http(s) URL hubs reach parley at, e.g. https://parley.example.org", c.WebSubCallback)
		}
	}
	if c.HostDelay < 0 {
		return fmt.Errorf("--host-delay %s: must not be negative", c.HostDelay)
	}
	if c.ParserWorkers < 0 || c.ParserWorkers > 256 {
		return fmt.Errorf("--parser-workers %d: must be 0 (one per CPU) to 256", c.ParserWorkers)
	}
	if c.IndexerBatch < 1 || c.IndexerBatch > 10000 {
		return fmt.Errorf("--indexer-batch %d: must be 1 to 10000", c.IndexerBatch)
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		return fmt.Errorf("--log-level %q: want debug, info, warn or error", c.LogLevel)
	}
	switch c.LogFormat {
	case "text", "json":
	default:
		return fmt.Errorf("--log-format %q: want text or json", c.LogFormat)
	}
	names := map[string]bool{}
	for i, r := range c.Rules {
		if r.Name == "" || r.Query == "" {
			return fmt.Errorf("rules[%d]: a rule needs a name and a query", i)
		}
		if names[r.Name] {
			return fmt.Errorf("rules[%d]: the name %q is used twice", i, r.Name)
		}
		names[r.Name] = true
	}
	if c.Data == "" {
		return errors.New("--data: empty")
	}
	if err := (extract.Config{SiteRules: c.SiteRules}).Validate(); err != nil {
		return fmt.Errorf("site_rules: %w", err)
	}
	return nil
}

// AllowedHostList splits AllowedHosts; the host of --websub-callback is
// allowed too (hubs send it).
func (c *Config) AllowedHostList() []string {
	var out []string
	for _, h := range strings.Split(c.AllowedHosts, ",") {
		if h = strings.TrimSpace(h); h != "" {
			out = append(out, h)
		}
	}
	if u, err := url.Parse(c.WebSubCallback); err == nil && u.Host != "" {
		out = append(out, u.Host)
	}
	return out
}

// ESURLs splits ESURL.
func (c *Config) ESURLs() []string {
	var out []string
	for _, u := range strings.Split(c.ESURL, ",") {
		if u = strings.TrimSpace(u); u != "" {
			out = append(out, u)
		}
	}
	return out
}

// Elastic is the Elasticsearch backend's configuration from these settings.
func (c *Config) Elastic(r query.Resolver) elastic.Config {
	return elastic.Config{
		URLs: c.ESURLs(), APIKey: c.ESAPIKey, Username: c.ESUser, Password: c.ESPass,
		CACertFile: c.ESCACert, Index: c.ESIndex, Resolver: r,
	}
}

// NATS is how a client reaches the NATS this configuration names: an
// external --nats-url with the --nats-* credentials and TLS given, or the
// embedded server of a `parley run` on the same --data at --nats-listen,
// signed in with the key that parley generated there (NATSUserSeedFile)
// unless other credentials are given. Every role and command connects with
// it (bus.Dial).
func (c *Config) NATS() (bus.Config, error) {
	b := c.bus()
	if c.NATSURL != "" {
		return b, nil
	}
	if c.NATSListen == "" {
		return b, errors.New("no NATS to connect to: give --nats-url, or the --nats-listen address of the parley run to reach")
	}
	b.URL = "nats://" + c.NATSListen
	if b.CredsFile == "" && b.NKeyFile == "" && b.User == "" && b.Token == "" {
		seed := c.NATSUserSeedFile()
		if _, err := os.Stat(seed); err != nil {
			return b, fmt.Errorf("no NATS credentials at %s (%w): point --data at the directory parley run uses, or give --nats-url with --nats-* credentials", seed, err)
		}
		b.NKeyFile = seed
	}
	return b, nil
}

// bus is the bus configuration of the flags as given.
func (c *Config) bus() bus.Config {
	return bus.Config{
		URL: c.NATSURL, CredsFile: c.NATSCreds, NKeyFile: c.NATSNKey,
		User: c.NATSUser, Password: c.NATSPass, Token: c.NATSToken,
		CAFile: c.NATSCA, CertFile: c.NATSCert, KeyFile: c.NATSKey,
		RawMaxAge: c.RawRetention, ArticlesMaxAge: c.ArticlesRetention,
	}
}

// NATSUserSeedFile is where the embedded NATS keeps the nkey seed every
// client signs in with (`nats --nkey FILE`), created at first start.
func (c *Config) NATSUserSeedFile() string { return filepath.Join(c.Data, "auth", "nats-user.nk") }

func (c *Config) natsDir() string  { return filepath.Join(c.Data, "nats") }
func (c *Config) indexDir() string { return filepath.Join(c.Data, "index") }
