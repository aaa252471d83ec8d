package event

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/parley-news/parley/pkg/article"
	"github.com/parley-news/parley/pkg/enrich"
)

// reports returns the labelled reports by id, enriched, with their
// publication times.
func reports(t testing.TB) map[string]*article.Article {
	t.Helper()
	gaz, err := enrich.NewGazetteer()
	if err != nil {
		t.Fatal(err)
	}
	en, err := enrich.New(enrich.Config{}, gaz)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]*article.Article{}
	for _, l := range readLabelled(t, filepath.Join("testdata", "events.jsonl")) {
		p := l.Published
		a := &article.Article{ID: article.ID("https://example.test/" + l.ID), Title: l.Title, Body: l.Body, Language: l.Lang, Source: l.Source, PublishedAt: &p}
		en.Enrich(a)
		out[l.ID] = a
	}
	return out
}

// at returns a copy of a under another id, published at p.
func at(a *article.Article, id string, p time.Time) *article.Article {
	c := *a
	c.ID, c.PublishedAt = article.ID("https://example.test/"+id), &p
	return &c
}

// memStore is a Store in memory.
type memStore struct {
	mu   sync.Mutex
	sigs []Signature
	fail error
}

func (m *memStore) Load(context.Context) ([]Signature, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]Signature(nil), m.sigs...), nil
}

func (m *memStore) Save(_ context.Context, s Signature) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.fail != nil {
		return m.fail
	}
	m.sigs = append(m.sigs, s)
	return nil
}

func TestRestartKeepsEvents(t *testing.T) {
	ctx := context.Background()
	r := reports(t)
	now := r["e1-ar"].PublishedAt.Add(time.Hour)
	clock := func() time.Time { return now }
	st := &memStore{}
	ix1, _ := New(Config{Now: clock}, st)
	first, err := ix1.Assign(ctx, r["e1-wire"])
	if err != nil {
		t.Fatal(err)
	}
	ix2, _ := New(Config{Now: clock}, st)
	if got, err := ix2.Assign(ctx, r["e1-ru"]); err != nil || got != first {
		t.Errorf("after restart: event %q (%v), want %q", got, err, first)
	}
	if got, _ := ix2.Assign(ctx, r["e1-wire"]); got != first {
		t.Errorf("the first article assigned again: event %q, want %q", got, first)
	}
	st.fail = errors.New("kv down")
	if _, err := ix2.Assign(ctx, r["e1-fr"]); err == nil {
		t.Error("a failed save must be reported")
	}
	if ix2.Len() != 2 {
		t.Errorf("after a failed save: %d signatures, want 2", ix2.Len())
	}
	if _, err := ix2.Assign(ctx, &article.Article{Title: "x"}); !errors.Is(err, ErrNoID) {
		t.Errorf("article without id: %v, want ErrNoID", err)
	}
}

// TestGrowsOverDays: an event reported every day for a week stays one
// event, though its first reports leave the window; the same reports a
// week after the last one start another.
func TestGrowsOverDays(t *testing.T) {
	ctx := context.Background()
	r := reports(t)
	start := *r["e1-wire"].PublishedAt
	var now time.Time
	ix, _ := New(Config{Now: func() time.Time { return now }}, nil)
	var first string
	ids := []string{"e1-wire", "e1-ru", "e1-gulf", "e1-fr", "e1-ar", "e1-day2", "e1-ru-day2"}
	for day := range 7 {
		for i, id := range ids[:3] {
			p := start.Add(time.Duration(day)*24*time.Hour + time.Duration(i)*time.Hour)
			now = p
			got, err := ix.Assign(ctx, at(r[ids[(day+i)%len(ids)]], fmt.Sprint(id, day), p))
			if err != nil {
				t.Fatal(err)
			}
			if first == "" {
				first = got
			}
			if got != first {
				t.Fatalf("day %d report %d: event %s, want %s", day, i, got, first)
			}
		}
	}
	if ix.Len() > 3*5 {
		t.Errorf("%d signatures held after a week, want those of the last 96 h only", ix.Len())
	}
	p := start.Add(13 * 24 * time.Hour)
	now = p
	if got, _ := ix.Assign(ctx, at(r["e1-wire"], "later", p)); got == first {
		t.Error("the same talks reported a week after the last report joined the old event")
	}
}

// TestConcurrentReportsShareOneEvent assigns the first reports of one new
// event at the same time: they must not start several events.
func TestConcurrentReportsShareOneEvent(t *testing.T) {
	ctx := context.Background()
	r := reports(t)
	now := r["e1-ar"].PublishedAt.Add(time.Hour)
	ix, _ := New(Config{Now: func() time.Time { return now }}, &memStore{})
	same := []string{"e1-wire", "e1-gulf", "e1-ru", "e1-fr", "e1-ar"}
	ids := make([]string, 15)
	var wg sync.WaitGroup
	for i := range ids {
		wg.Go(func() {
			a := r[same[i%len(same)]]
			id, err := ix.Assign(ctx, at(a, fmt.Sprint("c", i), *a.PublishedAt))
			if err != nil {
				t.Error(err)
			}
			ids[i] = id
		})
	}
	wg.Wait()
	for _, id := range ids[1:] {
		if id != ids[0] {
			t.Fatalf("reports of one event got different events: %v", ids)
		}
	}
}

func TestMaxSignatures(t *testing.T) {
	ctx := context.Background()
	r := reports(t)
	ix, _ := New(Config{MaxSignatures: 10, Now: func() time.Time { return *r["e1-wire"].PublishedAt }}, nil)
	for i := range 50 {
		if _, err := ix.Assign(ctx, at(r["e1-wire"], fmt.Sprint("m", i), *r["e1-wire"].PublishedAt)); err != nil {
			t.Fatal(err)
		}
	}
	if ix.Len() > 10 {
		t.Errorf("%d signatures held, want at most 10", ix.Len())
	}
}

func TestConfigValidate(t *testing.T) {
	for _, c := range []Config{{Threshold: 1.5}, {Gap: -1}, {Gap: time.Hour, Window: time.Minute}, {MaxSignatures: -1}, {MaxPostings: 5000}} {
		if _, err := New(c, nil); err == nil {
			t.Errorf("New(%+v): want an error", c)
		}
	}
}

func TestKeys(t *testing.T) {
	a := &article.Article{
		Title: "Россия и Украина провели обмен пленными 150 на 150 в 2026 году, after talks",
		Entities: article.Entities{
			People:    []article.Entity{{Name: "Sergey Lavrov"}, {Name: "Marco Rubio", ID: "Q324546"}},
			Places:    []article.Entity{{Name: "Riyadh", ID: "Q3692"}},
			Countries: []string{"ru", "RU"},
		},
	}
	// Россия's name key is too short to be one (ros): it is a headline word.
	want := []string{"p:name:Sergey Lavrov", "p:Q324546", "l:Q3692", "c:RU", "t:росси", "k:ukrain", "t:прове", "t:обмен", "t:пленн", "n:150", "t:talks"}
	if got := Keys(a); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("Keys:\n got %q\nwant %q", got, want)
	}
	// A name no gazetteer knows meets across scripts in headlines.
	ru, en := Keys(&article.Article{Title: "Вершинин провёл консультации"}), Keys(&article.Article{Title: "Talks held by Vershinin"})
	if !slices.Contains(ru, "k:vershinin") || !slices.Contains(en, "k:vershinin") {
		t.Errorf("Вершинин and Vershinin: keys %q and %q, want k:vershinin in both", ru, en)
	}
}

// TestBacklog: a feed's backlog, read weeks later in one go, is compared
// by when it was published: the reports of one round of talks share an
// event, the talks a week later in the same city get another.
func TestBacklog(t *testing.T) {
	ctx := context.Background()
	r := reports(t)
	now := time.Date(2026, 12, 2, 16, 0, 0, 0, time.UTC)
	ix, _ := New(Config{Now: func() time.Time { return now }}, &memStore{})
	got := map[string]string{}
	for _, id := range []string{"e2-en", "e1-wire", "e2-ar", "e1-gulf", "e1-ru", "e2-fr", "e1-fr", "e1-ar"} {
		ev, err := ix.Assign(ctx, r[id])
		if err != nil {
			t.Fatal(err)
		}
		got[id] = ev
		now = now.Add(time.Second)
	}
	for _, id := range []string{"e1-gulf", "e1-ru", "e1-fr", "e1-ar"} {
		if got[id] != got["e1-wire"] {
			t.Errorf("%s: event %s, want e1-wire's %s", id, got[id], got["e1-wire"])
		}
	}
	for _, id := range []string{"e2-ar", "e2-fr"} {
		if got[id] != got["e2-en"] {
			t.Errorf("%s: event %s, want e2-en's %s", id, got[id], got["e2-en"])
		}
	}
	if got["e1-wire"] == got["e2-en"] {
		t.Error("talks a week apart share an event")
	}
	if ix.Len() != 8 {
		t.Errorf("%d signatures held, want all 8 (assigned just now)", ix.Len())
	}
}
