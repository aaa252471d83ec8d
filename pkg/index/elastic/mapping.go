package elastic

import (
	"fmt"
	"sort"
	"strings"

	"github.com/parley-news/parley/pkg/index"
	"github.com/parley-news/parley/pkg/query"
)

// MappingVersion is the version of the mapping below. A change that is not
// purely additive bumps it: Open then creates Index-v<N+1>, and the alias
// is moved once the new index is filled (parley replay).
const MappingVersion = 4

// Fields of the Elasticsearch document that index.Document does not have.
const (
	// fieldArticle holds the whole article for Article(), stored, not indexed.
	fieldArticle = "article"
	// fieldStoryKey is the story id, or the article id when the article has
	// no story yet: collapsing on it keeps unclustered articles apart
	// (documents without the collapse field would form one group).
	fieldStoryKey = "story_key"
)

// sentenceGap is the position_increment_gap of the sentences field: the
// positions left empty between two sentences. A sentence has at most
// query.MaxSentenceWords words, so two words of one sentence are fewer
// than sentenceGap positions apart and words of two sentences at least
// that many: SENTENCE(a, b) is a span_near with a slop of sentenceGap-1.
const sentenceGap = query.MaxSentenceWords

// keywordSub is the sub-field of text fields people filter and aggregate on.
const keywordSub = "keyword"

func textField(keyword bool) map[string]any {
	f := map[string]any{"type": "text", "analyzer": "standard"}
	if keyword {
		f["fields"] = map[string]any{keywordSub: map[string]any{"type": "keyword", "ignore_above": 512}}
	}
	return f
}

// sentencesField holds index.Document's sentences, sentenceGap positions
// apart.
func sentencesField() map[string]any {
	return map[string]any{"type": "text", "analyzer": "standard", "position_increment_gap": sentenceGap}
}

// sentencesStemField holds index.Document's sentences_stem: a form field
// (formField) whose values are as far apart as the sentences'.
func sentencesStemField() map[string]any {
	f := formField()
	f["position_increment_gap"] = sentenceGap
	return f
}

func typ(t string) map[string]any { return map[string]any{"type": t} }

// formField holds the stems or name keys query.AnalyzeForms made,
// separated by spaces: the whitespace analyzer (in every Elasticsearch,
// no analysis module needed) splits them as the embedded index does.
func formField() map[string]any { return map[string]any{"type": "text", "analyzer": "whitespace"} }

// mappings is the explicit mapping: dynamic off, the standard analyzer
// (Unicode word segmentation and lower case, no stop words: the analysis of
// the Bleve backend, and all the integ-test distribution has), keyword
// sub-fields where people filter or aggregate.
func mappings() map[string]any {
	return map[string]any{
		"dynamic": false,
		"_meta":   map[string]any{"parley_mapping_version": MappingVersion},
		"properties": map[string]any{
			"id":            typ("keyword"),
			"url":           typ("keyword"),
			"feed_url":      typ("keyword"),
			"source":        textField(true),
			"title":         textField(true),
			"summary":       textField(false),
			"body":          textField(false),
			"authors":       textField(true),
			"published_at":  typ("date"),
			"updated_at":    typ("date"),
			"fetched_at":    typ("date"),
			"language":      typ("keyword"),
			"categories":    typ("keyword"),
			"countries":     typ("keyword"),
			"people":        textField(true),
			"organizations": textField(true),
			"places":        textField(true),
			"entities":      typ("keyword"),
			"topics":        typ("keyword"),
			"story_id":      typ("keyword"),
			"event_id":      typ("keyword"),
			"quotes":        textField(false),
			"speakers":      textField(true),
			"sentences":     sentencesField(),
			fieldStoryKey:   typ("keyword"),
			// Since mapping version 2 (README, Query language).
			index.DocTitleStem:     formField(),
			index.DocSummaryStem:   formField(),
			index.DocBodyStem:      formField(),
			index.DocQuotesStem:    formField(),
			index.DocTitleName:     formField(),
			index.DocSummaryName:   formField(),
			index.DocBodyName:      formField(),
			index.DocSentencesStem: sentencesStemField(),
			fieldArticle:           map[string]any{"type": "object", "enabled": false},
		},
	}
}

// settings of a new index. auto_expand_replicas keeps a single node green
// and gives a larger cluster one replica.
func settings(shards int) map[string]any {
	return map[string]any{
		"number_of_shards":     shards,
		"auto_expand_replicas": "0-1",
	}
}

// indexTemplate is the composable template that gives every index of the
// alias's pattern its settings, mapping and the alias.
func indexTemplate(alias string, shards int) map[string]any {
	return map[string]any{
		"index_patterns": []string{alias + "-*"},
		"priority":       200,
		"template": map[string]any{
			"settings": settings(shards),
			"mappings": mappings(),
		},
		"_meta": map[string]any{"managed_by": "parley", "parley_mapping_version": MappingVersion},
	}
}

// mappingConflicts compares the properties of an existing mapping with
// ours and returns one line per field whose type differs, and the fields
// that are missing (which can be added in place).
func mappingConflicts(existing map[string]any) (conflicts, missing []string) {
	want := mappings()["properties"].(map[string]any)
	have, _ := existing["properties"].(map[string]any)
	names := make([]string, 0, len(want))
	for n := range want {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		w := want[n].(map[string]any)
		h, ok := have[n].(map[string]any)
		if !ok {
			missing = append(missing, n)
			continue
		}
		wt, _ := w["type"].(string)
		ht, _ := h["type"].(string)
		if ht == "" {
			ht = "object" // the mapping API omits the type of objects
		}
		if wt != ht {
			conflicts = append(conflicts, fmt.Sprintf("%s is %s, want %s", n, ht, wt))
			continue
		}
		if wt == "text" {
			wa, _ := w["analyzer"].(string)
			if a, _ := h["analyzer"].(string); a != wa && (a != "" || wa != "standard") {
				if a == "" {
					a = "standard"
				}
				conflicts = append(conflicts, fmt.Sprintf("%s uses analyzer %s, want %s", n, a, wa))
			}
			if _, wantKW := w["fields"]; wantKW {
				sub, _ := h["fields"].(map[string]any)
				kw, _ := sub[keywordSub].(map[string]any)
				if t, _ := kw["type"].(string); t != "keyword" {
					conflicts = append(conflicts, fmt.Sprintf("%s has no keyword sub-field %s.%s", n, n, keywordSub))
				}
			}
		}
	}
	return conflicts, missing
}

// facetField maps a facet name to the aggregatable field.
func facetField(facet string) (string, bool) {
	switch facet {
	case "source":
		return "source." + keywordSub, true
	case "language":
		return "language", true
	case "country":
		return "countries", true
	case "person":
		return "people." + keywordSub, true
	case "topic":
		return "topics", true
	case "speaker":
		return "speakers." + keywordSub, true
	}
	return "", false
}

// MappingFields lists every field path of the mapping, sub-fields
// included ("source", "source.keyword", ...): what Kibana objects may
// reference.
func MappingFields() []string {
	var out []string
	for n, v := range mappings()["properties"].(map[string]any) {
		out = append(out, n)
		if f, ok := v.(map[string]any)["fields"].(map[string]any); ok {
			for s := range f {
				out = append(out, n+"."+s)
			}
		}
	}
	sort.Strings(out)
	return out
}

func joinList(s []string) string { return strings.Join(s, "; ") }
