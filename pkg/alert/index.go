package alert

import (
	"math/bits"
	"strings"

	"github.com/parley-news/parley/pkg/article"
	"github.com/parley-news/parley/pkg/query"
)

// A rule is indexed by a requirement: a set of keys (a token in a text
// field, or a keyword value) of which any article it matches contains at
// least one. The matcher then tries only the rules one of whose keys the
// article has, plus the rules with no requirement, and confirms each with
// query.Match. The requirement is a necessary condition only, so the
// indexed matcher finds exactly what trying every rule finds.

// space is the field family a key belongs to.
type space uint8

const (
	spaceText     space = iota // tokens of title, summary and body
	spaceSource                // tokens of source
	spacePerson                // tokens of people's canonical names
	spaceLanguage              // keyword values, normalised as indexed
	spaceCountry
	spaceTopic
	spaceEntity
	spaceStory
	numSpaces
)

type key struct {
	space space
	value string
}

// requirement: always means the rule has none and must be tried on every
// article; otherwise keys lists the alternatives, and no keys means the
// rule can match nothing.
type requirement struct {
	always bool
	keys   []key
}

var always = requirement{always: true}

func requires(n query.Node) requirement {
	switch n := n.(type) {
	case query.Term:
		return termRequirement(n)
	case query.And:
		// Every child must match: any one child's requirement will do;
		// take the narrowest.
		best := always
		for _, c := range n.Children {
			r := requires(c)
			if r.always {
				continue
			}
			if len(r.keys) == 0 {
				return r // a child that matches nothing
			}
			if best.always || len(r.keys) < len(best.keys) {
				best = r
			}
		}
		return best
	case query.Or:
		// One child must match: the union of every child's requirement,
		// unless one child has none.
		var out requirement
		for _, c := range n.Children {
			r := requires(c)
			if r.always {
				return always
			}
			out.keys = append(out.keys, r.keys...)
		}
		return out
	}
	// Not, Range, All, and anything new: no requirement.
	return always
}

func termRequirement(t query.Term) requirement {
	var sp space
	switch t.Field {
	case query.FieldText, query.FieldTitle:
		sp = spaceText
	case query.FieldSource:
		sp = spaceSource
	case query.FieldPerson:
		sp = spacePerson
	case query.FieldLanguage:
		return keywordRequirement(spaceLanguage, strings.ToLower(strings.TrimSpace(t.Value)))
	case query.FieldCountry:
		return keywordRequirement(spaceCountry, strings.ToUpper(strings.TrimSpace(t.Value)))
	case query.FieldTopic:
		return keywordRequirement(spaceTopic, strings.ToLower(strings.TrimSpace(t.Value)))
	case query.FieldEntity:
		return keywordRequirement(spaceEntity, strings.ToUpper(strings.TrimSpace(t.Value)))
	case query.FieldStory:
		return keywordRequirement(spaceStory, strings.TrimSpace(t.Value))
	default:
		// query.Match gives false for a term of any other field.
		return requirement{}
	}
	// A word or phrase needs all its tokens in one value; any one of them
	// is a necessary condition. The longest is likely the rarest.
	toks := query.Analyze(t.Value)
	if len(toks) == 0 {
		return requirement{}
	}
	best := toks[0].Text
	for _, tk := range toks[1:] {
		if len(tk.Text) > len(best) {
			best = tk.Text
		}
	}
	return requirement{keys: []key{{sp, best}}}
}

func keywordRequirement(sp space, v string) requirement {
	if v == "" {
		return requirement{}
	}
	return requirement{keys: []key{{sp, v}}}
}

// Index finds the rules that match an article without trying each rule.
// It is immutable, so matching needs no lock; a changed rule set builds a
// new Index.
type Index struct {
	rules  []*Rule
	always []int32
	keys   [numSpaces]map[string][]int32
}

// NewIndex indexes rules.
func NewIndex(rules []*Rule) *Index {
	ix := &Index{rules: rules}
	for s := range ix.keys {
		ix.keys[s] = map[string][]int32{}
	}
	for i, r := range rules {
		switch {
		case r.req.always:
			ix.always = append(ix.always, int32(i))
		case len(r.req.keys) == 0:
			// Matches nothing: never tried.
		default:
			for _, k := range r.req.keys {
				l := ix.keys[k.space][k.value]
				if len(l) > 0 && l[len(l)-1] == int32(i) {
					continue
				}
				ix.keys[k.space][k.value] = append(l, int32(i))
			}
		}
	}
	return ix
}

// Len is how many rules the index holds.
func (ix *Index) Len() int { return len(ix.rules) }

// Rules returns the indexed rules.
func (ix *Index) Rules() []*Rule { return ix.rules }

// AlwaysTried is how many rules have no requirement and are tried on
// every article.
func (ix *Index) AlwaysTried() int { return len(ix.always) }

// Match returns the rules that match a, in index order.
func (ix *Index) Match(a *article.Article) []*Rule {
	if len(ix.rules) == 0 {
		return nil
	}
	cand := make([]uint64, (len(ix.rules)+63)/64)
	n := 0
	mark := func(ids []int32) {
		for _, id := range ids {
			w, b := id/64, uint64(1)<<(id%64)
			if cand[w]&b == 0 {
				cand[w] |= b
				n++
			}
		}
	}
	mark(ix.always)
	text := func(sp space, values ...string) {
		m := ix.keys[sp]
		if len(m) == 0 {
			return
		}
		for _, v := range values {
			for _, t := range query.Analyze(v) {
				if ids, ok := m[t.Text]; ok {
					mark(ids)
				}
			}
		}
	}
	keyword := func(sp space, v string) {
		if ids, ok := ix.keys[sp][v]; ok {
			mark(ids)
		}
	}
	text(spaceText, a.Title, a.Summary, a.Body)
	text(spaceSource, a.Source)
	for _, p := range a.Entities.People {
		text(spacePerson, p.Name)
	}
	keyword(spaceLanguage, strings.ToLower(strings.TrimSpace(a.Language)))
	for _, c := range a.Entities.Countries {
		keyword(spaceCountry, strings.ToUpper(strings.TrimSpace(c)))
	}
	for _, t := range a.Topics {
		keyword(spaceTopic, strings.ToLower(strings.TrimSpace(t)))
	}
	for _, group := range [][]article.Entity{a.Entities.People, a.Entities.Organizations, a.Entities.Places} {
		for _, e := range group {
			if e.ID != "" {
				keyword(spaceEntity, strings.ToUpper(strings.TrimSpace(e.ID)))
			}
		}
	}
	keyword(spaceStory, strings.TrimSpace(a.StoryID))
	if n == 0 {
		return nil
	}
	doc := query.NewDocument(a)
	var out []*Rule
	for w, word := range cand {
		for word != 0 {
			b := bits.TrailingZeros64(word)
			word &= word - 1
			if r := ix.rules[w*64+b]; r.matchDoc(doc) {
				out = append(out, r)
			}
		}
	}
	return out
}
