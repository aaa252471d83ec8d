package feed

import (
	"bytes"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestReadList(t *testing.T) {
	tests := []struct {
		file string
		want []Source
	}{
		{"feeds.txt", []Source{
			{URL: "https://wire.example.org/rss.xml"},
			{URL: "https://atom.example.net/feed.atom"},
			{URL: "http://latin.example.com.br/rss"},
		}},
		{"feeds.opml", []Source{
			{URL: "https://wire.example.org/rss.xml", Title: "Parley Test Wire"},
			{URL: "https://atom.example.net/feed.atom", Title: "Le Fil Diplomatique"},
			{URL: "https://rdf.example.de/rdf", Title: "Nachrichten"},
		}},
		{"feeds-urls.yaml", []Source{
			{URL: "https://wire.example.org/rss.xml"},
			{URL: "https://atom.example.net/feed.atom"},
		}},
		{"feeds-objects.yml", []Source{
			{URL: "https://wire.example.org/rss.xml", Title: "Parley Test Wire"},
			{URL: "https://atom.example.net/feed.atom"},
		}},
		{"feeds-map.yaml", []Source{
			{URL: "https://wire.example.org/rss.xml", Title: "Parley Test Wire"},
			{URL: "https://rdf.example.de/rdf"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			got, err := ReadList(filepath.Join("testdata", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("ReadList = %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestReadListErrors(t *testing.T) {
	tests := []struct {
		file  string
		line  int
		entry int
		value string
	}{
		{"feeds-bad.txt", 4, 2, "ftp://files.example.org/feed"},
		{"feeds-bad.opml", 6, 2, "/relative/feed.xml"},
		{"feeds-bad.yaml", 3, 2, "mailto:desk@example.org"},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			_, err := ReadList(filepath.Join("testdata", tt.file))
			var le *ListError
			if !errors.As(err, &le) || !errors.Is(err, ErrBadList) {
				t.Fatalf("err = %v, want a *ListError", err)
			}
			if le.Line != tt.line || le.Entry != tt.entry || le.Value != tt.value {
				t.Errorf("ListError = %+v, want line %d entry %d value %q", le, tt.line, tt.entry, tt.value)
			}
			if !strings.Contains(err.Error(), tt.file) || !strings.Contains(err.Error(), tt.value) {
				t.Errorf("error should name the file and the value: %v", err)
			}
		})
	}
	if _, err := ReadList(filepath.Join("testdata", "no-such-list.txt")); err == nil {
		t.Error("missing file: no error")
	}
}

func TestParseListOddInputs(t *testing.T) {
	tests := []struct {
		name, format, in string
		wantN            int
		wantErr          bool
	}{
		{"empty text", FormatText, "", 0, false},
		{"comments only", FormatText, "# a\n\n   # b\n", 0, false},
		{"crlf", FormatText, "https://a.example/x\r\nhttps://b.example/y\r\n", 2, false},
		{"empty yaml", FormatYAML, "", 0, false},
		{"yaml feeds null", FormatYAML, "feeds:\n", 0, false},
		{"yaml map without feeds", FormatYAML, "urls: [https://a.example/]\n", 0, true},
		{"yaml scalar", FormatYAML, "https://a.example/\n", 0, true},
		{"yaml broken", FormatYAML, "- [unclosed\n", 0, true},
		{"opml not opml", FormatOPML, "<html><body/></html>", 0, true},
		{"opml broken", FormatOPML, "<opml><body><outline xmlUrl=\"https://a.example/\"", 0, true},
		{"unknown format", "csv", "x", 0, true},
		{"no host", FormatText, "https:///path", 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseList(strings.NewReader(tt.in), tt.format)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tt.wantErr)
			}
			if err == nil && len(got) != tt.wantN {
				t.Errorf("%d sources, want %d", len(got), tt.wantN)
			}
		})
	}
}

func TestWriteOPMLRoundTrip(t *testing.T) {
	in := []Source{
		{URL: "https://wire.example.org/rss.xml?a=1&b=2", Title: "Wire <&> \"quotes\""},
		{URL: "https://atom.example.net/feed.atom"},
	}
	var buf bytes.Buffer
	if err := WriteOPML(&buf, "parley feeds", in); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), `<opml version="2.0">`) || !strings.Contains(buf.String(), "<title>parley feeds</title>") {
		t.Errorf("unexpected OPML:\n%s", buf.String())
	}
	out, err := ParseList(&buf, FormatOPML)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(out, in) {
		t.Errorf("round trip = %+v, want %+v", out, in)
	}
}
