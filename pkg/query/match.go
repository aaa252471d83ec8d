package query

import (
	"slices"
	"strings"
	"time"

	"github.com/parley-news/parley/pkg/article"
)

// Document is one article analysed the way the index backends index it, for
// Match. Build it with NewDocument.
type Document struct {
	title, summary, body, source, people []*value
	quotes, speakers                     []*value
	// The stems of title, summary, body and quotes, and the name keys of
	// title, summary and body (Forms), in the article's language.
	titleStem, summaryStem, bodyStem, quotesStem []*value
	titleName, summaryName, bodyName             []*value
	language                                     string
	countries, topics, entities                  []string
	storyID, eventID                             string
	publishedAt                                  *time.Time

	// texts are the title, summary and body, for sentences().
	texts [3]string
	sents nearText

	// scanned counts the tokens compared by plain scans; past budget, each
	// value scanned again gets a positions index instead, so a rule of
	// many terms (or many rules) costs lookups, not passes over the text.
	scanned, budget int
}

// value is the tokens of one value of a text field, and once built, where
// each token occurs (positions).
type value struct {
	toks []string
	pos  map[string][]int32
	ids  []int32
	idOf map[string]int32
}

// scanBudget is how many tokens Match compares by plain scans, beyond
// four passes over the document, before it indexes positions.
const scanBudget = 4096

// NewDocument analyses a for Match. It flattens the article exactly as
// index.NewDocument does (pkg/index imports this package, so it cannot be
// used here; a test in this package holds the two together).
func NewDocument(a *article.Article) *Document {
	d := &Document{
		source:   analyseAll(a.Source),
		language: normalizeKeyword(FieldLanguage, a.Language),
		storyID:  a.StoryID,
		eventID:  a.EventID,
		texts:    [3]string{a.Title, a.Summary, a.Body},
	}
	for _, f := range []struct {
		text               string
		toks, stems, names *[]*value
	}{
		{a.Title, &d.title, &d.titleStem, &d.titleName},
		{a.Summary, &d.summary, &d.summaryStem, &d.summaryName},
		{a.Body, &d.body, &d.bodyStem, &d.bodyName},
	} {
		fs := AnalyzeForms(f.text, a.Language)
		*f.toks = []*value{{toks: fs.Tokens}}
		*f.stems = []*value{{toks: fs.Stems}}
		*f.names = []*value{{toks: fs.Names}}
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
		d.people = append(d.people, &value{toks: terms(p.Name)})
	}
	for _, q := range a.Quotes {
		fs := AnalyzeForms(q.Text, a.Language)
		d.quotes = append(d.quotes, &value{toks: fs.Tokens})
		d.quotesStem = append(d.quotesStem, &value{toks: fs.Stems})
		if q.Speaker != "" {
			d.speakers = append(d.speakers, &value{toks: terms(q.Speaker)})
		}
	}
	n := 0
	for _, f := range [][]*value{
		d.title, d.summary, d.body, d.source, d.people, d.quotes, d.speakers,
		d.titleStem, d.summaryStem, d.bodyStem, d.quotesStem, d.titleName, d.summaryName, d.bodyName,
	} {
		for _, v := range f {
			n += len(v.toks)
		}
	}
	d.budget = 4*n + scanBudget
	return d
}

func analyseAll(s ...string) []*value {
	out := make([]*value, 0, len(s))
	for _, v := range s {
		out = append(out, &value{toks: terms(v)})
	}
	return out
}

// normalizeKeyword is index.NormalizeKeyword by query field.
func normalizeKeyword(f Field, v string) string {
	v = strings.TrimSpace(v)
	switch f {
	case FieldCountry, FieldEntity:
		return strings.ToUpper(v)
	case FieldStory, FieldEvent:
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
// whole normalised values; Near is described with its type; a Range is inclusive and never matches an
// article without published_at; And{} matches everything, Or{} nothing.
// Expand n first to match every spelling of a name. Relative dates
// (now-7d) are taken from the moment Match is called.
func Match(n Node, d *Document) bool { return MatchAt(n, d, time.Now()) }

// MatchAt is Match with relative dates resolved against now.
func MatchAt(n Node, d *Document, now time.Time) bool {
	switch n := n.(type) {
	case All:
		return true
	case And:
		for _, c := range n.Children {
			if !MatchAt(c, d, now) {
				return false
			}
		}
		return true
	case Or:
		for _, c := range n.Children {
			if MatchAt(c, d, now) {
				return true
			}
		}
		return false
	case Not:
		return !MatchAt(n.Child, d, now)
	case Range:
		return matchRange(n, d, now)
	case Term:
		return matchTerm(n, d)
	case Prefix:
		return matchPrefix(n, d)
	case Near:
		return d.matchNear(n)
	}
	return false
}

// matchPrefix reports whether a token of p's field starts with p's
// analysed word. It is not bounded by MaxPrefixWords: one document has
// few words, and it is scanned once.
func matchPrefix(p Prefix, d *Document) bool {
	want := terms(p.Value)
	if len(want) != 1 {
		return false
	}
	for _, field := range d.textFields(p.Field) {
		for _, v := range field {
			for _, t := range v.toks {
				if strings.HasPrefix(t, want[0]) {
					return true
				}
			}
		}
	}
	return false
}

// stemFields and nameFields are the values an unquoted word of text
// field f is also looked for in (WordForms), nil when f has none.
func (d *Document) stemFields(f Field) [][]*value {
	switch f {
	case FieldText:
		return [][]*value{d.titleStem, d.summaryStem, d.bodyStem}
	case FieldTitle:
		return [][]*value{d.titleStem}
	case FieldQuote:
		return [][]*value{d.quotesStem}
	}
	return nil
}

func (d *Document) nameFields(f Field) [][]*value {
	switch f {
	case FieldText:
		return [][]*value{d.titleName, d.summaryName, d.bodyName}
	case FieldTitle:
		return [][]*value{d.titleName}
	}
	return nil
}

// textFields are the values a text field f of the query language
// searches, or nil when f is not a text field.
func (d *Document) textFields(f Field) [][]*value {
	switch f {
	case FieldText:
		return [][]*value{d.title, d.summary, d.body}
	case FieldTitle:
		return [][]*value{d.title}
	case FieldSource:
		return [][]*value{d.source}
	case FieldPerson:
		return [][]*value{d.people}
	case FieldQuote:
		return [][]*value{d.quotes}
	case FieldSpeaker:
		return [][]*value{d.speakers}
	}
	return nil
}

func matchRange(r Range, d *Document, now time.Time) bool {
	if r.Field != FieldPublished || d.publishedAt == nil {
		return false
	}
	t := *d.publishedAt
	from, to := r.Bounds(now)
	if !from.IsZero() && t.Before(from) {
		return false
	}
	if !to.IsZero() && t.After(to) {
		return false
	}
	return true
}

func matchTerm(t Term, d *Document) bool {
	text := d.textFields(t.Field)
	switch t.Field {
	case FieldText, FieldTitle, FieldSource, FieldPerson, FieldQuote, FieldSpeaker:
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
	case FieldEvent:
		return keywordIn(t, d.eventID)
	default:
		return false
	}
	v := analysed(t.Value)
	want := v.tokens
	if len(want) == 0 {
		return false
	}
	if d.containsIn(text, want) {
		return true
	}
	if t.Phrase {
		return false
	}
	for _, f := range v.forms {
		fields := d.stemFields(t.Field)
		if f.Names {
			fields = d.nameFields(t.Field)
		}
		if d.containsIn(fields, f.Terms) {
			return true
		}
	}
	return false
}

// containsIn reports whether want occurs as consecutive tokens of a value
// of one of fields.
func (d *Document) containsIn(fields [][]*value, want []string) bool {
	for _, field := range fields {
		for _, v := range field {
			if d.contains(v, want) {
				return true
			}
		}
	}
	return false
}

// contains reports whether want occurs as consecutive tokens of v: by a
// plain scan while the document's scan budget lasts, then by v's
// positions index, where it tries only the places of want's rarest token.
func (d *Document) contains(v *value, want []string) bool {
	if v.pos == nil && d.scanned+len(v.toks) <= d.budget {
		d.scanned += len(v.toks)
		return containsRun(v.toks, want)
	}
	v.positions()
	rare := -1
	for k, w := range want {
		ps, ok := v.pos[w]
		if !ok {
			return false
		}
		if rare < 0 || len(ps) < len(v.pos[want[rare]]) {
			rare = k
		}
	}
	for _, p := range v.pos[want[rare]] {
		start := int(p) - rare
		if start >= 0 && start+len(want) <= len(v.toks) && slices.Equal(v.toks[start:start+len(want)], want) {
			return true
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

// positions returns where each token of v occurs, indexing them on
// first use, with a number for each distinct token (v.ids, v.idOf), so
// that runs of tokens compare as numbers.
func (v *value) positions() map[string][]int32 {
	if v.pos == nil {
		v.pos = make(map[string][]int32)
		v.idOf = make(map[string]int32)
		v.ids = make([]int32, len(v.toks))
		for i, t := range v.toks {
			v.pos[t] = append(v.pos[t], int32(i))
			id, ok := v.idOf[t]
			if !ok {
				id = int32(len(v.idOf))
				v.idOf[t] = id
			}
			v.ids[i] = id
		}
	}
	return v.pos
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
