package app_test

import (
	"bytes"
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/parley-news/parley/pkg/app"
	"github.com/parley-news/parley/pkg/article"
	"github.com/parley-news/parley/pkg/bus"
	"github.com/parley-news/parley/pkg/cli"
	"github.com/parley-news/parley/pkg/enrich"
	"github.com/parley-news/parley/pkg/extract"
	"github.com/parley-news/parley/pkg/index"
	"github.com/parley-news/parley/pkg/index/embedded"
	"github.com/parley-news/parley/pkg/internal/origin"
	"github.com/parley-news/parley/pkg/parser"
	"github.com/parley-news/parley/pkg/query"
	"github.com/parley-news/parley/pkg/replay"
	"github.com/parley-news/parley/pkg/story"
)

// betterExtractor stands for an improved parser: the real extractor, with
// a summary it could not produce before.
type betterExtractor struct{ *extract.Extractor }

func (b betterExtractor) Extract(ctx context.Context, page []byte, pageURL string, h extract.Hints) (*article.Article, error) {
	a, err := b.Extractor.Extract(ctx, page, pageURL, h)
	if a != nil {
		a.Summary = "Improved summary. " + a.Summary
	}
	return a, err
}

func ids(t *testing.T, s interface {
	Search(context.Context, index.Request) (*index.Result, error)
}) []string {
	t.Helper()
	res, err := s.Search(context.Background(), index.Request{Query: query.All{}, Size: 1000})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, h := range res.Hits {
		out = append(out, h.ID)
	}
	slices.Sort(out)
	return out
}

// TestReplay runs parley on four feeds of the test site, then:
// `parley replay index --into DIR` fills a fresh embedded index holding the
// same articles as the live one; `parley replay parse --since` re-parses the
// kept pages without changing the index; and replay.Parse with an improved
// parser updates every article in the live index, with no copy.
func TestReplay(t *testing.T) {
	o := app.StartOrigin(t, origin.Generated{})
	list := app.WriteFeedList(t, o.URL+origin.FeedRSS, o.URL+origin.FeedAtom, o.URL+origin.FeedRDF, o.URL+origin.FeedJSON)
	natsAddr := app.FreeAddr(t)
	log := app.TestLogger(t)
	data := t.TempDir()
	a := app.RunApp(t, app.Config{
		Feeds: list, Data: data, HTTP: "127.0.0.1:0", NATSListen: natsAddr,
		AllowPrivate: true, PollInterval: time.Hour, FetchTimeout: 10 * time.Second,
	}, log)
	ctx := context.Background()
	const want = 8 // RSS 3, Atom 2 (one of them the RSS feed's Abu Dhabi story), RSS 1.0 2, JSON Feed 2
	app.WaitFor(t, "8 articles indexed and the stages idle", 2*time.Minute, func() bool {
		n, _ := a.Backend().Count(ctx)
		return n >= want && app.Idle(a.Bus().JetStream())
	})
	live := ids(t, a)
	if len(live) != want {
		t.Fatalf("live index holds %d articles, want %d", len(live), want)
	}
	js := a.Bus().JetStream()

	cliRun := func(args ...string) (string, int) {
		var out, errOut bytes.Buffer
		env := cli.Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errOut, Getenv: func(string) string { return "" }}
		code := cli.Main(ctx, append(args, "--nats-listen", natsAddr, "--data", data, "--log-level", "warn"), env)
		return errOut.String(), code
	}

	t.Run("index into a fresh directory", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "index-new")
		msg, code := cliRun("replay", "index", "--into", dir)
		if code != 0 {
			t.Fatalf("replay index: exit %d: %s", code, msg)
		}
		if !strings.Contains(msg, "with 8 articles") || !strings.Contains(msg, "mv ") {
			t.Errorf("replay index said %q", msg)
		}
		ix, err := embedded.Open(embedded.Config{Path: dir}, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer ix.Close()
		if fresh := ids(t, ix); !slices.Equal(fresh, live) {
			t.Errorf("fresh index %v\nlive index %v", fresh, live)
		}
		// A directory that is not empty is refused: replay never writes over an index.
		if msg, code := cliRun("replay", "index", "--into", dir); code == 0 || !strings.Contains(msg, "not empty") {
			t.Errorf("replay index into a full directory: exit %d: %s", code, msg)
		}
		t.Logf("replay index: %s", strings.TrimSpace(msg))
	})

	t.Run("parse again with the same parser", func(t *testing.T) {
		before := app.StreamCount(t, js, bus.StreamArticles)
		msg, code := cliRun("replay", "parse", "--since", "1h")
		if code != 0 {
			t.Fatalf("replay parse: exit %d: %s", code, msg)
		}
		if !strings.Contains(msg, "0 failed") {
			t.Errorf("replay parse said %q", msg)
		}
		// replay parse returns once JetStream confirmed what it published;
		// the indexer has handled it once idle.
		app.WaitFor(t, "the indexer idle after replay parse", time.Minute, func() bool { return app.Idle(js) })
		after := app.StreamCount(t, js, bus.StreamArticles)
		if n, _ := a.Backend().Count(ctx); n != want {
			t.Errorf("after replay parse the index holds %d, want %d", n, want)
		}
		t.Logf("replay parse: %s; %s grew from %d to %d messages (unchanged articles keep their message id)", strings.TrimSpace(msg), bus.StreamArticles, before, after)
		if _, code := cliRun("replay", "parse"); code != 2 {
			t.Errorf("replay parse without --since: exit %d, want 2", code)
		}
	})

	t.Run("an improved parser updates the index", func(t *testing.T) {
		ex, err := extract.New(extract.Config{})
		if err != nil {
			t.Fatal(err)
		}
		gaz, err := enrich.NewGazetteer()
		if err != nil {
			t.Fatal(err)
		}
		en, err := enrich.New(enrich.Config{}, gaz)
		if err != nil {
			t.Fatal(err)
		}
		st, err := story.New(story.Config{}, story.NewKVStore(a.Bus().KV(bus.BucketStories)))
		if err != nil {
			t.Fatal(err)
		}
		p, err := parser.New(parser.Config{}, a.Bus(), betterExtractor{ex}, en, st, nil, nil, log)
		if err != nil {
			t.Fatal(err)
		}
		stats, err := replay.Parse(ctx, js, p, a.Bus(), time.Now().Add(-time.Hour), log)
		if err != nil {
			t.Fatal(err)
		}
		if stats.Failed != 0 || stats.Published < want {
			t.Errorf("replay: %+v", stats)
		}
		app.WaitFor(t, "improved summaries in the index", time.Minute, func() bool {
			for _, id := range live {
				art, err := a.Article(ctx, id)
				if err != nil || !strings.HasPrefix(art.Summary, "Improved summary.") {
					return false
				}
			}
			return true
		})
		if got := ids(t, a); !slices.Equal(got, live) {
			t.Errorf("after an improved replay the index holds %v, want %v", got, live)
		}
		t.Logf("reliability: replay parse with an improved parser; load %d kept pages; expected %d articles updated, found %d, duplicates %d", stats.Read, want, want, len(ids(t, a))-want)
	})
}
