// Package elastic is parley's Elasticsearch search backend, for
// deployments that outgrow the embedded index. It installs a composable
// index template at start, reads and writes through an alias over a
// versioned index (so a new mapping can be filled and swapped in without
// downtime), indexes articles with its own bulk writer (size- and
// time-based flushing, several workers, retries of throttled requests and
// of throttled items inside a successful response, every rejected item
// reported with its reason), and translates the query language's AST into
// Elasticsearch queries: the user's string never reaches query_string.
package elastic

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/elastic/go-elasticsearch/v8"

	"github.com/parley-news/parley/pkg/article"
	"github.com/parley-news/parley/pkg/backoff"
	"github.com/parley-news/parley/pkg/index"
)

// Errors callers branch on.
var (
	// ErrUnreachable: no node answered.
	ErrUnreachable = errors.New("elasticsearch unreachable")
	// ErrUnauthorized: the cluster refused the credentials (401/403).
	ErrUnauthorized = errors.New("elasticsearch refused the credentials")
	// ErrMappingConflict: the index behind the alias has a mapping parley
	// cannot use.
	ErrMappingConflict = errors.New("elasticsearch mapping conflict")
	// ErrClosed: the index was closed.
	ErrClosed = errors.New("elasticsearch index closed")
)

// StatusError is a response Elasticsearch answered with an error status.
type StatusError struct {
	Op     string
	Status int
	Type   string // Elasticsearch's error type, e.g. mapper_parsing_exception
	Reason string
}

func (e *StatusError) Error() string {
	if e.Type != "" {
		return fmt.Sprintf("%s: status %d: %s: %s", e.Op, e.Status, e.Type, e.Reason)
	}
	return fmt.Sprintf("%s: status %d: %s", e.Op, e.Status, e.Reason)
}

// Index is the Elasticsearch backend. It is safe for concurrent use.
type Index struct {
	cfg    Config
	log    *slog.Logger
	es     *elasticsearch.Client // retries 429/502/503/504 itself
	bulkES *elasticsearch.Client // no transport retries: the bulk writer retries
	alias  string
	name   string // the concrete index behind the alias at Open, or the one Create made
	target string // what reads and writes name: the alias, or the index Create made

	// bulk writer
	mu       sync.RWMutex // guards closed and sends on in
	closed   bool
	in       chan *group
	batches  chan *batch
	workers  sync.WaitGroup
	batcher  sync.WaitGroup
	ctx      context.Context // background work; cancelled when Close gives up
	cancel   context.CancelFunc
	stats    counters
	closeErr error
}

// Stats counts the bulk writer's work since Open.
type Stats struct {
	Indexed        int64 // items Elasticsearch confirmed
	Superseded     int64 // items not written because the index holds a later fetch of the article
	Rejected       int64 // items rejected for good (their error is returned)
	Failed         int64 // items still throttled after every retry, or lost to a failed request
	BulkRequests   int64 // bulk requests sent, retries included
	RequestRetries int64 // whole bulk requests retried (429/502/503/504, connection errors)
	ItemRetries    int64 // items retried after a 429/502/503/504 inside a 200 response
	ThrottledItems int64 // item-level 429s seen
	ThrottledBulks int64 // request-level 429s seen
}

type counters struct {
	indexed, superseded, rejected, failed, bulks, reqRetries, itemRetries, throttledItems, throttledBulks atomic.Int64
}

// Stats returns the bulk writer's counters.
func (ix *Index) Stats() Stats {
	s := &ix.stats
	return Stats{
		Indexed: s.indexed.Load(), Superseded: s.superseded.Load(), Rejected: s.rejected.Load(), Failed: s.failed.Load(),
		BulkRequests: s.bulks.Load(), RequestRetries: s.reqRetries.Load(), ItemRetries: s.itemRetries.Load(),
		ThrottledItems: s.throttledItems.Load(), ThrottledBulks: s.throttledBulks.Load(),
	}
}

// Alias is the alias the index reads and writes through.
func (ix *Index) Alias() string { return ix.alias }

// IndexName is the concrete index behind the alias.
func (ix *Index) IndexName() string { return ix.name }

// Open connects to the cluster, installs the index template, and creates
// the versioned index behind the alias when there is none. It fails with
// ErrUnreachable, ErrUnauthorized or ErrMappingConflict (wrapped, with the
// details) when the cluster cannot be used.
func Open(ctx context.Context, cfg Config, logger *slog.Logger) (*Index, error) {
	cfg.Defaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	logger = logger.With("component", "elasticsearch", "alias", cfg.Index)
	ix, err := connect(ctx, cfg, logger)
	if err != nil {
		return nil, err
	}
	if err := ix.install(ctx); err != nil {
		return nil, err
	}
	ix.start()
	logger.Info("elasticsearch index ready", "index", ix.name, "mapping_version", MappingVersion,
		"workers", cfg.Workers, "flush_bytes", cfg.FlushBytes)
	return ix, nil
}

// connect makes the clients and waits for the cluster.
func connect(ctx context.Context, cfg Config, logger *slog.Logger) (*Index, error) {
	es, err := newClient(cfg, true)
	if err != nil {
		return nil, err
	}
	bulkES, err := newClient(cfg, false)
	if err != nil {
		return nil, err
	}
	ix := &Index{cfg: cfg, log: logger, es: es, bulkES: bulkES, alias: cfg.Index, target: cfg.Index}
	if err := ix.waitReady(ctx); err != nil {
		return nil, err
	}
	return ix, nil
}

// Create makes a new, empty index called name, outside the alias, with
// parley's settings and mapping, and returns an Index that reads and
// writes it: `parley replay index` fills it from the kept articles while
// the live pipeline goes on writing through the alias, then SwapAlias moves
// the alias to it in one atomic step. name must not exist yet.
func Create(ctx context.Context, cfg Config, name string, logger *slog.Logger) (*Index, error) {
	cfg.Defaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if err := validIndexName(name); err != nil {
		return nil, fmt.Errorf("new index: %w", err)
	}
	if name == cfg.Index {
		return nil, fmt.Errorf("new index %q: that is the alias's name; choose another, e.g. %s-v%d-%s", name, cfg.Index, MappingVersion, time.Now().UTC().Format("20060102"))
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	logger = logger.With("component", "elasticsearch", "alias", cfg.Index, "index", name)
	ix, err := connect(ctx, cfg, logger)
	if err != nil {
		return nil, err
	}
	// The template keeps the alias's future indices on parley's mapping.
	if err := ix.putTemplate(ctx); err != nil {
		return nil, err
	}
	body := map[string]any{"settings": settings(cfg.Shards), "mappings": mappings()}
	err = ix.call(ctx, ix.es, "create index", http.MethodPut, "/"+name, body, nil)
	var se *StatusError
	if errors.As(err, &se) && (se.Type == "resource_already_exists_exception" || se.Type == "invalid_index_name_exception") {
		return nil, fmt.Errorf("new index %s: %s: replay fills a new index; choose another name", name, se.Reason)
	}
	if err != nil {
		return nil, fmt.Errorf("new index %s: %w", name, err)
	}
	ix.name, ix.target = name, name
	ix.start()
	logger.Info("created index outside the alias", "mapping_version", MappingVersion)
	return ix, nil
}

// SwapAlias points the alias at the index Create made, and only at it, in
// one atomic request: searches see the old index up to that moment and the
// new one after it, and the next write through the alias lands in the new
// one. It returns the indices the alias named before, which are kept
// (delete them once the new index is trusted).
func (ix *Index) SwapAlias(ctx context.Context) ([]string, error) {
	if ix.target == ix.alias {
		return nil, errors.New("swap alias: this index was opened through the alias, not made by Create")
	}
	var aliases map[string]json.RawMessage
	err := ix.call(ctx, ix.es, "get alias", http.MethodGet, "/_alias/"+ix.alias, nil, &aliases)
	var se *StatusError
	if err != nil && !(errors.As(err, &se) && se.Status == http.StatusNotFound) {
		return nil, err
	}
	var old []string
	actions := []any{}
	for name := range aliases {
		if name == ix.alias {
			return nil, fmt.Errorf("%w: %s is an index, not an alias: delete or rename it first", ErrMappingConflict, ix.alias)
		}
		if name == ix.name {
			continue
		}
		old = append(old, name)
		actions = append(actions, map[string]any{"remove": map[string]any{"index": name, "alias": ix.alias}})
	}
	actions = append(actions, map[string]any{"add": map[string]any{"index": ix.name, "alias": ix.alias, "is_write_index": true}})
	if err := ix.call(ctx, ix.es, "swap alias", http.MethodPost, "/_aliases", map[string]any{"actions": actions}, nil); err != nil {
		return nil, err
	}
	slices.Sort(old)
	ix.log.Info("alias moved", "from", old, "to", ix.name)
	return old, nil
}

func newClient(cfg Config, retry bool) (*elasticsearch.Client, error) {
	tr := &http.Transport{
		Proxy:               http.ProxyFromEnvironment,
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:        64,
		MaxIdleConnsPerHost: cfg.Workers*2 + 8,
		IdleConnTimeout:     90 * time.Second,
		TLSClientConfig:     &tls.Config{MinVersion: tls.VersionTLS12},
	}
	ec := elasticsearch.Config{
		Addresses:     cfg.URLs,
		Username:      cfg.Username,
		Password:      cfg.Password,
		APIKey:        cfg.APIKey,
		Transport:     tr,
		RetryOnStatus: []int{429, 502, 503, 504},
		MaxRetries:    cfg.MaxRetries,
		DisableRetry:  !retry,
		RetryBackoff: func(attempt int) time.Duration {
			return retryDelay(cfg, attempt-1)
		},
	}
	if cfg.CACertFile != "" {
		pem, err := os.ReadFile(cfg.CACertFile)
		if err != nil {
			return nil, fmt.Errorf("elasticsearch ca cert file: %w", err)
		}
		ec.CACert = pem
	}
	c, err := elasticsearch.NewClient(ec)
	if err != nil {
		return nil, fmt.Errorf("elasticsearch client: %w", err)
	}
	return c, nil
}

// retryDelay is the delay before retry attempt n (0-based): exponential with
// full jitter in its upper half.
func retryDelay(cfg Config, n int) time.Duration {
	return backoff.Policy{Initial: cfg.RetryBackoff, Max: cfg.MaxRetryBackoff, Jitter: true}.Delay(n + 1)
}

// waitReady checks that the cluster answers and accepts the credentials,
// retrying an unreachable cluster for up to cfg.WaitReady.
func (ix *Index) waitReady(ctx context.Context) error {
	deadline := time.Now().Add(ix.cfg.WaitReady)
	for attempt := 0; ; attempt++ {
		err := ix.Ping(ctx)
		if err == nil || !errors.Is(err, ErrUnreachable) || time.Now().After(deadline) {
			return err
		}
		d := retryDelay(ix.cfg, attempt)
		ix.log.Warn("elasticsearch not reachable yet, retrying", "error", err, "retry_in", d)
		if ix.cfg.OnWait != nil {
			ix.cfg.OnWait(err)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%w: %w", err, ctx.Err())
		case <-time.After(d):
		}
	}
}

// Ping checks that the cluster answers, accepts the credentials and is not
// red; /healthz reports its error.
func (ix *Index) Ping(ctx context.Context) error {
	var h struct {
		Status string `json:"status"`
	}
	if err := ix.call(ctx, ix.es, "cluster health", http.MethodGet, "/_cluster/health", nil, &h); err != nil {
		return err
	}
	if h.Status == "red" {
		return fmt.Errorf("elasticsearch cluster health is red")
	}
	return nil
}

// putTemplate installs (or replaces) the alias's index template.
func (ix *Index) putTemplate(ctx context.Context) error {
	tmpl := indexTemplate(ix.alias, ix.cfg.Shards)
	return ix.call(ctx, ix.es, "put index template", http.MethodPut, "/_index_template/"+ix.alias, tmpl, nil)
}

// install puts the index template and makes sure the alias points at an
// index with a usable mapping.
func (ix *Index) install(ctx context.Context) error {
	if err := ix.putTemplate(ctx); err != nil {
		return err
	}
	versioned := fmt.Sprintf("%s-v%d", ix.alias, MappingVersion)

	// Which indices does the alias name? A 404 means no alias.
	var aliases map[string]json.RawMessage
	err := ix.call(ctx, ix.es, "get alias", http.MethodGet, "/_alias/"+ix.alias, nil, &aliases)
	var se *StatusError
	switch {
	case err == nil:
		for name := range aliases {
			if name == ix.alias {
				// GET _alias/<name> also answers for an index of that name.
				return fmt.Errorf("%w: %s is an index, not an alias: parley writes through an alias over %s; reindex it into %s and replace it with an alias",
					ErrMappingConflict, ix.alias, versioned, versioned)
			}
			if ix.name == "" || name > ix.name {
				ix.name = name // the newest version when several
			}
		}
		if len(aliases) > 1 {
			ix.log.Warn("alias names several indices; parley writes to the newest", "indices", len(aliases), "index", ix.name)
		}
	case errors.As(err, &se) && se.Status == http.StatusNotFound:
		// An index (not alias) with the alias's name would make the alias
		// impossible; the create call below reports it.
		ix.name = versioned
		body := map[string]any{"aliases": map[string]any{ix.alias: map[string]any{"is_write_index": true}}}
		err := ix.call(ctx, ix.es, "create index", http.MethodPut, "/"+versioned, body, nil)
		if errors.As(err, &se) && se.Type == "resource_already_exists_exception" {
			// The versioned index exists without the alias: check it, then add the alias.
			if err := ix.checkMapping(ctx); err != nil {
				return err
			}
			return ix.call(ctx, ix.es, "add alias", http.MethodPut, "/"+versioned+"/_alias/"+ix.alias, nil, nil)
		}
		if errors.As(err, &se) && se.Type == "invalid_alias_name_exception" {
			return fmt.Errorf("%w: %s is an index, not an alias: %s", ErrMappingConflict, ix.alias, se.Reason)
		}
		if err != nil {
			return err
		}
		ix.log.Info("created index behind alias", "index", versioned)
		return ix.checkMapping(ctx)
	default:
		return err
	}
	return ix.checkMapping(ctx)
}

// checkMapping fails with ErrMappingConflict when the index behind the
// alias maps a field differently, and adds fields it lacks.
func (ix *Index) checkMapping(ctx context.Context) error {
	var m map[string]struct {
		Mappings map[string]any `json:"mappings"`
	}
	if err := ix.call(ctx, ix.es, "get mapping", http.MethodGet, "/"+ix.name+"/_mapping", nil, &m); err != nil {
		return err
	}
	mp := m[ix.name].Mappings
	conflicts, missing := mappingConflicts(mp)
	if len(conflicts) > 0 {
		return fmt.Errorf("%w: index %s behind alias %s: %s; parley needs mapping version %d: create a new index (e.g. a new --es-index) and replay into it",
			ErrMappingConflict, ix.name, ix.alias, joinList(conflicts), MappingVersion)
	}
	if d, _ := mp["dynamic"]; d != nil && fmt.Sprint(d) != "false" {
		ix.log.Warn("index maps unknown fields dynamically; parley's template sets dynamic false", "index", ix.name, "dynamic", d)
	}
	meta, _ := mp["_meta"].(map[string]any)
	if v, ok := meta["parley_mapping_version"].(float64); !ok || int(v) < MappingVersion {
		// Fields added in place are empty in the documents already there:
		// since version 2, their stems and name keys (README, Query
		// language), so those are found by the forms they were written in.
		ix.log.Warn("the index was made for an older mapping: documents indexed before lack the newer fields until it is refilled with parley replay index --es-url",
			"index", ix.name, "index_mapping_version", meta["parley_mapping_version"], "mapping_version", MappingVersion)
	}
	if len(missing) > 0 {
		props := map[string]any{}
		all := mappings()["properties"].(map[string]any)
		for _, f := range missing {
			props[f] = all[f]
		}
		if err := ix.call(ctx, ix.es, "put mapping", http.MethodPut, "/"+ix.name+"/_mapping", map[string]any{"properties": props}, nil); err != nil {
			return fmt.Errorf("%w: add fields %s to %s: %w", ErrMappingConflict, strings.Join(missing, ", "), ix.name, err)
		}
		ix.log.Info("added fields to the mapping", "index", ix.name, "fields", missing)
	}
	return nil
}

// Count is the number of articles in the index.
func (ix *Index) Count(ctx context.Context) (int, error) { return ix.count(ctx, ix.target) }

// AliasCount is the number of articles searches through the alias see,
// 0 when there is no alias yet: for an Index made by Create, the index it
// is about to replace.
func (ix *Index) AliasCount(ctx context.Context) (int, error) {
	n, err := ix.count(ctx, ix.alias)
	var se *StatusError
	if errors.As(err, &se) && se.Status == http.StatusNotFound {
		return 0, nil
	}
	return n, err
}

func (ix *Index) count(ctx context.Context, target string) (int, error) {
	var r struct {
		Count int `json:"count"`
	}
	if err := ix.call(ctx, ix.es, "count", http.MethodGet, "/"+target+"/_count", nil, &r); err != nil {
		return 0, err
	}
	return r.Count, nil
}

// Article returns the stored article, or index.ErrNotFound.
func (ix *Index) Article(ctx context.Context, id string) (*article.Article, error) {
	var r struct {
		Found  bool `json:"found"`
		Source struct {
			Article *article.Article `json:"article"`
		} `json:"_source"`
	}
	err := ix.call(ctx, ix.es, "get article", http.MethodGet,
		"/"+ix.target+"/_doc/"+url.PathEscape(id)+"?_source_includes="+fieldArticle, nil, &r)
	var se *StatusError
	if errors.As(err, &se) && se.Status == http.StatusNotFound {
		return nil, fmt.Errorf("article %s: %w", id, index.ErrNotFound)
	}
	if err != nil {
		return nil, err
	}
	if !r.Found || r.Source.Article == nil {
		return nil, fmt.Errorf("article %s: %w", id, index.ErrNotFound)
	}
	return r.Source.Article, nil
}

// Refresh makes everything indexed so far visible to search. Writes are
// durable without it; tests and `parley replay` use it.
func (ix *Index) Refresh(ctx context.Context) error {
	return ix.call(ctx, ix.es, "refresh", http.MethodPost, "/"+ix.target+"/_refresh", nil, nil)
}

// Close flushes the articles being written and stops the workers. Index
// calls after Close fail with ErrClosed. Close is safe to call twice.
func (ix *Index) Close() error {
	ix.mu.Lock()
	if ix.closed {
		ix.mu.Unlock()
		return ix.closeErr
	}
	ix.closed = true
	close(ix.in)
	ix.mu.Unlock()

	done := make(chan struct{})
	go func() {
		ix.batcher.Wait()
		ix.workers.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(ix.cfg.CloseTimeout):
		ix.closeErr = fmt.Errorf("close elasticsearch index: bulk requests still in flight after %s: cancelled", ix.cfg.CloseTimeout)
		ix.cancel()
		<-done
	}
	ix.cancel()
	return ix.closeErr
}

// call sends one JSON request and decodes the answer into out (when not
// nil). Error statuses become *StatusError; 401/403 wrap ErrUnauthorized,
// connection failures ErrUnreachable.
func (ix *Index) call(ctx context.Context, c *elasticsearch.Client, op, method, path string, body, out any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return fmt.Errorf("%s: encode: %w", op, err)
		}
		rd = bytes.NewReader(b)
	}
	status, data, err := ix.do(ctx, c, method, path, "application/json", rd)
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	if status >= 300 {
		return statusError(op, status, data)
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			return fmt.Errorf("%s: decode response: %w", op, err)
		}
	}
	return nil
}

// do performs a request and reads the whole answer.
func (ix *Index) do(ctx context.Context, c *elasticsearch.Client, method, path, ctype string, body io.Reader) (int, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, method, path, body)
	if err != nil {
		return 0, nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", ctype)
	}
	req.Header.Set("Accept", "application/json")
	res, err := c.Perform(req)
	if err != nil {
		if ctx.Err() != nil {
			return 0, nil, ctx.Err()
		}
		return 0, nil, fmt.Errorf("%w: %s %s: %w", ErrUnreachable, strings.Join(ix.cfg.URLs, ","), method, err)
	}
	defer res.Body.Close()
	data, err := io.ReadAll(res.Body)
	if err != nil {
		return res.StatusCode, nil, fmt.Errorf("%w: read response: %w", ErrUnreachable, err)
	}
	return res.StatusCode, data, nil
}

func statusError(op string, status int, data []byte) error {
	var e struct {
		Error json.RawMessage `json:"error"`
	}
	se := &StatusError{Op: op, Status: status}
	if json.Unmarshal(data, &e) == nil && len(e.Error) > 0 {
		var d esError
		if json.Unmarshal(e.Error, &d) == nil && d.Type != "" {
			se.Type, se.Reason = d.Type, d.String()
		} else {
			se.Reason = strings.Trim(string(e.Error), `"`)
		}
	} else {
		se.Reason = truncate(string(data), 300)
	}
	if se.Reason == "" {
		se.Reason = http.StatusText(status)
	}
	if status == http.StatusUnauthorized || status == http.StatusForbidden {
		return fmt.Errorf("%w: %w", ErrUnauthorized, se)
	}
	return se
}

// esError is Elasticsearch's error object.
type esError struct {
	Type     string   `json:"type"`
	Reason   string   `json:"reason"`
	CausedBy *esError `json:"caused_by"`
}

func (e *esError) String() string {
	s := e.Reason
	if e.CausedBy != nil && e.CausedBy.Reason != "" {
		s += " (caused by " + e.CausedBy.Type + ": " + e.CausedBy.Reason + ")"
	}
	return s
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
