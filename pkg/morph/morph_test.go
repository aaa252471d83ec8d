package morph

import (
	"slices"
	"testing"
)

// TestStemConflatesForms: the inflected forms of a word share a stem in
// their language, and different words keep different stems.
func TestStemConflatesForms(t *testing.T) {
	for _, tc := range []struct {
		lang  string
		same  []string // forms of one word
		other string   // another word, which must not share the stem
	}{
		{"en", []string{"sanction", "sanctions", "sanctioned"}, "sanctuary"},
		{"en", []string{"negotiation", "negotiations"}, "navigation"},
		{"en", []string{"talks", "talk", "talking"}, "tale"},
		{"fr", []string{"négociation", "négociations"}, "nation"},
		{"fr", []string{"sanction", "sanctions"}, "sanctuaire"},
		{"de", []string{"verhandlung", "verhandlungen"}, "handlung"},
		{"de", []string{"sanktion", "sanktionen"}, "sanktum"},
		{"es", []string{"negociación", "negociaciones"}, "nación"},
		{"es", []string{"sanción", "sanciones"}, "santo"},
		{"ru", []string{"переговоры", "переговорах", "переговоров", "переговорами"}, "перевод"},
		{"ru", []string{"санкции", "санкций", "санкциями"}, "сантехника"},
		{"ru", []string{"встреча", "встречи", "встречу", "встрече"}, "встать"},
		{"uk", []string{"переговори", "переговорів", "переговорах", "переговорами"}, "переклад"},
		{"uk", []string{"санкції", "санкцій", "санкціями", "санкціях"}, "сантехніка"},
		{"uk", []string{"україна", "україни", "україні", "україну", "україною"}, "угорщина"},
		{"uk", []string{"президент", "президента", "президентові", "президентом"}, "прем'єр"},
		{"ar", []string{"العقوبات", "عقوبات", "والعقوبات"}, "عقارب"},
		{"ar", []string{"المفاوضات", "مفاوضات"}, "مفتاح"},
	} {
		stem := Stem(tc.lang, tc.same[0])
		for _, w := range tc.same[1:] {
			if got := Stem(tc.lang, w); got != stem {
				t.Errorf("%s: %s → %q, %s → %q: want one stem", tc.lang, tc.same[0], stem, w, got)
			}
		}
		if got := Stem(tc.lang, tc.other); got == stem {
			t.Errorf("%s: %s and %s share the stem %q", tc.lang, tc.same[0], tc.other, got)
		}
	}
}

// TestStemLeavesOtherScripts: a word of another script than the
// language's, and any word of a language without a stemmer, is itself.
func TestStemLeavesOtherScripts(t *testing.T) {
	for _, tc := range []struct{ lang, word string }{
		{"ru", "sanctions"}, {"en", "санкции"}, {"ar", "talks"}, {"it", "sanzioni"}, {"", "talks"}, {"en", "2026"},
	} {
		if got := Stem(tc.lang, tc.word); got != tc.word {
			t.Errorf("Stem(%q, %q) = %q, want it unchanged", tc.lang, tc.word, got)
		}
	}
}

// TestStemsOfAQueryWord: a query word is looked for in every language of
// its script, so each language's stem of it is among its forms.
func TestStemsOfAQueryWord(t *testing.T) {
	for _, w := range []string{"sanctions", "переговорах", "العقوبات", "2026", "talks"} {
		forms := Stems(w)
		if forms[0] != w {
			t.Errorf("Stems(%q) = %v: the word itself first", w, forms)
		}
		for _, lang := range Languages {
			if s := Stem(lang, w); !slices.Contains(forms, s) {
				t.Errorf("Stems(%q) = %v lacks the %s stem %q", w, forms, lang, s)
			}
		}
	}
	if got := Stems("2026"); len(got) != 1 {
		t.Errorf("Stems(2026) = %v, want the number alone", got)
	}
}

// TestNameKey: a name no list knows, in either script and in the usual
// spellings and Russian and Ukrainian cases, has one key; different
// names keep different keys.
func TestNameKey(t *testing.T) {
	for _, group := range [][]string{
		{"вершинин", "вершинина", "вершинину", "вершининым", "вершинине", "vershinin"},
		{"лавров", "лаврова", "лаврову", "лавровым", "lavrov", "lawrow"},
		{"захарова", "захаровой", "zakharova", "zaharova", "zakharovoi"},
		{"зеленский", "зеленського", "зеленському", "зеленским", "zelensky", "zelenskyy", "zelenskiy", "zelenskij", "zelenskyi"},
		{"песков", "пескова", "peskov"},
		{"шойгу", "shoigu", "shoygu"},
		{"медведев", "медведева", "medvedev", "medwedew"},
		{"хуснуллин", "khusnullin", "husnullin"},
		{"цыганков", "tsygankov", "tzygankov"},
		{"сергей", "sergey", "sergei"},
		{"гончаренко"}, // checked below: г is h only where the word has a Ukrainian letter
		{"рубио", "rubio"},
		{"макрон", "macron"},
		{"müller", "muller", "muler"},
	} {
		if group[0] == "гончаренко" {
			// Гончаренко has no Ukrainian letter: read as Russian, г is g.
			if NameKey("гончаренко") == NameKey("honcharenko") {
				t.Errorf("гончаренко without a Ukrainian letter should read as Russian")
			}
			if k := NameKey("гончаренкові"); k != NameKey("honcharenkovi") {
				t.Errorf("гончаренкові → %q, honcharenkovi → %q", k, NameKey("honcharenkovi"))
			}
			continue
		}
		key := NameKey(group[0])
		if key == "" {
			t.Fatalf("NameKey(%q) is empty", group[0])
		}
		for _, w := range group[1:] {
			if got := NameKey(w); got != key {
				t.Errorf("NameKey(%q) = %q, NameKey(%q) = %q: want one key", group[0], key, w, got)
			}
		}
	}
	// Different names, which must not collide.
	names := []string{
		"vershinin", "lavrov", "zakharova", "zelensky", "peskov", "shoigu", "medvedev", "putin",
		"lavrentiev", "vershbow", "zakharchenko", "zelenko", "pesko", "shoikhet",
		"medvedchuk", "putilin", "sergeev", "serov", "rubin", "rubio", "macron", "makarov",
		"ivanov", "ivashov", "orban", "obama", "merkel", "merz", "trump", "tusk", "sikorski", "sybiha",
		"kuleba", "kulebyakin", "yermak", "ermakov", "witkoff", "wittgenstein", "kushner", "kuchma",
		"dmitriev", "dmitrov", "ushakov", "ushkov", "nebenzia", "nebenzin",
	}
	seen := map[string]string{}
	for _, n := range names {
		k := NameKey(n)
		if prev, ok := seen[k]; ok {
			t.Errorf("%s and %s share the key %q", prev, n, k)
		}
		seen[k] = n
	}
	for _, w := range []string{"2026", "", "القاهرة", "東京"} {
		if k := NameKey(w); k != "" {
			t.Errorf("NameKey(%q) = %q, want empty (no Latin or Cyrillic letter)", w, k)
		}
	}
}
