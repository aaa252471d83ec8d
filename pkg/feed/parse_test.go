package feed

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func date(s string) *time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return &t
}

func TestParse(t *testing.T) {
	const feedURL = "https://feeds.example.org/path/feed.xml"
	tests := []struct {
		file        string
		contentType string
		title       string
		link        string
		language    string
		items       []Item // compared field by field where set
	}{
		{
			file: "rss2.xml", title: "Parley Test Wire", link: "https://wire.example.org/", language: "en-gb",
			items: []Item{
				{GUID: "wire-0001", Link: "https://wire.example.org/2026/11/abu-dhabi-talks", Title: "Ministers meet in Abu Dhabi",
					Summary: "<p>Talks resumed on Tuesday.</p>", Content: "<p>Talks resumed on Tuesday in Abu Dhabi, officials said.</p>",
					Authors: []string{"Amina Khalil"}, Published: date("2026-11-24T05:30:00Z"),
					Categories: []string{"Diplomacy", "Middle East"}, Image: "https://wire.example.org/img/talks.jpg", Language: "en-gb"},
				{Link: "https://wire.example.org/2026/11/envoy-recalled", Authors: []string{"Jonas Berg"},
					Published: date("2026-11-23T18:00:00Z"), Image: "https://wire.example.org/img/envoy.png"},
				{Link: "https://wire.example.org/2026/11/ceasefire-explainer", Published: date("2026-11-22T12:15:00Z"),
					Image: "https://wire.example.org/img/thumb.jpg"},
			},
		},
		{
			file: "atom.xml", title: "Le Fil Diplomatique", link: "https://atom.example.net/", language: "fr",
			items: []Item{
				{GUID: "tag:atom.example.net,2026:geneve", Link: "https://atom.example.net/2026/11/geneve", Title: "Négociations à Genève",
					Summary: "Les ministres se sont retrouvés.", Content: "<p>Les ministres se sont retrouvés à Genève.</p>",
					Authors: []string{"Claire Dubois", "Marc Lefèvre"}, Published: date("2026-11-24T09:00:00Z"),
					Updated: date("2026-11-24T10:00:00Z"), Categories: []string{"diplomatie"}},
				{Link: "https://atom.example.net/2026/11/sommet", Updated: date("2026-11-23T08:00:00Z")},
			},
		},
		{
			file: "rdf.xml", title: "Nachrichten", link: "https://rdf.example.de/", language: "de",
			items: []Item{
				{Link: "https://rdf.example.de/a", Title: "Außenminister in Kyjiw", Authors: []string{"Hans Müller"}, Published: date("2026-11-24T07:00:00Z")},
				{Link: "https://rdf.example.de/b", Title: "Gipfel in Brüssel"},
			},
		},
		{
			file: "jsonfeed.json", title: "JSON Wire", link: "https://json.example.com/", language: "en",
			items: []Item{
				{GUID: "1", Link: "https://json.example.com/posts/1", Title: "Summit opens", Summary: "Opening day",
					Content: "<p>The summit opened.</p>", Authors: []string{"Sara Lind"}, Published: date("2026-11-24T09:00:00Z"),
					Categories: []string{"summit"}, Image: "https://json.example.com/img/1.jpg"},
				{Link: "https://json.example.com/posts/2", Updated: date("2026-11-25T09:00:00Z")},
			},
		},
		{
			file: "latin1-undeclared.xml", title: "Notícias do Brasil",
			items: []Item{
				{Title: "Reunião em Brasília: ministro fala à imprensa", Summary: "Declaração após a reunião - «importante»"},
				{Title: "Acordo comercial é assinado"},
			},
		},
		{
			// The header charset wins over nothing declared in the document.
			file: "latin1-undeclared.xml", contentType: "application/rss+xml; charset=ISO-8859-1", title: "Notícias do Brasil",
			items: []Item{{Title: "Reunião em Brasília: ministro fala à imprensa"}, {}},
		},
		{
			// A header claiming UTF-8 over Latin-1 bytes does not garble them.
			file: "latin1-undeclared.xml", contentType: "text/xml; charset=utf-8", title: "Notícias do Brasil",
			items: []Item{{Title: "Reunião em Brasília: ministro fala à imprensa"}, {}},
		},
		{
			file: "cp1251-declared.xml", title: "Новости дипломатии",
			items: []Item{{Title: "Переговоры в Абу-Даби", Link: "https://cp.example.ru/1"}},
		},
		{
			file: "utf16-bom.xml", title: "UTF-16 Wire",
			items: []Item{{Title: "Зеленський у Києві", GUID: "u16-1"}, {Title: "Talks — day two"}},
		},
		{
			file: "relative-links.xml", title: "Relative", link: "https://rel.example.org/news/",
			items: []Item{
				{Link: "https://rel.example.org/2026/a.html"},
				{Link: "https://rel.example.org/news/b.html"},
				{Link: "https://other.example.net/c"},
			},
		},
		{
			file: "guid-permalink.xml", title: "Guids",
			items: []Item{
				{Link: "https://guid.example.org/p/1"},
				{Link: "https://guid.example.org/p/2"},
				{GUID: "https://guid.example.org/internal/3", Link: noLink}, // isPermaLink="false"
				{GUID: "urn:uuid:1234", Link: noLink},
			},
		},
		{
			// Bare ampersands, control characters, a truncated tail: the
			// recovery pass keeps every item.
			file: "malformed.xml", title: "Smith & Jones Daily",
			items: []Item{
				{Title: "Q&A with the envoy", Link: "https://bad.example.org/qa?x=1&y=2"},
				{Title: "Second story"},
				{Title: "Cut off mid-ite"},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.file+"/"+tt.contentType, func(t *testing.T) {
			f, err := Parse(readTestdata(t, tt.file), tt.contentType, feedURL)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if f.Title != tt.title {
				t.Errorf("Title = %q, want %q", f.Title, tt.title)
			}
			if tt.link != "" && f.Link != tt.link {
				t.Errorf("Link = %q, want %q", f.Link, tt.link)
			}
			if tt.language != "" && f.Language != tt.language {
				t.Errorf("Language = %q, want %q", f.Language, tt.language)
			}
			if len(f.Items) != len(tt.items) {
				t.Fatalf("%d items, want %d", len(f.Items), len(tt.items))
			}
			for i, want := range tt.items {
				checkItem(t, i, f.Items[i], want)
			}
		})
	}
}

// noLink in a want Item means the item must have no link.
const noLink = "-"

func checkItem(t *testing.T, i int, got, want Item) {
	t.Helper()
	str := func(field, g, w string) {
		if w != "" && g != w {
			t.Errorf("item %d %s = %q, want %q", i, field, g, w)
		}
	}
	str("GUID", got.GUID, want.GUID)
	if want.Link == noLink {
		if got.Link != "" {
			t.Errorf("item %d Link = %q, want none", i, got.Link)
		}
	} else {
		str("Link", got.Link, want.Link)
	}
	str("Title", got.Title, want.Title)
	str("Summary", got.Summary, want.Summary)
	str("Content", got.Content, want.Content)
	str("Image", got.Image, want.Image)
	str("Language", got.Language, want.Language)
	if want.Authors != nil && !slices.Equal(got.Authors, want.Authors) {
		t.Errorf("item %d Authors = %q, want %q", i, got.Authors, want.Authors)
	}
	if want.Categories != nil && !slices.Equal(got.Categories, want.Categories) {
		t.Errorf("item %d Categories = %q, want %q", i, got.Categories, want.Categories)
	}
	for _, d := range []struct {
		name      string
		got, want *time.Time
	}{{"Published", got.Published, want.Published}, {"Updated", got.Updated, want.Updated}} {
		if d.want == nil {
			continue
		}
		if d.got == nil || !d.got.Equal(*d.want) || d.got.Location() != time.UTC {
			t.Errorf("item %d %s = %v, want %v (UTC)", i, d.name, d.got, d.want)
		}
	}
}

func TestParseLeadingWhitespace(t *testing.T) {
	// relative-links.xml starts with a newline before <?xml; so does this.
	for _, prefix := range []string{"\n", "\r\n  ", "\xEF\xBB\xBF\n"} {
		body := append([]byte(prefix), readTestdata(t, "rss2.xml")...)
		f, err := Parse(body, "", "")
		if err != nil || len(f.Items) != 3 {
			t.Errorf("prefix %q: err %v", prefix, err)
		}
	}
}

func TestParseNotAFeed(t *testing.T) {
	tests := []struct {
		name       string
		body       []byte
		wantErr    error
		discovered []string
	}{
		{"empty", nil, ErrNotAFeed, nil},
		{"blank", []byte(" \n\t "), ErrNotAFeed, nil},
		{"html with alternates", readTestdata(t, "html-alternate.html"), ErrNotAFeed,
			[]string{"https://wire.example.org/feeds/rss.xml", "https://wire.example.org/feeds/atom.xml"}},
		{"html without alternates", []byte("<!DOCTYPE html><html><head><title>x</title></head><body>hi</body></html>"), ErrNotAFeed, []string{}},
		{"json, not a JSON Feed", readTestdata(t, "not-jsonfeed.json"), ErrNotAFeed, nil},
		{"json array", []byte(`[{"title": "x"}]`), ErrNotAFeed, nil},
		{"broken json", []byte(`{"version": "https://jsonfeed.org/version/1", "items": [`), ErrMalformed, nil},
		{"other xml", []byte(`<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"></svg>`), ErrNotAFeed, nil},
		{"plain text", []byte("Service unavailable"), ErrNotAFeed, nil},
		{"truncated, nothing to keep", []byte(`<?xml version="1.0"?><rss version="2.0"><channel><title>x`), ErrMalformed, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(tt.body, "", "https://wire.example.org/index.html")
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			if !strings.Contains(err.Error(), "https://wire.example.org/index.html") {
				t.Errorf("error does not name the URL: %v", err)
			}
			if tt.discovered == nil {
				return
			}
			var nf *NotAFeedError
			if !errors.As(err, &nf) {
				t.Fatalf("err = %T, want *NotAFeedError", err)
			}
			if !slices.Equal(nf.Discovered, tt.discovered) && len(nf.Discovered)+len(tt.discovered) > 0 {
				t.Errorf("Discovered = %q, want %q", nf.Discovered, tt.discovered)
			}
			if !strings.Contains(err.Error(), "HTML") {
				t.Errorf("error should say it is an HTML page: %v", err)
			}
			for _, u := range tt.discovered {
				if !strings.Contains(err.Error(), u) {
					t.Errorf("error should name %s: %v", u, err)
				}
			}
		})
	}
}

func TestDiscover(t *testing.T) {
	tests := []struct {
		name string
		html string
		base string
		want []string
	}{
		{"testdata page", string(readTestdata(t, "html-alternate.html")), "https://wire.example.org/",
			[]string{"https://wire.example.org/feeds/rss.xml", "https://wire.example.org/feeds/atom.xml"}},
		{"base href", `<head><base href="https://cdn.example.com/x/"><link rel="alternate" type="application/rss+xml" href="feed.rss"></head>`,
			"https://site.example.com/", []string{"https://cdn.example.com/x/feed.rss"}},
		{"rel list and type params", `<link rel="Alternate home" type="application/atom+xml; charset=utf-8" href="/a">
<link rel="alternate" type="application/feed+json" href="/f.json"><link rel="alternate" type="text/html" href="/m">`,
			"https://s.example.com/p", []string{"https://s.example.com/a", "https://s.example.com/f.json"}},
		{"duplicates", `<link rel=alternate type=application/rss+xml href=/r><link rel=alternate type=application/rss+xml href=/r>`,
			"https://s.example.com/", []string{"https://s.example.com/r"}},
		{"none", `<p>nothing</p>`, "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Discover([]byte(tt.html), tt.base); !slices.Equal(got, tt.want) {
				t.Errorf("Discover = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestToUTF8(t *testing.T) {
	tests := []struct {
		name        string
		body        []byte
		contentType string
		want        string // must appear in the output
		charset     string
	}{
		{"utf-32le bom", append([]byte{0xFF, 0xFE, 0, 0}, utf32le(`<?xml version="1.0" encoding="utf-32"?><rss/>`)...), "", `encoding="utf-8"`, "utf-32le"},
		{"utf-16be no bom", utf16be(`<?xml version="1.0" encoding="UTF-16"?><rss/>`), "", `<rss/>`, "utf-16be"},
		{"utf-16le no bom, leading newline", utf16le("\n\n<?xml version=\"1.0\" encoding=\"utf-16\"?><rss><channel><title>Київ</title></channel></rss>"), "", "<title>Київ</title>", "utf-16le"},
		{"declared latin-1", []byte("<?xml version='1.0' encoding='ISO-8859-1'?><t>caf\xe9</t>"), "", "café", "windows-1252"},
		{"header beats declaration", []byte("<?xml version=\"1.0\" encoding=\"utf-8\"?><t>\xcf\xf0\xe8</t>"), "text/xml; charset=windows-1251", "При", "windows-1251"},
		{"utf-8 with a stray byte", []byte("<?xml version=\"1.0\" encoding=\"utf-8\"?><t>Зеленський у Києві \xe9</t>"), "", "Зеленський у Києві \uFFFD", "utf-8"},
		{"latin-1 declared utf-8", []byte("<?xml version=\"1.0\" encoding=\"utf-8\"?><t>Bras\xedlia \xe9 a capital</t>"), "", "Brasília é a capital", "windows-1252"},
		{"unknown label", []byte("<?xml version=\"1.0\" encoding=\"x-klingon\"?><t>ok</t>"), "", "ok", "utf-8"},
		{"utf-16 declared on ascii bytes", []byte("<?xml version=\"1.0\" encoding=\"utf-16\"?><t>ok</t>"), "", `encoding="utf-8"`, "utf-8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, cs, err := toUTF8(tt.body, tt.contentType)
			if err != nil {
				t.Fatal(err)
			}
			if cs != tt.charset {
				t.Errorf("charset = %q, want %q", cs, tt.charset)
			}
			if !bytes.Contains(out, []byte(tt.want)) {
				t.Errorf("output %q lacks %q", out, tt.want)
			}
		})
	}
}

func utf32le(s string) []byte {
	var out []byte
	for _, r := range s {
		out = append(out, byte(r), byte(r>>8), byte(r>>16), byte(r>>24))
	}
	return out
}

func utf16le(s string) []byte {
	var out []byte
	for _, r := range s { // BMP only in these tests
		out = append(out, byte(r), byte(r>>8))
	}
	return out
}

func utf16be(s string) []byte {
	var out []byte
	for _, r := range s { // ASCII only in these tests
		out = append(out, byte(r>>8), byte(r))
	}
	return out
}

// Inflating is pkg/fetch's job, under its limits (fetch.TestContentEncoding);
// gzip bytes reaching the parser are refused, never inflated here.
func TestParseGzipRefused(t *testing.T) {
	_, err := Parse(readTestdata(t, "rss2-gzipped.xml.gz"), "", "https://x.example/feed")
	if !errors.Is(err, ErrNotAFeed) || !strings.Contains(err.Error(), "gzip-compressed") {
		t.Fatalf("err = %v, want ErrNotAFeed naming gzip", err)
	}
}

func BenchmarkParse(b *testing.B) {
	body := readTestdata(b, "large.xml")
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		f, err := Parse(body, "application/rss+xml", "https://big.example.org/feed")
		if err != nil || len(f.Items) != 2000 {
			b.Fatalf("Parse: %v", err)
		}
	}
}

// A date gofeed read is kept only within docdate's plausible years.
func TestItemDateWindow(t *testing.T) {
	epoch := time.Unix(0, 0)
	if got := itemDate(&epoch, ""); got != nil {
		t.Errorf("itemDate(1970-01-01) = %v, want none", got)
	}
	if got := itemDate(&epoch, "2026-11-24"); got == nil || got.Year() != 2026 {
		t.Errorf("itemDate(1970-01-01, 2026-11-24) = %v, want the raw text's date", got)
	}
}

// TestParseDropsNonWebLinks: only http and https links are kept, so a
// feed cannot make javascript:, data: or file: an article's URL or a link
// on a page; an item left without a link is published under its feed's URL
// (pkg/fetcher).
func TestParseDropsNonWebLinks(t *testing.T) {
	doc := `<?xml version="1.0"?><rss version="2.0"><channel><title>T</title><link>https://site.example/</link>
<item><title>js</title><link>javascript:alert(document.cookie)</link><enclosure url="javascript:alert(2)" type="image/png"/></item>
<item><title>js upper case</title><link>JaVaScRiPt:alert(1)</link></item>
<item><title>data</title><link>data:text/html,&lt;script&gt;alert(1)&lt;/script&gt;</link></item>
<item><title>file</title><link>file:///etc/passwd</link></item>
<item><title>vbscript</title><link>vbscript:msgbox(1)</link></item>
<item><title>no host</title><link>http:///nohost</link></item>
<item><title>js, permalink guid</title><link>javascript:void(0)</link><guid>https://site.example/a</guid></item>
<item><title>relative</title><link>/news/b</link><enclosure url="/img/b.png" type="image/png"/></item>
</channel></rss>`
	f, err := Parse([]byte(doc), "", "https://site.example/feed.xml")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"js": "", "js upper case": "", "data": "", "file": "", "vbscript": "", "no host": "",
		"js, permalink guid": "https://site.example/a",
		"relative":           "https://site.example/news/b",
	}
	if len(f.Items) != len(want) {
		t.Fatalf("%d items, want %d", len(f.Items), len(want))
	}
	for _, it := range f.Items {
		if it.Link != want[it.Title] {
			t.Errorf("item %q: link %q, want %q", it.Title, it.Link, want[it.Title])
		}
		if it.Image != "" && !strings.HasPrefix(it.Image, "https://") {
			t.Errorf("item %q: image %q", it.Title, it.Image)
		}
	}
}

// TestParsePanicIsAnError: a document that makes a parser beneath Parse
// panic gives an error naming it, and the process polling it goes on.
func TestParsePanicIsAnError(t *testing.T) {
	f, err := guard("https://example.org/feed.xml", func() (*Feed, error) {
		var items []Item
		_ = items[3] // what a parser bug on a hostile document looks like
		return &Feed{}, nil
	})
	if f != nil || !errors.Is(err, ErrNotAFeed) || !strings.Contains(err.Error(), "https://example.org/feed.xml") || !strings.Contains(err.Error(), "index out of range") {
		t.Errorf("got %v, %v; want ErrNotAFeed naming the feed and the panic", f, err)
	}
	if f, err := guard("", func() (*Feed, error) { return &Feed{Title: "ok"}, nil }); err != nil || f.Title != "ok" {
		t.Errorf("a parse that does not panic: %v, %v", f, err)
	}
}

// A date that makes the date-guessing library panic is no date: the feed
// and its items stay (before, the whole feed was "not a feed").
func TestPanickingDateIsNoDate(t *testing.T) {
	b := []byte(`<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>` +
		`<item><title>A</title><link>https://example.org/a</link><pubDate>000000 000,0000000000</pubDate></item>` +
		`<item><title>B</title><link>https://example.org/b</link><pubDate>Mon, 29 Oct 2012 10:25:32 PDT</pubDate></item>` +
		`</channel></rss>`)
	f, err := Parse(b, "application/rss+xml", "https://example.org/feed.xml")
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	if len(f.Items) != 2 || f.Items[0].Published != nil || f.Items[1].Published == nil {
		t.Fatalf("items %+v: want two, the first without a date", f.Items)
	}
	if got := f.Items[1].Published.Format(time.RFC3339); got != "2012-10-29T17:25:32Z" {
		t.Errorf("second item published %s, want 2012-10-29T17:25:32Z", got)
	}
}
