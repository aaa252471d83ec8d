package app

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/parley-news/parley/pkg/article"
	"github.com/parley-news/parley/pkg/bus"
	"github.com/parley-news/parley/pkg/index/embedded"
	"github.com/parley-news/parley/pkg/internal/origin"
)

// health is the answer of /healthz.
type health struct {
	code   int
	Status string            `json:"status"`
	Checks map[string]string `json:"checks"`
}

func healthz(t testing.TB, base string) health {
	t.Helper()
	var h health
	h.code = getJSON(t, base+"/healthz", &h)
	return h
}

func (h health) String() string {
	data, _ := json.Marshal(h.Checks)
	return h.Status + " " + string(data)
}

// infoLogger logs at info level into w (and warnings and errors to the
// test log), so a test can count the lines parley writes.
func infoLogger(t testing.TB, w *lockedBuffer) *slog.Logger {
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelInfo}))
}

// addFeed adds a feed through the API.
func addFeed(t testing.TB, base, feedURL string) {
	t.Helper()
	resp, err := http.Post(base+"/api/feeds", "application/json", strings.NewReader(`{"url":"`+feedURL+`"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("POST /api/feeds %s: %s", feedURL, resp.Status)
	}
}

// keptArticles are the ids of the articles PARLEY_ARTICLES holds.
func keptArticles(t testing.TB, js jetstream.JetStream) map[string]bool {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	ids := map[string]bool{}
	n, err := streamLen(js, bus.StreamArticles)
	if err != nil || n == 0 {
		return ids
	}
	cons, err := js.OrderedConsumer(ctx, bus.StreamArticles, jetstream.OrderedConsumerConfig{})
	if err != nil {
		t.Fatal(err)
	}
	for range n {
		m, err := cons.Next(jetstream.FetchMaxWait(5 * time.Second))
		if err != nil {
			t.Fatalf("read %s: %v", bus.StreamArticles, err)
		}
		var a article.Article
		if err := json.Unmarshal(m.Data(), &a); err != nil {
			t.Fatalf("article in %s: %v", bus.StreamArticles, err)
		}
		ids[a.ID] = true
	}
	return ids
}

// missingFromIndex are the kept articles the app's index does not hold.
func missingFromIndex(t testing.TB, a *App) []string {
	t.Helper()
	var missing []string
	for id := range keptArticles(t, a.Bus().JetStream()) {
		if _, err := a.Article(context.Background(), id); err != nil {
			missing = append(missing, id)
		}
	}
	return missing
}

// TestStreamDeletedWhileRunning holds issue 14 row 6: a client with the
// key deletes every stream and bucket of parley (PARLEY_ARTICLES among
// them) while parley runs. Before, /healthz said ok while the indexer
// wrote 28,000 log lines a second. Now they are recreated, /healthz names
// the loss (degraded), the log stays short, and a feed added afterwards
// is polled and its article indexed.
func TestStreamDeletedWhileRunning(t *testing.T) {
	o := startOrigin(t, origin.Generated{})
	var logs lockedBuffer
	cfg := Config{
		Data: t.TempDir(), HTTP: "127.0.0.1:0", NATSListen: freeAddr(t), AllowPrivate: true,
		Feeds:        writeFeedList(t, o.URL+origin.FeedRSS, o.URL+origin.FeedAtom, o.URL+origin.FeedRDF, o.URL+origin.FeedJSON),
		PollInterval: time.Hour, FetchTimeout: 10 * time.Second,
	}
	a := runApp(t, cfg, infoLogger(t, &logs))
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("--- parley's log ---\n%s", logs.String())
		}
	})
	base := "http://" + a.HTTPAddr()
	waitFor(t, "8 articles searchable", 2*time.Minute, func() bool { return searchable(base) >= 8 })
	if h := healthz(t, base); h.code != 200 || h.Status != "ok" {
		t.Fatalf("/healthz before the damage: %d %s", h.code, h)
	}

	opt, err := nats.NkeyOptionFromSeed(cfg.NATSUserSeedFile())
	if err != nil {
		t.Fatal(err)
	}
	nc, err := nats.Connect("nats://"+cfg.NATSListen, opt)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	linesBefore := strings.Count(logs.String(), "\n")
	deleted := time.Now()
	for _, name := range bus.StreamNames() {
		if err := js.DeleteStream(context.Background(), name); err != nil {
			t.Fatal(err)
		}
	}
	var h health
	waitFor(t, "/healthz to name the deleted stream", 30*time.Second, func() bool {
		h = healthz(t, base)
		return h.Status != "ok" && strings.Contains(h.Checks["data"]+h.Checks["streams"], bus.StreamArticles)
	})
	t.Logf("/healthz after the deletion: %d %s", h.code, h)
	waitFor(t, "the streams recreated and every stage reading", 30*time.Second, func() bool {
		h = healthz(t, base)
		return h.code == 200 && h.Checks["streams"] == "ok"
	})

	// Recovery: a feed added now is polled, and its article goes through the
	// recreated streams into the index.
	addFeed(t, base, o.URL+origin.FeedLate)
	waitFor(t, "the added feed's article indexed after the deletion", 2*time.Minute, func() bool {
		return searchable(base) >= 9
	})
	h = healthz(t, base)
	if h.code != 200 || h.Status != "degraded" || !strings.Contains(h.Checks["data"], bus.StreamArticles) || h.Checks["streams"] != "ok" {
		t.Errorf("/healthz once recovered: %d %s; want 200 degraded, naming the lost stream, every stage reading", h.code, h)
	}
	lines := strings.Count(logs.String(), "\n") - linesBefore
	t.Logf("%d log lines in the %s from the deletion to recovery", lines, time.Since(deleted).Round(time.Millisecond))
	if lines > 60 {
		t.Errorf("%d log lines from the deletion to recovery: the failing stages do not back off their logging", lines)
	}
}

// TestDamagedDataDirectory holds issue 14 row 8: parley started on a
// --data damaged while it was stopped. Before, each started as if nothing
// happened (/healthz ok): an empty feed set, a stream missing half its
// messages (and new articles skipped by the indexer, whose consumer had
// read past the stream's new end), an empty index. Now /healthz names the
// damage, or parley repairs it; either way no article still kept in
// PARLEY_ARTICLES is missing from the index, and new articles are indexed.
func TestDamagedDataDirectory(t *testing.T) {
	o := startOrigin(t, origin.Generated{})
	feeds := writeFeedList(t, o.URL+origin.FeedRSS, o.URL+origin.FeedAtom, o.URL+origin.FeedRDF, o.URL+origin.FeedJSON)
	config := func(data string) Config {
		return Config{
			Data: data, HTTP: "127.0.0.1:0", NATSListen: "", AllowPrivate: true, Feeds: feeds,
			PollInterval: time.Hour, FetchTimeout: 10 * time.Second,
		}
	}
	// One healthy --data, copied for each kind of damage.
	healthy := t.TempDir()
	{
		a, stop, err := startRun(t, config(healthy), AllRoles, testLogger(t))
		if err != nil {
			t.Fatal(err)
		}
		base := "http://" + a.HTTPAddr()
		js := a.Bus().JetStream()
		waitFor(t, "8 articles indexed and every consumer done", 2*time.Minute, func() bool {
			return searchable(base) >= 8 && drained(js, bus.StreamArticles, "indexer") && drained(js, bus.StreamIndexed, "alerter")
		})
		if err := stop(); err != nil {
			t.Fatal(err)
		}
	}
	streams := filepath.Join(healthy, "nats", "jetstream", "$G", "streams")
	blocks := func(data, stream string) []string {
		files, _ := filepath.Glob(filepath.Join(data, "nats", "jetstream", "$G", "streams", stream, "msgs", "*.blk"))
		if len(files) == 0 {
			t.Fatalf("no message blocks of %s under %s", stream, streams)
		}
		return files
	}

	for _, tc := range []struct {
		name   string
		damage func(t *testing.T, data string)
		// names is what /healthz must name; empty when parley repairs the damage.
		names []string
		// rebuilt: parley logs that it rebuilt the index.
		rebuilt bool
	}{
		{
			name: "feed set truncated",
			damage: func(t *testing.T, data string) {
				for _, f := range blocks(data, "KV_"+bus.BucketFeeds) {
					if err := os.Truncate(f, 0); err != nil {
						t.Fatal(err)
					}
				}
			},
			names: []string{"the feed set", "entries"},
		},
		{
			name: "garbage in the articles stream",
			damage: func(t *testing.T, data string) {
				f := blocks(data, bus.StreamArticles)[0]
				fi, err := os.Stat(f)
				if err != nil {
					t.Fatal(err)
				}
				junk := make([]byte, 4096)
				for i := range junk {
					junk[i] = byte(i*7 + 13)
				}
				fh, err := os.OpenFile(f, os.O_RDWR, 0)
				if err != nil {
					t.Fatal(err)
				}
				defer fh.Close()
				if _, err := fh.WriteAt(junk, fi.Size()/2); err != nil {
					t.Fatal(err)
				}
			},
			names: []string{"stream " + bus.StreamArticles, "lost"},
		},
		{
			name: "index directory deleted",
			damage: func(t *testing.T, data string) {
				if err := os.RemoveAll(filepath.Join(data, "index")); err != nil {
					t.Fatal(err)
				}
			},
			rebuilt: true,
		},
		{
			name: "garbage in the index",
			damage: func(t *testing.T, data string) {
				// Over both meta pages of the index's root file.
				f := filepath.Join(data, "index", "store", "root.bolt")
				junk := make([]byte, 8192)
				for i := range junk {
					junk[i] = byte(i*7 + 13)
				}
				fh, err := os.OpenFile(f, os.O_RDWR, 0)
				if err != nil {
					t.Fatal(err)
				}
				defer fh.Close()
				if _, err := fh.WriteAt(junk, 0); err != nil {
					t.Fatal(err)
				}
			},
			names:   []string{"the index could not be read", "index.damaged-"},
			rebuilt: true,
		},
		{
			// An index an older parley built (another mapping version, as
			// before stems and name keys were indexed): it is moved aside
			// and rebuilt, where parley used to refuse to start.
			name: "index built by an older parley",
			damage: func(t *testing.T, data string) {
				idx, err := bleve.Open(filepath.Join(data, "index"))
				if err != nil {
					t.Fatal(err)
				}
				// The key embedded.Open reads the version under.
				if err := idx.SetInternal([]byte("parley.mapping_version"), []byte("1")); err != nil {
					t.Fatal(err)
				}
				if err := idx.Close(); err != nil {
					t.Fatal(err)
				}
			},
			names:   []string{"the index was made by another version of parley", "mapping version \"1\"", "index.outdated-"},
			rebuilt: true,
		},
		{
			// An older copy of the index put back (or a segment the storage
			// library skipped as unreadable): it opens, and holds fewer
			// articles than at the last run.
			name: "index holds fewer articles than it did",
			damage: func(t *testing.T, data string) {
				dir := filepath.Join(data, "index")
				if err := os.RemoveAll(dir); err != nil {
					t.Fatal(err)
				}
				ix, err := embedded.Open(embedded.Config{Path: dir}, nil)
				if err != nil {
					t.Fatal(err)
				}
				defer ix.Close()
				id := article.ID("http://older.example/one")
				if errs := ix.Index(context.Background(), []*article.Article{{ID: id, URL: "http://older.example/one", Title: "One older article", Body: "Kept from an older copy."}}); errs[0] != nil {
					t.Fatal(errs[0])
				}
			},
			names:   []string{"fewer than the 8 it held at the last run"},
			rebuilt: true,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			data := t.TempDir()
			if out, err := exec.Command("cp", "-a", healthy+"/.", data).CombinedOutput(); err != nil {
				t.Fatalf("copy the data directory: %v: %s", err, out)
			}
			tc.damage(t, data)
			var logs lockedBuffer
			a, stop, err := startRun(t, config(data), AllRoles, infoLogger(t, &logs))
			if err != nil {
				t.Fatalf("parley did not start on the damaged --data: %v", err)
			}
			defer func() {
				if err := stop(); err != nil {
					t.Error(err)
				}
				if t.Failed() {
					t.Logf("--- parley's log ---\n%s", logs.String())
				}
			}()
			base := "http://" + a.HTTPAddr()
			if tc.rebuilt {
				waitFor(t, "the index rebuilt", 2*time.Minute, func() bool { return strings.Contains(logs.String(), "index rebuilt from the kept articles") })
			}
			h := healthz(t, base)
			t.Logf("/healthz: %d %s", h.code, h)
			if len(tc.names) > 0 {
				if h.code != 200 || h.Status != "degraded" {
					t.Errorf("/healthz %d %s, want 200 degraded", h.code, h.Status)
				}
				for _, want := range tc.names {
					if !strings.Contains(h.Checks["data"], want) {
						t.Errorf("/healthz data check %q does not name %q", h.Checks["data"], want)
					}
				}
			} else if h.code != 200 || h.Status != "ok" {
				t.Errorf("/healthz after the repair: %d %s, want 200 ok", h.code, h)
			}
			if missing := missingFromIndex(t, a); len(missing) > 0 {
				t.Errorf("%d articles kept in %s are missing from the index: %v", len(missing), bus.StreamArticles, missing)
			}
			// New articles still reach the index (a consumer that had read
			// past the damaged stream's end would skip them).
			addFeed(t, base, o.URL+origin.FeedLate)
			waitFor(t, "the article of a feed added after the start indexed", 2*time.Minute, func() bool {
				return len(search(t, base, `"grain corridor"`).Hits) == 1
			})
		})
	}
}
