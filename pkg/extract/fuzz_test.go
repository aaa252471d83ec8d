package extract

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func FuzzExtract(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*.html"))
	for _, name := range files {
		if b, err := os.ReadFile(name); err == nil {
			f.Add(b, "https://example.com/2026/01/24/story")
		}
	}
	f.Add([]byte("<p>KYIV, Jan 24 (Reuters) - text</p>"), "")
	f.Add([]byte(`<script type="application/ld+json">{"@graph":[{"@graph":[]}]}</script>`), "http://[::1]/")
	f.Add([]byte("<html><title>t</title>"+strings.Repeat("<div><font>x ", 600)), "https://example.com/deep")
	e, err := New(Config{})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, page []byte, pageURL string) {
		a, err := e.Extract(context.Background(), page, pageURL, Hints{})
		if err != nil {
			return
		}
		if a.Body == "" && a.EmptyReason == "" {
			t.Errorf("empty body without a reason")
		}
		if a.Body != "" && a.EmptyReason != "" {
			t.Errorf("body with an empty reason %q", a.EmptyReason)
		}
	})
}

// TestLargePage checks that a generated page of a few MiB is extracted
// (bounded work: one parse, linear passes); it asserts on the result only.
func TestLargePage(t *testing.T) {
	if testing.Short() {
		t.Skip("large page")
	}
	var b strings.Builder
	b.WriteString("<html><head><title>Big</title></head><body><article>")
	para := "<p>" + strings.Repeat("Negotiators met again and talked about the grain corridor. ", 8) + "</p>\n"
	for b.Len() < 3<<20 {
		b.WriteString(para)
		b.WriteString(`<div class="x"><a href="/l">link</a><span>deep <b>nested <i>inline</i></b></span></div>`)
	}
	b.WriteString("</article></body></html>")
	a, err := newTestExtractor(t, Config{}).Extract(context.Background(), []byte(b.String()), "https://example.com/big", Hints{})
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Body) < 1<<20 {
		t.Errorf("body of %d bytes, want most of the page", len(a.Body))
	}
}

func BenchmarkExtract(b *testing.B) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*.html"))
	var pages [][]byte
	for _, name := range files {
		p, err := os.ReadFile(name)
		if err != nil {
			b.Fatal(err)
		}
		pages = append(pages, p)
	}
	e := newTestExtractor(b, Config{})
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		p := pages[i%len(pages)]
		b.SetBytes(int64(len(p)))
		if _, err := e.Extract(ctx, p, "https://example.com/2026/01/24/story", Hints{}); err != nil {
			b.Fatal(err)
		}
	}
}

// TestHugeDOM checks that a page with far more elements than any article
// goes through the linear method and still yields its running text.
func TestHugeDOM(t *testing.T) {
	var b strings.Builder
	b.WriteString("<html><body><nav>")
	for i := 0; i < 15000; i++ {
		b.WriteString(`<div class="m"><a href="/x">menu</a></div>`)
	}
	b.WriteString("</nav><div id=story>")
	for i := 0; i < 40; i++ {
		b.WriteString("<p>The delegations met again on the second day and agreed to continue the talks next month in the same city.</p>")
	}
	b.WriteString("</div><table>")
	for i := 0; i < 5000; i++ {
		b.WriteString("<tr><td>1</td><td>2</td></tr>")
	}
	b.WriteString("</table></body></html>")
	a, err := newTestExtractor(t, Config{}).Extract(context.Background(), []byte(b.String()), "https://example.com/huge", Hints{})
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(a.Body, "The delegations met again"); n != 40 || strings.Contains(a.Body, "menu") {
		t.Errorf("body has %d of 40 paragraphs (menu kept: %v)", n, strings.Contains(a.Body, "menu"))
	}
}

// TestDeeplyNestedPage: thousands of unclosed tags exceed the HTML parser's
// limit of 512 open elements; the page is flattened, not refused.
func TestDeeplyNestedPage(t *testing.T) {
	var b strings.Builder
	b.WriteString(`<html><head><title>Nested talks | Example</title><meta property="og:site_name" content="Example"></head><body>`)
	for i := 0; i < 3000; i++ {
		b.WriteString(`<div><font size="2">`)
		if i%100 == 0 {
			b.WriteString("<p>The negotiators met again today and agreed on a timetable for the next round of talks in the spring.</p>")
		}
	}
	b.WriteString("</body></html>")
	a, err := newTestExtractor(t, Config{}).Extract(context.Background(), []byte(b.String()), "https://example.com/nested", Hints{})
	if err != nil {
		t.Fatalf("extract: %v", err)
	}
	if a.Title != "Nested talks" || strings.Count(a.Body, "The negotiators met again") != 30 {
		t.Errorf("title %q, body %q", a.Title, a.Body)
	}
}
