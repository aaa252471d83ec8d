package alert

import (
	"encoding/json"

	"github.com/parley-news/parley/pkg/article"
)

// Watch matches one rule against the indexed articles in memory, once per
// story as the alerter does (the first matching article of a story is an
// alert, later versions and articles of the same story are not), for a
// reader that is not the alerter and keeps nothing: `parley watch --query`.
type Watch struct {
	rule    *Rule
	alerted map[string]bool // stories
}

// NewWatch watches for articles that rule r matches.
func NewWatch(r *Rule) *Watch { return &Watch{rule: r, alerted: map[string]bool{}} }

// Alert reads one message of parley.indexed (an article's JSON) and returns
// its alert, or false when the article does not match, its story was
// alerted already, or the message is not an article.
func (w *Watch) Alert(data []byte) (Alert, bool) {
	var a article.Article
	if err := json.Unmarshal(data, &a); err != nil || a.ID == "" {
		return Alert{}, false
	}
	story := storyOf(&a)
	if w.alerted[story] || !w.rule.Match(&a) {
		return Alert{}, false
	}
	w.alerted[story] = true
	return New(w.rule, &a), true
}
