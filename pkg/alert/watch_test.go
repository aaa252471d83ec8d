package alert

import (
	"encoding/json"
	"testing"

	"github.com/parley-news/parley/pkg/article"
)

// TestWatchOncePerStory: `parley watch --query` alerts on the first
// matching article of each story and on nothing else.
func TestWatchOncePerStory(t *testing.T) {
	r, err := RuleConfig{Name: "adhoc", Query: "ceasefire"}.Compile(nil)
	if err != nil {
		t.Fatal(err)
	}
	w := NewWatch(r)
	msg := func(a article.Article) []byte {
		data, err := json.Marshal(a)
		if err != nil {
			t.Fatal(err)
		}
		return data
	}
	for _, tc := range []struct {
		name string
		data []byte
		want string // the alerted article's id, "" for none
	}{
		{"no match", msg(article.Article{ID: "a", Title: "Trade talks resume", StoryID: "s1"}), ""},
		{"first of a story", msg(article.Article{ID: "b", Title: "Ceasefire agreed", StoryID: "s1"}), "b"},
		{"same story again", msg(article.Article{ID: "c", Title: "Ceasefire holds", StoryID: "s1"}), ""},
		{"a new version of the alerted article", msg(article.Article{ID: "b", Title: "Ceasefire agreed, updated", StoryID: "s1"}), ""},
		{"another story", msg(article.Article{ID: "d", Title: "Ceasefire talks", StoryID: "s2"}), "d"},
		{"no story: the article is its own", msg(article.Article{ID: "e", Title: "A ceasefire"}), "e"},
		{"that article again", msg(article.Article{ID: "e", Title: "A ceasefire"}), ""},
		{"not JSON", []byte("ceasefire"), ""},
		{"no id", msg(article.Article{Title: "Ceasefire"}), ""},
	} {
		al, ok := w.Alert(tc.data)
		if got := map[bool]string{true: al.Article.ID}[ok]; got != tc.want || ok != (tc.want != "") {
			t.Errorf("%s: alerted %q (%v), want %q", tc.name, got, ok, tc.want)
		}
		if ok && (al.Rule != "adhoc" || al.Query != "ceasefire") {
			t.Errorf("%s: alert %+v", tc.name, al)
		}
	}
}
