package fetch

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"syscall"
	"time"

	"github.com/parley-news/parley/pkg/ssrf"
)

// Sentinel errors; every error returned by Client.Get wraps one of these, a
// *StatusError, or the underlying network error, and names the URL.
var (
	// ErrTooLarge: the body (compressed or inflated) exceeded the limit.
	ErrTooLarge = errors.New("body too large")
	// ErrBomb: a compressed body inflated past the allowed ratio. It wraps
	// ErrTooLarge, so errors.Is(err, ErrTooLarge) holds for bombs too.
	ErrBomb = fmt.Errorf("decompression bomb: %w", ErrTooLarge)
	// ErrTooManyRedirects: more than Config.MaxRedirects redirects, loops
	// included.
	ErrTooManyRedirects = errors.New("too many redirects")
	// ErrBlockedAddress: the host resolved to a loopback, private or other
	// non-public address and Config.AllowPrivate is off (it is
	// ssrf.ErrBlocked, the error of parley's one SSRF guard).
	ErrBlockedAddress = ssrf.ErrBlocked
	// ErrUnsupportedScheme: the URL (or a redirect target) is not http(s).
	ErrUnsupportedScheme = errors.New("unsupported URL scheme")
	// ErrInvalidURL: the URL cannot be parsed or has no host.
	ErrInvalidURL = errors.New("invalid URL")
	// ErrTimeout: the request, body included, took longer than
	// Config.Timeout.
	ErrTimeout = errors.New("timed out")
	// ErrBadEncoding: the Content-Encoding is unknown or its data corrupt.
	ErrBadEncoding = errors.New("bad content encoding")
)

// StatusError is returned for a non-2xx, non-304 response.
type StatusError struct {
	Code int
	// RetryAfter is the parsed Retry-After header (seconds or HTTP-date),
	// zero when absent or unparsable.
	RetryAfter time.Duration
	URL        string
}

func (e *StatusError) Error() string {
	msg := fmt.Sprintf("fetch %s: HTTP %d %s", e.URL, e.Code, http.StatusText(e.Code))
	if e.RetryAfter > 0 {
		msg += fmt.Sprintf(" (retry after %v)", e.RetryAfter)
	}
	return msg
}

// Temporary reports whether retrying later may succeed: 429 and 5xx other
// than 501 Not Implemented. 404, 410 and other 4xx are permanent.
func (e *StatusError) Temporary() bool {
	switch {
	case e.Code == http.StatusTooManyRequests:
		return true
	case e.Code == http.StatusNotImplemented:
		return false
	case e.Code >= 500 && e.Code <= 599:
		return true
	}
	return false
}

// Temporary classifies an error from Get: true when the same request may
// succeed later (timeouts, connection resets and refusals, DNS failures other
// than "no such host", 429 and most 5xx), false for permanent failures
// (blocked addresses, bad URLs, bodies too large, redirect loops, 4xx) and
// for cancellation by the caller.
func Temporary(err error) bool {
	if err == nil {
		return false
	}
	var se *StatusError
	if errors.As(err, &se) {
		return se.Temporary()
	}
	switch {
	case errors.Is(err, ErrBlockedAddress), errors.Is(err, ErrTooLarge),
		errors.Is(err, ErrTooManyRedirects), errors.Is(err, ErrUnsupportedScheme),
		errors.Is(err, ErrInvalidURL), errors.Is(err, ErrBadEncoding):
		return false
	case errors.Is(err, context.Canceled):
		return false
	case errors.Is(err, ErrTimeout), errors.Is(err, context.DeadlineExceeded):
		return true
	}
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		return !dnsErr.IsNotFound
	}
	if errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, syscall.EPIPE) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, io.EOF) {
		return true
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return true
	}
	var oe *net.OpError
	return errors.As(err, &oe)
}
