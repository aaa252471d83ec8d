// Package charset converts documents in any encoding to UTF-8: HTML pages
// (the parser, `parley extract`) and XML feeds (package feed). It is one
// implementation for both, apart from the HTTP client, so that the parser
// and the feed reader decode without importing package fetch.
//
// The evidence is weighed in one order for both kinds of document: a byte
// order mark (UTF-8, UTF-16 or UTF-32; it describes the bytes themselves,
// so it wins over any label), for XML the NUL pattern of a UTF-16 or UTF-32
// "<" (XML 1.0 Appendix F), then the labels: the Content-Type charset
// (read leniently: "text/html;charset=" and unterminated quotes occur),
// then the document's own declaration (<meta charset> or http-equiv within
// the first 32 KiB of a page; the XML declaration). A label is skipped when
// it is unknown (WHATWG names first, as browsers read them, then IANA's),
// when it says UTF-8 but the bytes are not, when it says UTF-16 or UTF-32
// but the bytes are ASCII-compatible, or when its decoder fails. Without a
// usable label: valid UTF-8 is UTF-8; UTF-8 with a few stray bytes is still
// UTF-8 (the strays become U+FFFD); anything else is windows-1252, the
// superset of ISO-8859-1 that real "Latin-1" documents use.
package charset

import (
	"bytes"
	"fmt"
	"mime"
	"regexp"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/html"
	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/htmlindex"
	"golang.org/x/text/encoding/ianaindex"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/encoding/unicode/utf32"
)

// metaScanBytes is how far into a page HTML looks for <meta charset>. The
// HTML standard's prescan stops at 1024 bytes, but many real pages put the
// declaration after long scripts or styles in <head>.
const metaScanBytes = 32 << 10

// HTML converts an HTML page to UTF-8 and returns the name of the encoding
// it read.
func HTML(body []byte, contentType string) ([]byte, string, error) {
	if enc, name, n := bom(body); enc != nil {
		return decodeKnown(enc, name, body[n:])
	}
	return decodeLabelled(body, []func() string{
		func() string { return HeaderCharset(contentType) },
		func() string { return metaCharset(body) },
	})
}

// XML converts a feed document to UTF-8, with its XML declaration, if
// any, rewritten to say so (the XML reader must not convert it again), and
// leading white space removed. It returns the name of the encoding read.
func XML(body []byte, contentType string) ([]byte, string, error) {
	enc, name, n := bom(body)
	if enc == nil {
		enc, name = nulPattern(body)
	}
	if enc != nil {
		out, name, err := decodeKnown(enc, name, body[n:])
		if err != nil {
			return nil, name, err
		}
		return fixDeclaration(trimLeadingSpace(out)), name, nil
	}
	body = trimLeadingSpace(body)
	out, name, err := decodeLabelled(body, []func() string{
		func() string { return HeaderCharset(contentType) },
		func() string { return xmlDeclared(body) },
	})
	if err != nil {
		return nil, name, err
	}
	return fixDeclaration(out), name, nil
}

// Lookup maps a charset label to an encoding and its canonical name: the
// WHATWG table first (it maps ISO-8859-1 to windows-1252, as browsers
// do), then IANA's. It returns nil for an unknown label.
func Lookup(label string) (encoding.Encoding, string) {
	label = strings.ToLower(strings.TrimSpace(strings.Trim(strings.TrimSpace(label), `"'`)))
	if label == "" {
		return nil, ""
	}
	if enc, err := htmlindex.Get(label); err == nil && enc != nil {
		name, _ := htmlindex.Name(enc)
		return enc, name
	}
	if enc, err := ianaindex.IANA.Encoding(label); err == nil && enc != nil {
		name, err := ianaindex.IANA.Name(enc)
		if err != nil {
			name = label
		}
		return enc, strings.ToLower(name)
	}
	return nil, ""
}

// HeaderCharset is the charset parameter of a Content-Type, read
// leniently: a header mime cannot parse ("text/html;charset=", an
// unterminated quote) still gives what follows "charset=".
func HeaderCharset(contentType string) string {
	if contentType == "" {
		return ""
	}
	if _, params, err := mime.ParseMediaType(contentType); err == nil {
		return params["charset"]
	}
	i := strings.Index(strings.ToLower(contentType), "charset=")
	if i < 0 {
		return ""
	}
	v := contentType[i+len("charset="):]
	if j := strings.IndexByte(v, ';'); j >= 0 {
		v = v[:j]
	}
	return strings.Trim(v, "\"' ")
}

// decodeLabelled decodes body by the first usable label, else by its bytes.
func decodeLabelled(body []byte, labels []func() string) ([]byte, string, error) {
	valid := utf8.Valid(body)
	for _, label := range labels {
		enc, name := Lookup(label())
		switch {
		case enc == nil:
			continue // unknown label: look further
		case name == "utf-8":
			if valid {
				return body, name, nil
			}
			continue // the bytes say otherwise
		case strings.HasPrefix(name, "utf-16") || strings.HasPrefix(name, "utf-32"):
			// No BOM (or NUL pattern): the bytes are ASCII-compatible, so
			// the label is wrong.
			continue
		}
		out, err := enc.NewDecoder().Bytes(body)
		if err != nil {
			continue
		}
		return bytes.ToValidUTF8(out, []byte("\uFFFD")), name, nil
	}
	if valid {
		return body, "utf-8", nil
	}
	if mostlyUTF8(body) {
		// UTF-8 with a few stray bytes (a bad copy-paste) is still UTF-8;
		// reading it all as windows-1252 would garble the rest.
		return bytes.ToValidUTF8(body, []byte("\uFFFD")), "utf-8", nil
	}
	return decodeKnown(charmap.Windows1252, "windows-1252", body)
}

func decodeKnown(enc encoding.Encoding, name string, body []byte) ([]byte, string, error) {
	if name == "utf-8" {
		return bytes.ToValidUTF8(body, []byte("\uFFFD")), name, nil
	}
	out, err := enc.NewDecoder().Bytes(body)
	if err != nil {
		return nil, name, fmt.Errorf("decode %s: %w", name, err)
	}
	return bytes.ToValidUTF8(out, []byte("\uFFFD")), name, nil
}

// bom recognises a UTF-8, UTF-16 or UTF-32 byte order mark and says how
// many bytes it takes.
func bom(b []byte) (encoding.Encoding, string, int) {
	switch {
	case bytes.HasPrefix(b, []byte{0x00, 0x00, 0xFE, 0xFF}):
		return utf32.UTF32(utf32.BigEndian, utf32.IgnoreBOM), "utf-32be", 4
	case bytes.HasPrefix(b, []byte{0xFF, 0xFE, 0x00, 0x00}):
		return utf32.UTF32(utf32.LittleEndian, utf32.IgnoreBOM), "utf-32le", 4
	case bytes.HasPrefix(b, []byte{0xEF, 0xBB, 0xBF}):
		return unicode.UTF8, "utf-8", 3
	case bytes.HasPrefix(b, []byte{0xFE, 0xFF}):
		return unicode.UTF16(unicode.BigEndian, unicode.IgnoreBOM), "utf-16be", 2
	case bytes.HasPrefix(b, []byte{0xFF, 0xFE}):
		return unicode.UTF16(unicode.LittleEndian, unicode.IgnoreBOM), "utf-16le", 2
	}
	return nil, "", 0
}

// nulPattern recognises UTF-16 and UTF-32 without a byte order mark by the
// NULs ASCII markup leaves beside each character.
func nulPattern(b []byte) (encoding.Encoding, string) {
	switch {
	case bytes.HasPrefix(b, []byte{0x00, 0x00, 0x00, 0x3C}):
		return utf32.UTF32(utf32.BigEndian, utf32.IgnoreBOM), "utf-32be"
	case bytes.HasPrefix(b, []byte{0x3C, 0x00, 0x00, 0x00}):
		return utf32.UTF32(utf32.LittleEndian, utf32.IgnoreBOM), "utf-32le"
	case bytes.HasPrefix(b, []byte{0x00, 0x3C, 0x00, 0x3F}), bytes.HasPrefix(b, []byte{0x00, 0x3C, 0x00}) && len(b) > 3 && b[3] != 0:
		return unicode.UTF16(unicode.BigEndian, unicode.IgnoreBOM), "utf-16be"
	case bytes.HasPrefix(b, []byte{0x3C, 0x00, 0x3F, 0x00}), bytes.HasPrefix(b, []byte{0x3C, 0x00}) && len(b) > 3 && b[2] != 0 && b[3] == 0:
		return unicode.UTF16(unicode.LittleEndian, unicode.IgnoreBOM), "utf-16le"
	}
	// After leading white space or a comment: a NUL in every other byte,
	// on one side only.
	head := b[:min(len(b), 512)]
	var even, odd int
	for i, c := range head {
		if c == 0 {
			if i%2 == 0 {
				even++
			} else {
				odd++
			}
		}
	}
	switch {
	case len(head) >= 16 && odd >= len(head)/8 && even*8 <= odd:
		return unicode.UTF16(unicode.LittleEndian, unicode.IgnoreBOM), "utf-16le"
	case len(head) >= 16 && even >= len(head)/8 && odd*8 <= even:
		return unicode.UTF16(unicode.BigEndian, unicode.IgnoreBOM), "utf-16be"
	}
	return nil, ""
}

// metaCharset finds <meta charset=...> or <meta http-equiv=content-type
// content="...; charset=..."> in the head of a page.
func metaCharset(body []byte) string {
	if len(body) > metaScanBytes {
		body = body[:metaScanBytes]
	}
	z := html.NewTokenizer(bytes.NewReader(body))
	for {
		switch z.Next() {
		case html.ErrorToken:
			return ""
		case html.StartTagToken, html.SelfClosingTagToken:
			name, hasAttr := z.TagName()
			switch string(name) {
			case "body":
				return ""
			case "meta":
			default:
				continue
			}
			var cs, equiv, content string
			for hasAttr {
				var k, v []byte
				k, v, hasAttr = z.TagAttr()
				switch strings.ToLower(string(k)) {
				case "charset":
					cs = string(v)
				case "http-equiv":
					equiv = strings.ToLower(string(v))
				case "content":
					content = string(v)
				}
			}
			if cs == "" && equiv == "content-type" {
				cs = HeaderCharset(content)
			}
			if enc, _ := Lookup(cs); enc != nil {
				return cs
			}
		}
	}
}

func trimLeadingSpace(b []byte) []byte {
	// Also drop a UTF-8 BOM left after conversion from UTF-16/32.
	for {
		b = bytes.TrimLeft(b, " \t\r\n\f\v\x00")
		if !bytes.HasPrefix(b, []byte("\xEF\xBB\xBF")) {
			return b
		}
		b = b[3:]
	}
}

var (
	xmlDeclRe  = regexp.MustCompile(`^<\?xml[^>]*?\?>`)
	encAttrRe  = regexp.MustCompile(`(?i)\sencoding\s*=\s*["']?([A-Za-z0-9._:\-]*)["']?`)
	declPrefix = []byte("<?xml")
)

// xmlDeclared reads encoding="..." from the XML declaration.
func xmlDeclared(b []byte) string {
	if !bytes.HasPrefix(b, declPrefix) {
		return ""
	}
	decl := xmlDeclRe.Find(b[:min(len(b), 512)])
	if decl == nil {
		return ""
	}
	if m := encAttrRe.FindSubmatch(decl); m != nil {
		return string(m[1])
	}
	return ""
}

// fixDeclaration rewrites the XML declaration's encoding to utf-8.
func fixDeclaration(b []byte) []byte {
	if !bytes.HasPrefix(b, declPrefix) {
		return b
	}
	loc := xmlDeclRe.FindIndex(b[:min(len(b), 512)])
	if loc == nil {
		return b
	}
	decl := b[:loc[1]]
	m := encAttrRe.FindSubmatchIndex(decl)
	if m == nil || strings.EqualFold(string(decl[m[2]:m[3]]), "utf-8") {
		return b
	}
	out := make([]byte, 0, len(b))
	out = append(out, decl[:m[0]]...)
	out = append(out, ` encoding="utf-8"`...)
	out = append(out, decl[m[1]:]...)
	out = append(out, b[loc[1]:]...)
	return out
}

// mostlyUTF8 reports whether invalid bytes are rare next to well-formed
// multi-byte sequences. Real Latin-1 text almost never forms valid UTF-8
// multi-byte sequences, so any number of them is strong evidence.
func mostlyUTF8(b []byte) bool {
	var multi, invalid int
	for len(b) > 0 {
		if b[0] < utf8.RuneSelf {
			b = b[1:]
			continue
		}
		r, size := utf8.DecodeRune(b)
		if r == utf8.RuneError && size == 1 {
			invalid++
		} else {
			multi++
		}
		b = b[size:]
	}
	return multi > 0 && multi >= 4*invalid
}
