package app

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/parley-news/parley/pkg/bus"
	"github.com/parley-news/parley/pkg/internal/sharedtest"
)

// cutProxy forwards TCP connections to target until it is cut: then it
// closes its listener and every open connection, so that to its clients
// the server is gone (connection refused), until it is restored on the
// same address.
type cutProxy struct {
	addr, target string
	wg           sync.WaitGroup
	mu           sync.Mutex
	ln           net.Listener
	conns        map[net.Conn]bool
}

func newCutProxy(t *testing.T, target string) *cutProxy {
	t.Helper()
	p := &cutProxy{target: target, conns: map[net.Conn]bool{}}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p.addr = ln.Addr().String()
	p.serve(ln)
	t.Cleanup(func() {
		p.cut()
		p.wg.Wait()
	})
	return p
}

func (p *cutProxy) serve(ln net.Listener) {
	p.mu.Lock()
	p.ln = ln
	p.mu.Unlock()
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			p.wg.Add(1)
			go func() {
				defer p.wg.Done()
				p.pipe(c)
			}()
		}
	}()
}

func (p *cutProxy) pipe(c net.Conn) {
	up, err := net.Dial("tcp", p.target)
	if err != nil {
		c.Close()
		return
	}
	p.mu.Lock()
	if p.ln == nil { // cut meanwhile
		p.mu.Unlock()
		c.Close()
		up.Close()
		return
	}
	p.conns[c], p.conns[up] = true, true
	p.mu.Unlock()
	done := make(chan struct{}, 2)
	go func() { _, _ = io.Copy(up, c); done <- struct{}{} }()
	go func() { _, _ = io.Copy(c, up); done <- struct{}{} }()
	<-done
	c.Close()
	up.Close()
	<-done
	p.mu.Lock()
	delete(p.conns, c)
	delete(p.conns, up)
	p.mu.Unlock()
}

// cut closes the listener and every connection.
func (p *cutProxy) cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln != nil {
		p.ln.Close()
		p.ln = nil
	}
	for c := range p.conns {
		c.Close()
	}
}

// restore listens again on the same address.
func (p *cutProxy) restore(t *testing.T) {
	t.Helper()
	var ln net.Listener
	var err error
	for range 50 {
		if ln, err = net.Listen("tcp", p.addr); err == nil {
			p.serve(ln)
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("restore proxy on %s: %v", p.addr, err)
}

// TestElasticsearchOutage ingests 300 generated articles with parley run
// into a real Elasticsearch (PARLEY_TEST_ES_URL, as `make test` sets it),
// makes Elasticsearch unreachable for 30 s mid-stream (a proxy in front of
// it refuses and drops every connection), and checks afterwards that the
// index holds every article exactly once.
func TestElasticsearchOutage(t *testing.T) {
	esURL := sharedtest.ESURL(t)
	if testing.Short() {
		t.Skip("holds Elasticsearch down for 30 s")
	}
	u, err := url.Parse(esURL)
	if err != nil {
		t.Fatal(err)
	}
	proxy := newCutProxy(t, u.Host)
	const feeds, items = 3, 100
	o, want := generatedOrigin(t, feeds, items)
	total := len(want)
	alias := fmt.Sprintf("parley-fault-es-%d", time.Now().UnixNano())
	a, _ := startApp(t, Config{
		ESURL: "http://" + proxy.addr, ESIndex: alias, AllowPrivate: true,
		PollInterval: time.Hour, FetchTimeout: 10 * time.Second,
	}, o.GeneratedFeedURLs())
	t.Cleanup(func() {
		// Drop the test's index and template from the shared cluster.
		if n, ok := a.Backend().(interface{ IndexName() string }); ok && n.IndexName() != "" {
			for _, path := range []string{"/" + n.IndexName(), "/_index_template/" + alias} {
				req, _ := http.NewRequest(http.MethodDelete, esURL+path, nil)
				if resp, err := http.DefaultClient.Do(req); err == nil {
					resp.Body.Close()
				}
			}
		}
	})
	js := a.Bus().JetStream()

	waitFor(t, "a fifth of the articles indexed", 4*time.Minute, func() bool { return streamMsgs(js, bus.StreamIndexed) >= total/5 })
	atCut := streamMsgs(js, bus.StreamIndexed)
	parsedAtCut := streamMsgs(js, bus.StreamArticles)
	proxy.cut()
	time.Sleep(30 * time.Second)
	atRestore := streamMsgs(js, bus.StreamIndexed)
	parsedAtRestore := streamMsgs(js, bus.StreamArticles)
	proxy.restore(t)
	t.Logf("elasticsearch unreachable for 30 s: indexed %d -> %d, parsed %d -> %d meanwhile", atCut, atRestore, parsedAtCut, parsedAtRestore)

	waitFor(t, "every article indexed after the outage", 5*time.Minute, func() bool {
		return streamMsgs(js, bus.StreamIndexed) >= total && drained(js, bus.StreamArticles, "indexer")
	})
	ctx := context.Background()
	if r, ok := a.Backend().(interface{ Refresh(context.Context) error }); ok {
		if err := r.Refresh(ctx); err != nil {
			t.Fatal(err)
		}
	}
	docs, err := a.Backend().Count(ctx)
	if err != nil {
		t.Fatal(err)
	}
	tl := countAgainst(want, hitsByID(t, a.Backend(), docs), docs)
	dlq := streamMsgs(js, bus.StreamDLQ)
	t.Logf("reliability: Elasticsearch unreachable for 30 s at %d/%d articles indexed (parley run); load %d articles; expected %d, found %d, duplicates %d (missing %d, unexpected %d, dead letters %d)",
		atCut, total, total, tl.expected, tl.found, tl.duplicates, tl.missing, tl.unexpected, dlq)
	if tl.missing != 0 || tl.unexpected != 0 || tl.duplicates != 0 || docs != total || dlq != 0 {
		t.Fatalf("after the outage: %d documents, missing %d, unexpected %d, duplicates %d, dead letters %d", docs, tl.missing, tl.unexpected, tl.duplicates, dlq)
	}
}
