package indexer

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/parley-news/parley/pkg/article"
	"github.com/parley-news/parley/pkg/bus"
	"github.com/parley-news/parley/pkg/bus/bustest"
	"github.com/parley-news/parley/pkg/permanent"
)

// memIndex is a backend kept in memory for the stage's own tests (the real
// backends have theirs): it holds what it was given by id, and answers
// each article as fail says on each of its tries.
type memIndex struct {
	mu    sync.Mutex
	docs  map[string]*article.Article
	tries map[string]int
	// fail is the error for an article's n-th try (1-based); nil writes it.
	fail func(id string, n int) error
	// short returns one result fewer than articles.
	short bool
	// panicOn is an article id whose batch makes Index panic.
	panicOn string
}

func newMemIndex(fail func(id string, n int) error) *memIndex {
	return &memIndex{docs: map[string]*article.Article{}, tries: map[string]int{}, fail: fail}
}

func (m *memIndex) Index(_ context.Context, arts []*article.Article) []error {
	m.mu.Lock()
	defer m.mu.Unlock()
	errs := make([]error, len(arts))
	for _, a := range arts {
		if a.ID == m.panicOn {
			m.tries[a.ID]++
			var byID map[string]int
			byID[a.ID]++ // a real runtime panic: assignment to a nil map
		}
	}
	for i, a := range arts {
		m.tries[a.ID]++
		if m.fail != nil {
			errs[i] = m.fail(a.ID, m.tries[a.ID])
		}
		if errs[i] == nil {
			m.docs[a.ID] = a
		}
	}
	if m.short {
		m.short = false
		return errs[:len(errs)-1]
	}
	return errs
}

func (m *memIndex) has(id string) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.docs[id] != nil
}

func (m *memIndex) triesOf(id string) int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.tries[id]
}

// runIndexer runs the stage over b until the test ends.
func runIndexer(t *testing.T, b *bus.Bus, backend Backend, cfg Config) {
	t.Helper()
	cfg.MaxWait = 20 * time.Millisecond
	ix, err := New(cfg, b, backend, nil, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	bustest.Run(t, "indexer", ix.Run)
}

func art(n int) *article.Article {
	u := fmt.Sprintf("https://example.org/news/%d", n)
	return &article.Article{ID: article.ID(u), URL: u, Title: fmt.Sprintf("Talks %d", n), Language: "en", Body: "Body."}
}

// waitDone waits until the indexer has settled every message.
func waitDone(t *testing.T, b *bus.Bus) {
	t.Helper()
	bustest.WaitSettled(t, b, bus.StreamArticles, "indexer")
}

// subjects counts the messages of stream by subject.
func subjects(t *testing.T, b *bus.Bus, stream string) map[string]uint64 {
	t.Helper()
	s, err := b.JetStream().Stream(context.Background(), stream)
	if err != nil {
		t.Fatal(err)
	}
	info, err := s.Info(context.Background(), jetstream.WithSubjectFilter(">"))
	if err != nil {
		t.Fatal(err)
	}
	return info.State.Subjects
}

// Confirmed articles go on to parley.indexed, once each; broken and
// forged messages and articles the index refuses for good go to
// parley.dlq.indexer at once; a transient failure is tried again.
func TestIndexerOutcomes(t *testing.T) {
	b := bustest.NewConfig(t, bus.Config{})
	good, refused, flaky := art(1), art(2), art(3)
	backend := newMemIndex(func(id string, n int) error {
		switch {
		case id == refused.ID:
			return permanent.Error(errors.New("mapper_parsing_exception"))
		case id == flaky.ID && n == 1:
			return errors.New("es_rejected_execution_exception")
		}
		return nil
	})
	ctx := context.Background()
	for _, a := range []*article.Article{good, refused, flaky} {
		if err := b.PublishArticle(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	for i, data := range []string{`{not json`, `{"title":"no id"}`, `{"id":"../../_bulk","title":"forged"}`} {
		if err := b.Publish(ctx, bus.SubjectArticles+".en", []byte(data), fmt.Sprintf("bad-%d", i)); err != nil {
			t.Fatal(err)
		}
	}
	runIndexer(t, b, backend, Config{})
	waitDone(t, b)

	for _, a := range []*article.Article{good, flaky} {
		if !backend.has(a.ID) {
			t.Errorf("%s not indexed", a.Title)
		}
	}
	if backend.has(refused.ID) || backend.triesOf(refused.ID) != 1 {
		t.Errorf("refused article: indexed %v after %d tries, want dead-lettered after 1", backend.has(refused.ID), backend.triesOf(refused.ID))
	}
	if n := backend.triesOf(flaky.ID); n != 2 {
		t.Errorf("flaky article tried %d times, want 2", n)
	}
	if got := subjects(t, b, bus.StreamIndexed)[bus.SubjectIndexed+".en"]; got != 2 {
		t.Errorf("%d articles on parley.indexed.en, want 2 (the good and the flaky one, once each)", got)
	}
	if got := subjects(t, b, bus.StreamDLQ)["parley.dlq.indexer"]; got != 4 {
		t.Errorf("%d dead letters, want 4 (three bad messages, one refused article)", got)
	}
}

// An article the index keeps refusing for now is dead-lettered after
// MaxDeliver tries, and blocks nothing behind it.
func TestIndexerDeadLettersAfterMaxDeliver(t *testing.T) {
	b := bustest.NewConfig(t, bus.Config{})
	stuck, next := art(1), art(2)
	backend := newMemIndex(func(id string, _ int) error {
		if id == stuck.ID {
			return errors.New("es_rejected_execution_exception")
		}
		return nil
	})
	ctx := context.Background()
	for _, a := range []*article.Article{stuck, next} {
		if err := b.PublishArticle(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	runIndexer(t, b, backend, Config{MaxDeliver: 2})
	waitDone(t, b)
	if n := backend.triesOf(stuck.ID); n != 2 {
		t.Errorf("stuck article tried %d times, want 2", n)
	}
	if !backend.has(next.ID) {
		t.Error("the article behind the stuck one was not indexed")
	}
	if got := subjects(t, b, bus.StreamDLQ)["parley.dlq.indexer"]; got != 1 {
		t.Errorf("%d dead letters, want 1", got)
	}
}

// A backend that answers for fewer articles than it was given has every
// article of the batch tried again, and none is lost.
func TestIndexerShortAnswerRetried(t *testing.T) {
	b := bustest.NewConfig(t, bus.Config{})
	backend := newMemIndex(nil)
	backend.short = true
	ctx := context.Background()
	arts := []*article.Article{art(1), art(2), art(3)}
	for _, a := range arts {
		if err := b.PublishArticle(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	runIndexer(t, b, backend, Config{Workers: 1})
	waitDone(t, b)
	for _, a := range arts {
		if !backend.has(a.ID) {
			t.Errorf("%s not indexed", a.Title)
		}
	}
	if got := subjects(t, b, bus.StreamIndexed)[bus.SubjectIndexed+".en"]; got != 3 {
		t.Errorf("%d on parley.indexed.en, want 3", got)
	}
	// What reached parley.indexed is the article as the index confirmed it.
	s, _ := b.JetStream().Stream(ctx, bus.StreamIndexed)
	m, err := s.GetMsg(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	var got article.Article
	if err := json.Unmarshal(m.Data, &got); err != nil || !article.ValidID(got.ID) {
		t.Errorf("indexed message %s: %v", m.Data, err)
	}
}

// An article that makes the backend panic does not stop the stage nor take
// its batch with it: the others are indexed, it is delivered again and
// then dead-lettered.
func TestIndexerSurvivesPanic(t *testing.T) {
	b := bustest.NewConfig(t, bus.Config{})
	bomb := art(1)
	backend := newMemIndex(nil)
	backend.panicOn = bomb.ID
	ctx := context.Background()
	arts := []*article.Article{bomb, art(2), art(3)}
	for _, a := range arts {
		if err := b.PublishArticle(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	runIndexer(t, b, backend, Config{Workers: 1, MaxDeliver: 2})
	waitDone(t, b)
	for _, a := range arts[1:] {
		if !backend.has(a.ID) {
			t.Errorf("%s, in a batch with the panicking article, was not indexed", a.Title)
		}
	}
	if backend.has(bomb.ID) {
		t.Error("the panicking article was indexed")
	}
	if got := subjects(t, b, bus.StreamDLQ)["parley.dlq.indexer"]; got != 1 {
		t.Errorf("%d dead letters, want 1 (the panicking article)", got)
	}
}
