package api

import (
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/parley-news/parley/pkg/bus/bustest"
	"github.com/parley-news/parley/pkg/feedstore"
)

// request sends method url with body and headers (name, value pairs) and
// returns the status, the body and the response headers.
func request(t *testing.T, method, url, body string, headers ...string) (int, string, http.Header) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		if headers[i] == "Host" {
			req.Host = headers[i+1]
			continue
		}
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), resp.Header
}

// Issue 14 rows 3 and 9: every response carries the headers that keep
// injected markup from running script and the page from being framed.
func TestSecurityHeaders(t *testing.T) {
	ts, _ := newServer(t, "")
	for _, path := range []string{"/", "/app.js", "/api/search?q=x", "/api/articles/zzz", "/healthz", "/metrics", "/api/feeds"} {
		code, _, h := request(t, "GET", ts.URL+path, "")
		csp := h.Get("Content-Security-Policy")
		if !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-inline") || !strings.Contains(csp, "frame-ancestors 'none'") {
			t.Errorf("GET %s (%d): Content-Security-Policy %q", path, code, csp)
		}
		if h.Get("X-Content-Type-Options") != "nosniff" || h.Get("Referrer-Policy") == "" {
			t.Errorf("GET %s: nosniff %q, Referrer-Policy %q", path, h.Get("X-Content-Type-Options"), h.Get("Referrer-Policy"))
		}
	}
	// The page itself holds no script or handler the CSP would have to allow.
	_, page, _ := request(t, "GET", ts.URL+"/", "")
	for _, inline := range []string{"<script>", "onclick", "onload", "onerror", "javascript:", "style="} {
		if strings.Contains(page, inline) {
			t.Errorf("index.html contains %q", inline)
		}
	}
	if !strings.Contains(page, `<script src="app.js"`) {
		t.Errorf("index.html does not load app.js")
	}
}

// Issue 14 row 5: a page on another site cannot change state through a
// visitor's browser (CSRF), with or without a token.
func TestMutationsRefuseOtherSites(t *testing.T) {
	ts, _ := newServer(t, "")
	feed := `{"url":"https://news.un.org/rss.xml"}`
	tests := []struct {
		name    string
		method  string
		path    string
		body    string
		headers []string
		code    int
		errText string
	}{
		{"text/plain body (a no-CORS fetch)", "POST", "/api/feeds", feed, []string{"Content-Type", "text/plain"}, 415, "application/json"},
		{"form body", "POST", "/api/feeds", "url=https://news.un.org/rss.xml", []string{"Content-Type", "application/x-www-form-urlencoded"}, 415, "application/json"},
		{"multipart body", "POST", "/api/feeds", feed, []string{"Content-Type", "multipart/form-data; boundary=x"}, 415, "application/json"},
		{"no content type", "POST", "/api/feeds", feed, nil, 415, "application/json"},
		{"JSON from another origin", "POST", "/api/feeds", feed, []string{"Content-Type", "application/json", "Origin", "https://evil.example"}, 403, "Origin"},
		{"JSON from an opaque origin", "POST", "/api/feeds", feed, []string{"Content-Type", "application/json", "Origin", "null"}, 403, "Origin"},
		{"Sec-Fetch-Site cross-site", "POST", "/api/feeds", feed, []string{"Content-Type", "application/json", "Sec-Fetch-Site", "cross-site"}, 403, "another site"},
		{"Sec-Fetch-Site same-site (another port)", "POST", "/api/feeds", feed, []string{"Content-Type", "application/json", "Sec-Fetch-Site", "same-site"}, 403, "another site"},
		{"DELETE from another origin", "DELETE", "/api/feeds?url=https://news.un.org/rss.xml", "", []string{"Origin", "http://localhost:9999"}, 403, "Origin"},
		{"DELETE with a form body", "DELETE", "/api/feeds?url=https://news.un.org/rss.xml", "a=b", []string{"Content-Type", "application/x-www-form-urlencoded"}, 415, "application/json"},
		{"own page", "POST", "/api/feeds", feed, []string{"Content-Type", "application/json; charset=utf-8", "Origin", ts.URL, "Sec-Fetch-Site", "same-origin"}, 201, ""},
		{"a tool (no Origin)", "POST", "/api/feeds", `{"url":"https://www.state.gov/feed"}`, []string{"Content-Type", "application/json"}, 201, ""},
		{"own page deletes", "DELETE", "/api/feeds?url=https://www.state.gov/feed", "", []string{"Origin", ts.URL, "Sec-Fetch-Site", "same-origin"}, 204, ""},
	}
	for _, tt := range tests {
		code, body, _ := request(t, tt.method, ts.URL+tt.path, tt.body, tt.headers...)
		if code != tt.code || !strings.Contains(body, tt.errText) {
			t.Errorf("%s: %d %s, want %d mentioning %q", tt.name, code, body, tt.code, tt.errText)
		}
	}
	_, body, _ := request(t, "GET", ts.URL+"/api/feeds", "")
	if strings.Contains(body, "state.gov") || !strings.Contains(body, "news.un.org") {
		t.Errorf("feed set after the refused requests: %s", body)
	}

	// The rules API gets the same checks.
	b := bustest.New(t)
	reg := prometheus.NewRegistry()
	s, err := New(Config{Addr: "127.0.0.1:0"}, &fixedIndex{}, nil, reg, reg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	rules := runRules(t, b, nil)
	s.ServeRules(rules)
	rs := httptest.NewServer(s.Handler())
	defer rs.Close()
	if code, _, _ := request(t, "POST", rs.URL+"/api/rules", `{"name":"x","query":"y"}`, "Content-Type", "text/plain"); code != 415 || len(rules.List()) != 0 {
		t.Errorf("rules POST as text/plain: %d, rules %+v", code, rules.List())
	}
}

// Issue 14 row 5: DNS rebinding. A page on evil.example that re-resolves
// to 127.0.0.1 reaches parley with Host: evil.example; it gets nothing.
func TestHostHeader(t *testing.T) {
	ts, _ := newServer(t, "")
	_, port, _ := net.SplitHostPort(strings.TrimPrefix(ts.URL, "http://"))
	tests := []struct {
		host string
		code int
	}{
		{"127.0.0.1:" + port, 200},
		{"localhost:" + port, 200},
		{"LOCALHOST:" + port, 200},
		{"[::1]:" + port, 200},
		{"evil.example:" + port, 421},
		{"evil.example", 421},
		{"localhost.evil.example:" + port, 421},
		{"127.0.0.1:1", 421},
		{"192.168.1.10:" + port, 421},
	}
	for _, tt := range tests {
		for _, path := range []string{"/api/search?q=x", "/", "/api/feeds"} {
			code, body, _ := request(t, "GET", ts.URL+path, "", "Host", tt.host)
			if code != tt.code {
				t.Errorf("GET %s with Host %q: %d, want %d", path, tt.host, code, tt.code)
			}
			if tt.code == 421 && !strings.Contains(body, "--allowed-hosts") {
				t.Errorf("GET %s with Host %q: the refusal does not say what to do: %s", path, tt.host, body)
			}
		}
	}
	if code, _, _ := request(t, "POST", ts.URL+"/api/feeds", `{"url":"https://news.un.org/rss.xml"}`, "Content-Type", "application/json", "Host", "evil.example:"+port); code != 421 {
		t.Errorf("POST with Host evil.example: %d, want 421", code)
	}

	// Names given in AllowedHosts are served too (a reverse proxy's name).
	reg := prometheus.NewRegistry()
	s, err := New(Config{Addr: "127.0.0.1:0", AllowedHosts: []string{"parley.example.org", "news.example.org:8443"}}, &fixedIndex{}, feedstore.New(bustest.New(t), nil), reg, reg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	as := httptest.NewServer(s.Handler())
	defer as.Close()
	for host, want := range map[string]int{"parley.example.org": 200, "parley.example.org:443": 200, "news.example.org:8443": 200, "news.example.org": 421, "evil.example": 421} {
		if code, _, _ := request(t, "GET", as.URL+"/api/search", "", "Host", host); code != want {
			t.Errorf("allowed hosts: Host %q: %d, want %d", host, code, want)
		}
	}
}

// Hosts answered when listening beyond loopback (with a token).
func TestHostPolicyNonLoopback(t *testing.T) {
	p := newHostPolicy(Config{Addr: "0.0.0.0:8080", Token: "t", AllowedHosts: []string{"parley.example.org"}})
	for host, want := range map[string]bool{
		"10.0.0.5:8080":         true, // a probe or a user by address
		"[2001:db8::1]:8080":    true,
		"localhost:8080":        true,
		"parley.example.org":    true,
		"evil.example:8080":     false,
		"10.0.0.5.nip.io:8080":  false,
		"parley.example.org.ev": false,
	} {
		if got := p.allows(host, nil); got != want {
			t.Errorf("Host %q on 0.0.0.0:8080: %v, want %v", host, got, want)
		}
	}
}

// Issue 14 item 4: listening beyond loopback without a token refuses to
// start, saying why and what to do; a read-only stage may.
func TestExposureNeedsToken(t *testing.T) {
	tests := []struct {
		cfg     Config
		wantErr bool
	}{
		{Config{Addr: "127.0.0.1:8080"}, false},
		{Config{Addr: "localhost:8080"}, false},
		{Config{Addr: "[::1]:8080"}, false},
		{Config{Addr: "0.0.0.0:8080"}, true},
		{Config{Addr: ":8080"}, true},
		{Config{Addr: "[::]:8080"}, true},
		{Config{Addr: "192.168.1.10:8080"}, true},
		{Config{Addr: "parley.example.org:8080"}, true},
		{Config{Addr: "0.0.0.0:8080", Token: "s3cret"}, false},
		{Config{Addr: "0.0.0.0:8080", ReadOnly: true}, false},
	}
	for _, tt := range tests {
		reg := prometheus.NewRegistry()
		_, err := New(tt.cfg, &fixedIndex{}, nil, reg, reg, slog.New(slog.DiscardHandler))
		if (err != nil) != tt.wantErr {
			t.Errorf("%+v: error %v, want error %v", tt.cfg, err, tt.wantErr)
			continue
		}
		if err != nil && (!strings.Contains(err.Error(), "--api-token") || !strings.Contains(err.Error(), "127.0.0.1")) {
			t.Errorf("%+v: the error does not say what to do: %v", tt.cfg, err)
		}
	}
	// A read-only server mounts no state-changing route at all.
	reg := prometheus.NewRegistry()
	s, err := New(Config{Addr: "0.0.0.0:0", ReadOnly: true}, nil, feedstore.New(bustest.New(t), nil), reg, reg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(s.Handler())
	defer ts.Close()
	if code, _, _ := request(t, "POST", ts.URL+"/api/feeds", `{"url":"https://news.un.org/rss.xml"}`, "Content-Type", "application/json"); code != http.StatusMethodNotAllowed {
		t.Errorf("POST /api/feeds on a read-only server: %d, want 405", code)
	}
}

// TestNoIndex: a stage alone has no index; what needs one answers 501
// saying where to ask instead.
func TestNoIndex(t *testing.T) {
	reg := prometheus.NewRegistry()
	s, err := New(Config{Addr: "127.0.0.1:0"}, nil, nil, reg, reg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(s.Handler())
	defer ts.Close()
	for path, want := range map[string]string{
		"/api/search?q=talks":                      "no index to search",
		"/api/events?q=talks":                      "no index to search",
		"/api/export?q=talks":                      "no index to export",
		"/api/articles/" + strings.Repeat("a", 32): "no index;",
	} {
		code, body := do(t, "GET", ts.URL+path, "", "")
		if e, _ := body["error"].(string); code != http.StatusNotImplemented || !strings.Contains(e, want) || !strings.Contains(e, "ask the api or run process") {
			t.Errorf("GET %s: %d %q, want 501 saying %q", path, code, e, want)
		}
	}
}
