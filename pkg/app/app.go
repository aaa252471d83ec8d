package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/parley-news/parley/pkg/alert"
	"github.com/parley-news/parley/pkg/api"
	"github.com/parley-news/parley/pkg/article"
	"github.com/parley-news/parley/pkg/bus"
	"github.com/parley-news/parley/pkg/enrich"
	"github.com/parley-news/parley/pkg/feed"
	"github.com/parley-news/parley/pkg/feedstore"
	"github.com/parley-news/parley/pkg/fetch"
	"github.com/parley-news/parley/pkg/fetcher"
	"github.com/parley-news/parley/pkg/index"
	"github.com/parley-news/parley/pkg/index/elastic"
	"github.com/parley-news/parley/pkg/index/embedded"
	"github.com/parley-news/parley/pkg/indexer"
	"github.com/parley-news/parley/pkg/redact"
	"github.com/parley-news/parley/pkg/versions"
)

// Role is one part parley can run.
type Role string

// The roles.
const (
	RoleFetcher Role = "fetcher"
	RoleParser  Role = "parser"
	RoleIndexer Role = "indexer"
	RoleAlerter Role = "alerter"
	RoleAPI     Role = "api"
)

// AllRoles is what `parley run` runs.
var AllRoles = []Role{RoleFetcher, RoleParser, RoleIndexer, RoleAlerter, RoleAPI}

// Backend is a search index: the indexer writes it, the API reads it.
type Backend interface {
	indexer.Backend
	api.Searcher
	Count(ctx context.Context) (int, error)
	Close() error
}

// App is a running set of roles.
type App struct {
	cfg   Config
	roles map[Role]bool
	log   *slog.Logger
	reg   *prometheus.Registry

	embedded *bus.Embedded
	bus      *bus.Bus
	backend  Backend
	gaz      *enrich.Gazetteer
	server   *api.Server
	rules    *alert.Rules // in the alerter and API roles
	fetcher  *fetcher.Fetcher
	httpAddr string

	health     dataHealth
	rebuild    bool        // the index is rebuilt from the kept articles before the indexer starts
	rebuilding atomic.Bool // until that rebuild is done

	mu      sync.Mutex
	running map[string]error // stage -> nil while running, its error once stopped
	ready   chan struct{}    // closed once every stage is started; tests wait on it
}

// New prepares an App for roles; Run starts it.
func New(cfg Config, roles []Role, log *slog.Logger) (*App, error) {
	cfg.Defaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	a := &App{cfg: cfg, roles: map[Role]bool{}, log: log, reg: prometheus.NewRegistry(), running: map[string]error{}, ready: make(chan struct{})}
	for _, r := range roles {
		a.roles[r] = true
	}
	// Refuse at once, before anything starts, to serve state-changing
	// endpoints beyond this machine without a token.
	hc := a.apiConfig()
	if err := hc.Validate(); err != nil {
		return nil, err
	}
	a.reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return a, nil
}

// Ready is closed once every stage has started.
func (a *App) Ready() <-chan struct{} { return a.ready }

// HTTPAddr is the address the HTTP server listens on (after Ready).
func (a *App) HTTPAddr() string { return a.httpAddr }

// Bus is the app's message bus (after Ready).
func (a *App) Bus() *bus.Bus { return a.bus }

// Backend is the app's search index (after Ready), nil in roles without one.
func (a *App) Backend() Backend { return a.backend }

// NATSURL is where clients reach the NATS the app uses.
func (a *App) NATSURL() string {
	if a.embedded != nil {
		return a.embedded.ClientURL()
	}
	return a.cfg.NATSURL
}

// Run starts the roles and blocks until ctx ends or a stage fails, then
// shuts everything down in order: stages drain, the index flushes and
// closes, the bus drains, the embedded server stops.
func (a *App) Run(ctx context.Context) (err error) {
	defer a.close()
	if err := a.start(ctx); err != nil {
		return err
	}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var wg sync.WaitGroup
	stage := func(name string, run stageFunc) {
		a.mu.Lock()
		a.running[name] = nil
		a.mu.Unlock()
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := run(ctx)
			if err == nil && ctx.Err() == nil {
				err = errors.New("stopped unexpectedly")
			}
			a.mu.Lock()
			if err == nil {
				err = errors.New("stopped")
			}
			a.running[name] = err
			a.mu.Unlock()
			if ctx.Err() == nil {
				a.log.Error("stage failed; stopping the others", "stage", name, "err", err)
				cancel(fmt.Errorf("%s: %w", name, err))
			}
		}()
	}
	if err := a.startStages(ctx, stage); err != nil {
		cancel(err)
		wg.Wait()
		return err
	}
	if a.bus != nil {
		stage("nats", a.watchConn)
	}
	close(a.ready)
	a.log.Info("parley is running", "roles", a.roleList(), "http", a.cfg.HTTP, "nats", redact.List(a.NATSURL()), "index", a.indexName())
	<-ctx.Done()
	a.log.Info("shutting down", "timeout", a.cfg.ShutdownTimeout)
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(a.cfg.ShutdownTimeout + 5*time.Second):
		a.log.Error("stages did not stop within the shutdown timeout")
	}
	if cause := context.Cause(ctx); cause != nil && !errors.Is(cause, context.Canceled) {
		return cause
	}
	return nil
}

func (a *App) roleList() []Role {
	var out []Role
	for _, r := range AllRoles {
		if a.roles[r] {
			out = append(out, r)
		}
	}
	return out
}

func (a *App) indexName() string {
	switch {
	case a.backend == nil:
		return ""
	case a.cfg.ESURL != "":
		return "elasticsearch " + a.cfg.ESIndex
	default:
		return "embedded " + a.cfg.indexDir()
	}
}

// start connects to NATS (or starts the embedded server) and opens the index.
func (a *App) start(ctx context.Context) error {
	bcfg := a.cfg.bus()
	needsBus := a.roles[RoleFetcher] || a.roles[RoleParser] || a.roles[RoleIndexer] || a.roles[RoleAlerter] || a.roles[RoleAPI]
	if needsBus {
		if a.cfg.NATSURL == "" {
			if err := os.MkdirAll(a.cfg.natsDir(), 0o750); err != nil {
				return fmt.Errorf("data directory: %w", err)
			}
			emb, err := bus.StartEmbedded(bus.EmbeddedConfig{StoreDir: a.cfg.natsDir(), Listen: a.cfg.NATSListen, UserSeedFile: a.cfg.NATSUserSeedFile()}, a.log)
			if err != nil {
				return err
			}
			a.embedded = emb
			nc, err := emb.Connect()
			if err != nil {
				return err
			}
			b, err := bus.New(ctx, nc, bcfg, a.log)
			if err != nil {
				nc.Close()
				return err
			}
			a.bus = b
		} else {
			b, err := bus.Connect(ctx, bcfg, a.log)
			if err != nil {
				return err
			}
			a.bus = b
		}
	}
	gaz, err := enrich.NewGazetteer()
	if err != nil {
		return fmt.Errorf("gazetteer: %w", err)
	}
	a.gaz = gaz
	if a.roles[RoleIndexer] || a.roles[RoleAPI] {
		var onWait func(error)
		if a.cfg.ESURL != "" {
			// Waiting for Elasticsearch can take minutes: /healthz says why.
			stop, wait, err := a.serveStarting(ctx)
			if err != nil {
				return err
			}
			defer stop()
			onWait = wait
		}
		if err := a.openBackend(ctx, onWait); err != nil {
			return err
		}
	}
	if a.bus != nil {
		rebuild, err := a.checkData(ctx)
		if err != nil {
			return err
		}
		a.rebuild = rebuild
	}
	return nil
}

// serveStarting serves /healthz and /metrics on the HTTP address while
// the index is being opened: 503 with the reason parley is still waiting.
// stop shuts it down before the real server takes the address over; wait
// records the latest reason.
func (a *App) serveStarting(ctx context.Context) (stop func(), wait func(error), err error) {
	reg := prometheus.NewRegistry()
	cfg := a.apiConfig()
	cfg.ShutdownTimeout, cfg.ReadOnly = time.Second, true
	srv, err := api.New(cfg, nil, nil, reg, reg, a.log)
	if err != nil {
		return nil, nil, err
	}
	var mu sync.Mutex
	reason := errors.New("connecting")
	srv.AddCheck(api.Check{Name: "index", Func: func(context.Context) error {
		mu.Lock()
		defer mu.Unlock()
		return fmt.Errorf("waiting for elasticsearch: %w", reason)
	}})
	srv.AddCheck(api.Check{Name: "stages", Func: func(context.Context) error { return errors.New("starting") }})
	ln, err := srv.Listen()
	if err != nil {
		return nil, nil, err
	}
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = srv.Run(ctx, ln)
	}()
	wait = func(err error) {
		mu.Lock()
		reason = err
		mu.Unlock()
	}
	return func() { cancel(); <-done }, wait, nil
}

func (a *App) openBackend(ctx context.Context, onWait func(error)) error {
	if len(a.cfg.ESURLs()) > 0 {
		cfg := a.cfg.Elastic(a.gaz)
		cfg.OnWait = onWait
		// An unreachable cluster is waited for with backoff (logged with the
		// reason) rather than failing at once: in a deployment the stages
		// often start before Elasticsearch.
		cfg.WaitReady = 5 * time.Minute
		ix, err := elastic.Open(ctx, cfg, a.log)
		if err != nil {
			return fmt.Errorf("elasticsearch: %w", err)
		}
		a.backend = ix
		a.reg.MustRegister(newESCollector(ix))
		return nil
	}
	ix, err := embedded.Open(embedded.Config{Path: a.cfg.indexDir(), Resolver: a.gaz}, a.log)
	if errors.Is(err, embedded.ErrDamaged) || errors.Is(err, embedded.ErrOutdated) {
		// Kept aside for whoever wants to look (or to go back to the
		// older parley); a fresh index is filled from the kept articles
		// (checkData).
		kind, what := "damaged", "could not be read"
		if errors.Is(err, embedded.ErrOutdated) {
			kind, what = "outdated", "was made by another version of parley"
		}
		aside := fmt.Sprintf("%s.%s-%s", a.cfg.indexDir(), kind, time.Now().UTC().Format("20060102T150405"))
		if rerr := os.Rename(a.cfg.indexDir(), aside); rerr != nil {
			return fmt.Errorf("embedded index %s: %w (and moving it aside failed: %v)", a.cfg.indexDir(), err, rerr)
		}
		a.health.damaged(fmt.Sprintf("the index %s (%v): it was moved to %s and a new one is filled from the articles kept in %s", what, err, aside, bus.StreamArticles))
		a.log.Error("the index "+what+": moved aside, a new one is filled from the kept articles", "index", a.cfg.indexDir(), "moved_to", aside, "err", err)
		ix, err = embedded.Open(embedded.Config{Path: a.cfg.indexDir(), Resolver: a.gaz}, a.log)
	}
	if err != nil {
		return fmt.Errorf("embedded index %s: %w", a.cfg.indexDir(), err)
	}
	a.backend = ix
	return nil
}

// watchConn returns when the NATS connection is closed for good (nats.go
// closes instead of reconnecting after some server errors), so that Run
// ends and Supervise starts parley again with a new connection; while the
// connection only reconnects, stages wait for it.
func (a *App) watchConn(ctx context.Context) error {
	nc := a.bus.Conn()
	closed := make(chan struct{})
	var once sync.Once
	nc.SetClosedHandler(func(*nats.Conn) { once.Do(func() { close(closed) }) })
	if nc.IsClosed() {
		once.Do(func() { close(closed) })
	}
	select {
	case <-ctx.Done():
		return nil
	case <-closed:
		if err := nc.LastError(); err != nil {
			return fmt.Errorf("connection closed: %w", err)
		}
		return errors.New("connection closed")
	}
}

// stageFunc is a stage's Run: it returns when ctx ends or it fails.
type stageFunc = func(context.Context) error

func (a *App) startStages(ctx context.Context, stage func(string, stageFunc)) error {
	if a.roles[RoleFetcher] {
		if a.cfg.Feeds != "" {
			if err := a.seedFeeds(ctx); err != nil {
				return err
			}
		}
		f, err := fetcher.New(fetcher.Config{
			PollInterval: a.cfg.PollInterval, MinPollInterval: a.cfg.MinPollInterval, MaxPollInterval: a.cfg.MaxPollInterval,
			WebSubCallback: a.cfg.WebSubCallback,
			Fetch: fetch.Config{
				AllowPrivate: a.cfg.AllowPrivate, Timeout: a.cfg.FetchTimeout, UserAgent: a.cfg.UserAgent,
				HostConcurrency: a.cfg.HostConcurrency, HostDelay: a.cfg.HostDelay,
			},
		}, a.bus, a.reg, a.log)
		if err != nil {
			return err
		}
		a.fetcher = f
		stage("fetcher", f.Run)
	}
	if a.roles[RoleParser] {
		p, err := NewParser(a.cfg, a.bus, a.gaz, a.reg, a.log)
		if err != nil {
			return err
		}
		stage("parser", p.Run)
	}
	if a.roles[RoleIndexer] {
		ix, err := indexer.New(indexer.Config{BatchSize: a.cfg.IndexerBatch, ShutdownTimeout: a.cfg.ShutdownTimeout}, a.bus, a.backend, a.reg, a.log)
		if err != nil {
			return err
		}
		stage("indexer", func(ctx context.Context) error {
			if a.rebuild {
				a.rebuildIndex(ctx)
			}
			return ix.Run(ctx)
		})
	}
	if a.roles[RoleAlerter] || a.roles[RoleAPI] {
		if err := a.startRules(stage); err != nil {
			return err
		}
	}
	if a.roles[RoleAlerter] {
		if err := a.startAlerter(stage); err != nil {
			return err
		}
	}
	if a.bus != nil {
		a.reg.MustRegister(newLagCollector(a.bus, a.log))
		stage("streams", a.watchStreams)
	}
	// Every process serves /healthz and /metrics; the API role adds search
	// and the feed set (a stage alone has no index to search).
	{
		var feeds api.Feeds
		if a.bus != nil {
			feeds = feedstore.New(a.bus, a.log)
		}
		var search api.Searcher
		if a.roles[RoleAPI] {
			search = a.backend
		}
		srv, err := api.New(a.apiConfig(), search, feeds, a.reg, a.reg, a.log)
		if err != nil {
			return err
		}
		a.server = srv
		a.addChecks(srv)
		if a.roles[RoleAPI] {
			srv.ServeRules(a.rules)
			if a.bus != nil {
				srv.ServeAlerts(alert.NewHistory(a.bus.JetStream()))
			}
		}
		if a.bus != nil {
			srv.ServeVersions(versions.New(a.bus))
		}
		if a.fetcher != nil && a.cfg.WebSubCallback != "" {
			// Hubs verify subscriptions and push content here; the
			// requests prove themselves (challenge, HMAC signature).
			srv.HandleSigned("GET /websub/{feed}", "websub_verify", a.fetcher.WebSubHandler(), 0)
			srv.HandleSigned("POST /websub/{feed}", "websub_push", a.fetcher.WebSubHandler(), fetch.DefaultMaxFeedBytes)
		}
		ln, err := srv.Listen()
		if err != nil {
			return err
		}
		a.httpAddr = ln.Addr().String()
		stage("http", func(ctx context.Context) error { return srv.Run(ctx, ln) })
	}
	return nil
}

// apiConfig is the HTTP server's configuration. Only the API role changes
// state through HTTP (the feed set, the rules); a stage alone serves
// health, metrics and reads.
func (a *App) apiConfig() api.Config {
	return api.Config{
		Addr: a.cfg.HTTP, Token: a.cfg.APIToken, ShutdownTimeout: a.cfg.ShutdownTimeout,
		AllowedHosts: a.cfg.AllowedHostList(),
		ReadOnly:     !a.roles[RoleAPI],
	}
}

func (a *App) addChecks(srv *api.Server) {
	if a.bus != nil {
		srv.AddCheck(api.Check{Name: "nats", Func: a.bus.Ping})
		a.addDataChecks(srv)
	}
	if a.backend != nil {
		srv.AddCheck(api.Check{Name: "index", Func: func(ctx context.Context) error {
			_, err := a.backend.Count(ctx)
			return err
		}})
	}
	srv.AddCheck(api.Check{Name: "stages", Func: func(context.Context) error {
		a.mu.Lock()
		defer a.mu.Unlock()
		select {
		case <-a.ready:
		default:
			return errors.New("starting")
		}
		for name, err := range a.running {
			if err != nil {
				return fmt.Errorf("%s: %w", name, err)
			}
		}
		return nil
	}})
}

// seedFeeds adds the --feeds list to the feed set.
func (a *App) seedFeeds(ctx context.Context) error {
	srcs, err := feed.ReadList(a.cfg.Feeds)
	if err != nil {
		return fmt.Errorf("--feeds %s: %w", a.cfg.Feeds, err)
	}
	entries := make([]feedstore.FeedEntry, 0, len(srcs))
	for _, s := range srcs {
		entries = append(entries, feedstore.FeedEntry{URL: s.URL, Title: s.Title})
	}
	added, err := feedstore.New(a.bus, a.log).SeedFeeds(ctx, entries)
	if err != nil {
		return err
	}
	a.log.Info("feed list read", "file", a.cfg.Feeds, "feeds", len(entries), "new", added)
	return nil
}

func (a *App) close() {
	if a.backend != nil {
		if err := a.backend.Close(); err != nil {
			a.log.Error("close index", "err", err)
		}
	}
	if a.bus != nil {
		if err := a.bus.Close(); err != nil {
			a.log.Error("close nats", "err", err)
		}
		a.bus.Conn().Close()
	}
	if a.embedded != nil {
		a.embedded.Shutdown()
	}
}

// Article is one article from the backend (for parley search and tests).
func (a *App) Article(ctx context.Context, id string) (*article.Article, error) {
	if a.backend == nil {
		return nil, errors.New("no index in this role")
	}
	return a.backend.Article(ctx, id)
}

// Search runs a search on the backend.
func (a *App) Search(ctx context.Context, req index.Request) (*index.Result, error) {
	if a.backend == nil {
		return nil, errors.New("no index in this role")
	}
	return a.backend.Search(ctx, req)
}

// OpenFeedSet opens the feed set kept under cfg.Data by a parley that is
// not running, for `parley feeds --data`: it runs a nats-server over the
// store with no listener. It fails with bus.ErrStoreInUse while a parley
// runs on the same data. close stops the server.
func OpenFeedSet(ctx context.Context, cfg Config, log *slog.Logger) (feeds *feedstore.Store, close func(), err error) {
	cfg.Defaults()
	if _, err := os.Stat(cfg.natsDir()); err != nil {
		return nil, nil, fmt.Errorf("no parley state under %s: %w", cfg.Data, err)
	}
	emb, err := bus.StartEmbedded(bus.EmbeddedConfig{StoreDir: cfg.natsDir()}, log)
	if err != nil {
		return nil, nil, err
	}
	nc, err := emb.Connect()
	if err != nil {
		emb.Shutdown()
		return nil, nil, err
	}
	b, err := bus.AttachFeeds(ctx, nc, log)
	if err != nil {
		nc.Close()
		emb.Shutdown()
		return nil, nil, fmt.Errorf("%s: %w", cfg.Data, err)
	}
	return feedstore.New(b, log), func() {
		nc.Close()
		emb.Shutdown()
	}, nil
}
