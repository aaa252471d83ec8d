package main

import (
	"unicode"
)

// The benchmark's metric, as ../shared/bench/extraction/evaluate.py
// defines it: tokens are runs of Unicode word characters (Python's \w:
// letters, numbers, underscore), each text is the multiset of its 4-token
// shingles (a 1-3 token text gives one shorter shingle), and precision and
// recall are macro averages over pages. `-verify` checks this scorer
// against evaluate.py itself.

const shingleLen = 4

func tokens(s string) []string {
	var out []string
	start := -1
	for i, r := range s {
		word := unicode.IsLetter(r) || unicode.IsNumber(r) || r == '_'
		switch {
		case word && start < 0:
			start = i
		case !word && start >= 0:
			out = append(out, s[start:i])
			start = -1
		}
	}
	if start >= 0 {
		out = append(out, s[start:])
	}
	return out
}

func shingleCounts(toks []string) map[string]int {
	out := map[string]int{}
	if len(toks) == 0 {
		return out
	}
	if len(toks) < shingleLen {
		out[join(toks)]++
		return out
	}
	for i := 0; i+shingleLen <= len(toks); i++ {
		out[join(toks[i:i+shingleLen])]++
	}
	return out
}

func join(ts []string) string {
	n := 0
	for _, t := range ts {
		n += len(t) + 1
	}
	b := make([]byte, 0, n)
	for _, t := range ts {
		b = append(b, t...)
		b = append(b, 0)
	}
	return string(b)
}

// pageScore is one page's shingle counts against its truth.
type pageScore struct {
	tp, fp, fn int
	exact      bool
}

func scorePage(truth, pred string) pageScore {
	tt, pt := tokens(truth), tokens(pred)
	ts, ps := shingleCounts(tt), shingleCounts(pt)
	var s pageScore
	for k, c := range ps {
		common := min(c, ts[k])
		s.tp += common
		s.fp += c - common
	}
	for k, c := range ts {
		s.fn += c - min(c, ps[k])
	}
	s.exact = len(tt) == len(pt)
	for i := 0; s.exact && i < len(tt); i++ {
		s.exact = tt[i] == pt[i]
	}
	return s
}

func (s pageScore) precision() float64 {
	if s.fp == 0 && s.fn == 0 {
		return 1
	}
	if s.tp+s.fp == 0 {
		return 0
	}
	return float64(s.tp) / float64(s.tp+s.fp)
}

func (s pageScore) recall() float64 {
	if s.fp == 0 && s.fn == 0 {
		return 1
	}
	if s.tp+s.fn == 0 {
		return 0
	}
	return float64(s.tp) / float64(s.tp+s.fn)
}

func (s pageScore) f1() float64 {
	p, r := s.precision(), s.recall()
	if p+r == 0 {
		return 0
	}
	return 2 * p * r / (p + r)
}

// aggregate is evaluate.py's macro average: precision over pages with a
// non-empty prediction, recall over pages with a non-empty truth.
func aggregate(rows []pageScore) score {
	var ps, rs float64
	var np, nr, empty int
	for _, s := range rows {
		if s.tp+s.fp > 0 {
			ps += s.precision()
			np++
		} else {
			empty++
		}
		if s.tp+s.fn > 0 {
			rs += s.recall()
			nr++
		}
	}
	var out score
	if np > 0 {
		out.precision = ps / float64(np)
	}
	if nr > 0 {
		out.recall = rs / float64(nr)
	}
	if out.precision+out.recall > 0 {
		out.f1 = 2 * out.precision * out.recall / (out.precision + out.recall)
	}
	out.empty = empty
	return out
}
