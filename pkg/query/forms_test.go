package query

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// FuzzAnalyzeForms (in make fuzz): whatever the text and language, the
// stems line up one for one with the tokens, and no stem or name key is
// empty, longer than maxFormBytes, invalid UTF-8 (which the JSON sent to
// Elasticsearch would change), or holds a character at which either
// backend's whitespace analyzer would split it (Bleve's splits at
// unicode.IsSpace, Elasticsearch's at Java's Character.isWhitespace, a
// subset), so both index the same terms. A query word's forms keep the
// same rules.
func FuzzAnalyzeForms(f *testing.F) {
	for _, s := range []string{
		"Sergei Vershinin met Лавровым in Genève; санкціями, العقوبات.",
		"İstanbul ΣΟΦΟΣ straße Ǆemal 3.5 U.S. al-Sisi", "a\u00a0b\u2007c\u202fd\u0085e", "\xff\xfeinvalid",
		strings.Repeat("x", 300) + " " + strings.Repeat("ж", 150),
	} {
		for _, lang := range []string{"en", "ru", "uk", "ar", "fr", "de", "es", "it", ""} {
			f.Add(s, lang)
		}
	}
	f.Fuzz(func(t *testing.T, text, lang string) {
		fs := AnalyzeForms(text, lang)
		if len(fs.Stems) != len(fs.Tokens) {
			t.Fatalf("%d stems for %d tokens", len(fs.Stems), len(fs.Tokens))
		}
		check := func(kind string, terms []string) {
			for _, s := range terms {
				if s == "" || len(s) > maxFormBytes || strings.IndexFunc(s, unicode.IsSpace) >= 0 {
					t.Fatalf("%s %q of %q (%s)", kind, s, text, lang)
				}
				if !utf8.ValidString(s) {
					t.Fatalf("%s %q of %q is not UTF-8", kind, s, text)
				}
			}
		}
		check("stem", fs.Stems)
		check("name key", fs.Names)
		for _, w := range strings.Fields(text) {
			for _, form := range WordForms(w) {
				check("query form", form.Terms)
			}
		}
	})
}
