package feed

import (
	"bytes"
	"encoding/xml"
	"net/url"
	"strings"

	"github.com/mmcdole/gofeed"

	"github.com/parley-news/parley/pkg/docdate"
)

// parseCDF reads Microsoft's Channel Definition Format (a <CHANNEL> root
// holding <ITEM HREF=... LASTMOD=...> elements), which a few old sites still
// serve and gofeed does not know. ok is false when the root is not CHANNEL.
func parseCDF(doc []byte) (*gofeed.Feed, bool) {
	d := xml.NewDecoder(bytes.NewReader(doc))
	d.Strict = false
	d.AutoClose = xml.HTMLAutoClose
	d.Entity = xml.HTMLEntity

	var (
		gf     *gofeed.Feed
		bases  []*url.URL // BASE / xml:base in scope, innermost last
		item   *gofeed.Item
		text   strings.Builder
		inChan int
	)
	baseNow := func() *url.URL {
		if len(bases) == 0 {
			return nil
		}
		return bases[len(bases)-1]
	}
	for {
		tok, err := d.Token()
		if err != nil {
			break
		}
		switch t := tok.(type) {
		case xml.StartElement:
			name := strings.ToLower(t.Name.Local)
			if gf == nil {
				if name != "channel" {
					return nil, false
				}
				gf = &gofeed.Feed{FeedType: "cdf"}
			}
			b := baseNow()
			for _, a := range t.Attr {
				if strings.EqualFold(a.Name.Local, "base") {
					if u, err := url.Parse(strings.TrimSpace(a.Value)); err == nil {
						if b != nil {
							u = b.ResolveReference(u)
						}
						b = u
					}
				}
			}
			bases = append(bases, b)
			switch name {
			case "channel":
				inChan++
				if inChan == 1 {
					gf.Link = absolute(b, attr(t, "href"))
					gf.Updated = attr(t, "lastmod")
				}
			case "item":
				if item == nil {
					item = &gofeed.Item{Link: absolute(b, attr(t, "href"))}
					if lm := attr(t, "lastmod"); lm != "" {
						item.Updated = lm
						if tm, ok := docdate.Parse(lm); ok {
							item.UpdatedParsed = &tm
						}
					}
				}
			}
			text.Reset()
		case xml.CharData:
			text.Write(t)
		case xml.EndElement:
			if len(bases) > 0 {
				bases = bases[:len(bases)-1]
			}
			s := strings.TrimSpace(text.String())
			switch strings.ToLower(t.Name.Local) {
			case "title":
				if item != nil {
					item.Title = s
				} else if gf != nil && inChan == 1 {
					gf.Title = s
				}
			case "abstract":
				if item != nil {
					item.Description = s
				} else if gf != nil && inChan == 1 {
					gf.Description = s
				}
			case "item":
				if item != nil && gf != nil {
					gf.Items = append(gf.Items, item)
				}
				item = nil
			case "channel":
				inChan--
			}
			text.Reset()
		}
	}
	return gf, gf != nil
}

func attr(t xml.StartElement, name string) string {
	for _, a := range t.Attr {
		if strings.EqualFold(a.Name.Local, name) {
			return strings.TrimSpace(a.Value)
		}
	}
	return ""
}
