package query

import (
	"reflect"
	"testing"
)

func TestParseHints(t *testing.T) {
	tests := []struct {
		in    string
		want  Node
		hints []string
	}{
		{"putin or zelensky", and(w("putin"), w("or"), w("zelensky")),
			[]string{`did you mean OR? Operators are upper case: putin OR zelensky (as typed, "or" is searched as a word)`}},
		{"Putin and Zelensky not Trump", and(w("Putin"), w("and"), w("Zelensky"), w("not"), w("Trump")),
			[]string{`did you mean AND or NOT? Operators are upper case: Putin AND Zelensky NOT Trump (as typed, "and" and "not" are searched as words)`}},
		{"(a) Or (b)", and(w("a"), w("Or"), w("b")),
			[]string{`did you mean OR? Operators are upper case: (a) OR (b) (as typed, "or" is searched as a word)`}},
		{`"war and peace"`, ph("war and peace"), nil},
		{"near/5(putin, zelensky)", and(w("near/5"), and(w("putin,"), w("zelensky"))),
			[]string{`did you mean NEAR/5? Operators are upper case: NEAR/5(putin, zelensky) (as typed, "near/5" is searched as a word)`}},
		{"Sentence(a, b)", and(w("Sentence"), and(w("a,"), w("b"))),
			[]string{`did you mean SENTENCE? Operators are upper case: SENTENCE(a, b) (as typed, "sentence" is searched as a word)`}},
		{"near/5 (a, b)", and(w("near/5"), and(w("a,"), w("b"))), nil},
		{"near/99(a, b)", and(w("near/99"), and(w("a,"), w("b"))), nil},
		{"Putin OR Zelensky", or(w("Putin"), w("Zelensky")), nil},
		{"or Putin", and(w("or"), w("Putin")), nil},
		{"Putin or", and(w("Putin"), w("or")), nil},
		{"Putin or OR Zelensky", or(and(w("Putin"), w("or")), w("Zelensky")), nil},
		{"language:ru", f(FieldLanguage, "ru"), nil},
		{"language:EN", f(FieldLanguage, "en"), nil},
		{"language:russian", f(FieldLanguage, "ru"), []string{"language:russian was read as language:ru"}},
		{"language:русский", f(FieldLanguage, "ru"), []string{"language:русский was read as language:ru"}},
		{"language:українська", f(FieldLanguage, "uk"), []string{"language:українська was read as language:uk"}},
		{"language:Französisch", f(FieldLanguage, "fr"), []string{"language:Französisch was read as language:fr"}},
		{"language:árabe", f(FieldLanguage, "ar"), []string{"language:árabe was read as language:ar"}},
		{"language:rus", f(FieldLanguage, "ru"), []string{"language:rus was read as language:ru"}},
		{"country:ua", f(FieldCountry, "ua"), nil},
		{"country:Russia", f(FieldCountry, "Russia"), nil},
		{"language:klingon", f(FieldLanguage, "klingon"),
			[]string{"language:klingon is not a language parley knows, so it matches nothing: use a code such as en, ru or uk, or a language's name"}},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			n, hints, err := ParseHints(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if !equal(n, tt.want) {
				t.Errorf("ParseHints(%q) = %#v, want %#v", tt.in, n, tt.want)
			}
			if !reflect.DeepEqual(hints, tt.hints) {
				t.Errorf("ParseHints(%q) hints = %q, want %q", tt.in, hints, tt.hints)
			}
			if back, err := Parse(Format(n)); err != nil || !equal(back, n) {
				t.Errorf("Parse(Format(%#v)) = %#v, %v", n, back, err)
			}
		})
	}
}
