package enrich

import (
	"bufio"
	"encoding/json"
	"html"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/parley-news/parley/pkg/article"
	"github.com/parley-news/parley/pkg/feed"
	"github.com/parley-news/parley/pkg/internal/sharedtest"
)

// label is one hand-labelled feed item of testdata/diplomacy_labels.jsonl:
// the item is named by its feed file and index (with its guid as a check);
// the text itself stays in ../shared.
type label struct {
	File      string `json:"file"`
	Index     int    `json:"index"`
	GUID      string `json:"guid"`
	Diplomacy bool   `json:"diplomacy"`
}

func readLabels(t *testing.T) []label {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", "diplomacy_labels.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []label
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var l label
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			t.Fatalf("labels line %d: %v", len(out)+1, err)
		}
		out = append(out, l)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

var tagRE = regexp.MustCompile(`<[^>]*>`)

// itemArticle turns a feed item into the article enrichment sees: title
// and the longer of content and summary, as plain text.
func itemArticle(it feed.Item, lang string) *article.Article {
	body := it.Content
	if len(body) < len(it.Summary) {
		body = it.Summary
	}
	body = html.UnescapeString(tagRE.ReplaceAllString(body, " "))
	body = strings.Join(strings.Fields(body), " ")
	if it.Language != "" {
		lang = it.Language
	}
	return &article.Article{Title: html.UnescapeString(tagRE.ReplaceAllString(it.Title, "")), Body: body, Language: lang}
}

// TestDiplomacyPrecisionRecall measures the "diplomacy" topic against the
// labelled items of the real feeds in ../shared/fixtures/feeds/real-world.
func TestDiplomacyPrecisionRecall(t *testing.T) {
	dir := sharedtest.Dir(t, "fixtures/feeds/real-world")
	labels := readLabels(t)
	if len(labels) < 200 {
		t.Fatalf("%d labelled items, want at least 200", len(labels))
	}
	e := newTestEnricher(t)
	feeds := map[string]*feed.Feed{}
	var tp, fp, fn, tn int
	type counts struct{ tp, fp, fn, tn int }
	byLang := map[string]*counts{}
	for _, l := range labels {
		fd, ok := feeds[l.File]
		if !ok {
			b, err := os.ReadFile(filepath.Join(dir, l.File))
			if err != nil {
				t.Fatal(err)
			}
			fd, err = feed.Parse(b, "", "")
			if err != nil {
				t.Fatalf("parse %s: %v", l.File, err)
			}
			feeds[l.File] = fd
		}
		if l.Index >= len(fd.Items) {
			t.Fatalf("%s has %d items, label for item %d", l.File, len(fd.Items), l.Index)
		}
		it := fd.Items[l.Index]
		if it.GUID != l.GUID {
			t.Fatalf("%s item %d: guid %q, labelled %q (did the decoder change item order?)", l.File, l.Index, it.GUID, l.GUID)
		}
		a := itemArticle(it, fd.Language)
		e.Enrich(a)
		got := slices.Contains(a.Topics, TopicDiplomacy)
		lang, _, _ := strings.Cut(strings.ReplaceAll(strings.ToLower(a.Language), "_", "-"), "-")
		if lang == "" {
			lang = "undeclared"
		}
		lang += " " + l.File
		c := byLang[lang]
		if c == nil {
			c = &counts{}
			byLang[lang] = c
		}
		switch {
		case got && l.Diplomacy:
			c.tp++
		case got:
			c.fp++
		case l.Diplomacy:
			c.fn++
		default:
			c.tn++
		}
		switch {
		case got && l.Diplomacy:
			tp++
		case got && !l.Diplomacy:
			fp++
			t.Logf("false positive: %s #%d %q topics=%v", l.File, l.Index, a.Title, a.Topics)
		case !got && l.Diplomacy:
			fn++
			t.Logf("false negative: %s #%d %q", l.File, l.Index, a.Title)
		default:
			tn++
		}
	}
	precision := float64(tp) / float64(max(tp+fp, 1))
	recall := float64(tp) / float64(max(tp+fn, 1))
	t.Logf("diplomacy over %d labelled items (%d positive): tp=%d fp=%d fn=%d tn=%d precision=%.3f recall=%.3f",
		len(labels), tp+fn, tp, fp, fn, tn, precision, recall)
	for _, lang := range slices.Sorted(maps.Keys(byLang)) {
		c := byLang[lang]
		t.Logf("  %s: tp=%d fp=%d fn=%d tn=%d", lang, c.tp, c.fp, c.fn, c.tn)
	}
	if precision < 0.8 {
		t.Errorf("precision %.3f below the floor 0.8", precision)
	}
}
