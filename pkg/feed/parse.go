package feed

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/mmcdole/gofeed"
	ext "github.com/mmcdole/gofeed/extensions"
	"github.com/mmcdole/gofeed/rss"

	"github.com/parley-news/parley/pkg/docdate"
	"github.com/parley-news/parley/pkg/internal/panics"
)

var (
	// ErrNotAFeed: the document is not RSS, Atom or JSON Feed (an HTML page,
	// other JSON, an empty body). When the document is an HTML page that
	// advertises feeds, the error is a *NotAFeedError listing them.
	ErrNotAFeed = errors.New("not a feed")
	// ErrMalformed: the document looks like a feed but cannot be read, even
	// after the lenient recovery pass.
	ErrMalformed = errors.New("malformed feed")
)

// NotAFeedError is returned for an HTML page where a feed was expected. It
// wraps ErrNotAFeed and carries the feed URLs the page advertises.
type NotAFeedError struct {
	URL        string   // the URL that was fetched, if known
	Discovered []string // absolute feed URLs from <link rel="alternate">
}

func (e *NotAFeedError) Error() string {
	// Parse names e.URL in the message wrapping this error.
	if len(e.Discovered) == 0 {
		return "not a feed: an HTML page, and it links no feed"
	}
	return "not a feed: an HTML page; it links the feed(s) " + strings.Join(e.Discovered, ", ")
}

func (e *NotAFeedError) Unwrap() error { return ErrNotAFeed }

// Parse decodes a feed document (RSS 0.9x/1.0/2.0, Atom 0.3/1.0, JSON Feed)
// in any encoding. contentType is the HTTP Content-Type, if any; feedURL is
// where the document came from, used to resolve relative links. A
// document that makes a parser beneath it panic is an error, not the end
// of the process that polls it.
func Parse(body []byte, contentType, feedURL string) (*Feed, error) {
	return guard(feedURL, func() (*Feed, error) { return parse(body, contentType, feedURL) })
}

// guard runs parse and turns its panic into an error naming the document.
func guard(feedURL string, parse func() (*Feed, error)) (*Feed, error) {
	var (
		f   *Feed
		err error
	)
	if p := panics.Catch(func() { f, err = parse() }); p != nil {
		return nil, fmt.Errorf("%s: %w: the feed parser failed on it: %v", parseWhat(feedURL), ErrNotAFeed, p.Value)
	}
	return f, err
}

func parse(body []byte, contentType, feedURL string) (*Feed, error) {
	doc, _, err := toUTF8(body, contentType)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", parseWhat(feedURL), err)
	}
	doc = stripControl(doc)
	if len(bytes.TrimSpace(doc)) == 0 {
		return nil, fmt.Errorf("%s: %w: empty document", parseWhat(feedURL), ErrNotAFeed)
	}

	var gf *gofeed.Feed
	switch {
	case doc[0] == '{' || doc[0] == '[':
		gf, err = parseJSON(doc)
	default:
		gf, err = parseXML(doc, feedURL)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", parseWhat(feedURL), err)
	}
	f := convert(gf, feedURL)
	f.Hub, f.Self = discoverHub(doc, feedURL)
	return f, nil
}

func parseJSON(doc []byte) (*gofeed.Feed, error) {
	var probe struct {
		Version string `json:"version"`
	}
	if doc[0] == '[' {
		return nil, fmt.Errorf("%w: a JSON array, not a JSON Feed", ErrNotAFeed)
	}
	if err := json.Unmarshal(doc, &probe); err != nil {
		return nil, fmt.Errorf("%w: invalid JSON: %v", ErrMalformed, err)
	}
	if !strings.HasPrefix(probe.Version, "https://jsonfeed.org/version/") &&
		!strings.HasPrefix(probe.Version, "http://jsonfeed.org/version/") {
		return nil, fmt.Errorf("%w: JSON without a JSON Feed version (%q)", ErrNotAFeed, probe.Version)
	}
	gf, err := newParser().Parse(bytes.NewReader(doc))
	if err != nil {
		return nil, fmt.Errorf("%w: JSON Feed: %v", ErrMalformed, err)
	}
	return gf, nil
}

func parseXML(doc []byte, feedURL string) (*gofeed.Feed, error) {
	switch gofeed.DetectFeedType(bytes.NewReader(doc)) {
	case gofeed.FeedTypeRSS, gofeed.FeedTypeAtom:
	default:
		if looksLikeHTML(doc) {
			return nil, &NotAFeedError{URL: feedURL, Discovered: Discover(doc, feedURL)}
		}
		if gf, ok := parseCDF(doc); ok {
			return gf, nil
		}
		if fixed := repairXML(doc); fixed != nil {
			if t := gofeed.DetectFeedType(bytes.NewReader(fixed)); t == gofeed.FeedTypeRSS || t == gofeed.FeedTypeAtom {
				return parseXML(fixed, feedURL)
			}
		}
		return nil, fmt.Errorf("%w: no RSS, RDF, Atom or JSON Feed root element", ErrNotAFeed)
	}
	gf, err := newParser().Parse(bytes.NewReader(doc))
	if err == nil {
		if gf.FeedType == "atom" && len(gf.Items) == 0 && atomItem.Match(doc) {
			// Some Atom producers write RSS's <item> for <entry>; lenient
			// readers (feedparser among them) accept it.
			if alt, err := newParser().Parse(bytes.NewReader(atomItem.ReplaceAll(doc, []byte("<${1}entry$2")))); err == nil {
				return alt, nil
			}
		}
		return gf, nil
	}
	if fixed := repairXML(doc); fixed != nil {
		// A repaired document that yields no item is more likely a broken
		// download than an empty feed: report the original error then.
		if gf, err2 := newParser().Parse(bytes.NewReader(fixed)); err2 == nil && len(gf.Items) > 0 {
			return gf, nil
		}
	}
	return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
}

var atomItem = regexp.MustCompile(`<(/?)item([\s>/])`)

// newParser returns a gofeed parser whose RSS translation also records
// whether each item's guid is a permalink (gofeed's universal item drops
// isPermaLink), so that a guid marked isPermaLink="false" is never used as
// the item's link.
func newParser() *gofeed.Parser {
	p := gofeed.NewParser()
	p.RSSTranslator = permalinkTranslator{}
	return p
}

const (
	customGUIDNotPermalink = "parley_guid_not_permalink"
	customTTL              = "parley_ttl"
)

// syPeriods are the periods of the RSS 1.0 syndication module.
var syPeriods = map[string]time.Duration{
	"hourly": time.Hour, "daily": 24 * time.Hour, "weekly": 7 * 24 * time.Hour,
	"monthly": 30 * 24 * time.Hour, "yearly": 365 * 24 * time.Hour,
}

// minInterval reads the feed's own refresh hints: RSS <ttl> (minutes) and
// sy:updatePeriod/sy:updateFrequency. The larger wins; nonsense is ignored.
func minInterval(gf *gofeed.Feed) time.Duration {
	var d time.Duration
	if n, err := strconv.Atoi(gf.Custom[customTTL]); err == nil && n > 0 && n <= 366*24*60 {
		d = time.Duration(n) * time.Minute
	}
	if sy := gf.Extensions["sy"]; sy != nil {
		first := func(name string) string {
			if es := sy[name]; len(es) > 0 {
				return strings.ToLower(strings.TrimSpace(es[0].Value))
			}
			return ""
		}
		if period, ok := syPeriods[first("updatePeriod")]; ok {
			freq := 1
			if n, err := strconv.Atoi(first("updateFrequency")); err == nil && n > 0 {
				freq = n
			}
			d = max(d, period/time.Duration(freq))
		}
	}
	return d
}

type permalinkTranslator struct{ gofeed.DefaultRSSTranslator }

func (t permalinkTranslator) Translate(feed any) (*gofeed.Feed, error) {
	gf, err := t.DefaultRSSTranslator.Translate(feed)
	if err != nil {
		return nil, err
	}
	rf, ok := feed.(*rss.Feed)
	if ok && strings.TrimSpace(rf.TTL) != "" {
		if gf.Custom == nil {
			gf.Custom = map[string]string{}
		}
		gf.Custom[customTTL] = strings.TrimSpace(rf.TTL)
	}
	if !ok || len(rf.Items) != len(gf.Items) {
		return gf, nil
	}
	for i, ri := range rf.Items {
		if ri == nil || ri.GUID == nil || gf.Items[i] == nil {
			continue
		}
		if strings.EqualFold(strings.TrimSpace(ri.GUID.IsPermalink), "false") {
			if gf.Items[i].Custom == nil {
				gf.Items[i].Custom = map[string]string{}
			}
			gf.Items[i].Custom[customGUIDNotPermalink] = "true"
		}
	}
	return gf, nil
}

var htmlStart = regexp.MustCompile(`(?is)^\s*(<!--.*?-->\s*)*(<!doctype\s+html|<html[\s>]|<head[\s>]|<body[\s>])`)

func looksLikeHTML(doc []byte) bool {
	head := doc[:min(len(doc), 4096)]
	if htmlStart.Match(head) {
		return true
	}
	// An XML declaration followed by an XHTML root.
	return bytes.HasPrefix(head, declPrefix) && bytes.Contains(bytes.ToLower(head), []byte("<html"))
}

// bareAmp matches '&' not starting an entity or character reference.
var bareAmp = regexp.MustCompile(`&([^A-Za-z#]|#[^0-9xX]|#[xX][^0-9A-Fa-f]|[A-Za-z][A-Za-z0-9]{0,31}[^A-Za-z0-9;]|$)`)

// repairXML is the lenient recovery pass: it escapes bare ampersands and
// drops a truncated tail so that an encoding/xml reader in non-strict mode
// can get through documents real servers emit. It returns nil when it
// changed nothing.
func repairXML(doc []byte) []byte {
	fixed := bareAmp.ReplaceAllFunc(doc, func(m []byte) []byte {
		return append([]byte("&amp;"), m[1:]...)
	})
	fixed = closeOpen(fixed)
	if bytes.Equal(fixed, doc) {
		return nil
	}
	return fixed
}

// closeOpen repairs a truncated or unbalanced document: it reads tokens
// leniently up to the first error, cuts the document there and closes the
// elements still open, so everything before the damage survives (the last,
// partial item included, as feedparser's loose parser keeps it).
func closeOpen(doc []byte) []byte {
	d := xml.NewDecoder(bytes.NewReader(doc))
	d.Strict = false
	d.AutoClose = nil
	d.Entity = xml.HTMLEntity
	var stack []xml.Name
	good := int64(0)
	for {
		tok, err := d.RawToken()
		if err != nil {
			break
		}
		switch t := tok.(type) {
		case xml.StartElement:
			stack = append(stack, t.Name)
		case xml.EndElement:
			// Pop to the matching start tag; an unmatched end tag is ignored.
			for i := len(stack) - 1; i >= 0; i-- {
				if strings.EqualFold(stack[i].Local, t.Name.Local) && stack[i].Space == t.Name.Space {
					stack = stack[:i]
					break
				}
			}
		}
		good = d.InputOffset()
		if len(stack) == 0 && good > 0 {
			if _, ok := tok.(xml.EndElement); ok {
				return doc // the root closed: nothing was truncated
			}
		}
	}
	if len(stack) == 0 {
		return doc
	}
	out := append([]byte{}, doc[:good]...)
	for i := len(stack) - 1; i >= 0; i-- {
		out = append(out, "</"...)
		if stack[i].Space != "" {
			out = append(out, stack[i].Space...)
			out = append(out, ':')
		}
		out = append(out, stack[i].Local...)
		out = append(out, '>')
	}
	return out
}

// convert maps gofeed's universal feed into parley's Feed.
func convert(gf *gofeed.Feed, feedURL string) *Feed {
	base, _ := url.Parse(feedURL)
	if base != nil && !base.IsAbs() {
		base = nil
	}
	f := &Feed{
		Title:       strings.TrimSpace(gf.Title),
		Language:    strings.TrimSpace(gf.Language),
		Items:       make([]Item, 0, len(gf.Items)),
		MinInterval: minInterval(gf),
	}
	f.Link = absolute(base, gf.Link)
	if f.Link == "" {
		for _, l := range gf.Links {
			if f.Link = absolute(base, l); f.Link != "" {
				break
			}
		}
	}
	if f.Language == "" && gf.DublinCoreExt != nil && len(gf.DublinCoreExt.Language) > 0 {
		f.Language = strings.TrimSpace(gf.DublinCoreExt.Language[0])
	}
	// Relative item links resolve against the feed's own link (itself
	// resolved against where the feed came from), else the feed URL.
	itemBase := base
	if fl, err := url.Parse(f.Link); err == nil && fl.IsAbs() {
		itemBase = fl
	}
	for _, gi := range gf.Items {
		if gi == nil {
			continue
		}
		f.Items = append(f.Items, convertItem(gi, itemBase, f.Language))
	}
	return f
}

func convertItem(gi *gofeed.Item, base *url.URL, lang string) Item {
	it := Item{
		GUID:     strings.TrimSpace(gi.GUID),
		Title:    strings.TrimSpace(gi.Title),
		Summary:  gi.Description,
		Content:  gi.Content,
		Language: lang,
	}
	it.Link = webLink(base, gi.Link)
	if it.Link == "" {
		for _, l := range gi.Links {
			if it.Link = webLink(base, l); it.Link != "" {
				break
			}
		}
	}
	if it.Link == "" && isHTTPURL(it.GUID) && gi.Custom[customGUIDNotPermalink] == "" {
		it.Link = it.GUID
	}
	it.Published = itemDate(gi.PublishedParsed, gi.Published)
	it.Updated = itemDate(gi.UpdatedParsed, gi.Updated)
	if it.Published == nil {
		it.Published = extDate(gi.Extensions, "issued", "created", "date")
	}
	if it.Updated == nil {
		it.Updated = extDate(gi.Extensions, "modified", "updated")
	}
	if it.Published == nil && it.Updated == nil {
		// Atom-style or ad-hoc date elements inside RSS items.
		for _, k := range []string{"published", "updated", "modified", "date"} {
			if t, ok := docdate.Parse(gi.Custom[k]); ok {
				it.Published = &t
				break
			}
		}
	}

	seen := map[string]bool{}
	addAuthor := func(s string) {
		s = strings.TrimSpace(s)
		if s != "" && !seen[s] {
			seen[s] = true
			it.Authors = append(it.Authors, s)
		}
	}
	for _, p := range gi.Authors {
		if p == nil {
			continue
		}
		if p.Name != "" {
			addAuthor(p.Name)
		} else {
			addAuthor(p.Email)
		}
	}
	if gi.DublinCoreExt != nil {
		for _, c := range gi.DublinCoreExt.Creator {
			addAuthor(c)
		}
	}
	cats := map[string]bool{}
	for _, c := range gi.Categories {
		c = strings.TrimSpace(c)
		if c != "" && !cats[c] {
			cats[c] = true
			it.Categories = append(it.Categories, c)
		}
	}
	it.Image = webLink(base, itemImage(gi))
	return it
}

// itemImage picks the item's picture: its own image, an image enclosure,
// then media:content / media:thumbnail (also inside media:group).
func itemImage(gi *gofeed.Item) string {
	if gi.Image != nil && gi.Image.URL != "" {
		return gi.Image.URL
	}
	for _, e := range gi.Enclosures {
		if e != nil && e.URL != "" && (strings.HasPrefix(strings.ToLower(e.Type), "image/") || hasImageExt(e.URL)) {
			return e.URL
		}
	}
	if media := gi.Extensions["media"]; media != nil {
		if u := mediaImage(media); u != "" {
			return u
		}
	}
	if gi.ITunesExt != nil && gi.ITunesExt.Image != "" {
		return gi.ITunesExt.Image
	}
	return ""
}

func mediaImage(media map[string][]ext.Extension) string {
	var search func(m map[string][]ext.Extension) string
	search = func(m map[string][]ext.Extension) string {
		for _, c := range m["content"] {
			u := c.Attrs["url"]
			medium, typ := strings.ToLower(c.Attrs["medium"]), strings.ToLower(c.Attrs["type"])
			if u != "" && (medium == "image" || strings.HasPrefix(typ, "image/") || (medium == "" && typ == "" && hasImageExt(u))) {
				return u
			}
		}
		for _, c := range m["thumbnail"] {
			if u := c.Attrs["url"]; u != "" {
				return u
			}
		}
		for _, g := range m["group"] {
			if u := search(g.Children); u != "" {
				return u
			}
		}
		return ""
	}
	return search(media)
}

func hasImageExt(u string) bool {
	p := strings.ToLower(u)
	if i := strings.IndexAny(p, "?#"); i >= 0 {
		p = p[:i]
	}
	for _, e := range []string{".jpg", ".jpeg", ".png", ".gif", ".webp", ".avif"} {
		if strings.HasSuffix(p, e) {
			return true
		}
	}
	return false
}

// extDate reads Dublin Core / DCMI terms dates gofeed leaves unparsed
// (dcterms:issued, dcterms:modified ...).
func extDate(exts ext.Extensions, names ...string) *time.Time {
	for _, prefix := range []string{"dcterms", "dc"} {
		m := exts[prefix]
		if m == nil {
			continue
		}
		for _, n := range names {
			for _, e := range m[n] {
				if t, ok := docdate.Parse(e.Value); ok {
					return &t
				}
			}
		}
	}
	return nil
}

// itemDate prefers gofeed's parse of a date, within docdate's plausible years,
// and falls back to docdate.Parse on the raw text.
func itemDate(parsed *time.Time, raw string) *time.Time {
	if t := utc(parsed); t != nil && docdate.Valid(*t) {
		return t
	}
	if t, ok := docdate.Parse(raw); ok {
		return &t
	}
	return nil
}

func utc(t *time.Time) *time.Time {
	if t == nil || t.IsZero() {
		return nil
	}
	u := t.UTC()
	return &u
}

func isHTTPURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

// webLink is absolute(base, ref) when that is an http or https URL, else
// "": a javascript:, data:, file: or other link from a feed is never kept,
// so it can become neither the article's URL nor a link on a page (an item
// without a link is published under its feed's URL, see pkg/fetcher).
func webLink(base *url.URL, ref string) string {
	if l := absolute(base, ref); isHTTPURL(l) {
		return l
	}
	return ""
}

// absolute resolves ref against base; it returns "" for an empty ref and
// ref itself (trimmed) when it cannot be resolved.
func absolute(base *url.URL, ref string) string {
	ref = strings.TrimSpace(ref)
	if ref == "" {
		return ""
	}
	u, err := url.Parse(ref)
	if err != nil {
		return ref
	}
	if u.IsAbs() || base == nil {
		return ref
	}
	return base.ResolveReference(u).String()
}

func parseWhat(feedURL string) string {
	if feedURL == "" {
		return "parse feed"
	}
	return "parse feed " + feedURL
}
