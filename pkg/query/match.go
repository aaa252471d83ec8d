package query

import (
	"strings"
	"time"

	"github.com/parley-news/parley/pkg/article"
)

// Document is one article analysed the way the index backends index it, for
// Match. Build it with NewDocument.
type Document struct {
	title, summary, body, source, people [][]string // tokens of each value
	language                             string
	countries, topics, entities          []string
	storyID                              string
	publishedAt                          *time.Time
}

// NewDocument analyses a for Match. It flattens the article exactly as
// index.NewDocument does (pkg/index imports this package, so it cannot be
// used here; a test in this package holds the two together).
func NewDocument(a *article.Article) *Document {
	d := &Document{
		title:    analyseAll(a.Title),
		summary:  analyseAll(a.Summary),
		body:     analyseAll(a.Body),
		source:   analyseAll(a.Source),
		language: normalizeKeyword(FieldLanguage, a.Language),
		storyID:  a.StoryID,
	}
	if a.PublishedAt != nil && representable(*a.PublishedAt) {
		t := *a.PublishedAt
		d.publishedAt = &t
	}
	for _, c := range a.Entities.Countries {
		d.countries = append(d.countries, normalizeKeyword(FieldCountry, c))
	}
	for _, t := range a.Topics {
		d.topics = append(d.topics, normalizeKeyword(FieldTopic, t))
	}
	for _, group := range [][]article.Entity{a.Entities.People, a.Entities.Organizations, a.Entities.Places} {
		for _, e := range group {
			if k := article.EntityKey(e); k != "" {
				d.entities = append(d.entities, normalizeKeyword(FieldEntity, k))
			}
		}
	}
	for _, p := range a.Entities.People {
		d.people = append(d.people, terms(p.Name))
	}
	return d
}

func analyseAll(s ...string) [][]string {
	out := make([][]string, 0, len(s))
	for _, v := range s {
		out = append(out, terms(v))
	}
	return out
}

// normalizeKeyword is index.NormalizeKeyword by query field.
func normalizeKeyword(f Field, v string) string {
	v = strings.TrimSpace(v)
	switch f {
	case FieldCountry, FieldEntity:
		return strings.ToUpper(v)
	case FieldStory:
		return v
	}
	return strings.ToLower(v)
}

// The dates the Bleve index holds: its datetime fields are nanoseconds
// since 1970 in an int64, and its range queries accept only this span. The
// embedded index leaves a date outside it out, so Match ignores it too.
var (
	minTime = time.Date(1677, 12, 1, 0, 0, 0, 0, time.UTC)
	maxTime = time.Date(2262, 4, 11, 11, 59, 59, 0, time.UTC)
)

func representable(t time.Time) bool { return !t.Before(minTime) && !t.After(maxTime) }

// Match reports whether d matches n, with the semantics of the index
// backends: a word or phrase matches consecutive tokens within one value of
// a text field (a word that analyses into several tokens, such as al-Sisi,
// is a phrase; one with no tokens matches nothing); keyword fields compare
// whole normalised values; a Range is inclusive and never matches an
// article without published_at; And{} matches everything, Or{} nothing.
// Expand n first to match every spelling of a name.
func Match(n Node, d *Document) bool {
	switch n := n.(type) {
	case All:
		return true
	case And:
		for _, c := range n.Children {
			if !Match(c, d) {
				return false
			}
		}
		return true
	case Or:
		for _, c := range n.Children {
			if Match(c, d) {
				return true
			}
		}
		return false
	case Not:
		return !Match(n.Child, d)
	case Range:
		return matchRange(n, d)
	case Term:
		return matchTerm(n, d)
	}
	return false
}

func matchRange(r Range, d *Document) bool {
	if r.Field != FieldPublished || d.publishedAt == nil {
		return false
	}
	t := *d.publishedAt
	if !r.From.IsZero() && t.Before(r.From) {
		return false
	}
	if !r.To.IsZero() && t.After(r.To) {
		return false
	}
	return true
}

func matchTerm(t Term, d *Document) bool {
	var text [][][]string
	switch t.Field {
	case FieldText:
		text = [][][]string{d.title, d.summary, d.body}
	case FieldTitle:
		text = [][][]string{d.title}
	case FieldSource:
		text = [][][]string{d.source}
	case FieldPerson:
		text = [][][]string{d.people}
	case FieldLanguage:
		return keywordIn(t, d.language)
	case FieldCountry:
		return keywordIn(t, d.countries...)
	case FieldTopic:
		return keywordIn(t, d.topics...)
	case FieldEntity:
		return keywordIn(t, d.entities...)
	case FieldStory:
		return keywordIn(t, d.storyID)
	default:
		return false
	}
	want := terms(t.Value)
	if len(want) == 0 {
		return false
	}
	for _, field := range text {
		for _, value := range field {
			if containsRun(value, want) {
				return true
			}
		}
	}
	return false
}

func keywordIn(t Term, values ...string) bool {
	v := normalizeKeyword(t.Field, t.Value)
	if v == "" {
		return false
	}
	for _, x := range values {
		if x == v {
			return true
		}
	}
	return false
}

// containsRun reports whether want occurs as consecutive tokens of have.
func containsRun(have, want []string) bool {
	for i := 0; i+len(want) <= len(have); i++ {
		ok := true
		for k, w := range want {
			if have[i+k] != w {
				ok = false
				break
			}
		}
		if ok {
			return true
		}
	}
	return false
}
