package elastic

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/parley-news/parley/pkg/article"
	"github.com/parley-news/parley/pkg/permanent"
)

// The bulk writer's every path, deterministically: an httptest server
// answers each _bulk request as a script says (whole-request statuses,
// item statuses inside a 200, broken answers, dropped connections), and
// the test checks what each article's Index call returned, what was sent
// again, and the writer's counters. The real Elasticsearch is in the
// integration tests; these are the answers it gives only under load or
// failure.

// bulkCall is one _bulk request the fake received: the article ids of its
// items, in order.
type bulkCall struct{ ids []string }

// reply answers one _bulk request; call is its 0-based number.
type reply func(w http.ResponseWriter, call int, ids []string)

// fakeBulk is an httptest Elasticsearch that answers _bulk with script
// (the last reply repeats) and records every request.
type fakeBulk struct {
	srv    *httptest.Server
	script []reply

	mu    sync.Mutex
	calls []bulkCall
}

func newFakeBulk(t *testing.T, script ...reply) *fakeBulk {
	t.Helper()
	f := &fakeBulk{script: script}
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasSuffix(r.URL.Path, "/_bulk") {
			http.Error(w, "not a bulk request", http.StatusNotFound)
			return
		}
		ids, err := bulkIDs(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		f.mu.Lock()
		n := len(f.calls)
		f.calls = append(f.calls, bulkCall{ids: ids})
		f.mu.Unlock()
		// The client checks that it speaks to Elasticsearch.
		w.Header().Set("X-Elastic-Product", "Elasticsearch")
		w.Header().Set("Content-Type", "application/json")
		f.script[min(n, len(f.script)-1)](w, n, ids)
	}))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeBulk) sent() []bulkCall {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]bulkCall(nil), f.calls...)
}

// bulkIDs reads the document ids from the action lines of a bulk body.
func bulkIDs(body io.Reader) ([]string, error) {
	var ids []string
	sc := bufio.NewScanner(body)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for line := 0; sc.Scan(); line++ {
		if line%2 == 1 {
			continue // the document
		}
		var action map[string]struct {
			ID string `json:"_id"`
		}
		if err := json.Unmarshal(sc.Bytes(), &action); err != nil {
			return nil, fmt.Errorf("action line %d: %w", line, err)
		}
		ids = append(ids, action["index"].ID)
	}
	return ids, sc.Err()
}

// status answers the whole request with code and an Elasticsearch error.
func status(code int) reply {
	return func(w http.ResponseWriter, _ int, _ []string) {
		w.WriteHeader(code)
		fmt.Fprintf(w, `{"error":{"type":"status_%d","reason":"scripted"},"status":%d}`, code, code)
	}
}

// ok answers every item with 201.
func ok() reply { return items(nil) }

// items answers 200 with each item's status from byID (201 when absent);
// an error status carries an error of the type Elasticsearch gives it.
func items(byID map[string]int) reply {
	return func(w http.ResponseWriter, _ int, ids []string) {
		var r struct {
			Errors bool             `json:"errors"`
			Items  []map[string]any `json:"items"`
		}
		for _, id := range ids {
			st, ok := byID[id]
			if !ok {
				st = http.StatusCreated
			}
			it := map[string]any{"_id": id, "status": st}
			if st >= 300 {
				r.Errors = true
				it["error"] = map[string]any{"type": itemErrorType(st), "reason": "scripted " + id}
			}
			r.Items = append(r.Items, map[string]any{"index": it})
		}
		_ = json.NewEncoder(w).Encode(r)
	}
}

func itemErrorType(status int) string {
	switch status {
	case http.StatusConflict:
		return "version_conflict_engine_exception"
	case http.StatusTooManyRequests:
		return "es_rejected_execution_exception"
	case http.StatusBadRequest:
		return "document_parsing_exception"
	}
	return "scripted_exception"
}

// raw answers 200 with body as it is.
func raw(body string) reply {
	return func(w http.ResponseWriter, _ int, _ []string) { io.WriteString(w, body) }
}

// hangUp drops the connection without an answer.
func hangUp() reply {
	return func(w http.ResponseWriter, _ int, _ []string) {
		conn, _, err := w.(http.Hijacker).Hijack()
		if err == nil {
			conn.Close()
		}
	}
}

// wait holds the request until its client gives up.
func wait(release <-chan struct{}) reply {
	return func(w http.ResponseWriter, _ int, _ []string) { <-release }
}

// bulkIndex is an Index whose bulk writer talks to url, with quick
// retries; Open's checks and installation are left out (they have their
// own tests against the real Elasticsearch).
func bulkIndex(t *testing.T, url string, mod func(*Config)) *Index {
	t.Helper()
	cfg := Config{URLs: []string{url}, RetryBackoff: time.Millisecond, MaxRetryBackoff: 4 * time.Millisecond, MaxRetries: 3, Workers: 1}
	if mod != nil {
		mod(&cfg)
	}
	cfg.Defaults()
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	c, err := newClient(cfg, false)
	if err != nil {
		t.Fatal(err)
	}
	ix := &Index{cfg: cfg, log: slog.New(slog.DiscardHandler), es: c, bulkES: c, alias: cfg.Index, name: cfg.Index, target: cfg.Index}
	ix.start()
	t.Cleanup(func() { _ = ix.Close() })
	return ix
}

func bulkArticles(ids ...string) []*article.Article {
	fetched := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	out := make([]*article.Article, len(ids))
	for i, id := range ids {
		out[i] = &article.Article{ID: id, URL: "https://example.org/" + id, Title: "Talks " + id, Body: "Body of " + id, FetchedAt: &fetched}
	}
	return out
}

// outcome is what a test expects of one article's error.
type outcome int

const (
	written   outcome = iota // nil
	transient                // an error, not permanent
	refused                  // an error marked permanent.Error
)

func (o outcome) String() string {
	return [...]string{"written", "transient error", "permanent error"}[o]
}

func outcomeOf(err error) outcome {
	switch {
	case err == nil:
		return written
	case permanent.Is(err):
		return refused
	default:
		return transient
	}
}

func TestBulkWriterPaths(t *testing.T) {
	tests := []struct {
		name   string
		script []reply
		ids    []string
		want   map[string]outcome // by id; absent: written
		errHas map[string]string  // by id: a substring of the error
		calls  [][]string         // the ids of each request sent
		stats  Stats              // the counters that must have these values (zero fields are not checked)
	}{
		{
			name:   "whole request 429 then accepted",
			script: []reply{status(http.StatusTooManyRequests), ok()},
			ids:    []string{"a", "b"},
			calls:  [][]string{{"a", "b"}, {"a", "b"}},
			stats:  Stats{Indexed: 2, BulkRequests: 2, RequestRetries: 1, ThrottledBulks: 1},
		},
		{
			name:   "whole request 503 and 502 then accepted",
			script: []reply{status(http.StatusServiceUnavailable), status(http.StatusBadGateway), ok()},
			ids:    []string{"a"},
			calls:  [][]string{{"a"}, {"a"}, {"a"}},
			stats:  Stats{Indexed: 1, BulkRequests: 3, RequestRetries: 2},
		},
		{
			name:   "connection dropped then accepted",
			script: []reply{hangUp(), ok()},
			ids:    []string{"a"},
			calls:  [][]string{{"a"}, {"a"}},
			stats:  Stats{Indexed: 1, RequestRetries: 1},
		},
		{
			name:   "connection dropped on every try: retries exhausted, the error says so",
			script: []reply{hangUp()},
			ids:    []string{"a"},
			want:   map[string]outcome{"a": transient},
			errHas: map[string]string{"a": "bulk request: elasticsearch unreachable"},
			calls:  [][]string{{"a"}, {"a"}, {"a"}, {"a"}},
			stats:  Stats{Failed: 1, RequestRetries: 4},
		},
		{
			name:   "undecodable answer then accepted",
			script: []reply{raw(`{"errors":tru`), ok()},
			ids:    []string{"a"},
			calls:  [][]string{{"a"}, {"a"}},
			stats:  Stats{Indexed: 1, RequestRetries: 1},
		},
		{
			name:   "answer for fewer items than sent, then accepted",
			script: []reply{raw(`{"errors":true,"items":[{"index":{"status":429}}]}`), ok()},
			ids:    []string{"a", "b"},
			calls:  [][]string{{"a", "b"}, {"a", "b"}},
			stats:  Stats{Indexed: 2, RequestRetries: 1},
		},
		{
			name:   "item 429 inside a 200: only that item is sent again",
			script: []reply{items(map[string]int{"b": 429}), ok()},
			ids:    []string{"a", "b", "c"},
			calls:  [][]string{{"a", "b", "c"}, {"b"}},
			stats:  Stats{Indexed: 3, ItemRetries: 1, ThrottledItems: 1, BulkRequests: 2},
		},
		{
			name:   "item 503 inside a 200 is retried too",
			script: []reply{items(map[string]int{"a": 503}), ok()},
			ids:    []string{"a", "b"},
			calls:  [][]string{{"a", "b"}, {"a"}},
			stats:  Stats{Indexed: 2, ItemRetries: 1},
		},
		{
			name:   "409 version conflict: superseded by a later fetch, done",
			script: []reply{items(map[string]int{"a": 409})},
			ids:    []string{"a", "b"},
			calls:  [][]string{{"a", "b"}},
			stats:  Stats{Indexed: 1, Superseded: 1},
		},
		{
			name:   "item 400: permanent, not sent again",
			script: []reply{items(map[string]int{"b": 400})},
			ids:    []string{"a", "b"},
			want:   map[string]outcome{"b": refused},
			errHas: map[string]string{"b": "document_parsing_exception"},
			calls:  [][]string{{"a", "b"}},
			stats:  Stats{Indexed: 1, Rejected: 1},
		},
		{
			name:   "item 500: an error, not permanent, not sent again",
			script: []reply{items(map[string]int{"a": 500})},
			ids:    []string{"a"},
			want:   map[string]outcome{"a": transient},
			errHas: map[string]string{"a": "status 500"},
			calls:  [][]string{{"a"}},
			stats:  Stats{Rejected: 1},
		},
		{
			name:   "whole request 400: every item fails, nothing sent again",
			script: []reply{status(http.StatusBadRequest)},
			ids:    []string{"a", "b"},
			want:   map[string]outcome{"a": transient, "b": transient},
			errHas: map[string]string{"a": "status 400"},
			calls:  [][]string{{"a", "b"}},
			stats:  Stats{Failed: 2},
		},
		{
			name:   "429 on every try: retries exhausted",
			script: []reply{status(http.StatusTooManyRequests)},
			ids:    []string{"a"},
			want:   map[string]outcome{"a": transient},
			errHas: map[string]string{"a": "not written after 3 retries"},
			calls:  [][]string{{"a"}, {"a"}, {"a"}, {"a"}},
			stats:  Stats{Failed: 1, BulkRequests: 4, RequestRetries: 4, ThrottledBulks: 4},
		},
		{
			name:   "item 429 on every try: retries exhausted for that item only",
			script: []reply{items(map[string]int{"b": 429})},
			ids:    []string{"a", "b"},
			want:   map[string]outcome{"b": transient},
			errHas: map[string]string{"b": "es_rejected_execution_exception"},
			calls:  [][]string{{"a", "b"}, {"b"}, {"b"}, {"b"}},
			stats:  Stats{Indexed: 1, Failed: 1, ThrottledItems: 4},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeBulk(t, tt.script...)
			ix := bulkIndex(t, f.srv.URL, nil)
			errs := ix.Index(context.Background(), bulkArticles(tt.ids...))
			for i, id := range tt.ids {
				if got, want := outcomeOf(errs[i]), tt.want[id]; got != want {
					t.Errorf("article %s: %v (%v), want %v", id, got, errs[i], want)
				}
				if s := tt.errHas[id]; s != "" && (errs[i] == nil || !strings.Contains(errs[i].Error(), s)) {
					t.Errorf("article %s: error %v, want one mentioning %q", id, errs[i], s)
				}
			}
			var calls [][]string
			for _, c := range f.sent() {
				calls = append(calls, c.ids)
			}
			if fmt.Sprint(calls) != fmt.Sprint(tt.calls) {
				t.Errorf("requests %v, want %v", calls, tt.calls)
			}
			checkStats(t, ix.Stats(), tt.stats)
		})
	}
}

// checkStats compares the non-zero fields of want with got.
func checkStats(t *testing.T, got, want Stats) {
	t.Helper()
	pairs := []struct {
		name      string
		got, want int64
	}{
		{"Indexed", got.Indexed, want.Indexed},
		{"Superseded", got.Superseded, want.Superseded},
		{"Rejected", got.Rejected, want.Rejected},
		{"Failed", got.Failed, want.Failed},
		{"BulkRequests", got.BulkRequests, want.BulkRequests},
		{"RequestRetries", got.RequestRetries, want.RequestRetries},
		{"ItemRetries", got.ItemRetries, want.ItemRetries},
		{"ThrottledItems", got.ThrottledItems, want.ThrottledItems},
		{"ThrottledBulks", got.ThrottledBulks, want.ThrottledBulks},
	}
	for _, p := range pairs {
		if p.want != 0 && p.got != p.want {
			t.Errorf("stats %s = %d, want %d (all: %+v)", p.name, p.got, p.want, got)
		}
	}
}

// A caller that gives up gets its context's error for the articles not
// confirmed yet, without waiting for the request in flight.
func TestBulkWriterCallerCancels(t *testing.T) {
	release := make(chan struct{})
	f := newFakeBulk(t, wait(release))
	defer close(release)
	ix := bulkIndex(t, f.srv.URL, func(c *Config) { c.CloseTimeout = 50 * time.Millisecond })
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan []error, 1)
	go func() { done <- ix.Index(ctx, bulkArticles("a", "b")) }()
	for len(f.sent()) == 0 {
		time.Sleep(time.Millisecond) // until the request is in flight
	}
	cancel()
	select {
	case errs := <-done:
		for i, err := range errs {
			if !errors.Is(err, context.Canceled) {
				t.Errorf("article %d: %v, want context.Canceled", i, err)
			}
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Index did not return after its context was cancelled")
	}
}

// A writer closed while it waits to retry gives up at once: the articles
// get ErrClosed with the reason of the last failure, not the whole
// backoff.
func TestBulkWriterClosedDuringBackoff(t *testing.T) {
	f := newFakeBulk(t, status(http.StatusTooManyRequests))
	ix := bulkIndex(t, f.srv.URL, func(c *Config) {
		c.RetryBackoff, c.MaxRetryBackoff, c.MaxRetries, c.CloseTimeout = time.Hour, time.Hour, 5, 10*time.Millisecond
	})
	done := make(chan []error, 1)
	go func() { done <- ix.Index(context.Background(), bulkArticles("a")) }()
	for len(f.sent()) == 0 {
		time.Sleep(time.Millisecond) // until the first answer made it wait
	}
	start := time.Now()
	if err := ix.Close(); err == nil || !strings.Contains(err.Error(), "in flight") {
		t.Errorf("Close: %v, want the requests in flight named", err)
	}
	select {
	case errs := <-done:
		if !errors.Is(errs[0], ErrClosed) || !strings.Contains(errs[0].Error(), "429") {
			t.Errorf("article: %v, want ErrClosed with the 429", errs[0])
		}
	case <-time.After(10 * time.Second):
		t.Fatalf("Index still waiting %s after Close", time.Since(start))
	}
	if n := len(f.sent()); n != 1 {
		t.Errorf("%d requests, want 1 (no retry after Close)", n)
	}
}

// Articles without an id are refused before anything is sent, for good.
func TestBulkWriterNoID(t *testing.T) {
	f := newFakeBulk(t, ok())
	ix := bulkIndex(t, f.srv.URL, nil)
	arts := bulkArticles("a")
	arts = append(arts, &article.Article{Title: "no id"}, nil)
	errs := ix.Index(context.Background(), arts)
	if errs[0] != nil || !permanent.Is(errs[1]) || !permanent.Is(errs[2]) {
		t.Errorf("errors %v, want nil then two permanent", errs)
	}
	if calls := f.sent(); len(calls) != 1 || !bytes.Equal([]byte(fmt.Sprint(calls[0].ids)), []byte("[a]")) {
		t.Errorf("requests %v, want one with a", calls)
	}
}
