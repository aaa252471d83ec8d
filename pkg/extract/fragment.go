package extract

import (
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// FragmentText is the plain text of an HTML fragment such as a feed item's
// description or content, paragraphs separated by blank lines. It applies
// no boilerplate heuristics: the parser uses it when an item's page could
// not be fetched and the feed's own text is all there is.
func FragmentText(fragment string) string {
	ctx := &html.Node{Type: html.ElementNode, Data: "div", DataAtom: atom.Div}
	nodes, err := html.ParseFragment(strings.NewReader(fragment), ctx)
	if err != nil {
		return cleanText(fragment)
	}
	root := &html.Node{Type: html.ElementNode, Data: "div", DataAtom: atom.Div}
	for _, n := range nodes {
		root.AppendChild(n)
	}
	return strings.Join(paragraphs(root), "\n\n")
}

// dropLeadingTitle removes a first paragraph that only repeats the title:
// the headline is the article's title, not part of its body.
func dropLeadingTitle(body, title string) string {
	first, rest, _ := strings.Cut(body, "\n\n")
	norm := func(s string) string { return strings.ToLower(strings.Join(strings.Fields(s), " ")) }
	if title != "" && norm(first) == norm(title) {
		return rest
	}
	return body
}
