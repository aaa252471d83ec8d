package parser

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/parley-news/parley/pkg/article"
	"github.com/parley-news/parley/pkg/bus"
	"github.com/parley-news/parley/pkg/bus/bustest"
	"github.com/parley-news/parley/pkg/extract"
	"github.com/parley-news/parley/pkg/feed"
)

const page = `<!doctype html><html lang="en"><head><meta charset="iso-8859-1"><title>Ministers meet in Geneva</title></head>
<body><nav>Home | World</nav><article><h1>Ministers meet in Geneva</h1>
<p>The foreign ministers met in Geneva on Tuesday to discuss a ceasefire, officials said after the talks, which lasted six hours.</p>
<p>Both delegations described the talks as constructive and agreed to meet again next week in Vienna, a spokesman told reporters.</p>
<p>The caf` + "\xe9" + ` across the street was closed for the day, according to its owner.</p>
</article><footer>Copyright</footer></body></html>`

// panicky is an extractor that panics on one URL and hands the others to
// the real one: the stage must survive a panicking extraction.
type panicky struct {
	real  *extract.Extractor
	calls atomic.Int64
}

func (p *panicky) Extract(ctx context.Context, pg []byte, u string, h extract.Hints) (*article.Article, error) {
	p.calls.Add(1)
	if strings.Contains(u, "/panic") {
		panic("extractor bug")
	}
	return p.real.Extract(ctx, pg, u, h)
}

// failingStories cannot assign story ids.
type failingStories struct{}

func (failingStories) Assign(context.Context, *article.Article) (string, error) {
	return "", errors.New("stories bucket unavailable")
}

func runParser(t *testing.T, b *bus.Bus, ex Extractor, st Stories, cfg Config) {
	t.Helper()
	p, err := New(cfg, b, ex, nil, st, nil, nil, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	bustest.Run(t, "parser", p.Run)
}

func newExtractor(t *testing.T) *panicky {
	t.Helper()
	ex, err := extract.New(extract.Config{})
	if err != nil {
		t.Fatal(err)
	}
	return &panicky{real: ex}
}

func publishRaw(t *testing.T, b *bus.Bus, r *bus.Raw, id string) {
	t.Helper()
	if err := b.PublishRaw(context.Background(), r, id); err != nil {
		t.Fatal(err)
	}
}

// waitParsed waits until the parser has settled every raw page.
func waitParsed(t *testing.T, b *bus.Bus) {
	t.Helper()
	bustest.WaitSettled(t, b, bus.StreamRaw, "parser")
}

// published reads every article on parley.articles.>.
func published(t *testing.T, b *bus.Bus) []article.Article {
	t.Helper()
	ctx := context.Background()
	s, err := b.JetStream().Stream(ctx, bus.StreamArticles)
	if err != nil {
		t.Fatal(err)
	}
	info, err := s.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var out []article.Article
	for seq := info.State.FirstSeq; seq <= info.State.LastSeq && info.State.Msgs > 0; seq++ {
		m, err := s.GetMsg(ctx, seq)
		if err != nil {
			t.Fatal(err)
		}
		var a article.Article
		if err := json.Unmarshal(m.Data, &a); err != nil {
			t.Fatalf("article message %d: %v", seq, err)
		}
		out = append(out, a)
	}
	return out
}

func deadLetters(t *testing.T, b *bus.Bus) uint64 {
	t.Helper()
	s, err := b.JetStream().Stream(context.Background(), bus.StreamDLQ)
	if err != nil {
		t.Fatal(err)
	}
	info, err := s.Info(context.Background(), jetstream.WithSubjectFilter("parley.dlq.parser"))
	if err != nil {
		t.Fatal(err)
	}
	return info.State.Subjects["parley.dlq.parser"]
}

// A fetched page becomes one article on parley.articles.<language>: its
// charset decoded, its id from the canonical URL, the fetch time and the
// feed (password hidden) carried over; an item whose page could not be had
// becomes an article from the feed's own text.
func TestParserPublishes(t *testing.T) {
	b := bustest.New(t)
	fetched := time.Date(2026, 11, 30, 8, 0, 0, 0, time.UTC)
	withPage := &bus.Raw{
		FeedURL: "https://reader:s3cret@news.example/feed.xml", Source: "News Example",
		Item:    feed.Item{Link: "https://news.example/geneva?utm_source=rss", Title: "Ministers meet in Geneva"},
		PageURL: "https://news.example/geneva?utm_source=rss", ContentType: "text/html", FetchedAt: fetched,
	}
	withPage.SetPage([]byte(page))
	noPage := &bus.Raw{
		FeedURL: "https://news.example/feed.xml", Source: "News Example", FetchedAt: fetched,
		Item: feed.Item{Link: "https://news.example/vienna", Title: "Talks move to Vienna",
			Content: "<p>The next round of talks will be held in Vienna, the ministry said on Wednesday evening.</p>"},
		PageError: "page of 20 MiB: over the 10 MiB limit",
	}
	publishRaw(t, b, withPage, "page-1")
	publishRaw(t, b, noPage, "item-2")
	runParser(t, b, newExtractor(t), nil, Config{Workers: 1})
	waitParsed(t, b)

	arts := published(t, b)
	if len(arts) != 2 {
		t.Fatalf("%d articles published, want 2", len(arts))
	}
	byURL := map[string]article.Article{}
	for _, a := range arts {
		byURL[a.URL] = a
	}
	g, ok := byURL["https://news.example/geneva"]
	switch {
	case !ok:
		t.Errorf("no article for the page (tracking parameter removed); got %v", byURL)
	case g.ID != article.ID(g.URL) || g.FetchedAt == nil || !g.FetchedAt.Equal(fetched):
		t.Errorf("page article id %s fetched %v", g.ID, g.FetchedAt)
	case !strings.Contains(g.Body, "café") || strings.Contains(g.Body, "Copyright"):
		t.Errorf("page article body %q: want the Latin-1 text decoded and no footer", g.Body)
	case strings.Contains(g.FeedURL, "s3cret") || g.Source != "News Example":
		t.Errorf("page article feed %q source %q: want the password hidden and the source kept", g.FeedURL, g.Source)
	}
	v := byURL["https://news.example/vienna"]
	if !strings.Contains(v.Body, "held in Vienna") || v.PageError == "" || v.EmptyReason != "" {
		t.Errorf("feed-text article: body %q page_error %q empty_reason %q", v.Body, v.PageError, v.EmptyReason)
	}
	if n := deadLetters(t, b); n != 0 {
		t.Errorf("%d dead letters, want 0", n)
	}
}

// A message that is not a raw page, an extraction that panics, and a story
// store that fails are each tried MaxDeliver times, then dead-lettered;
// nothing is published for them.
func TestParserFailures(t *testing.T) {
	tests := []struct {
		name    string
		publish func(t *testing.T, b *bus.Bus)
		stories Stories
		calls   int64 // extractions expected
	}{
		{"not a raw page", func(t *testing.T, b *bus.Bus) {
			if err := b.Publish(context.Background(), bus.SubjectRaw+".x", []byte("{not json"), "bad"); err != nil {
				t.Fatal(err)
			}
		}, nil, 0},
		{"extraction panics", func(t *testing.T, b *bus.Bus) {
			r := &bus.Raw{Source: "x", Item: feed.Item{Link: "https://news.example/panic"}, PageURL: "https://news.example/panic", ContentType: "text/html", FetchedAt: time.Now()}
			r.SetPage([]byte(page))
			publishRaw(t, b, r, "panic")
		}, nil, 2},
		{"story store fails", func(t *testing.T, b *bus.Bus) {
			r := &bus.Raw{Source: "x", Item: feed.Item{Link: "https://news.example/a"}, PageURL: "https://news.example/a", ContentType: "text/html", FetchedAt: time.Now()}
			r.SetPage([]byte(page))
			publishRaw(t, b, r, "stories")
		}, failingStories{}, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := bustest.New(t)
			tt.publish(t, b)
			ex := newExtractor(t)
			runParser(t, b, ex, tt.stories, Config{Workers: 2, MaxDeliver: 2})
			waitParsed(t, b)
			if n := deadLetters(t, b); n != 1 {
				t.Errorf("%d dead letters, want 1", n)
			}
			if got := ex.calls.Load(); got != tt.calls {
				t.Errorf("%d extractions, want %d (one per delivery)", got, tt.calls)
			}
			if arts := published(t, b); len(arts) != 0 {
				t.Errorf("%d articles published, want none", len(arts))
			}
		})
	}
}
