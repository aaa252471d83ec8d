package extract

import (
	"hash/maphash"
	"strings"
	"unicode"
)

// shingles is the multiset of 4-word shingles of a text, hashed: the unit
// in which two candidate extractions are compared.
type shingles map[uint64]int

func shingleSet(seed maphash.Seed, paras []string) shingles {
	var ws []string
	for _, p := range paras {
		ws = append(ws, words(p)...)
	}
	out := shingles{}
	eachShingle(seed, ws, func(k uint64) { out[k]++ })
	return out
}

// eachShingle calls yield with the hash of every run of four words in ws,
// or of all of them when there are fewer than four.
func eachShingle(seed maphash.Seed, ws []string, yield func(uint64)) {
	if len(ws) == 0 {
		return
	}
	n := max(len(ws)-3, 1)
	var h maphash.Hash
	h.SetSeed(seed)
	for i := 0; i < n; i++ {
		h.Reset()
		for j := i; j < i+4 && j < len(ws); j++ {
			h.WriteString(ws[j])
			h.WriteByte(0)
		}
		yield(h.Sum64())
	}
}

func (s shingles) size() int {
	n := 0
	for _, c := range s {
		n += c
	}
	return n
}

// overlap returns the shares of a and of b that the other one also holds.
func overlap(a, b shingles) (inA, inB float64) {
	common := 0
	for k, ca := range a {
		if cb := b[k]; cb > 0 {
			common += min(ca, cb)
		}
	}
	la, lb := a.size(), b.size()
	if la > 0 {
		inA = float64(common) / float64(la)
	}
	if lb > 0 {
		inB = float64(common) / float64(lb)
	}
	return inA, inB
}

// words splits text into the word tokens the comparison uses.
func words(p string) []string {
	return strings.FieldsFunc(p, func(r rune) bool {
		return !(unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_' || unicode.Is(unicode.Mn, r))
	})
}

// holds reports whether base holds paragraph p: more than half of its
// shingles.
func holds(seed maphash.Seed, base shingles, p string) bool {
	held, total := 0, 0
	for k, c := range shingleSet(seed, []string{p}) {
		total += c
		if base[k] > 0 {
			held += c
		}
	}
	return total > 0 && 2*held > total
}

// continuation returns the paragraphs of other that follow, in other's
// order, the last of its paragraphs that base also holds, as long as they
// are running prose (at least minWords words each): the end of an article
// that base cut short. Short paragraphs end the run, since what follows
// an article's end is teasers and link lists.
func continuation(seed maphash.Seed, base shingles, other []string, minWords int) []string {
	last := -1
	for i, p := range other {
		if holds(seed, base, p) {
			last = i
		}
	}
	if last < 0 {
		return nil
	}
	// One short paragraph (a subheading) may sit inside the run when
	// prose follows it; two short ones in a row end it.
	var out []string
	rest := other[last+1:]
	for i := 0; i < len(rest); i++ {
		if len(words(rest[i])) >= minWords {
			out = append(out, rest[i])
			continue
		}
		if i+1 < len(rest) && len(words(rest[i+1])) >= minWords && len(out) > 0 {
			out = append(out, rest[i])
			continue
		}
		break
	}
	return out
}
