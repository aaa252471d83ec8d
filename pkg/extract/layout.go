package extract

import (
	"regexp"
	"slices"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// pickSecond decides between two candidate blocks that share almost no
// text (the first is trafilatura's, the second readability's) and reports
// whether the second is the article. The signals hold on any layout and
// era, since they rest on how an article page is read, not on its markup:
//
//   - a block too short to be an article body loses to one that is not;
//   - a block without one paragraph of running prose (a column of
//     offers, teasers or fixtures, a byline and date) loses to one that
//     is an article's worth of prose (isArticle);
//   - a block whose prose paragraphs stand apart, each in an item of its
//     own with other lines between (comments, each signed with a name and
//     a date), loses to one whose prose paragraphs stand side by side in
//     one block, as an article's do (proseLayout);
//   - a block of posts (three or more stamp lines with a date or a time,
//     each over a paragraph of written text: comments) loses to an
//     article's worth of prose with one date line at most;
//   - a block whose text cannot be found on the page as rendered loses;
//   - the article starts at or after its headline, while navigation and
//     teasers sit above it: a block that starts after the headline beats
//     one that starts before it;
//   - otherwise the earlier block wins, since comments, related stories
//     and footers follow the article.
func (e *Extractor) pickSecond(ix *pageIndex, title string, first, second []string) bool {
	short := e.cfg.MinBodyChars
	if l1, l2 := textLen(first), textLen(second); (l1 < short) != (l2 < short) {
		e.log.Debug("pickSecond: one block is too short", "first_chars", l1, "second_chars", l2)
		return l1 < short
	}
	// A block without one paragraph of running prose (lines, captions,
	// offers, headlines) is not the article when the other block is an
	// article's worth of prose, wherever the two stand.
	switch {
	case proseParagraphs(first, 1) == 0 && isArticle(second, short):
		e.log.Debug("pickSecond: only the second block is prose")
		return true
	case proseParagraphs(second, 1) == 0 && isArticle(first, short):
		e.log.Debug("pickSecond: only the first block is prose")
		return false
	}
	together1, apart1 := ix.proseLayout(first)
	together2, apart2 := ix.proseLayout(second)
	switch {
	case apart1 && together2:
		e.log.Debug("pickSecond: the first block's prose stands apart, the second's together")
		return true
	case apart2 && together1:
		e.log.Debug("pickSecond: the second block's prose stands apart, the first's together")
		return false
	}
	// A block of posts, each a stamp line ("Marcelo R. 15/09/2008 -
	// 09:47") over written text (comments), is not the article when the
	// other block is an article's worth of prose with a date line at most.
	n1, n2 := stampLines(first), stampLines(second)
	switch {
	case ix.isPosts(first) && n2 <= 1 && isArticle(second, short):
		e.log.Debug("pickSecond: the first block is posts", "stamps", n1)
		return true
	case ix.isPosts(second) && n1 <= 1 && isArticle(first, short):
		e.log.Debug("pickSecond: the second block is posts", "stamps", n2)
		return false
	}
	p1, p2 := ix.start(first), ix.start(second)
	e.log.Debug("pickSecond: by position", "first_at", p1, "second_at", p2)
	switch {
	case p1 < 0 && p2 >= 0:
		return true
	case p2 < 0 && p1 >= 0:
		return false
	}
	if t := ix.titleAt(title); t >= 0 {
		e.log.Debug("pickSecond: headline found", "title_at", t)
		if after1, after2 := p1 >= t, p2 >= t; after1 != after2 {
			return after2
		}
	}
	return p2 < p1
}

// stampLines counts the lines of a text that are a post's stamp
// (isStamp).
func stampLines(paras []string) int {
	n := 0
	for _, p := range paras {
		for _, l := range strings.Split(p, "\n") {
			if isStamp(l) {
				n++
			}
		}
	}
	return n
}

// isPosts reports whether a text is a list of posts: three or more stamp
// lines each followed by a paragraph of written text (one that ends a
// sentence). A post's date line over its title and "at 2:30 PM" under it
// are not.
func isPosts(paras []string) bool {
	posts := 0
	for k := 0; k+1 < len(paras); k++ {
		lines := strings.Split(paras[k], "\n")
		next := strings.Split(paras[k+1], "\n")
		if isStamp(lines[len(lines)-1]) && !isStamp(next[0]) && endsSentence(strings.TrimSpace(next[len(next)-1])) {
			posts++
		}
	}
	return posts >= 3
}

// isPosts reports whether a text is a list of posts (isPosts), or holds
// three posts or more that are, on the page as rendered, each a
// paragraph of written text signed under it: a line that ends a
// sentence, and as the paragraph's last line a stamp with a date ("Jane
// Doe, Millbrook - Oct. 13, 2008"). Trafilatura joins those lines into
// one, so the text alone does not show them. A live blog's updates, the
// time above the text, are not signed posts.
func (ix *pageIndex) isPosts(paras []string) bool {
	if isPosts(paras) {
		return true
	}
	signed := 0
	for _, p := range paras {
		i := ix.find(p)
		if i < 0 || len(ix.lines[i]) < 2 {
			continue
		}
		lines := ix.lines[i]
		last := lines[len(lines)-1]
		if isStamp(last) && hasDate(last) && slices.ContainsFunc(lines[:len(lines)-1], func(l string) bool {
			return !isStamp(l) && endsSentence(strings.TrimSpace(l))
		}) {
			signed++
		}
	}
	return signed >= 3
}

// pageIndex is the page's text as rendered, in document order: per
// paragraph, its normalised text (lower case words joined by single
// spaces) and its lines as written (a <br> breaks a line).
type pageIndex struct {
	norm  []string
	lines [][]string
	// owner is, per paragraph, the block element it stands in.
	owner []*html.Node
	exact map[string][]int // normalised paragraph -> where it stands
	// linkLine holds the normalised lines that are link text wherever
	// they stand on the page.
	linkLine map[string]bool
	// stampAt marks the paragraphs with a post's stamp line and stamped
	// the elements that hold one, made when first asked for (markStamps).
	stampAt []bool
	stamped map[*html.Node]bool
}

func newPageIndex(root *html.Node) *pageIndex {
	paras, owners, linkOnly := ownedParagraphs(root)
	ix := &pageIndex{norm: make([]string, len(paras)), lines: make([][]string, len(paras)), owner: owners,
		exact: make(map[string][]int, len(paras)), linkLine: map[string]bool{}}
	for i, p := range paras {
		ix.norm[i] = strings.Join(words(strings.ToLower(p)), " ")
		ix.lines[i] = strings.Split(p, "\n")
		ix.exact[ix.norm[i]] = append(ix.exact[ix.norm[i]], i)
		for j, l := range ix.lines[i] {
			k := strings.Join(words(strings.ToLower(l)), " ")
			if prev, seen := ix.linkLine[k]; k != "" && (!seen || prev) {
				ix.linkLine[k] = linkOnly[i][j]
			}
		}
	}
	return ix
}

// withoutLinkLines drops from a text the short lines that are links on
// the page (a box of related stories inside the article, "Print this
// story | E-mail this story" under it), and a short title line right
// above two or more of them ("Related stories"). A text of such lines
// alone is kept.
func (ix *pageIndex) withoutLinkLines(paras []string) []string {
	type line struct {
		para int
		text string
		drop bool
	}
	var all []line
	for i, p := range paras {
		for _, l := range strings.Split(p, "\n") {
			w := words(strings.ToLower(l))
			drop := len(w) <= maxLinkLineWords && ix.linkLine[strings.Join(w, " ")] && !webAddress.MatchString(l)
			all = append(all, line{para: i, text: l, drop: drop})
		}
	}
	for i := 0; i < len(all); {
		if !all[i].drop {
			i++
			continue
		}
		j := i
		for j < len(all) && all[j].drop {
			j++
		}
		if j-i >= 2 && i > 0 && len(words(all[i-1].text)) <= 4 && !endsSentence(all[i-1].text) {
			all[i-1].drop = true
		}
		i = j
	}
	out := make([]string, 0, len(paras))
	var cur []string
	for k, l := range all {
		if !l.drop {
			cur = append(cur, l.text)
		}
		if k+1 == len(all) || all[k+1].para != l.para {
			if len(cur) > 0 {
				out = append(out, strings.Join(cur, "\n"))
			}
			cur = nil
		}
	}
	if len(out) == 0 {
		return paras
	}
	return out
}

// webAddress is a line that writes out a link's address, which the author
// gives the reader to see ("www.example.org", "http://bit.ly/2x").
var webAddress = regexp.MustCompile(`(?i)^\s*(?:https?://|www\.)\S+\s*$`)

// maxLinkLineWords is the longest line withoutLinkLines drops: a headline.
const maxLinkLineWords = 15

// endsSentence reports whether a line ends as a sentence does.
func endsSentence(l string) bool {
	l = strings.TrimSpace(l)
	return strings.HasSuffix(l, ".") || strings.HasSuffix(l, "!") || strings.HasSuffix(l, "?") ||
		strings.HasSuffix(l, "\"") || strings.HasSuffix(l, "”")
}

// find returns the index of the first page paragraph that holds p (see
// findIn), or -1.
func (ix *pageIndex) find(p string) int {
	return ix.findIn(p, nil)
}

// findIn returns the index of a page paragraph that holds p (the same
// words, or for a paragraph of startWords words or more, its opening
// words), preferring one inside c when c is not nil (a lede is often
// also an image's caption or a teaser elsewhere on the page), or -1.
func (ix *pageIndex) findIn(p string, c *html.Node) int {
	w := words(strings.ToLower(p))
	if len(w) == 0 {
		return -1
	}
	found := -1
	pick := func(i int) bool {
		if found < 0 {
			found = i
		}
		return c == nil || (ix.owner[i] != nil && isAncestor(c, ix.owner[i]))
	}
	for _, i := range ix.exact[strings.Join(w, " ")] {
		if pick(i) {
			return i
		}
	}
	if found >= 0 || len(w) < startWords {
		return found
	}
	key := strings.Join(w[:startWords], " ")
	for i, line := range ix.norm {
		if strings.Contains(line, key) && pick(i) {
			return i
		}
	}
	return found
}

// proseParagraphs counts a text's paragraphs of running prose, up to
// enough.
func proseParagraphs(paras []string, enough int) int {
	n := 0
	for _, p := range paras {
		if len(words(p)) >= proseWords {
			if n++; n == enough {
				break
			}
		}
	}
	return n
}

// proseLayout says how a text's paragraphs of running prose stand on the
// page, from each pair of them that follow one another in the text:
// together when at least two thirds of the pairs (and two or more) share
// their parent element, as an article's paragraphs do in its block;
// apart when at most a third of the pairs (and two or more) share a
// parent and at most a third follow one another on the page with nothing
// between, as comments do, each in an item of its own under its author's
// name and date.
func (ix *pageIndex) proseLayout(paras []string) (together, apart bool) {
	var prev *html.Node
	last, pairs, shared, adjacent := -1, 0, 0, 0
	for _, i := range ix.prose(paras) {
		o := ix.owner[i]
		if prev != nil {
			pairs++
			if prev == o || prev.Parent == o.Parent || prev == o.Parent || prev.Parent == o {
				shared++
			}
			if i == last+1 {
				adjacent++
			}
		}
		prev, last = o, i
	}
	if pairs < 2 {
		return false, false
	}
	return 3*shared >= 2*pairs, 3*shared <= pairs && 3*adjacent <= pairs
}

// prose returns where a text's paragraphs of running prose (proseWords or
// more) stand on the page, in the text's order, leaving out those not
// found there.
func (ix *pageIndex) prose(paras []string) []int {
	var at []int
	for _, p := range paras {
		if len(words(p)) < proseWords {
			continue
		}
		if i := ix.find(p); i >= 0 && ix.owner[i] != nil {
			at = append(at, i)
		}
	}
	return at
}

// proseWords is the fewest words of a paragraph of running prose: one
// long enough to be a sentence or two of an article, not a caption, a
// byline, a menu or a teaser's headline.
const proseWords = 25

// container returns the innermost element that holds every paragraph of
// running prose (proseWords or more) in a text, or nil when fewer than
// two of them are found on the page. An article's prose sits in one
// place; its menus, side columns and footers are elsewhere.
func (ix *pageIndex) container(paras []string) *html.Node {
	var c *html.Node
	n := 0
	for _, i := range ix.prose(paras) {
		n++
		if c == nil {
			c = ix.owner[i]
		} else {
			c = commonAncestor(c, ix.owner[i])
		}
	}
	if n < 2 {
		return nil
	}
	return c
}

// quoted reports whether every paragraph of a text that is found on the
// page stands inside a <blockquote>, and at least one is found: the text
// is a passage an author quotes, not the author's article.
func (ix *pageIndex) quoted(paras []string) bool {
	found := false
	for _, p := range paras {
		i := ix.find(p)
		if i < 0 || ix.owner[i] == nil {
			continue
		}
		found = true
		if !insideTag(ix.owner[i], "blockquote") {
			return false
		}
	}
	return found
}

// inPlace drops from a text what an extractor took along from beside
// the article: the short paragraphs (menus, bylines, table rows,
// captions) that stand on the page outside the element holding its prose
// (see container) and apart from it, such as a navigation bar above the
// article or a table in the next column; and at its end, paragraphs that
// stand apart from the element holding the prose before them, such as
// the notice that opens the reader comments below an article. A short
// paragraph outside that element but next to the text on the page
// (nothing left out between them) is the article's own, such as a
// standfirst above the body.
func (ix *pageIndex) inPlace(paras []string) []string {
	for len(paras) > 2 {
		rest := paras[:len(paras)-1]
		c := ix.container(rest)
		if c == nil || !ix.apart(paras[len(paras)-1], c, ix.taken(paras, c)) {
			break
		}
		paras = rest
	}
	c := ix.container(paras)
	if c == nil {
		return paras
	}
	taken := ix.taken(paras, c)
	out := paras[:0:0]
	for _, p := range paras {
		if len(words(p)) >= proseWords || !ix.apart(p, c, taken) {
			out = append(out, p)
		}
	}
	return out
}

// maxCaptionWords is the longest paragraph withoutCaptions drops.
const maxCaptionWords = 60

// withoutCaptions drops from a text the paragraphs that stand on the page
// in a <figure> (an image's caption and its credit: "Image caption,
// Firefighters used boats to reach residents"), unless that leaves less
// than half the text: a page may set its whole story in a figure.
func (ix *pageIndex) withoutCaptions(paras []string) []string {
	out := paras[:0:0]
	for _, p := range paras {
		if len(words(p)) <= maxCaptionWords {
			if at := ix.find(p); at >= 0 && (insideTag(ix.owner[at], "figure") || insideTag(ix.owner[at], "figcaption")) {
				continue
			}
		}
		out = append(out, p)
	}
	if len(out) == len(paras) || 2*textLen(out) < textLen(paras) {
		return paras
	}
	return out
}

// taken is the set of page paragraphs where a text's paragraphs stand.
func (ix *pageIndex) taken(paras []string, c *html.Node) map[int]bool {
	taken := make(map[int]bool, len(paras))
	for _, p := range paras {
		if j := ix.findIn(p, c); j >= 0 {
			taken[j] = true
		}
	}
	return taken
}

// apart reports whether paragraph p of a text stands on the page outside
// c and is not joined to the text's paragraphs inside c by paragraphs of
// the text alone (taken, see taken).
func (ix *pageIndex) apart(p string, c *html.Node, taken map[int]bool) bool {
	at := ix.findIn(p, c)
	if at < 0 || ix.owner[at] == nil || isAncestor(c, ix.owner[at]) {
		return false
	}
	for _, step := range []int{-1, 1} {
		for j := at + step; j >= 0 && j < len(ix.norm) && taken[j]; j += step {
			if ix.owner[j] != nil && isAncestor(c, ix.owner[j]) {
				return false
			}
		}
	}
	return true
}

// postLineWords is the longest line taken as a post's furniture ("Posted
// by a reader", "Report this comment", "Reply").
const postLineWords = 8

// withoutSignedPosts cuts from a text a list of posts that follows the
// article: reader comments, each carrying the same line of furniture. A
// short line that comes back three times or more is a template's, never
// an article's; when the element holding those lines holds the end of
// the text and nothing before it, and the text before it is an article
// of its own (two paragraphs of prose or more, MinBodyChars), that part
// is the list of posts under the article.
func (ix *pageIndex) withoutSignedPosts(paras []string, minChars int) []string {
	norm := func(l string) string { return strings.Join(words(strings.ToLower(l)), " ") }
	seen := map[string]int{}
	for _, p := range paras {
		for _, l := range strings.Split(p, "\n") {
			if n := len(words(l)); n > 0 && n <= postLineWords {
				seen[norm(l)]++
			}
		}
	}
	var list *html.Node
	posts := 0
	for _, p := range paras {
		repeated := false
		for _, l := range strings.Split(p, "\n") {
			repeated = repeated || seen[norm(l)] >= 3
		}
		if !repeated {
			continue
		}
		i := ix.find(p)
		if i < 0 || ix.owner[i] == nil {
			continue
		}
		posts++
		if list == nil {
			list = ix.owner[i]
		} else {
			list = commonAncestor(list, ix.owner[i])
		}
	}
	if posts < 3 {
		return paras
	}
	start := len(paras)
	for start > 0 && ix.inside(paras[start-1], list) {
		start--
	}
	for _, p := range paras[:start] {
		if i := ix.find(p); i >= 0 && ix.owner[i] != nil && isAncestor(list, ix.owner[i]) {
			return paras
		}
	}
	if start == len(paras) || textLen(paras[:start]) < minChars || ix.container(paras[:start]) == nil {
		return paras
	}
	return paras[:start]
}

// withoutStampedPosts cuts the posts that end a text when the text
// before them is an article of its own (minChars): three or more posts
// of one list (postOf), and the other lines of the section that holds
// them (a heading, "Showing 1-25 of 25 comments", "You must be logged in
// to comment"). The section is the outermost element around the list
// that holds no prose of the text before the posts; when the list itself
// holds some (an article set in the same block as its comments), it is
// the list. What follows the posts goes with them (a comment form, a
// notice under the comments), unless two or more paragraphs of prose
// follow outside the section: then the article goes on, and nothing is
// cut.
func (ix *pageIndex) withoutStampedPosts(paras []string, minChars int) []string {
	at := make([]int, len(paras))
	for k, p := range paras {
		at[k] = ix.find(p)
	}
	postAt := func(k int) *html.Node {
		if at[k] < 0 {
			return nil
		}
		return ix.postOf(at[k])
	}
	last := len(paras) - 1
	for last >= 0 && postAt(last) == nil {
		last--
	}
	if last < 0 {
		return paras
	}
	lastPost := postAt(last)
	list := lastPost.Parent
	// A post's other lines (its header, when the text holds it) are in
	// a block of the list built like the posts.
	postIn := func(k int) *html.Node {
		if post := postAt(k); post != nil {
			return post
		}
		if at[k] < 0 {
			return nil
		}
		for n := ix.owner[at[k]]; n != nil; n = n.Parent {
			if n.Parent == list {
				if n.Data == lastPost.Data && firstClass(n) == firstClass(lastPost) {
					return n
				}
				break
			}
		}
		return nil
	}
	posts := map[*html.Node]bool{}
	start := last + 1
	for ; start > 0; start-- {
		post := postIn(start - 1)
		if post == nil || post.Parent != list {
			break
		}
		posts[post] = true
	}
	if len(posts) < 3 {
		return paras
	}
	if textLen(paras[:start]) < minChars {
		return ix.openingPostOnly(paras, start, postIn, minChars)
	}
	// The section grows from the list while it holds no prose of the
	// text before the posts: a paragraph with a line of proseWords words,
	// not a block of short lines ("Showing 1-25 of 25 comments", "Sort:
	// Oldest first | Newest first", a one-line notice).
	holdsProse := func(n *html.Node) bool {
		for k := range start {
			long := slices.ContainsFunc(strings.Split(paras[k], "\n"), func(l string) bool { return len(words(l)) >= proseWords })
			if long && ix.holdsAny(n, at[k:k+1]) {
				return true
			}
		}
		return false
	}
	section, flat := list, holdsProse(list)
	if !flat {
		for section.Parent != nil && !holdsProse(section.Parent) {
			section = section.Parent
		}
		for start > 0 && ix.holdsAny(section, at[start-1:start]) {
			start--
		}
	}
	// What follows the posts (a comment form, a notice) goes with them,
	// unless two paragraphs of prose outside their section follow: the
	// article goes on.
	prose := 0
	for k := last + 1; k < len(paras); k++ {
		if post := postIn(k); post != nil && post.Parent == list {
			continue
		}
		if (flat || !ix.holdsAny(section, at[k:k+1])) && len(words(paras[k])) >= proseWords {
			if prose++; prose == 2 {
				return paras
			}
		}
	}
	out := paras[:start]
	if textLen(paras[:start]) < minChars {
		return paras
	}
	return out
}

// openingPostOnly is withoutStampedPosts for a text that is posts of one
// list from paras[start] on, with less than an article before them: a
// forum thread that the extractors took whole. When the first of those
// posts with a stamp line is the list's first (no sibling built alike
// and stamped before it; a notice above the thread may be built like a
// post) and it is an article's worth (minChars), the thread's page is
// its opening post, as in openingPost, and the replies are cut;
// otherwise the text is returned.
func (ix *pageIndex) openingPostOnly(paras []string, start int, postIn func(int) *html.Node, minChars int) []string {
	k := start
	for k < len(paras) && !ix.stamped[postIn(k)] {
		k++
	}
	if k == len(paras) {
		return paras
	}
	first := postIn(k)
	for c := first.PrevSibling; c != nil; c = c.PrevSibling {
		if c.Type == html.ElementNode && c.Data == first.Data && firstClass(c) == firstClass(first) && ix.stamped[c] {
			return paras
		}
	}
	end := k + 1
	for end < len(paras) && postIn(end) == first {
		end++
	}
	if end == len(paras) || textLen(paras[k:end]) < minChars {
		return paras
	}
	return paras[:end]
}

// openingPost returns the opening post of a thread when a text is one
// later post of it (every paragraph found on the page stands in that one
// post, postOf): a forum thread's page is its first post, and the
// replies under it answer it. The opening post's text is the part of it
// that stands where the text stands in its own post (the same path of
// elements down from the post); it must be an article's worth (minChars).
// Otherwise, or when the text is the opening post, the text is returned.
func (ix *pageIndex) openingPost(paras []string, minChars int) []string {
	var post, holder *html.Node
	for _, p := range paras {
		i := ix.find(p)
		if i < 0 || ix.owner[i] == nil {
			continue
		}
		switch q := ix.postOf(i); {
		case q == nil || (post != nil && q != post):
			return paras
		case post == nil:
			post, holder = q, ix.owner[i]
		default:
			holder = commonAncestor(holder, ix.owner[i])
		}
	}
	if post == nil {
		return paras
	}
	var path []int
	for n := holder; n != post; n = n.Parent {
		path = append(path, elementIndex(n))
	}
	for first := post.Parent.FirstChild; first != nil && first != post; first = first.NextSibling {
		if first.Type != html.ElementNode || first.Data != post.Data || firstClass(first) != firstClass(post) {
			continue
		}
		at := first
		for k := len(path) - 1; k >= 0 && at != nil; k-- {
			at = elementChild(at, path[k])
		}
		if at == nil || at.Data != holder.Data {
			continue
		}
		var out []string
		stamped := false
		for i, o := range ix.owner {
			if o != nil && isAncestor(first, o) && ix.postOf(i) == first {
				stamped = true
			}
			if o != nil && isAncestor(at, o) {
				out = append(out, strings.Join(ix.lines[i], "\n"))
			}
		}
		if !stamped || textLen(out) < minChars {
			return paras
		}
		return out
	}
	return paras
}

// elementIndex is n's place among its parent's child elements.
func elementIndex(n *html.Node) int {
	k := 0
	for c := n.PrevSibling; c != nil; c = c.PrevSibling {
		if c.Type == html.ElementNode {
			k++
		}
	}
	return k
}

// elementChild is n's child element at place k, or nil.
func elementChild(n *html.Node, k int) *html.Node {
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if c.Type == html.ElementNode {
			if k == 0 {
				return c
			}
			k--
		}
	}
	return nil
}

// holdsAny reports whether n holds one of the page paragraphs at.
func (ix *pageIndex) holdsAny(n *html.Node, at []int) bool {
	for _, i := range at {
		if i >= 0 && ix.owner[i] != nil && isAncestor(n, ix.owner[i]) {
			return true
		}
	}
	return false
}

// Posts: how far up from a paragraph a post's block is looked for, the
// most paragraphs one post holds, and the longest line read as its stamp.
const (
	maxPostDepth  = 8
	maxPostParas  = 40
	maxStampWords = 16
)

// postStamp is a time of day or a date in figures, as a post's header
// gives it ("22/04/2009 08:14", "02-14-2012, 09:12 PM").
var postStamp = regexp.MustCompile(`\b\d{1,2}:\d{2}\b|\b\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}\b`)

// postOf returns the post page paragraph i stands in, or nil: the
// innermost element around it, a few levels up at most, that is one of
// three or more siblings built alike (the same tag and first class) and
// holds, besides the paragraph, a short line with a time stamp (a
// time of day, a date in figures or with its month's name): the header
// of a reader's comment, a forum post or a dated teaser ("Sandra,
// Castlebridge, 22/04/2009 08:14", "jmk1959 wrote on April 6, 2010 at
// 10:11 AM"). An article's paragraphs are not posts: a <p> holds no line
// besides its own, and the block holding them all is one post at most.
func (ix *pageIndex) postOf(i int) *html.Node {
	ix.markStamps()
	n := ix.owner[i]
	for d := 0; n != nil && n.Type == html.ElementNode && n.DataAtom != atom.Body && d < maxPostDepth; d, n = d+1, n.Parent {
		if !ix.stamped[n] || ix.stampedAlike(n) < 3 {
			continue
		}
		// The paragraphs n holds are those around i on the page.
		lo, hi := i, i
		for lo > 0 && i-lo < maxPostParas && ix.owner[lo-1] != nil && isAncestor(n, ix.owner[lo-1]) {
			lo--
		}
		for hi+1 < len(ix.owner) && hi-i < maxPostParas && ix.owner[hi+1] != nil && isAncestor(n, ix.owner[hi+1]) {
			hi++
		}
		if i-lo >= maxPostParas || hi-i >= maxPostParas {
			return nil // larger than a post, as every element above it is
		}
		for j := lo; j <= hi; j++ {
			if j != i && ix.stampAt[j] {
				return n
			}
		}
	}
	return nil
}

// isStamp reports whether a line is a post's stamp: short, with a time
// of day or a date.
func isStamp(l string) bool {
	return len(words(l)) <= maxStampWords && (postStamp.MatchString(l) || hasDate(l))
}

// markStamps finds, once per page, the paragraphs with a stamp line
// (isStamp) and the elements that hold one.
func (ix *pageIndex) markStamps() {
	if ix.stampAt != nil {
		return
	}
	ix.stampAt = make([]bool, len(ix.lines))
	ix.stamped = map[*html.Node]bool{}
	for j, lines := range ix.lines {
		if slices.ContainsFunc(lines, isStamp) {
			ix.stampAt[j] = true
			for o := ix.owner[j]; o != nil && !ix.stamped[o]; o = o.Parent {
				ix.stamped[o] = true
			}
		}
	}
}

// stampedAlike counts n and its siblings with n's tag and first class
// that hold a stamp line (markStamps): posts of one list each carry
// theirs, where the rows of one post do not.
func (ix *pageIndex) stampedAlike(n *html.Node) int {
	if n.Parent == nil {
		return 0
	}
	class := firstClass(n)
	count := 0
	for c := n.Parent.FirstChild; c != nil; c = c.NextSibling {
		if c.Type == html.ElementNode && c.Data == n.Data && ix.stamped[c] && firstClass(c) == class {
			count++
		}
	}
	return count
}

func firstClass(n *html.Node) string {
	f := strings.Fields(className(n))
	if len(f) == 0 {
		return ""
	}
	return f[0]
}

// inside reports whether paragraph p of a text stands inside c on the
// page; a paragraph not found on the page (rewritten by an extractor) is
// given the benefit of the doubt.
func (ix *pageIndex) inside(p string, c *html.Node) bool {
	i := ix.findIn(p, c)
	if i < 0 || ix.owner[i] == nil {
		return true
	}
	return isAncestor(c, ix.owner[i])
}

// continuation keeps the opening run of paragraphs that continue a text
// in the same kind of place on the page as the text's own paragraphs: an
// article's end sits in elements like those of its start (the same tag
// and class under the same kind of parent), while the next block below
// it, reader comments or a side column, is built differently.
func (ix *pageIndex) continuation(text, more []string) []string {
	kinds := map[string]bool{}
	for _, p := range text {
		if i := ix.find(p); i >= 0 && ix.owner[i] != nil {
			kinds[blockKind(ix.owner[i])] = true
		}
	}
	if len(kinds) == 0 {
		return more
	}
	alike := func(p string) bool {
		j := ix.find(p)
		return j < 0 || ix.owner[j] == nil || kinds[blockKind(ix.owner[j])]
	}
	// One block of another kind (a subheading, an embedded quote) may
	// sit inside the run when the text goes on after it.
	for i, p := range more {
		if !alike(p) && (i+1 == len(more) || !alike(more[i+1])) {
			return more[:i]
		}
	}
	return more
}

// blockKind names a block by its tag and class and its parent's.
func blockKind(n *html.Node) string {
	k := n.Data + "." + className(n)
	if n.Parent != nil && n.Parent.Type == html.ElementNode {
		k += "<" + n.Parent.Data + "." + className(n.Parent)
	}
	return k
}

func className(n *html.Node) string {
	for _, a := range n.Attr {
		if a.Namespace == "" && a.Key == "class" {
			return a.Val
		}
	}
	return ""
}

// commonAncestor is the innermost element holding both a and b.
func commonAncestor(a, b *html.Node) *html.Node {
	depth := func(n *html.Node) int {
		d := 0
		for ; n != nil; n = n.Parent {
			d++
		}
		return d
	}
	da, db := depth(a), depth(b)
	for ; da > db; da-- {
		a = a.Parent
	}
	for ; db > da; db-- {
		b = b.Parent
	}
	for a != b {
		a, b = a.Parent, b.Parent
	}
	return a
}

// isAncestor reports whether a is n or holds it.
func isAncestor(a, n *html.Node) bool {
	for ; n != nil; n = n.Parent {
		if n == a {
			return true
		}
	}
	return false
}

// startWords is how many opening words of a block locate it on the page.
const startWords = 8

// start returns the index of the page paragraph where a block's first
// sentence-length paragraph stands, or -1 when it has none or it is not
// found.
func (ix *pageIndex) start(block []string) int {
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
func (ix *pageIndex) titleAt(title string) int {
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
