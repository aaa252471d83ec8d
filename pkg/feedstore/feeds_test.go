package feedstore

import (
	"context"
	"errors"
	"log/slog"
	"testing"

	"github.com/parley-news/parley/pkg/bus/bustest"
)

func TestFeedSet(t *testing.T) {
	b := New(bustest.New(t), slog.New(slog.DiscardHandler))
	ctx := context.Background()
	created, err := b.AddFeed(ctx, FeedEntry{URL: "https://a.example/rss"})
	if err != nil || !created {
		t.Fatalf("add: %v %v", created, err)
	}
	if created, _ := b.AddFeed(ctx, FeedEntry{URL: "https://a.example/rss"}); created {
		t.Error("second add reported created")
	}
	if _, err := b.AddFeed(ctx, FeedEntry{URL: "https://b.example/atom"}); err != nil {
		t.Fatal(err)
	}
	feeds, err := b.Feeds(ctx)
	if err != nil || len(feeds) != 2 {
		t.Fatalf("feeds %v %v", feeds, err)
	}
	if err := b.PutFeedState(ctx, FeedState{URL: "https://a.example/rss", Status: FeedFailing, LastError: "http 410"}); err != nil {
		t.Fatal(err)
	}
	st, _ := b.FeedState(ctx, "https://a.example/rss")
	if st.Status != FeedFailing || st.LastError != "http 410" {
		t.Errorf("state %+v", st)
	}
	if err := b.RemoveFeed(ctx, "https://a.example/rss"); err != nil {
		t.Fatal(err)
	}
	if err := b.RemoveFeed(ctx, "https://a.example/rss"); !errors.Is(err, ErrUnknownFeed) {
		t.Errorf("remove unknown: %v", err)
	}
	st, _ = b.FeedState(ctx, "https://a.example/rss")
	if st.Status != FeedNew {
		t.Errorf("state after remove %+v", st)
	}
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	ch, err := b.WatchFeeds(wctx)
	if err != nil {
		t.Fatal(err)
	}
	first := <-ch
	if first.Entry == nil || first.Entry.URL != "https://b.example/atom" {
		t.Errorf("watch first %+v", first)
	}
	// The initial values may carry the removal of a.example; then the mark.
	for c := range ch {
		if c.Synced {
			break
		}
		if c.Entry != nil {
			t.Errorf("after the feed set, %+v; want the Synced mark", c)
		}
	}
	if _, err := b.AddFeed(ctx, FeedEntry{URL: "https://c.example/feed"}); err != nil {
		t.Fatal(err)
	}
	if later := <-ch; later.Entry == nil || later.Entry.URL != "https://c.example/feed" {
		t.Errorf("watch later %+v", later)
	}
}
