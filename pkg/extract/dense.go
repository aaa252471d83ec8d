package extract

import (
	"strings"

	"golang.org/x/net/html"
)

// maxLibraryElements is the largest page (in elements) handed to
// trafilatura and readability: both grow faster than linearly with the
// element count, and real article pages stay far below it (the benchmark's
// largest has under 2,000). Larger pages get the linear densestBlock.
const maxLibraryElements = 20000

// countElements counts element nodes under n, stopping past limit.
func countElements(n *html.Node, limit int) int {
	count := 0
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		for c := n.FirstChild; c != nil && count <= limit; c = c.NextSibling {
			if c.Type == html.ElementNode {
				count++
				walk(c)
			}
		}
	}
	walk(n)
	return count
}

// densestBlock is parley's own linear main-text method for pages too large
// for the libraries: every block scores the length of its own running text
// (text not inside links or nested blocks, when links are less than half
// of it); a block's score also counts fully for its parent and half for
// its grandparent, as in readability; the best-scoring element's text is
// the body.
func densestBlock(root *html.Node) []string {
	scores := map[*html.Node]int{}
	var best *html.Node
	bestScore := 0
	add := func(n *html.Node, s int) {
		if n == nil || n.Type != html.ElementNode {
			return
		}
		scores[n] += s
		if scores[n] > bestScore {
			best, bestScore = n, scores[n]
		}
	}
	var visit func(*html.Node)
	visit = func(n *html.Node) {
		if n.Type == html.ElementNode {
			switch n.Data {
			case "nav", "footer", "script", "style", "noscript", "template", "select", "button", "aside", "form":
				return
			}
		}
		if n.Type == html.ElementNode && blockTags[n.Data] {
			own, linked := ownText(n)
			if own >= 25 && 2*linked < own {
				add(n, own)
				add(n.Parent, own)
				if n.Parent != nil {
					add(n.Parent.Parent, own/2)
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			visit(c)
		}
	}
	visit(root)
	if best == nil {
		return nil
	}
	return paragraphs(best)
}

// ownText measures the text directly inside a block: in text nodes and
// inline children, not in nested blocks. linked is the part inside links.
func ownText(n *html.Node) (own, linked int) {
	var inline func(c *html.Node, inLink bool)
	inline = func(c *html.Node, inLink bool) {
		for ; c != nil; c = c.NextSibling {
			switch {
			case c.Type == html.TextNode:
				l := len(strings.TrimSpace(c.Data))
				own += l
				if inLink {
					linked += l
				}
			case c.Type == html.ElementNode && !blockTags[c.Data] && !skipTags[c.Data]:
				inline(c.FirstChild, inLink || isLink(c))
			}
		}
	}
	inline(n.FirstChild, false)
	return own, linked
}
