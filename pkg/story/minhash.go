package story

import (
	"strings"
	"unicode"
)

// words splits the article text into lower-case words. The body alone is
// compared when it has enough words (outlets rewrite headlines); otherwise
// the title is included.
func words(title, body string) []string {
	w := splitWords(body)
	if len(w) < 40 {
		w = append(splitWords(title), w...)
	}
	return w
}

func splitWords(s string) []string {
	return strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	})
}

// hashSeeds derives n fixed seeds, so signatures stored by one process are
// comparable in the next.
func hashSeeds(n int) []uint64 {
	seeds := make([]uint64, n)
	x := uint64(0x9E3779B97F4A7C15)
	for i := range seeds {
		x = splitmix64(x + uint64(i))
		seeds[i] = x
	}
	return seeds
}

func splitmix64(x uint64) uint64 {
	x += 0x9E3779B97F4A7C15
	x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9
	x = (x ^ (x >> 27)) * 0x94D049BB133111EB
	return x ^ (x >> 31)
}

// fnv64 is FNV-1a, chosen because it is stable across processes and
// versions (maphash seeds are not).
func fnv64(h uint64, s string) uint64 {
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	return h
}

// shingleHashes hashes every run of k consecutive words (a set: repeats
// are harmless for MinHash).
func shingleHashes(words []string, k int) []uint64 {
	if len(words) < k {
		k = len(words)
	}
	out := make([]uint64, 0, len(words)-k+1)
	for i := 0; i+k <= len(words); i++ {
		h := uint64(14695981039346656037)
		for _, w := range words[i : i+k] {
			h = fnv64(h, w)
			h = fnv64(h, " ")
		}
		out = append(out, h)
	}
	return out
}

// minHash returns the signature: for each seed the minimum of the mixed
// shingle hashes.
func (ix *Index) minHash(words []string) []uint32 {
	sh := shingleHashes(words, ix.cfg.ShingleWords)
	mh := make([]uint32, len(ix.seeds))
	for i := range mh {
		mh[i] = ^uint32(0)
	}
	for _, h := range sh {
		for i, s := range ix.seeds {
			if v := uint32(splitmix64(h^s) >> 32); v < mh[i] {
				mh[i] = v
			}
		}
	}
	return mh
}

// bandKeys hashes each band of Rows values into one key.
func (ix *Index) bandKeys(mh []uint32) []uint64 {
	if len(mh) == 0 {
		return nil
	}
	keys := make([]uint64, ix.cfg.Bands)
	for b := range keys {
		h := uint64(14695981039346656037) ^ uint64(b)
		for _, v := range mh[b*ix.cfg.Rows : (b+1)*ix.cfg.Rows] {
			h = splitmix64(h ^ uint64(v))
		}
		keys[b] = h
	}
	return keys
}

// Jaccard is the exact Jaccard similarity of the k-word shingle sets of two
// texts; tests use it to check the MinHash estimate and to measure the
// threshold.
func Jaccard(a, b string, k int) float64 {
	sa, sb := map[uint64]bool{}, map[uint64]bool{}
	for _, h := range shingleHashes(splitWords(a), k) {
		sa[h] = true
	}
	for _, h := range shingleHashes(splitWords(b), k) {
		sb[h] = true
	}
	inter := 0
	for h := range sa {
		if sb[h] {
			inter++
		}
	}
	union := len(sa) + len(sb) - inter
	if union == 0 {
		return 0
	}
	return float64(inter) / float64(union)
}
