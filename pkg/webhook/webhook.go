// Package webhook delivers alerts to the HTTP endpoints of saved searches:
// one worker and a bounded queue per rule, so a slow or dead endpoint holds
// up only its own rule; bodies signed with HMAC-SHA256 (X-Parley-Signature);
// retries with a capped back-off that honours Retry-After; the SSRF guard
// on the resolved address; and each rule's delivery status for GET
// /api/rules.
package webhook

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/parley-news/parley/pkg/backoff"
	"github.com/parley-news/parley/pkg/internal/panics"
	"github.com/parley-news/parley/pkg/ssrf"
)

// Config of the sender.
type Config struct {
	// Secret signs bodies (X-Parley-Signature); empty sends them unsigned.
	Secret string
	// Queue is how many alerts may wait per rule before further ones are
	// dropped (and counted).
	Queue int
	// Attempts bounds the tries of one delivery.
	Attempts int
	// Backoff is the wait before the first retry; it doubles up to
	// MaxBackoff. A Retry-After the endpoint sends is waited for when
	// longer; one beyond MaxBackoff ends the delivery.
	Backoff    time.Duration
	MaxBackoff time.Duration
	// Timeout bounds one HTTP attempt.
	Timeout time.Duration
	// AllowPrivate permits endpoints on loopback and private networks
	// (--allow-private-addresses).
	AllowPrivate bool
}

// Defaults fills zero settings.
func (c *Config) Defaults() {
	if c.Queue == 0 {
		c.Queue = 256
	}
	if c.Attempts == 0 {
		c.Attempts = 5
	}
	if c.Backoff == 0 {
		c.Backoff = time.Second
	}
	if c.MaxBackoff == 0 {
		c.MaxBackoff = time.Minute
	}
	if c.Timeout == 0 {
		c.Timeout = 10 * time.Second
	}
}

// Validate names the first bad setting.
func (c *Config) Validate() error {
	switch {
	case c.Queue < 1 || c.Queue > 1<<20:
		return fmt.Errorf("webhook queue %d: must be 1 to %d", c.Queue, 1<<20)
	case c.Attempts < 1 || c.Attempts > 20:
		return fmt.Errorf("webhook attempts %d: must be 1 to 20", c.Attempts)
	case c.Backoff <= 0 || c.Backoff > time.Hour:
		return fmt.Errorf("webhook backoff %s: must be positive and at most 1h", c.Backoff)
	case c.MaxBackoff < c.Backoff || c.MaxBackoff > time.Hour:
		return fmt.Errorf("webhook max backoff %s: must be at least the backoff (%s) and at most 1h", c.MaxBackoff, c.Backoff)
	case c.Timeout <= 0:
		return fmt.Errorf("webhook timeout %s: must be positive", c.Timeout)
	}
	return nil
}

// Webhook request headers.
const (
	HeaderSignature = "X-Parley-Signature" // sha256=<hex HMAC-SHA256 of the body>
	HeaderRule      = "X-Parley-Rule"
	HeaderDelivery  = "X-Parley-Delivery" // the same id on every retry of one alert
)

// Sign is the X-Parley-Signature value of body under secret, for
// receivers to compare (with hmac.Equal) against the header.
func Sign(secret, body []byte) string {
	m := hmac.New(sha256.New, secret)
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// ValidURL says whether raw can be a rule's webhook: an http or https URL
// with a host (where it points is judged when it is dialled).
func ValidURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("webhook %q: %w", raw, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
		return fmt.Errorf("webhook %q: must be an http or https URL", raw)
	}
	return nil
}

// Job is one alert to deliver: its rule, the endpoint, the delivery id
// (the same on every retry: X-Parley-Delivery) and the JSON body.
type Job struct {
	Rule, URL, ID string
	Body          []byte
}

// Status is what GET /api/rules shows about a rule's webhook deliveries.
type Status struct {
	Delivered   int64      `json:"delivered"`
	Failed      int64      `json:"failed"`
	Dropped     int64      `json:"dropped"`
	LastError   string     `json:"last_error,omitempty"`
	LastErrorAt *time.Time `json:"last_error_at,omitempty"`
	LastOKAt    *time.Time `json:"last_delivered_at,omitempty"`
}

// Sender delivers alerts with one worker per rule, each with a bounded
// queue, so a slow or dead endpoint delays only its own rule's deliveries
// and never matching or publishing: when its queue is full, alerts for it
// are dropped and counted (they stay in the alerts stream for replay).
type Sender struct {
	cfg    Config
	client *http.Client
	log    *slog.Logger
	total  *prometheus.CounterVec

	mu      sync.Mutex
	ctx     context.Context // set by start; workers run until it ends
	workers map[string]chan Job
	status  map[string]*Status
	wg      sync.WaitGroup
}

// New is a sender; total counts deliveries by rule and outcome (delivered,
// retried, failed, dropped). Start lets it deliver.
func New(cfg Config, total *prometheus.CounterVec, log *slog.Logger) *Sender {
	d := &net.Dialer{Timeout: 10 * time.Second}
	if !cfg.AllowPrivate {
		// The same guard as feeds and pages, on the resolved address.
		d.Control = ssrf.Control(ssrf.Public)
	}
	tr := &http.Transport{
		DialContext:         d.DialContext,
		TLSHandshakeTimeout: 10 * time.Second,
		MaxIdleConnsPerHost: 2,
		IdleConnTimeout:     90 * time.Second,
	}
	return &Sender{
		cfg: cfg, log: log, total: total,
		client: &http.Client{
			Transport: tr,
			Timeout:   cfg.Timeout,
			// A webhook answers; it does not send us elsewhere.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
		workers: map[string]chan Job{},
		status:  map[string]*Status{},
	}
}

// Start lets workers run until ctx ends; Stop waits for them.
func (h *Sender) Start(ctx context.Context) {
	h.mu.Lock()
	h.ctx = ctx
	h.mu.Unlock()
}

// Stop waits for the workers once the context given to Start has ended.
func (h *Sender) Stop() {
	h.wg.Wait()
	h.client.CloseIdleConnections()
}

// Enqueue hands an alert to its rule's worker without waiting; when the
// rule's queue is full the alert is dropped and counted.
func (h *Sender) Enqueue(j Job) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.ctx == nil || h.ctx.Err() != nil {
		return
	}
	q, ok := h.workers[j.Rule]
	if !ok {
		q = make(chan Job, h.cfg.Queue)
		h.workers[j.Rule] = q
		h.wg.Add(1)
		go func() {
			defer h.wg.Done()
			h.work(h.ctx, q)
		}()
	}
	select {
	case q <- j:
	default:
		h.total.WithLabelValues(j.Rule, "dropped").Inc()
		st := h.statusLocked(j.Rule)
		st.Dropped++
		now := time.Now().UTC()
		st.LastError, st.LastErrorAt = fmt.Sprintf("queue full (%d alerts waiting): alert %s dropped", cap(q), j.ID), &now
		h.log.Warn("webhook queue full, alert dropped", "rule", j.Rule, "alert", j.ID)
	}
}

func (h *Sender) statusLocked(rule string) *Status {
	st, ok := h.status[rule]
	if !ok {
		st = &Status{}
		h.status[rule] = st
	}
	return st
}

// Status returns a copy of a rule's delivery status.
func (h *Sender) Status(rule string) (Status, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	st, ok := h.status[rule]
	if !ok {
		return Status{}, false
	}
	return *st, true
}

func (h *Sender) work(ctx context.Context, q chan Job) {
	for {
		select {
		case <-ctx.Done():
			return
		case j := <-q:
			h.deliver(ctx, j)
		}
	}
}

// deliver posts j, retrying with the back-off (and any longer Retry-After
// the endpoint asks for) up to Attempts; a 4xx other than 408 and
// 429 is not retried, nor a Retry-After beyond MaxBackoff.
func (h *Sender) deliver(ctx context.Context, j Job) {
	var err error
	policy := backoff.Policy{Initial: h.cfg.Backoff, Max: h.cfg.MaxBackoff}
	for attempt := 1; attempt <= h.cfg.Attempts; attempt++ {
		var retry bool
		var retryAfter time.Duration
		retry, retryAfter, err = h.post(ctx, j)
		if err == nil {
			h.total.WithLabelValues(j.Rule, "delivered").Inc()
			h.mu.Lock()
			st := h.statusLocked(j.Rule)
			st.Delivered++
			now := time.Now().UTC()
			st.LastOKAt = &now
			h.mu.Unlock()
			return
		}
		if !retry || attempt == h.cfg.Attempts || ctx.Err() != nil {
			break
		}
		if retryAfter > h.cfg.MaxBackoff {
			err = fmt.Errorf("%w; it asks to be retried after %s, beyond the longest wait (%s)", err, retryAfter, h.cfg.MaxBackoff)
			break
		}
		h.total.WithLabelValues(j.Rule, "retried").Inc()
		wait := policy.After(attempt, retryAfter)
		h.log.Debug("webhook failed, retrying", "rule", j.Rule, "attempt", attempt, "retry_in", wait, "err", err)
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
	}
	if ctx.Err() != nil {
		return // shutting down: not the endpoint's failure
	}
	h.total.WithLabelValues(j.Rule, "failed").Inc()
	h.mu.Lock()
	st := h.statusLocked(j.Rule)
	st.Failed++
	now := time.Now().UTC()
	st.LastError, st.LastErrorAt = err.Error(), &now
	h.mu.Unlock()
	h.log.Warn("webhook delivery failed", "rule", j.Rule, "alert", j.ID, "err", err)
}

// post sends j once; it says whether a failure may be retried, and after
// how long the endpoint asked (Retry-After on a 429 or 503).
//
// A panic while posting (a bug on an endpoint's answer) is a failure that
// is not retried, logged with its stack: it never stops the alerter.
func (h *Sender) post(ctx context.Context, j Job) (retry bool, retryAfter time.Duration, err error) {
	if p := panics.Catch(func() { retry, retryAfter, err = h.postOnce(ctx, j) }); p != nil {
		h.log.Error("posting the webhook panicked", "rule", j.Rule, "alert", j.ID, "panic", p.Value, "stack", string(p.Stack))
		return false, 0, fmt.Errorf("posting the webhook %w", p)
	}
	return retry, retryAfter, err
}

func (h *Sender) postOnce(ctx context.Context, j Job) (retry bool, retryAfter time.Duration, err error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, j.URL, bytes.NewReader(j.Body))
	if err != nil {
		return false, 0, fmt.Errorf("webhook request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "parley-alerter")
	req.Header.Set(HeaderRule, j.Rule)
	req.Header.Set(HeaderDelivery, j.ID)
	if h.cfg.Secret != "" {
		req.Header.Set(HeaderSignature, Sign([]byte(h.cfg.Secret), j.Body))
	}
	resp, err := h.client.Do(req)
	if err != nil {
		// *url.Error repeats the whole URL, secret path included.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return !errors.Is(err, ssrf.ErrBlocked), 0, fmt.Errorf("post webhook %s: %w", RedactURL(j.URL), err)
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	_ = resp.Body.Close()
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return false, 0, nil
	}
	retry = resp.StatusCode >= 500 || resp.StatusCode == http.StatusRequestTimeout || resp.StatusCode == http.StatusTooManyRequests
	if resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable {
		retryAfter = backoff.RetryAfter(resp.Header.Get("Retry-After"), time.Now())
	}
	return retry, retryAfter, fmt.Errorf("post webhook %s: status %s", RedactURL(j.URL), resp.Status)
}

// RedactURL shows a webhook's scheme and host only: the path of many
// webhook URLs is itself the secret (Slack, Teams).
func RedactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return "(invalid url)"
	}
	if u.Path == "" || u.Path == "/" {
		return u.Scheme + "://" + u.Host
	}
	return u.Scheme + "://" + u.Host + "/…"
}
