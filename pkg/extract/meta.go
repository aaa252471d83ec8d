package extract

import (
	"encoding/json"
	"net/url"
	"strings"

	"github.com/PuerkitoBio/goquery"
)

// meta is everything the page says about itself outside the body text:
// <meta>, <link>, <html lang> and JSON-LD, read once per page.
type meta struct {
	canonical, ogURL         string
	ogTitle, twTitle, title  string
	siteName, description    string
	ogType                   string
	htmlLang, ogLocale       string
	contentLang              string
	ogImages, otherImages    []string // og:image; twitter:image, image_src, thumbnailUrl
	authors                  []string // meta author and friends
	published, modified      []string // meta dates, most specific first
	sections, keywords, tags []string
	ld                       ldInfo
}

// ldInfo is what the JSON-LD blocks say about the article.
type ldInfo struct {
	types               map[string]bool
	headline            string
	published, modified string
	people, orgs        []string
	images              []string
	publisher, language string
	sections, keywords  []string
	hasArticle          bool
}

var articleTypes = map[string]bool{
	"Article": true, "NewsArticle": true, "BlogPosting": true, "ReportageNewsArticle": true,
	"AnalysisNewsArticle": true, "OpinionNewsArticle": true, "BackgroundNewsArticle": true,
	"ReviewNewsArticle": true, "Report": true, "ScholarlyArticle": true, "TechArticle": true,
	"LiveBlogPosting": true, "SocialMediaPosting": true, "Blog": false, "AskPublicNewsArticle": true,
	"SatiricalArticle": true, "PressRelease": true,
}

var (
	publishedNames = []string{
		"article:published_time", "og:article:published_time", "article:published", "published_time",
		"datepublished", "date_published", "pubdate", "publishdate", "publish_date", "publish-date",
		"article.published", "article_date_original", "dc.date.issued", "dcterms.issued", "dc.date",
		"dcterms.date", "dc.date.created", "dcterms.created", "date", "sailthru.date", "parsely-pub-date",
		"cxenseparse:recs:publishtime", "og:published_time", "originalpublicationdate", "dateline",
		"displaydate", "timestamp",
	}
	modifiedNames = []string{
		"article:modified_time", "og:article:modified_time", "og:updated_time", "article:modified",
		"modified_time", "datemodified", "date_modified", "lastmod", "last-modified", "dcterms.modified",
		"dc.date.modified", "article.updated", "updated_time", "revised",
	}
	authorNames = []string{
		"author", "article:author", "og:article:author", "dc.creator", "dcterms.creator", "byl",
		"parsely-author", "sailthru.author", "cxenseparse:author", "twitter:creator:name", "citation_author",
	}
)

func readMeta(doc *goquery.Document, base *url.URL) *meta {
	m := &meta{}
	metaVals := map[string][]string{}
	doc.Find("meta").Each(func(_ int, s *goquery.Selection) {
		content, ok := s.Attr("content")
		if !ok {
			content, ok = s.Attr("value")
		}
		if !ok {
			return
		}
		content = strings.TrimSpace(content)
		if content == "" {
			return
		}
		for _, attr := range []string{"property", "name", "itemprop", "http-equiv"} {
			if k, ok := s.Attr(attr); ok && k != "" {
				k = strings.ToLower(strings.TrimSpace(k))
				metaVals[k] = append(metaVals[k], content)
			}
		}
	})
	first := func(keys ...string) string {
		for _, k := range keys {
			if v := metaVals[k]; len(v) > 0 {
				return v[0]
			}
		}
		return ""
	}
	all := func(keys ...string) []string {
		var out []string
		for _, k := range keys {
			out = append(out, metaVals[k]...)
		}
		return out
	}
	m.ogURL = first("og:url")
	m.ogTitle = cleanText(first("og:title"))
	m.twTitle = cleanText(first("twitter:title"))
	m.siteName = cleanText(first("og:site_name", "application-name", "twitter:app:name:iphone"))
	m.description = cleanText(first("description", "og:description", "twitter:description", "dc.description"))
	m.ogType = strings.ToLower(first("og:type"))
	m.ogLocale = first("og:locale")
	m.contentLang = first("content-language", "language", "dc.language", "inlanguage")
	m.ogImages = all("og:image:secure_url", "og:image", "og:image:url")
	m.otherImages = all("twitter:image", "twitter:image:src", "thumbnailurl")
	m.authors = all(authorNames...)
	m.published = all(publishedNames...)
	m.modified = all(modifiedNames...)
	m.sections = all("article:section", "og:article:section", "section", "parsely-section")
	m.tags = all("article:tag", "og:article:tag")
	m.keywords = all("news_keywords", "keywords")

	doc.Find("link[rel]").Each(func(_ int, s *goquery.Selection) {
		rel := strings.ToLower(s.AttrOr("rel", ""))
		href := strings.TrimSpace(s.AttrOr("href", ""))
		if href == "" {
			return
		}
		switch {
		case rel == "canonical" && m.canonical == "":
			m.canonical = href
		case rel == "image_src":
			m.otherImages = append(m.otherImages, href)
		}
	})
	if t := doc.Find("title").First(); t.Length() > 0 {
		m.title = cleanText(t.Text())
	}
	m.htmlLang = doc.Find("html").First().AttrOr("lang", "")
	if m.htmlLang == "" {
		m.htmlLang = doc.Find("html").First().AttrOr("xml:lang", "")
	}
	m.ld = readJSONLD(doc)
	return m
}

func readJSONLD(doc *goquery.Document) ldInfo {
	info := ldInfo{types: map[string]bool{}}
	var articles, others []map[string]any
	doc.Find(`script[type="application/ld+json"]`).Each(func(_ int, s *goquery.Selection) {
		var v any
		raw := strings.TrimSpace(s.Text())
		raw = strings.TrimSuffix(strings.TrimPrefix(raw, "<!--"), "-->")
		if err := json.Unmarshal([]byte(raw), &v); err != nil {
			return
		}
		walkLD(v, 0, func(obj map[string]any) {
			types := ldTypes(obj)
			isArticle := false
			for _, t := range types {
				info.types[t] = true
				if articleTypes[t] {
					isArticle = true
				}
			}
			if isArticle {
				articles = append(articles, obj)
			} else if _, ok := obj["datePublished"]; ok {
				others = append(others, obj)
			}
		})
	})
	info.hasArticle = len(articles) > 0
	objs := append(articles, others...)
	for _, obj := range objs {
		if info.headline == "" {
			info.headline = cleanText(ldString(obj["headline"]))
			if info.headline == "" && articleTypesAny(obj) {
				info.headline = cleanText(ldString(obj["name"]))
			}
		}
		if info.published == "" {
			info.published = ldString(obj["datePublished"])
			if info.published == "" {
				info.published = ldString(obj["dateCreated"])
			}
		}
		if info.modified == "" {
			info.modified = ldString(obj["dateModified"])
		}
		if len(info.people) == 0 && len(info.orgs) == 0 {
			collectLDAuthors(obj["author"], &info.people, &info.orgs)
			if len(info.people) == 0 {
				collectLDAuthors(obj["creator"], &info.people, &info.orgs)
			}
		}
		if len(info.images) == 0 {
			info.images = ldImages(obj["image"])
			if len(info.images) == 0 {
				info.images = ldImages(obj["thumbnailUrl"])
			}
		}
		if info.publisher == "" {
			if p, ok := obj["publisher"].(map[string]any); ok {
				info.publisher = cleanText(ldString(p["name"]))
			}
		}
		if info.language == "" {
			info.language = ldString(obj["inLanguage"])
		}
		if len(info.sections) == 0 {
			info.sections = ldStrings(obj["articleSection"])
		}
		if len(info.keywords) == 0 {
			info.keywords = ldStrings(obj["keywords"])
		}
	}
	return info
}

func articleTypesAny(obj map[string]any) bool {
	for _, t := range ldTypes(obj) {
		if articleTypes[t] {
			return true
		}
	}
	return false
}

// walkLD calls fn for every object in a JSON-LD value, descending into
// arrays, @graph and mainEntity.
func walkLD(v any, depth int, fn func(map[string]any)) {
	if depth > 6 {
		return
	}
	switch x := v.(type) {
	case []any:
		for _, e := range x {
			walkLD(e, depth+1, fn)
		}
	case map[string]any:
		fn(x)
		for _, k := range []string{"@graph", "mainEntity", "mainEntityOfPage", "hasPart"} {
			if sub, ok := x[k]; ok {
				walkLD(sub, depth+1, fn)
			}
		}
	}
}

func ldTypes(obj map[string]any) []string {
	switch t := obj["@type"].(type) {
	case string:
		return []string{t}
	case []any:
		var out []string
		for _, e := range t {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

func ldString(v any) string {
	switch x := v.(type) {
	case string:
		return strings.TrimSpace(x)
	case []any:
		for _, e := range x {
			if s := ldString(e); s != "" {
				return s
			}
		}
	case map[string]any:
		if s := ldString(x["@value"]); s != "" {
			return s
		}
		return ldString(x["name"])
	}
	return ""
}

func ldStrings(v any) []string {
	switch x := v.(type) {
	case string:
		var out []string
		for _, p := range strings.Split(x, ",") {
			if p = strings.TrimSpace(p); p != "" {
				out = append(out, p)
			}
		}
		return out
	case []any:
		var out []string
		for _, e := range x {
			out = append(out, ldStrings(e)...)
		}
		return out
	}
	return nil
}

func ldImages(v any) []string {
	switch x := v.(type) {
	case string:
		if x = strings.TrimSpace(x); x != "" {
			return []string{x}
		}
	case []any:
		var out []string
		for _, e := range x {
			out = append(out, ldImages(e)...)
		}
		return out
	case map[string]any:
		for _, k := range []string{"url", "contentUrl", "@id"} {
			if s, ok := x[k].(string); ok && strings.TrimSpace(s) != "" {
				return []string{strings.TrimSpace(s)}
			}
		}
	}
	return nil
}

func collectLDAuthors(v any, people, orgs *[]string) {
	switch x := v.(type) {
	case string:
		*people = append(*people, x)
	case []any:
		for _, e := range x {
			collectLDAuthors(e, people, orgs)
		}
	case map[string]any:
		name := ldString(x["name"])
		if name == "" {
			gn, fn := ldString(x["givenName"]), ldString(x["familyName"])
			name = strings.TrimSpace(gn + " " + fn)
		}
		if name == "" {
			return
		}
		isOrg := false
		for _, t := range ldTypes(x) {
			if t == "Organization" || t == "NewsMediaOrganization" || t == "Corporation" {
				isOrg = true
			}
		}
		if isOrg {
			*orgs = append(*orgs, name)
		} else {
			*people = append(*people, name)
		}
	}
}

// resolve makes ref absolute against base; "" when that is impossible.
func resolve(base *url.URL, ref string) string {
	ref = strings.TrimSpace(ref)
	if ref == "" {
		return ""
	}
	u, err := url.Parse(ref)
	if err != nil {
		return ""
	}
	if base != nil {
		u = base.ResolveReference(u)
	}
	if !u.IsAbs() || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return ""
	}
	return u.String()
}

// sameSitePlausible accepts a canonical URL on the page's registrable
// domain (or any http(s) URL when the page URL is unknown); a canonical
// pointing elsewhere is more often a template bug than a syndication link.
func sameSitePlausible(base *url.URL, canon string) bool {
	u, err := url.Parse(canon)
	if err != nil || u.Host == "" {
		return false
	}
	if base == nil {
		return true
	}
	return siteKey(base.Hostname()) == siteKey(u.Hostname())
}

// siteKey is the last two labels of a host (three when the second-level
// label is a generic one such as co.uk), enough to tell sites apart.
func siteKey(host string) string {
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	labels := strings.Split(host, ".")
	if len(labels) <= 2 {
		return host
	}
	n := 2
	switch labels[len(labels)-2] {
	case "co", "com", "org", "net", "gov", "ac", "edu", "ne", "or", "go":
		n = 3
	}
	if len(labels) < n {
		return host
	}
	return strings.Join(labels[len(labels)-n:], ".")
}
