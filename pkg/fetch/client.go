package fetch

import (
	"bufio"
	"bytes"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/netip"
	"net/url"
	"strings"
	"syscall"
	"time"

	"github.com/parley-news/parley/pkg/backoff"
	"github.com/parley-news/parley/pkg/redact"
	"github.com/parley-news/parley/pkg/ssrf"
)

// Options are the per-request settings of Get.
type Options struct {
	// ETag and LastModified come from the previous response; when set they
	// are sent as If-None-Match and If-Modified-Since.
	ETag         string
	LastModified string
	// Limit caps the body, before and after Content-Encoding is undone;
	// zero means Config.MaxPageBytes.
	Limit int64
	// Accept is the Accept header; empty sends a generic one.
	Accept string
}

// Response is a fetched document.
type Response struct {
	URL        string // final URL, after redirects
	StatusCode int
	Header     http.Header
	// Body is decoded from its Content-Encoding (gzip, deflate) but not from
	// its charset. Nil when NotModified.
	Body         []byte
	NotModified  bool // the server answered 304 to a conditional request
	ContentType  string
	ETag         string
	LastModified string
}

// Client fetches URLs under one Config. It is safe for concurrent use.
type Client struct {
	cfg  Config
	http *http.Client
	// blocked judges a dial address (ssrf.Public, or nothing with
	// AllowPrivate). Tests replace it to exercise the guard against
	// loopback servers.
	blocked ssrf.Judge
	now     func() time.Time
	gate    *gate
}

const defaultAccept = "*/*"

// New returns a Client for cfg after applying defaults and validating it.
func New(cfg Config) (*Client, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	c := &Client{cfg: cfg, now: time.Now, gate: newGate(cfg)}
	if cfg.AllowPrivate {
		c.blocked = func(netip.AddrPort) string { return "" }
	} else {
		c.blocked = ssrf.Public
	}
	dialer := &net.Dialer{
		Timeout:   cfg.ConnectTimeout,
		KeepAlive: 30 * time.Second,
		// The guard runs on the resolved address about to be connected.
		Control: func(network, address string, rc syscall.RawConn) error {
			return ssrf.Control(c.blocked)(network, address, rc)
		},
	}
	transport := &http.Transport{
		// No proxy: a proxy would dial on our behalf and bypass the guard.
		Proxy:               nil,
		DialContext:         dialer.DialContext,
		TLSHandshakeTimeout: cfg.ConnectTimeout,
		DisableCompression:  true, // we undo Content-Encoding ourselves, bounded
		// A connection kept per host polled: with 100 kept in all, a
		// fetcher polling 1,000 hosts dialled again for most requests (a
		// tenth of its CPU in make bench-fetch's profile).
		MaxIdleConns:          4096,
		MaxIdleConnsPerHost:   4,
		IdleConnTimeout:       90 * time.Second,
		ExpectContinueTimeout: time.Second,
		ForceAttemptHTTP2:     true,
	}
	c.http = &http.Client{
		Transport:     transport,
		CheckRedirect: c.checkRedirect,
	}
	return c, nil
}

// Config returns the effective configuration, defaults applied.
func (c *Client) Config() Config { return c.cfg }

// Close releases idle connections.
func (c *Client) Close() { c.http.CloseIdleConnections() }

func (c *Client) checkRedirect(req *http.Request, via []*http.Request) error {
	if len(via) > c.cfg.MaxRedirects {
		return fmt.Errorf("%w: stopped after %d (last to %s)", ErrTooManyRedirects, c.cfg.MaxRedirects, req.URL)
	}
	if err := checkScheme(req.URL); err != nil {
		return fmt.Errorf("redirect to %s: %w", req.URL, err)
	}
	return nil
}

func checkScheme(u *url.URL) error {
	switch strings.ToLower(u.Scheme) {
	case "http", "https":
	default:
		return fmt.Errorf("%w %q (only http and https)", ErrUnsupportedScheme, u.Scheme)
	}
	if u.Hostname() == "" {
		return fmt.Errorf("%w: no host", ErrInvalidURL)
	}
	return nil
}

// Get fetches rawURL. Non-2xx answers other than 304 give a *StatusError;
// every error names the URL and can be classified with Temporary.
func (c *Client) Get(ctx context.Context, rawURL string, opt Options) (*Response, error) {
	return c.do(ctx, rawURL, nil, opt)
}

// PostForm posts form to rawURL (a WebSub hub) under the same guard,
// limits and politeness as Get.
func (c *Client) PostForm(ctx context.Context, rawURL string, form url.Values, opt Options) (*Response, error) {
	if form == nil {
		form = url.Values{}
	}
	return c.do(ctx, rawURL, form, opt)
}

// do sends a GET, or a POST of form when it is not nil.
func (c *Client) do(ctx context.Context, rawURL string, form url.Values, opt Options) (*Response, error) {
	shown := redact.URL(rawURL) // errors never carry the URL's password
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("fetch %s: %w: %s", shown, ErrInvalidURL, redact.In(err.Error(), rawURL))
	}
	if err := checkScheme(u); err != nil {
		return nil, fmt.Errorf("fetch %s: %w", shown, err)
	}
	limit := opt.Limit
	if limit <= 0 {
		limit = c.cfg.MaxPageBytes
	}

	// The wait for the host is not part of the request's time limit.
	host := HostKey(u.Hostname())
	sent, release, err := c.gate.acquire(ctx, host)
	if err != nil {
		return nil, fmt.Errorf("fetch %s: wait for host %s: %w", shown, host, err)
	}
	var code int
	var retryAfter time.Duration
	defer func() { release(code, retryAfter) }()
	ctx = httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{WroteRequest: func(httptrace.WroteRequestInfo) { sent() }})

	ctx, cancel := context.WithTimeoutCause(ctx, c.cfg.Timeout, ErrTimeout)
	defer cancel()

	method, reqBody := http.MethodGet, io.Reader(nil)
	if form != nil {
		method, reqBody = http.MethodPost, strings.NewReader(form.Encode())
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), reqBody)
	if err != nil {
		return nil, fmt.Errorf("fetch %s: %w: %s", shown, ErrInvalidURL, redact.In(err.Error(), rawURL))
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	req.Header.Set("User-Agent", c.cfg.UserAgent)
	accept := opt.Accept
	if accept == "" {
		accept = defaultAccept
	}
	req.Header.Set("Accept", accept)
	req.Header.Set("Accept-Encoding", "gzip, deflate")
	if opt.ETag != "" {
		req.Header.Set("If-None-Match", opt.ETag)
	}
	if opt.LastModified != "" {
		req.Header.Set("If-Modified-Since", opt.LastModified)
	}

	resp, err := c.http.Do(req)
	if err != nil {
		return nil, c.wrap(ctx, shown, err)
	}
	defer resp.Body.Close()
	code = resp.StatusCode

	out := &Response{
		URL:          resp.Request.URL.String(),
		StatusCode:   resp.StatusCode,
		Header:       resp.Header,
		ContentType:  resp.Header.Get("Content-Type"),
		ETag:         resp.Header.Get("ETag"),
		LastModified: resp.Header.Get("Last-Modified"),
	}
	switch {
	case resp.StatusCode == http.StatusNotModified:
		out.NotModified = true
		return out, nil
	case resp.StatusCode < 200 || resp.StatusCode > 299:
		// Drain a little so the connection can be reused.
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		retryAfter = backoff.RetryAfter(resp.Header.Get("Retry-After"), c.now())
		return nil, &StatusError{Code: resp.StatusCode, RetryAfter: retryAfter, URL: redact.URL(out.URL)}
	}

	body, err := c.readBody(resp, limit)
	if err != nil {
		return nil, c.wrap(ctx, redact.URL(out.URL), err)
	}
	out.Body = body
	return out, nil
}

// wrap names the URL and turns our own deadline into ErrTimeout.
func (c *Client) wrap(ctx context.Context, u string, err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		if ue.URL != u {
			err = fmt.Errorf("%s %s: %w", strings.ToLower(ue.Op), ue.URL, ue.Err)
		} else {
			err = ue.Err
		}
	}
	if errors.Is(context.Cause(ctx), ErrTimeout) {
		return fmt.Errorf("fetch %s: %w after %v (the limit covers the whole body)", u, ErrTimeout, c.cfg.Timeout)
	}
	return fmt.Errorf("fetch %s: %w", u, err)
}

// countingReader counts the compressed bytes read off the wire.
type countingReader struct {
	r io.Reader
	n int64
}

func (cr *countingReader) Read(p []byte) (int, error) {
	n, err := cr.r.Read(p)
	cr.n += int64(n)
	return n, err
}

// gzipMagic starts every gzip stream (ID1, ID2, CM=deflate).
var gzipMagic = []byte{0x1f, 0x8b, 0x08}

// readBody reads at most limit wire bytes and, after undoing the
// Content-Encoding, at most limit decoded bytes, refusing inflation beyond
// MaxInflateRatio. A body that is still gzip after that (a .gz file served
// without Content-Encoding, or compressed twice) is inflated once more under
// the same limits: this is parley's one bounded inflater, so no later stage
// inflates anything.
func (c *Client) readBody(resp *http.Response, limit int64) ([]byte, error) {
	if resp.ContentLength > limit {
		return nil, fmt.Errorf("%w: Content-Length %d is over the %d-byte limit", ErrTooLarge, resp.ContentLength, limit)
	}
	wire := &countingReader{r: io.LimitReader(resp.Body, limit+1)}
	encodings := contentEncodings(resp.Header.Get("Content-Encoding"))
	if len(encodings) > 2 {
		return nil, fmt.Errorf("%w: %d stacked content encodings", ErrBadEncoding, len(encodings))
	}
	var r io.Reader = wire
	// Content-Encoding lists codings in the order applied; undo in reverse.
	for i := len(encodings) - 1; i >= 0; i-- {
		dr, err := decoder(encodings[i], r)
		if err != nil {
			if wire.n > limit {
				return nil, fmt.Errorf("%w: compressed body over the %d-byte limit", ErrTooLarge, limit)
			}
			return nil, err
		}
		defer dr.Close()
		r = dr
	}
	br := bufio.NewReader(r)
	if head, _ := br.Peek(len(gzipMagic)); bytes.Equal(head, gzipMagic) {
		dr, err := decoder("gzip", br)
		if err != nil {
			return nil, fmt.Errorf("undeclared gzip body: %w", err)
		}
		defer dr.Close()
		r = dr
		encodings = append(encodings, "gzip (undeclared)")
	} else {
		r = br
	}
	var buf bytes.Buffer
	chunk := make([]byte, 32<<10)
	for {
		n, err := r.Read(chunk)
		buf.Write(chunk[:n])
		if wire.n > limit {
			return nil, fmt.Errorf("%w: more than the %d-byte limit on the wire", ErrTooLarge, limit)
		}
		if int64(buf.Len()) > limit {
			if len(encodings) > 0 {
				return nil, fmt.Errorf("%w: inflated past the %d-byte limit from %d compressed bytes", ErrTooLarge, limit, wire.n)
			}
			return nil, fmt.Errorf("%w: more than the %d-byte limit", ErrTooLarge, limit)
		}
		// A ratio check on tiny bodies would reject legitimate, highly
		// repetitive documents; bombs are only dangerous when large.
		if len(encodings) > 0 && buf.Len() > 1<<20 && int64(buf.Len()) > c.cfg.MaxInflateRatio*max(wire.n, 1) {
			return nil, fmt.Errorf("%w: %d bytes inflated from %d compressed, over the %d:1 ratio limit", ErrBomb, buf.Len(), wire.n, c.cfg.MaxInflateRatio)
		}
		if err == io.EOF {
			return buf.Bytes(), nil
		}
		if err != nil {
			if len(encodings) > 0 && !isNetErr(err) {
				return nil, fmt.Errorf("%w: %v", ErrBadEncoding, err)
			}
			return nil, fmt.Errorf("read body: %w", err)
		}
	}
}

func isNetErr(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled)
}

func contentEncodings(h string) []string {
	var out []string
	for _, e := range strings.Split(h, ",") {
		e = strings.ToLower(strings.TrimSpace(e))
		if e != "" && e != "identity" {
			out = append(out, e)
		}
	}
	return out
}

func decoder(enc string, r io.Reader) (io.ReadCloser, error) {
	switch enc {
	case "gzip", "x-gzip":
		zr, err := gzip.NewReader(r)
		if err != nil {
			return nil, fmt.Errorf("%w: gzip: %v", ErrBadEncoding, err)
		}
		return zr, nil
	case "deflate":
		// "deflate" is meant to be zlib-wrapped, but some servers send raw
		// DEFLATE; look at the header to tell.
		br := bufio.NewReader(r)
		head, _ := br.Peek(2)
		if len(head) == 2 && head[0]&0x0f == 8 && (uint16(head[0])<<8|uint16(head[1]))%31 == 0 {
			zr, err := zlib.NewReader(br)
			if err != nil {
				return nil, fmt.Errorf("%w: deflate: %v", ErrBadEncoding, err)
			}
			return zr, nil
		}
		return flate.NewReader(br), nil
	}
	return nil, fmt.Errorf("%w %q", ErrBadEncoding, enc)
}
