package app

// The harness the pipeline and fault tests share: parley in-process or as
// processes of the built binary, nats-servers, waiting, and counting what
// reached the streams and the index. export_test.go hands the part the
// external tests (package app_test) use to them.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/parley-news/parley/pkg/article"
	"github.com/parley-news/parley/pkg/bus"
	"github.com/parley-news/parley/pkg/bus/bustest"
	"github.com/parley-news/parley/pkg/index"
	"github.com/parley-news/parley/pkg/index/embedded"
	"github.com/parley-news/parley/pkg/internal/origin"
	"github.com/parley-news/parley/pkg/query"
)

// buildParley compiles the parley command once per test binary.
var buildParley = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "parley-bin")
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "parley")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	cmd.Dir = filepath.Join("..", "..", "services", "parley")
	out, err := cmd.CombinedOutput()
	if err != nil {
		return "", &buildError{out: string(out), err: err}
	}
	return bin, nil
})

type buildError struct {
	out string
	err error
}

func (e *buildError) Error() string { return "go build: " + e.err.Error() + "\n" + e.out }

// lockedBuffer is an output sink shared by goroutines (a process's output
// and the test, an app's logger and the test).
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// parleyBinary builds the parley command (once) for a test that runs it
// as processes, and skips that test under -short.
func parleyBinary(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds and runs the parley binary")
	}
	bin, err := buildParley()
	if err != nil {
		t.Fatal(err)
	}
	return bin
}

// proc is a parley process whose output is kept for the test log.
type proc struct {
	name string
	cmd  *exec.Cmd
	out  lockedBuffer
}

// startProc runs `bin name args...`; it is stopped when the test ends, and
// its output logged if the test failed.
func startProc(t *testing.T, bin, name string, args ...string) *proc {
	t.Helper()
	p := &proc{name: name}
	p.cmd = exec.Command(bin, append([]string{name}, args...)...)
	p.cmd.Stdout, p.cmd.Stderr = &p.out, &p.out
	// The tests' origins serve many feeds from one loopback host, faster
	// than the default politeness would fetch them (flags override this).
	p.cmd.Env = append(os.Environ(), "PARLEY_LOG_LEVEL=info", "PARLEY_HOST_CONCURRENCY=64", "PARLEY_HOST_DELAY=0")
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	t.Cleanup(func() {
		p.stop(t)
		if t.Failed() {
			t.Logf("--- %s output ---\n%s", name, p.out.String())
		}
	})
	return p
}

// stop sends SIGTERM and waits for a clean exit.
func (p *proc) stop(t *testing.T) {
	if p.cmd.ProcessState != nil {
		return
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan error, 1)
	go func() { done <- p.cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("%s exited with %v", p.name, err)
		}
	case <-time.After(60 * time.Second):
		_ = p.cmd.Process.Kill()
		<-done
		t.Errorf("%s did not stop within 60s of SIGTERM", p.name)
	}
}

// kill ends the process with SIGKILL, as a crash would, and reaps it.
func (p *proc) kill(t *testing.T) {
	t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = p.cmd.Wait()
}

// freeAddr is a loopback address no one listens on.
func freeAddr(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// writeFeedList writes a feeds file (--feeds) of urls and returns its path.
func writeFeedList(t testing.TB, urls ...string) string {
	t.Helper()
	list := filepath.Join(t.TempDir(), "feeds.txt")
	if err := os.WriteFile(list, []byte(strings.Join(urls, "\n")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return list
}

// startOrigin serves the test site until the test ends.
func startOrigin(t testing.TB, g origin.Generated) *origin.Origin {
	t.Helper()
	o, err := origin.Start(g)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(o.Close)
	return o
}

// generatedOrigin serves feeds generated feeds of items articles each until
// the test ends, and returns it with the ids of those articles.
func generatedOrigin(t testing.TB, feeds, items int) (*origin.Origin, map[string]bool) {
	t.Helper()
	o := startOrigin(t, origin.Generated{Feeds: feeds, Items: items, Bodies: benchBodies(t)})
	want := map[string]bool{}
	for i := range feeds {
		for j := range items {
			c, _ := article.CanonicalURL(fmt.Sprintf("%s/gen/%d/%d.html", o.URL, i, j))
			want[article.ID(c)] = true
		}
	}
	return o, want
}

// testWriter sends what is written to it to the test log.
type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// testLogger logs warnings and errors to the test log.
func testLogger(t testing.TB) *slog.Logger {
	return slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
}

// startRun runs roles of parley in-process until it is ready; err says why
// Run ended before. stop cancels it and returns Run's error.
func startRun(t testing.TB, cfg Config, roles []Role, log *slog.Logger) (a *App, stop func() error, err error) {
	t.Helper()
	if cfg.HostConcurrency == 0 {
		// The tests' origins serve many feeds from one loopback host:
		// no host delay (see Config.Defaults) and a generous limit.
		cfg.HostConcurrency = 64
	}
	a, err = New(cfg, roles, log)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	select {
	case <-a.Ready():
		return a, func() error {
			cancel()
			select {
			case err := <-done:
				return err
			case <-time.After(60 * time.Second):
				return errors.New("parley did not shut down within 60s")
			}
		}, nil
	case err := <-done:
		cancel()
		if err == nil {
			err = errors.New("parley stopped before it was ready")
		}
		return a, func() error { return err }, err
	case <-time.After(90 * time.Second):
		cancel()
		t.Fatal("parley neither ready nor failed after 90s")
		return nil, nil, nil
	}
}

// runApp runs every role of parley in-process until the test ends.
func runApp(t testing.TB, cfg Config, log *slog.Logger) *App {
	t.Helper()
	a, stop, err := startRun(t, cfg, AllRoles, log)
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	t.Cleanup(func() {
		if err := stop(); err != nil {
			t.Errorf("run: %v", err)
		}
	})
	return a
}

// startApp runs every role of parley against feeds and returns the app and
// its API base URL. It stops when the test ends.
func startApp(t testing.TB, cfg Config, feeds []string) (*App, string) {
	t.Helper()
	if cfg.Data == "" {
		cfg.Data = t.TempDir()
	}
	cfg.Feeds = writeFeedList(t, feeds...)
	cfg.HTTP = "127.0.0.1:0"
	if cfg.PollInterval == 0 {
		// Re-polled every few seconds whatever the feeds' dates say.
		cfg.PollInterval, cfg.MinPollInterval, cfg.MaxPollInterval = 2*time.Second, time.Second, 4*time.Second
	}
	a := runApp(t, cfg, testLogger(t))
	return a, "http://" + a.HTTPAddr()
}

// startNATS runs a nats-server with JetStream on 127.0.0.1:port (-1 for a
// random port) over storeDir until the test ends, so that a test can stop
// it and start another on the same port and store; opts add to its
// options (users, TLS).
func startNATS(t testing.TB, port int, storeDir string, opts ...func(*server.Options)) *server.Server {
	t.Helper()
	o := &server.Options{ServerName: "parley-test", Host: "127.0.0.1", Port: port, JetStream: true, StoreDir: storeDir, NoSigs: true, MaxPayload: 8 << 20}
	for _, f := range opts {
		f(o)
	}
	srv, err := server.NewServer(o)
	if err != nil {
		t.Fatal(err)
	}
	go srv.Start()
	if !srv.ReadyForConnections(30 * time.Second) {
		t.Fatal("nats-server not ready")
	}
	t.Cleanup(srv.Shutdown)
	return srv
}

// pollUntil checks cond every 200ms until it holds (true) or d passes.
func pollUntil(d time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(200 * time.Millisecond)
	}
	return true
}

// waitFor polls cond until it holds, and fails the test if d passes first.
func waitFor(t testing.TB, what string, d time.Duration, cond func() bool) {
	t.Helper()
	if !pollUntil(d, cond) {
		t.Fatalf("timed out after %s waiting for %s", d, what)
	}
}

// getJSON GETs u, decodes the answer into out (unless nil) and returns its status.
func getJSON(t testing.TB, u string, out any) int {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			t.Fatalf("GET %s: %v: %s", u, err, data)
		}
	}
	return resp.StatusCode
}

// fetchJSON GETs u and decodes a 200 answer into out.
func fetchJSON(u string, out any) error {
	resp, err := http.Get(u)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		return fmt.Errorf("GET %s: %s", u, resp.Status)
	}
	return json.NewDecoder(resp.Body).Decode(out)
}

// search asks the API at base for the first 50 hits of q.
func search(t testing.TB, base, q string) index.Result {
	t.Helper()
	var res index.Result
	if code := getJSON(t, base+"/api/search?size=50&q="+url.QueryEscape(q), &res); code != 200 {
		t.Fatalf("search %q: status %d", q, code)
	}
	return res
}

// searchable is how many articles the API at base finds, -1 while it does
// not answer.
func searchable(base string) int {
	var res index.Result
	if fetchJSON(base+"/api/search?q=*&size=0", &res) != nil {
		return -1
	}
	return res.Total
}

// streamLen is how many messages a stream holds.
func streamLen(js jetstream.JetStream, name string) (int, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	s, err := js.Stream(ctx, name)
	if err != nil {
		return 0, err
	}
	info, err := s.Info(ctx)
	if err != nil {
		return 0, err
	}
	return int(info.State.Msgs), nil
}

// streamMsgs is how many messages a stream holds, -1 while it cannot be read.
func streamMsgs(js jetstream.JetStream, name string) int {
	n, err := streamLen(js, name)
	if err != nil {
		return -1
	}
	return n
}

// streamCount is how many messages a stream that must be readable holds.
func streamCount(t testing.TB, js jetstream.JetStream, name string) int {
	t.Helper()
	n, err := streamLen(js, name)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// drained reports whether a durable consumer has settled every message of
// its stream (bustest.Settled).
func drained(js jetstream.JetStream, stream, durable string) bool {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	ok, _ := bustest.Settled(ctx, js, stream, durable)
	return ok
}

// idle reports whether the parser and the indexer have nothing pending
// or unacknowledged: everything published so far has gone as far as it
// will go (a redelivery would be pending or unacknowledged first).
func idle(js jetstream.JetStream) bool {
	return drained(js, bus.StreamRaw, "parser") && drained(js, bus.StreamArticles, "indexer")
}

// searcher is an index to page through: an embedded one or an app's backend.
type searcher interface {
	Search(context.Context, index.Request) (*index.Result, error)
}

// hitsByID pages through the docs documents s holds and counts the hits
// for each id.
func hitsByID(t testing.TB, s searcher, docs int) map[string]int {
	t.Helper()
	ids := map[string]int{}
	for from := 0; from < docs+100; from += 100 {
		res, err := s.Search(context.Background(), index.Request{Query: query.All{}, From: from, Size: 100})
		if err != nil {
			t.Fatal(err)
		}
		for _, h := range res.Hits {
			ids[h.ID]++
		}
		if len(res.Hits) < 100 {
			break
		}
	}
	return ids
}

// indexCount opens the embedded index in dir (no process may hold it) and
// returns every id it holds with the number of hits for it when paging
// through all documents, and its document count.
func indexCount(t testing.TB, dir string) (map[string]int, int) {
	t.Helper()
	ix, err := embedded.Open(embedded.Config{Path: dir}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	total, err := ix.Count(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return hitsByID(t, ix, total), total
}

// tally compares what the index holds with what was expected.
type tally struct {
	expected, found, missing, unexpected, duplicates int
}

func countAgainst(want map[string]bool, got map[string]int, docs int) tally {
	tl := tally{expected: len(want)}
	for id := range want {
		if got[id] > 0 {
			tl.found++
		} else {
			tl.missing++
		}
	}
	for id, n := range got {
		if !want[id] {
			tl.unexpected++
		}
		tl.duplicates += n - 1
	}
	// A document the paging did not return (or returned twice) is a copy too.
	tl.duplicates += docs - len(got)
	return tl
}
