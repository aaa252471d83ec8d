package app

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/parley-news/parley/pkg/internal/sharedtest"
)

// TestWaitsForElasticsearch starts parley with Elasticsearch unreachable
// (a proxy in front of it refuses every connection): while parley waits
// with backoff, /healthz answers 503 with the reason; once Elasticsearch
// can be reached, parley opens the index and /healthz turns ok.
func TestWaitsForElasticsearch(t *testing.T) {
	esURL := sharedtest.ESURL(t)
	u, err := url.Parse(esURL)
	if err != nil {
		t.Fatal(err)
	}
	proxy := newCutProxy(t, u.Host)
	proxy.cut()
	alias := fmt.Sprintf("parley-startwait-%d", time.Now().UnixNano())
	t.Cleanup(func() {
		for _, p := range []string{"/" + alias + "-*", "/_index_template/" + alias} {
			req, _ := http.NewRequest(http.MethodDelete, strings.TrimRight(esURL, "/")+p, nil)
			if resp, err := http.DefaultClient.Do(req); err == nil {
				resp.Body.Close()
			}
		}
	})
	httpAddr := freeAddr(t)
	cfg := Config{
		Data: t.TempDir(), HTTP: httpAddr, NATSListen: freeAddr(t),
		ESURL: "http://" + proxy.addr, ESIndex: alias, PollInterval: time.Hour,
	}
	a, err := New(cfg, AllRoles, testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("run: %v", err)
		}
	})

	health := func() (int, map[string]string) {
		resp, err := http.Get("http://" + httpAddr + "/healthz")
		if err != nil {
			return 0, nil
		}
		defer resp.Body.Close()
		var h struct {
			Checks map[string]string `json:"checks"`
		}
		_ = json.NewDecoder(resp.Body).Decode(&h)
		return resp.StatusCode, h.Checks
	}
	var checks map[string]string
	waitFor(t, "/healthz to say parley waits for Elasticsearch", time.Minute, func() bool {
		code, c := health()
		checks = c
		return code == http.StatusServiceUnavailable && strings.Contains(c["index"], "waiting for elasticsearch") && strings.Contains(c["index"], "unreachable")
	})
	t.Logf("while Elasticsearch is unreachable: /healthz 503 %v", checks)
	select {
	case <-a.Ready():
		t.Fatal("parley is ready without Elasticsearch")
	default:
	}

	proxy.restore(t)
	waitFor(t, "parley to open the index once Elasticsearch answers", 2*time.Minute, func() bool {
		select {
		case <-a.Ready():
			return true
		default:
			return false
		}
	})
	waitFor(t, "/healthz ok", 30*time.Second, func() bool {
		code, c := health()
		checks = c
		return code == http.StatusOK
	})
	t.Logf("after Elasticsearch came back: /healthz 200 %v", checks)
	resp, err := http.Get("http://" + httpAddr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	for _, m := range []string{`parley_elasticsearch_items_total{outcome="rejected"} 0`, "parley_elasticsearch_bulk_requests_total", `parley_elasticsearch_retries_total{kind="item"}`} {
		if !strings.Contains(string(body), m) {
			t.Errorf("/metrics lacks %s", m)
		}
	}
}
