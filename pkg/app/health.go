package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/parley-news/parley/pkg/api"
	"github.com/parley-news/parley/pkg/bus"
	"github.com/parley-news/parley/pkg/replay"
)

// The damage checks of README "Security" and "HTTP API" (/healthz): at
// start parley compares its streams with what they held when it last ran
// (marks kept under --data), rebuilds a missing or empty index from the
// kept articles in the background, and while it runs recreates streams
// that are deleted. What it finds makes /healthz "degraded" (200) with the
// reason; a stage that cannot read its stream makes it 503.

// repairEvery is how often a running parley looks for deleted streams and
// buckets; marksEvery how often it records what the streams hold.
const (
	repairEvery = 5 * time.Second
	marksEvery  = 30 * time.Second
)

// dataHealth is what the app itself knows is degraded: the index found
// damaged, its rebuild.
type dataHealth struct {
	mu      sync.Mutex
	damage  []string
	rebuild string // "" when no rebuild runs or failed
}

func (h *dataHealth) damaged(what string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.damage = append(h.damage, what)
}

func (h *dataHealth) problems() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := append([]string(nil), h.damage...)
	if h.rebuild != "" {
		out = append(out, h.rebuild)
	}
	return out
}

func (h *dataHealth) set(s string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.rebuild = s
}

func (c *Config) marksFile() string { return filepath.Join(c.Data, "stream-marks.json") }

// checkData runs the start checks: the streams against their marks (with
// the embedded NATS, whose store parley owns), and the index against the
// articles kept. It reports whether the index must be rebuilt.
func (a *App) checkData(ctx context.Context) (rebuild bool, err error) {
	var prev map[string]bus.Mark
	if a.embedded != nil {
		data, err := os.ReadFile(a.cfg.marksFile())
		switch {
		case errors.Is(err, os.ErrNotExist):
		case err != nil:
			return false, fmt.Errorf("stream marks: %w", err)
		default:
			if err := json.Unmarshal(data, &prev); err != nil {
				a.log.Warn("stream marks unreadable; the streams are not compared with the last run", "file", a.cfg.marksFile(), "err", err)
				prev = nil
			}
		}
	}
	if _, err := a.bus.Check(ctx, prev); err != nil {
		return false, fmt.Errorf("check streams: %w", err)
	}
	if err := a.writeMarks(ctx); err != nil {
		return false, err
	}
	if !a.roles[RoleIndexer] || a.backend == nil {
		return false, nil
	}
	n, err := a.backend.Count(ctx)
	if err != nil {
		return false, fmt.Errorf("count the index: %w", err)
	}
	// The embedded index never deletes a document, so holding fewer than
	// at the last run means it lost some (a segment the storage library
	// skipped as unreadable, an older copy of the folder put back).
	held := a.readIndexMark()
	if n > 0 && n >= held {
		return false, a.writeIndexMark(n)
	}
	kept, err := replay.After(ctx, a.bus.JetStream(), bus.StreamArticles, 0)
	if err != nil {
		return false, err
	}
	if kept == 0 {
		return false, nil
	}
	if n == 0 {
		a.health.set(fmt.Sprintf("the index is empty while %s keeps articles: rebuilding it from them", bus.StreamArticles))
	} else {
		a.health.damaged(fmt.Sprintf("the index holds %d articles, fewer than the %d it held at the last run: it is filled again from the articles kept in %s", n, held, bus.StreamArticles))
		a.health.set(fmt.Sprintf("the index lost articles: rebuilding it from the articles kept in %s", bus.StreamArticles))
	}
	a.rebuilding.Store(true)
	a.log.Warn("the index is missing articles that are kept: rebuilding it from them in the background; the indexer starts once it is done", "index", a.indexName(), "holds", n, "held_last_run", held, "stream", bus.StreamArticles)
	return true, nil
}

// indexMarkFile records how many articles the embedded index held when
// parley last looked (start, rebuild, every marksEvery and shutdown).
func (c *Config) indexMarkFile() string { return filepath.Join(c.Data, "index-mark") }

// readIndexMark is the count recorded last, 0 when there is none or it is
// unreadable (then nothing is compared). Elasticsearch is not compared:
// parley does not own its storage.
func (a *App) readIndexMark() int {
	if len(a.cfg.ESURLs()) > 0 {
		return 0
	}
	data, err := os.ReadFile(a.cfg.indexMarkFile())
	if err != nil {
		return 0
	}
	n, err := strconv.Atoi(strings.TrimSpace(string(data)))
	if err != nil || n < 0 {
		a.log.Warn("index mark unreadable; the index is not compared with the last run", "file", a.cfg.indexMarkFile())
		return 0
	}
	return n
}

// writeIndexMark records n as the embedded index's count.
func (a *App) writeIndexMark(n int) error {
	if len(a.cfg.ESURLs()) > 0 || a.backend == nil || !a.roles[RoleIndexer] {
		return nil
	}
	tmp := a.cfg.indexMarkFile() + ".new"
	if err := os.WriteFile(tmp, []byte(strconv.Itoa(n)+"\n"), 0o600); err != nil {
		return fmt.Errorf("index mark: %w", err)
	}
	if err := os.Rename(tmp, a.cfg.indexMarkFile()); err != nil {
		return fmt.Errorf("index mark: %w", err)
	}
	return nil
}

// recordIndexCount writes the index's count as its mark, unless a rebuild
// is under way (its count is not yet what the index should hold).
func (a *App) recordIndexCount(ctx context.Context) error {
	if a.backend == nil || a.rebuilding.Load() {
		return nil
	}
	n, err := a.backend.Count(ctx)
	if err != nil {
		return fmt.Errorf("count the index: %w", err)
	}
	return a.writeIndexMark(n)
}

// rebuildIndex fills the index from the kept articles (replay.Index, as
// `parley replay index` does) before the indexer takes over from where its
// consumer stands. A failure is reported, not fatal: the indexer goes on.
func (a *App) rebuildIndex(ctx context.Context) {
	start := time.Now()
	st, err := replay.IndexFrom(ctx, a.bus.JetStream(), a.backend, a.cfg.IndexerBatch, 1, a.log, func(st replay.Stats) {
		a.health.set(fmt.Sprintf("rebuilding the index from the articles kept in %s: %d read, %d indexed", bus.StreamArticles, st.Read, st.Published))
	})
	switch {
	case ctx.Err() != nil:
	case err != nil:
		a.health.set(fmt.Sprintf("the index rebuild from %s failed after %d articles: %v", bus.StreamArticles, st.Published, err))
		a.log.Error("index rebuild failed", "read", st.Read, "indexed", st.Published, "failed", st.Failed, "err", err)
	default:
		a.health.set("")
		a.rebuilding.Store(false)
		if err := a.recordIndexCount(ctx); err != nil {
			a.log.Warn("record the index's count", "err", err)
		}
		a.log.Info("index rebuilt from the kept articles", "read", st.Read, "indexed", st.Published, "took", time.Since(start).Round(time.Millisecond))
	}
}

// writeMarks records what the streams hold now (embedded NATS only).
func (a *App) writeMarks(ctx context.Context) error {
	if a.embedded == nil {
		return nil
	}
	marks, err := a.bus.Marks(ctx)
	if err != nil {
		return err
	}
	data, err := json.MarshalIndent(marks, "", "  ")
	if err != nil {
		return err
	}
	tmp := a.cfg.marksFile() + ".new"
	if err := os.WriteFile(tmp, data, 0o600); err != nil {
		return fmt.Errorf("stream marks: %w", err)
	}
	if err := os.Rename(tmp, a.cfg.marksFile()); err != nil {
		return fmt.Errorf("stream marks: %w", err)
	}
	return nil
}

// watchStreams recreates deleted streams and buckets (bus.Repair) and
// records the marks until ctx ends, then records them once more.
func (a *App) watchStreams(ctx context.Context) error {
	repair := time.NewTicker(repairEvery)
	defer repair.Stop()
	marks := time.NewTicker(marksEvery)
	defer marks.Stop()
	for {
		select {
		case <-ctx.Done():
			fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
			defer cancel()
			if err := a.writeMarks(fctx); err != nil {
				a.log.Warn("record stream marks", "err", err)
			}
			if err := a.recordIndexCount(fctx); err != nil {
				a.log.Warn("record the index's count", "err", err)
			}
			return nil
		case <-repair.C:
			if err := a.bus.Repair(ctx); err != nil && ctx.Err() == nil {
				a.log.Warn("look for deleted streams", "err", err)
			}
		case <-marks.C:
			// Not while a stream is missing: its marks would say it is empty.
			if a.bus.Stalled() == nil {
				if err := a.writeMarks(ctx); err != nil && ctx.Err() == nil {
					a.log.Warn("record stream marks", "err", err)
				}
			}
			if err := a.recordIndexCount(ctx); err != nil && ctx.Err() == nil {
				a.log.Warn("record the index's count", "err", err)
			}
		}
	}
}

// addDataChecks adds the /healthz checks of the streams and the data.
func (a *App) addDataChecks(srv *api.Server) {
	srv.AddCheck(api.Check{Name: "streams", Func: func(context.Context) error { return a.bus.Stalled() }})
	srv.AddCheck(api.Check{Name: "data", Func: func(context.Context) error {
		problems := append(a.bus.Damage(), a.health.problems()...)
		if len(problems) == 0 {
			return nil
		}
		return api.Degraded(errors.New(strings.Join(problems, "; ")))
	}})
}
