// Package sentence says where sentences end in news text. It is the one
// rule parley uses for sentences: the enricher finds quotations' speakers
// within sentences with it, and the indexes and the alert matcher answer
// SENTENCE(a, b) queries with it (README, Query language).
package sentence

import (
	"unicode"
	"unicode/utf8"
)

// EndsAt reports whether the byte text[i] ends a sentence. A sentence ends
// at '.', '!', '?' or a line break, but not at a dot right after an
// abbreviation: a single letter or digit that is not lower case (U.S.,
// J. D. Vance, 3.5) or a common title (Mr., Gen.). Any other byte ends
// nothing.
func EndsAt(text string, i int) bool {
	switch text[i] {
	case '!', '?', '\n':
		return true
	case '.':
		return !abbreviationBefore(text, i)
	}
	return false
}

// Split cuts text into its sentences, in order: each runs to the end of
// its terminator (EndsAt); the last to the end of text. Sentences with no
// letter or digit are left out.
func Split(text string) []string {
	var out []string
	start := 0
	add := func(end int) {
		if hasWord(text[start:end]) {
			out = append(out, text[start:end])
		}
		start = end
	}
	for i := 0; i < len(text); i++ {
		if c := text[i]; (c == '.' || c == '!' || c == '?' || c == '\n') && EndsAt(text, i) {
			add(i + 1)
		}
	}
	add(len(text))
	return out
}

func hasWord(s string) bool {
	for _, r := range s {
		if isWordRune(r) {
			return true
		}
	}
	return false
}

// abbreviationBefore reports whether the word right before the dot at
// text[i] is an abbreviation. A dot with no word right before it ends a
// sentence.
func abbreviationBefore(text string, i int) bool {
	start := i
	runes := 0
	var first rune
	for start > 0 {
		r, n := utf8.DecodeLastRuneInString(text[:start])
		if !isWordRune(r) {
			break
		}
		start -= n
		first = r
		runes++
	}
	switch {
	case runes == 0:
		return false
	case runes == 1:
		return !unicode.IsLower(first)
	case runes > 4:
		return false
	}
	return titles[lowerASCII(text[start:i])]
}

// titles are the abbreviations, in lower case, whose dot ends no sentence.
var titles = map[string]bool{
	"mr": true, "mrs": true, "ms": true, "dr": true, "gen": true, "gov": true, "sen": true, "rep": true,
	"st": true, "lt": true, "col": true, "sgt": true, "prof": true, "jr": true, "sr": true, "vs": true,
	"no": true, "mt": true, "ft": true, "capt": true, "adm": true,
}

func lowerASCII(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

// isWordRune reports whether r is part of a word: a letter, a digit or a
// combining mark.
func isWordRune(r rune) bool {
	if r < utf8.RuneSelf {
		c := byte(r)
		return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
	}
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r)
}
