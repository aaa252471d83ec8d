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
	spaceText      space = iota // tokens of title, summary and body
	spaceSource                 // tokens of source
	spacePerson                 // tokens of people's canonical names
	spaceQuote                  // tokens of quotations
	spaceSpeaker                // tokens of quotations' speakers
	spaceStem                   // stems of title, summary and body (query.AnalyzeForms)
	spaceQuoteStem              // stems of quotations
	spaceName                   // name keys of title, summary and body
	spaceLanguage               // keyword values, normalised as indexed
	spaceCountry
	spaceTopic
	spaceEntity
	spaceStory
	spaceEvent
	numSpaces
)

// lastTextSpace is the last space of analysed tokens; the ones after it
// hold whole keyword values.
const lastTextSpace = spaceName

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
	case query.Near:
		// Both operands occur in the title, summary or body, as words
		// or (unquoted) stems, as they would alone.
		return requires(query.And{Children: []query.Node{n.A, n.B}})
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
	case query.FieldQuote:
		sp = spaceQuote
	case query.FieldSpeaker:
		sp = spaceSpeaker
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
	case query.FieldEvent:
		return keywordRequirement(spaceEvent, strings.TrimSpace(t.Value))
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
	words := make([]string, len(toks))
	for i, tk := range toks {
		words[i] = tk.Text
	}
	req := requirement{keys: []key{{sp, longest(words)}}}
	// An unquoted word also matches by its stems and name key: any of
	// these alternatives will do.
	for _, f := range formFilters(t) {
		req.keys = append(req.keys, key{f.space, longest(f.tokens)})
	}
	return req
}

func longest(words []string) string {
	best := words[0]
	for _, w := range words[1:] {
		if len(w) > len(best) {
			best = w
		}
	}
	return best
}

// formFilters are the filters of an unquoted word's stems and name key
// (query.WordForms), in the spaces articleSets puts them.
func formFilters(t query.Term) []filter {
	if t.Phrase {
		return nil
	}
	var out []filter
	for _, f := range query.WordForms(t.Value) {
		var sp space
		switch {
		case (t.Field == query.FieldText || t.Field == query.FieldTitle) && f.Names:
			sp = spaceName
		case t.Field == query.FieldText || t.Field == query.FieldTitle:
			sp = spaceStem
		case t.Field == query.FieldQuote && !f.Names:
			sp = spaceQuoteStem
		default:
			continue
		}
		out = append(out, filter{op: filterTerm, space: sp, tokens: f.Terms})
	}
	return out
}

func keywordRequirement(sp space, v string) requirement {
	if v == "" {
		return requirement{}
	}
	return requirement{keys: []key{{sp, v}}}
}

// filter is a rule reduced to what the article's sets of tokens and
// keywords can decide: a term holds when all its tokens are in the
// article (in any order or value), an And when all children hold, an Or
// when any does; Not, Range and All always hold. It holds whenever the
// rule matches, so it only ever skips rules that cannot match, cheaply,
// before query.Match checks positions and values.
type filter struct {
	op       filterOp
	space    space
	tokens   []string
	children []filter
}

type filterOp uint8

const (
	filterTrue filterOp = iota
	filterFalse
	filterTerm
	filterAnd
	filterOr
)

func newFilter(n query.Node) filter {
	switch n := n.(type) {
	case query.Term:
		req := termRequirement(n)
		if len(req.keys) == 0 {
			return filter{op: filterFalse}
		}
		f := filter{op: filterTerm, space: req.keys[0].space}
		if f.space <= lastTextSpace {
			for _, t := range query.Analyze(n.Value) {
				f.tokens = append(f.tokens, t.Text)
			}
		} else {
			f.tokens = []string{req.keys[0].value}
		}
		if forms := formFilters(n); len(forms) > 0 {
			return filter{op: filterOr, children: append([]filter{f}, forms...)}
		}
		return f
	case query.Near:
		return newFilter(query.And{Children: []query.Node{n.A, n.B}})
	case query.And:
		f := filter{op: filterAnd}
		for _, c := range n.Children {
			f.children = append(f.children, newFilter(c))
		}
		return f
	case query.Or:
		f := filter{op: filterOr}
		for _, c := range n.Children {
			f.children = append(f.children, newFilter(c))
		}
		return f
	}
	return filter{op: filterTrue}
}

func (f *filter) holds(sets *[numSpaces]map[string]struct{}) bool {
	switch f.op {
	case filterTrue:
		return true
	case filterTerm:
		set := sets[f.space]
		for _, t := range f.tokens {
			if _, ok := set[t]; !ok {
				return false
			}
		}
		return true
	case filterAnd:
		for i := range f.children {
			if !f.children[i].holds(sets) {
				return false
			}
		}
		return true
	case filterOr:
		for i := range f.children {
			if f.children[i].holds(sets) {
				return true
			}
		}
		return false
	}
	return false
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
	sets := articleSets(a)
	cand := make([]uint64, (len(ix.rules)+63)/64)
	mark := func(ids []int32) {
		for _, id := range ids {
			cand[id/64] |= uint64(1) << (id % 64)
		}
	}
	mark(ix.always)
	for sp := range sets {
		m := ix.keys[sp]
		if len(m) == 0 {
			continue
		}
		for v := range sets[sp] {
			if ids, ok := m[v]; ok {
				mark(ids)
			}
		}
	}
	var doc *query.Document
	var out []*Rule
	for w, word := range cand {
		for word != 0 {
			b := bits.TrailingZeros64(word)
			word &= word - 1
			r := ix.rules[w*64+b]
			if !r.filter.holds(&sets) {
				continue
			}
			if doc == nil {
				doc = query.NewDocument(a)
			}
			if r.matchDoc(doc) {
				out = append(out, r)
			}
		}
	}
	return out
}

// articleSets is every key an article has, by space, in the forms rules
// are indexed by.
func articleSets(a *article.Article) [numSpaces]map[string]struct{} {
	var sets [numSpaces]map[string]struct{}
	for i := range sets {
		sets[i] = map[string]struct{}{}
	}
	text := func(sp space, v string) {
		for _, t := range query.Analyze(v) {
			sets[sp][t.Text] = struct{}{}
		}
	}
	for _, v := range []string{a.Title, a.Summary, a.Body} {
		f := query.AnalyzeForms(v, a.Language)
		for i, t := range f.Tokens {
			sets[spaceText][t] = struct{}{}
			sets[spaceStem][f.Stems[i]] = struct{}{}
		}
		for _, n := range f.Names {
			sets[spaceName][n] = struct{}{}
		}
	}
	text(spaceSource, a.Source)
	for _, p := range a.Entities.People {
		text(spacePerson, p.Name)
	}
	for _, q := range a.Quotes {
		f := query.AnalyzeForms(q.Text, a.Language)
		for i, t := range f.Tokens {
			sets[spaceQuote][t] = struct{}{}
			sets[spaceQuoteStem][f.Stems[i]] = struct{}{}
		}
		text(spaceSpeaker, q.Speaker)
	}
	keyword := func(sp space, v string) {
		if v != "" {
			sets[sp][v] = struct{}{}
		}
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
			if k := article.EntityKey(e); k != "" {
				keyword(spaceEntity, strings.ToUpper(strings.TrimSpace(k)))
			}
		}
	}
	keyword(spaceStory, strings.TrimSpace(a.StoryID))
	keyword(spaceEvent, strings.TrimSpace(a.EventID))
	return sets
}
