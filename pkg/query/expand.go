package query

import (
	"slices"
	"strings"
)

// Resolver maps a name in any known spelling (any case) to the entity it
// stands for. kind is "person", "organization", "place" or "country"; id is
// a Wikidata QID, or for kind "country" the ISO 3166-1 alpha-2 code.
type Resolver interface {
	Lookup(name string) (kind, id string, ok bool)
}

// Namer is a Resolver that also gives the canonical name of the entity a
// name in any spelling stands for (enrich.Gazetteer is one).
type Namer interface {
	CanonicalName(name string) (string, bool)
}

// Speller is a Resolver that also lists the known spellings of the entity
// a name in any spelling stands for, its canonical name first
// (enrich.Gazetteer is one). NEAR and SENTENCE need them: they match names
// by their words, where the entity id an article carries says nothing of
// where the name stands.
type Speller interface {
	Spellings(name string) []string
}

// Entity kinds a Resolver returns.
const (
	KindPerson       = "person"
	KindOrganization = "organization"
	KindPlace        = "place"
	KindCountry      = "country"
)

// maxNameWords is the longest run of adjacent bare words Expand tries as one
// name ("Democratic Republic of the Congo").
const maxNameWords = 5

// Expand rewrites n so that a name matches every spelling of the entity it
// stands for (docs/contract.md, Query language), using the Wikidata ids the enricher stored:
//
//   - a bare word or phrase that resolves becomes Or(term, entity:QID), or
//     for a country Or(term, country:ISO2);
//   - adjacent bare words are tried as one name first, longest run first, so
//     unquoted Vladimir Putin becomes Or(Vladimir AND Putin, entity:Q7747);
//   - person:X resolving to a person becomes Or(person:X, entity:QID);
//   - country:X becomes country:ISO2 when X resolves to a country (Ukraine,
//     UAE, UK) or else, when X has two letters, its upper case; country:X
//     naming a place becomes entity:QID;
//   - speaker:X naming a known person, organisation or place becomes
//     Or(speaker:X, speaker:"Canonical Name") when the Resolver is also a
//     Namer: the enricher writes a quote's speaker under the canonical name
//     of the entity it resolved, so every spelling finds it;
//   - an operand of NEAR or SENTENCE (a word or phrase) naming a known
//     entity becomes Or(operand, spellings...) when the Resolver is also a
//     Speller: the first MaxSpellings spellings, each as quoted or not as
//     the operand was, and no more than MaxOperandSpellings in one operand.
//
// A nil Resolver returns n unchanged.
func Expand(n Node, r Resolver) Node {
	if r == nil {
		return n
	}
	return expand(n, r)
}

func expand(n Node, r Resolver) Node {
	switch n := n.(type) {
	case Term:
		return expandTerm(n, r)
	case Not:
		return Not{Child: expand(n.Child, r)}
	case Or:
		out := make([]Node, len(n.Children))
		for i, c := range n.Children {
			out[i] = expand(c, r)
		}
		return Or{Children: out}
	case And:
		return And{Children: expandAnd(n.Children, r)}
	case Near:
		budget := MaxOperandSpellings
		n.A = expandOperand(n.A, r, &budget)
		budget = MaxOperandSpellings
		n.B = expandOperand(n.B, r, &budget)
		return n
	}
	return n
}

// expandOperand adds to o, an operand of a Near, the spellings of the
// names it holds (Expand), taking no more than budget of them.
func expandOperand(o Node, r Resolver, budget *int) Node {
	switch o := o.(type) {
	case Or:
		out := make([]Node, len(o.Children))
		for i, c := range o.Children {
			out[i] = expandOperand(c, r, budget)
		}
		return Or{Children: out}
	case Term:
		sp, ok := r.(Speller)
		if !ok || o.Field != FieldText {
			return o
		}
		if _, id, ok := r.Lookup(o.Value); !ok || id == "" {
			return o
		}
		alts := []Node{o}
		seen := map[string]bool{strings.Join(terms(o.Value), " "): true}
		for _, s := range sp.Spellings(o.Value) {
			k := strings.Join(terms(s), " ")
			if k == "" || seen[k] {
				continue
			}
			if len(alts) > MaxSpellings || *budget == 0 {
				break
			}
			seen[k] = true
			alts = append(alts, Term{Value: s, Phrase: o.Phrase})
			*budget--
		}
		if len(alts) == 1 {
			return o
		}
		return Or{Children: alts}
	}
	return o
}

func bareWord(n Node) (Term, bool) {
	t, ok := n.(Term)
	return t, ok && t.Field == FieldText && !t.Phrase
}

func expandAnd(children []Node, r Resolver) []Node {
	out := make([]Node, 0, len(children))
	for i := 0; i < len(children); {
		run := 0
		for i+run < len(children) && run < maxNameWords {
			if _, ok := bareWord(children[i+run]); !ok {
				break
			}
			run++
		}
		matched := false
		for l := run; l >= 2; l-- {
			words := make([]string, l)
			for k := 0; k < l; k++ {
				t, _ := bareWord(children[i+k])
				words[k] = t.Value
			}
			kind, id, ok := r.Lookup(strings.Join(words, " "))
			if !ok || id == "" {
				continue
			}
			group := And{Children: append([]Node(nil), children[i:i+l]...)}
			out = append(out, Or{Children: []Node{group, entityTerm(kind, id)}})
			i += l
			matched = true
			break
		}
		if !matched {
			out = append(out, expand(children[i], r))
			i++
		}
	}
	return out
}

func entityTerm(kind, id string) Term {
	if kind == KindCountry {
		return Term{Field: FieldCountry, Value: strings.ToUpper(id)}
	}
	return Term{Field: FieldEntity, Value: strings.ToUpper(id)}
}

func expandTerm(t Term, r Resolver) Node {
	switch t.Field {
	case FieldText:
		if kind, id, ok := r.Lookup(t.Value); ok && id != "" {
			return Or{Children: []Node{t, entityTerm(kind, id)}}
		}
	case FieldPerson:
		if kind, id, ok := r.Lookup(t.Value); ok && id != "" && kind == KindPerson {
			return Or{Children: []Node{t, entityTerm(kind, id)}}
		}
	case FieldSpeaker:
		nm, ok := r.(Namer)
		if !ok {
			break
		}
		if kind, _, ok := r.Lookup(t.Value); !ok || kind == KindCountry {
			break
		}
		name, ok := nm.CanonicalName(t.Value)
		if !ok || name == "" || slices.Equal(terms(name), terms(t.Value)) {
			break
		}
		return Or{Children: []Node{t, Term{Field: FieldSpeaker, Value: name, Phrase: true}}}
	case FieldCountry:
		kind, id, ok := r.Lookup(t.Value)
		switch {
		case ok && id != "" && kind == KindCountry:
			return entityTerm(kind, id)
		case isTwoLetters(t.Value):
			return Term{Field: FieldCountry, Value: strings.ToUpper(t.Value)}
		case ok && id != "" && kind == KindPlace:
			return entityTerm(kind, id)
		}
	}
	return t
}

func isTwoLetters(s string) bool {
	s = strings.TrimSpace(s)
	if len(s) != 2 {
		return false
	}
	for i := 0; i < 2; i++ {
		c := s[i] | 0x20
		if c < 'a' || c > 'z' {
			return false
		}
	}
	return true
}
