// Package api is parley's HTTP server: health, Prometheus metrics, search
// with its histograms, export and events, articles and their versions, the
// feed set, the alert rules and the alerts they fired, and the search page
// for people.
package api

import (
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"golang.org/x/text/language"
	"golang.org/x/text/message"

	"github.com/parley-news/parley/pkg/alert"
	"github.com/parley-news/parley/pkg/article"
	"github.com/parley-news/parley/pkg/feedstore"
	"github.com/parley-news/parley/pkg/index"
	"github.com/parley-news/parley/pkg/query"
	"github.com/parley-news/parley/pkg/redact"
)

//go:embed static
var static embed.FS

// Searcher is the index the API reads.
type Searcher interface {
	Search(ctx context.Context, req index.Request) (*index.Result, error)
	Article(ctx context.Context, id string) (*article.Article, error)
	// Export calls fn with every article matching q, however many.
	Export(ctx context.Context, q query.Node, fn func(index.Record) error) error
}

// Feeds is the feed set and its state.
type Feeds interface {
	Feeds(ctx context.Context) ([]feedstore.FeedEntry, error)
	FeedState(ctx context.Context, url string) (feedstore.FeedState, error)
	HostState(ctx context.Context, host string) (feedstore.HostState, bool, error)
	WebSubOf(ctx context.Context, feedURL string) (feedstore.WebSub, bool, error)
	AddFeed(ctx context.Context, f feedstore.FeedEntry) (bool, error)
	RemoveFeed(ctx context.Context, url string) error
	RetryFeed(ctx context.Context, url string) error
}

// Versions is the history of articles whose page changed under one URL.
type Versions interface {
	Versions(ctx context.Context, id string) ([]*article.Article, error)
}

// ServeVersions adds GET /api/articles/{id}/versions: every stored version
// of an article, oldest first.
func (s *Server) ServeVersions(v Versions) {
	s.route("GET /api/articles/{id}/versions", "article_versions", func(w http.ResponseWriter, r *http.Request) {
		id, ok := articleID(w, r)
		if !ok {
			return
		}
		vs, err := v.Versions(r.Context(), id)
		if err != nil {
			writeError(w, http.StatusBadGateway, err.Error())
			return
		}
		if len(vs) == 0 {
			writeError(w, http.StatusNotFound, fmt.Sprintf("no versions of article %q", id))
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"id": id, "versions": vs})
	})
}

// Rules is the rule store the alerter matches with (alert.Rules).
type Rules interface {
	List() []alert.RuleInfo
	Put(ctx context.Context, rc alert.RuleConfig) (alert.StoredRule, bool, error)
	Remove(ctx context.Context, name string) error
}

// ServeRules adds GET, POST and DELETE /api/rules over the rule store:
// the saved searches the alerter matches, wherever it runs (changes go
// through the rules bucket to every process).
func (s *Server) ServeRules(rs Rules) {
	s.route("GET /api/rules", "rules", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, map[string]any{"rules": rs.List()})
	})
	s.route("POST /api/rules", "rules_add", (func(w http.ResponseWriter, r *http.Request) {
		var rc alert.RuleConfig
		dec := json.NewDecoder(r.Body) // capped by route (MaxBodyBytes)
		dec.DisallowUnknownFields()
		if err := dec.Decode(&rc); err != nil {
			code, msg := BodyError(err, `{"name": "...", "query": "...", "webhook": "https://..." (optional)}`)
			writeError(w, code, msg)
			return
		}
		sr, created, err := rs.Put(r.Context(), rc)
		if err != nil {
			writeError(w, rulesErrorCode(err), err.Error())
			return
		}
		code := http.StatusOK
		if created {
			code = http.StatusCreated
		}
		s.log.Info("rule stored", "rule", sr.Name, "version", sr.Version)
		out := map[string]any{"name": sr.Name, "query": sr.Query, "version": sr.Version, "created": created, "subject": alert.Subject(sr.Name)}
		// The rule is stored as typed and means what it parses to; the
		// hints say what that is (language:russian is language:ru).
		if _, hints, err := query.ParseHints(sr.Query); err == nil && len(hints) > 0 {
			out["hint"] = strings.Join(hints, "; ")
		}
		writeJSON(w, code, out)
	}))
	s.route("DELETE /api/rules", "rules_remove", (func(w http.ResponseWriter, r *http.Request) {
		name := strings.TrimSpace(r.URL.Query().Get("name"))
		if name == "" {
			writeError(w, http.StatusBadRequest, "name: missing (DELETE /api/rules?name=...)")
			return
		}
		if err := rs.Remove(r.Context(), name); err != nil {
			writeError(w, rulesErrorCode(err), err.Error())
			return
		}
		s.log.Info("rule removed", "rule", name)
		w.WriteHeader(http.StatusNoContent)
	}))
}

// Alerts is the history of what rules alerted (alert.History).
type Alerts interface {
	Recent(ctx context.Context, rule string, n int) ([]alert.Received, error)
}

// ServeAlerts adds GET /api/alerts?rule=NAME[&limit=N]: the latest alerts
// of a rule (50 by default, at most alert.MaxRecent), newest first, from
// the alerts stream.
func (s *Server) ServeAlerts(al Alerts) {
	s.route("GET /api/alerts", "alerts", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		name := strings.TrimSpace(q.Get("rule"))
		if name == "" {
			writeError(w, http.StatusBadRequest, "rule: missing (GET /api/alerts?rule=NAME)")
			return
		}
		limit, err := intParam(q.Get("limit"), 50, 1, alert.MaxRecent)
		if err != nil {
			writeError(w, http.StatusBadRequest, "limit: "+err.Error())
			return
		}
		recent, err := al.Recent(r.Context(), name, limit)
		if err != nil {
			writeError(w, rulesErrorCode(err), err.Error())
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"rule": name, "alerts": recent})
	})
}

// rulesErrorCode is the status of an error of the rule store: the
// client's mistake, a conflict with the config file, or the store's own
// failure (NATS).
func rulesErrorCode(err error) int {
	switch {
	case errors.Is(err, alert.ErrBadRule):
		return http.StatusBadRequest
	case errors.Is(err, alert.ErrUnknownRule):
		return http.StatusNotFound
	case errors.Is(err, alert.ErrConfigRule):
		return http.StatusConflict
	case errors.Is(err, alert.ErrRuleLimit):
		return http.StatusUnprocessableEntity
	default:
		return http.StatusBadGateway
	}
}

// Check is one named health check; nil error means healthy. An error
// made with Degraded means parley serves but with a problem (data lost or
// being rebuilt): /healthz still answers 200, with status "degraded";
// any other error makes it answer 503.
type Check struct {
	Name string
	Func func(ctx context.Context) error
}

// Degraded marks err as a problem that does not stop parley from serving.
func Degraded(err error) error {
	if err == nil {
		return nil
	}
	return degradedError{err}
}

type degradedError struct{ error }

func (e degradedError) Unwrap() error { return e.error }

// Config of the HTTP server.
type Config struct {
	// Addr is the listen address; loopback by default.
	Addr string
	// Token, when set, is required as "Authorization: Bearer <token>" on
	// the endpoints that change state.
	Token string
	// ShutdownTimeout bounds graceful shutdown.
	ShutdownTimeout time.Duration
	// AllowedHosts are further names (or name:port) the server answers
	// under, e.g. the name a reverse proxy serves it as; see hostPolicy.
	AllowedHosts []string
	// ReadOnly servers (a stage alone: health, metrics, reads) mount no
	// endpoint that changes state, so they may listen beyond loopback
	// without a token.
	ReadOnly bool
	// MaxSearches is how many searches, and how many exports, run at once
	// (default: the number of CPUs, at least 2); more wait up to
	// SearchWait, then get 503. With the query limits it bounds the memory
	// they take, however many clients send them (README, Security).
	MaxSearches int
	SearchWait  time.Duration
	// MaxFeeds is the most feeds POST /api/feeds lets the set hold
	// (default 10,000); past it, 422.
	MaxFeeds int
}

// Defaults fills zero settings.
func (c *Config) Defaults() {
	if c.Addr == "" {
		c.Addr = "127.0.0.1:8080"
	}
	if c.ShutdownTimeout == 0 {
		c.ShutdownTimeout = 10 * time.Second
	}
	if c.MaxSearches == 0 {
		c.MaxSearches = max(2, runtime.GOMAXPROCS(0))
	}
	if c.SearchWait == 0 {
		c.SearchWait = 10 * time.Second
	}
	if c.MaxFeeds == 0 {
		c.MaxFeeds = 10_000
	}
}

// Validate names the first bad setting.
func (c *Config) Validate() error {
	if c.MaxSearches < 0 || c.SearchWait < 0 || c.MaxFeeds < 0 {
		return fmt.Errorf("max searches %d, search wait %s, max feeds %d: must not be negative", c.MaxSearches, c.SearchWait, c.MaxFeeds)
	}
	if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		return fmt.Errorf("http address %q: %w (want host:port, e.g. 127.0.0.1:8080)", c.Addr, err)
	}
	for _, h := range c.AllowedHosts {
		if strings.ContainsAny(h, "/@ ") {
			return fmt.Errorf("allowed host %q: want a host name or name:port, e.g. parley.example.org", h)
		}
	}
	return checkExposure(*c)
}

// Server serves the API.
type Server struct {
	cfg      Config
	search   Searcher
	feeds    Feeds // may be nil (no feed management)
	gatherer prometheus.Gatherer
	log      *slog.Logger
	mux      *http.ServeMux
	hosts    hostPolicy

	mu     sync.Mutex
	checks []Check

	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
	// searching and exporting hold a token per search or export running
	// (Config.MaxSearches each).
	searching, exporting chan struct{}
}

// New builds the server. feeds may be nil in deployments without a feed set.
func New(cfg Config, s Searcher, f Feeds, reg prometheus.Registerer, gatherer prometheus.Gatherer, log *slog.Logger) (*Server, error) {
	cfg.Defaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	srv := &Server{
		cfg: cfg, search: s, feeds: f, gatherer: gatherer, log: log.With("component", "api"),
		mux: http.NewServeMux(), hosts: newHostPolicy(cfg), searching: make(chan struct{}, cfg.MaxSearches), exporting: make(chan struct{}, cfg.MaxSearches),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "parley_http_requests_total", Help: "HTTP requests by route and status code.",
		}, []string{"route", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "parley_http_request_seconds", Help: "HTTP request latency by route.",
			Buckets: prometheus.ExponentialBuckets(0.001, 2, 14),
		}, []string{"route"}),
	}
	if reg != nil {
		for _, c := range []prometheus.Collector{srv.requests, srv.duration} {
			if err := reg.Register(c); err != nil {
				return nil, fmt.Errorf("register api metrics: %w", err)
			}
		}
	}
	srv.route("GET /healthz", "healthz", srv.healthz)
	srv.mux.Handle("GET /metrics", promhttp.HandlerFor(gatherer, promhttp.HandlerOpts{}))
	srv.route("GET /api/search", "search", srv.searchHandler)
	srv.route("GET /api/export", "export", srv.exportHandler)
	srv.route("GET /api/events", "events", srv.eventsHandler)
	srv.route("GET /api/articles/{id}", "article", srv.articleHandler)
	srv.route("GET /api/feeds", "feeds", srv.listFeeds)
	srv.route("POST /api/feeds", "feeds_add", srv.addFeed)
	srv.route("DELETE /api/feeds", "feeds_remove", srv.removeFeed)
	srv.route("POST /api/feeds/retry", "feeds_retry", srv.retryFeed)
	srv.mux.Handle("GET /", http.FileServerFS(mustSub(static, "static")))
	return srv, nil
}

// AddCheck adds a health check shown by /healthz.
func (s *Server) AddCheck(c Check) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.checks = append(s.checks, c)
}

// Handler is the whole API, for tests and for embedding.
func (s *Server) Handler() http.Handler { return s.guard(s.mux) }

// Run serves until ctx ends, then shuts down gracefully.
func (s *Server) Run(ctx context.Context, ln net.Listener) error {
	hs := &http.Server{
		Handler:           s.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       2 * time.Minute,
		BaseContext:       func(net.Listener) context.Context { return ctx },
	}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	s.log.Info("http server listening", "addr", ln.Addr().String())
	select {
	case err := <-errc:
		return fmt.Errorf("http server: %w", err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.cfg.ShutdownTimeout)
	defer cancel()
	if err := hs.Shutdown(sctx); err != nil {
		return fmt.Errorf("http shutdown: %w", err)
	}
	<-errc
	return nil
}

// Listen opens the configured address.
func (s *Server) Listen() (net.Listener, error) {
	ln, err := net.Listen("tcp", s.cfg.Addr)
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w (set --http to another address)", s.cfg.Addr, err)
	}
	return ln, nil
}

type statusWriter struct {
	http.ResponseWriter
	code int
}

func (w *statusWriter) WriteHeader(code int) {
	w.code = code
	w.ResponseWriter.WriteHeader(code)
}

// Unwrap lets http.ResponseController reach the connection (flushes and
// write deadlines of a streamed export).
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// MaxBodyBytes is the largest request body any endpoint reads (a feed or a
// rule is well under 1 KiB). A declared larger body is refused with 413
// before the handler runs; a larger chunked body fails its decoding with
// *http.MaxBytesError, which handlers answer with 413 too (BodyError).
const MaxBodyBytes = 64 << 10

// BodyError is the status and message for an error decoding a request body
// of the JSON form want: 413 naming the limit when the body was too large,
// else 400.
func BodyError(err error, want string) (int, string) {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return http.StatusRequestEntityTooLarge, fmt.Sprintf("body: over the %d-byte limit", mbe.Limit)
	}
	return http.StatusBadRequest, "body: want " + want + ": " + err.Error()
}

// route mounts h under pattern ("METHOD /path"). A method that changes
// state always passes the checks of mutating; a read-only server refuses
// such routes.
func (s *Server) route(pattern, name string, h http.HandlerFunc) {
	method, _, _ := strings.Cut(pattern, " ")
	if isMutating(method) {
		if s.cfg.ReadOnly {
			s.log.Debug("read-only server: route not mounted", "route", pattern)
			return
		}
		h = s.mutating(h)
	}
	s.mount(pattern, name, h, MaxBodyBytes)
}

// HandleSigned mounts a route whose requests authenticate themselves
// (WebSub: the hub's HMAC signature on pushed content, the challenge of a
// verification of intent), so it skips the token, same-origin and JSON
// checks of state-changing routes and is mounted on read-only servers too
// (a fetcher alone receives WebSub pushes); limit caps the body.
func (s *Server) HandleSigned(pattern, name string, h http.HandlerFunc, limit int64) {
	s.mount(pattern, name, h, limit)
}

func (s *Server) mount(pattern, name string, h http.HandlerFunc, limit int64) {
	s.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w, code: http.StatusOK}
		if r.ContentLength > limit {
			writeError(sw, http.StatusRequestEntityTooLarge, fmt.Sprintf("body: %d bytes, over the %d-byte limit", r.ContentLength, limit))
		} else {
			r.Body = http.MaxBytesReader(sw, r.Body, limit)
			h(sw, r)
		}
		s.requests.WithLabelValues(name, strconv.Itoa(sw.code)).Inc()
		s.duration.WithLabelValues(name).Observe(time.Since(start).Seconds())
	})
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	checks := append([]Check(nil), s.checks...)
	s.mu.Unlock()
	ctx, cancel := context.WithTimeout(r.Context(), 5*time.Second)
	defer cancel()
	res := map[string]string{}
	status, code := "ok", http.StatusOK
	for _, c := range checks {
		err := c.Func(ctx)
		var d degradedError
		switch {
		case err == nil:
			res[c.Name] = "ok"
		case errors.As(err, &d):
			res[c.Name] = "degraded: " + err.Error()
			if code == http.StatusOK {
				status = "degraded"
			}
		default:
			res[c.Name] = err.Error()
			status, code = "unavailable", http.StatusServiceUnavailable
		}
	}
	writeJSON(w, code, map[string]any{"status": status, "checks": res})
}

// hasIndex says whether this process has an index to use, or answers 501:
// a stage alone has none (to what it would have been used for, if given).
func (s *Server) hasIndex(w http.ResponseWriter, to string) bool {
	if s.search != nil {
		return true
	}
	msg := "this process runs a single stage and has no index; ask the api or run process"
	if to != "" {
		msg = "this process runs a single stage and has no index to " + to + "; ask the api or run process"
	}
	writeError(w, http.StatusNotImplemented, msg)
	return false
}

// parseQuery parses the q parameter of a search, an export or a list of
// events, or answers 400 saying why (a query over a limit names the limit).
func parseQuery(w http.ResponseWriter, q string) (query.Node, []string, bool) {
	node, hints, err := query.ParseHints(q)
	if err != nil {
		msg := "query: " + err.Error()
		if le := (*query.LimitError)(nil); errors.As(err, &le) {
			msg = err.Error() // it names the query and the limit
		}
		writeError(w, http.StatusBadRequest, msg)
		return nil, nil, false
	}
	return node, hints, true
}

func (s *Server) searchHandler(w http.ResponseWriter, r *http.Request) {
	if !s.hasIndex(w, "search") {
		return
	}
	q := r.URL.Query()
	node, hints, ok := parseQuery(w, q.Get("q"))
	if !ok {
		return
	}
	size, err := intParam(q.Get("size"), 10, 0, 100)
	if err != nil {
		writeError(w, http.StatusBadRequest, "size: "+err.Error())
		return
	}
	from, err := intParam(q.Get("from"), 0, 0, 10000)
	if err != nil {
		writeError(w, http.StatusBadRequest, "from: "+err.Error())
		return
	}
	facetSize, err := intParam(q.Get("facet_size"), index.DefaultFacetSize, 1, index.MaxFacetSize)
	if err != nil {
		writeError(w, http.StatusBadRequest, "facet_size: "+err.Error())
		return
	}
	sort, err := choiceParam(q.Get("sort"), index.SortRelevance, index.SortRelevance, index.SortDate)
	if err != nil {
		writeError(w, http.StatusBadRequest, "sort: "+err.Error())
		return
	}
	hist := q.Get("histogram")
	if hist != "" && !index.ValidInterval(hist) {
		writeError(w, http.StatusBadRequest, fmt.Sprintf("histogram: %q: want hour, day, week or month", hist))
		return
	}
	req := index.Request{
		Query: node, Size: size, From: from,
		Facets:          []string{index.FacetSource, index.FacetLanguage, index.FacetCountry, index.FacetPerson, index.FacetTopic, index.FacetSpeaker},
		CollapseStories: q.Get("collapse") == "story" || q.Get("collapse") == "true",
		FacetSize:       facetSize,
		Sort:            sort,
		Histogram:       hist,
	}
	if !s.admit(w, r, s.searching, "searches") {
		return
	}
	res, err := s.search.Search(r.Context(), req)
	<-s.searching
	if errors.Is(err, index.ErrTooManyBuckets) || errors.Is(err, index.ErrPrefixTooBroad) {
		writeError(w, http.StatusBadRequest, "search: "+err.Error())
		return
	}
	if err != nil {
		s.log.Error("search", "q", q.Get("q"), "err", err)
		writeError(w, http.StatusBadGateway, "search: "+err.Error())
		return
	}
	if res.Hits == nil {
		res.Hits = []index.Hit{}
	}
	res.Hint = strings.Join(hints, "; ")
	if res.Facets == nil {
		res.Facets = map[string][]index.FacetCount{}
	}
	if hist != "" && len(res.Histogram) == 0 {
		// Asked for, so present even when nothing matched.
		writeJSON(w, http.StatusOK, struct {
			*index.Result
			Histogram []index.Bucket `json:"histogram"`
		}{res, []index.Bucket{}})
		return
	}
	writeJSON(w, http.StatusOK, res)
}

// admit takes a slot of sem for r, waiting up to SearchWait. When none
// frees up it answers 503 with Retry-After itself and returns false; the
// caller that got a slot frees it with <-sem.
func (s *Server) admit(w http.ResponseWriter, r *http.Request, sem chan struct{}, what string) bool {
	wait := time.NewTimer(s.cfg.SearchWait)
	defer wait.Stop()
	select {
	case sem <- struct{}{}:
		return true
	case <-wait.C:
		w.Header().Set("Retry-After", "1")
		writeError(w, http.StatusServiceUnavailable, fmt.Sprintf("%d %s are running and this one waited %s: try again", cap(sem), what, s.cfg.SearchWait))
		return false
	case <-r.Context().Done():
		return false
	}
}

func (s *Server) articleHandler(w http.ResponseWriter, r *http.Request) {
	if !s.hasIndex(w, "") {
		return
	}
	id, ok := articleID(w, r)
	if !ok {
		return
	}
	a, err := s.search.Article(r.Context(), id)
	if errors.Is(err, index.ErrNotFound) {
		writeError(w, http.StatusNotFound, fmt.Sprintf("no article with id %q", id))
		return
	}
	if err != nil {
		writeError(w, http.StatusBadGateway, "article: "+err.Error())
		return
	}
	writeJSON(w, http.StatusOK, a)
}

// articleID is the {id} of the request's path when it has the form of an
// article id, checked before any lookup: an id reaches the index, a KV key
// and a NATS subject, where '*', '>' or 4,096 bytes would read other
// articles or cost every stage its connection. Otherwise it answers 400.
func articleID(w http.ResponseWriter, r *http.Request) (string, bool) {
	id := r.PathValue("id")
	if !article.ValidID(id) {
		writeError(w, http.StatusBadRequest, fmt.Sprintf("id %.40q: not an article id (32 hex digits)", id))
		return "", false
	}
	return id, true
}

func (s *Server) listFeeds(w http.ResponseWriter, r *http.Request) {
	if s.feeds == nil {
		writeError(w, http.StatusNotImplemented, "this server has no feed set (run parley api with --nats-url)")
		return
	}
	entries, err := s.feeds.Feeds(r.Context())
	if err != nil {
		writeError(w, http.StatusBadGateway, err.Error())
		return
	}
	out := make([]feedstore.FeedState, 0, len(entries))
	hosts := map[string]feedstore.HostState{}
	now := time.Now()
	for _, e := range entries {
		st, err := s.feeds.FeedState(r.Context(), e.URL)
		if err != nil {
			writeError(w, http.StatusBadGateway, err.Error())
			return
		}
		if st.Host != "" {
			hs, seen := hosts[st.Host]
			if !seen {
				if hs, _, err = s.feeds.HostState(r.Context(), st.Host); err != nil {
					writeError(w, http.StatusBadGateway, err.Error())
					return
				}
				hosts[st.Host] = hs
			}
			if hs.PausedUntil.After(now) {
				st.HostPausedUntil, st.HostPauseReason = &hs.PausedUntil, hs.Reason
			}
		}
		if st.Hub != "" {
			sub, ok, err := s.feeds.WebSubOf(r.Context(), e.URL)
			if err != nil {
				writeError(w, http.StatusBadGateway, err.Error())
				return
			}
			if ok { // the secret stays out
				st.WebSubState, st.WebSubError, st.WebSubLeaseUntil, st.WebSubLastPush = sub.State, sub.Error, sub.LeaseUntil, sub.LastPush
			}
		}
		// A feed URL's password is used for fetching, never shown.
		st.URL = redact.URL(e.URL)
		st.LastError = redact.In(st.LastError, e.URL)
		if st.Title == "" {
			st.Title = e.Title
		}
		out = append(out, st)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].URL < out[j].URL })
	writeJSON(w, http.StatusOK, map[string]any{"feeds": out})
}

func (s *Server) addFeed(w http.ResponseWriter, r *http.Request) {
	if s.feeds == nil {
		writeError(w, http.StatusNotImplemented, "this server has no feed set")
		return
	}
	var body struct {
		URL   string `json:"url"`
		Title string `json:"title"`
	}
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		code, msg := BodyError(err, `{"url": "https://..."}`)
		writeError(w, code, msg)
		return
	}
	u, err := article.CanonicalURL(body.URL)
	if err != nil || body.URL == "" {
		writeError(w, http.StatusBadRequest, fmt.Sprintf("url %q: want an absolute http or https URL", body.URL))
		return
	}
	_ = u // the feed is kept as given: feeds are fetched as written, not canonicalised
	// Every feed is a polling loop and state kept: their number is capped
	// like the rules' (README, Security).
	entries, err := s.feeds.Feeds(r.Context())
	if err != nil {
		writeError(w, http.StatusBadGateway, err.Error())
		return
	}
	if len(entries) >= s.cfg.MaxFeeds && !slices.ContainsFunc(entries, func(e feedstore.FeedEntry) bool { return e.URL == strings.TrimSpace(body.URL) }) {
		writeError(w, http.StatusUnprocessableEntity, message.NewPrinter(language.English).Sprintf("there are %d feeds; the limit is %d (remove one first)", len(entries), s.cfg.MaxFeeds))
		return
	}
	created, err := s.feeds.AddFeed(r.Context(), feedstore.FeedEntry{URL: strings.TrimSpace(body.URL), Title: body.Title})
	if err != nil {
		writeError(w, http.StatusBadGateway, err.Error())
		return
	}
	code := http.StatusCreated
	if !created {
		code = http.StatusOK
	}
	writeJSON(w, code, map[string]any{"url": strings.TrimSpace(body.URL), "created": created})
}

func (s *Server) removeFeed(w http.ResponseWriter, r *http.Request) {
	if s.feeds == nil {
		writeError(w, http.StatusNotImplemented, "this server has no feed set")
		return
	}
	u := r.URL.Query().Get("url")
	if u == "" {
		writeError(w, http.StatusBadRequest, "url: missing (DELETE /api/feeds?url=...)")
		return
	}
	if err := s.feeds.RemoveFeed(r.Context(), s.feedURL(r.Context(), u)); err != nil {
		if errors.Is(err, feedstore.ErrUnknownFeed) {
			writeError(w, http.StatusNotFound, err.Error())
			return
		}
		writeError(w, http.StatusBadGateway, err.Error())
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// feedURL is the feed u names: /api/feeds shows URLs with their password
// redacted, and that form names the feed too.
func (s *Server) feedURL(ctx context.Context, u string) string {
	if entries, err := s.feeds.Feeds(ctx); err == nil {
		for _, e := range entries {
			if e.URL != u && redact.URL(e.URL) == u {
				return e.URL
			}
		}
	}
	return u
}

// retryFeed asks the fetcher to poll a feed now: POST /api/feeds/retry
// {"url"}.
func (s *Server) retryFeed(w http.ResponseWriter, r *http.Request) {
	if s.feeds == nil {
		writeError(w, http.StatusNotImplemented, "this server has no feed set")
		return
	}
	var body struct {
		URL string `json:"url"`
	}
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil || body.URL == "" {
		if err == nil {
			err = errors.New("url missing")
		}
		code, msg := BodyError(err, `{"url": "https://..."}`)
		writeError(w, code, msg)
		return
	}
	if err := s.feeds.RetryFeed(r.Context(), s.feedURL(r.Context(), body.URL)); err != nil {
		if errors.Is(err, feedstore.ErrUnknownFeed) {
			writeError(w, http.StatusNotFound, err.Error())
			return
		}
		writeError(w, http.StatusBadGateway, err.Error())
		return
	}
	writeJSON(w, http.StatusAccepted, map[string]any{"url": body.URL, "retry": true})
}

func intParam(s string, def, lo, hi int) (int, error) {
	if s == "" {
		return def, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0, fmt.Errorf("%q is not a number", s)
	}
	if n < lo || n > hi {
		return 0, fmt.Errorf("%d is out of range %d..%d", n, lo, hi)
	}
	return n, nil
}

// choiceParam reads a parameter that takes one of a few words: def when it
// is absent, else one of allowed.
func choiceParam(s, def string, allowed ...string) (string, error) {
	if s == "" {
		return def, nil
	}
	if slices.Contains(allowed, s) {
		return s, nil
	}
	want := strings.Join(allowed[:len(allowed)-1], ", ") + " or " + allowed[len(allowed)-1]
	return "", fmt.Errorf("%q: want %s", s, want)
}

// writeJSON writes v as JSON with the status code.
func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(code)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}

// writeError writes {"error": msg}.
func writeError(w http.ResponseWriter, code int, msg string) {
	writeJSON(w, code, map[string]string{"error": msg})
}
