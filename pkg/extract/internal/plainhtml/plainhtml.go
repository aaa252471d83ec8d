// Package plainhtml rewrites a page without semantic markup, for the
// extraction benchmark's stress test (extractbench -plain) and for
// training the block model on the 2019 set as pages of other eras look.
package plainhtml

import (
	"bytes"
	"fmt"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// Rewrite rewrites a page the way pages were written before semantic
// markup: the HTML5 sectioning elements become <div>s (and <time> a
// <span>, without its datetime), every class, id, role, microdata, ARIA
// and data- attribute is dropped, and JSON-LD is removed. The words on the
// page stay as they were. Scoring every extractor on such pages
// (extractbench -plain) shows how much each leans on the signals that
// modern templates give and that pages of other sites and years lack.
func Rewrite(page []byte) ([]byte, error) {
	doc, err := html.Parse(bytes.NewReader(page))
	if err != nil {
		return nil, fmt.Errorf("parse: %w", err)
	}
	plainNode(doc)
	var buf bytes.Buffer
	if err := html.Render(&buf, doc); err != nil {
		return nil, fmt.Errorf("render: %w", err)
	}
	return buf.Bytes(), nil
}

// asDiv are the elements that become <div>: they name a part of the page.
var asDiv = map[atom.Atom]bool{
	atom.Article: true, atom.Main: true, atom.Section: true, atom.Header: true,
	atom.Footer: true, atom.Nav: true, atom.Aside: true, atom.Figure: true,
	atom.Figcaption: true, atom.Address: true, atom.Hgroup: true,
}

func plainNode(n *html.Node) {
	for c := n.FirstChild; c != nil; {
		next := c.NextSibling
		if c.Type == html.ElementNode && c.DataAtom == atom.Script && strings.Contains(strings.ToLower(attr(c, "type")), "ld+json") {
			n.RemoveChild(c)
			c = next
			continue
		}
		plainNode(c)
		c = next
	}
	if n.Type != html.ElementNode {
		return
	}
	switch {
	case asDiv[n.DataAtom]:
		n.DataAtom, n.Data = atom.Div, "div"
	case n.DataAtom == atom.Time:
		n.DataAtom, n.Data = atom.Span, "span"
	}
	kept := n.Attr[:0]
	for _, a := range n.Attr {
		k := strings.ToLower(a.Key)
		switch {
		case k == "class" || k == "id" || k == "role" || k == "datetime",
			strings.HasPrefix(k, "item"), strings.HasPrefix(k, "aria-"), strings.HasPrefix(k, "data-"):
			continue
		}
		kept = append(kept, a)
	}
	n.Attr = kept
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if strings.EqualFold(a.Key, key) {
			return a.Val
		}
	}
	return ""
}
