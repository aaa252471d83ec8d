package fetcher

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"fmt"
	"hash"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/parley-news/parley/pkg/feed"
	"github.com/parley-news/parley/pkg/feedstore"
	"github.com/parley-news/parley/pkg/fetch"
	"github.com/parley-news/parley/pkg/redact"
)

// WebSub (W3C): a feed that names a hub (<atom:link rel="hub">, a Link
// header, JSON Feed "hubs") is subscribed to at the hub with a secret and a
// lease; the hub verifies the intent with a GET to the callback
// (<--websub-callback>/websub/<feed key>) and then POSTs new content there,
// signed with HMAC (X-Hub-Signature). A pushed document goes through the
// same new-item detection as a polled one, so the backup poll (at least
// webSubBackup apart) finds those items seen. Leases are renewed at a poll
// once less than a tenth of them (at least an hour) is left.

const (
	webSubLease      = 10 * 24 * time.Hour
	webSubBackup     = 6 * time.Hour
	webSubRetry      = 30 * time.Minute // a pending or failed subscription is asked again after this
	webSubSecretSize = 32
)

type webSubMetrics struct {
	subs   *prometheus.CounterVec
	pushes *prometheus.CounterVec
}

func newWebSubMetrics() webSubMetrics {
	return webSubMetrics{
		subs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "parley_websub_subscriptions_total", Help: "WebSub subscription events (requested, failed, verified, denied, refused_verification).",
		}, []string{"outcome"}),
		pushes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "parley_websub_pushes_total", Help: "Content pushed by WebSub hubs, by outcome (ingested, unsigned, bad_signature, unknown_feed, bad_feed, error).",
		}, []string{"outcome"}),
	}
}

// webSubCallback is the callback URL of a feed.
func (f *Fetcher) webSubCallback(feedURL string) string {
	return strings.TrimSuffix(f.cfg.WebSubCallback, "/") + "/websub/" + feedstore.FeedKey(feedURL)
}

// linkRels reads rel="hub" and rel="self" from Link headers.
func linkRels(h http.Header) (hub, self string) {
	for _, v := range h.Values("Link") {
		for _, part := range strings.Split(v, ",") {
			target, params, ok := strings.Cut(strings.TrimSpace(part), ";")
			target = strings.TrimSpace(target)
			if !ok || !strings.HasPrefix(target, "<") || !strings.HasSuffix(target, ">") {
				continue
			}
			target = target[1 : len(target)-1]
			for _, p := range strings.Split(params, ";") {
				k, val, _ := strings.Cut(strings.TrimSpace(p), "=")
				if !strings.EqualFold(k, "rel") {
					continue
				}
				for _, rel := range strings.Fields(strings.ToLower(strings.Trim(val, `"`))) {
					switch {
					case rel == "hub" && hub == "":
						hub = target
					case rel == "self" && self == "":
						self = target
					}
				}
			}
		}
	}
	return hub, self
}

// subscribe (re)subscribes to the feed's hub when it names one and the
// subscription is missing, for another hub or topic, failed a while ago,
// or near the end of its lease. It records the hub on st, and reports
// whether the hub pushes the feed's content (an active subscription).
func (f *Fetcher) subscribe(ctx context.Context, st *feedstore.FeedState, feedURL string, doc *feed.Feed, header http.Header) bool {
	if f.cfg.WebSubCallback == "" {
		return false
	}
	hub, self := linkRels(header)
	if doc != nil {
		hub, self = cmp(doc.Hub, hub), cmp(doc.Self, self)
	}
	if hub == "" {
		hub = st.Hub // a 304: the hub the document named
	}
	if hub == "" {
		st.Hub = ""
		return false
	}
	if hu, err := url.Parse(hub); err != nil || (hu.Scheme != "http" && hu.Scheme != "https") {
		return false
	}
	st.Hub = hub
	topic := cmp(self, feedURL)
	log := f.log.With("feed", redact.URL(feedURL), "hub", hub)
	sub, ok, err := f.feeds.WebSubOf(ctx, feedURL)
	if err != nil {
		log.Warn("read websub subscription", "err", err)
		return false
	}
	now := time.Now()
	if ok && sub.Hub == hub && sub.Topic == topic {
		switch sub.State {
		case feedstore.WebSubActive:
			if sub.LeaseUntil != nil {
				left := sub.LeaseUntil.Sub(now)
				if left > max(time.Hour, webSubLease/10) {
					return true
				}
			}
		case feedstore.WebSubPending, feedstore.WebSubFailed, feedstore.WebSubDenied:
			if now.Sub(sub.Requested) < webSubRetry {
				return false
			}
		}
	}
	if !ok || sub.Hub != hub || sub.Topic != topic || sub.Secret == "" {
		secret := make([]byte, webSubSecretSize)
		if _, err := rand.Read(secret); err != nil {
			log.Error("websub secret", "err", err)
			return false
		}
		sub = feedstore.WebSub{FeedURL: feedURL, Hub: hub, Topic: topic, Secret: hex.EncodeToString(secret)}
	}
	if sub.State != feedstore.WebSubActive {
		sub.State = feedstore.WebSubPending
	}
	sub.Requested, sub.Error = now.UTC(), ""
	// Recorded before asking, so that the hub's verification finds it.
	if err := f.feeds.PutWebSub(ctx, sub); err != nil {
		log.Warn("save websub subscription", "err", err)
		return false
	}
	form := url.Values{
		"hub.mode": {"subscribe"}, "hub.topic": {topic}, "hub.callback": {f.webSubCallback(feedURL)},
		"hub.secret": {sub.Secret}, "hub.lease_seconds": {strconv.Itoa(int(webSubLease.Seconds()))},
	}
	if _, err := f.client.PostForm(ctx, hub, form, fetch.Options{Limit: 64 << 10}); err != nil {
		if sub.State != feedstore.WebSubActive {
			sub.State = feedstore.WebSubFailed
		}
		sub.Error = redact.In(err.Error(), hub)
		f.webSub.subs.WithLabelValues("failed").Inc()
		log.Warn("websub subscription request failed", "err", sub.Error)
		if err := f.feeds.PutWebSub(context.WithoutCancel(ctx), sub); err != nil {
			log.Warn("save websub subscription", "err", err)
		}
		return sub.State == feedstore.WebSubActive
	}
	// Not saved again: the hub may have verified it meanwhile, and that
	// record (active, its lease) is the one to keep.
	f.webSub.subs.WithLabelValues("requested").Inc()
	log.Info("websub subscription requested", "topic", topic)
	return sub.State == feedstore.WebSubActive
}

func cmp(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// WebSubHandler serves the callback: GET verifies a subscription's intent,
// POST receives content. Mount it at GET and POST /websub/{feed}.
func (f *Fetcher) WebSubHandler() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		switch r.Method {
		case http.MethodGet:
			f.verifyIntent(w, r)
		case http.MethodPost:
			f.receive(w, r)
		default:
			http.Error(w, "GET or POST", http.StatusMethodNotAllowed)
		}
	}
}

func (f *Fetcher) verifyIntent(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	sub, ok, err := f.feeds.WebSubByKey(r.Context(), r.PathValue("feed"))
	if err != nil {
		http.Error(w, "subscription unavailable", http.StatusServiceUnavailable)
		return
	}
	mode, topic := q.Get("hub.mode"), q.Get("hub.topic")
	if !ok || topic != sub.Topic {
		f.webSub.subs.WithLabelValues("refused_verification").Inc()
		http.NotFound(w, r)
		return
	}
	log := f.log.With("feed", redact.URL(sub.FeedURL), "hub", sub.Hub)
	switch mode {
	case "subscribe":
		if sub.State != feedstore.WebSubPending && sub.State != feedstore.WebSubActive {
			f.webSub.subs.WithLabelValues("refused_verification").Inc()
			http.NotFound(w, r)
			return
		}
		lease := webSubLease
		if n, err := strconv.Atoi(q.Get("hub.lease_seconds")); err == nil && n > 0 {
			lease = time.Duration(n) * time.Second
		}
		until := time.Now().Add(lease).UTC()
		sub.State, sub.LeaseUntil, sub.Error = feedstore.WebSubActive, &until, ""
		if err := f.feeds.PutWebSub(r.Context(), sub); err != nil {
			http.Error(w, "subscription unavailable", http.StatusServiceUnavailable)
			return
		}
		f.webSub.subs.WithLabelValues("verified").Inc()
		log.Info("websub subscription verified", "lease_until", until)
		w.Header().Set("Content-Type", "text/plain")
		_, _ = io.WriteString(w, q.Get("hub.challenge"))
	case "denied":
		sub.State, sub.Error = feedstore.WebSubDenied, q.Get("hub.reason")
		if err := f.feeds.PutWebSub(r.Context(), sub); err != nil {
			log.Warn("save websub subscription", "err", err)
		}
		f.webSub.subs.WithLabelValues("denied").Inc()
		log.Warn("websub subscription denied", "reason", sub.Error)
		w.WriteHeader(http.StatusOK)
	default: // parley never unsubscribes: a lease it stops renewing ends
		f.webSub.subs.WithLabelValues("refused_verification").Inc()
		http.NotFound(w, r)
	}
}

// receive takes a hub's content distribution. A body that is unsigned or
// wrongly signed is refused with 403 and counted; nothing of it is read as
// a feed. (WebSub would have subscribers answer 2xx and drop it silently;
// parley refuses visibly, which a hub counts as a failed delivery.)
func (f *Fetcher) receive(w http.ResponseWriter, r *http.Request) {
	limit := f.client.Config().MaxFeedBytes
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	if err != nil {
		http.Error(w, fmt.Sprintf("body over the %d-byte limit", limit), http.StatusRequestEntityTooLarge)
		return
	}
	sub, ok, err := f.feeds.WebSubByKey(r.Context(), r.PathValue("feed"))
	if err != nil {
		http.Error(w, "subscription unavailable", http.StatusServiceUnavailable)
		return
	}
	if !ok || sub.State != feedstore.WebSubActive {
		f.webSub.pushes.WithLabelValues("unknown_feed").Inc()
		http.Error(w, "no such subscription", http.StatusGone)
		return
	}
	log := f.log.With("feed", redact.URL(sub.FeedURL), "hub", sub.Hub)
	if reason := checkSignature(r.Header.Get("X-Hub-Signature"), sub.Secret, body); reason != "" {
		f.webSub.pushes.WithLabelValues(reason).Inc()
		log.Warn("websub push refused", "reason", reason, "remote", r.RemoteAddr)
		http.Error(w, "signature: "+strings.ReplaceAll(reason, "_", " "), http.StatusForbidden)
		return
	}
	doc, err := feed.Parse(body, r.Header.Get("Content-Type"), sub.FeedURL)
	if err != nil {
		f.webSub.pushes.WithLabelValues("bad_feed").Inc()
		log.Warn("websub push is not a feed", "err", err)
		http.Error(w, "not a feed", http.StatusBadRequest)
		return
	}
	st, err := f.feeds.FeedState(r.Context(), sub.FeedURL)
	if err != nil {
		http.Error(w, "feed state unavailable", http.StatusServiceUnavailable)
		return
	}
	published, err := f.publishItems(r.Context(), sub.FeedURL, st.Title, doc)
	now := time.Now().UTC()
	sub.LastPush, sub.Pushes = &now, sub.Pushes+1
	if perr := f.feeds.PutWebSub(context.WithoutCancel(r.Context()), sub); perr != nil {
		log.Warn("save websub subscription", "err", perr)
	}
	if err != nil {
		// Items not published are not marked seen: the next poll takes them.
		f.webSub.pushes.WithLabelValues("error").Inc()
		log.Warn("websub push: publish", "published", published, "err", err)
		http.Error(w, "not all items could be taken", http.StatusServiceUnavailable)
		return
	}
	f.webSub.pushes.WithLabelValues("ingested").Inc()
	log.Info("websub push", "new_items", published)
	w.WriteHeader(http.StatusAccepted)
}

// checkSignature checks X-Hub-Signature ("sha256=<hex>", also sha1,
// sha384, sha512) over body; it returns "" when it holds, else the reason.
func checkSignature(header, secret string, body []byte) string {
	method, sig, ok := strings.Cut(strings.TrimSpace(header), "=")
	if !ok || sig == "" {
		return "unsigned"
	}
	var h func() hash.Hash
	switch strings.ToLower(method) {
	case "sha1":
		h = sha1.New
	case "sha256":
		h = sha256.New
	case "sha384":
		h = sha512.New384
	case "sha512":
		h = sha512.New
	default:
		return "bad_signature"
	}
	want, err := hex.DecodeString(sig)
	if err != nil {
		return "bad_signature"
	}
	mac := hmac.New(h, []byte(secret))
	mac.Write(body)
	if !hmac.Equal(mac.Sum(nil), want) {
		return "bad_signature"
	}
	return ""
}
