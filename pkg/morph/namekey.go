package morph

import (
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// NameKey is the key under which a capitalised word is indexed and looked
// for as a name, whatever script and spelling it is written in, or "" when
// word has no letter of the Latin or Cyrillic script. word is analysed
// (lower case). The steps, each the same at index time, query time and in
// alerts:
//
//  1. Cyrillic is transliterated to Latin (Russian and Ukrainian letters,
//     in the English manner: ж zh, х kh, ц ts, ч ch, ш sh, щ shch, ю yu,
//     я ya; г is h in a word with a Ukrainian letter, else g); Latin loses
//     its diacritics.
//  2. Spelling variants are folded: sch, sh → sh; tsch, ch → ch; kh, h → h;
//     ts, tz, cz, and c before e or i → ts; other c, ck, q → k; x → ks;
//     w → v; ph → f; y, j → i; a leading ye, ie or je → e; doubled
//     letters → one.
//  3. One Russian or Ukrainian case ending is stripped (-ogo, -omu, -im,
//     -om, -oi, -a, -u, -e, -i and the like, after the folding above),
//     keeping at least three letters: Вершинина, Vershinin → vershinin;
//     Зеленського, Zelenskyy → zelensk.
func NameKey(word string) string {
	return cached(&nameKeys, word, func() string {
		latin := transliterate(word)
		if latin == "" {
			return ""
		}
		return stripNameEnding(fold(latin))
	})
}

var cyrillicToLatin = map[rune]string{
	'а': "a", 'б': "b", 'в': "v", 'г': "g", 'ґ': "g", 'д': "d", 'е': "e", 'ё': "e",
	'є': "ye", 'ж': "zh", 'з': "z", 'и': "i", 'і': "i", 'ї': "yi", 'й': "y", 'к': "k",
	'л': "l", 'м': "m", 'н': "n", 'о': "o", 'п': "p", 'р': "r", 'с': "s", 'т': "t",
	'у': "u", 'ф': "f", 'х': "kh", 'ц': "ts", 'ч': "ch", 'ш': "sh", 'щ': "shch",
	'ъ': "", 'ы': "y", 'ь': "", 'э': "e", 'ю': "yu", 'я': "ya", 'ў': "u",
}

// transliterate writes word in plain Latin letters: Cyrillic transliterated,
// diacritics dropped, anything else but Latin letters and digits left out.
func transliterate(word string) string {
	ukrainian := strings.ContainsAny(word, "іїєґ")
	var b strings.Builder
	letters := false
	for _, r := range norm.NFD.String(word) {
		switch {
		case unicode.Is(unicode.Mn, r):
			// A diacritic: é is e; NFD also splits й, ё and ї into и, е
			// and і with a mark, which the folding below makes alike
			// anyway (y and i are one letter there).
		case r >= 'a' && r <= 'z':
			b.WriteRune(r)
			letters = true
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case unicode.Is(unicode.Cyrillic, r):
			if r == 'г' && ukrainian {
				b.WriteString("h")
			} else {
				b.WriteString(cyrillicToLatin[r])
			}
			letters = true
		case unicode.Is(unicode.Latin, r):
			// ß, æ, ø, ł and other letters NFD leaves whole.
			b.WriteString(latinLetter(r))
			letters = true
		}
	}
	if !letters {
		return ""
	}
	return b.String()
}

func latinLetter(r rune) string {
	switch r {
	case 'ß':
		return "ss"
	case 'æ':
		return "ae"
	case 'ø':
		return "o"
	case 'ł':
		return "l"
	case 'đ':
		return "d"
	case 'œ':
		return "oe"
	case 'ı':
		return "i"
	}
	return string(unicode.ToLower(r))
}

// foldRules replace spelling variants, in this order (longer first).
var foldRules = []struct{ from, to string }{
	{"shch", "sh"}, {"tsch", "ch"}, {"sch", "sh"}, {"kh", "h"}, {"ck", "k"},
	{"tz", "ts"}, {"cz", "ts"}, {"ph", "f"}, {"ce", "tse"}, {"ci", "tsi"}, {"cy", "tsy"},
	{"ch", "\x01"}, {"c", "k"}, {"\x01", "ch"},
	{"q", "k"}, {"x", "ks"}, {"w", "v"}, {"y", "i"}, {"j", "i"},
}

func fold(s string) string {
	for _, r := range foldRules {
		s = strings.ReplaceAll(s, r.from, r.to)
	}
	for _, p := range []string{"ie", "ye", "je"} {
		if strings.HasPrefix(s, p) {
			s = "e" + s[len(p):]
			break
		}
	}
	// Doubled letters once.
	var b strings.Builder
	var prev rune
	for i, r := range s {
		if i > 0 && r == prev {
			continue
		}
		b.WriteRune(r)
		prev = r
	}
	return b.String()
}

// nameEndings are the Russian and Ukrainian case endings of names after
// fold, longest first: -ого -ому -ым/-им -ом -ой/-ій -ою -ей -ых -ая -ую,
// -а -у -е -ы/-и -я -ю.
var nameEndings = []string{"ogo", "ego", "omu", "emu", "oiu", "eiu", "aia", "uiu", "im", "om", "em", "oi", "ei", "ih", "ia", "iu", "a", "u", "e", "i"}

func stripNameEnding(s string) string {
	for _, e := range nameEndings {
		if strings.HasSuffix(s, e) && len(s)-len(e) >= 3 {
			return s[:len(s)-len(e)]
		}
	}
	return s
}
