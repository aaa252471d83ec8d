// Package extract turns one fetched HTML page into a parley article
// (docs/contract.md, Article): the main text without navigation and boilerplate, and the
// metadata around it — title, authors, published and updated times,
// canonical URL, lead image, language, source and dateline — each found
// through a chain of fallbacks. The parser stage and `parley extract`
// share one Extractor.
//
// The main text comes from two extractors with different methods,
// go-trafilatura (rule-based tree pruning) and go-readability (container
// scoring), combined by the agreement of their 4-word shingles (see
// generic in body.go), then cleaned of boilerplate paragraphs by wording.
// Pages far larger than any article go to a linear densest-block method
// of our own. Per-site CSS rules, when configured, come first.
package extract

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"hash/maphash"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/andybalholm/cascadia"
	"golang.org/x/net/html"

	"github.com/parley-news/parley/pkg/article"
)

// ErrNotHTML is returned for input that is not an HTML page at all.
var ErrNotHTML = errors.New("not an html page")

// Reasons given in article.EmptyReason when a page has no article body.
const (
	ReasonIndexPage = "no article found: index page"
	ReasonVideoPage = "no article found: video page"
	ReasonNoText    = "no article found: too little text"
)

// Config configures an Extractor. The zero value is valid.
type Config struct {
	// SiteRules are per-host CSS selectors applied before the generic
	// method; none by default.
	SiteRules []SiteRule
	// MinBodyChars is the length below which a main text is short: a
	// short text is kept only when it is a sentence or more (ten words)
	// on a page that is neither a listing nor a video page; otherwise the
	// body is empty with an EmptyReason. Default 200.
	MinBodyChars int
	// MaxPageBytes caps the input; larger pages are cut (the parser of the
	// HTML tolerates the truncation). Default 10 MiB.
	MaxPageBytes int
	// Logger receives debug notes; default slog.Default().
	Logger *slog.Logger
}

// SiteRule fixes extraction for one site, the way feed readers let users
// fix one site. Host matches the page's host or any subdomain of it.
type SiteRule struct {
	Host string
	// Body selectors whose text, in document order, is the article body.
	Body []string
	// Remove selectors are deleted from the page before anything else.
	Remove []string
	// Title, Date and Author select the element holding that field (for
	// Date, a datetime/content attribute is preferred over the text).
	Title  string
	Date   string
	Author string
}

// Hints are the fields a feed item already carries; all are optional and
// are used as the first (dates, authors) or last (title, image) link of the
// metadata chains.
type Hints struct {
	Title, Summary, Language string
	Authors, Categories      []string
	Published, Updated       *time.Time
	Image, Source            string
}

const (
	defaultMinBodyChars = 200
	defaultMaxPageBytes = 10 << 20
)

func (c *Config) setDefaults() {
	if c.MinBodyChars == 0 {
		c.MinBodyChars = defaultMinBodyChars
	}
	if c.MaxPageBytes == 0 {
		c.MaxPageBytes = defaultMaxPageBytes
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
}

// Validate reports the first bad setting.
func (c Config) Validate() error {
	if c.MinBodyChars < 0 {
		return fmt.Errorf("extract config: min_body_chars %d is negative", c.MinBodyChars)
	}
	if c.MaxPageBytes < 0 {
		return fmt.Errorf("extract config: max_page_bytes %d is negative", c.MaxPageBytes)
	}
	for i, r := range c.SiteRules {
		if strings.TrimSpace(r.Host) == "" {
			return fmt.Errorf("extract config: site_rules[%d]: host is empty", i)
		}
		sels := append(append([]string{}, r.Body...), r.Remove...)
		for _, s := range []string{r.Title, r.Date, r.Author} {
			if s != "" {
				sels = append(sels, s)
			}
		}
		for _, s := range sels {
			if _, err := cascadia.ParseGroup(s); err != nil {
				return fmt.Errorf("extract config: site_rules[%d] (%s): selector %q: %w", i, r.Host, s, err)
			}
		}
	}
	return nil
}

// compiledRule is a SiteRule with its selectors parsed once.
type compiledRule struct {
	host                string
	body, remove        []goquery.Matcher
	title, date, author goquery.Matcher
}

// Extractor extracts articles. It is safe for concurrent use.
type Extractor struct {
	cfg   Config
	log   *slog.Logger
	rules []compiledRule
	seed  maphash.Seed
	// coreShare is the constant coreShare; a field so that its choice
	// can be cross-validated (TestCoreShareBySite).
	coreShare float64
	// model keeps, of the paragraphs only readability holds, those that
	// belong with trafilatura's text (classify.go); nil only while the
	// model is trained. trace, when set, sees every page's two texts
	// (TestTrainBlockModel).
	model *blockModel
	trace func(ix *pageIndex, title string, tParas, rParas []string)
}

// New returns an Extractor for cfg, after filling defaults and validating.
func New(cfg Config) (*Extractor, error) {
	m, err := shippedModel()
	if err != nil {
		return nil, err
	}
	return newExtractor(cfg, m)
}

// newExtractor is New with the block model given (nil: none).
func newExtractor(cfg Config, m *blockModel) (*Extractor, error) {
	cfg.setDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	e := &Extractor{cfg: cfg, log: cfg.Logger, seed: maphash.MakeSeed(), coreShare: coreShare, model: m}
	for _, r := range cfg.SiteRules {
		cr := compiledRule{host: strings.ToLower(strings.TrimPrefix(strings.TrimSpace(r.Host), "www."))}
		for _, s := range r.Body {
			cr.body = append(cr.body, cascadia.MustCompile(s))
		}
		for _, s := range r.Remove {
			cr.remove = append(cr.remove, cascadia.MustCompile(s))
		}
		if r.Title != "" {
			cr.title = cascadia.MustCompile(r.Title)
		}
		if r.Date != "" {
			cr.date = cascadia.MustCompile(r.Date)
		}
		if r.Author != "" {
			cr.author = cascadia.MustCompile(r.Author)
		}
		e.rules = append(e.rules, cr)
	}
	return e, nil
}

func (e *Extractor) ruleFor(u *url.URL) *compiledRule {
	if u == nil {
		return nil
	}
	host := strings.ToLower(strings.TrimPrefix(u.Hostname(), "www."))
	for i := range e.rules {
		r := &e.rules[i]
		if host == r.host || strings.HasSuffix(host, "."+r.host) {
			return r
		}
	}
	return nil
}

// looksLikeHTML refuses binary input and plain text without any markup.
func looksLikeHTML(page []byte) bool {
	head := page
	if len(head) > 4096 {
		head = head[:4096]
	}
	if bytes.IndexByte(head, 0) >= 0 {
		return false
	}
	ct := http.DetectContentType(head)
	switch {
	case strings.HasPrefix(ct, "text/html"), strings.HasPrefix(ct, "text/xml"):
		return true
	case strings.HasPrefix(ct, "text/plain"):
		return bytes.IndexByte(head, '<') >= 0 && bytes.IndexByte(head, '>') >= 0
	}
	return false
}

// Extract parses one page already decoded to UTF-8. pageURL is the final URL
// after redirects. It returns an error only for input that is not HTML;
// a page without an article gives an empty Body and an EmptyReason.
func (e *Extractor) Extract(ctx context.Context, page []byte, pageURL string, h Hints) (*article.Article, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("extract %s: %w", pageURL, err)
	}
	if len(bytes.TrimSpace(page)) == 0 || !looksLikeHTML(page) {
		return nil, fmt.Errorf("extract %s: %w", pageURL, ErrNotHTML)
	}
	if len(page) > e.cfg.MaxPageBytes {
		page = page[:e.cfg.MaxPageBytes]
	}
	root, err := html.Parse(bytes.NewReader(page))
	if err != nil {
		e.log.Debug("html parser refused the page; parsing a flattened copy", "url", pageURL, "err", err)
		root, err = html.Parse(bytes.NewReader(flatten(page)))
		if err != nil {
			return nil, fmt.Errorf("extract %s: parse html: %w", pageURL, err)
		}
	}
	base, _ := url.Parse(pageURL)
	if base != nil && !base.IsAbs() {
		base = nil
	}
	doc := goquery.NewDocumentFromNode(root)
	rule := e.ruleFor(base)
	if rule != nil {
		for _, s := range rule.remove {
			doc.FindMatcher(s).Remove()
		}
	}

	m := readMeta(doc, base)
	a := &article.Article{}
	e.fillURL(a, m, pageURL, base)
	home, nav := linkNames(doc, base)
	h1 := cleanText(doc.Find("h1").First().Text())
	a.Title = pickTitle(m, h, rule, doc, base, h1, home, nav)
	a.Source = firstNonEmpty(m.siteName, h.Source)

	body, reason, ix := e.mainText(ctx, root, doc, base, rule, m, a.Title)
	switch {
	case siteNamed(a.Title, m, home) || siteNamed(a.Title, m, []string{logoName(doc)}):
		// The site's name: the feed's title for the item, else the
		// headline line above the text, else the headline of the text's
		// header block (a release that opens with its number, headline
		// and date under a <title> that is the ministry's name).
		if t := cleanText(h.Title); t != "" {
			a.Title = t
		} else if t := ix.headlineAbove(body); t != "" {
			a.Title = t
		} else if t := headerHeadline(body); t != "" {
			a.Title = t
		}
	case onlyPageTitle(m, h1, ix, a.Title):
		// A generic <title> that names no page of the site: the feed's
		// title for the item, else the headline of the text's header
		// block (a <title> that names the article, though in words the
		// page does not show, is a better title than a line guessed
		// from the page, so the line above the text is not asked).
		if t := cleanText(h.Title); t != "" {
			a.Title = t
		} else if t := headerHeadline(body); t != "" {
			a.Title = t
		}
	}
	body = dropLeadingTitle(body, a.Title)
	if body == "" && reason == "" {
		reason = ReasonNoText // the only text was the headline
	}
	a.Body = body
	a.EmptyReason = reason

	a.Summary = firstNonEmpty(cleanText(stripTags(m.description)), cleanText(stripTags(h.Summary)))
	near := &nearHeadline{doc: doc, title: a.Title, ix: ix}
	a.Authors = pickAuthors(m, h, rule, doc, base, near, home, body)
	pub, upd, dl := pickDates(m, h, rule, doc, near, body, a.URL, pageURL)
	a.PublishedAt, a.UpdatedAt = pub, upd
	a.Dateline = dl
	a.Image = pickImage(m, h, base)
	a.Language = pickLanguage(m, h, body, a.Title+" "+a.Summary)
	a.Categories = pickCategories(m, h)
	return a, nil
}

func (e *Extractor) fillURL(a *article.Article, m *meta, pageURL string, base *url.URL) {
	canon := pageURL
	for _, cand := range []string{m.canonical, m.ogURL} {
		if cand == "" {
			continue
		}
		abs := resolve(base, cand)
		if abs != "" && sameSitePlausible(base, abs) {
			canon = abs
			break
		}
	}
	// Only an http or https URL becomes the article's URL: a javascript:,
	// data: or file: address would be a link on every page showing it.
	if c, err := article.CanonicalURL(canon); err == nil {
		a.URL = c
	} else if c, err := article.CanonicalURL(pageURL); err == nil {
		a.URL = c
	} else {
		a.URL = ""
	}
	if a.URL != "" {
		a.ID = article.ID(a.URL)
	}
}

func firstNonEmpty(vals ...string) string {
	for _, v := range vals {
		if v = strings.TrimSpace(v); v != "" {
			return v
		}
	}
	return ""
}
