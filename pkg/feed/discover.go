package feed

import (
	"bytes"
	"net/url"
	"strings"

	"golang.org/x/net/html"
)

// feedTypes are the <link type> values that announce a feed.
var feedTypes = map[string]bool{
	"application/rss+xml":   true,
	"application/atom+xml":  true,
	"application/rdf+xml":   true,
	"application/feed+json": true,
	"application/json":      false, // too generic on its own
	"text/xml":              false,
}

// Discover returns the feeds an HTML page advertises with
// <link rel="alternate" type="application/rss+xml|atom+xml|feed+json">,
// resolved against the page's <base href> or base, in document order and
// without duplicates.
func Discover(page []byte, base string) []string {
	b, _ := url.Parse(base)
	if b != nil && !b.IsAbs() {
		b = nil
	}
	var out []string
	seen := map[string]bool{}
	z := html.NewTokenizer(bytes.NewReader(page))
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			return out
		}
		if tt != html.StartTagToken && tt != html.SelfClosingTagToken {
			continue
		}
		name, hasAttr := z.TagName()
		tag := string(name)
		if tag != "link" && tag != "base" {
			continue
		}
		attrs := map[string]string{}
		for hasAttr {
			var k, v []byte
			k, v, hasAttr = z.TagAttr()
			attrs[strings.ToLower(string(k))] = strings.TrimSpace(string(v))
		}
		if tag == "base" {
			if u, err := url.Parse(attrs["href"]); err == nil && attrs["href"] != "" {
				if b != nil {
					u = b.ResolveReference(u)
				}
				if u.IsAbs() {
					b = u
				}
			}
			continue
		}
		if !hasToken(attrs["rel"], "alternate") || attrs["href"] == "" {
			continue
		}
		typ := strings.ToLower(attrs["type"])
		if i := strings.IndexByte(typ, ';'); i >= 0 {
			typ = strings.TrimSpace(typ[:i])
		}
		if !feedTypes[typ] {
			continue
		}
		u := absolute(b, attrs["href"])
		if !seen[u] {
			seen[u] = true
			out = append(out, u)
		}
	}
}

func hasToken(list, tok string) bool {
	for _, f := range strings.Fields(list) {
		if strings.EqualFold(f, tok) {
			return true
		}
	}
	return false
}
