package feed

import (
	"bytes"
	"fmt"
	"mime"
	"regexp"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/htmlindex"
	"golang.org/x/text/encoding/ianaindex"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/encoding/unicode/utf32"
)

// toUTF8 converts a feed document to UTF-8 and makes its XML declaration,
// if any, say so. It returns the document and the encoding it read.
//
// The order of evidence: a byte order mark; the byte pattern of a UTF-16 or
// UTF-32 "<"; the Content-Type charset; the XML declaration; and finally,
// for bytes that are not valid UTF-8, windows-1252 (the superset of
// ISO-8859-1 that real "Latin-1" feeds use). A declared UTF-8 that is not
// valid UTF-8 falls through to the next piece of evidence.
func toUTF8(body []byte, contentType string) ([]byte, string, error) {
	if len(body) >= 2 && body[0] == 0x1f && body[1] == 0x8b {
		// pkg/fetch inflates gzip bodies, declared or not, under its size
		// and ratio limits; one still compressed here is not a document.
		return nil, "", fmt.Errorf("%w: gzip-compressed data", ErrNotAFeed)
	}

	if enc, name, n := sniffUnicode(body); enc != nil {
		out, err := enc.NewDecoder().Bytes(body[n:])
		if err != nil {
			return nil, name, fmt.Errorf("decode %s: %w", name, err)
		}
		return fixDeclaration(trimLeadingSpace(out)), name, nil
	}

	body = trimLeadingSpace(body)
	var candidates []string
	if cs := headerCharset(contentType); cs != "" {
		candidates = append(candidates, cs)
	}
	if cs := declaredEncoding(body); cs != "" {
		candidates = append(candidates, cs)
	}
	valid := utf8.Valid(body)
	for _, label := range candidates {
		enc, name := lookupEncoding(label)
		switch {
		case enc == nil:
			continue // unknown label: look further
		case name == "utf-8":
			if valid {
				return fixDeclaration(body), name, nil
			}
			continue
		case strings.HasPrefix(name, "utf-16") || strings.HasPrefix(name, "utf-32"):
			// No BOM and no NUL pattern: the bytes are ASCII-compatible,
			// so the declaration is wrong.
			continue
		}
		out, err := enc.NewDecoder().Bytes(body)
		if err != nil {
			continue
		}
		return fixDeclaration(out), name, nil
	}
	if valid {
		return fixDeclaration(body), "utf-8", nil
	}
	if mostlyUTF8(body) {
		// UTF-8 with a few stray bytes (a bad copy-paste in one item) is
		// still UTF-8; reading it all as windows-1252 would garble the rest.
		return fixDeclaration(bytes.ToValidUTF8(body, []byte("\uFFFD"))), "utf-8", nil
	}
	out, err := charmap.Windows1252.NewDecoder().Bytes(body)
	if err != nil {
		return nil, "windows-1252", fmt.Errorf("decode windows-1252: %w", err)
	}
	return fixDeclaration(out), "windows-1252", nil
}

// sniffUnicode recognises UTF-8/16/32 by BOM, and UTF-16/32 without BOM by
// the NUL pattern of a leading '<' (XML 1.0 Appendix F). It returns the
// decoder and how many BOM bytes to skip.
func sniffUnicode(b []byte) (encoding.Encoding, string, int) {
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
	case bytes.HasPrefix(b, []byte{0x00, 0x00, 0x00, 0x3C}):
		return utf32.UTF32(utf32.BigEndian, utf32.IgnoreBOM), "utf-32be", 0
	case bytes.HasPrefix(b, []byte{0x3C, 0x00, 0x00, 0x00}):
		return utf32.UTF32(utf32.LittleEndian, utf32.IgnoreBOM), "utf-32le", 0
	case bytes.HasPrefix(b, []byte{0x00, 0x3C, 0x00, 0x3F}), bytes.HasPrefix(b, []byte{0x00, 0x3C, 0x00}) && len(b) > 3 && b[3] != 0:
		return unicode.UTF16(unicode.BigEndian, unicode.IgnoreBOM), "utf-16be", 0
	case bytes.HasPrefix(b, []byte{0x3C, 0x00, 0x3F, 0x00}), bytes.HasPrefix(b, []byte{0x3C, 0x00}) && len(b) > 3 && b[2] != 0 && b[3] == 0:
		return unicode.UTF16(unicode.LittleEndian, unicode.IgnoreBOM), "utf-16le", 0
	}
	// UTF-16 without BOM after leading whitespace or a comment: ASCII
	// markup leaves a NUL in every other byte, on one side only.
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
		return unicode.UTF16(unicode.LittleEndian, unicode.IgnoreBOM), "utf-16le", 0
	case len(head) >= 16 && even >= len(head)/8 && odd*8 <= even:
		return unicode.UTF16(unicode.BigEndian, unicode.IgnoreBOM), "utf-16be", 0
	}
	return nil, "", 0
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

func headerCharset(contentType string) string {
	if contentType == "" {
		return ""
	}
	if _, params, err := mime.ParseMediaType(contentType); err == nil {
		return params["charset"]
	}
	return ""
}

var (
	xmlDeclRe  = regexp.MustCompile(`^<\?xml[^>]*?\?>`)
	encAttrRe  = regexp.MustCompile(`(?i)\sencoding\s*=\s*["']?([A-Za-z0-9._:\-]*)["']?`)
	declPrefix = []byte("<?xml")
)

// declaredEncoding reads encoding="..." from the XML declaration.
func declaredEncoding(b []byte) string {
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

// fixDeclaration rewrites the XML declaration's encoding to utf-8 (the
// document now is), so the XML reader does not convert it a second time.
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

// lookupEncoding maps a charset label to an encoding: the WHATWG table
// first (it maps ISO-8859-1 to windows-1252, as browsers do), then IANA.
func lookupEncoding(label string) (encoding.Encoding, string) {
	label = strings.ToLower(strings.TrimSpace(label))
	if label == "" {
		return nil, ""
	}
	if enc, err := htmlindex.Get(label); err == nil && enc != nil {
		name, _ := htmlindex.Name(enc)
		return enc, name
	}
	if enc, err := ianaindex.IANA.Encoding(label); err == nil && enc != nil {
		name, _ := ianaindex.IANA.Name(enc)
		return enc, strings.ToLower(name)
	}
	return nil, ""
}

// stripControl removes characters XML 1.0 forbids (C0 controls other than
// tab, CR, LF) that real feeds contain and strict parsers choke on.
func stripControl(b []byte) []byte {
	if bytes.IndexFunc(b, isBadControl) < 0 {
		return b
	}
	return bytes.Map(func(r rune) rune {
		if isBadControl(r) {
			return -1
		}
		return r
	}, b)
}

func isBadControl(r rune) bool {
	return (r < 0x20 && r != '\t' && r != '\n' && r != '\r') || r == 0xFFFE || r == 0xFFFF
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
