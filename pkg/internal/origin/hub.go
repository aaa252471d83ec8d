package origin

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
)

// Hub is a WebSub hub for tests: it takes a subscription, verifies the
// subscriber's intent with a GET to its callback (after answering 202, as
// hubs do), reports the outcome on Verified, and pushes content on request.
type Hub struct {
	*httptest.Server
	// Verified receives nil for each verification the subscriber
	// answered with the challenge, else what went wrong.
	Verified chan error

	mu   sync.Mutex
	sub  Subscription            // the last one asked for
	subs map[string]Subscription // by topic
}

// Subscription is what a subscriber asked the hub for.
type Subscription struct {
	Callback, Topic, Secret, Lease string
}

// StartHub serves a hub on loopback until Close.
func StartHub() *Hub {
	h := &Hub{Verified: make(chan error, 8)}
	h.Server = httptest.NewServer(http.HandlerFunc(h.serve))
	return h
}

func (h *Hub) serve(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil || r.Method != http.MethodPost || r.Form.Get("hub.mode") != "subscribe" {
		http.Error(w, "want a subscription request", http.StatusBadRequest)
		return
	}
	sub := Subscription{Callback: r.Form.Get("hub.callback"), Topic: r.Form.Get("hub.topic"), Secret: r.Form.Get("hub.secret"), Lease: r.Form.Get("hub.lease_seconds")}
	h.mu.Lock()
	h.sub = sub
	if h.subs == nil {
		h.subs = map[string]Subscription{}
	}
	h.subs[sub.Topic] = sub
	h.mu.Unlock()
	w.WriteHeader(http.StatusAccepted)
	go func() {
		q := url.Values{"hub.mode": {"subscribe"}, "hub.topic": {sub.Topic}, "hub.challenge": {"challenge-4711"}, "hub.lease_seconds": {"3600"}}
		resp, err := http.Get(sub.Callback + "?" + q.Encode())
		if err != nil {
			h.Verified <- err
			return
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || string(body) != "challenge-4711" {
			err = fmt.Errorf("verification of intent answered %d %q", resp.StatusCode, body)
		}
		h.Verified <- err
	}()
}

// Subscription is the last subscription asked for.
func (h *Hub) Subscription() Subscription {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.sub
}

// SubscriptionTo is the last subscription asked for to topic.
func (h *Hub) SubscriptionTo(topic string) (Subscription, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	s, ok := h.subs[topic]
	return s, ok
}

// Push distributes body to the last subscriber, signed with HMAC-SHA256
// under secret (unsigned when secret is empty), and returns the answer's
// status.
func (h *Hub) Push(body []byte, contentType, secret string) (int, error) {
	return push(h.Subscription().Callback, body, contentType, secret)
}

// PushTo distributes body to the subscriber of s, signed under its secret.
func (h *Hub) PushTo(s Subscription, body []byte, contentType string) (int, error) {
	return push(s.Callback, body, contentType, s.Secret)
}

func push(callback string, body []byte, contentType, secret string) (int, error) {
	req, err := http.NewRequest(http.MethodPost, callback, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", contentType)
	if secret != "" {
		mac := hmac.New(sha256.New, []byte(secret))
		mac.Write(body)
		req.Header.Set("X-Hub-Signature", "sha256="+hex.EncodeToString(mac.Sum(nil)))
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	resp.Body.Close()
	return resp.StatusCode, nil
}
