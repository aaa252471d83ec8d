package bus

import (
	"context"
	"log/slog"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
)

// TestCheck holds the comparisons Check makes at start: a stream that ends
// before where it ended, a bucket that keeps everything holding fewer
// entries with no write since, and a gap inside a stream parley never
// deletes from are reported; the same state, or no marks, are not.
func TestCheck(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name  string
		setup func(t *testing.T, b *Bus) map[string]Mark
		want  []string // substrings of the one report expected; none: no report
	}{
		{"no marks", func(t *testing.T, b *Bus) map[string]Mark { return nil }, nil},
		{"unchanged", func(t *testing.T, b *Bus) map[string]Mark {
			publishN(t, b, 3)
			return marks(t, b)
		}, nil},
		{"grew", func(t *testing.T, b *Bus) map[string]Mark {
			m := marks(t, b)
			publishN(t, b, 3)
			return m
		}, nil},
		{"stream ends earlier", func(t *testing.T, b *Bus) map[string]Mark {
			publishN(t, b, 3)
			m := marks(t, b)
			am := m[StreamArticles]
			am.LastSeq, am.Msgs = 10, 10
			m[StreamArticles] = am
			return m
		}, []string{"stream PARLEY_ARTICLES ends at message 3 but held messages up to 10", "the last 7 messages are lost"}},
		{"feed set lost entries", func(t *testing.T, b *Bus) map[string]Mark {
			if _, err := b.KV(BucketFeeds).Put(ctx, "k1", []byte(`{"url":"https://news.example/feed.xml"}`)); err != nil {
				t.Fatal(err)
			}
			m := marks(t, b)
			fm := m["KV_"+BucketFeeds]
			fm.Msgs = 5
			m["KV_"+BucketFeeds] = fm
			return m
		}, []string{"the feed set (bucket parley_feeds) holds 1 entries but held 5", "must be added again"}},
		{"gap inside a stream", func(t *testing.T, b *Bus) map[string]Mark {
			publishN(t, b, 3)
			s, err := b.js.Stream(ctx, StreamArticles)
			if err != nil {
				t.Fatal(err)
			}
			if err := s.DeleteMsg(ctx, 2); err != nil {
				t.Fatal(err)
			}
			return nil
		}, []string{"stream PARLEY_ARTICLES is missing 1 messages between messages 1 and 3"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := newTestBus(t)
			prev := tc.setup(t, b)
			found, err := b.Check(ctx, prev)
			if err != nil {
				t.Fatal(err)
			}
			if len(tc.want) == 0 {
				if len(found) > 0 || len(b.Damage()) > 0 {
					t.Errorf("reported %q", found)
				}
				return
			}
			if len(found) != 1 || len(b.Damage()) != 1 {
				t.Fatalf("reported %q (damage %q), want one report", found, b.Damage())
			}
			for _, w := range tc.want {
				if !strings.Contains(found[0], w) {
					t.Errorf("report %q does not say %q", found[0], w)
				}
			}
		})
	}
}

func marks(t *testing.T, b *Bus) map[string]Mark {
	t.Helper()
	m, err := b.Marks(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func publishN(t *testing.T, b *Bus, n int) {
	t.Helper()
	for i := range n {
		if _, err := b.js.Publish(context.Background(), SubjectArticles+".en", []byte{byte('a' + i)}); err != nil {
			t.Fatal(err)
		}
	}
}

// TestCheckWaitsForServer holds that the start check waits for a
// nats-server that restarts while a stage starts (README "Faults"), as
// setup does, instead of ending the stage: the server is stopped for
// longer than one JetStream request may wait, and started again on the
// same address and store once the check has said it is retrying.
func TestCheckWaitsForServer(t *testing.T) {
	dir := t.TempDir()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	start := func() *server.Server {
		srv, err := server.NewServer(&server.Options{Host: "127.0.0.1", Port: port, JetStream: true, StoreDir: dir, NoSigs: true})
		if err != nil {
			t.Fatal(err)
		}
		go srv.Start()
		if !srv.ReadyForConnections(30 * time.Second) {
			t.Fatal("nats-server not ready")
		}
		return srv
	}
	srv := start()
	retrying := make(chan struct{})
	var once sync.Once
	log := slog.New(slog.NewTextHandler(writerFunc(func(p []byte) {
		if strings.Contains(string(p), "nats cannot answer yet") && strings.Contains(string(p), "check streams") {
			once.Do(func() { close(retrying) })
		}
	}), nil))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	b, err := Connect(ctx, Config{URL: srv.ClientURL()}, log)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	srv.Shutdown()
	srv.WaitForShutdown()

	done := make(chan error, 1)
	go func() {
		_, err := b.Check(ctx, nil)
		done <- err
	}()
	select {
	case <-retrying:
	case err := <-done:
		t.Fatalf("check ended while the server was down: %v", err)
	case <-time.After(time.Minute):
		t.Fatal("check neither retried nor ended within a minute")
	}
	srv = start()
	defer srv.Shutdown()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("check after the server came back: %v", err)
		}
	case <-time.After(time.Minute):
		t.Fatal("check did not end within a minute of the server's return")
	}
}

type writerFunc func([]byte)

func (f writerFunc) Write(p []byte) (int, error) { f(p); return len(p), nil }
