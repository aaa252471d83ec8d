package extract

import (
	"strings"
	"unicode"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// blockTags start and end a paragraph of text. Trafilatura's internal tag
// names (head, list, item, quote, row, lb) are included because its
// output tree may still carry them.
var blockTags = map[string]bool{
	"p": true, "div": true, "section": true, "article": true, "main": true,
	"h1": true, "h2": true, "h3": true, "h4": true, "h5": true, "h6": true,
	"ul": true, "ol": true, "li": true, "dl": true, "dt": true, "dd": true,
	"blockquote": true, "pre": true, "table": true, "thead": true, "tbody": true,
	"tfoot": true, "tr": true, "caption": true, "figure": true, "figcaption": true,
	"header": true, "footer": true, "aside": true, "nav": true, "form": true,
	"address": true, "hr": true, "center": true, "details": true, "summary": true,
	"fieldset": true, "legend": true, "body": true, "html": true,
	"head": true, "list": true, "item": true, "quote": true, "row": true,
	"option": true, "noscript": false,
}

// inlineTags run on inside a word ("<b>W</b>ord"); any other element that
// is not a block (td, cell, img, unknown tags) separates words with a space.
var inlineTags = map[string]bool{
	"a": true, "b": true, "i": true, "em": true, "strong": true, "span": true, "u": true, "s": true,
	"sup": true, "sub": true, "small": true, "big": true, "font": true, "abbr": true, "acronym": true,
	"mark": true, "code": true, "q": true, "cite": true, "del": true, "ins": true, "strike": true,
	"tt": true, "kbd": true, "samp": true, "var": true, "dfn": true, "bdi": true, "bdo": true,
	"hi": true, "ref": true, "nobr": true, "wbr": false, "time": true, "label": true, "data": true,
}

// skipTags never contribute text.
var skipTags = map[string]bool{
	"script": true, "style": true, "template": true, "noscript": true,
	"iframe": true, "svg": true, "math": true, "textarea": true, "select": true,
	"button": true, "object": true, "embed": true, "canvas": true, "video": true,
	"audio": true, "map": true, "title": true, "meta": true, "link": true,
}

// textWriter collects paragraphs: blocks are separated by a blank line,
// <br> gives a line break inside a paragraph, runs of white space collapse.
type textWriter struct {
	paras []string
	cur   strings.Builder
	space bool // a space is pending before the next word
	// spaceAll separates words at every element boundary: trafilatura's
	// output tree has lost the white space around inline elements
	// ("for<a>Larry</a>"), so there any tag is taken as a word break.
	spaceAll bool
	// blocks, when not nil, is the stack of block elements being walked;
	// owners then records, per paragraph, the block its first word is in.
	blocks []*html.Node
	owner  *html.Node
	owners []*html.Node
	// links counts the links being walked; per line, wordChars and
	// linkChars count its letters and digits, and those inside a link;
	// lineLinks records, per line of the paragraph, whether all of them
	// were, and linkOnly, per paragraph, its lines' records.
	links                int
	wordChars, linkChars int
	lineLinks            []bool
	linkOnly             [][]bool
}

func (w *textWriter) word(s string) {
	for _, r := range s {
		switch {
		case r == '\u00ad' || r == '\u200b' || r == '\u200c' || r == '\u200d' || r == '\ufeff':
			// soft hyphen and zero-width characters vanish
		case unicode.IsSpace(r) || r == '\u00a0':
			w.space = true
		default:
			if w.space && w.cur.Len() > 0 {
				last := w.cur.String()[w.cur.Len()-1]
				if last != '\n' {
					w.cur.WriteByte(' ')
				}
			}
			w.space = false
			if w.cur.Len() == 0 && len(w.blocks) > 0 {
				w.owner = w.blocks[len(w.blocks)-1]
			}
			if unicode.IsLetter(r) || unicode.IsDigit(r) {
				w.wordChars++
				if w.links > 0 {
					w.linkChars++
				}
			}
			w.cur.WriteRune(r)
		}
	}
}

// lineBreak ends a line; a second <br> with no text since the first
// ends the paragraph, as "<br><br>" separated paragraphs on pages written
// before CSS margins.
func (w *textWriter) lineBreak() {
	if w.cur.Len() > 0 {
		s := w.cur.String()
		if s[len(s)-1] != '\n' {
			w.cur.WriteByte('\n')
			w.endLine()
		} else {
			w.flush()
		}
	}
	w.space = false
}

// endLine records whether the line just ended was all link text.
func (w *textWriter) endLine() {
	w.lineLinks = append(w.lineLinks, w.wordChars > 0 && w.linkChars == w.wordChars)
	w.wordChars, w.linkChars = 0, 0
}

func (w *textWriter) flush() {
	if raw := w.cur.String(); raw != "" && raw[len(raw)-1] != '\n' {
		w.endLine()
	}
	s := strings.TrimSpace(w.cur.String())
	if s != "" {
		lines := strings.Split(s, "\n")
		kept := lines[:0]
		for _, l := range lines {
			if l = strings.TrimSpace(l); l != "" {
				kept = append(kept, l)
			}
		}
		w.paras = append(w.paras, strings.Join(kept, "\n"))
		if w.blocks != nil {
			w.owners = append(w.owners, w.owner)
			if len(w.lineLinks) != len(kept) {
				w.lineLinks = make([]bool, len(kept)) // cannot tell: none
			}
			w.linkOnly = append(w.linkOnly, w.lineLinks)
		}
	}
	w.cur.Reset()
	w.space = false
	w.lineLinks = nil
	w.wordChars, w.linkChars = 0, 0
}

func (w *textWriter) walk(n *html.Node) {
	switch n.Type {
	case html.TextNode:
		w.word(n.Data)
		return
	case html.ElementNode:
		if skipTags[n.Data] {
			return
		}
		if n.DataAtom == atom.Br {
			w.lineBreak()
			return
		}
		if w.spaceAll || (!blockTags[n.Data] && !inlineTags[n.Data]) {
			w.space = true
		}
	case html.CommentNode, html.DoctypeNode:
		return
	}
	block := n.Type == html.ElementNode && blockTags[n.Data]
	if block {
		w.flush()
		if w.blocks != nil {
			w.blocks = append(w.blocks, n)
		}
	}
	link := isLink(n)
	if link {
		w.links++
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		w.walk(c)
	}
	if link {
		w.links--
	}
	if block {
		w.flush()
		if w.blocks != nil {
			w.blocks = w.blocks[:len(w.blocks)-1]
		}
	} else if n.Type == html.ElementNode && (w.spaceAll || !inlineTags[n.Data]) {
		w.space = true
	}
}

// paragraphs returns the text paragraphs under n.
func paragraphs(n *html.Node) []string {
	return render(n, false)
}

// looseParagraphs is paragraphs for trees whose inline white space was
// trimmed: every tag separates words.
func looseParagraphs(n *html.Node) []string {
	return render(n, true)
}

func render(n *html.Node, spaceAll bool) []string {
	if n == nil {
		return nil
	}
	w := textWriter{spaceAll: spaceAll}
	w.walk(n)
	w.flush()
	return w.paras
}

// ownedParagraphs is paragraphs with, for each, the innermost block
// element its first word stands in (n itself for text outside any block)
// and, per line, whether all its letters and digits are link text.
func ownedParagraphs(n *html.Node) ([]string, []*html.Node, [][]bool) {
	if n == nil {
		return nil, nil, nil
	}
	w := textWriter{blocks: []*html.Node{n}}
	w.walk(n)
	w.flush()
	return w.paras, w.owners, w.linkOnly
}

// nodeText is the text of n on one line, white space collapsed.
func nodeText(n *html.Node) string {
	return strings.Join(paragraphs(n), " ")
}

// cleanText collapses white space (including no-break spaces) in a short
// string such as a title or a name.
func cleanText(s string) string {
	var w textWriter
	w.word(s)
	w.flush()
	return strings.Join(w.paras, " ")
}
