package feed

import (
	"bufio"
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/parley-news/parley/pkg/charset"
)

// Source is one entry of a feed list.
type Source struct {
	URL   string `json:"url" yaml:"url"`
	Title string `json:"title,omitempty" yaml:"title,omitempty"`
}

// Feed list formats understood by ParseList.
const (
	FormatText = "text"
	FormatOPML = "opml"
	FormatYAML = "yaml"
)

// ErrBadList: a feed list could not be read or holds an invalid entry.
var ErrBadList = errors.New("bad feed list")

// ListError locates a bad entry of a feed list.
type ListError struct {
	Line  int    // 1-based line in the file, 0 when unknown
	Entry int    // 1-based entry number among the list's feeds
	Value string // the offending value
	Msg   string
}

func (e *ListError) Error() string {
	var b strings.Builder
	if e.Line > 0 {
		fmt.Fprintf(&b, "line %d: ", e.Line)
	}
	if e.Entry > 0 {
		fmt.Fprintf(&b, "entry %d: ", e.Entry)
	}
	if e.Value != "" {
		fmt.Fprintf(&b, "%q: ", e.Value)
	}
	b.WriteString(e.Msg)
	return b.String()
}

func (e *ListError) Unwrap() error { return ErrBadList }

// ReadList reads a feed list file: OPML when the name ends in .opml, YAML
// when it ends in .yaml or .yml, otherwise plain text with one URL per line
// (blank lines and # comments ignored).
func ReadList(path string) ([]Source, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read feed list: %w", err)
	}
	defer f.Close()
	format := FormatText
	switch strings.ToLower(filepath.Ext(path)) {
	case ".opml":
		format = FormatOPML
	case ".yaml", ".yml":
		format = FormatYAML
	}
	srcs, err := ParseList(f, format)
	if err != nil {
		return nil, fmt.Errorf("feed list %s: %w", path, err)
	}
	return srcs, nil
}

// ParseList reads a feed list in the given format (FormatText, FormatOPML
// or FormatYAML). Every URL must be absolute http or https; the first bad
// one is reported as a *ListError naming its line and entry. Duplicate URLs
// are kept once, in first-seen order.
func ParseList(r io.Reader, format string) ([]Source, error) {
	var (
		srcs []Source
		err  error
	)
	switch strings.ToLower(format) {
	case FormatText, "txt", "":
		srcs, err = parseText(r)
	case FormatOPML:
		srcs, err = parseOPML(r)
	case FormatYAML, "yml":
		srcs, err = parseYAML(r)
	default:
		return nil, fmt.Errorf("%w: unknown format %q (want text, opml or yaml)", ErrBadList, format)
	}
	if err != nil {
		return nil, err
	}
	return dedupe(srcs), nil
}

func parseText(r io.Reader) ([]Source, error) {
	var out []Source
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	line := 0
	for sc.Scan() {
		line++
		s := strings.TrimSpace(strings.TrimPrefix(sc.Text(), "\uFEFF"))
		if i := strings.Index(s, " #"); i >= 0 {
			s = strings.TrimSpace(s[:i]) // trailing comment
		}
		if s == "" || strings.HasPrefix(s, "#") {
			continue
		}
		if err := checkURL(s); err != nil {
			return nil, &ListError{Line: line, Entry: len(out) + 1, Value: s, Msg: err.Error()}
		}
		out = append(out, Source{URL: s})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadList, err)
	}
	return out, nil
}

func parseOPML(r io.Reader) ([]Source, error) {
	d := xml.NewDecoder(r)
	d.Strict = false
	d.CharsetReader = charsetReader
	var out []Source
	sawOPML := false
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			line, _ := d.InputPos()
			return nil, &ListError{Line: line, Msg: fmt.Sprintf("invalid OPML: %v", err)}
		}
		se, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		switch strings.ToLower(se.Name.Local) {
		case "opml":
			sawOPML = true
		case "outline":
			u := attr(se, "xmlUrl")
			if u == "" {
				continue // a folder, or a link that is not a feed
			}
			line, _ := d.InputPos()
			if err := checkURL(u); err != nil {
				return nil, &ListError{Line: line, Entry: len(out) + 1, Value: u, Msg: err.Error()}
			}
			title := attr(se, "title")
			if title == "" {
				title = attr(se, "text")
			}
			if title == u {
				title = "" // WriteOPML's stand-in for a missing title
			}
			out = append(out, Source{URL: u, Title: title})
		}
	}
	if !sawOPML {
		return nil, fmt.Errorf("%w: no <opml> element", ErrBadList)
	}
	return out, nil
}

func parseYAML(r io.Reader) ([]Source, error) {
	var doc yaml.Node
	if err := yaml.NewDecoder(r).Decode(&doc); err != nil {
		if err == io.EOF {
			return nil, nil
		}
		return nil, fmt.Errorf("%w: invalid YAML: %v", ErrBadList, err)
	}
	n := &doc
	if n.Kind == yaml.DocumentNode && len(n.Content) == 1 {
		n = n.Content[0]
	}
	if n.Kind == yaml.MappingNode {
		var feeds *yaml.Node
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == "feeds" {
				feeds = n.Content[i+1]
			}
		}
		if feeds == nil {
			return nil, &ListError{Line: n.Line, Msg: "a YAML map needs a feeds: key holding the list"}
		}
		n = feeds
	}
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return nil, nil
	}
	if n.Kind != yaml.SequenceNode {
		return nil, &ListError{Line: n.Line, Msg: "expected a list of URLs or of {url, title}"}
	}
	var out []Source
	for i, e := range n.Content {
		var s Source
		switch e.Kind {
		case yaml.ScalarNode:
			s.URL = strings.TrimSpace(e.Value)
		case yaml.MappingNode:
			for j := 0; j+1 < len(e.Content); j += 2 {
				switch strings.ToLower(e.Content[j].Value) {
				case "url", "xmlurl":
					s.URL = strings.TrimSpace(e.Content[j+1].Value)
				case "title", "name":
					s.Title = strings.TrimSpace(e.Content[j+1].Value)
				}
			}
		default:
			return nil, &ListError{Line: e.Line, Entry: i + 1, Msg: "expected a URL or a {url, title} map"}
		}
		if err := checkURL(s.URL); err != nil {
			return nil, &ListError{Line: e.Line, Entry: i + 1, Value: s.URL, Msg: err.Error()}
		}
		out = append(out, s)
	}
	return out, nil
}

func checkURL(s string) error {
	if s == "" {
		return errors.New("missing URL")
	}
	u, err := url.Parse(s)
	if err != nil {
		return fmt.Errorf("not a URL: %v", err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return errors.New("not an absolute http(s) URL")
	}
	if u.Host == "" {
		return errors.New("URL has no host")
	}
	return nil
}

func dedupe(in []Source) []Source {
	seen := make(map[string]bool, len(in))
	out := in[:0]
	for _, s := range in {
		if seen[s.URL] {
			continue
		}
		seen[s.URL] = true
		out = append(out, s)
	}
	return out
}

func charsetReader(label string, input io.Reader) (io.Reader, error) {
	enc, name := charset.Lookup(label)
	if enc == nil {
		return nil, fmt.Errorf("unknown charset %q", label)
	}
	if name == "utf-8" {
		return input, nil
	}
	return enc.NewDecoder().Reader(input), nil
}

type opmlDoc struct {
	XMLName xml.Name      `xml:"opml"`
	Version string        `xml:"version,attr"`
	Title   string        `xml:"head>title"`
	Body    []opmlOutline `xml:"body>outline"`
}

type opmlOutline struct {
	Type   string `xml:"type,attr"`
	Text   string `xml:"text,attr"`
	Title  string `xml:"title,attr,omitempty"`
	XMLURL string `xml:"xmlUrl,attr"`
}

// WriteOPML writes sources as an OPML 2.0 subscription list.
func WriteOPML(w io.Writer, title string, sources []Source) error {
	doc := opmlDoc{Version: "2.0", Title: title}
	for _, s := range sources {
		text := s.Title
		if text == "" {
			text = s.URL
		}
		doc.Body = append(doc.Body, opmlOutline{Type: "rss", Text: text, Title: s.Title, XMLURL: s.URL})
	}
	var buf bytes.Buffer
	buf.WriteString(xml.Header)
	enc := xml.NewEncoder(&buf)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return fmt.Errorf("write opml: %w", err)
	}
	buf.WriteByte('\n')
	if _, err := w.Write(buf.Bytes()); err != nil {
		return fmt.Errorf("write opml: %w", err)
	}
	return nil
}
