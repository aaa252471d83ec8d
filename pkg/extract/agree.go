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
	var words []string
	for _, p := range paras {
		words = append(words, strings.FieldsFunc(p, func(r rune) bool {
			return !(unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_' || unicode.Is(unicode.Mn, r))
		})...)
	}
	out := shingles{}
	if len(words) == 0 {
		return out
	}
	n := len(words) - 3
	if n < 1 {
		n = 1
	}
	var h maphash.Hash
	h.SetSeed(seed)
	for i := 0; i < n; i++ {
		h.Reset()
		for j := i; j < i+4 && j < len(words); j++ {
			h.WriteString(words[j])
			h.WriteByte(0)
		}
		out[h.Sum64()]++
	}
	return out
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
