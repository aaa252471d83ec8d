package index

import (
	"strings"
	"time"

	"github.com/parley-news/parley/pkg/article"
	"github.com/parley-news/parley/pkg/query"
)

// Document is what every backend indexes for one article: the article's
// searchable fields flattened, plus the whole article as JSON for lookups.
// Field names here are the index field names on every backend.
type Document struct {
	ID            string     `json:"id"`
	URL           string     `json:"url"`
	FeedURL       string     `json:"feed_url,omitempty"`
	Source        string     `json:"source,omitempty"`
	Title         string     `json:"title,omitempty"`
	Summary       string     `json:"summary,omitempty"`
	Body          string     `json:"body,omitempty"`
	Authors       []string   `json:"authors,omitempty"`
	PublishedAt   *time.Time `json:"published_at,omitempty"`
	UpdatedAt     *time.Time `json:"updated_at,omitempty"`
	FetchedAt     *time.Time `json:"fetched_at,omitempty"`
	Language      string     `json:"language,omitempty"`
	Categories    []string   `json:"categories,omitempty"`
	Countries     []string   `json:"countries,omitempty"`     // keyword, upper case ISO 3166-1 alpha-2
	People        []string   `json:"people,omitempty"`        // text, canonical names
	Organizations []string   `json:"organizations,omitempty"` // text, canonical names
	Places        []string   `json:"places,omitempty"`        // text, canonical names
	Entities      []string   `json:"entities,omitempty"`      // keyword, Wikidata QIDs of every resolved entity
	Topics        []string   `json:"topics,omitempty"`        // keyword, lower case
	StoryID       string     `json:"story_id,omitempty"`      // keyword
	EventID       string     `json:"event_id,omitempty"`      // keyword
	Quotes        []string   `json:"quotes,omitempty"`        // text of quotations
	Speakers      []string   `json:"speakers,omitempty"`      // text, quote speakers
	// Sentences are the sentences of the title, summary and body that
	// have words (query.SentenceForms), one value each, for SENTENCE(a,
	// b): text whose values a query's positions cannot bridge;
	// SentencesStem their stems, value for value and word for word.
	Sentences     []string `json:"sentences,omitempty"`
	SentencesStem []string `json:"sentences_stem,omitempty"`

	// The stems and name keys of the text fields (query.AnalyzeForms),
	// space-separated, indexed split at white space: what unquoted words
	// search besides the tokens (query.WordForms).
	TitleStem   string   `json:"title_stem,omitempty"`
	SummaryStem string   `json:"summary_stem,omitempty"`
	BodyStem    string   `json:"body_stem,omitempty"`
	QuotesStem  []string `json:"quotes_stem,omitempty"`
	TitleName   string   `json:"title_name,omitempty"`
	SummaryName string   `json:"summary_name,omitempty"`
	BodyName    string   `json:"body_name,omitempty"`
}

// Index field names, shared by the backends and the query translators.
const (
	DocTitle       = "title"
	DocSummary     = "summary"
	DocBody        = "body"
	DocSource      = "source"
	DocLanguage    = "language"
	DocCountries   = "countries"
	DocPeople      = "people"
	DocEntities    = "entities"
	DocTopics      = "topics"
	DocStoryID     = "story_id"
	DocEventID     = "event_id"
	DocPublishedAt = "published_at"
	DocQuotes      = "quotes"
	DocSpeakers    = "speakers"
	DocSentences   = "sentences"
	// DocSentencesStem holds Document.SentencesStem, a form field.
	DocSentencesStem = "sentences_stem"
)

// TextFields are the fields a bare word or phrase searches.
var TextFields = []string{DocTitle, DocSummary, DocBody}

// The fields of stems and name keys (Document.TitleStem etc.).
const (
	DocTitleStem   = "title_stem"
	DocSummaryStem = "summary_stem"
	DocBodyStem    = "body_stem"
	DocQuotesStem  = "quotes_stem"
	DocTitleName   = "title_name"
	DocSummaryName = "summary_name"
	DocBodyName    = "body_name"
)

// FormFields are the index fields an unquoted word of query field f is
// also looked for in, by the kind of query.Form: stem fields, or with
// names the name fields; nil when f has none.
func FormFields(f query.Field, names bool) []string {
	switch {
	case f == query.FieldText && names:
		return []string{DocTitleName, DocSummaryName, DocBodyName}
	case f == query.FieldText:
		return []string{DocTitleStem, DocSummaryStem, DocBodyStem}
	case f == query.FieldTitle && names:
		return []string{DocTitleName}
	case f == query.FieldTitle:
		return []string{DocTitleStem}
	case f == query.FieldQuote && !names:
		return []string{DocQuotesStem}
	}
	return nil
}

// PrefixWord is the analysed word a prefix query p matches the start of,
// and the index fields it searches; "" when p cannot match (not one word,
// or not a text field).
func PrefixWord(p query.Prefix) (string, []string) {
	toks := query.Analyze(p.Value)
	name, keyword := FieldFor(p.Field)
	if len(toks) != 1 || keyword || (name == "" && p.Field != query.FieldText) {
		return "", nil
	}
	if p.Field == query.FieldText {
		return toks[0].Text, TextFields
	}
	return toks[0].Text, []string{name}
}

// NearFields are the index fields NEAR/n(a, b) (n not Sentence) or
// SENTENCE(a, b) (Sentence) looks for its operands in, each on its own.
func NearFields(n query.Near) []string {
	if n.Sentence {
		return []string{DocSentences}
	}
	return TextFields
}

// StemFieldOf is the field holding the stems of field, one of
// NearFields, at the positions of its words: where NEAR looks for the
// stems of unquoted words (query.Alternative).
func StemFieldOf(field string) string {
	switch field {
	case DocTitle:
		return DocTitleStem
	case DocSummary:
		return DocSummaryStem
	case DocBody:
		return DocBodyStem
	case DocSentences:
		return DocSentencesStem
	}
	return ""
}

// FieldFor maps a query field to the index field it searches, and whether
// that index field is a keyword (whole value) rather than analysed text.
// FieldText maps to TextFields and returns "".
func FieldFor(f query.Field) (name string, keyword bool) {
	switch f {
	case query.FieldTitle:
		return DocTitle, false
	case query.FieldSource:
		return DocSource, false
	case query.FieldLanguage:
		return DocLanguage, true
	case query.FieldCountry:
		return DocCountries, true
	case query.FieldPerson:
		return DocPeople, false
	case query.FieldTopic:
		return DocTopics, true
	case query.FieldStory:
		return DocStoryID, true
	case query.FieldEvent:
		return DocEventID, true
	case query.FieldEntity:
		return DocEntities, true
	case query.FieldPublished:
		return DocPublishedAt, true
	case query.FieldQuote:
		return DocQuotes, false
	case query.FieldSpeaker:
		return DocSpeakers, false
	}
	return "", false
}

// NormalizeKeyword puts a keyword value in the form it is indexed in, so
// `country:ae`, `language:EN` and `topic:Diplomacy` match.
func NormalizeKeyword(field, value string) string {
	v := strings.TrimSpace(value)
	switch field {
	case DocCountries, DocEntities:
		return strings.ToUpper(v)
	case DocStoryID, DocEventID:
		return v
	default:
		return strings.ToLower(v)
	}
}

// NewDocument flattens an article into its index document.
func NewDocument(a *article.Article) Document {
	d := Document{
		ID: a.ID, URL: a.URL, FeedURL: a.FeedURL, Source: a.Source,
		Title: a.Title, Summary: a.Summary, Body: a.Body, Authors: a.Authors,
		PublishedAt: a.PublishedAt, UpdatedAt: a.UpdatedAt, FetchedAt: a.FetchedAt,
		Language: NormalizeKeyword(DocLanguage, a.Language), Categories: a.Categories,
		StoryID: a.StoryID, EventID: a.EventID,
	}
	for _, c := range a.Entities.Countries {
		d.Countries = append(d.Countries, NormalizeKeyword(DocCountries, c))
	}
	for _, t := range a.Topics {
		d.Topics = append(d.Topics, NormalizeKeyword(DocTopics, t))
	}
	addEntities := func(names *[]string, es []article.Entity) {
		for _, e := range es {
			*names = append(*names, e.Name)
			if k := article.EntityKey(e); k != "" {
				d.Entities = append(d.Entities, NormalizeKeyword(DocEntities, k))
			}
		}
	}
	addEntities(&d.People, a.Entities.People)
	addEntities(&d.Organizations, a.Entities.Organizations)
	addEntities(&d.Places, a.Entities.Places)
	for _, text := range []string{a.Title, a.Summary, a.Body} {
		for _, s := range query.SentenceForms(text, a.Language) {
			d.Sentences = append(d.Sentences, s.Text)
			d.SentencesStem = append(d.SentencesStem, strings.Join(s.Stems, " "))
		}
	}
	for _, f := range []struct {
		text        string
		stem, names *string
	}{
		{a.Title, &d.TitleStem, &d.TitleName},
		{a.Summary, &d.SummaryStem, &d.SummaryName},
		{a.Body, &d.BodyStem, &d.BodyName},
	} {
		fs := query.AnalyzeForms(f.text, a.Language)
		*f.stem = strings.Join(fs.Stems, " ")
		*f.names = strings.Join(fs.Names, " ")
	}
	for _, q := range a.Quotes {
		d.QuotesStem = append(d.QuotesStem, strings.Join(query.AnalyzeForms(q.Text, a.Language).Stems, " "))
		d.Quotes = append(d.Quotes, q.Text)
		if q.Speaker != "" {
			d.Speakers = append(d.Speakers, q.Speaker)
		}
	}
	return d
}
