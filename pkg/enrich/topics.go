package enrich

import (
	"fmt"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Topic names (the article's topics field, docs/contract.md).
const (
	TopicDiplomacy = "diplomacy"
)

// eventTopics in the order they are reported.
var eventTopicOrder = []string{"talks", "summit", "ceasefire", "sanctions", "treaty", "visit", "call", "un-vote", "expulsion"}

type topicsFile struct {
	Events    map[string][]string `yaml:"events"`
	Diplomacy []string            `yaml:"diplomacy"`
	Sports    []string            `yaml:"sports"`
}

// Categories of topic phrases: the event topics (indexes of
// eventTopicOrder), then the diplomacy and sports vocabularies.
const (
	catDiplomacy = 9
	catSports    = 10
	numCats      = 11
)

// phraseSet matches phrases (already split into keys) against words; all
// vocabularies share one map so a word costs one lookup.
type phraseSet struct {
	byFirst map[string][]phrase
}

type phrase struct {
	keys []string
	cat  int
	weak bool // marked "~" in the data
}

func (g *Gazetteer) addPhrases(ps *phraseSet, cat int, phrases []string) {
	for _, p := range phrases {
		weak := strings.HasPrefix(p, "~")
		keys, _ := g.split(strings.TrimPrefix(p, "~"))
		if len(keys) == 0 {
			continue
		}
		ps.byFirst[keys[0]] = append(ps.byFirst[keys[0]], phrase{keys: keys, cat: cat, weak: weak})
	}
}

func (ps *phraseSet) sort() {
	for k, l := range ps.byFirst {
		slices.SortStableFunc(l, func(a, b phrase) int { return len(b.keys) - len(a.keys) })
		ps.byFirst[k] = l
	}
}

// topicModel holds the vocabularies of the topic classifier.
type topicModel struct {
	phrases phraseSet
}

func (g *Gazetteer) loadTopics() (*topicModel, error) {
	b, err := dataFS.ReadFile("data/topics.yaml")
	if err != nil {
		return nil, fmt.Errorf("read topics: %w", err)
	}
	var f topicsFile
	if err := yaml.Unmarshal(b, &f); err != nil {
		return nil, fmt.Errorf("decode topics.yaml: %w", err)
	}
	tm := &topicModel{phrases: phraseSet{byFirst: map[string][]phrase{}}}
	for k, t := range eventTopicOrder {
		if len(f.Events[t]) == 0 {
			return nil, fmt.Errorf("topics.yaml: no phrases for event %q", t)
		}
		g.addPhrases(&tm.phrases, k, f.Events[t])
	}
	g.addPhrases(&tm.phrases, catDiplomacy, f.Diplomacy)
	g.addPhrases(&tm.phrases, catSports, f.Sports)
	tm.phrases.sort()
	return tm, nil
}

// topicScore is what the classifier counted in one article.
type topicScore struct {
	events    [9]int // hits per event topic, title hits counted twice
	eventSum  int
	strong    int // event hits of phrases that are not weak
	diplomacy int
	sports    int
	states    int // distinct states involved
	intl      int // distinct international organisations named
	words     int
}

// score counts the vocabularies over toks; words before titleEnd are the
// title and count twice. At each word the longest phrase of each
// category counts once.
func (tm *topicModel) score(toks []token, titleEnd int) topicScore {
	var s topicScore
	for i := 0; i < len(toks); {
		w := 1
		if toks[i].start < titleEnd {
			w = 2
		}
		adv := 1
		var hit [numCats]bool
		for _, p := range tm.phrases.byFirst[toks[i].key] {
			if hit[p.cat] || i+len(p.keys) > len(toks) || !keysAt(toks, i, p.keys) {
				continue
			}
			hit[p.cat] = true
			adv = max(adv, len(p.keys))
			switch p.cat {
			case catDiplomacy:
				s.diplomacy += w
			case catSports:
				s.sports += w
			default:
				s.events[p.cat] += w
				s.eventSum += w
				if !p.weak {
					s.strong += w
				}
			}
		}
		i += adv
	}
	return s
}

func keysAt(toks []token, i int, keys []string) bool {
	for j := 1; j < len(keys); j++ {
		if toks[i+j].key != keys[j] {
			return false
		}
	}
	return true
}
