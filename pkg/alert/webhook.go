package alert

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
	"github.com/parley-news/parley/pkg/ssrf"
)

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

func validWebhook(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("webhook %q: %w", raw, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
		return fmt.Errorf("webhook %q: must be an http or https URL", raw)
	}
	return nil
}

// hookJob is one alert to deliver.
type hookJob struct {
	rule, url, id string
	body          []byte
}

// WebhookStatus is what GET /api/rules shows about a rule's webhook
// deliveries.
type WebhookStatus struct {
	Delivered   int64      `json:"delivered"`
	Failed      int64      `json:"failed"`
	Dropped     int64      `json:"dropped"`
	LastError   string     `json:"last_error,omitempty"`
	LastErrorAt *time.Time `json:"last_error_at,omitempty"`
	LastOKAt    *time.Time `json:"last_delivered_at,omitempty"`
}

// webhooks delivers alerts with one worker per rule, each with a bounded
// queue, so a slow or dead endpoint delays only its own rule's deliveries
// and never matching or publishing: when its queue is full, alerts for it
// are dropped and counted (they stay in the alerts stream for replay).
type webhooks struct {
	cfg    Config
	client *http.Client
	log    *slog.Logger
	total  *prometheus.CounterVec

	mu      sync.Mutex
	ctx     context.Context // set by start; workers run until it ends
	workers map[string]chan hookJob
	status  map[string]*WebhookStatus
	wg      sync.WaitGroup
}

func newWebhooks(cfg Config, total *prometheus.CounterVec, log *slog.Logger) *webhooks {
	d := &net.Dialer{Timeout: 10 * time.Second}
	if !cfg.AllowPrivateWebhooks {
		// The same guard as feeds and pages, on the resolved address.
		d.Control = ssrf.Control(ssrf.Public)
	}
	tr := &http.Transport{
		DialContext:         d.DialContext,
		TLSHandshakeTimeout: 10 * time.Second,
		MaxIdleConnsPerHost: 2,
		IdleConnTimeout:     90 * time.Second,
	}
	return &webhooks{
		cfg: cfg, log: log, total: total,
		client: &http.Client{
			Transport: tr,
			Timeout:   cfg.WebhookTimeout,
			// A webhook answers; it does not send us elsewhere.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
		workers: map[string]chan hookJob{},
		status:  map[string]*WebhookStatus{},
	}
}

// start lets workers run until ctx ends; stop waits for them.
func (h *webhooks) start(ctx context.Context) {
	h.mu.Lock()
	h.ctx = ctx
	h.mu.Unlock()
}

func (h *webhooks) stop() {
	h.wg.Wait()
	h.client.CloseIdleConnections()
}

// enqueue hands an alert to its rule's worker without waiting.
func (h *webhooks) enqueue(j hookJob) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.ctx == nil || h.ctx.Err() != nil {
		return
	}
	q, ok := h.workers[j.rule]
	if !ok {
		q = make(chan hookJob, h.cfg.WebhookQueue)
		h.workers[j.rule] = q
		h.wg.Add(1)
		go func() {
			defer h.wg.Done()
			h.work(h.ctx, q)
		}()
	}
	select {
	case q <- j:
	default:
		h.total.WithLabelValues(j.rule, "dropped").Inc()
		st := h.statusLocked(j.rule)
		st.Dropped++
		now := time.Now().UTC()
		st.LastError, st.LastErrorAt = fmt.Sprintf("queue full (%d alerts waiting): alert %s dropped", cap(q), j.id), &now
		h.log.Warn("webhook queue full, alert dropped", "rule", j.rule, "alert", j.id)
	}
}

func (h *webhooks) statusLocked(rule string) *WebhookStatus {
	st, ok := h.status[rule]
	if !ok {
		st = &WebhookStatus{}
		h.status[rule] = st
	}
	return st
}

// statusOf returns a copy of a rule's webhook status.
func (h *webhooks) statusOf(rule string) (WebhookStatus, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	st, ok := h.status[rule]
	if !ok {
		return WebhookStatus{}, false
	}
	return *st, true
}

func (h *webhooks) work(ctx context.Context, q chan hookJob) {
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
// the endpoint asks for) up to WebhookAttempts; a 4xx other than 408 and
// 429 is not retried, nor a Retry-After beyond WebhookMaxBackoff.
func (h *webhooks) deliver(ctx context.Context, j hookJob) {
	var err error
	policy := backoff.Policy{Initial: h.cfg.WebhookBackoff, Max: h.cfg.WebhookMaxBackoff}
	for attempt := 1; attempt <= h.cfg.WebhookAttempts; attempt++ {
		var retry bool
		var retryAfter time.Duration
		retry, retryAfter, err = h.post(ctx, j)
		if err == nil {
			h.total.WithLabelValues(j.rule, "delivered").Inc()
			h.mu.Lock()
			st := h.statusLocked(j.rule)
			st.Delivered++
			now := time.Now().UTC()
			st.LastOKAt = &now
			h.mu.Unlock()
			return
		}
		if !retry || attempt == h.cfg.WebhookAttempts || ctx.Err() != nil {
			break
		}
		if retryAfter > h.cfg.WebhookMaxBackoff {
			err = fmt.Errorf("%w; it asks to be retried after %s, beyond the longest wait (%s)", err, retryAfter, h.cfg.WebhookMaxBackoff)
			break
		}
		h.total.WithLabelValues(j.rule, "retried").Inc()
		wait := policy.After(attempt, retryAfter)
		h.log.Debug("webhook failed, retrying", "rule", j.rule, "attempt", attempt, "retry_in", wait, "err", err)
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
	h.total.WithLabelValues(j.rule, "failed").Inc()
	h.mu.Lock()
	st := h.statusLocked(j.rule)
	st.Failed++
	now := time.Now().UTC()
	st.LastError, st.LastErrorAt = err.Error(), &now
	h.mu.Unlock()
	h.log.Warn("webhook delivery failed", "rule", j.rule, "alert", j.id, "err", err)
}

// post sends j once; it says whether a failure may be retried, and after
// how long the endpoint asked (Retry-After on a 429 or 503).
func (h *webhooks) post(ctx context.Context, j hookJob) (retry bool, retryAfter time.Duration, err error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, j.url, bytes.NewReader(j.body))
	if err != nil {
		return false, 0, fmt.Errorf("webhook request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "parley-alerter")
	req.Header.Set(HeaderRule, j.rule)
	req.Header.Set(HeaderDelivery, j.id)
	if h.cfg.WebhookSecret != "" {
		req.Header.Set(HeaderSignature, Sign([]byte(h.cfg.WebhookSecret), j.body))
	}
	resp, err := h.client.Do(req)
	if err != nil {
		// *url.Error repeats the whole URL, secret path included.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return !errors.Is(err, ssrf.ErrBlocked), 0, fmt.Errorf("post webhook %s: %w", redactURL(j.url), err)
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
	return retry, retryAfter, fmt.Errorf("post webhook %s: status %s", redactURL(j.url), resp.Status)
}

// redactURL shows a webhook's scheme and host only: the path of many
// webhook URLs is itself the secret (Slack, Teams).
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return "(invalid url)"
	}
	if u.Path == "" || u.Path == "/" {
		return u.Scheme + "://" + u.Host
	}
	return u.Scheme + "://" + u.Host + "/…"
}
