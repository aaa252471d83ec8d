package extract

import (
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// wrapLooseText puts the text that stands straight in a container beside
// its blocks into paragraphs of its own, in place. Pages of the 2000s set
// an article as bare text in a <div> or a table cell, its paragraphs
// parted by <br><br>, between the boxes of its photos and headings
// ("...<div class=photo>...</div>First paragraph.<br><br>Second.<p>...").
// Trafilatura reads such text as the tail of the element before it and
// drops it with that element, so it keeps the captions and loses the
// article. Each run of text and inline elements between a container's
// blocks that has text of its own, outside any element, becomes a <p>
// (one <p> a part where a blank line, two <br>, parts it); a run of
// inline elements only is read by trafilatura as it is, and a container
// with no block children is left as it is.
func wrapLooseText(root *html.Node) []*html.Node {
	var containers []*html.Node
	var find func(*html.Node)
	find = func(n *html.Node) {
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			if c.Type != html.ElementNode || skipTags[c.Data] {
				continue
			}
			if looseContainers[c.DataAtom] && hasBlockChild(c) {
				containers = append(containers, c)
			}
			find(c)
		}
	}
	find(root)
	var wrapped []*html.Node
	for _, c := range containers {
		wrapped = wrapRuns(c, wrapped)
	}
	return wrapped
}

// unwrapText undoes wrapLooseText: each <p> it made gives its children
// back to its parent.
func unwrapText(wrapped []*html.Node) {
	for _, p := range wrapped {
		for c := p.FirstChild; c != nil; c = p.FirstChild {
			p.RemoveChild(c)
			p.Parent.InsertBefore(c, p)
		}
		p.Parent.RemoveChild(p)
	}
}

// looseContainers are the elements whose loose text wrapLooseText wraps.
var looseContainers = map[atom.Atom]bool{
	atom.Body: true, atom.Div: true, atom.Td: true, atom.Th: true, atom.Section: true,
	atom.Article: true, atom.Main: true, atom.Center: true, atom.Blockquote: true, atom.Form: true,
}

func hasBlockChild(n *html.Node) bool {
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if isBlock(c) {
			return true
		}
	}
	return false
}

// isBlock reports whether n is an element that starts and ends a
// paragraph of text (blockTags).
func isBlock(n *html.Node) bool {
	return n.Type == html.ElementNode && blockTags[n.Data]
}

// wrapRuns wraps each run of c's inline children that has text of its
// own (runHasText) in a <p>, parting a run at a blank line (two <br> with
// only white space between), and returns wrapped with the new <p>s.
func wrapRuns(c *html.Node, wrapped []*html.Node) []*html.Node {
	var run []*html.Node
	flush := func() {
		for len(run) > 0 && run[len(run)-1].DataAtom == atom.Br {
			run = run[:len(run)-1]
		}
		if len(run) > 0 && runHasText(run) {
			p := &html.Node{Type: html.ElementNode, Data: "p", DataAtom: atom.P}
			c.InsertBefore(p, run[0])
			wrapped = append(wrapped, p)
			for _, n := range run {
				c.RemoveChild(n)
				p.AppendChild(n)
			}
		}
		run = run[:0]
	}
	for n := c.FirstChild; n != nil; {
		next := n.NextSibling
		switch {
		case isBlock(n) || n.Type == html.ElementNode && skipTags[n.Data]:
			flush()
		case n.DataAtom == atom.Br && blankLineAfter(n):
			flush()
		case len(run) == 0 && (n.DataAtom == atom.Br || n.Type == html.TextNode && strings.TrimSpace(n.Data) == ""):
			// nothing to open a paragraph with
		default:
			run = append(run, n)
		}
		n = next
	}
	flush()
	return wrapped
}

// blankLineAfter reports whether br is followed, past white space, by
// another <br>: the two make a blank line between paragraphs.
func blankLineAfter(br *html.Node) bool {
	for n := br.NextSibling; n != nil; n = n.NextSibling {
		if n.DataAtom == atom.Br {
			return true
		}
		if n.Type != html.TextNode || strings.TrimSpace(n.Data) != "" {
			return false
		}
	}
	return false
}

// runHasText reports whether a run has text of its own, outside any
// element, that is not white space: the text trafilatura drops (the
// inline elements around it it reads).
func runHasText(run []*html.Node) bool {
	for _, n := range run {
		if n.Type == html.TextNode && strings.TrimSpace(n.Data) != "" {
			return true
		}
	}
	return false
}
