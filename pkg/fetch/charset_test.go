package fetch

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestDecodeHTML(t *testing.T) {
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
			out, cs, err := DecodeHTML(body, tt.contentType)
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
		out, cs, err := DecodeHTML(in, "text/html; charset=\"unterminated")
		if err != nil {
			t.Errorf("DecodeHTML(%q): %v", in, err)
			continue
		}
		if cs == "" || !utf8.Valid(out) {
			t.Errorf("DecodeHTML(%q) = %q, %q", in, out, cs)
		}
	}
}
