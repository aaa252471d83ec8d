// Package query is parley's query language (docs/contract.md): words, "phrases",
// AND / OR / NOT, parentheses, field:value and date ranges. It parses a
// user's string into an AST that every backend translates the same way
// (Bleve, Elasticsearch, and the in-memory matcher used by alerts), so one
// query means one thing everywhere. The user's string is never passed to a
// backend's own query parser.
package query

import "time"

// Node is one node of a parsed query.
type Node interface{ node() }

// Field names a searchable field of the query language.
type Field string

// The fields of the query language. FieldText is a bare word or phrase: it searches
// title, summary and body. FieldEntity is produced by Expand, never typed by
// users: it matches the Wikidata id of an entity the enricher resolved.
const (
	FieldText      Field = ""
	FieldTitle     Field = "title"
	FieldSource    Field = "source"
	FieldLanguage  Field = "language"
	FieldCountry   Field = "country"
	FieldPerson    Field = "person"
	FieldTopic     Field = "topic"
	FieldStory     Field = "story"
	FieldEvent     Field = "event"   // event:ID, the articles reporting one event (article.EventID)
	FieldSpeaker   Field = "speaker" // who is quoted: words of the speakers' names
	FieldQuote     Field = "quote"   // words of direct quotations
	FieldEntity    Field = "entity"
	FieldPublished Field = "published_at"
)

// Term matches a word (Phrase false) or an exact sequence of words (Phrase
// true) in a field. Text fields compare analysed tokens (Unicode word
// segmentation, lower case); keyword fields (language, country, topic,
// entity, story, event) compare the whole value, case-insensitively.
type Term struct {
	Field  Field
	Value  string
	Phrase bool
}

// Prefix matches a word that starts with Value (Zelensk* finds Zelensky,
// Zelenskyy and Zelenskyi) in a text field, compared as analysed tokens:
// Value is one token of at least MinPrefix characters once analysed
// (Parse refuses others), kept as typed so that Format writes it back.
type Prefix struct {
	Field Field
	Value string
}

// And matches when every child matches.
type And struct{ Children []Node }

// Or matches when any child matches.
type Or struct{ Children []Node }

// Not matches when its child does not. A query made only of NOT clauses
// matches every document the child does not.
type Not struct{ Child Node }

// Range matches a date field between From and To, both inclusive; a zero
// bound is open. FromNow or ToNow, when set, replace From or To with a
// moment relative to when the query runs (now-7d): Bounds resolves them.
type Range struct {
	Field          Field
	From, To       time.Time
	FromNow, ToNow *Relative
}

// All matches every document (`*` or an empty query).
type All struct{}

// Near matches when its two operands occur close together in one text
// field of the article (its title, summary or body): within Distance words
// of each other, in either order (NEAR/n(a, b): at most n words stand
// between them), or, with Sentence, in one sentence (SENTENCE(a, b);
// Sentences says what a sentence is). Each operand is a word or phrase
// (a Term of FieldText), a Prefix of FieldText, or an Or of those: the
// ways it may occur (Alternatives). Expand adds every known spelling of a
// name as such alternatives.
type Near struct {
	A, B     Node
	Distance int
	Sentence bool
}

func (Term) node()   {}
func (Prefix) node() {}
func (And) node()    {}
func (Or) node()     {}
func (Not) node()    {}
func (Range) node()  {}
func (All) node()    {}
func (Near) node()   {}
