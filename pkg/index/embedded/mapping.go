package embedded

import (
	"slices"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/custom"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/keyword"
	"github.com/blevesearch/bleve/v2/analysis/token/lowercase"
	"github.com/blevesearch/bleve/v2/analysis/tokenizer/unicode"
	"github.com/blevesearch/bleve/v2/analysis/tokenizer/whitespace"
	"github.com/blevesearch/bleve/v2/mapping"

	"github.com/parley-news/parley/pkg/index"
)

// mappingVersion is recorded in the index; Open refuses an index built
// with another mapping, which would silently answer queries differently.
// Bump it with every change to buildMapping.
const mappingVersion = "6"

// internalMappingVersion is the key of the mapping version in the index's
// internal store.
var internalMappingVersion = []byte("parley.mapping_version")

// Fields of the Bleve document beyond index.Document's names.
const (
	// fieldArticle holds the whole article as JSON, stored, not indexed,
	// for Article() and for building hits.
	fieldArticle = "article_json"
	// fieldSourceKW, fieldPeopleKW and fieldSpeakersKW are keyword copies
	// of source, people and speakers for facets: the text fields hold
	// tokens, not names.
	fieldSourceKW   = "source_kw"
	fieldPeopleKW   = "people_kw"
	fieldSpeakersKW = "speakers_kw"
)

// textAnalyzer is the Unicode tokenizer and lower-casing only: no stop words
// and no stemming, the same as Elasticsearch's standard analyzer and as
// query.Analyze, which the in-memory matcher uses.
const textAnalyzer = "parley_text"

var textFields = []string{
	index.DocTitle, index.DocSummary, index.DocBody, index.DocSource, index.DocPeople,
	"organizations", "places", "authors", "quotes", "speakers", index.DocSentences,
}

// formAnalyzer splits at white space only: the stem and name fields hold
// terms query.AnalyzeForms made, which Elasticsearch's whitespace analyzer
// reads the same way.
const formAnalyzer = "parley_forms"

var formFields = []string{
	index.DocTitleStem, index.DocSummaryStem, index.DocBodyStem, index.DocQuotesStem,
	index.DocTitleName, index.DocSummaryName, index.DocBodyName, index.DocSentencesStem,
}

var keywordFields = []string{
	index.DocLanguage, index.DocCountries, index.DocTopics, index.DocEntities, index.DocEventID,
	"id", "url", "feed_url", fieldSourceKW, fieldPeopleKW, fieldSpeakersKW,
}

var dateFields = []string{index.DocPublishedAt, "updated_at", "fetched_at"}

func buildMapping() (*mapping.IndexMappingImpl, error) {
	im := bleve.NewIndexMapping()
	err := im.AddCustomAnalyzer(textAnalyzer, map[string]any{
		"type":          custom.Name,
		"tokenizer":     unicode.Name,
		"token_filters": []any{lowercase.Name},
	})
	if err != nil {
		return nil, err
	}
	err = im.AddCustomAnalyzer(formAnalyzer, map[string]any{
		"type":      custom.Name,
		"tokenizer": whitespace.Name,
	})
	if err != nil {
		return nil, err
	}
	im.DefaultAnalyzer = textAnalyzer
	im.IndexDynamic = false
	im.StoreDynamic = false
	im.DocValuesDynamic = false

	// Doc values only where facets read them.
	facetFieldSet := map[string]bool{}
	for _, f := range facetFields {
		facetFieldSet[f] = true
	}

	dm := bleve.NewDocumentStaticMapping()
	for _, name := range append(append([]string(nil), textFields...), formFields...) {
		fm := bleve.NewTextFieldMapping()
		fm.Analyzer = textAnalyzer
		if slices.Contains(formFields, name) {
			fm.Analyzer = formAnalyzer
		}
		fm.Store = false
		fm.IncludeInAll = false
		fm.IncludeTermVectors = true // positions, for phrases and NEAR
		fm.DocValues = false
		dm.AddFieldMappingsAt(name, fm)
	}
	for _, name := range keywordFields {
		fm := bleve.NewKeywordFieldMapping()
		fm.Analyzer = keyword.Name
		fm.Store = false
		fm.IncludeInAll = false
		fm.IncludeTermVectors = false
		fm.DocValues = facetFieldSet[name]
		dm.AddFieldMappingsAt(name, fm)
	}
	story := bleve.NewKeywordFieldMapping() // doc values: sorted on to collapse stories
	story.Analyzer = keyword.Name
	story.Store = false
	story.IncludeInAll = false
	story.IncludeTermVectors = false
	dm.AddFieldMappingsAt(index.DocStoryID, story)
	for _, name := range dateFields {
		fm := bleve.NewDateTimeFieldMapping()
		fm.Store = false
		fm.IncludeInAll = false
		fm.DocValues = true // sorting
		dm.AddFieldMappingsAt(name, fm)
	}
	art := bleve.NewTextFieldMapping()
	art.Index = false
	art.Store = true
	art.IncludeInAll = false
	art.IncludeTermVectors = false
	art.DocValues = false
	dm.AddFieldMappingsAt(fieldArticle, art)

	im.DefaultMapping = dm
	return im, nil
}
