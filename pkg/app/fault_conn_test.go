package app

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
)

// TestClosedConnectionRestartsInPlace closes parley's NATS connection for
// good, as nats.go does after some server errors (it then does not
// reconnect), and checks that parley, run as the commands run it
// (Supervise), starts again in the same process with a new connection:
// /healthz 200 on the same address, the index still searchable, and a feed
// added afterwards ingested. Before, every stage shut down and the process
// exited. A start that then fails is tried again.
func TestClosedConnectionRestartsInPlace(t *testing.T) {
	site := newHostileSite(t, map[string]hostileFeed{
		"plain":      {title: "Plain Wire", language: "en", pageLang: "en"},
		"afterwards": {title: "Afterwards Wire", language: "en", pageLang: "en"},
	})
	addr := freeAddr(t)
	base := "http://" + addr
	cfg := Config{Data: t.TempDir(), HTTP: addr, NATSListen: "", AllowPrivate: true, PollInterval: time.Hour,
		Feeds: writeFeedList(t, site.feedURL("plain"))}
	ctx, cancel := context.WithCancel(context.Background())
	apps := make(chan *App, 4)
	done := make(chan error, 1)
	var logs lockedBuffer
	log := slog.New(slog.NewTextHandler(io.MultiWriter(testWriter{t}, &logs), &slog.HandlerOptions{Level: slog.LevelWarn}))
	go func() { done <- Supervise(ctx, cfg, AllRoles, log, func(a *App) { apps <- a }) }()
	defer func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("supervise: %v", err)
			}
		case <-time.After(60 * time.Second):
			t.Error("parley did not stop within 60s")
		}
	}()
	next := func() *App {
		t.Helper()
		select {
		case a := <-apps:
			return a
		case err := <-done:
			t.Fatalf("parley stopped: %v", err)
		case <-time.After(90 * time.Second):
			t.Fatal("parley did not start within 90s")
		}
		return nil
	}
	first := next()
	waitFor(t, "the plain feed's article", time.Minute, func() bool { return searchable(base) >= 1 })

	first.Bus().Conn().Close()
	second := next()
	if second == first || second.Bus().Conn().IsClosed() {
		t.Fatal("parley did not start again with a new connection")
	}
	serving(t, base, "plain")
	if code, body := send(t, "POST", base+"/api/feeds", jsonBody(map[string]string{"url": site.feedURL("afterwards")})); code != 201 {
		t.Fatalf("POST /api/feeds: %d %.200s", code, body)
	}
	waitFor(t, "the article of a feed added after the restart", time.Minute, func() bool {
		var res struct{ Total int }
		return fetchJSON(base+"/api/search?q="+url.QueryEscape(`"Report afterwards"`), &res) == nil && res.Total == 1
	})

	// A start that fails after a restart (here: another process took the
	// HTTP address meanwhile) is tried again, not the end of parley.
	second.Bus().Conn().Close()
	var held net.Listener
	waitFor(t, "the HTTP address free after the stop", 30*time.Second, func() bool {
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			return false
		}
		held = ln
		return true
	})
	waitFor(t, "a start refused for the address in use", time.Minute, func() bool {
		return strings.Contains(logs.String(), "address already in use")
	})
	held.Close()
	third := next()
	if third == second {
		t.Fatal("parley did not start again")
	}
	serving(t, base, "afterwards")
}

// TestFirstStartWaitsForJetStream starts a stage, as the stage commands
// run it (Supervise), against a nats-server whose JetStream does not
// answer yet (here: not enabled), for longer than the bus's own wait at
// setup. Before, the stage exited with "no responders"; a nats-server
// restarting as a stage starts did the same to the alerter of a
// fresh-clone run of TestSplitModeFaults. Now the start is tried again,
// and the stage starts once a server with JetStream is back on the same
// address.
func TestFirstStartWaitsForJetStream(t *testing.T) {
	store := t.TempDir()
	plain := startNATS(t, -1, store, func(o *server.Options) { o.JetStream = false })
	port := plain.Addr().(*net.TCPAddr).Port
	cfg := Config{Data: t.TempDir(), HTTP: freeAddr(t), NATSURL: plain.ClientURL(), ShutdownTimeout: 5 * time.Second}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var logs lockedBuffer
	log := slog.New(slog.NewTextHandler(io.MultiWriter(testWriter{t}, &logs), &slog.HandlerOptions{Level: slog.LevelWarn}))
	started := make(chan *App, 1)
	done := make(chan error, 1)
	go func() {
		done <- Supervise(ctx, cfg, []Role{RoleAlerter}, log, func(a *App) {
			select {
			case started <- a:
			default:
			}
		})
	}()
	waitFor(t, "parley to say it tries to start again", 2*time.Minute, func() bool {
		select {
		case err := <-done:
			t.Fatalf("parley stopped while JetStream did not answer: %v", err)
		default:
		}
		return strings.Contains(logs.String(), "trying again")
	})
	if !strings.Contains(logs.String(), "is JetStream enabled") {
		t.Error("the log does not say JetStream may not be enabled")
	}
	plain.Shutdown()
	plain.WaitForShutdown()
	startNATS(t, port, store)
	select {
	case <-started:
	case err := <-done:
		t.Fatalf("parley stopped: %v", err)
	case <-time.After(3 * time.Minute):
		t.Fatal("parley did not start within 3 min of JetStream's return")
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("supervise: %v", err)
		}
	case <-time.After(time.Minute):
		t.Error("parley did not stop within a minute")
	}
}
