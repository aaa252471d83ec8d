package fetch

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// newClient returns a client allowed to reach the loopback test servers.
func newClient(t *testing.T, cfg Config) *Client {
	t.Helper()
	cfg.AllowPrivate = true
	c, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(c.Close)
	return c
}

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name    string
		cfg     Config
		wantErr string
	}{
		{"zero is valid", Config{}, ""},
		{"negative timeout", Config{Timeout: -1}, "timeout"},
		{"negative connect timeout", Config{ConnectTimeout: -time.Second}, "connect_timeout"},
		{"negative feed bytes", Config{MaxFeedBytes: -1}, "max_feed_bytes"},
		{"negative page bytes", Config{MaxPageBytes: -1}, "max_page_bytes"},
		{"negative redirects", Config{MaxRedirects: -1}, "max_redirects"},
		{"negative ratio", Config{MaxInflateRatio: -5}, "max_inflate_ratio -5 is negative"},
		{"negative host concurrency", Config{HostConcurrency: -1}, "host_concurrency -1 is negative"},
		{"negative host delay", Config{HostDelay: -time.Second}, "host_delay -1s is negative"},
		{"negative host pause", Config{MaxHostPause: -time.Minute}, "max_host_pause -1m0s is negative"},
		{"negative in flight", Config{MaxInFlight: -2}, "max_in_flight -2 is negative"},
		{"connect beyond total", Config{ConnectTimeout: time.Minute, Timeout: time.Second}, "connect_timeout"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.cfg.Validate()
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("Validate: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("Validate = %v, want an error naming %q", err, tt.wantErr)
			}
			if _, err := New(tt.cfg); err == nil {
				t.Fatalf("New accepted an invalid config")
			}
		})
	}
	c := newClient(t, Config{})
	got := c.Config()
	if got.Timeout != DefaultTimeout || got.MaxRedirects != DefaultMaxRedirects || got.UserAgent != DefaultUserAgent ||
		got.MaxFeedBytes != DefaultMaxFeedBytes || got.MaxPageBytes != DefaultMaxPageBytes || got.ConnectTimeout != DefaultConnectTimeout {
		t.Errorf("defaults not applied: %+v", got)
	}
}

func TestConditionalGet(t *testing.T) {
	const etag = `"v1"`
	const lastMod = "Tue, 10 Nov 2026 10:00:00 GMT"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if got := r.Header.Get("User-Agent"); got != DefaultUserAgent {
			t.Errorf("User-Agent = %q", got)
		}
		switch r.URL.Path {
		case "/etag":
			if r.Header.Get("If-None-Match") == etag {
				w.WriteHeader(http.StatusNotModified)
				return
			}
			w.Header().Set("ETag", etag)
		case "/lm":
			if r.Header.Get("If-Modified-Since") == lastMod {
				w.WriteHeader(http.StatusNotModified)
				return
			}
			w.Header().Set("Last-Modified", lastMod)
		}
		w.Header().Set("Content-Type", "application/rss+xml")
		fmt.Fprint(w, "<rss/>")
	}))
	defer srv.Close()
	c := newClient(t, Config{})
	ctx := context.Background()

	first, err := c.Get(ctx, srv.URL+"/etag", Options{})
	if err != nil {
		t.Fatal(err)
	}
	if first.NotModified || string(first.Body) != "<rss/>" || first.ETag != etag || first.ContentType != "application/rss+xml" {
		t.Fatalf("first response: %+v", first)
	}
	second, err := c.Get(ctx, srv.URL+"/etag", Options{ETag: first.ETag})
	if err != nil {
		t.Fatal(err)
	}
	if !second.NotModified || second.StatusCode != http.StatusNotModified || second.Body != nil {
		t.Fatalf("ETag revalidation: %+v", second)
	}

	first, err = c.Get(ctx, srv.URL+"/lm", Options{})
	if err != nil {
		t.Fatal(err)
	}
	if first.LastModified != lastMod {
		t.Fatalf("LastModified = %q", first.LastModified)
	}
	second, err = c.Get(ctx, srv.URL+"/lm", Options{LastModified: first.LastModified})
	if err != nil {
		t.Fatal(err)
	}
	if !second.NotModified {
		t.Fatalf("Last-Modified revalidation: %+v", second)
	}
}

func gzipBytes(t testing.TB, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	zw.Write(b)
	zw.Close()
	return buf.Bytes()
}

func TestContentEncoding(t *testing.T) {
	doc := []byte(strings.Repeat("<item><title>Talks in Abu Dhabi</title></item>\n", 200))
	var zl, raw bytes.Buffer
	zw := zlib.NewWriter(&zl)
	zw.Write(doc)
	zw.Close()
	fw, _ := flate.NewWriter(&raw, flate.DefaultCompression)
	fw.Write(doc)
	fw.Close()
	// A bomb: 64 MiB of zeros in 64 KiB.
	bomb, err := os.ReadFile(filepath.Join("testdata", "bomb-64MiB-zeros.gz"))
	if err != nil {
		t.Fatal(err)
	}
	// 1.5 MiB of 16-letter text: compresses about 2:1, so it is under the
	// 1 MiB limit on the wire and over it once inflated.
	rng := rand.New(rand.NewPCG(1, 2))
	text := make([]byte, 3<<19)
	for i := range text {
		text[i] = "abcdefghijklmnop"[rng.IntN(16)]
	}
	var bigBuf bytes.Buffer
	bw, _ := gzip.NewWriterLevel(&bigBuf, gzip.BestSpeed)
	bw.Write(text)
	bw.Close()
	bigGz := bigBuf.Bytes()

	tests := []struct {
		name     string
		encoding string
		body     []byte
		limit    int64
		want     []byte
		wantErr  error
	}{
		{"gzip", "gzip", gzipBytes(t, doc), 0, doc, nil},
		{"x-gzip", "x-gzip", gzipBytes(t, doc), 0, doc, nil},
		{"deflate zlib", "deflate", zl.Bytes(), 0, doc, nil},
		{"deflate raw", "deflate", raw.Bytes(), 0, doc, nil},
		{"identity", "", doc, 0, doc, nil},
		{"gzip bomb", "gzip", bomb, 0, nil, ErrBomb},
		{"inflated past limit", "gzip", bigGz, 1 << 20, nil, ErrTooLarge},
		{"corrupt gzip", "gzip", []byte("not gzip at all"), 0, nil, ErrBadEncoding},
		{"unknown encoding", "br", doc, 0, nil, ErrBadEncoding},
		// A gzip body without Content-Encoding (a .gz file, or a server
		// that forgot the header) gets the same limits: it used to be
		// handed on whole and inflated up to 64 MiB by the feed parser.
		{"undeclared gzip", "", gzipBytes(t, doc), 0, doc, nil},
		{"gzip inside gzip", "gzip", gzipBytes(t, gzipBytes(t, doc)), 0, doc, nil},
		{"undeclared gzip bomb", "", bomb, 0, nil, ErrBomb},
		{"undeclared gzip inflated past limit", "", bigGz, 1 << 20, nil, ErrTooLarge},
		{"undeclared corrupt gzip", "", append([]byte{0x1f, 0x8b, 0x08}, "not gzip at all"...), 0, nil, ErrBadEncoding},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if ae := r.Header.Get("Accept-Encoding"); !strings.Contains(ae, "gzip") || !strings.Contains(ae, "deflate") {
					t.Errorf("Accept-Encoding = %q", ae)
				}
				if tt.encoding != "" {
					w.Header().Set("Content-Encoding", tt.encoding)
				}
				w.Write(tt.body)
			}))
			defer srv.Close()
			c := newClient(t, Config{})
			resp, err := c.Get(context.Background(), srv.URL, Options{Limit: tt.limit})
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("err = %v, want %v", err, tt.wantErr)
				}
				if tt.wantErr == ErrTooLarge && errors.Is(err, ErrBomb) {
					t.Errorf("a 2:1 body over the limit is not a bomb: %v", err)
				}
				if !strings.Contains(err.Error(), srv.URL) {
					t.Errorf("error does not name the URL: %v", err)
				}
				if Temporary(err) {
					t.Errorf("Temporary(%v) = true", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(resp.Body, tt.want) {
				t.Fatalf("body: got %d bytes, want %d", len(resp.Body), len(tt.want))
			}
		})
	}
}

func TestBodyLimit(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		chunk := bytes.Repeat([]byte("a"), 1<<20)
		for range 24 {
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
	}))
	defer srv.Close()
	c := newClient(t, Config{})
	_, err := c.Get(context.Background(), srv.URL+"/big", Options{})
	if !errors.Is(err, ErrTooLarge) {
		t.Fatalf("24 MiB page: err = %v, want ErrTooLarge", err)
	}
	if !strings.Contains(err.Error(), strconv.Itoa(DefaultMaxPageBytes)) || !strings.Contains(err.Error(), srv.URL+"/big") {
		t.Errorf("error should name the limit and the URL: %v", err)
	}
	// A declared Content-Length over the limit is refused before reading.
	sized := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", strconv.Itoa(2<<20))
		w.Write(make([]byte, 2<<20))
	}))
	defer sized.Close()
	if _, err := c.Get(context.Background(), sized.URL, Options{Limit: 1 << 20}); !errors.Is(err, ErrTooLarge) || !strings.Contains(err.Error(), "1048576") {
		t.Fatalf("Content-Length over the limit: err = %v", err)
	}
	// The same page under an explicit larger limit is fine.
	resp, err := c.Get(context.Background(), srv.URL, Options{Limit: 25 << 20})
	if err != nil || len(resp.Body) != 24<<20 {
		t.Fatalf("with a 25 MiB limit: %v", err)
	}
}

func TestRedirects(t *testing.T) {
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Path == "/loop":
			http.Redirect(w, r, "/loop", http.StatusFound)
		case strings.HasPrefix(r.URL.Path, "/hop/"):
			n, _ := strconv.Atoi(strings.TrimPrefix(r.URL.Path, "/hop/"))
			if n == 0 {
				fmt.Fprint(w, "arrived")
				return
			}
			http.Redirect(w, r, fmt.Sprintf("/hop/%d", n-1), http.StatusMovedPermanently)
		case r.URL.Path == "/ftp":
			http.Redirect(w, r, "ftp://example.com/feed", http.StatusFound)
		}
	}))
	defer srv.Close()
	c := newClient(t, Config{})
	tests := []struct {
		path    string
		wantErr error
	}{
		{"/hop/5", nil},
		{"/hop/6", ErrTooManyRedirects},
		{"/loop", ErrTooManyRedirects},
		{"/ftp", ErrUnsupportedScheme},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			resp, err := c.Get(context.Background(), srv.URL+tt.path, Options{})
			if tt.wantErr == nil {
				if err != nil {
					t.Fatal(err)
				}
				if resp.URL != srv.URL+"/hop/0" || string(resp.Body) != "arrived" {
					t.Fatalf("final URL %q body %q", resp.URL, resp.Body)
				}
				return
			}
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			if !strings.Contains(err.Error(), srv.URL+tt.path) {
				t.Errorf("error does not name the URL: %v", err)
			}
		})
	}
}

func TestTimeouts(t *testing.T) {
	tests := []struct {
		name    string
		handler http.HandlerFunc
	}{
		{"trickle", func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusOK)
			tick := time.NewTicker(50 * time.Millisecond)
			defer tick.Stop()
			for range 200 {
				select {
				case <-r.Context().Done():
					return
				case <-tick.C:
				}
				if _, err := w.Write([]byte("x")); err != nil {
					return
				}
				w.(http.Flusher).Flush()
			}
		}},
		{"late answer", func(w http.ResponseWriter, r *http.Request) {
			select {
			case <-r.Context().Done():
			case <-time.After(10 * time.Second):
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(tt.handler)
			defer srv.Close()
			c := newClient(t, Config{Timeout: 300 * time.Millisecond, ConnectTimeout: 300 * time.Millisecond})
			_, err := c.Get(context.Background(), srv.URL, Options{})
			if !errors.Is(err, ErrTimeout) {
				t.Fatalf("err = %v, want ErrTimeout", err)
			}
			if !strings.Contains(err.Error(), srv.URL) || !strings.Contains(err.Error(), "300ms") {
				t.Errorf("error should name the URL and the timeout: %v", err)
			}
			if !Temporary(err) {
				t.Errorf("a timeout should be temporary: %v", err)
			}
		})
	}
}

func TestStatusErrors(t *testing.T) {
	date := time.Now().Add(2 * time.Hour).UTC().Format(http.TimeFormat)
	tests := []struct {
		name       string
		code       int
		retryAfter string
		temporary  bool
		minRetry   time.Duration
		maxRetry   time.Duration
	}{
		{"429 seconds", 429, "120", true, 120 * time.Second, 120 * time.Second},
		{"429 date", 429, date, true, 119 * time.Minute, 121 * time.Minute},
		{"503", 503, "", true, 0, 0},
		{"500", 500, "", true, 0, 0},
		{"501", 501, "", false, 0, 0},
		{"404", 404, "", false, 0, 0},
		{"410", 410, "", false, 0, 0},
		{"403", 403, "", false, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if tt.retryAfter != "" {
					w.Header().Set("Retry-After", tt.retryAfter)
				}
				w.WriteHeader(tt.code)
			}))
			defer srv.Close()
			c := newClient(t, Config{})
			_, err := c.Get(context.Background(), srv.URL+"/feed", Options{})
			var se *StatusError
			if !errors.As(err, &se) {
				t.Fatalf("err = %v, want *StatusError", err)
			}
			if se.Code != tt.code || se.URL != srv.URL+"/feed" {
				t.Errorf("StatusError = %+v", se)
			}
			if se.Temporary() != tt.temporary || Temporary(err) != tt.temporary {
				t.Errorf("Temporary = %v, want %v", se.Temporary(), tt.temporary)
			}
			if se.RetryAfter < tt.minRetry || se.RetryAfter > tt.maxRetry {
				t.Errorf("RetryAfter = %v, want in [%v, %v]", se.RetryAfter, tt.minRetry, tt.maxRetry)
			}
			if !strings.Contains(err.Error(), srv.URL) {
				t.Errorf("error does not name the URL: %v", err)
			}
		})
	}
}

func TestSSRFGuard(t *testing.T) {
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		fmt.Fprint(w, "secret")
	}))
	defer srv.Close()
	c, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	port := srv.Listener.Addr().(*net.TCPAddr).Port
	for _, u := range []string{
		srv.URL,
		fmt.Sprintf("http://localhost:%d/", port),
		fmt.Sprintf("http://[::ffff:127.0.0.1]:%d/", port),
		fmt.Sprintf("http://[::7f00:1]:%d/", port), // IPv4-compatible form of 127.0.0.1
	} {
		_, err := c.Get(context.Background(), u, Options{})
		if !errors.Is(err, ErrBlockedAddress) {
			t.Fatalf("Get(%s) = %v, want ErrBlockedAddress", u, err)
		}
		msg := err.Error()
		if !strings.Contains(msg, "127.0.0.1") && !strings.Contains(msg, "::1") && !strings.Contains(msg, "::7f00:1") {
			t.Errorf("error does not name the address: %v", err)
		}
		if !strings.Contains(msg, "--allow-private-addresses") || !strings.Contains(msg, u) {
			t.Errorf("error should name the URL and the flag: %v", err)
		}
		if Temporary(err) {
			t.Errorf("a blocked address must be permanent")
		}
	}
	if n := hits.Load(); n != 0 {
		t.Fatalf("the private server was reached %d times", n)
	}
	for _, u := range []string{"file:///etc/passwd", "gopher://example.com/", "ftp://example.com/x", "http:///nohost", "://bad"} {
		_, err := c.Get(context.Background(), u, Options{})
		if !errors.Is(err, ErrUnsupportedScheme) && !errors.Is(err, ErrInvalidURL) {
			t.Errorf("Get(%s) = %v, want a scheme/URL error", u, err)
		}
	}
}

func TestSSRFRedirectToPrivate(t *testing.T) {
	var privateHits, publicHits atomic.Int64
	private := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		privateHits.Add(1)
		fmt.Fprint(w, "metadata")
	}))
	defer private.Close()
	privatePort := uint16(private.Listener.Addr().(*net.TCPAddr).Port)
	public := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		publicHits.Add(1)
		http.Redirect(w, r, private.URL+"/latest/meta-data/", http.StatusFound)
	}))
	defer public.Close()

	c, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	// Both servers listen on loopback; pretend only the redirect target's
	// port is private so the redirect path exercises the dial-time check.
	c.blocked = func(ap netip.AddrPort) string {
		if ap.Port() == privatePort {
			return "a private address (test)"
		}
		return ""
	}
	_, err = c.Get(context.Background(), public.URL+"/feed", Options{})
	if !errors.Is(err, ErrBlockedAddress) {
		t.Fatalf("err = %v, want ErrBlockedAddress", err)
	}
	if !strings.Contains(err.Error(), public.URL+"/feed") {
		t.Errorf("error does not name the URL: %v", err)
	}
	if publicHits.Load() != 1 || privateHits.Load() != 0 {
		t.Fatalf("public hits %d, private hits %d", publicHits.Load(), privateHits.Load())
	}
}

func TestTemporary(t *testing.T) {
	tests := []struct {
		err  error
		want bool
	}{
		{nil, false},
		{fmt.Errorf("fetch x: %w", ErrTimeout), true},
		{fmt.Errorf("fetch x: %w", ErrTooLarge), false},
		{fmt.Errorf("fetch x: %w", ErrBomb), false},
		{fmt.Errorf("fetch x: %w", ErrBlockedAddress), false},
		{fmt.Errorf("fetch x: %w", context.Canceled), false},
		{&url.Error{Op: "Get", URL: "x", Err: &net.DNSError{Err: "no such host", IsNotFound: true}}, false},
		{&url.Error{Op: "Get", URL: "x", Err: &net.DNSError{Err: "server misbehaving", IsTemporary: true}}, true},
		{&StatusError{Code: 502}, true},
		{&StatusError{Code: 410}, false},
	}
	for _, tt := range tests {
		if got := Temporary(tt.err); got != tt.want {
			t.Errorf("Temporary(%v) = %v, want %v", tt.err, got, tt.want)
		}
	}
}

func TestConnectionRefusedIsTemporary(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	c := newClient(t, Config{})
	_, err = c.Get(context.Background(), "http://"+addr+"/", Options{})
	if err == nil || !Temporary(err) || !strings.Contains(err.Error(), addr) {
		t.Fatalf("refused connection: err = %v, temporary = %v", err, Temporary(err))
	}
}
