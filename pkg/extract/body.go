package extract

import (
	"context"
	"log/slog"
	"net/url"
	"strings"

	readability "codeberg.org/readeck/go-readability/v2"
	"github.com/PuerkitoBio/goquery"
	trafilatura "github.com/markusmobius/go-trafilatura"
	"golang.org/x/net/html"
)

// mainText returns the article body (paragraphs separated by a blank line)
// or "" and the reason there is none.
func (e *Extractor) mainText(ctx context.Context, root *html.Node, doc *goquery.Document, base *url.URL, rule *compiledRule, m *meta, title string) (string, string) {
	if rule != nil && len(rule.body) > 0 {
		var paras []string
		for _, sel := range rule.body {
			doc.FindMatcher(sel).Each(func(_ int, s *goquery.Selection) {
				for _, n := range s.Nodes {
					paras = append(paras, paragraphs(n)...)
				}
			})
		}
		if body := strings.Join(paras, "\n\n"); len([]rune(body)) >= e.cfg.MinBodyChars {
			return body, ""
		}
		e.log.Debug("site rule body selectors found too little text; using the generic method", "host", rule.host)
	}
	paras, density := e.generic(ctx, root, base)
	paras = dropBoilerplate(paras, title)
	body := strings.Join(paras, "\n\n")
	if reason := classifyEmpty(doc, m, paras, density, e.cfg.MinBodyChars); reason != "" {
		if e.log.Enabled(ctx, slog.LevelDebug) {
			e.log.Debug("no article body", "reason", reason, "chars", textLen(paras), "link_density", density,
				"prose_chars", proseChars(root), "teasers", teaserCount(doc))
		}
		return "", reason
	}
	return body, ""
}

// generic returns the paragraphs of the main text and their link density
// (the share of their characters inside links).
//
// Two extractors with different methods propose a text: trafilatura
// (tree pruning with boilerplate rules) and readability (scoring of
// containers). Their agreement decides: when readability's text is almost
// entirely inside trafilatura's and trafilatura holds clearly more, the
// surplus is the boilerplate trafilatura kept (teasers, captions, share
// and subscription lines) and readability's text is taken; otherwise
// trafilatura's, which is the more precise of the two on its own,
// extended by readability's prose paragraphs that follow the shared text
// when trafilatura stopped early (continuation).
func (e *Extractor) generic(ctx context.Context, root *html.Node, base *url.URL) ([]string, float64) {
	if countElements(root, maxLibraryElements) > maxLibraryElements {
		e.log.Debug("page too large for the extraction libraries; densest block only", "limit_elements", maxLibraryElements)
		paras := densestBlock(root)
		return paras, 0
	}
	var tParas []string
	var tDensity float64
	// Trafilatura builds its text by repeated string concatenation, which
	// grows with the square of the text; pages with far more text than
	// any article (dumps, generated pages) go to readability alone.
	if textBytes(root, maxTrafilaturaText) < maxTrafilaturaText {
		res, err := trafilatura.ExtractDocument(root, trafilatura.Options{
			OriginalURL:     base,
			ExcludeComments: true,
			HtmlDateMode:    trafilatura.Disabled,
		})
		if err == nil && res != nil {
			tParas = looseParagraphs(res.ContentNode)
			tDensity = linkDensity(res.ContentNode)
		}
	} else {
		e.log.Debug("page text too large for trafilatura; readability only", "limit", maxTrafilaturaText)
	}
	if ctx.Err() != nil {
		return tParas, tDensity
	}
	p := readability.NewParser()
	art, err := p.ParseDocument(root, base)
	if err != nil || art.Node == nil {
		return tParas, tDensity
	}
	rParas := paragraphs(art.Node)
	rDensity := linkDensity(art.Node)
	switch {
	case len(rParas) == 0:
		return tParas, tDensity
	case len(tParas) == 0:
		return rParas, rDensity
	}
	tSet := shingleSet(e.seed, tParas)
	inT, inR := overlap(tSet, shingleSet(e.seed, rParas))
	if inR >= 0.95 && inT < 0.9 {
		e.log.Debug("readability's text is the agreed core of trafilatura's", "in_t", inT, "in_r", inR)
		return rParas, rDensity
	}
	// Trafilatura sometimes stops early; readability's long paragraphs right
	// after the shared text are the rest of the article.
	if more := continuation(e.seed, tSet, rParas, continuationWords); len(more) > 0 {
		e.log.Debug("article continued from readability", "paragraphs", len(more))
		tParas = append(tParas, more...)
	}
	if textLen(tParas) < e.cfg.MinBodyChars && textLen(rParas) > textLen(tParas) {
		return rParas, rDensity
	}
	return tParas, tDensity
}

// maxTrafilaturaText is the most page text handed to trafilatura.
const maxTrafilaturaText = 256 << 10

// textBytes counts the bytes of text under n, stopping at limit.
func textBytes(n *html.Node, limit int) int {
	total := 0
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		for c := n.FirstChild; c != nil && total < limit; c = c.NextSibling {
			if c.Type == html.TextNode {
				total += len(c.Data)
			} else if c.Type == html.ElementNode && c.Data != "script" && c.Data != "style" {
				walk(c)
			}
		}
	}
	walk(n)
	return total
}

// continuationWords is the shortest paragraph taken as running prose when
// extending a text cut short.
const continuationWords = 25

// linkDensity is the share of n's text that sits inside <a> elements.
func linkDensity(n *html.Node) float64 {
	var total, linked int
	var walk func(*html.Node, bool)
	walk = func(n *html.Node, inLink bool) {
		if n.Type == html.TextNode {
			c := len(strings.TrimSpace(n.Data))
			total += c
			if inLink {
				linked += c
			}
			return
		}
		if n.Type == html.ElementNode && n.Data == "a" {
			inLink = true
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c, inLink)
		}
	}
	if n != nil {
		walk(n, false)
	}
	if total == 0 {
		return 0
	}
	return float64(linked) / float64(total)
}

func textLen(paras []string) int {
	n := 0
	for _, p := range paras {
		n += len([]rune(p))
	}
	return n
}

// classifyEmpty says why a page has no article body, or "" when it has one.
func classifyEmpty(doc *goquery.Document, m *meta, paras []string, density float64, minChars int) string {
	n := textLen(paras)
	video := strings.HasPrefix(m.ogType, "video") || (m.ld.types["VideoObject"] && !m.ld.hasArticle)
	if video && n < 3*minChars {
		return ReasonVideoPage
	}
	listing := m.ld.types["CollectionPage"] || m.ld.types["ItemList"]
	teasers := teaserCount(doc)
	if n < minChars {
		if listing || teasers >= 10 {
			return ReasonIndexPage
		}
		return ReasonNoText
	}
	// A text was found, but on a page of teasers it is the teasers: the
	// text is mostly links, or the page has next to no running prose
	// outside links. Pages that say they are an article are never blanked.
	if !m.ld.hasArticle && teasers >= 10 &&
		(density > 0.6 || (listing && n < 4*minChars) || proseChars(doc.Nodes[0]) < minChars) {
		return ReasonIndexPage
	}
	return ""
}

// teaserCount counts links that look like article teasers: headline-length
// anchor text.
func teaserCount(doc *goquery.Document) int {
	n := 0
	doc.Find("a[href]").Each(func(_ int, s *goquery.Selection) {
		w := len(strings.Fields(s.Text()))
		if w >= 4 && w <= 25 {
			n++
		}
	})
	return n
}

// proseChars counts the characters of running text on the page: text
// directly inside a block (not inside a link, a list of links, navigation
// or a footer; forms count, as ASP.NET pages wrap everything in one), in blocks of at least 40 characters. An index page is all
// headlines in links and has next to none.
func proseChars(root *html.Node) int {
	total := 0
	var visit func(n *html.Node)
	visit = func(n *html.Node) {
		if n.Type == html.ElementNode {
			switch n.Data {
			case "a", "nav", "footer", "script", "style", "noscript", "template", "select", "button":
				return
			}
		}
		own := 0
		var inline func(c *html.Node)
		inline = func(c *html.Node) {
			for ; c != nil; c = c.NextSibling {
				switch {
				case c.Type == html.TextNode:
					own += len(strings.TrimSpace(c.Data))
				case c.Type == html.ElementNode && !blockTags[c.Data] && c.Data != "a" && !skipTags[c.Data]:
					inline(c.FirstChild)
				}
			}
		}
		inline(n.FirstChild)
		if own >= 40 {
			total += own
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			if c.Type == html.ElementNode && (blockTags[c.Data] || c.Data == "a" || skipTags[c.Data]) {
				visit(c)
			} else if c.Type == html.ElementNode {
				visitBlocksBelow(c, visit)
			}
		}
	}
	visit(root)
	return total
}

// visitBlocksBelow calls visit for the block elements inside an inline one.
func visitBlocksBelow(n *html.Node, visit func(*html.Node)) {
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if c.Type != html.ElementNode {
			continue
		}
		if blockTags[c.Data] {
			visit(c)
		} else {
			visitBlocksBelow(c, visit)
		}
	}
}
