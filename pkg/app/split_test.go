package app

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

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

// proc is a parley process whose output is kept for the test log.
type proc struct {
	name string
	cmd  *exec.Cmd
	out  bytes.Buffer
	mu   sync.Mutex
}

func (p *proc) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.out.Write(b)
}

func startProc(t *testing.T, bin, name string, args ...string) *proc {
	t.Helper()
	p := &proc{name: name}
	p.cmd = exec.Command(bin, append([]string{name}, args...)...)
	p.cmd.Stdout, p.cmd.Stderr = p, p
	p.cmd.Env = append(os.Environ(), "PARLEY_LOG_LEVEL=info")
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	t.Cleanup(func() {
		p.stop(t)
		if t.Failed() {
			p.mu.Lock()
			t.Logf("--- %s output ---\n%s", name, p.out.String())
			p.mu.Unlock()
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

// startNATS runs an external nats-server with JetStream on a random port.
func startNATS(t *testing.T) *server.Server {
	t.Helper()
	srv, err := server.NewServer(&server.Options{Host: "127.0.0.1", Port: -1, JetStream: true, StoreDir: t.TempDir(), NoSigs: true, MaxPayload: 8 << 20})
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

func allIDs(t *testing.T, ix *embedded.Index) []string {
	t.Helper()
	res, err := ix.Search(context.Background(), index.Request{Query: query.All{}, Size: 100})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, h := range res.Hits {
		ids = append(ids, h.ID)
	}
	slices.Sort(ids)
	return ids
}

// TestSplitModeMatchesRun runs the fetcher, parser and indexer as three
// processes against one external nats-server and checks they build the
// same index as `parley run` does from the same origin.
func TestSplitModeMatchesRun(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the parley binary")
	}
	bin, err := buildParley()
	if err != nil {
		t.Fatal(err)
	}
	o, err := origin.Start(origin.Generated{})
	if err != nil {
		t.Fatal(err)
	}
	defer o.Close()
	feeds := filepath.Join(t.TempDir(), "feeds.txt")
	if err := os.WriteFile(feeds, []byte(strings.Join(o.FeedURLs(), "\n")), 0o600); err != nil {
		t.Fatal(err)
	}

	// Split mode.
	ns := startNATS(t)
	url := ns.ClientURL()
	data := t.TempDir()
	common := []string{"--nats-url", url, "--http", "127.0.0.1:0", "--poll-interval", "1h", "--fetch-timeout", "5s"}
	fetcher := startProc(t, bin, "fetcher", append(common, "--feeds", feeds, "--allow-private-addresses")...)
	parser := startProc(t, bin, "parser", common...)
	indexer := startProc(t, bin, "indexer", append(common, "--data", data)...)

	nc, err := nats.Connect(url)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, _ := jetstream.New(nc)
	want := 9 + len(origin.BadPages)
	deadline := time.Now().Add(3 * time.Minute)
	for {
		done := false
		if s, err := js.Stream(context.Background(), "PARLEY_INDEXED"); err == nil {
			info, _ := s.Info(context.Background())
			c, cerr := js.Consumer(context.Background(), "PARLEY_ARTICLES", "indexer")
			if info != nil && cerr == nil && info.State.Msgs >= uint64(want) {
				ci, _ := c.Info(context.Background())
				done = ci != nil && ci.NumPending == 0 && ci.NumAckPending == 0
			}
		}
		if done {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("split mode did not index the origin's articles within 3 minutes")
		}
		time.Sleep(300 * time.Millisecond)
	}
	for _, p := range []*proc{fetcher, parser, indexer} {
		p.stop(t)
	}
	splitIx, err := embedded.Open(embedded.Config{Path: filepath.Join(data, "index")}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	splitIDs := allIDs(t, splitIx)
	splitIx.Close()

	// The same origin through parley run, in-process.
	runData := t.TempDir()
	a, err := New(Config{Feeds: feeds, Data: runData, HTTP: "127.0.0.1:0", AllowPrivate: true, PollInterval: time.Hour, FetchTimeout: 5 * time.Second}, AllRoles, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	runDone := make(chan error, 1)
	go func() { runDone <- a.Run(ctx) }()
	<-a.Ready()
	deadline = time.Now().Add(2 * time.Minute)
	for {
		n, err := a.Backend().Count(ctx)
		if err == nil && n >= want {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("parley run indexed %d of %d", n, want)
		}
		time.Sleep(200 * time.Millisecond)
	}
	time.Sleep(time.Second)
	cancel()
	if err := <-runDone; err != nil {
		t.Fatal(err)
	}
	runIx, err := embedded.Open(embedded.Config{Path: filepath.Join(runData, "index")}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	runIDs := allIDs(t, runIx)
	runIx.Close()

	if len(splitIDs) != want || !slices.Equal(splitIDs, runIDs) {
		t.Fatalf("split mode indexed %d articles %v\nparley run indexed %d %v", len(splitIDs), splitIDs, len(runIDs), runIDs)
	}
}
