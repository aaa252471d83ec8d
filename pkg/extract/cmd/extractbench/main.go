// Command extractbench measures parley's article extractor against
// go-trafilatura, go-readability (readeck) and go-domdistiller on the shared
// extraction benchmark (../shared/bench/extraction): every extractor runs in
// the same process on one core, its predictions are scored by the
// benchmark's own evaluate.py, and one table of F1, precision, recall and
// pages per second is printed.
package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	readability "codeberg.org/readeck/go-readability/v2"
	distiller "github.com/markusmobius/go-domdistiller"
	trafilatura "github.com/markusmobius/go-trafilatura"

	"github.com/parley-news/parley/pkg/extract"
	"github.com/parley-news/parley/pkg/internal/sharedtest"
)

func main() {
	level := slog.LevelWarn
	if os.Getenv("EXTRACTBENCH_DEBUG") != "" {
		level = slog.LevelDebug
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
	if err := run(context.Background(), os.Args[1:], os.Stdout, logger); err != nil {
		fmt.Fprintln(os.Stderr, "extractbench:", err)
		os.Exit(1)
	}
}

type page struct {
	id   string
	url  string
	html []byte
}

// extractor turns one page into plain text.
type extractor struct {
	name string
	fn   func(ctx context.Context, p page) string
}

type score struct {
	f1, precision, recall float64
	pagesPerSec           float64
}

func run(ctx context.Context, args []string, stdout io.Writer, logger *slog.Logger) error {
	fs := flag.NewFlagSet("extractbench", flag.ContinueOnError)
	outDir := fs.String("out", "", "directory for the predictions files (default: a temporary directory)")
	only := fs.String("only", "", "comma-separated extractor names to run (default: all)")
	ids := fs.String("ids", "", "file with page ids to run (one per line; default: all)")
	rounds := fs.Int("rounds", 3, "timing rounds; each extractor's fastest round is reported")
	cpuprofile := fs.String("cpuprofile", "", "write a CPU profile of the timed runs to this file")
	metaCov := fs.Bool("meta", false, "print how many pages got each metadata field from parley and exit")
	show := fs.String("show", "", "print parley's article JSON for this page id and exit")
	if err := fs.Parse(args); err != nil {
		return err
	}
	dir, ok := sharedtest.Find("bench/extraction")
	if !ok {
		fmt.Fprintln(stdout, "extractbench: ../shared/bench/extraction not found beside the repository; nothing to measure")
		return nil
	}
	pages, err := loadPages(dir, *ids)
	if err != nil {
		return err
	}
	if *show != "" {
		return showPage(ctx, pages, *show, stdout, logger)
	}
	if *metaCov {
		return metaCoverage(ctx, pages, stdout, logger)
	}
	out := *outDir
	if out == "" {
		tmp, err := os.MkdirTemp("", "extractbench-")
		if err != nil {
			return fmt.Errorf("temp dir: %w", err)
		}
		defer os.RemoveAll(tmp)
		out = tmp
	} else if err := os.MkdirAll(out, 0o755); err != nil {
		return fmt.Errorf("out dir: %w", err)
	}

	ex, err := extract.New(extract.Config{Logger: logger})
	if err != nil {
		return err
	}
	all := []extractor{
		{"parley", func(ctx context.Context, p page) string {
			a, err := ex.Extract(ctx, p.html, p.url, extract.Hints{})
			if err != nil {
				return ""
			}
			return a.Body
		}},
		{"go-trafilatura", runTrafilatura},
		{"go-readability", runReadability},
		{"go-domdistiller", runDistiller},
	}
	var selected []extractor
	for _, e := range all {
		if *only == "" || contains(strings.Split(*only, ","), e.name) {
			selected = append(selected, e)
		}
	}

	if *rounds < 1 {
		return fmt.Errorf("-rounds must be at least 1")
	}
	fmt.Fprintf(stdout, "extractbench: %d pages from %s, GOMAXPROCS=1 while timing, best of %d rounds\n", len(pages), dir, *rounds)
	results := make(map[string]score)
	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		if err != nil {
			return fmt.Errorf("cpu profile: %w", err)
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return fmt.Errorf("cpu profile: %w", err)
		}
		defer pprof.StopCPUProfile()
	}
	// The machine is shared: each round times every extractor once, in
	// turn, and an extractor's speed is its fastest round, so a burst of
	// load from elsewhere does not land on one extractor only.
	prev := runtime.GOMAXPROCS(1)
	best := make(map[string]time.Duration)
	for round := 0; round < *rounds; round++ {
		for _, e := range selected {
			preds := make(map[string]string, len(pages))
			runtime.GC()
			start := time.Now()
			for _, p := range pages {
				preds[p.id] = e.fn(ctx, p)
			}
			elapsed := time.Since(start)
			if d, ok := best[e.name]; !ok || elapsed < d {
				best[e.name] = elapsed
			}
			if round == 0 {
				if err := writeJSON(filepath.Join(out, e.name+".json"), preds); err != nil {
					runtime.GOMAXPROCS(prev)
					return err
				}
			}
		}
	}
	runtime.GOMAXPROCS(prev)
	for name, d := range best {
		results[name] = score{pagesPerSec: float64(len(pages)) / d.Seconds()}
	}

	for _, e := range selected {
		file := filepath.Join(out, e.name+".json")
		s, err := evaluate(ctx, dir, file, *ids)
		if err != nil {
			return fmt.Errorf("evaluate %s: %w", e.name, err)
		}
		s.pagesPerSec = results[e.name].pagesPerSec
		results[e.name] = s
	}

	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "extractor\tF1\tprecision\trecall\tpages/s\t")
	for _, e := range selected {
		s := results[e.name]
		fmt.Fprintf(tw, "%s\t%.3f\t%.3f\t%.3f\t%.0f\t\n", e.name, s.f1, s.precision, s.recall, s.pagesPerSec)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if *outDir != "" {
		fmt.Fprintf(stdout, "predictions in %s\n", out)
	}
	return nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if strings.TrimSpace(x) == s {
			return true
		}
	}
	return false
}

func loadPages(dir, idsFile string) ([]page, error) {
	raw, err := os.ReadFile(filepath.Join(dir, "ground-truth.json"))
	if err != nil {
		return nil, fmt.Errorf("read ground truth: %w", err)
	}
	var truth map[string]struct {
		URL string `json:"url"`
	}
	if err := json.Unmarshal(raw, &truth); err != nil {
		return nil, fmt.Errorf("decode ground truth: %w", err)
	}
	want := map[string]bool{}
	if idsFile != "" {
		b, err := os.ReadFile(idsFile)
		if err != nil {
			return nil, fmt.Errorf("read ids: %w", err)
		}
		for _, l := range strings.Fields(string(b)) {
			want[l] = true
		}
	}
	ids := make([]string, 0, len(truth))
	for id := range truth {
		if len(want) == 0 || want[id] {
			ids = append(ids, id)
		}
	}
	sort.Strings(ids)
	pages := make([]page, 0, len(ids))
	for _, id := range ids {
		b, err := readGzip(filepath.Join(dir, "html", id+".html.gz"))
		if err != nil {
			return nil, err
		}
		pages = append(pages, page{id: id, url: truth[id].URL, html: b})
	}
	return pages, nil
}

func readGzip(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open page: %w", err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		return nil, fmt.Errorf("gunzip %s: %w", path, err)
	}
	b, err := io.ReadAll(zr)
	if err != nil {
		return nil, fmt.Errorf("gunzip %s: %w", path, err)
	}
	return b, nil
}

func writeJSON(path string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode predictions: %w", err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		return fmt.Errorf("write predictions: %w", err)
	}
	return nil
}

func evaluate(ctx context.Context, dir, file, idsFile string) (score, error) {
	args := []string{filepath.Join(dir, "evaluate.py"), file, "--bootstrap", "0"}
	if idsFile != "" {
		args = append(args, "--ids", idsFile)
	}
	cmd := exec.CommandContext(ctx, "python3", args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	outb, err := cmd.Output()
	if err != nil {
		return score{}, fmt.Errorf("python3 evaluate.py: %w: %s", err, stderr.String())
	}
	lines := strings.Split(strings.TrimSpace(string(outb)), "\n")
	last := lines[len(lines)-1]
	var s score
	var n int
	if _, err := fmt.Sscanf(last, "F1 %f precision %f recall %f pages %d", &s.f1, &s.precision, &s.recall, &n); err != nil {
		return score{}, fmt.Errorf("parse %q: %w", last, err)
	}
	return s, nil
}

func parseURL(raw string) *url.URL {
	u, err := url.Parse(raw)
	if err != nil {
		return nil
	}
	return u
}

func runTrafilatura(_ context.Context, p page) string {
	res, err := trafilatura.Extract(bytes.NewReader(p.html), trafilatura.Options{
		OriginalURL:     parseURL(p.url),
		EnableFallback:  true,
		ExcludeComments: true,
	})
	if err != nil || res == nil {
		return ""
	}
	return res.ContentText
}

func runReadability(_ context.Context, p page) string {
	parser := readability.NewParser()
	art, err := parser.Parse(bytes.NewReader(p.html), parseURL(p.url))
	if err != nil || art.Node == nil {
		return ""
	}
	var b strings.Builder
	if err := art.RenderText(&b); err != nil {
		return ""
	}
	return b.String()
}

func runDistiller(_ context.Context, p page) string {
	res, err := distiller.ApplyForReader(bytes.NewReader(p.html), &distiller.Options{
		OriginalURL:    parseURL(p.url),
		SkipPagination: true,
	})
	if err != nil || res == nil {
		return ""
	}
	return res.Text
}

var _ = errors.New

func showPage(ctx context.Context, pages []page, id string, stdout io.Writer, logger *slog.Logger) error {
	ex, err := extract.New(extract.Config{Logger: logger})
	if err != nil {
		return err
	}
	for _, p := range pages {
		if strings.HasPrefix(p.id, id) {
			a, err := ex.Extract(ctx, p.html, p.url, extract.Hints{})
			if err != nil {
				return err
			}
			enc := json.NewEncoder(stdout)
			enc.SetIndent("", "  ")
			enc.SetEscapeHTML(false)
			return enc.Encode(a)
		}
	}
	return fmt.Errorf("no page %s", id)
}

// metaCoverage prints, per metadata field, on how many pages parley
// filled it (the benchmark has no metadata truth; this shows reach only).
func metaCoverage(ctx context.Context, pages []page, stdout io.Writer, logger *slog.Logger) error {
	ex, err := extract.New(extract.Config{Logger: logger})
	if err != nil {
		return err
	}
	fields := []string{"title", "authors", "published_at", "updated_at", "language", "image", "source", "summary", "categories", "dateline", "empty_reason"}
	counts := map[string]int{}
	for _, p := range pages {
		a, err := ex.Extract(ctx, p.html, p.url, extract.Hints{})
		if err != nil {
			continue
		}
		filled := map[string]bool{
			"title": a.Title != "", "authors": len(a.Authors) > 0, "published_at": a.PublishedAt != nil,
			"updated_at": a.UpdatedAt != nil, "language": a.Language != "", "image": a.Image != "",
			"source": a.Source != "", "summary": a.Summary != "", "categories": len(a.Categories) > 0,
			"dateline": a.Dateline != "", "empty_reason": a.EmptyReason != "",
		}
		for f, ok := range filled {
			if ok {
				counts[f]++
			}
		}
	}
	for _, f := range fields {
		fmt.Fprintf(stdout, "%-13s %3d/%d\n", f, counts[f], len(pages))
	}
	return nil
}
