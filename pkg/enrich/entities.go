package enrich

import (
	"strings"

	"github.com/parley-news/parley/pkg/article"
)

// mention is one matched name in a text: words [from, to) of the token list.
type mention struct {
	entry    int32
	from, to int
}

// match finds gazetteer names in toks: at each word the longest alias whose
// words and capitalisation agree wins; a blocked phrase ("Washington Post")
// consumes its words and yields nothing.
func (g *Gazetteer) match(toks []token, lang string, out []mention) []mention {
	for i := 0; i < len(toks); {
		best, bestLen := int32(-1), 0
		cands := g.byFirst[toks[i].key]
		if len(cands) == 0 && toks[i].script == scriptArabic {
			// Arabic attaches "and", "in", "to" to the next word.
			if k, ok := stripArabicPrefix(toks[i].key); ok {
				cands = g.byFirst[k]
			}
		}
		for _, ai := range cands {
			a := &g.aliases[ai]
			// At equal length a blocked phrase wins ("مالی" is "financial"
			// before it is Mali).
			if len(a.keys) < bestLen || len(a.keys) == bestLen && (!a.blocked || best >= 0 && g.aliases[best].blocked) || i+len(a.keys) > len(toks) {
				continue
			}
			if a.lang != "" && a.lang != lang {
				continue
			}
			if g.aliasMatches(a, toks[i:i+len(a.keys)]) {
				best, bestLen = ai, len(a.keys)
			}
		}
		if best < 0 {
			i++
			continue
		}
		if a := g.aliases[best]; !a.blocked {
			out = append(out, mention{entry: a.entry, from: i, to: i + bestLen})
		}
		i += bestLen
	}
	return out
}

func stripArabicPrefix(k string) (string, bool) {
	for _, p := range []string{"و", "ب", "ل", "ف"} {
		if strings.HasPrefix(k, p) && len(k) > len(p)+4 {
			return k[len(p):], true
		}
	}
	return "", false
}

func (g *Gazetteer) aliasMatches(a *alias, toks []token) bool {
	for j, k := range a.keys {
		t := &toks[j]
		if t.key != k {
			if j == 0 && t.script == scriptArabic {
				if s, ok := stripArabicPrefix(t.key); ok && s == k {
					continue
				}
			}
			return false
		}
		// Words of a name must follow each other without a line or
		// sentence break between them.
		if j > 0 && t.sent != toks[j-1].sent {
			return false
		}
		switch a.caps[j] {
		case capAll:
			if t.caps != capAll || t.shout && acronymWords[t.lower] {
				return false
			}
		case capInit:
			if t.caps != capInit && t.caps != capAll {
				return false
			}
			// A short word in capitals is an acronym, not a name
			// ("ROM" is not Rom, Rome in German).
			if t.caps == capAll && len(t.lower) <= 3 && len(a.keys) == 1 {
				return false
			}
		}
	}
	return true
}

// prepositions before an ambiguous country name that make the country
// reading likely ("talks in Jordan", "flights to Turkey").
var countryContext = map[string]bool{
	"in": true, "to": true, "from": true, "with": true, "of": true, "and": true, "between": true,
	"visit": true, "visited": true, "visiting": true, "neighbouring": true, "neighboring": true,
	"against": true, "by": true, "including": true, "toward": true, "towards": true, "across": true,
	"into": true, "via": true, "within": true, "inside": true, "near": true, "like": true,
}

var speechVerbs = map[string]bool{
	"said": true, "says": true, "say": true, "told": true, "tells": true, "added": true, "adds": true,
	"stated": true, "states": true, "wrote": true, "writes": true, "noted": true, "declared": true,
	"insisted": true, "warned": true, "stressed": true, "emphasized": true, "emphasised": true,
	"explained": true, "continued": true, "asked": true, "replied": true, "announced": true,
	"claimed": true, "argued": true, "described": true, "acknowledged": true, "admitted": true,
	"posted": true, "tweeted": true, "remarked": true, "scored": true, "recalled": true, "believes": true,
	"thinks": true, "thought": true, "agreed": true, "urged": true, "confirmed": true, "denied": true,
	"suggested": true, "responded": true, "answered": true, "commented": true, "called": true,
}

// keepAmbiguous decides whether a mention of an ambiguous name means the
// entity: evidence for it elsewhere in the text, or (for names marked
// local) a preposition before it; a country name never when it reads as a
// person's name ("Michael Jordan", "Jordan said"); nothing when only
// against-words are present.
func keepAmbiguous(amb *ambiguity, toks []token, m mention, lowerText string, country bool) bool {
	prev, next := -1, m.to
	if m.from > 0 && toks[m.from-1].sent == toks[m.from].sent {
		prev = m.from - 1
	}
	if next < len(toks) && toks[next].sent != toks[m.from].sent {
		next = len(toks)
	}
	if country && prev >= 0 && toks[prev].caps == capInit && !toks[prev].sentStart && !countryContext[toks[prev].lower] {
		return false // a first name before it
	}
	if country && next < len(toks) {
		nt := toks[next]
		if nt.caps == capInit && nt.start-toks[m.to-1].end == 1 {
			return false // a surname after it
		}
		if speechVerbs[nt.lower] {
			return false
		}
	}
	has := func(words []string) bool {
		for _, w := range words {
			if containsWord(lowerText, w) {
				return true
			}
		}
		return false
	}
	if has(amb.For) {
		return true
	}
	if has(amb.Against) {
		return false
	}
	return amb.Local && prev >= 0 && countryContext[toks[prev].lower]
}

// containsWord reports whether w occurs in s between non-letters.
func containsWord(s, w string) bool {
	for off := 0; ; {
		i := strings.Index(s[off:], w)
		if i < 0 {
			return false
		}
		i += off
		j := i + len(w)
		okL := i == 0 || !isWordByteBefore(s, i)
		okR := j >= len(s) || !isWordByteAt(s, j)
		if okL && okR {
			return true
		}
		off = i + 1
	}
}

func isWordByteBefore(s string, i int) bool {
	c := s[i-1]
	return c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c >= 0x80
}

func isWordByteAt(s string, i int) bool {
	c := s[i]
	return c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c >= 0x80
}

// entitiesOf turns mentions into the article's entity lists, each entity
// once, in order of first mention. Countries come from country names and
// adjectives, from seats of government that stand for them, and from state
// bodies (the State Department); never from a person's nationality.
func (g *Gazetteer) entitiesOf(ms []mention) article.Entities {
	ents := article.Entities{People: []article.Entity{}, Organizations: []article.Entity{}, Places: []article.Entity{}, Countries: []string{}}
	seen := make(map[int32]bool, len(ms))
	seenC := make(map[string]bool, 8)
	addC := func(c string) {
		if c != "" && !seenC[c] {
			seenC[c] = true
			ents.Countries = append(ents.Countries, c)
		}
	}
	for _, m := range ms {
		e := &g.entries[m.entry]
		switch e.Kind {
		case KindCountry:
			addC(e.ID)
			continue
		case KindPlace:
			if e.Seat {
				addC(e.Country)
			}
		case KindOrganization:
			addC(e.Country)
		}
		if seen[m.entry] {
			continue
		}
		seen[m.entry] = true
		ent := article.Entity{Name: e.Name, ID: e.ID}
		switch e.Kind {
		case KindPerson:
			ents.People = append(ents.People, ent)
		case KindOrganization:
			ents.Organizations = append(ents.Organizations, ent)
		case KindPlace:
			ents.Places = append(ents.Places, ent)
		}
	}
	return ents
}
