package feed

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"io"
	"net/url"
	"strings"
)

// discoverHub finds the WebSub hub and self link a feed document
// advertises: <link rel="hub" href> and <link rel="self" href> (Atom's own
// or atom:link inside RSS) before the first item, or JSON Feed's "hubs"
// and "feed_url". Both are absolute http(s) URLs, or empty.
func discoverHub(doc []byte, feedURL string) (hub, self string) {
	base, _ := url.Parse(feedURL)
	abs := func(ref string) string {
		u, err := url.Parse(strings.TrimSpace(ref))
		if err != nil {
			return ""
		}
		if base != nil {
			u = base.ResolveReference(u)
		}
		if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return ""
		}
		return u.String()
	}
	if len(doc) > 0 && doc[0] == '{' {
		var jf struct {
			FeedURL string `json:"feed_url"`
			Hubs    []struct {
				Type string `json:"type"`
				URL  string `json:"url"`
			} `json:"hubs"`
		}
		if json.Unmarshal(doc, &jf) != nil {
			return "", ""
		}
		for _, h := range jf.Hubs {
			if strings.EqualFold(h.Type, "websub") || strings.EqualFold(h.Type, "pubsubhubbub") {
				hub = abs(h.URL)
				break
			}
		}
		return hub, abs(jf.FeedURL)
	}
	d := xml.NewDecoder(io.LimitReader(bytes.NewReader(doc), 256<<10))
	d.Strict = false
	d.CharsetReader = func(_ string, r io.Reader) (io.Reader, error) { return r, nil } // doc is UTF-8 already
	for {
		tok, err := d.Token()
		if err != nil {
			return hub, self
		}
		se, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		switch strings.ToLower(se.Name.Local) {
		case "item", "entry":
			return hub, self
		case "link":
			var rel, href string
			for _, a := range se.Attr {
				switch strings.ToLower(a.Name.Local) {
				case "rel":
					rel = strings.ToLower(strings.TrimSpace(a.Value))
				case "href":
					href = a.Value
				}
			}
			switch {
			case rel == "hub" && hub == "":
				hub = abs(href)
			case rel == "self" && self == "":
				self = abs(href)
			}
		}
	}
}
