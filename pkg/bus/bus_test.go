package bus

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/parley-news/parley/pkg/article"
	"github.com/parley-news/parley/pkg/feed"
)

// newTestBus starts an in-process nats-server with JetStream in a temp dir.
func newTestBus(t *testing.T) *Bus {
	t.Helper()
	log := slog.New(slog.DiscardHandler)
	srv, err := StartEmbedded(EmbeddedConfig{StoreDir: t.TempDir(), MaxPayload: 1 << 20}, log)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Shutdown)
	nc, err := srv.Connect()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	b, err := New(ctx, nc, Config{}, log)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestRawRoundTrip(t *testing.T) {
	b := newTestBus(t)
	ctx := context.Background()
	// An incompressible 3 MiB page does not fit a 1 MiB message: it must
	// travel by object store reference and come back byte for byte.
	big := make([]byte, 3<<20)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range big {
		big[i] = byte(rng.IntN(256))
	}
	small := []byte("<html><body><p>hello</p></body></html>")
	tests := []struct {
		name    string
		page    []byte
		wantRef bool
	}{
		{"inline", small, false},
		{"object store", big, true},
	}
	cons, err := b.Consumer(ctx, ConsumerConfig{Stream: StreamRaw, Durable: "test", Filter: SubjectRaw + ".>"})
	if err != nil {
		t.Fatal(err)
	}
	for i, tt := range tests {
		r := &Raw{FeedURL: "https://example.org/feed", Source: "Example News", Item: feed.Item{GUID: tt.name, Link: "https://example.org/a"}, FetchedAt: time.Now()}
		r.SetPage(tt.page)
		if err := b.PublishRaw(ctx, r, "id-"+tt.name); err != nil {
			t.Fatalf("%s: publish: %v", tt.name, err)
		}
		// The same message id again is dropped by JetStream.
		if err := b.PublishRaw(ctx, r, "id-"+tt.name); err != nil {
			t.Fatalf("%s: republish: %v", tt.name, err)
		}
		batch, err := cons.Fetch(1, jetstream.FetchMaxWait(5*time.Second))
		if err != nil {
			t.Fatal(err)
		}
		var got []jetstream.Msg
		for m := range batch.Messages() {
			got = append(got, m)
		}
		if len(got) != 1 {
			t.Fatalf("%s: got %d messages", tt.name, len(got))
		}
		if got[0].Subject() != "parley.raw.example_news" {
			t.Errorf("subject %q", got[0].Subject())
		}
		dr, err := DecodeRaw(got[0].Data())
		if err != nil {
			t.Fatal(err)
		}
		if (dr.PageRef != "") != tt.wantRef {
			t.Errorf("%s: page ref %q, want ref %v", tt.name, dr.PageRef, tt.wantRef)
		}
		page, err := b.Page(ctx, dr)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(page, tt.page) {
			t.Errorf("%s: page differs after round trip (%d vs %d bytes)", tt.name, len(page), len(tt.page))
		}
		_ = got[0].Ack()
		info, _ := b.js.Stream(ctx, StreamRaw)
		si, _ := info.Info(ctx)
		if si.State.Msgs != uint64(i+1) {
			t.Errorf("stream holds %d messages, want %d (duplicate not dropped)", si.State.Msgs, i+1)
		}
	}
}

func TestDeadLetter(t *testing.T) {
	b := newTestBus(t)
	ctx := context.Background()
	if err := b.Publish(ctx, SubjectRaw+".x", []byte("poison"), "p1"); err != nil {
		t.Fatal(err)
	}
	cons, err := b.Consumer(ctx, ConsumerConfig{Stream: StreamRaw, Durable: "parser", Filter: SubjectRaw + ".>"})
	if err != nil {
		t.Fatal(err)
	}
	m, err := cons.Next(jetstream.FetchMaxWait(5 * time.Second))
	if err != nil {
		t.Fatal(err)
	}
	if err := b.DeadLetter(ctx, "parser", m, errors.New("extract: not html")); err != nil {
		t.Fatal(err)
	}
	dl, err := b.js.Stream(ctx, StreamDLQ)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := dl.GetLastMsgForSubject(ctx, SubjectDLQ+".parser")
	if err != nil {
		t.Fatal(err)
	}
	if string(raw.Data) != "poison" || raw.Header.Get(HeaderError) != "extract: not html" || raw.Header.Get(HeaderSubject) != "parley.raw.x" {
		t.Errorf("dead letter %q %v", raw.Data, raw.Header)
	}
}

// TestPublishIndexedBatch publishes a batch of indexed articles at once:
// the payload passed in is stored as it is, the message ids are the ones
// PublishIndexed gives, so a second copy of the batch (a redelivery) or a
// single PublishIndexed of the same article stores nothing new.
func TestPublishIndexedBatch(t *testing.T) {
	b := newTestBus(t)
	ctx := context.Background()
	var items []Indexed
	for i := range 300 {
		a := &article.Article{ID: fmt.Sprintf("a%03d", i), URL: fmt.Sprintf("https://example.org/%d", i), Title: "t", Body: "b", Language: []string{"en", "fr", ""}[i%3]}
		it := Indexed{Article: a}
		if i%2 == 0 { // as the indexer passes them on: the received bytes and hash
			data, err := json.Marshal(a)
			if err != nil {
				t.Fatal(err)
			}
			it.Data, it.Hash = append(data, ' '), ContentHash(a)
		}
		items = append(items, it)
	}
	for round := range 2 {
		for i, err := range b.PublishIndexedBatch(ctx, items) {
			if err != nil {
				t.Fatalf("round %d, article %d: %v", round, i, err)
			}
		}
	}
	if err := b.PublishIndexed(ctx, items[0].Article); err != nil {
		t.Fatal(err)
	}
	s, info := streamInfo(t, b, StreamIndexed)
	if info.State.Msgs != 300 {
		t.Errorf("%s holds %d messages, want 300 (one per article)", StreamIndexed, info.State.Msgs)
	}
	m, err := s.GetLastMsgForSubject(ctx, SubjectIndexed+".und")
	if err != nil {
		t.Fatal(err)
	}
	var a article.Article
	if err := json.Unmarshal(m.Data, &a); err != nil || a.ID != "a299" || m.Header.Get(HeaderArticleID) != "a299" || m.Header.Get(HeaderContentHash) != ContentHash(&a) {
		t.Errorf("a299, encoded by the batch: %v %q (%v)", m.Header, m.Data, err)
	}
	m, err = s.GetLastMsgForSubject(ctx, SubjectIndexed+".fr")
	if err != nil {
		t.Fatal(err)
	}
	if m.Header.Get(HeaderArticleID) != "a298" || !bytes.HasSuffix(m.Data, []byte("} ")) {
		t.Errorf("a298 was not stored as passed in: %v %q", m.Header, m.Data)
	}
}

// TestStreamRetention checks each stream's age limit, and that a
// PARLEY_INDEXED made by an older parley with the articles' 30 days is
// brought down to a week when parley starts.
func TestStreamRetention(t *testing.T) {
	b := newTestBus(t)
	ctx := context.Background()
	maxAge := func(name string) time.Duration {
		t.Helper()
		_, info := streamInfo(t, b, name)
		return info.Config.MaxAge
	}
	day := 24 * time.Hour
	for _, tt := range []struct {
		stream string
		want   time.Duration
	}{{StreamRaw, 7 * day}, {StreamArticles, 30 * day}, {StreamIndexed, 7 * day}} {
		if got := maxAge(tt.stream); got != tt.want {
			t.Errorf("%s max age %s, want %s", tt.stream, got, tt.want)
		}
	}
	_, info := streamInfo(t, b, StreamIndexed)
	cfg := info.Config
	cfg.MaxAge = 30 * day
	if _, err := b.js.UpdateStream(ctx, cfg); err != nil {
		t.Fatal(err)
	}
	if _, err := New(ctx, b.Conn(), Config{ArticlesMaxAge: 2 * day}, slog.New(slog.DiscardHandler)); err != nil {
		t.Fatal(err)
	}
	if got := maxAge(StreamIndexed); got != 2*day {
		t.Errorf("%s max age %s after a restart with 2-day article retention, want 2 days", StreamIndexed, got)
	}
	if _, err := New(ctx, b.Conn(), Config{}, slog.New(slog.DiscardHandler)); err != nil {
		t.Fatal(err)
	}
	if got := maxAge(StreamIndexed); got != 7*day {
		t.Errorf("%s max age %s after a restart with the defaults, want 7 days", StreamIndexed, got)
	}
}

// streamInfo is a stream of b and its current info.
func streamInfo(t *testing.T, b *Bus, name string) (jetstream.Stream, *jetstream.StreamInfo) {
	t.Helper()
	s, err := b.js.Stream(context.Background(), name)
	if err != nil {
		t.Fatal(err)
	}
	info, err := s.Info(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return s, info
}

// TestRawOversizedItem: an item whose feed fields alone exceed the message
// limit is published without the excess (it used to be refused, which
// kept its feed failing and its page refetched at every poll); the fields
// that fit, the links and the page are kept whole.
func TestRawOversizedItem(t *testing.T) {
	b := newTestBus(t)
	ctx := context.Background()
	cons, err := b.Consumer(ctx, ConsumerConfig{Stream: StreamRaw, Durable: "test", Filter: SubjectRaw + ".>"})
	if err != nil {
		t.Fatal(err)
	}
	markup := strings.Repeat("<p>Ministers met in Geneva & talked.</p>", 50_000) // 2 MB; '<', '>' and '&' take 6 bytes each in JSON
	many := make([]string, 200_000)
	for i := range many {
		many[i] = fmt.Sprintf("category-%d", i)
	}
	tests := []struct {
		name     string
		item     feed.Item
		page     []byte
		wantCut  []string
		wantKept func(feed.Item) bool
	}{
		{"content", feed.Item{GUID: "c", Link: "https://example.org/c", Title: "Talks", Content: markup, Summary: "short"}, nil,
			[]string{"content ("}, func(it feed.Item) bool {
				return it.Title == "Talks" && it.Summary == "short" && strings.HasPrefix(markup, it.Content)
			}},
		{"content and summary", feed.Item{GUID: "cs", Link: "https://example.org/cs", Title: "Talks", Content: markup, Summary: markup}, []byte("<html>page</html>"),
			[]string{"content (", "summary ("}, func(it feed.Item) bool { return it.Title == "Talks" && len(it.Content)+len(it.Summary) > 100_000 }},
		{"categories", feed.Item{GUID: "k", Link: "https://example.org/k", Title: "Talks", Categories: many}, nil,
			[]string{"categories ("}, func(it feed.Item) bool { return len(it.Categories) > 1000 && it.Categories[0] == "category-0" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &Raw{FeedURL: "https://example.org/feed", Source: "Example News", Item: tt.item, FetchedAt: time.Now()}
			if tt.page != nil {
				r.SetPage(tt.page)
			}
			if err := b.PublishRaw(ctx, r, "id-"+tt.name); err != nil {
				t.Fatalf("publish: %v", err)
			}
			if r.Item.Content != tt.item.Content || len(r.Item.Categories) != len(tt.item.Categories) {
				t.Errorf("the caller's item was changed")
			}
			batch, err := cons.Fetch(1, jetstream.FetchMaxWait(5*time.Second))
			if err != nil {
				t.Fatal(err)
			}
			for m := range batch.Messages() {
				_ = m.Ack()
				if len(m.Data()) > 1<<20 {
					t.Errorf("message of %d bytes", len(m.Data()))
				}
				dr, err := DecodeRaw(m.Data())
				if err != nil {
					t.Fatal(err)
				}
				for _, c := range tt.wantCut {
					if !strings.Contains(dr.Truncated, c) || !strings.Contains(r.Truncated, c) {
						t.Errorf("truncated %q (caller sees %q), want it to name %q", dr.Truncated, r.Truncated, c)
					}
				}
				if !tt.wantKept(dr.Item) || dr.Item.Link != tt.item.Link || dr.Item.GUID != tt.item.GUID {
					t.Errorf("kept fields: title %q, summary %d bytes, content %d bytes, %d categories, link %q",
						dr.Item.Title, len(dr.Item.Summary), len(dr.Item.Content), len(dr.Item.Categories), dr.Item.Link)
				}
				if tt.page != nil {
					if page, err := b.Page(ctx, dr); err != nil || !bytes.Equal(page, tt.page) {
						t.Errorf("page %q, %v", page, err)
					}
				}
			}
		})
	}
}

// TestArticleOversized: an article too large for one message (a page of
// megabytes of text) is published with its body cut to fit, and says so;
// it used to fail every delivery and end in the dead-letter stream.
func TestArticleOversized(t *testing.T) {
	b := newTestBus(t)
	ctx := context.Background()
	body := strings.Repeat("Ministers met in Geneva on Tuesday to resume talks. ", 60_000) // 3 MB under a 1 MiB limit
	a := &article.Article{ID: "0123456789abcdef0123456789abcdef", URL: "https://example.org/a", Title: "Talks", Body: body, Language: "en"}
	if err := b.PublishArticle(ctx, a); err != nil {
		t.Fatalf("publish: %v", err)
	}
	if !strings.Contains(a.Truncated, fmt.Sprintf("body (%d bytes)", len(body))) || !strings.HasPrefix(body, a.Body) || len(a.Body) < 500_000 {
		t.Errorf("truncated %q, body %d bytes", a.Truncated, len(a.Body))
	}
	info, err := b.js.Stream(ctx, StreamArticles)
	if err != nil {
		t.Fatal(err)
	}
	if si, err := info.Info(ctx); err != nil || si.State.Msgs != 1 {
		t.Errorf("articles stream: %v, %+v; want 1 message", err, si)
	}
}

// PublishAll has every message in flight at once and reports each one's
// outcome: stored, dropped as a duplicate of its message id, or failed
// (a subject no stream takes), without one outcome spilling onto another.
func TestPublishAll(t *testing.T) {
	b := newTestBus(t)
	msg := func(subject string) *nats.Msg { return &nats.Msg{Subject: subject, Data: []byte("{}")} }
	got := b.PublishAll(context.Background(), []Outgoing{
		{Msg: msg(SubjectAlerts + ".a"), ID: "one"},
		{Msg: msg(SubjectAlerts + ".a"), ID: "one"},
		{Msg: msg("nowhere.x"), ID: "two"},
		{Msg: msg(SubjectAlerts + ".b"), ID: "three"},
	})
	want := []struct{ dup, err bool }{{false, false}, {true, false}, {false, true}, {false, false}}
	for i, w := range want {
		if got[i].Duplicate != w.dup || (got[i].Err != nil) != w.err {
			t.Errorf("message %d: %+v, want duplicate %v, error %v", i, got[i], w.dup, w.err)
		}
	}
	if _, info := streamInfo(t, b, StreamAlerts); info.State.Msgs != 2 {
		t.Errorf("%d alerts stored, want 2", info.State.Msgs)
	}
}
