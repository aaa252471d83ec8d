package extract

import (
	"regexp"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"github.com/parley-news/parley/pkg/docdate"
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
// the headline is the article's title, not part of its body. On old pages
// the headline is a line of a block that also holds a date line above it
// and a byline below ("Posted: 14 October 2008<br>Headline<br>By Name");
// that header is removed with it, and the rest of the block kept.
func dropLeadingTitle(body, title string) string {
	first, rest, _ := strings.Cut(body, "\n\n")
	norm := func(s string) string { return strings.ToLower(strings.Join(strings.Fields(s), " ")) }
	if title == "" {
		return body
	}
	if norm(first) == norm(title) {
		return rest
	}
	lines := strings.Split(first, "\n")
	if len(lines) < 2 || len(lines) > maxHeaderLines {
		return body
	}
	heads := []string{title}
	if part := longestTitlePart(title); part != title {
		heads = append(heads, part)
	}
	for i, l := range lines {
		if !slices.ContainsFunc(heads, func(h string) bool { return norm(l) == norm(h) }) {
			continue
		}
		kept := lines[i+1:]
		for len(kept) > 0 && (byPrefix.MatchString(kept[0]) && len(words(kept[0])) <= 8 || isDateLine(kept[0])) {
			kept = kept[1:]
		}
		head := strings.Join(kept, "\n")
		switch {
		case head == "":
			return rest
		case rest == "":
			return head
		}
		return head + "\n\n" + rest
	}
	return body
}

// isDateLine reports whether a line is a date, perhaps with a word or two
// before it ("Posted 14 October 2008"): a year and a month's name in
// maxDateWords words at most.
func isDateLine(l string) bool {
	return len(words(l)) <= maxDateWords && hasDate(l)
}

// hasDate reports whether a line holds a date written with its month's
// name (a year and a month's name in any language docdate reads) or in
// figures year first ("2007-01-24 18:05", "2012/11/06"), which no other
// figures are read as, unlike a lone year or "05/12/2011".
func hasDate(l string) bool {
	return yearRe.MatchString(l) && docdate.HasMonthName(l) || yearFirst.MatchString(l)
}

var yearFirst = regexp.MustCompile(`\b(?:19|20)\d{2}([-/.])(?:0?[1-9]|1[0-2])([-/.])(?:0?[1-9]|[12]\d|3[01])\b`)

// maxHeaderLines is the most lines an article's header block (kicker,
// date, headline, byline) has.
const maxHeaderLines = 5

// headerHeadline returns the headline of the header block an old page's
// text opens with ("Press release No. 214/2009", the headline, "Vienna,
// 27 November 2009", then the release): the last of the block's lines
// that is not a date line or a byline, of 3 to 20 words and not a
// sentence. The block is the text's first paragraph when it has 2 to
// maxHeaderLines lines and a paragraph follows it.
func headerHeadline(body string) string {
	first, rest, _ := strings.Cut(body, "\n\n")
	lines := strings.Split(first, "\n")
	if rest == "" || len(lines) < 2 || len(lines) > maxHeaderLines {
		return ""
	}
	for i := len(lines) - 1; i >= 0; i-- {
		l := strings.TrimSpace(lines[i])
		if isDateLine(l) || byPrefix.MatchString(l) {
			continue
		}
		if n := len(words(l)); n < 3 || n > 20 || endsSentence(l) {
			return ""
		}
		return l
	}
	return ""
}

// maxHeadlineReach is how many page paragraphs above the text
// headlineAbove looks through: a headline, a standfirst, a date line, a
// toolbar and a photo with its caption stand between an old page's
// headline and its text.
const maxHeadlineReach = 8

// headlineAbove returns the headline of a page whose <title> is only the
// site's name and whose headline is a line of its own above the text
// rather than a heading ("Vecinos de La Ribera cortaron la ruta 14", a
// table cell above the standfirst and the date line): of the lines of the
// maxHeadlineReach page paragraphs above the text's first one, the longest
// (the nearest of equal length) of 3 to 20 words that is not a sentence,
// a date ("Last updated: Nov 20, 2019 01:41 PM"), a byline, a link's text
// or a caption (a line beside an image, apart from the text): a kicker
// ("Epidemia") and an update's time ("atualizado às 15h47") are shorter
// than the headline. "" when there is none.
func (ix *pageIndex) headlineAbove(body string) string {
	if ix == nil {
		return ""
	}
	at := ix.start(strings.Split(body, "\n\n"))
	if at < 0 {
		return ""
	}
	text := ix.owner[at]
	best, most := "", 0
	for i := at - 1; i >= 0 && i >= at-maxHeadlineReach; i-- {
		if besideImage(ix.owner[i], text) {
			continue // a caption's lines
		}
		for _, l := range ix.lines[i] {
			l = strings.TrimSpace(l)
			n := len(words(l))
			if n < 3 || n > 20 || n <= most || hasDate(l) || byPrefix.MatchString(l) || endsSentence(l) ||
				ix.linkLine[strings.Join(words(strings.ToLower(l)), " ")] {
				continue
			}
			best, most = l, n
		}
	}
	return best
}

// captionReach is how many levels up from a line's element an image
// makes the line its caption (a table cell in a row under the photo's
// row, a <p> in a <figure>).
const captionReach = 3

// besideImage reports whether n stands within captionReach levels of an
// <img> in an element that does not also hold the text.
func besideImage(n, text *html.Node) bool {
	for up, p := 0, n; up < captionReach && p != nil; up, p = up+1, p.Parent {
		if text != nil && isAncestor(p, text) {
			return false
		}
		if holdsImage(p) {
			return true
		}
	}
	return false
}

// holdsImage reports whether n is or holds a picture: an <img> that is
// not an icon or a spacer (a side under 60 pixels as written, or no size
// written inside a link: "Print", "PDF" and "E-mail" buttons beside a
// headline).
func holdsImage(n *html.Node) bool {
	if n.Type == html.ElementNode && n.DataAtom == atom.Img {
		w, h := attrInt(n, "width"), attrInt(n, "height")
		switch {
		case w > 0 && w < 60 || h > 0 && h < 60:
			return false
		case w == 0 && h == 0:
			return !insideTag(n.Parent, "a")
		}
		return true
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if holdsImage(c) {
			return true
		}
	}
	return false
}

// attrInt is an element's attribute read as a whole number, 0 when it is
// not one.
func attrInt(n *html.Node, name string) int {
	for _, a := range n.Attr {
		if a.Key == name {
			v, err := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(a.Val), "px"))
			if err != nil {
				return 0
			}
			return v
		}
	}
	return 0
}
