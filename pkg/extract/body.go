package extract

import (
	"context"
	"log/slog"
	"net/url"
	"slices"
	"strings"

	readability "codeberg.org/readeck/go-readability/v2"
	"github.com/PuerkitoBio/goquery"
	trafilatura "github.com/markusmobius/go-trafilatura"
	"golang.org/x/net/html"
)

// mainText returns the article body (paragraphs separated by a blank line)
// or "" and the reason there is none, and the page index the generic
// method built (nil when it did not run).
func (e *Extractor) mainText(ctx context.Context, root *html.Node, doc *goquery.Document, base *url.URL, rule *compiledRule, m *meta, title string) (string, string, *pageIndex) {
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
			return body, "", nil
		}
		e.log.Debug("site rule body selectors found too little text; using the generic method", "host", rule.host)
	}
	paras, density, ix := e.generic(ctx, root, base, title)
	paras = dropBoilerplate(paras, title)
	body := strings.Join(paras, "\n\n")
	reason := classifyEmpty(doc, m, paras, density, e.cfg.MinBodyChars)
	if reason == ReasonIndexPage || reason == ReasonNoText {
		if dense := missedArticle(root, title, e.cfg.MinBodyChars); dense != nil {
			e.log.Debug("extractors found no article; the densest block is one", "reason", reason, "chars", textLen(dense))
			return strings.Join(dense, "\n\n"), "", ix
		}
	}
	if reason != "" {
		if e.log.Enabled(ctx, slog.LevelDebug) {
			e.log.Debug("no article body", "reason", reason, "chars", textLen(paras), "link_density", density,
				"prose_chars", proseChars(root), "teasers", teaserCount(doc))
		}
		return "", reason, ix
	}
	return body, "", ix
}

// generic returns the paragraphs of the main text, their link density
// (the share of their characters inside links) and the page index it
// built (nil for a page too large for the libraries).
//
// Two extractors with different methods propose a text: trafilatura
// (tree pruning with boilerplate rules) and readability (scoring of
// containers). Their agreement decides: when readability's text lies
// mostly inside trafilatura's and trafilatura holds clearly more, the
// surplus is the boilerplate trafilatura kept (teasers, captions, share
// and subscription lines) and readability's text is taken, as it is when
// trafilatura's is only a passage the author quotes; when the two
// hardly overlap they chose different blocks, and the one that starts
// nearest after the headline wins (see pickSecond); otherwise
// trafilatura's, which is the more precise of the two on its own,
// extended by readability's prose paragraphs that follow the shared text
// when trafilatura stopped early (continuation).
//
// The text chosen is then read against the page's posts: a later post of
// a forum thread gives way to the opening post (openingPost), and reader
// comments that end it are cut (withoutSignedPosts, withoutStampedPosts),
// as are link lines and text from outside the article's place.
func (e *Extractor) generic(ctx context.Context, root *html.Node, base *url.URL, title string) ([]string, float64, *pageIndex) {
	if countElements(root, maxLibraryElements) > maxLibraryElements {
		e.log.Debug("page too large for the extraction libraries; densest block only", "limit_elements", maxLibraryElements)
		paras := densestBlock(root)
		return paras, 0, nil
	}
	unwrapLayoutTables(root)
	ix := newPageIndex(root)
	paras, density := e.choose(ctx, root, ix, base, title)
	minChars := e.cfg.MinBodyChars
	paras = ix.withoutLinkLines(ix.inPlace(ix.withoutSignedPosts(ix.openingPost(ix.withoutCaptions(paras), minChars), minChars)))
	return withoutPostsTail(ix.withoutStampedPosts(paras, minChars), minChars), density, ix
}

// choose runs both extractors and combines their texts (see generic).
func (e *Extractor) choose(ctx context.Context, root *html.Node, ix *pageIndex, base *url.URL, title string) ([]string, float64) {
	var tParas []string
	var tDensity float64
	// Trafilatura builds its text by repeated string concatenation, which
	// grows with the square of the text; pages with far more text than
	// any article (dumps, generated pages) go to readability alone.
	if textBytes(root, maxTrafilaturaText) < maxTrafilaturaText {
		// Text set straight in a container is put in paragraphs for
		// trafilatura alone (loose.go), and the page given back as it
		// was to readability and the page index.
		wrapped := wrapLooseText(root)
		res, err := trafilatura.ExtractDocument(root, trafilatura.Options{
			OriginalURL:     base,
			ExcludeComments: true,
			HtmlDateMode:    trafilatura.Disabled,
		})
		unwrapText(wrapped)
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
	if e.trace != nil {
		e.trace(ix, title, tParas, rParas)
	}
	switch {
	case len(rParas) == 0:
		return tParas, tDensity
	case len(tParas) == 0:
		return rParas, rDensity
	}
	tSet, rSet := shingleSet(e.seed, tParas), shingleSet(e.seed, rParas)
	inT, inR := overlap(tSet, rSet)
	if inR >= e.coreShare && inT < 0.9 && !e.articleBeside(ix, rSet, tParas, rParas) {
		e.log.Debug("readability's text is the agreed core of trafilatura's", "in_t", inT, "in_r", inR)
		return rParas, rDensity
	}
	if inT >= 0.9 && ix.quoted(tParas) && !ix.quoted(rParas) {
		// Trafilatura took a passage the author quotes; readability's
		// text holds it and the author's words around it.
		e.log.Debug("trafilatura's text is a quotation inside readability's", "in_t", inT, "in_r", inR)
		return rParas, rDensity
	}
	if inT >= 0.9 && e.articleBefore(ix, tSet, title, rParas) {
		// Trafilatura took only the tail of readability's text (the
		// comments under an article that no markup names as comments).
		e.log.Debug("trafilatura's text is the tail of readability's, which opens with an article", "in_t", inT, "in_r", inR)
		return rParas, rDensity
	}
	if inT >= 0.9 {
		if lead := e.articleThenComments(ix, tSet, title, rParas); lead != nil {
			e.log.Debug("trafilatura's text is in the comments under a short article", "in_t", inT, "in_r", inR)
			return lead, rDensity
		}
	}
	if len(tParas) == 1 && len(rParas) > 1 && inT >= 0.9 && inR >= 0.9 {
		// The same text, which trafilatura ran into one block (it does
		// so with <br>-separated text in a bare <div>): readability's
		// paragraphs are the article's.
		return rParas, rDensity
	}
	if max(inT, inR) < 0.5 {
		// The two chose different blocks (an article and the comments
		// under it, or a sidebar beside it): the page's layout decides.
		if e.pickSecond(ix, title, tParas, rParas) {
			e.log.Debug("methods disagree; readability's block is the article", "in_t", inT, "in_r", inR)
			return rParas, rDensity
		}
		e.log.Debug("methods disagree; trafilatura's block is the article", "in_t", inT, "in_r", inR)
		return tParas, tDensity
	}
	// Trafilatura sometimes stops early; readability's long paragraphs right
	// after the shared text are the rest of the article.
	if more := ix.continuation(tParas, continuation(e.seed, tSet, rParas, continuationWords)); len(more) > 0 {
		e.log.Debug("article continued from readability", "paragraphs", len(more))
		tParas = append(tParas, more...)
	}
	// Readability's paragraphs that the block model (classify.go) keeps
	// fill what trafilatura left out of the article.
	if e.model != nil {
		if out := e.model.filled(e.seed, ix, title, tParas, rParas); len(out) > 0 {
			e.log.Debug("paragraphs filled in by the block model", "paragraphs", len(out)-len(tParas))
			tParas = out
		}
	}
	if textLen(tParas) < e.cfg.MinBodyChars && textLen(rParas) > textLen(tParas) {
		return rParas, rDensity
	}
	return tParas, tDensity
}

// articleBefore reports whether readability's text (rParas) opens with
// an article that trafilatura's (tSet) left out: the paragraphs before
// the first one trafilatura's holds are an article's worth of prose
// (isArticle) standing together in one block (proseLayout) and starting
// at or after the headline.
func (e *Extractor) articleBefore(ix *pageIndex, tSet shingles, title string, rParas []string) bool {
	first := slices.IndexFunc(rParas, func(p string) bool { return holds(e.seed, tSet, p) })
	if first <= 0 {
		return false
	}
	lead := rParas[:first]
	if together, _ := ix.proseLayout(lead); !together || !isArticle(lead, e.cfg.MinBodyChars) {
		return false
	}
	t := ix.titleAt(title)
	return t < 0 || ix.start(lead) >= t
}

// articleThenComments returns the short article that opens readability's
// text (rParas) when trafilatura's (tSet) lies in what follows it, and
// what follows stands apart on the page as comments do, each paragraph in
// an item of its own under a name (proseLayout): the paragraphs before
// the first one trafilatura's holds, less a heading over the comments,
// starting at or after the headline, MinBodyChars or more, with a
// paragraph of running prose and not themselves apart. An article of
// that size is too short for articleBefore.
func (e *Extractor) articleThenComments(ix *pageIndex, tSet shingles, title string, rParas []string) []string {
	first := slices.IndexFunc(rParas, func(p string) bool { return holds(e.seed, tSet, p) })
	if first <= 0 {
		return nil
	}
	if _, apart := ix.proseLayout(rParas[first:]); !apart {
		return nil
	}
	lead := rParas[:first]
	for len(lead) > 0 && len(words(lead[len(lead)-1])) < proseWords && !endsSentence(lead[len(lead)-1]) {
		lead = lead[:len(lead)-1]
	}
	if textLen(lead) < e.cfg.MinBodyChars || proseParagraphs(lead, 1) == 0 {
		return nil
	}
	if _, apart := ix.proseLayout(lead); apart {
		return nil
	}
	if t := ix.titleAt(title); t >= 0 && ix.start(lead) < t {
		return nil
	}
	return lead
}

// coreShare is how much of readability's text must lie inside
// trafilatura's for it to be taken as the article within trafilatura's
// wider text. It is the one threshold here chosen by measurement (the
// block model's weights are learned, classify.go), and only on the
// MIT-licensed ../shared/bench/extraction set (0.95 to 0.5 tried, 0.7 best
// there; with the block model 0.8 and 0.9 score 0.0003 higher, one or two
// pages, and it was left); the other dev set
// scores it (see README), and TestCoreShareBySite cross-validates the
// choice across that set's sites.
const coreShare = 0.7

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

// isLink reports whether n is a link: an <a> with an href. An <a name>
// only marks a place in the page (old pages wrap whole paragraphs in one)
// and its text is the page's own.
func isLink(n *html.Node) bool {
	if n.Type != html.ElementNode || n.Data != "a" {
		return false
	}
	for _, a := range n.Attr {
		if a.Namespace == "" && a.Key == "href" {
			return true
		}
	}
	return false
}

// linkDensity is the share of n's text that sits inside links.
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
		if isLink(n) {
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

// classifyEmpty says why a page has no article body, or "" when it has
// one. When in doubt the text found is kept: a page is blanked only when
// it has no text worth the name, or when what was found is the page's
// teasers.
func classifyEmpty(doc *goquery.Document, m *meta, paras []string, density float64, minChars int) string {
	n := textLen(paras)
	if n == 0 {
		return ReasonNoText
	}
	video := strings.HasPrefix(m.ogType, "video") || (m.ld.types["VideoObject"] && !m.ld.hasArticle)
	listing := m.ld.types["CollectionPage"] || m.ld.types["ItemList"]
	teasers := teaserCount(doc)
	// On a page of teasers the text found may be the teasers: it is
	// mostly links, or the page has next to no running prose outside
	// links. Many teaser links alone do not make an index page: blogs and
	// old news pages carry long link lists beside a short article.
	// A text with a long stretch of prose besides its links (a blog's
	// front page of full posts) is kept.
	linkText := teasers >= 10 && density > 0.6 && float64(n)*(1-density) < 4*float64(minChars)
	teaserText := func() bool {
		return linkText || (teasers >= 10 && proseChars(doc.Nodes[0]) < minChars)
	}
	if n < minChars {
		switch {
		case video:
			return ReasonVideoPage
		case listing || linkText:
			return ReasonIndexPage
		case wordCount(paras) < shortArticleWords:
			return ReasonNoText
		}
		return "" // a short article: a sentence or more of text
	}
	// Pages that say they are an article are never blanked.
	if !m.ld.hasArticle && (teaserText() || (listing && teasers >= 10 && n < 4*minChars)) {
		return ReasonIndexPage
	}
	return ""
}

// missedArticle is the page's densest block (see densestBlock) when it is
// an article (see isArticle), else nil. It is asked before a body is
// blanked: when in doubt the best block is kept, and a page that holds an
// article's worth of running prose in one place is an article whose
// block the extractors missed, not an index page.
func missedArticle(root *html.Node, title string, minChars int) []string {
	if dense := dropBoilerplate(densestBlock(root), title); isArticle(dense, minChars) {
		return dense
	}
	return nil
}

// isArticle reports whether a text is an article's worth of running
// prose: two paragraphs of proseWords or more, and four times
// MinBodyChars in all.
func isArticle(paras []string, minChars int) bool {
	return proseParagraphs(paras, 2) >= 2 && textLen(paras) >= 4*minChars
}

// articleBeside reports whether readability's text is posts beside an
// article that trafilatura also took: readability's has three stamp
// lines or more (isStamp: "13/12/2008 17:12", comments), and trafilatura's
// surplus over it (its paragraphs readability's does not hold) holds a run
// of prose (proseRun) that is an article's worth, stands together and has
// one stamp line at most. Then readability's is not the core of
// trafilatura's but the reader comments under a match report (table rows
// on a page without class names), and the surplus is no boilerplate; as
// in pickSecond, posts lose to an article.
func (e *Extractor) articleBeside(ix *pageIndex, rSet shingles, tParas, rParas []string) bool {
	if stampLines(rParas) < 3 {
		return false
	}
	var surplus []string
	for _, p := range tParas {
		if !holds(e.seed, rSet, p) {
			surplus = append(surplus, p)
		}
	}
	run := proseRun(surplus)
	if stampLines(run) > 1 || !isArticle(run, e.cfg.MinBodyChars) {
		return false
	}
	together, _ := ix.proseLayout(run)
	return together
}

// withoutPostsTail cuts the posts that end a text when no element of the
// page holds each post whole (withoutStampedPosts): a comment's stamp
// and its text in rows or cells of their own. From the first paragraph
// whose last line is a stamp, the rest must be posts (isPosts) with no
// two paragraphs of prose in a row (proseRun: the text of comments is
// parted by their stamps), and the text before it an article of its own
// (isArticle).
func withoutPostsTail(paras []string, minChars int) []string {
	for k := 1; k+1 < len(paras); k++ {
		lines := strings.Split(paras[k], "\n")
		if !isStamp(lines[len(lines)-1]) {
			continue
		}
		if !isArticle(paras[:k], minChars) {
			return paras
		}
		if rest := paras[k:]; isPosts(rest) && len(proseRun(rest)) < 2 {
			return paras[:k]
		}
		return paras
	}
	return paras
}

// proseRun returns a text's longest run of paragraphs of running prose
// (proseWords or more, ending a sentence: not a footer's line of links)
// by length, the prose alone: an article's body.
// Short paragraphs that end a sentence ("No," he said.) or are a word or
// two ("Advertisement") do not end a run; any other line (a teaser's
// headline between teasers' summaries, a caption) does.
func proseRun(paras []string) []string {
	var best, cur []string
	for _, p := range paras {
		switch n := len(words(p)); {
		case n >= proseWords && endsSentence(p):
			cur = append(cur, p)
			if textLen(cur) > textLen(best) {
				best = cur
			}
		case n <= 2 || endsSentence(p):
		default:
			cur = nil
		}
	}
	return best
}

// shortArticleWords is the fewest words a text shorter than
// Config.MinBodyChars needs to be kept as a short article ("This page
// has moved." is not one).
const shortArticleWords = 10

func wordCount(paras []string) int {
	n := 0
	for _, p := range paras {
		n += len(words(p))
	}
	return n
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
// or a footer; forms count, as ASP.NET pages wrap everything in one), in
// blocks of at least 40 characters. An index page is all headlines in
// links and has next to none.
func proseChars(root *html.Node) int {
	total := 0
	var visit func(n *html.Node)
	visit = func(n *html.Node) {
		if isLink(n) {
			return
		}
		if n.Type == html.ElementNode {
			switch n.Data {
			case "nav", "footer", "script", "style", "noscript", "template", "select", "button":
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
				case c.Type == html.ElementNode && !blockTags[c.Data] && !isLink(c) && !skipTags[c.Data]:
					inline(c.FirstChild)
				}
			}
		}
		inline(n.FirstChild)
		if own >= 40 {
			total += own
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			if c.Type == html.ElementNode && (blockTags[c.Data] || isLink(c) || skipTags[c.Data]) {
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
