package extract

import (
	"strings"

	"golang.org/x/net/html"
)

// pickSecond decides between two candidate blocks that share almost no
// text (the first is trafilatura's, the second readability's) and reports
// whether the second is the article. The signals hold on any layout and
// era, since they rest on how an article page is read, not on its markup:
//
//   - a block too short to be an article body loses to one that is not;
//   - a block whose text cannot be found on the page as rendered loses;
//   - the article starts at or after its headline, while navigation and
//     teasers sit above it: a block that starts after the headline beats
//     one that starts before it;
//   - otherwise the earlier block wins, since comments, related stories
//     and footers follow the article.
func (e *Extractor) pickSecond(root *html.Node, title string, first, second []string) bool {
	short := e.cfg.MinBodyChars
	if l1, l2 := textLen(first), textLen(second); (l1 < short) != (l2 < short) {
		return l1 < short
	}
	ix := newPageIndex(root)
	p1, p2 := ix.start(first), ix.start(second)
	switch {
	case p1 < 0 && p2 >= 0:
		return true
	case p2 < 0 && p1 >= 0:
		return false
	}
	if t := ix.titleAt(title); t >= 0 {
		if after1, after2 := p1 >= t, p2 >= t; after1 != after2 {
			return after2
		}
	}
	return p2 < p1
}

// pageIndex is the page's text as rendered, in document order: per
// paragraph, its normalised text (lower case words joined by single
// spaces) and its lines as written (a <br> breaks a line).
type pageIndex struct {
	norm  []string
	lines [][]string
}

func newPageIndex(root *html.Node) pageIndex {
	paras := paragraphs(root)
	ix := pageIndex{norm: make([]string, len(paras)), lines: make([][]string, len(paras))}
	for i, p := range paras {
		ix.norm[i] = strings.Join(words(strings.ToLower(p)), " ")
		ix.lines[i] = strings.Split(p, "\n")
	}
	return ix
}

// startWords is how many opening words of a block locate it on the page.
const startWords = 8

// start returns the index of the page paragraph where a block's first
// sentence-length paragraph stands, or -1 when it has none or it is not
// found.
func (ix pageIndex) start(block []string) int {
	for _, p := range block {
		w := words(strings.ToLower(p))
		if len(w) < startWords {
			continue
		}
		key := strings.Join(w[:startWords], " ")
		for i, line := range ix.norm {
			if strings.Contains(line, key) {
				return i
			}
		}
		return -1
	}
	return -1
}

// titleAt returns the index of the first page paragraph with a line that
// is the headline (see repeatsTitle), or -1. On old pages the headline is
// often a line of a cell, between the date and the byline. A title that
// still carries the site's name ("Site - Headline") is also matched by
// its longest part.
func (ix pageIndex) titleAt(title string) int {
	heads := []string{title}
	if part := longestTitlePart(title); part != title {
		heads = append(heads, part)
	}
	for i, lines := range ix.lines {
		for _, l := range lines {
			for _, h := range heads {
				if repeatsTitle(l, h) {
					return i
				}
			}
		}
	}
	return -1
}

// longestTitlePart is the longest piece of a title cut at the separators
// that join a headline and a site's name.
func longestTitlePart(title string) string {
	parts := []string{title}
	for _, sep := range titleSeparators {
		var next []string
		for _, p := range parts {
			next = append(next, strings.Split(p, sep)...)
		}
		parts = next
	}
	best := ""
	for _, p := range parts {
		if p = strings.TrimSpace(p); len(p) > len(best) {
			best = p
		}
	}
	return best
}
