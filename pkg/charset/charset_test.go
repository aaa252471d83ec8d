package charset

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestHTML(t *testing.T) {
	const ru = "Переговоры в Абу-Даби"
	const fr = "Négociations à Genève"
	tests := []struct {
		file        string
		contentType string
		wantCharset string
		wantText    string
	}{
		{"cp1251-meta.html", "", "windows-1251", ru},
		{"cp1251-meta.html", "text/html", "windows-1251", ru},
		{"cp1251-nometa.html", "text/html; charset=windows-1251", "windows-1251", ru},
		{"cp1251-nometa.html", `text/html; charset="cp1251"`, "windows-1251", ru},
		{"cp1251-meta.html", "text/html; charset=x-no-such-charset", "windows-1251", ru},
		{"latin1-httpequiv.html", "", "windows-1252", fr},
		{"latin1-nometa.html", "text/html; charset=ISO-8859-1", "windows-1252", fr},
		{"latin1-nometa.html", "", "windows-1252", fr},
		{"latin1-nometa.html", "text/html;charset=", "windows-1252", fr},
		{"latin1-late-meta.html", "", "windows-1252", fr},
		{"utf16le-bom.html", "", "utf-16le", fr},
		{"utf16le-bom.html", "text/html; charset=iso-8859-1", "utf-16le", fr},
		{"utf8-bom.html", "text/html; charset=windows-1251", "utf-8", ru},
		{"utf8-bom.html", "", "utf-8", ru},
	}
	for _, tt := range tests {
		t.Run(tt.file+"/"+tt.contentType, func(t *testing.T) {
			body, err := os.ReadFile(filepath.Join("testdata", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			out, cs, err := HTML(body, tt.contentType)
			if err != nil {
				t.Fatal(err)
			}
			if cs != tt.wantCharset {
				t.Errorf("charset = %q, want %q", cs, tt.wantCharset)
			}
			if !utf8.Valid(out) {
				t.Errorf("output is not UTF-8")
			}
			if bytes.HasPrefix(out, []byte("\xEF\xBB\xBF")) {
				t.Errorf("BOM kept in output")
			}
			if !strings.Contains(string(out), tt.wantText) {
				t.Errorf("output lacks %q: %.200s", tt.wantText, out)
			}
		})
	}
}

func TestDecodeHTMLOddInputs(t *testing.T) {
	for _, in := range [][]byte{
		nil,
		[]byte("<meta charset=\"\">"),
		[]byte("<meta charset=utf-16><p>hi</p>"),
		[]byte("\xFE\xFF"),
		[]byte("\xFF\xFE\x00"),
		[]byte("<meta http-equiv=content-type content=\"text/html; charset=bogus\"><p>\xE9</p>"),
		[]byte("\xE9\xE8\xFF"),
	} {
		out, cs, err := HTML(in, "text/html; charset=\"unterminated")
		if err != nil {
			t.Errorf("HTML(%q): %v", in, err)
			continue
		}
		if cs == "" || !utf8.Valid(out) {
			t.Errorf("HTML(%q) = %q, %q", in, out, cs)
		}
	}
}

// The edge cases where the two detectors parley had (one for pages in
// package fetch, one for feeds in package feed) behaved differently: each
// now behaves, for pages and feeds alike, as the stricter of the two did.
func TestMergedEdgeCases(t *testing.T) {
	page := func(s string) []byte {
		return []byte("<html><head><title>t</title></head><body><p>" + s + "</p></body></html>")
	}
	feed := func(s string) []byte { return []byte(`<?xml version="1.0"?><rss><t>` + s + `</t></rss>`) }
	tests := []struct {
		name        string
		doc         func(string) []byte
		body        string
		contentType string
		want        string
		charset     string
	}{
		// A label that says UTF-8 on bytes that are not: the feed reader
		// looked further, the page decoder put U+FFFD in every accent.
		{"page: utf-8 header on latin-1 bytes", page, "Bras\xedlia \xe9 a capital", "text/html; charset=utf-8", "Brasília é a capital", "windows-1252"},
		{"feed: utf-8 header on latin-1 bytes", feed, "Bras\xedlia \xe9 a capital", "text/xml; charset=utf-8", "Brasília é a capital", "windows-1252"},
		// A UTF-16 label on ASCII-compatible bytes: the page decoder read
		// the page as UTF-16 (all of it garbage) when the header said so.
		{"page: utf-16 header on ascii bytes", page, "caf\xc3\xa9", "text/html; charset=utf-16", "café", "utf-8"},
		{"feed: utf-16 header on ascii bytes", feed, "caf\xc3\xa9", "text/xml; charset=utf-16", "café", "utf-8"},
		// A header mime cannot parse: the feed reader ignored its charset.
		{"page: unterminated quote", page, "\xcf\xf0\xe8", `text/html; charset="windows-1251`, "При", "windows-1251"},
		{"feed: unterminated quote", feed, "\xcf\xf0\xe8", `application/rss+xml; charset="windows-1251`, "При", "windows-1251"},
		{"feed: empty charset", feed, "caf\xe9", "text/xml;charset=", "café", "windows-1252"},
		// A label only IANA's table knows (IBM code page 850): the page
		// decoder knew only the WHATWG names.
		{"page: ibm850", page, "caf\x82", "text/html; charset=IBM850", "café", "ibm850"},
		{"feed: ibm850", feed, "caf\x82", "text/xml; charset=IBM850", "café", "ibm850"},
		// UTF-8 with one stray byte: the page decoder read it all as
		// windows-1252, turning every Cyrillic letter into two.
		{"page: utf-8 with a stray byte", page, "Зеленський у Києві \xe9", "", "Зеленський у Києві \uFFFD", "utf-8"},
		{"feed: utf-8 with a stray byte", feed, "Зеленський у Києві \xe9", "", "Зеленський у Києві \uFFFD", "utf-8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			decode := HTML
			if strings.HasPrefix(tt.name, "feed") {
				decode = XML
			}
			out, cs, err := decode(tt.doc(tt.body), tt.contentType)
			if err != nil {
				t.Fatal(err)
			}
			if cs != tt.charset || !strings.Contains(string(out), tt.want) {
				t.Errorf("read as %q: %q, want %q containing %q", cs, out, tt.charset, tt.want)
			}
		})
	}
	// A UTF-32 byte order mark: the page decoder did not know it.
	var b []byte
	for _, r := range "\uFEFF<html><body><p>Київ</p></body></html>" {
		b = append(b, byte(r), byte(r>>8), byte(r>>16), byte(r>>24))
	}
	if out, cs, err := HTML(b, "text/html; charset=iso-8859-1"); err != nil || cs != "utf-32le" || !strings.Contains(string(out), "Київ") {
		t.Errorf("utf-32le page: %q %q %v", out, cs, err)
	}
}
