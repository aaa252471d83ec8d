package fetch

import (
	"bytes"
	"fmt"
	"mime"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/html"
	"golang.org/x/net/html/charset"
	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/htmlindex"
	"golang.org/x/text/encoding/unicode"
)

// metaScanBytes is how far into a page DecodeHTML looks for <meta charset>.
// The HTML standard's prescan stops at 1024 bytes, but many real pages put
// the declaration after long scripts or styles in <head>.
const metaScanBytes = 32 << 10

// DecodeHTML converts an HTML page to UTF-8 and returns the name of the
// encoding it used. The encoding is taken from, in order: a byte order mark
// (it describes the bytes themselves, so it wins over a header, as the HTML
// standard says), the Content-Type charset, a <meta charset> or http-equiv
// declaration, and finally sniffing (UTF-8 when valid, else windows-1252).
// Unknown charset labels are skipped, never fatal.
func DecodeHTML(body []byte, contentType string) ([]byte, string, error) {
	enc, name := detectHTML(body, contentType)
	out, err := decodeWith(enc, name, body)
	if err != nil {
		return nil, name, fmt.Errorf("decode html as %s: %w", name, err)
	}
	return out, name, nil
}

func detectHTML(body []byte, contentType string) (encoding.Encoding, string) {
	if enc, name := bomEncoding(body); enc != nil {
		return enc, name
	}
	if enc, name := headerEncoding(contentType); enc != nil {
		return enc, name
	}
	if enc, name := metaEncoding(body); enc != nil {
		return enc, name
	}
	if utf8.Valid(body) {
		return unicode.UTF8, "utf-8"
	}
	enc, name, _ := charset.DetermineEncoding(body, "")
	return enc, canonicalName(enc, name)
}

func bomEncoding(b []byte) (encoding.Encoding, string) {
	switch {
	case bytes.HasPrefix(b, []byte{0xEF, 0xBB, 0xBF}):
		return unicode.UTF8, "utf-8"
	case bytes.HasPrefix(b, []byte{0xFE, 0xFF}):
		return unicode.UTF16(unicode.BigEndian, unicode.ExpectBOM), "utf-16be"
	case bytes.HasPrefix(b, []byte{0xFF, 0xFE}):
		return unicode.UTF16(unicode.LittleEndian, unicode.ExpectBOM), "utf-16le"
	}
	return nil, ""
}

func headerEncoding(contentType string) (encoding.Encoding, string) {
	if contentType == "" {
		return nil, ""
	}
	_, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		// Be lenient with broken headers such as "text/html;charset=".
		i := strings.Index(strings.ToLower(contentType), "charset=")
		if i < 0 {
			return nil, ""
		}
		params = map[string]string{"charset": strings.Trim(contentType[i+len("charset="):], "\"' ;")}
	}
	return lookup(params["charset"])
}

// lookup maps a charset label to an encoding by the WHATWG table.
func lookup(label string) (encoding.Encoding, string) {
	label = strings.TrimSpace(strings.Trim(label, "\"'"))
	if label == "" {
		return nil, ""
	}
	enc, err := htmlindex.Get(label)
	if err != nil || enc == nil {
		return nil, ""
	}
	return enc, canonicalName(enc, label)
}

func canonicalName(enc encoding.Encoding, fallback string) string {
	if n, err := htmlindex.Name(enc); err == nil {
		return n
	}
	return strings.ToLower(fallback)
}

// metaEncoding finds <meta charset=...> or <meta http-equiv=content-type
// content="...; charset=..."> in the head.
func metaEncoding(body []byte) (encoding.Encoding, string) {
	if len(body) > metaScanBytes {
		body = body[:metaScanBytes]
	}
	z := html.NewTokenizer(bytes.NewReader(body))
	for {
		switch z.Next() {
		case html.ErrorToken:
			return nil, ""
		case html.StartTagToken, html.SelfClosingTagToken:
			name, hasAttr := z.TagName()
			switch string(name) {
			case "body":
				return nil, ""
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
				if enc, name := headerEncoding(content); enc != nil {
					return metaFixup(enc, name)
				}
			}
			if enc, name := lookup(cs); enc != nil {
				return metaFixup(enc, name)
			}
		}
	}
}

// metaFixup applies the HTML rule that a UTF-16 declaration inside the
// document means UTF-8: the document could not have been read otherwise.
func metaFixup(enc encoding.Encoding, name string) (encoding.Encoding, string) {
	if strings.HasPrefix(name, "utf-16") {
		return unicode.UTF8, "utf-8"
	}
	return enc, name
}

func decodeWith(enc encoding.Encoding, name string, body []byte) ([]byte, error) {
	if name == "utf-8" {
		body = bytes.TrimPrefix(body, []byte{0xEF, 0xBB, 0xBF})
		if utf8.Valid(body) {
			return body, nil
		}
		return bytes.ToValidUTF8(body, []byte("\uFFFD")), nil
	}
	// ExpectBOM UTF-16 decoders strip the BOM themselves.
	out, err := enc.NewDecoder().Bytes(body)
	if err != nil {
		return nil, err
	}
	return bytes.ToValidUTF8(out, []byte("\uFFFD")), nil
}
