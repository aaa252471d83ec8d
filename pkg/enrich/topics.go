package enrich

import (
	"fmt"
	"slices"

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
	byFirst map[string][][]string
}

func (g *Gazetteer) newPhraseSet(phrases []string) phraseSet {
	ps := phraseSet{byFirst: map[string][][]string{}}
	for _, p := range phrases {
		keys, _ := g.split(p)
		if len(keys) == 0 {
			continue
		}
		ps.byFirst[keys[0]] = append(ps.byFirst[keys[0]], keys)
	}
	for k, l := range ps.byFirst {
		slices.SortFunc(l, func(a, b []string) int { return len(b) - len(a) })
		ps.byFirst[k] = l
	}
	return ps
}

// at returns the length in words of the longest phrase starting at toks[i].
func (ps phraseSet) at(toks []token, i int) int {
	for _, p := range ps.byFirst[toks[i].key] {
		if i+len(p) > len(toks) {
			continue
		}
		ok := true
		for j := 1; j < len(p); j++ {
			if toks[i+j].key != p[j] {
				ok = false
				break
			}
		}
		if ok {
			return len(p)
		}
	}
	return 0
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
	diplomacy int
	sports    int
	countries int // distinct countries named
	actors    int // distinct state actors: people with a country or an organisation
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
			if n := ps.at(toks, i); n > 0 {
				s.events[k] += w
				s.eventSum += w
				adv = max(adv, n)
			}
		}
		if n := tm.diplomacy.at(toks, i); n > 0 {
			s.diplomacy += w
			adv = max(adv, n)
		}
		if n := tm.sports.at(toks, i); n > 0 {
			s.sports += w
			adv = max(adv, n)
		}
		i += adv
	}
	return s
}
