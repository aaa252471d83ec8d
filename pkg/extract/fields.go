package extract

import (
	"net"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/PuerkitoBio/goquery"
	"github.com/RadhiFadlillah/whatlanggo"
	"github.com/markusmobius/go-htmldate"
	"golang.org/x/net/html"

	"github.com/parley-news/parley/pkg/docdate"
)

// pageOf is the page number a title of a story told over pages ends with:
// "(page 1 of 2)", "- Page 3", "Seite 2 von 4".
var pageOf = regexp.MustCompile(`(?i)\s*[(\[]?\s*[-–—|:,]?\s*\b(?:page|seite|página|pagina|strona|страница)\s+\d+(?:\s*(?:of|von|de|di|z|из)\s*\d+)?\s*[)\]]?\s*$`)

// titleSeparators split "Headline | Site" style titles.
// Chinese sites join the parts with "_" or "｜" and no spaces.
var titleSeparators = []string{" | ", " - ", " — ", " – ", " :: ", " · ", " » ", " // ", " • ", "_", "｜"}

// pickTitle: site rule, og:title, JSON-LD headline, <title>, twitter:title,
// first <h1>, the feed's title; the site's name is cut from either end.
// h1 is the first <h1>'s text; home and nav are the page's names for its
// site and sections (linkNames).
func pickTitle(m *meta, h Hints, rule *compiledRule, doc *goquery.Document, base *url.URL, h1 string, home, nav []string) string {
	if rule != nil && rule.title != nil {
		if t := cleanText(doc.FindMatcher(rule.title).First().Text()); t != "" {
			return t
		}
	}
	sites := append([]string{m.siteName, m.ld.publisher, h.Source, hostLabel(base)}, home...)
	headline := h1
	if headline == "" {
		headline = headingInTitle(doc, m.title)
	} else if h := headingAfterName(doc, m.title, h1); h != "" {
		headline = h
	}
	first := ""
	for _, t := range []string{m.ogTitle, m.ld.headline, m.title, m.twTitle, h1, cleanText(h.Title)} {
		t = stripSiteSuffix(t, headline, nav, sites...)
		if t == "" {
			continue
		}
		if first == "" {
			first = t
		}
		// A <title> that is only the site's name (the same on every page
		// of old sites) is not the headline when another candidate is.
		if !slices.ContainsFunc(home, func(n string) bool { return normName(n) == normName(t) }) {
			return t
		}
	}
	return first
}

// headingInTitle returns the text of the page's first <h2> to <h4> that
// is the longest part of its <title>, of three words or more: the
// headline of an old page without an <h1> ("Daily Monitor - Border
// crossing reopens", with the headline in an <h3>), which tells the
// site's name in the title from the headline (a sidebar's heading may
// repeat the site's name, the shorter part). "" when there is none.
func headingInTitle(doc *goquery.Document, title string) string {
	parts := map[string]bool{}
	for _, sep := range titleSeparators {
		longest := ""
		for _, p := range strings.Split(title, sep) {
			if len(strings.Fields(p)) > len(strings.Fields(longest)) {
				longest = p
			}
		}
		if len(strings.Fields(longest)) >= 3 && longest != title {
			parts[normName(longest)] = true
		}
	}
	if len(parts) == 0 {
		return ""
	}
	found := ""
	doc.Find("h2, h3, h4").EachWithBreak(func(_ int, s *goquery.Selection) bool {
		if t := cleanText(s.Text()); parts[normName(t)] {
			found = t
			return false
		}
		return true
	})
	return found
}

// headingAfterName returns the text of the page's first <h2> to <h4>
// (three words or more) that ends a <title> opening with the h1 ("Board
// Name • View topic - Thread title", "Blog Name » Post title"): there the
// h1 is the site's name and the heading the headline. "" when there is
// none.
func headingAfterName(doc *goquery.Document, title, h1 string) string {
	t, name := normName(title), normName(h1)
	if name == "" || !strings.HasPrefix(t, name) || len(t) == len(name) {
		return ""
	}
	found := ""
	doc.Find("h2, h3, h4").EachWithBreak(func(_ int, s *goquery.Selection) bool {
		h := cleanText(s.Text())
		if len(strings.Fields(h)) >= 3 && strings.HasSuffix(t, normName(h)) {
			found = h
			return false
		}
		return true
	})
	return found
}

// onlyPageTitle reports whether the title comes from the page's <title>
// alone and names nothing the page shows: no og:title, JSON-LD headline
// or <h1>, and no line of the page is the title. Old sites put one
// generic <title> on every page ("Ministry of Foreign Affairs - Press
// releases").
func onlyPageTitle(m *meta, h1 string, ix *pageIndex, title string) bool {
	if m.ogTitle != "" || m.ld.headline != "" || h1 != "" || ix == nil {
		return false
	}
	return ix.titleAt(title) < 0
}

// siteNamed reports whether a title is the site's name only (its
// og:site_name, a host's name, or the text of a link to its home page, with one word
// more at most, that is not also
// the page's og:title or JSON-LD headline: some pages link their headline
// to the home page): pickTitle found no headline.
func siteNamed(title string, m *meta, home []string) bool {
	n := normName(title)
	if n == "" || n == normName(m.ogTitle) || n == normName(m.ld.headline) {
		return n != "" && n == normName(m.siteName)
	}
	return n == normName(m.siteName) || hostName.MatchString(strings.TrimSpace(title)) || slices.ContainsFunc(home, func(h string) bool {
		// The name, or the name and one more word ("The Kenya Tribune
		// Online" beside the logo's "The Kenya Tribune", "Jangada Online"
		// beside "JANGADA"); a name of one word must not be a short one.
		hw := len(words(h))
		return normName(h) == n || (hw >= 2 || len(normName(h)) >= 5) && len(words(title)) <= hw+1 && holdsWords(title, h)
	})
}

// hostName is a title that is a host's name ("straitscourier.com.sg").
var hostName = regexp.MustCompile(`^(?i:www\.)?[\p{L}\d-]+(?:\.[\p{L}\d-]+)*\.\p{L}{2,}$`)

// logoName is the alt text of the page's first image that has one, which
// on old pages is the site's logo ("Alizé"), when it is 1 to 4 words long.
func logoName(doc *goquery.Document) string {
	alt := cleanText(doc.Find("img[alt]").FilterFunction(func(_ int, s *goquery.Selection) bool {
		return cleanText(s.AttrOr("alt", "")) != ""
	}).First().AttrOr("alt", ""))
	if n := len(words(alt)); n == 0 || n > 4 {
		return ""
	}
	return alt
}

// linkNames returns the names the page gives its own site and sections:
// the text (or image alt text) of links to the site's home page, and the
// text of short links (four words at most: "Sport", "Local News"). A
// title part that is one of them is the site's or the section's name,
// not the headline.
func linkNames(doc *goquery.Document, base *url.URL) (home, nav []string) {
	doc.Find("a[href]").Each(func(_ int, a *goquery.Selection) {
		href, _ := a.Attr("href")
		text := cleanText(a.Text())
		if text == "" {
			text = cleanText(a.Find("img[alt]").First().AttrOr("alt", ""))
		}
		if text == "" {
			return
		}
		href = strings.TrimSpace(href)
		u, err := url.Parse(href)
		if err != nil || strings.HasPrefix(href, "#") || u.Scheme != "" && u.Scheme != "http" && u.Scheme != "https" {
			// A script's link ("javascript:imprimir()") or one within
			// the page names no page of the site.
			return
		}
		if base != nil {
			u = base.ResolveReference(u)
		}
		sameSite := u.Host == "" || base == nil || siteKey(u.Hostname()) == siteKey(base.Hostname())
		switch p := strings.TrimSuffix(strings.ToLower(u.Path), "/"); {
		case sameSite && (p == "" || strings.HasPrefix(p, "/index.") || strings.HasPrefix(p, "/default.")) && u.RawQuery == "":
			home = append(home, text)
		case sameSite && len(strings.Fields(text)) <= 4:
			nav = append(nav, text)
		}
	})
	return home, nav
}

// hostLabel is the distinctive label of a host: "example" for www.example.co.uk.
func hostLabel(u *url.URL) string {
	if u == nil || net.ParseIP(u.Hostname()) != nil {
		// An address names no site ("0" of 127.0.0.1 would be found in
		// any title part with a zero in it).
		return ""
	}
	k := siteKey(u.Hostname())
	if i := strings.Index(k, "."); i > 0 {
		return k[:i]
	}
	return k
}

// stripSiteSuffix cuts the site's name from "Headline | Site" or
// "Site - Headline". A part is the site's name when it matches one of
// sites or is one of sections (the page's short link texts, "Sport"), or
// when the rest equals the page's h1, or when it is a short tail after a
// longer headline.
func stripSiteSuffix(t, h1 string, sections []string, sites ...string) string {
	t = strings.TrimSpace(pageOf.ReplaceAllString(t, ""))
	if t == "" {
		return ""
	}
	isSite := func(part string) bool {
		p := normName(part)
		if p == "" {
			return false
		}
		// A part holds the site's name, or is part of it, word for word:
		// "Home" is a home link's text, and "300 homes" does not hold it.
		for _, site := range sites {
			if s := normName(site); s != "" && (p == s || holdsWords(part, site) || holdsWords(site, part)) {
				return true
			}
		}
		return slices.ContainsFunc(sections, func(s string) bool { return normName(s) == p })
	}
	isSiteName := func(part string) bool {
		p := normName(part)
		return p != "" && slices.ContainsFunc(sites, func(s string) bool { return normName(s) == p })
	}
	for _, sep := range titleSeparators {
		i := strings.LastIndex(t, sep)
		if i <= 0 {
			continue
		}
		head, tail := strings.TrimSpace(t[:i]), strings.TrimSpace(t[i+len(sep):])
		// The rest is the page's h1, the headline, unless the h1 is the
		// site's name (a blog's h1 that links home).
		isH1 := h1 != "" && normName(head) == normName(h1) && !isSite(h1)
		if isSite(tail) || isH1 ||
			(len(strings.Fields(tail)) <= 4 && len(strings.Fields(head)) >= 3 && len(head) > 2*len(tail)) {
			return stripSiteSuffix(head, h1, sections, sites...)
		}
		j := strings.Index(t, sep)
		if isSite(strings.TrimSpace(t[:j])) || (h1 != "" && normName(t[j+len(sep):]) == normName(h1)) {
			// The rest may open with a section's name in turn ("Portal :: News :: Headline").
			return stripSiteSuffix(t[j+len(sep):], h1, sections, sites...)
		}
	}
	// Blogs put their name before a colon ("Blog Name: Post"); a headline
	// has colons of its own ("Ukraine: talks resume", "Draft: ..."), so
	// only the site's very name is cut there, not a part that holds it
	// or a section's name.
	if head, rest, ok := strings.Cut(t, ": "); ok && isSiteName(head) && strings.TrimSpace(rest) != "" {
		rest = strings.TrimSpace(rest)
		// After the site's name, a section's name may stand before a
		// colon too ("Daily : Business : Headline").
		if sec, headline, ok := strings.Cut(rest, ": "); ok && strings.TrimSpace(headline) != "" &&
			slices.ContainsFunc(sections, func(s string) bool { return normName(s) == normName(sec) }) {
			return strings.TrimSpace(headline)
		}
		return rest
	}
	return t
}

// holdsWords reports whether the words of b stand together in a.
func holdsWords(a, b string) bool {
	wb := words(strings.ToLower(b))
	return len(wb) > 0 && strings.Contains(" "+strings.Join(words(strings.ToLower(a)), " ")+" ", " "+strings.Join(wb, " ")+" ")
}

func normName(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// stripTags turns a feed summary that may hold HTML into text.
func stripTags(s string) string {
	if !strings.ContainsAny(s, "<&") {
		return s
	}
	nodes, err := html.ParseFragment(strings.NewReader(s), &html.Node{Type: html.ElementNode, Data: "div", DataAtom: 0})
	if err != nil {
		return s
	}
	var parts []string
	for _, n := range nodes {
		if t := nodeText(n); t != "" {
			parts = append(parts, t)
		}
	}
	return strings.Join(parts, " ")
}

// pickImage: og:image, JSON-LD image, twitter:image, image_src, the feed's image.
func pickImage(m *meta, h Hints, base *url.URL) string {
	cands := append(append(append(append([]string{}, m.ogImages...), m.ld.images...), m.otherImages...), h.Image)
	for _, c := range cands {
		if u := resolve(base, c); u != "" {
			return u
		}
	}
	return ""
}

// pickCategories: feed categories, article:section, JSON-LD articleSection.
func pickCategories(m *meta, h Hints) []string {
	var out []string
	seen := map[string]bool{}
	add := func(vals []string) {
		for _, v := range vals {
			v = cleanText(v)
			k := strings.ToLower(v)
			if v == "" || seen[k] || len(v) > 80 {
				continue
			}
			seen[k] = true
			out = append(out, v)
		}
	}
	add(h.Categories)
	add(m.sections)
	add(m.ld.sections)
	add(m.tags)
	return out
}

// pickLanguage: the declared language (html lang, og:locale,
// content-language, JSON-LD inLanguage, the feed's) checked against
// detection on the text; a confident detection on enough text wins.
func pickLanguage(m *meta, h Hints, body, extra string) string {
	declared := ""
	for _, c := range []string{m.htmlLang, m.ogLocale, m.contentLang, m.ld.language, h.Language} {
		if l := isoLang(c); l != "" {
			declared = l
			break
		}
	}
	text := body
	if len([]rune(text)) < 200 {
		text = strings.TrimSpace(extra + " " + body)
	}
	if len([]rune(text)) < 40 {
		return declared
	}
	// A thousand characters are plenty for a trigram detector and keep
	// the cost flat on long articles.
	if len(text) > 1200 {
		cut := 1200
		for cut > 0 && !utf8.RuneStart(text[cut]) {
			cut--
		}
		text = text[:cut]
	}
	info := whatlanggo.Detect(text)
	detected := info.Lang.Iso6391()
	if detected == "" || detected == declared {
		return firstNonEmpty(declared, detected)
	}
	long := len([]rune(body)) >= 200
	if declared == "" {
		if info.IsReliable() || long {
			return detected
		}
		return ""
	}
	if long && info.IsReliable() && info.Confidence >= 0.8 && !confusable(declared, detected) {
		return detected
	}
	return declared
}

// confusableGroups are languages that trigram detectors tell apart badly
// (Slovak text is "detected" as Croatian with full confidence); between
// two of them the page's declaration is trusted over the detector.
var confusableGroups = [][]string{
	{"cs", "sk", "sl", "hr", "sr", "bs", "pl"},
	{"da", "no", "nb", "nn", "sv"},
	{"es", "pt", "gl", "ca", "it"},
	{"id", "ms"},
	{"ru", "uk", "be", "bg", "mk", "sr"},
	{"hi", "mr", "ne"},
	{"af", "nl"},
}

func confusable(a, b string) bool {
	for _, g := range confusableGroups {
		inA, inB := false, false
		for _, l := range g {
			inA = inA || l == a
			inB = inB || l == b
		}
		if inA && inB {
			return true
		}
	}
	return false
}

// isoLang reduces "en-US", "en_GB", "eng" or "English" to ISO 639-1.
func isoLang(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	if s == "" {
		return ""
	}
	if i := strings.IndexAny(s, "-_,; "); i > 0 {
		s = s[:i]
	}
	if len(s) == 2 && s[0] >= 'a' && s[0] <= 'z' && s[1] >= 'a' && s[1] <= 'z' {
		return s
	}
	if len(s) == 3 {
		for l := range whatlanggo.Langs {
			if l.Iso6393() == s {
				return l.Iso6391()
			}
		}
	}
	for l := range whatlanggo.Langs {
		if strings.ToLower(l.String()) == s {
			return l.Iso6391()
		}
	}
	return ""
}

// ---- dates ----

// parseDate is docdate.Parse for the extractor's optional fields.
func parseDate(s string) *time.Time {
	if t, ok := docdate.Parse(s); ok {
		return &t
	}
	return nil
}

// validDate keeps t when it is within docdate's plausible years.
func validDate(t time.Time) *time.Time {
	if !docdate.Valid(t) {
		return nil
	}
	u := t.UTC()
	return &u
}

func firstDate(vals ...string) *time.Time {
	for _, v := range vals {
		if t := parseDate(v); t != nil {
			return t
		}
	}
	return nil
}

var (
	publishedMarker = regexp.MustCompile(`(?i)publish|posted|created|pubdate`)
	updatedMarker   = regexp.MustCompile(`(?i)updat|modif|revis`)
)

var urlDate = []*regexp.Regexp{
	regexp.MustCompile(`/((?:19|20)\d{2})[/-](0?[1-9]|1[0-2])[/-](0?[1-9]|[12]\d|3[01])(?:/|[^0-9]|$)`),
	regexp.MustCompile(`[/_-]((?:19|20)\d{2})(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])(?:[/_.-]|$)`),
}

// dateFromURL finds /2024/01/24/, /2024-01-24- or -20240124- in a URL path.
func dateFromURL(raw string) *time.Time {
	u, err := url.Parse(raw)
	if err != nil {
		return nil
	}
	for _, re := range urlDate {
		if m := re.FindStringSubmatch(u.Path); m != nil {
			y, _ := strconv.Atoi(m[1])
			mo, _ := strconv.Atoi(m[2])
			d, _ := strconv.Atoi(m[3])
			t := time.Date(y, time.Month(mo), d, 0, 0, 0, 0, time.UTC)
			if t.Day() != d {
				continue
			}
			return validDate(t)
		}
	}
	return nil
}

// timeElement returns the datetime of the page's <time> elements: one
// marked as published (or updated when updated is true), else for
// published the first <time datetime> inside the article.
func timeElement(doc *goquery.Document, updated bool) *time.Time {
	var found *time.Time
	marker := publishedMarker
	if updated {
		marker = updatedMarker
	}
	doc.Find("time, [itemprop=datePublished], [itemprop=dateModified]").EachWithBreak(func(_ int, s *goquery.Selection) bool {
		desc := s.AttrOr("itemprop", "") + " " + s.AttrOr("class", "") + " " + s.Parent().AttrOr("class", "")
		if _, ok := s.Attr("pubdate"); ok && !updated {
			desc += " pubdate"
		}
		if !marker.MatchString(desc) {
			return true
		}
		if t := parseDate(firstNonEmpty(s.AttrOr("datetime", ""), s.AttrOr("content", ""), s.Text())); t != nil {
			found = t
			return false
		}
		return true
	})
	if found != nil || updated {
		return found
	}
	doc.Find("article time[datetime], main time[datetime], time[datetime]").EachWithBreak(func(_ int, s *goquery.Selection) bool {
		if t := parseDate(s.AttrOr("datetime", "")); t != nil {
			found = t
			return false
		}
		return true
	})
	return found
}

// pickDates returns published, updated and the dateline place.
func pickDates(m *meta, h Hints, rule *compiledRule, doc *goquery.Document, near *nearHeadline, body, canonURL, pageURL string) (*time.Time, *time.Time, string) {
	var pub, upd *time.Time
	if h.Published != nil && !h.Published.IsZero() {
		t := h.Published.UTC()
		pub = &t
	}
	if h.Updated != nil && !h.Updated.IsZero() {
		t := h.Updated.UTC()
		upd = &t
	}
	if pub == nil && rule != nil && rule.date != nil {
		s := doc.FindMatcher(rule.date).First()
		pub = firstDate(s.AttrOr("datetime", ""), s.AttrOr("content", ""), s.Text())
	}
	if pub == nil {
		pub = firstDate(m.ld.published)
	}
	if pub == nil {
		pub = firstDate(m.published...)
	}
	if pub == nil {
		pub = timeElement(doc, false)
	}
	place, dlDate := parseDateline(body, refYear(canonURL, pageURL))
	if pub == nil {
		pub = dlDate
	}
	if pub == nil {
		pub = scanDate(doc, canonURL)
	}
	if pub == nil {
		pub = headlineDate(near)
	}
	if pub == nil {
		pub = dateFromURL(canonURL)
	}
	if pub == nil {
		pub = dateFromURL(pageURL)
	}
	if upd == nil {
		upd = firstDate(m.ld.modified)
	}
	if upd == nil {
		upd = firstDate(m.modified...)
	}
	if upd == nil {
		upd = timeElement(doc, true)
	}
	if upd != nil && pub != nil && upd.Before(*pub) {
		upd = nil
	}
	return pub, upd, place
}

// scanDate asks htmldate (fast mode: its own patterns, no general date
// parser) for the original publication date written somewhere in the page
// text or markup, for pages whose metadata names none ("Published 4:00 am
// CST, Wednesday, November 20, 2019").
func scanDate(doc *goquery.Document, canonURL string) *time.Time {
	if len(doc.Nodes) == 0 {
		return nil
	}
	res, err := htmldate.FromDocument(doc.Nodes[0], htmldate.Options{
		UseOriginalDate:     true,
		SkipExtensiveSearch: true,
		ExtractTime:         true,
		URL:                 canonURL,
		MaxDate:             time.Now().Add(48 * time.Hour),
	})
	if err != nil || res.IsZero() {
		return nil
	}
	return validDate(byWeekday(doc, res.DateTime))
}

// weekdayDate is a figures-only date with its weekday before it: "Thu,
// 05/12/2011" (Drupal's default), "Monday 03.04.2017".
var weekdayDate = regexp.MustCompile(`(?i)\b(mon|tue|wed|thu|fri|sat|sun)[a-z]*\.?,?\s+(\d{1,2})[/.](\d{1,2})[/.]((?:19|20)\d{2})\b`)

// byWeekday reads a figures-only date the other way round when the page
// prints it with a weekday that only the other reading falls on: 05/12/2011
// is read day first as 5 December, but "Thu, 05/12/2011" is 12 May, a
// Thursday (5 December 2011 was a Monday).
func byWeekday(doc *goquery.Document, t time.Time) time.Time {
	d, m := t.Day(), int(t.Month())
	if d > 12 || d == m {
		return t // only one reading
	}
	for _, g := range weekdayDate.FindAllStringSubmatch(doc.Text(), 20) {
		a, _ := strconv.Atoi(g[2])
		b, _ := strconv.Atoi(g[3])
		y, _ := strconv.Atoi(g[4])
		if y != t.Year() || !(a == d && b == m || a == m && b == d) {
			continue
		}
		other := time.Date(t.Year(), time.Month(d), m, t.Hour(), t.Minute(), t.Second(), 0, t.Location())
		wd := strings.ToLower(g[1])
		if weekdayAbbr(t) != wd && weekdayAbbr(other) == wd {
			return other
		}
		return t
	}
	return t
}

func weekdayAbbr(t time.Time) string { return strings.ToLower(t.Weekday().String()[:3]) }

// nearHeadline holds the lines old pages print beside the headline, where
// they put the date and the byline: those of the page paragraphs within
// two of the headline's (see titleAt), the headline's own and the two
// after it first, then the two above it, in that order. They are found
// on first use, once for the dates and the authors, in ix, the page index
// the main text was found with, or in one built then when there is none.
type nearHeadline struct {
	doc   *goquery.Document
	title string
	ix    *pageIndex
	paras [][]string
	third []string // the third paragraph after the headline's: a date stands there below a standfirst and a byline
	found bool
}

func (h *nearHeadline) lines() [][]string {
	if h.found {
		return h.paras
	}
	h.found = true
	if len(h.doc.Nodes) == 0 || h.title == "" {
		return nil
	}
	ix := h.ix
	if ix == nil {
		ix = newPageIndex(h.doc.Nodes[0])
	}
	at := ix.titleAt(h.title)
	if at < 0 {
		return nil
	}
	for _, i := range []int{at, at + 1, at + 2, at - 1, at - 2} {
		if i >= 0 && i < len(ix.lines) {
			h.paras = append(h.paras, ix.lines[i])
		}
	}
	if at+3 < len(ix.lines) {
		h.third = ix.lines[at+3]
	}
	return h.paras
}

// headlineDate reads the date line beside the headline ("Monday, November
// 5, 2012" above it, a date under it): a line that is a whole date, with
// a year and a month's name in any language docdate reads or in figures
// year first ("2007-01-24 18:05"), and nothing else. A line with a year
// but no month name is a copyright line ("© 2012"), and one in figures
// day or month first ("06/11/2012") is day-first on some sites and
// month-first on others. A byline may carry the date ("By Jane
// Doe on November 5, 2012", "Par Claire Dubois — Publié le 23 novembre
// 2012"). The first such line at or after the headline wins, else the
// nearest above it, else one in the third paragraph after it.
func headlineDate(near *nearHeadline) *time.Time {
	for _, lines := range append(near.lines(), near.third) {
		for _, l := range lines {
			byline := byPrefix.MatchString(l) && len(words(l)) <= maxBylineWords
			if !isDateLine(l) && !(byline && hasDate(l)) {
				if t, ok := leadingDate(l); ok {
					return validDate(t)
				}
				continue
			}
			if t, ok := docdate.Parse(l); ok {
				return validDate(t)
			}
			// A word or two before the date: "Posted 14 October 2008".
			if at := dateStart.FindStringIndex(l); at != nil && at[0] > 0 {
				if t, ok := docdate.Parse(l[at[0]:]); ok {
					return validDate(t)
				}
			}
		}
	}
	return nil
}

// leadingDate reads the date a longer line opens with, where an old
// page's table row joins the date's cell and a toolbar's ("Lunes 15 de
// septiembre de 2008 | Edición impresa Imprimir Enviar"): the longest
// run of its first words that is a date line and parses.
func leadingDate(l string) (time.Time, bool) {
	if !hasDate(l) {
		return time.Time{}, false
	}
	f := strings.Fields(l)
	for k := min(len(f), 2*maxDateWords); k >= 3; k-- {
		head := strings.TrimRight(strings.Join(f[:k], " "), " |,;:-–—")
		if !isDateLine(head) {
			continue
		}
		if t, ok := docdate.Parse(head); ok {
			return t, true
		}
	}
	return time.Time{}, false
}

// dateStart finds where a date begins in a line: its first figure or
// month's name.
var dateStart = regexp.MustCompile(`(?i)\d|\b` + monthNames + `\b`)

// maxDateWords is the most words of a line that is a date and nothing
// else ("Monday, November 5, 2012, 9:14 AM EST").
const maxDateWords = 8

// refYear is the year a dateline without one belongs to: the URL's year if
// it has one, else the current year.
func refYear(urls ...string) int {
	for _, u := range urls {
		if t := dateFromURL(u); t != nil {
			return t.Year()
		}
	}
	return 0
}

// ---- dateline ----

var (
	monthNames = `(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)`
	// KYIV, Jan 24 (Reuters) -   WASHINGTON (AP) —   ABU DHABI, United Arab Emirates, Feb. 1 (AFP) –   LONDON —
	datelineRe = regexp.MustCompile(`^\s*([A-Z][A-Z'’.\-]+(?:[ /][A-Z][A-Z'’.\-]+){0,3})((?:,\s*[A-Z][A-Za-z.]+(?:\s[A-Z][A-Za-z.]+){0,3})?)` +
		`(?:,?\s*(` + monthNames + `)\.?\s+(\d{1,2})(?:,\s*(\d{4}))?)?` +
		`\s*(\((?:[A-Za-z][\w .&-]{0,30})\))?\s*(?:[-–—]{1,2}|:)\s`)
)

// parseDateline finds the place (and the date, when given) in an opening
// such as "KYIV, Jan 24 (Reuters) -". A bare place needs a dash after a
// wire name or an all-capitals place to count.
func parseDateline(body string, year int) (string, *time.Time) {
	// The dateline opens one of the first paragraphs (a heading or a
	// byline may come before it).
	var m []string
	for i, p := range strings.SplitN(body, "\n", 5) {
		if i == 4 {
			break
		}
		if len(p) > 400 {
			p = p[:400]
		}
		if m = datelineRe.FindStringSubmatch(p); m != nil {
			break
		}
	}
	if m == nil {
		return "", nil
	}
	place := m[1]
	if len([]rune(place)) < 3 || !isAllCaps(place) {
		return "", nil
	}
	if m[3] == "" && m[6] == "" && !strings.ContainsAny(m[0], "—–") {
		// "WORD - " without date or agency is too often a heading.
		return "", nil
	}
	placeName := titleCase(place)
	var when *time.Time
	if m[3] != "" {
		mon := monthIndex(m[3])
		day, _ := strconv.Atoi(m[4])
		y := year
		if m[5] != "" {
			y, _ = strconv.Atoi(m[5])
		}
		if y == 0 {
			now := time.Now().UTC()
			y = now.Year()
			if time.Date(y, mon, day, 0, 0, 0, 0, time.UTC).After(now.Add(48 * time.Hour)) {
				y--
			}
		}
		t := time.Date(y, mon, day, 0, 0, 0, 0, time.UTC)
		if t.Day() == day {
			when = validDate(t)
		}
	}
	return placeName, when
}

func isAllCaps(s string) bool {
	letters := 0
	for _, r := range s {
		if unicode.IsLetter(r) {
			letters++
			if !unicode.IsUpper(r) {
				return false
			}
		}
	}
	return letters >= 2
}

func titleCase(s string) string {
	words := strings.Fields(strings.ToLower(s))
	for i, w := range words {
		parts := strings.Split(w, "-")
		for j, p := range parts {
			r := []rune(p)
			if len(r) > 0 {
				r[0] = unicode.ToUpper(r[0])
			}
			parts[j] = string(r)
		}
		words[i] = strings.Join(parts, "-")
	}
	return strings.Join(words, " ")
}

func monthIndex(s string) time.Month {
	s = strings.ToLower(s)[:3]
	for m := time.January; m <= time.December; m++ {
		if strings.ToLower(m.String())[:3] == s {
			return m
		}
	}
	return time.January
}
