package fetch

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
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

// TestFetchAndDecode fetches legacy-encoded pages over HTTP and decodes them
// with the response's Content-Type, as the pipeline does.
func TestFetchAndDecode(t *testing.T) {
	tests := []struct {
		file, contentType, want, charset string
	}{
		{"cp1251-nometa.html", "text/html; charset=windows-1251", "Переговоры в Абу-Даби", "windows-1251"},
		{"cp1251-meta.html", "text/html", "Переговоры в Абу-Даби", "windows-1251"},
		{"latin1-nometa.html", "text/html; charset=iso-8859-1", "Négociations à Genève", "windows-1252"},
		{"latin1-httpequiv.html", "text/html", "Négociations à Genève", "windows-1252"},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			page, err := os.ReadFile(filepath.Join("testdata", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", tt.contentType)
				w.Header().Set("Content-Encoding", "gzip")
				w.Write(gzipBytes(t, page))
			}))
			defer srv.Close()
			resp, err := newClient(t, Config{}).Get(context.Background(), srv.URL, Options{Accept: "text/html"})
			if err != nil {
				t.Fatal(err)
			}
			out, cs, err := DecodeHTML(resp.Body, resp.ContentType)
			if err != nil {
				t.Fatal(err)
			}
			if cs != tt.charset || !strings.Contains(string(out), tt.want) {
				t.Errorf("charset %q, text %.120s", cs, out)
			}
		})
	}
}
