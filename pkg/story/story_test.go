package story

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/parley-news/parley/pkg/article"
	"github.com/parley-news/parley/pkg/internal/sharedtest"
)

func readText(t testing.TB, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestThresholdPairs measures the similarity of the pairs in testdata and
// checks the default threshold separates them: copies of one story
// (another outlet's headline, boilerplate and light edits; a later update)
// above it, a different story on the same subject and an unrelated
// diplomatic story below it.
func TestThresholdPairs(t *testing.T) {
	ix, err := New(Config{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	th := ix.cfg.Threshold
	pairs := []struct {
		a, b string
		same bool
	}{
		{"wire.txt", "wire_outlet2.txt", true},
		{"wire.txt", "wire_updated.txt", true},
		{"wire_outlet2.txt", "wire_updated.txt", true},
		{"wire.txt", "same_topic.txt", false},
		{"wire_updated.txt", "same_topic.txt", false},
		{"wire.txt", "other_story.txt", false},
		{"same_topic.txt", "other_story.txt", false},
	}
	for _, p := range pairs {
		t.Run(p.a+"~"+p.b, func(t *testing.T) {
			ta, tb := readText(t, p.a), readText(t, p.b)
			for _, k := range []int{3, 4, 5, 6} {
				t.Logf("k=%d jaccard=%.3f", k, Jaccard(ta, tb, k))
			}
			j := Jaccard(ta, tb, ix.cfg.ShingleWords)
			est := Similarity(ix.minHash(words("", ta)), ix.minHash(words("", tb)))
			t.Logf("k=%d jaccard=%.3f minhash=%.3f threshold=%.2f same=%v", ix.cfg.ShingleWords, j, est, th, p.same)
			if p.same && est < th {
				t.Errorf("copies of one story: similarity %.3f below threshold %.2f", est, th)
			}
			if !p.same && est >= th {
				t.Errorf("different stories: similarity %.3f at or above threshold %.2f", est, th)
			}
		})
	}
}

func art(id, file string, t testing.TB) *article.Article {
	return &article.Article{ID: id, Title: "headline of " + id, Body: readText(t, file)}
}

func TestAssign(t *testing.T) {
	ctx := context.Background()
	ix, err := New(Config{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		id, file, wantStory string
	}{
		{"a1", "wire.txt", "a1"},
		{"a2", "wire_outlet2.txt", "a1"},
		{"a3", "same_topic.txt", "a3"},
		{"a4", "wire_updated.txt", "a1"},
		{"a5", "other_story.txt", "a5"},
		{"a1", "wire.txt", "a1"}, // idempotent
		{"a3", "wire.txt", "a3"}, // same id: keeps its story even when its page changed
	}
	for _, tc := range tests {
		got, err := ix.Assign(ctx, art(tc.id, tc.file, t))
		if err != nil {
			t.Fatalf("Assign(%s): %v", tc.id, err)
		}
		if got != tc.wantStory {
			t.Errorf("Assign(%s %s) = %q, want %q", tc.id, tc.file, got, tc.wantStory)
		}
	}
	if _, err := ix.Assign(ctx, &article.Article{Body: "x"}); !errors.Is(err, ErrNoID) {
		t.Errorf("article without id: err %v, want ErrNoID", err)
	}
}

// memStore is a Store in memory, for the restart test.
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

func TestRestartKeepsStories(t *testing.T) {
	ctx := context.Background()
	st := &memStore{}
	ix1, _ := New(Config{}, st)
	if _, err := ix1.Assign(ctx, art("a1", "wire.txt", t)); err != nil {
		t.Fatal(err)
	}
	ix2, _ := New(Config{}, st)
	got, err := ix2.Assign(ctx, art("b1", "wire_outlet2.txt", t))
	if err != nil {
		t.Fatal(err)
	}
	if got != "a1" {
		t.Errorf("after restart: story %q, want a1", got)
	}
	st.fail = errors.New("kv down")
	if _, err := ix2.Assign(ctx, art("b2", "same_topic.txt", t)); err == nil {
		t.Error("a failed save must be reported")
	}
	if ix2.Len() != 2 {
		t.Errorf("after a failed save: %d signatures, want 2", ix2.Len())
	}
}

func TestWindowDropsOldSignatures(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	ix, _ := New(Config{Window: time.Hour, Now: func() time.Time { return now }}, nil)
	if _, err := ix.Assign(ctx, art("a1", "wire.txt", t)); err != nil {
		t.Fatal(err)
	}
	now = now.Add(2 * time.Hour)
	got, _ := ix.Assign(ctx, art("a2", "wire_outlet2.txt", t))
	if got != "a2" {
		t.Errorf("after the window: story %q, want a new story a2", got)
	}
	if ix.Len() != 1 {
		t.Errorf("%d signatures held, want 1", ix.Len())
	}
}

func TestMaxSignatures(t *testing.T) {
	ctx := context.Background()
	ix, _ := New(Config{MaxSignatures: 10}, nil)
	body := readText(t, "wire.txt")
	for i := range 50 {
		a := &article.Article{ID: fmt.Sprint("x", i), Body: fmt.Sprint(i, " unique ", i*7, " ", body[:i*5])}
		if _, err := ix.Assign(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	if ix.Len() > 10 {
		t.Errorf("%d signatures held, want at most 10", ix.Len())
	}
}

func TestConcurrentAssign(t *testing.T) {
	ctx := context.Background()
	ix, _ := New(Config{}, &memStore{})
	files := []string{"wire.txt", "wire_outlet2.txt", "wire_updated.txt", "same_topic.txt", "other_story.txt"}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i, f := range files {
				if _, err := ix.Assign(ctx, art(fmt.Sprint(f, i%2, g%3), f, t)); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
}

func TestConfigValidate(t *testing.T) {
	for _, c := range []Config{{Threshold: 1.5}, {Window: -1}, {ShingleWords: 40}, {Bands: 100, Rows: 100}} {
		if _, err := New(c, nil); err == nil {
			t.Errorf("New(%+v): want an error", c)
		}
	}
}

// benchBodies returns distinct article bodies: the extraction benchmark's
// ground truth in ../shared when present, else the texts in testdata.
func benchBodies(b *testing.B) []string {
	var out []string
	if dir, ok := sharedtest.Find("bench/extraction"); ok {
		if raw, err := os.ReadFile(filepath.Join(dir, "ground-truth.json")); err == nil {
			var gt map[string]struct {
				ArticleBody string `json:"articleBody"`
			}
			if err := json.Unmarshal(raw, &gt); err != nil {
				b.Fatal(err)
			}
			for _, v := range gt {
				out = append(out, v.ArticleBody)
			}
		}
	}
	if len(out) == 0 {
		for _, f := range []string{"wire.txt", "same_topic.txt", "other_story.txt"} {
			out = append(out, readText(b, f))
		}
	}
	return out
}

// BenchmarkAssign assigns articles that are copies (with one changed
// word) of a corpus of distinct stories, so each story gathers copies as
// the benchmark runs: assignments/s with the index growing to b.N.
func BenchmarkAssign(b *testing.B) {
	ctx := context.Background()
	ix, _ := New(Config{}, nil)
	bodies := benchBodies(b)
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		a := &article.Article{ID: fmt.Sprint("b", n), Body: fmt.Sprint(n, " ", bodies[n%len(bodies)])}
		if _, err := ix.Assign(ctx, a); err != nil {
			b.Fatal(err)
		}
		n++
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "articles/s")
	b.ReportMetric(float64(ix.Len()), "signatures")
}

// TestConcurrentCopiesShareOneStory assigns copies of one new story at the
// same time: they must not start several stories.
func TestConcurrentCopiesShareOneStory(t *testing.T) {
	ctx := context.Background()
	ix, _ := New(Config{}, &memStore{})
	files := []string{"wire.txt", "wire_outlet2.txt", "wire_updated.txt"}
	ids := make([]string, 12)
	var wg sync.WaitGroup
	for i := range ids {
		wg.Go(func() {
			id, err := ix.Assign(ctx, art(fmt.Sprint("c", i), files[i%len(files)], t))
			if err != nil {
				t.Error(err)
			}
			ids[i] = id
		})
	}
	wg.Wait()
	for _, id := range ids[1:] {
		if id != ids[0] {
			t.Fatalf("copies got different stories: %v", ids)
		}
	}
}
