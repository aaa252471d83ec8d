package fetch

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/parley-news/parley/pkg/charset"
)

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
			page, err := os.ReadFile(filepath.Join("..", "charset", "testdata", tt.file))
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
			out, cs, err := charset.HTML(resp.Body, resp.ContentType)
			if err != nil {
				t.Fatal(err)
			}
			if cs != tt.charset || !strings.Contains(string(out), tt.want) {
				t.Errorf("charset %q, text %.120s", cs, out)
			}
		})
	}
}
