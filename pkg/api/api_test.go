package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/parley-news/parley/pkg/alert"
	"github.com/parley-news/parley/pkg/article"
	"github.com/parley-news/parley/pkg/bus"
	"github.com/parley-news/parley/pkg/bus/bustest"
	"github.com/parley-news/parley/pkg/feedstore"
	"github.com/parley-news/parley/pkg/index"
	"github.com/parley-news/parley/pkg/query"
	"github.com/parley-news/parley/pkg/versions"
)

// knownID is the id of the one article fixedIndex knows.
var knownID = article.ID("example.org/talks")

// fixedIndex answers every search with the same hit and knows one article.
// It stands in for a backend in tests of the HTTP layer only; the backends
// have their own tests against real indexes.
type fixedIndex struct{ lastReq index.Request }

func (f *fixedIndex) Search(_ context.Context, req index.Request) (*index.Result, error) {
	f.lastReq = req
	if t, ok := req.Query.(query.Term); ok && t.Value == "explode" {
		return nil, errors.New("index unreachable")
	}
	if _, ok := req.Query.(query.Prefix); ok {
		return nil, fmt.Errorf("%w: too many words", index.ErrPrefixTooBroad)
	}
	return &index.Result{Total: 1, Hits: []index.Hit{{ID: knownID, Title: "Talks in Abu Dhabi"}}}, nil
}

func (f *fixedIndex) Export(_ context.Context, q query.Node, fn func(index.Record) error) error {
	if t, ok := q.(query.Term); ok && t.Value == "explode" {
		return errors.New("index unreachable")
	}
	if _, ok := q.(query.Prefix); ok {
		return fmt.Errorf("%w: too many words", index.ErrPrefixTooBroad)
	}
	return fn(index.Record{ID: "a1", Title: "Talks in Abu Dhabi"})
}

func (f *fixedIndex) Article(_ context.Context, id string) (*article.Article, error) {
	if id == knownID {
		return &article.Article{ID: knownID, Title: "Talks in Abu Dhabi"}, nil
	}
	return nil, index.ErrNotFound
}

func newServer(t *testing.T, token string, checks ...Check) (*httptest.Server, *fixedIndex) {
	t.Helper()
	ix := &fixedIndex{}
	reg := prometheus.NewRegistry()
	s, err := New(Config{Addr: "127.0.0.1:0", Token: token}, ix, feedstore.New(bustest.New(t), nil), reg, reg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range checks {
		s.AddCheck(c)
	}
	ts := httptest.NewServer(s.Handler())
	t.Cleanup(ts.Close)
	return ts, ix
}

func do(t *testing.T, method, url, body, token string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(method, url, strings.NewReader(body))
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

func TestSearchAndArticles(t *testing.T) {
	ts, ix := newServer(t, "")
	tests := []struct {
		path      string
		code      int
		wantError string
	}{
		{"/api/search?q=Putin", 200, ""},
		{"/api/search", 200, ""},
		{"/api/search?q=" + "%28Putin+AND", 400, "query"},
		{"/api/search?q=foo:bar", 400, "unknown field"},
		{"/api/search?size=1000", 400, "size"},
		{"/api/search?facet_size=0", 400, "facet_size"},
		{"/api/search?facet_size=101", 400, "facet_size"},
		{"/api/search?from=-1", 400, "from"},
		{"/api/search?q=explode", 502, "index unreachable"},
		{"/api/search?q=Ze*", 400, "prefix Ze* is too short: a prefix needs at least 3 letters"},
		{"/api/search?q=Zel*", 400, "prefix too broad: too many words"},
		{"/api/export?q=Zel*", 400, "prefix too broad: too many words"},
		{"/api/search?q=Putin&sort=oldest", 400, `sort: "oldest": want relevance or date`},
		{"/api/events?q=Putin&sort=oldest", 400, `sort: "oldest": want recent or size`},
		{"/api/export?q=explode", 502, "index unreachable"},
		{"/api/export?q=Putin&format=xml", 400, `format: "xml": want csv or jsonl`},
		{"/api/search?q=Putin&histogram=minute", 400, "histogram"},
		{"/api/search?q=published_at:[now-7x+TO+now]", 400, "relative date"},
		{"/api/articles/" + knownID, 200, ""},
		{"/api/articles/" + article.ID("example.org/unknown"), 404, article.ID("example.org/unknown")},
		// Not an article id: refused before any lookup.
		{"/api/articles/zzz", 400, "not an article id"},
		{"/api/articles/" + strings.Repeat("a", 4096), 400, "not an article id"},
		{"/api/articles/*", 400, "not an article id"},
		{"/api/articles/%3E", 400, "not an article id"},
		{"/api/articles/" + strings.ToUpper(knownID), 400, "not an article id"},
		{"/api/articles/" + knownID + "%20", 400, "not an article id"},
	}
	for _, tt := range tests {
		code, body := do(t, "GET", ts.URL+tt.path, "", "")
		if code != tt.code {
			t.Errorf("%s: status %d, want %d (%v)", tt.path, code, tt.code, body)
			continue
		}
		if tt.wantError != "" {
			if e, _ := body["error"].(string); !strings.Contains(e, tt.wantError) {
				t.Errorf("%s: error %q does not mention %q", tt.path, e, tt.wantError)
			}
		}
	}
	do(t, "GET", ts.URL+"/api/search?q=*&collapse=story&size=5&from=10&facet_size=50", "", "")
	if _, ok := ix.lastReq.Query.(query.All); !ok || !ix.lastReq.CollapseStories || ix.lastReq.Size != 5 || ix.lastReq.From != 10 || ix.lastReq.FacetSize != 50 {
		t.Errorf("request passed to the index: %+v", ix.lastReq)
	}
	_, body := do(t, "GET", ts.URL+"/api/search?q=Putin&sort=date&histogram=week", "", "")
	if ix.lastReq.Sort != index.SortDate || ix.lastReq.Histogram != index.HistogramWeek {
		t.Errorf("sort and histogram passed to the index: %+v", ix.lastReq)
	}
	if h, ok := body["histogram"].([]any); !ok || len(h) != 0 {
		t.Errorf("an asked-for histogram with no buckets must be [], got %#v", body["histogram"])
	}
	if _, body := do(t, "GET", ts.URL+"/api/search?q=Putin", "", ""); body["histogram"] != nil || body["hint"] != nil {
		t.Errorf("histogram or hint present although not asked for: %v", body)
	}
	hints := []struct{ q, hint string }{
		{"putin+or+zelensky", `did you mean OR? Operators are upper case: putin OR zelensky (as typed, "or" is searched as a word)`},
		{"language:russian", "language:russian was read as language:ru"},
		{"language:klingon+Putin", "language:klingon is not a language parley knows"},
	}
	for _, tt := range hints {
		if _, body := do(t, "GET", ts.URL+"/api/search?q="+tt.q, "", ""); !strings.HasPrefix(fmt.Sprint(body["hint"]), tt.hint) {
			t.Errorf("q=%s: hint %v, want %q", tt.q, body["hint"], tt.hint)
		}
	}
	do(t, "GET", ts.URL+"/api/search?q=language:russian", "", "")
	if want := (query.Term{Field: query.FieldLanguage, Value: "ru"}); ix.lastReq.Query != query.Node(want) {
		t.Errorf("language:russian reached the index as %#v, want %#v", ix.lastReq.Query, want)
	}
}

func TestFeedsAPI(t *testing.T) {
	ts, _ := newServer(t, "s3cret")
	if code, _ := do(t, "POST", ts.URL+"/api/feeds", `{"url":"https://news.un.org/rss.xml"}`, ""); code != 401 {
		t.Errorf("POST without token: %d, want 401", code)
	}
	if code, _ := do(t, "POST", ts.URL+"/api/feeds", `{"url":"https://news.un.org/rss.xml"}`, "wrong"); code != 401 {
		t.Errorf("POST with a wrong token: %d, want 401", code)
	}
	tests := []struct {
		body string
		code int
	}{
		{`{"url":"https://news.un.org/rss.xml"}`, 201},
		{`{"url":"https://news.un.org/rss.xml"}`, 200},
		{`{"url":"not a url"}`, 400},
		{`{"url":"file:///etc/passwd"}`, 400},
		{`{nope`, 400},
	}
	for _, tt := range tests {
		if code, body := do(t, "POST", ts.URL+"/api/feeds", tt.body, "s3cret"); code != tt.code {
			t.Errorf("POST %s: %d, want %d (%v)", tt.body, code, tt.code, body)
		}
	}
	code, body := do(t, "GET", ts.URL+"/api/feeds", "", "")
	feeds, _ := body["feeds"].([]any)
	if code != 200 || len(feeds) != 1 || feeds[0].(map[string]any)["status"] != "new" {
		t.Errorf("GET /api/feeds: %d %v", code, body)
	}
	// Retry: the fetcher is asked to poll the feed now.
	if code, body := do(t, "POST", ts.URL+"/api/feeds/retry", `{"url":"https://news.un.org/rss.xml"}`, "s3cret"); code != 202 {
		t.Errorf("retry: %d %v", code, body)
	}
	if code, _ := do(t, "POST", ts.URL+"/api/feeds/retry", `{"url":"https://news.un.org/rss.xml"}`, ""); code != 401 {
		t.Errorf("retry without the token: %d, want 401", code)
	}
	if code, _ := do(t, "POST", ts.URL+"/api/feeds/retry", `{"url":"https://unknown.example/rss"}`, "s3cret"); code != 404 {
		t.Errorf("retry of an unknown feed: %d, want 404", code)
	}
	if code, _ := do(t, "POST", ts.URL+"/api/feeds/retry", `{}`, "s3cret"); code != 400 {
		t.Errorf("retry without a url: %d, want 400", code)
	}
	if code, _ := do(t, "DELETE", ts.URL+"/api/feeds?url=https://news.un.org/rss.xml", "", "s3cret"); code != 204 {
		t.Errorf("DELETE: %d", code)
	}
	if code, _ := do(t, "DELETE", ts.URL+"/api/feeds?url=https://news.un.org/rss.xml", "", "s3cret"); code != 404 {
		t.Errorf("DELETE again: %d, want 404", code)
	}
}

func TestVersions(t *testing.T) {
	b := bustest.New(t)
	reg := prometheus.NewRegistry()
	s, err := New(Config{Addr: "127.0.0.1:0"}, &fixedIndex{}, feedstore.New(b, nil), reg, reg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	store := versions.New(b)
	s.ServeVersions(store)
	ts := httptest.NewServer(s.Handler())
	defer ts.Close()
	a := &article.Article{ID: knownID, URL: "https://example.org/talks", Title: "Talks", Body: "First version."}
	other := &article.Article{ID: article.ID("example.org/other"), URL: "https://example.org/other", Title: "Other", Body: "Another article."}
	for _, body := range []string{"First version.", "Second version, updated."} {
		a.Body = body
		if err := store.RecordVersion(context.Background(), a); err != nil {
			t.Fatal(err)
		}
	}
	if err := store.RecordVersion(context.Background(), other); err != nil {
		t.Fatal(err)
	}
	code, body := do(t, "GET", ts.URL+"/api/articles/"+knownID+"/versions", "", "")
	vs, _ := body["versions"].([]any)
	if code != 200 || len(vs) != 2 || vs[0].(map[string]any)["body"] != "First version." {
		t.Errorf("versions: %d %v", code, body)
	}
	if code, _ := do(t, "GET", ts.URL+"/api/articles/"+article.ID("example.org/unknown")+"/versions", "", ""); code != 404 {
		t.Errorf("unknown: %d", code)
	}
	// Wildcards and ids of any other form never reach the versions bucket:
	// no other article's versions, and the connection stays up.
	for _, id := range []string{"*", "%3E", knownID[:16] + "*", "zz", strings.Repeat("a", 4096), "a.b"} {
		code, body := do(t, "GET", ts.URL+"/api/articles/"+id+"/versions", "", "")
		if e, _ := body["error"].(string); code != 400 || !strings.Contains(e, "not an article id") {
			t.Errorf("versions of %.40q: %d %v, want 400 naming the id format", id, code, body)
		}
	}
	if !b.Conn().IsConnected() {
		t.Errorf("nats connection %s after the bad ids", b.Conn().Status())
	}
}

// TestHealthz holds the /healthz contract of the README: 200 "ok" when
// every check passes, 200 "degraded" when parley serves with a problem
// (Degraded), 503 "unavailable" as soon as one check fails otherwise;
// each check says "ok" or its reason.
func TestHealthz(t *testing.T) {
	down := errors.New("elasticsearch unreachable at http://127.0.0.1:9200: connection refused")
	lost := errors.New("stream PARLEY_ARTICLES ends at message 3 but held messages up to 8")
	check := func(name string, err error) Check {
		return Check{Name: name, Func: func(context.Context) error { return err }}
	}
	for _, tc := range []struct {
		name   string
		checks []Check
		code   int
		status string
		want   map[string]string
	}{
		{"healthy", []Check{check("nats", nil), check("index", nil)}, 200, "ok",
			map[string]string{"nats": "ok", "index": "ok"}},
		{"unavailable", []Check{check("nats", nil), check("index", down)}, 503, "unavailable",
			map[string]string{"nats": "ok", "index": down.Error()}},
		{"degraded", []Check{check("nats", nil), check("data", Degraded(lost))}, 200, "degraded",
			map[string]string{"nats": "ok", "data": "degraded: " + lost.Error()}},
		{"degraded and unavailable", []Check{check("data", Degraded(lost)), check("index", down), check("nats", nil)}, 503, "unavailable",
			map[string]string{"nats": "ok", "index": down.Error(), "data": "degraded: " + lost.Error()}},
		{"Degraded(nil) is healthy", []Check{check("data", Degraded(nil))}, 200, "ok",
			map[string]string{"data": "ok"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ts, _ := newServer(t, "", tc.checks...)
			code, body := do(t, "GET", ts.URL+"/healthz", "", "")
			if code != tc.code || body["status"] != tc.status {
				t.Errorf("healthz: %d %v, want %d %q", code, body, tc.code, tc.status)
			}
			checks, _ := body["checks"].(map[string]any)
			for name, want := range tc.want {
				if checks[name] != want {
					t.Errorf("check %s: %v, want %q", name, checks[name], want)
				}
			}
		})
	}
}

// TestRequestLimits: a stranger's query or body is refused with a status
// and a message naming the limit, before it costs the index anything.
func TestRequestLimits(t *testing.T) {
	ts, ix := newServer(t, "")
	words := func(n int) string { return strings.TrimSpace(strings.Repeat("w ", n)) }
	for _, tt := range []struct {
		q    string
		code int
		want string
	}{
		{words(256), 200, ""},
		{words(3001), 400, "query has 3,001 terms; the limit is 256"},
		{strings.Repeat("Zelensky ", 100_000), 400, "query is 900,000 bytes long; the limit is 4,096"},
	} {
		ix.lastReq = index.Request{}
		code, body := do(t, "GET", ts.URL+"/api/search?q="+url.QueryEscape(tt.q), "", "")
		if e, _ := body["error"].(string); code != tt.code || e != tt.want {
			t.Errorf("search of %d bytes: %d %q, want %d %q", len(tt.q), code, e, tt.code, tt.want)
		}
		if tt.code != 200 && ix.lastReq.Query != nil {
			t.Errorf("search of %d bytes reached the index", len(tt.q))
		}
		if tt.code == 200 {
			continue
		}
		// Exports and the list of events read the query the same way.
		for _, path := range []string{"/api/export", "/api/events"} {
			code, body := do(t, "GET", ts.URL+path+"?q="+url.QueryEscape(tt.q), "", "")
			if e, _ := body["error"].(string); code != tt.code || e != tt.want {
				t.Errorf("%s of %d bytes: %d %q, want %d %q", path, len(tt.q), code, e, tt.code, tt.want)
			}
		}
	}

	big := `{"url":"https://news.un.org/rss.xml","title":"` + strings.Repeat("x", MaxBodyBytes) + `"}`
	// Declared length: refused before the handler reads anything.
	if code, body := do(t, "POST", ts.URL+"/api/feeds", big, ""); code != 413 || !strings.Contains(body["error"].(string), "over the 65536-byte limit") {
		t.Errorf("POST of %d bytes: %d %v, want 413", len(big), code, body)
	}
	// Chunked (no length): refused when the reader passes the limit.
	req, _ := http.NewRequest("POST", ts.URL+"/api/feeds", io.MultiReader(strings.NewReader(big)))
	req.ContentLength = -1
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var out map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&out)
	resp.Body.Close()
	if resp.StatusCode != 413 || !strings.Contains(out["error"].(string), "over the 65536-byte limit") {
		t.Errorf("chunked POST of %d bytes: %d %v, want 413", len(big), resp.StatusCode, out)
	}
	if code, body := do(t, "GET", ts.URL+"/api/feeds", "", ""); code != 200 || len(body["feeds"].([]any)) != 0 {
		t.Errorf("a refused body added a feed: %v", body)
	}
}

// TestFeedPasswordsRedacted: a feed URL's password is kept for fetching
// but never shown by /api/feeds, and the shown form removes the feed.
func TestFeedPasswordsRedacted(t *testing.T) {
	b := bustest.New(t)
	reg := prometheus.NewRegistry()
	s, err := New(Config{Addr: "127.0.0.1:0"}, &fixedIndex{}, feedstore.New(b, nil), reg, reg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(s.Handler())
	defer ts.Close()
	const secretURL = "https://reader:s3cret-pw@news.example/private.xml"
	if code, body := do(t, "POST", ts.URL+"/api/feeds", `{"url":"`+secretURL+`"}`, ""); code != 201 {
		t.Fatalf("POST: %d %v", code, body)
	}
	if err := feedstore.New(b, nil).PutFeedState(context.Background(), feedstore.FeedState{URL: secretURL, Status: feedstore.FeedFailing,
		LastError: "fetch " + secretURL + ": HTTP 500 Internal Server Error"}); err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get(ts.URL + "/api/feeds")
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if strings.Contains(string(raw), "s3cret") || !strings.Contains(string(raw), `"url":"https://reader:***@news.example/private.xml"`) ||
		!strings.Contains(string(raw), "fetch https://reader:***@news.example/private.xml: HTTP 500") {
		t.Errorf("GET /api/feeds: %s", raw)
	}
	entries, _ := feedstore.New(b, nil).Feeds(context.Background())
	if len(entries) != 1 || entries[0].URL != secretURL {
		t.Fatalf("the feed set lost the credentials: %+v", entries)
	}
	if code, _ := do(t, "DELETE", ts.URL+"/api/feeds?url="+url.QueryEscape("https://reader:***@news.example/private.xml"), "", ""); code != 204 {
		t.Errorf("DELETE by the shown URL: %d, want 204", code)
	}
	if entries, _ := feedstore.New(b, nil).Feeds(context.Background()); len(entries) != 0 {
		t.Errorf("feed not removed: %+v", entries)
	}
}

// A host paused after a 429 shows on every feed of the host, and only
// while the pause lasts.
func TestFeedsShowHostPause(t *testing.T) {
	b := bustest.New(t)
	reg := prometheus.NewRegistry()
	s, err := New(Config{Addr: "127.0.0.1:0"}, &fixedIndex{}, feedstore.New(b, nil), reg, reg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(s.Handler())
	defer ts.Close()
	ctx := context.Background()
	until := time.Now().Add(30 * time.Second).UTC().Truncate(time.Second)
	feeds := []struct{ url, host string }{
		{"https://www.example.co.uk/world.rss", "example.co.uk"},
		{"https://feeds.example.co.uk/politics.rss", "example.co.uk"},
		{"https://calm.example.org/feed", "example.org"},
	}
	for _, f := range feeds {
		if _, err := feedstore.New(b, nil).AddFeed(ctx, feedstore.FeedEntry{URL: f.url}); err != nil {
			t.Fatal(err)
		}
		if err := feedstore.New(b, nil).PutFeedState(ctx, feedstore.FeedState{URL: f.url, Status: feedstore.FeedOK, Host: f.host}); err != nil {
			t.Fatal(err)
		}
	}
	for _, hs := range []feedstore.HostState{
		{Host: "example.co.uk", PausedUntil: until, Reason: "HTTP 429, Retry-After 30s: paused for 30s"},
		{Host: "example.org", PausedUntil: time.Now().Add(-time.Minute), Reason: "an old pause"},
	} {
		if err := feedstore.New(b, nil).PutHostState(ctx, hs); err != nil {
			t.Fatal(err)
		}
	}
	var body struct{ Feeds []feedstore.FeedState }
	resp, err := http.Get(ts.URL + "/api/feeds")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatal(err)
	}
	for _, f := range body.Feeds {
		paused := f.HostPausedUntil != nil && f.HostPausedUntil.Equal(until) && strings.Contains(f.HostPauseReason, "429")
		if want := f.Host == "example.co.uk"; paused != want {
			t.Errorf("%s: host %q paused until %v (%q), want paused %v", f.URL, f.Host, f.HostPausedUntil, f.HostPauseReason, want)
		}
	}
	if len(body.Feeds) != 3 {
		t.Errorf("%d feeds, want 3", len(body.Feeds))
	}
}

// The rules API over a real rule store on an in-process nats-server: the
// answers to good and bad requests, the token on changes, and a second
// store (another process) seeing the stored rules.
func TestRulesAPI(t *testing.T) {
	b := bustest.New(t)
	reg := prometheus.NewRegistry()
	s, err := New(Config{Addr: "127.0.0.1:0", Token: "s3cret"}, &fixedIndex{}, feedstore.New(b, nil), reg, reg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	rs := runRules(t, b, []alert.RuleConfig{{Name: "from-config", Query: "Putin"}})
	s.ServeRules(rs)
	ts := httptest.NewServer(s.Handler())
	defer ts.Close()

	if code, _ := do(t, "POST", ts.URL+"/api/rules", `{"name":"gaza","query":"Gaza"}`, ""); code != 401 {
		t.Errorf("POST without token: %d, want 401", code)
	}
	if code, _ := do(t, "DELETE", ts.URL+"/api/rules?name=from-config", "", ""); code != 401 {
		t.Errorf("DELETE without token: %d, want 401", code)
	}
	tests := []struct {
		name, method, target, body string
		code                       int
		contains                   string
	}{
		{"bad query", "POST", "/api/rules", `{"name":"x","query":"(Putin OR Trump"}`, 400, "unbalanced parenthesis"},
		{"bad name", "POST", "/api/rules", `{"name":"a b","query":"Putin"}`, 400, "rule name"},
		{"bad webhook", "POST", "/api/rules", `{"name":"x","query":"Putin","webhook":"ftp://x"}`, 400, "webhook"},
		{"bad body", "POST", "/api/rules", `{"nme":"x"}`, 400, "body"},
		{"config rule", "POST", "/api/rules", `{"name":"from-config","query":"Trump"}`, 409, "config"},
		{"add", "POST", "/api/rules", `{"name":"gaza","query":"Gaza ceasefire"}`, 201, `"version":1`},
		{"update", "POST", "/api/rules", `{"name":"gaza","query":"Gaza","webhook":"https://hooks.example/secret-path"}`, 200, `"version":2`},
		{"list", "GET", "/api/rules", ``, 200, `"name":"gaza","query":"Gaza","webhook":"https://hooks.example/…","source":"api","version":2`},
		{"list config", "GET", "/api/rules", ``, 200, `"name":"from-config","query":"Putin","source":"config"`},
		{"remove missing name", "DELETE", "/api/rules", ``, 400, "name"},
		{"remove unknown", "DELETE", "/api/rules?name=nope", ``, 404, "no such rule"},
		{"remove config", "DELETE", "/api/rules?name=from-config", ``, 409, "config"},
		{"add second", "POST", "/api/rules", `{"name":"derby","query":"derby"}`, 201, `"created":true`},
		{"add with a hint", "POST", "/api/rules", `{"name":"derby","query":"derby or ascot"}`, 200, `"hint":"did you mean OR?`},
		{"list with a hint", "GET", "/api/rules", ``, 200, `"hint":"did you mean OR?`},
		{"remove", "DELETE", "/api/rules?name=derby", ``, 204, ""},
	}
	for _, tt := range tests {
		req, _ := http.NewRequest(tt.method, ts.URL+tt.target, strings.NewReader(tt.body))
		req.Header.Set("Authorization", "Bearer s3cret")
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tt.code || !strings.Contains(string(body), tt.contains) {
			t.Errorf("%s: %d %s, want %d containing %q", tt.name, resp.StatusCode, body, tt.code, tt.contains)
		}
	}
	other := runRules(t, b, nil)
	<-other.Ready()
	var names []string
	for _, ri := range other.List() {
		names = append(names, ri.Name)
	}
	if strings.Join(names, ",") != "gaza" {
		t.Errorf("another store lists %v, want [gaza]", names)
	}
}

// runRules runs a rule store over the bus's rules bucket until the test ends.
func runRules(t *testing.T, b *bus.Bus, config []alert.RuleConfig) *alert.Rules {
	t.Helper()
	rs, err := alert.NewRules(config, b.KV(bus.BucketRules), nil, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	bustest.Run(t, "rules", rs.Run)
	return rs
}

// blockingIndex holds every search until release is closed.
type blockingIndex struct {
	fixedIndex
	started chan struct{}
	release chan struct{}
}

func (b *blockingIndex) Search(ctx context.Context, req index.Request) (*index.Result, error) {
	b.started <- struct{}{}
	<-b.release
	return &index.Result{}, nil
}

// TestSearchConcurrencyLimit: past MaxSearches, a search waits SearchWait
// and then gets 503 with Retry-After, so however many clients send costly
// queries, only so many run (and hold memory) at once.
func TestSearchConcurrencyLimit(t *testing.T) {
	ix := &blockingIndex{started: make(chan struct{}, 4), release: make(chan struct{})}
	reg := prometheus.NewRegistry()
	s, err := New(Config{Addr: "127.0.0.1:0", MaxSearches: 2, SearchWait: 100 * time.Millisecond}, ix, nil, reg, reg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(s.Handler())
	defer ts.Close()
	codes := make(chan int, 2)
	for range 2 {
		go func() {
			code, _ := do(t, "GET", ts.URL+"/api/search?q=a", "", "")
			codes <- code
		}()
	}
	<-ix.started
	<-ix.started
	resp, err := http.Get(ts.URL + "/api/search?q=b")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 503 || resp.Header.Get("Retry-After") == "" {
		t.Errorf("third search: %d (Retry-After %q), want 503 with Retry-After", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	close(ix.release)
	for range 2 {
		if code := <-codes; code != 200 {
			t.Errorf("running search: %d", code)
		}
	}
	if code, _ := do(t, "GET", ts.URL+"/api/search?q=c", "", ""); code != 200 {
		t.Errorf("search after the others ended: %d", code)
	}
}

// TestFeedCountLimit: POST /api/feeds stops adding at MaxFeeds (422 naming
// the limit); a feed already in the set may still be posted again.
func TestFeedCountLimit(t *testing.T) {
	b := bustest.New(t)
	reg := prometheus.NewRegistry()
	s, err := New(Config{Addr: "127.0.0.1:0", MaxFeeds: 3}, &fixedIndex{}, feedstore.New(b, nil), reg, reg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(s.Handler())
	defer ts.Close()
	for i := range 3 {
		if code, body := do(t, "POST", ts.URL+"/api/feeds", fmt.Sprintf(`{"url":"https://news.example/%d.xml"}`, i), ""); code != 201 {
			t.Fatalf("feed %d: %d %v", i, code, body)
		}
	}
	code, body := do(t, "POST", ts.URL+"/api/feeds", `{"url":"https://news.example/3.xml"}`, "")
	if e, _ := body["error"].(string); code != 422 || e != "there are 3 feeds; the limit is 3 (remove one first)" {
		t.Errorf("fourth feed: %d %v, want 422 naming the limit", code, body)
	}
	if code, _ := do(t, "POST", ts.URL+"/api/feeds", `{"url":"https://news.example/0.xml"}`, ""); code != 200 {
		t.Errorf("posting a feed already in the set: %d, want 200", code)
	}
}
