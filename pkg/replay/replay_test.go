package replay

import (
	"context"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/parley-news/parley/pkg/article"
	"github.com/parley-news/parley/pkg/bus"
	"github.com/parley-news/parley/pkg/bus/bustest"
	"github.com/parley-news/parley/pkg/feed"
	"github.com/parley-news/parley/pkg/index/embedded"
)

func TestIndexLaterVersionWins(t *testing.T) {
	for _, batch := range []int{1, 2, 10} {
		b := bustest.New(t)
		ctx := context.Background()
		for _, a := range []*article.Article{
			{ID: "a", URL: "https://x.example/a", Title: "first version", Language: "en"},
			{ID: "b", URL: "https://x.example/b", Title: "other", Language: "fr"},
			{ID: "a", URL: "https://x.example/a", Title: "second version", Language: "en"},
		} {
			if err := b.PublishArticle(ctx, a); err != nil {
				t.Fatal(err)
			}
		}
		ix, err := embedded.Open(embedded.Config{}, nil)
		if err != nil {
			t.Fatal(err)
		}
		st, err := Index(ctx, b.JetStream(), ix, batch, slog.New(slog.DiscardHandler))
		if err != nil {
			t.Fatalf("batch %d: %v", batch, err)
		}
		n, _ := ix.Count(ctx)
		a, err := ix.Article(ctx, "a")
		if err != nil {
			t.Fatal(err)
		}
		if st.Read != 3 || st.Failed != 0 || n != 2 || a.Title != "second version" {
			t.Errorf("batch %d: stats %+v, %d documents, a titled %q", batch, st, n, a.Title)
		}
		ix.Close()
	}
}

type fakeParser struct{}

func (fakeParser) Parse(_ context.Context, data []byte) (*article.Article, error) {
	r, err := bus.DecodeRaw(data)
	if err != nil {
		return nil, err
	}
	return &article.Article{ID: r.Item.GUID, URL: r.Item.Link, Title: r.Item.Title}, nil
}

type collect struct {
	mu  sync.Mutex
	ids []string
}

func (c *collect) PublishArticle(_ context.Context, a *article.Article) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.ids = append(c.ids, a.ID)
	return nil
}

func TestParseSince(t *testing.T) {
	b := bustest.New(t)
	ctx := context.Background()
	publish := func(id string) {
		r := &bus.Raw{FeedURL: "https://x.example/feed", Source: "x", Item: feed.Item{GUID: id, Link: "https://x.example/" + id, Title: id}, FetchedAt: time.Now()}
		if err := b.PublishRaw(ctx, r, id); err != nil {
			t.Fatal(err)
		}
	}
	publish("old")
	time.Sleep(200 * time.Millisecond)
	since := time.Now()
	time.Sleep(200 * time.Millisecond)
	publish("new1")
	publish("new2")
	log := slog.New(slog.DiscardHandler)

	var c collect
	st, err := Parse(ctx, b.JetStream(), fakeParser{}, &c, since, log)
	if err != nil {
		t.Fatal(err)
	}
	if st.Read != 2 || st.Published != 2 || len(c.ids) != 2 || c.ids[0] != "new1" || c.ids[1] != "new2" {
		t.Errorf("since the middle: stats %+v, published %v", st, c.ids)
	}

	var all collect
	if st, err := Parse(ctx, b.JetStream(), fakeParser{}, &all, since.Add(-time.Hour), log); err != nil || st.Read != 3 {
		t.Errorf("since an hour ago: %+v %v (published %v)", st, err, all.ids)
	}

	var none collect
	if st, err := Parse(ctx, b.JetStream(), fakeParser{}, &none, time.Now().Add(time.Hour), log); err != nil || st.Read != 0 {
		t.Errorf("since the future: %+v %v", st, err)
	}
}
