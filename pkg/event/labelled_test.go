package event

import (
	"bufio"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"testing"
	"time"

	"github.com/parley-news/parley/pkg/article"
	"github.com/parley-news/parley/pkg/enrich"
	"github.com/parley-news/parley/pkg/story"
)

// labelled is one article of a labelled set: its text, and the event it
// reports on by the labelling rule in README.md ("Events").
type labelled struct {
	ID        string    `json:"id"`
	Event     string    `json:"event"`
	CopyOf    string    `json:"copy_of"`
	Source    string    `json:"source"`
	Lang      string    `json:"lang"`
	Published time.Time `json:"published"`
	Title     string    `json:"title"`
	Body      string    `json:"body"`
}

func readLabelled(tb testing.TB, path string) []labelled {
	tb.Helper()
	f, err := os.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	var out []labelled
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var l labelled
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			tb.Fatalf("%s: %v", path, err)
		}
		out = append(out, l)
	}
	if err := sc.Err(); err != nil {
		tb.Fatal(err)
	}
	return out
}

// clustered is what the pipeline gave one labelled article.
type clustered struct {
	labelled
	StoryID, EventID string
}

// runPipeline enriches the articles and assigns their stories and events
// in publication order, each at its publication time, as the parser does.
func runPipeline(tb testing.TB, set []labelled, cfg Config) []clustered {
	tb.Helper()
	ctx := context.Background()
	gaz, err := enrich.NewGazetteer()
	if err != nil {
		tb.Fatal(err)
	}
	en, err := enrich.New(enrich.Config{}, gaz)
	if err != nil {
		tb.Fatal(err)
	}
	sort.SliceStable(set, func(i, j int) bool { return set[i].Published.Before(set[j].Published) })
	var now time.Time
	clock := func() time.Time { return now }
	stories, err := story.New(story.Config{Now: clock}, nil)
	if err != nil {
		tb.Fatal(err)
	}
	cfg.Now = clock
	events, err := New(cfg, nil)
	if err != nil {
		tb.Fatal(err)
	}
	out := make([]clustered, 0, len(set))
	for _, l := range set {
		now = l.Published.Add(10 * time.Minute)
		p := l.Published
		a := &article.Article{
			ID: article.ID("https://example.test/" + l.ID), Title: l.Title, Body: l.Body,
			Source: l.Source, Language: l.Lang, PublishedAt: &p,
		}
		en.Enrich(a)
		if a.StoryID, err = stories.Assign(ctx, a); err != nil {
			tb.Fatal(err)
		}
		if a.EventID, err = events.Assign(ctx, a); err != nil {
			tb.Fatal(err)
		}
		out = append(out, clustered{labelled: l, StoryID: a.StoryID, EventID: a.EventID})
	}
	return out
}

// pairwise is the pairwise precision and recall of a clustering against
// the labels: of the pairs of articles the clustering puts together, the
// share the labels put together, and of the pairs the labels put
// together, the share the clustering found.
func pairwise(cs []clustered, label, got func(clustered) string) (p, r float64, tp, fp, fn int) {
	for i := range cs {
		for j := i + 1; j < len(cs); j++ {
			same, joined := label(cs[i]) == label(cs[j]), got(cs[i]) == got(cs[j])
			switch {
			case same && joined:
				tp++
			case joined:
				fp++
			case same:
				fn++
			}
		}
	}
	p, r = 1, 1
	if tp+fp > 0 {
		p = float64(tp) / float64(tp+fp)
	}
	if tp+fn > 0 {
		r = float64(tp) / float64(tp+fn)
	}
	return p, r, tp, fp, fn
}

func byEvent(c clustered) string   { return c.Event }
func byEventID(c clustered) string { return c.EventID }
func byStoryID(c clustered) string { return c.StoryID }

// The labelled sets in testdata: the set the weights, threshold and gap
// were chosen on, and a held-out set written after they were fixed.
var (
	tuningSet  = filepath.Join("testdata", "events.jsonl")
	heldOutSet = filepath.Join("testdata", "events_heldout.jsonl")
)

// TestLabelledSet clusters the labelled sets in testdata (written for this
// test: reports of one event by several outlets in English, Russian,
// Ukrainian, French, Arabic, German and Spanish, and other events around
// them; README, Events) together, as one stream, and fails below pairwise
// precision 0.9 or recall 0.8 of event_id. It logs each set's own figures.
func TestLabelledSet(t *testing.T) {
	sets := map[string][]labelled{"tuning": readLabelled(t, tuningSet), "held-out": readLabelled(t, heldOutSet)}
	var all []labelled
	for _, name := range []string{"tuning", "held-out"} {
		all = append(all, sets[name]...)
		cs := runPipeline(t, sets[name], Config{})
		p, r, tp, fp, fn := pairwise(cs, byEvent, byEventID)
		sp, sr, _, _, _ := pairwise(cs, byEvent, byStoryID)
		t.Logf("%s set, %d reports: event_id pairwise precision %.3f recall %.3f (pairs: %d right, %d wrong, %d missed); story_id %.3f / %.3f",
			name, len(cs), p, r, tp, fp, fn, sp, sr)
	}
	cs := runPipeline(t, all, Config{})
	for _, c := range cs {
		t.Logf("%-14s %-24s event=%.8s story=%.8s %s", c.ID, c.Event, c.EventID, c.StoryID, c.Title)
	}
	p, r, tp, fp, fn := pairwise(cs, byEvent, byEventID)
	t.Logf("both sets, %d reports: event_id pairwise precision %.3f recall %.3f (pairs: %d right, %d wrong, %d missed)", len(cs), p, r, tp, fp, fn)
	sp, sr, _, _, _ := pairwise(cs, byEvent, byStoryID)
	t.Logf("story_id as events: pairwise precision %.3f recall %.3f", sp, sr)
	if p < 0.9 || r < 0.8 {
		t.Errorf("event_id pairwise precision %.3f recall %.3f: want at least 0.9 and 0.8", p, r)
	}
}

// TestJudgedCase is the case users try first: three outlets' differently
// worded reports of one round of talks, one in Russian, share an event;
// a report on different talks in the same city a week later does not; a
// copy of the wire story keeps its story and its event.
func TestJudgedCase(t *testing.T) {
	cs := runPipeline(t, readLabelled(t, tuningSet), Config{})
	got := map[string]clustered{}
	for _, c := range cs {
		got[c.ID] = c
	}
	first := got["e1-wire"].EventID
	for _, id := range []string{"e1-copy", "e1-gulf", "e1-ru", "e1-fr", "e1-ar", "e1-day2", "e1-ru-day2"} {
		if got[id].EventID != first {
			t.Errorf("%s: event %s, want the event of e1-wire %s", id, got[id].EventID, first)
		}
	}
	if got["e1-copy"].StoryID != got["e1-wire"].StoryID {
		t.Errorf("the copy of e1-wire has story %s, want %s", got["e1-copy"].StoryID, got["e1-wire"].StoryID)
	}
	if got["e1-gulf"].StoryID == got["e1-wire"].StoryID {
		t.Error("a differently worded report shares the wire's story: story_id should join copies only")
	}
	for _, id := range []string{"e2-en", "e2-ar", "e2-fr", "e3-en", "e3-ru"} {
		if got[id].EventID == first {
			t.Errorf("%s (talks in Riyadh a week later) shares the event of the first talks", id)
		}
	}
}
