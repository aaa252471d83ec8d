package feed

import (
	"bytes"
	"fmt"

	"github.com/parley-news/parley/pkg/charset"
)

// declPrefix starts an XML declaration.
var declPrefix = []byte("<?xml")

// toUTF8 converts a feed document to UTF-8 (package charset, with its XML
// declaration rewritten to say so) and returns the encoding it read.
func toUTF8(body []byte, contentType string) ([]byte, string, error) {
	if len(body) >= 2 && body[0] == 0x1f && body[1] == 0x8b {
		// pkg/fetch inflates gzip bodies, declared or not, under its size
		// and ratio limits; one still compressed here is not a document.
		return nil, "", fmt.Errorf("%w: gzip-compressed data", ErrNotAFeed)
	}
	return charset.XML(body, contentType)
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
