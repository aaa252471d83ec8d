package morph

import "strings"

// Ukrainian has no Snowball stemmer. This light stemmer strips one
// inflectional ending (reflexive -ся/-сь first), then a final -і, -и or -ь
// the ending left, keeping a stem of at least two letters after its first
// vowel (the RV region of the Snowball stemmers): переговори, переговорів,
// переговорах → переговор; санкції, санкцій, санкціями → санкц. It
// conflates the forms of a word, as a stemmer should, not its derivations.

// ukEndings are noun, adjective and verb endings, longest first.
var ukEndings = func() []string {
	es := strings.Fields(`
		ями ами ові еві єві ого ому ими іми ати ити іти яти уть ють ать ять ила ило или
		ах ях ів їв ей ій ий ої ою ею єю ом ем єм ям ам ім их іх им ая яя ує ає ть ти ла ло ли ме мо те
		а я о е є у ю і ї и ь`)
	// Longest first, so that -ами is stripped before -и.
	for i := 1; i < len(es); i++ {
		for j := i; j > 0 && len([]rune(es[j])) > len([]rune(es[j-1])); j-- {
			es[j], es[j-1] = es[j-1], es[j]
		}
	}
	return es
}()

const ukVowels = "аеєиіїоуюя"

func stemUkrainian(word string) string {
	w := []rune(yoToYe(word))
	// RV: the part after the first vowel.
	rv := len(w)
	for i, r := range w {
		if strings.ContainsRune(ukVowels, r) {
			rv = i + 1
			break
		}
	}
	cut := func(suffix string) bool {
		s := []rune(suffix)
		n := len(w) - len(s)
		if n < rv || n < 2 || string(w[n:]) != suffix {
			return false
		}
		w = w[:n]
		return true
	}
	for _, s := range []string{"ся", "сь"} {
		if cut(s) {
			break
		}
	}
	for _, e := range ukEndings {
		if cut(e) {
			break
		}
	}
	for _, s := range []string{"і", "и", "ь"} {
		if cut(s) {
			break
		}
	}
	return string(w)
}
