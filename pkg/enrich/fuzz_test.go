package enrich

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/parley-news/parley/pkg/article"
)

// FuzzEnrich checks that enrichment never panics and that every quote and
// entity it reports comes from the text or the gazetteer.
func FuzzEnrich(f *testing.F) {
	for _, s := range []string{
		"“We are close,” said Zelensky.", "«Нет», — сказал Песков.", "„Ja“, sagte Merz.",
		"‘a’ ’b‘ \"c\" “", "U.S. officials in Washington, D.C. said.", "Зеленского Путиным Україною",
		"وزير الخارجية الروسي لافروف", "TELL US WHO", "Jordan said. In Jordan.", "\"", "“", "", "e\u0301\u0301",
	} {
		f.Add("", s)
	}
	e := newTestEnricher(f)
	f.Fuzz(func(t *testing.T, title, body string) {
		a := &article.Article{Title: title, Body: body}
		e.Enrich(a)
		text := title + "\n\n" + body
		for _, q := range a.Quotes {
			if !utf8.ValidString(text) {
				break
			}
			if !strings.Contains(text, q.Text) {
				t.Errorf("quote %q is not in the text", q.Text)
			}
		}
		for _, c := range a.Entities.Countries {
			if _, ok := e.g.Country(c); !ok {
				t.Errorf("unknown country %q", c)
			}
		}
	})
}
