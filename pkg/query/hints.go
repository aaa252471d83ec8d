package query

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"

	"golang.org/x/text/language"
	"golang.org/x/text/language/display"
)

// review reads the lexed items of query s the way a user may have meant
// them, before parsing. It resolves language: values typed as names or
// other codes (language:russian, language:русский, language:rus) to the
// codes articles carry (ru), and it returns
// hints: what it resolved, a value it could not resolve, and lower-case
// and/or/not between terms, and near/5( or sentence( in another case than
// upper, which stay words (README, Query language) but were probably meant
// as operators.
func review(items []item, s string) []string {
	var hints []string
	var ops []string // the operators lower-case words probably stood for
	rs := []rune(s)
	fixed := append([]rune(nil), rs...)
	for i, it := range items {
		t, ok := it.node.(Term)
		if it.kind != itemTerm || !ok {
			continue
		}
		switch t.Field {
		case FieldLanguage:
			v, hint := resolveLanguage(t.Value)
			t.Value = v
			items[i].node = t
			if hint != "" {
				hints = append(hints, hint)
			}
		case FieldText:
			op := strings.ToUpper(t.Value)
			if t.Phrase || !operatorLike(items, i, op) {
				continue
			}
			if !slices.Contains(ops, op) {
				ops = append(ops, op)
			}
			copy(fixed[it.pos:], []rune(op))
		}
	}
	if len(ops) > 0 {
		hints = append(hints, fmt.Sprintf("did you mean %s? Operators are upper case: %s (as typed, %s)",
			strings.Join(ops, " or "), string(fixed), opWords(ops)))
	}
	return hints
}

// operatorLike reports whether items[i], a bare word spelling op in some
// case, stands where that operator would: AND and OR between two operands,
// NOT before one, NEAR/n and SENTENCE right before a parenthesis.
func operatorLike(items []item, i int, op string) bool {
	if _, ok, err := nearItem(op, 0); ok && err == nil {
		next := items[i+1]
		typed := items[i].node.(Term).Value
		return next.kind == itemLParen && next.pos == items[i].pos+utf8.RuneCountInString(typed)
	}
	switch op {
	case "AND", "OR":
		if i == 0 {
			return false
		}
		switch items[i-1].kind {
		case itemTerm, itemRange, itemAll, itemRParen:
		default:
			return false
		}
	case "NOT":
	default:
		return false
	}
	return startsOperand(items[i+1].kind)
}

func opWords(ops []string) string {
	q := make([]string, len(ops))
	for i, op := range ops {
		q[i] = `"` + strings.ToLower(op) + `"`
	}
	if len(q) == 1 {
		return q[0] + " is searched as a word"
	}
	return strings.Join(q, " and ") + " are searched as words"
}

// resolveLanguage returns the code a language: value stands for, and a
// hint when it differs from what was typed or is unknown. A code is
// canonicalised (rus is ru); a name is looked up among the names of
// languages in English, Russian, Ukrainian, French, German, Spanish and
// Arabic, and of each language in itself. An unknown value is kept as
// typed: it matches nothing, and the hint says so. (country: values are
// resolved by Expand, with the gazetteer, which also knows places.)
func resolveLanguage(typed string) (string, string) {
	v := strings.TrimSpace(typed)
	code := languageNames()[strings.ToLower(v)]
	if b, err := language.ParseBase(v); err == nil {
		code = b.String()
	}
	switch {
	case code == "":
		return typed, fmt.Sprintf("language:%s is not a language parley knows, so it matches nothing: use a code such as en, ru or uk, or a language's name", typed)
	case strings.EqualFold(code, typed):
		return code, ""
	}
	return code, fmt.Sprintf("language:%s was read as language:%s", typed, code)
}

// nameLanguages are the languages in which resolveLanguage knows the
// names of languages: those of the sources parley is tested with.
var nameLanguages = []string{"en", "ru", "uk", "fr", "de", "es", "ar"}

// languageNames maps lower-cased names of the ISO 639-1 languages to their
// codes, built on first use from the CLDR names in golang.org/x/text.
// Where two codes share a name the first one found keeps it.
var languageNames = sync.OnceValue(func() map[string]string {
	m := map[string]string{}
	add := func(name, code string) {
		name = strings.ToLower(strings.TrimSpace(name))
		if _, dup := m[name]; name != "" && !dup {
			m[name] = code
		}
	}
	var bases []language.Base
	for a := 'a'; a <= 'z'; a++ {
		for b := 'a'; b <= 'z'; b++ {
			code := string([]rune{a, b})
			if base, err := language.ParseBase(code); err == nil && base.String() == code {
				bases = append(bases, base)
			}
		}
	}
	for _, nl := range nameLanguages {
		names := display.Languages(language.MustParse(nl))
		for _, b := range bases {
			add(names.Name(b), b.String())
		}
	}
	for _, b := range bases {
		add(display.Self.Name(b), b.String())
	}
	return m
})
