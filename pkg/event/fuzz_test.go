package event

import (
	"context"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/parley-news/parley/pkg/article"
)

// FuzzAssign feeds hostile headlines and entity names (any bytes, any
// script) through Keys and Assign: no panic, keys well formed, and an
// article assigned twice keeps its event.
func FuzzAssign(f *testing.F) {
	f.Add("Лавров и Рубио провели переговоры в Эр-Рияде 150", "Sergey Lavrov", "Riyadh")
	f.Add("\xff\xfe İstanbul ΣΣ 2026-12-01", "", "\x00")
	f.Add(strings.Repeat("Zelensky ", 200), "Вершинина", "Q1")
	f.Fuzz(func(t *testing.T, title, person, place string) {
		now := time.Date(2026, 12, 2, 0, 0, 0, 0, time.UTC)
		ix, err := New(Config{Now: func() time.Time { return now }}, nil)
		if err != nil {
			t.Fatal(err)
		}
		a := &article.Article{ID: "a1", Title: title, Entities: article.Entities{
			People: []article.Entity{{Name: person}}, Places: []article.Entity{{Name: place, ID: place}}, Countries: []string{place},
		}}
		// Valid input gives valid keys. Each input is checked on its own:
		// two invalid halves can join into valid UTF-8 ("\xf3" and
		// "\xbb\xa7\xa4"), and a key holds one of them.
		valid := utf8.ValidString(title) && utf8.ValidString(person) && utf8.ValidString(place)
		for _, k := range Keys(a) {
			if len(k) < 3 || k[1] != ':' || !utf8.ValidString(k) && valid {
				t.Fatalf("bad key %q", k)
			}
		}
		b := *a
		b.ID = "a2"
		first, err := ix.Assign(context.Background(), a)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := ix.Assign(context.Background(), &b); err != nil {
			t.Fatal(err)
		}
		if again, _ := ix.Assign(context.Background(), a); again != first {
			t.Fatalf("assigned again: event %q, want %q", again, first)
		}
	})
}
