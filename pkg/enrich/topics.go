package enrich

import (
	"fmt"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"
)

// Topic names (DESIGN A3 topics).
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

// phraseSet matches phrases (already split into keys) against words.
type phraseSet struct {
	byFirst map[string][]phrase
}

type phrase struct {
	keys []string
	weak bool // marked "~" in the data
}

func (g *Gazetteer) newPhraseSet(phrases []string) phraseSet {
	ps := phraseSet{byFirst: map[string][]phrase{}}
	for _, p := range phrases {
		weak := strings.HasPrefix(p, "~")
		keys, _ := g.split(strings.TrimPrefix(p, "~"))
		if len(keys) == 0 {
			continue
		}
		ps.byFirst[keys[0]] = append(ps.byFirst[keys[0]], phrase{keys: keys, weak: weak})
	}
	for k, l := range ps.byFirst {
		slices.SortStableFunc(l, func(a, b phrase) int { return len(b.keys) - len(a.keys) })
		ps.byFirst[k] = l
	}
	return ps
}

// at returns the length in words of the longest phrase starting at toks[i]
// (0 if none) and whether it is weak.
func (ps phraseSet) at(toks []token, i int) (int, bool) {
	for _, p := range ps.byFirst[toks[i].key] {
		if i+len(p.keys) > len(toks) {
			continue
		}
		ok := true
		for j := 1; j < len(p.keys); j++ {
			if toks[i+j].key != p.keys[j] {
				ok = false
				break
			}
		}
		if ok {
			return len(p.keys), p.weak
		}
	}
	return 0, false
}

// topicModel holds the vocabularies of the topic classifier.
type topicModel struct {
	events    []phraseSet // parallel to eventTopicOrder
	diplomacy phraseSet
	sports    phraseSet
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
	tm := &topicModel{diplomacy: g.newPhraseSet(f.Diplomacy), sports: g.newPhraseSet(f.Sports)}
	for _, t := range eventTopicOrder {
		if len(f.Events[t]) == 0 {
			return nil, fmt.Errorf("topics.yaml: no phrases for event %q", t)
		}
		tm.events = append(tm.events, g.newPhraseSet(f.Events[t]))
	}
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
// title and count twice.
func (tm *topicModel) score(toks []token, titleEnd int) topicScore {
	var s topicScore
	for i := 0; i < len(toks); {
		w := 1
		if toks[i].start < titleEnd {
			w = 2
		}
		adv := 1
		for k, ps := range tm.events {
			if n, weak := ps.at(toks, i); n > 0 {
				s.events[k] += w
				s.eventSum += w
				if !weak {
					s.strong += w
				}
				adv = max(adv, n)
			}
		}
		if n, _ := tm.diplomacy.at(toks, i); n > 0 {
			s.diplomacy += w
			adv = max(adv, n)
		}
		if n, _ := tm.sports.at(toks, i); n > 0 {
			s.sports += w
			adv = max(adv, n)
		}
		i += adv
	}
	return s
}
