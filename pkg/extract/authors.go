package extract

import (
	"net/url"
	"regexp"
	"strings"
	"unicode"

	"github.com/PuerkitoBio/goquery"
)

// bylineSelectors find byline elements when the page's metadata names no one.
const bylineSelectors = `[rel="author"], [itemprop="author"], .byline, .by-line, .article-byline, .author-name, ` +
	`.author, .byline__name, .story-byline, .article__author, .post-author, [class*="byline"], [data-testid*="byline"]`

// orgWords mark a name as an organisation or a desk, not a person.
var orgWords = map[string]bool{
	"reuters": true, "afp": true, "ap": true, "associated": true, "press": true, "agence": true,
	"france-presse": true, "staff": true, "desk": true, "news": true, "newsroom": true, "agency": true,
	"agencies": true, "bloomberg": true, "dpa": true, "xinhua": true, "tass": true, "ria": true,
	"pti": true, "ians": true, "ani": true, "upi": true, "efe": true, "ansa": true, "kyodo": true,
	"yonhap": true, "bbc": true, "cnn": true, "team": true, "editors": true, "editorial": true,
	"board": true, "media": true, "online": true, "web": true, "correspondent": true,
	"correspondents": true, "bureau": true, "service": true, "services": true, "wire": true,
	"wires": true, "times": true, "post": true, "journal": true, "guardian": true, "group": true,
	"ltd": true, "inc": true, "ministry": true, "office": true, "department": true, "government": true,
	"tribune": true, "herald": true, "daily": true, "weekly": true, "magazine": true, "radio": true,
	"television": true, "tv": true, "channel": true, "network": true, "company": true, "reporters": true,
	"contributors": true, "admin": true, "administrator": true, "unknown": true, "anonymous": true,
}

var (
	byPrefix = regexp.MustCompile(`(?i)^\s*(?:written\s+|reported\s+|posted\s+|words\s+|story\s+)?by[:\s]+`)
	// roles and trailing places: "John Smith, Reuters staff", "Jane Doe, Kyiv correspondent", "John Smith in Kyiv"
	roleSuffix = regexp.MustCompile(`(?i)\s*(?:,|\||-|–|—)?\s*(?:\b(?:senior|chief|special|staff|political|foreign|diplomatic|defen[cs]e|security|economics?|business|europe|asia|middle east|white house|washington|moscow|kyiv|london|our|deputy|associate|managing|contributing|assistant)\s+)*(?:correspondent|reporter|writer|editor|columnist|contributor|journalist|analyst|producer|staff)s?\b.*$`)
	inPlace    = regexp.MustCompile(`\s+(?:in|from|at)\s+[A-Z][\p{L}\-]+(?:\s[A-Z][\p{L}\-]+)?\s*$`)
	splitNames = regexp.MustCompile(`(?i)\s*(?:,|;|&|\band\b|\bund\b|\bet\b|\by\b|\|)\s*`)
	updatedRe  = regexp.MustCompile(`(?i)\b(?:updated|published|posted|\d{1,2}:\d{2}|\d{4})\b.*$`)
)

// pickAuthors: the feed's authors, site rule, JSON-LD author(s), meta
// author, byline elements. Each source is cleaned ("By", roles, places);
// organisations are told apart from people and only people are kept. A
// source that yields only organisations passes on to the next one.
func pickAuthors(m *meta, h Hints, rule *compiledRule, doc *goquery.Document, base *url.URL) []string {
	orgs := []string{m.siteName, m.ld.publisher, h.Source, hostLabel(base)}
	orgs = append(orgs, m.ld.orgs...)
	try := func(raw []string) []string {
		return people(raw, orgs)
	}
	if p := try(h.Authors); len(p) > 0 {
		return p
	}
	if rule != nil && rule.author != nil {
		var raw []string
		doc.FindMatcher(rule.author).Each(func(_ int, s *goquery.Selection) { raw = append(raw, s.Text()) })
		if p := try(raw); len(p) > 0 {
			return p
		}
	}
	if p := try(m.ld.people); len(p) > 0 {
		return p
	}
	var metaNames []string
	for _, a := range m.authors {
		if !strings.Contains(a, "://") && !strings.HasPrefix(a, "@") {
			metaNames = append(metaNames, a)
		}
	}
	if p := try(metaNames); len(p) > 0 {
		return p
	}
	var raw []string
	doc.Find(bylineSelectors).EachWithBreak(func(_ int, s *goquery.Selection) bool {
		if s.Closest("script,style,nav,footer,aside,.comments,#comments").Length() > 0 {
			return true
		}
		// Prefer the innermost name-like children (e.g. <a rel=author>) of a byline block.
		t := cleanText(s.Text())
		if t == "" || len(t) > 200 {
			return true
		}
		raw = append(raw, t)
		return len(raw) < 6
	})
	return try(raw)
}

// people cleans raw author strings and returns the distinct person names.
func people(raw []string, orgs []string) []string {
	var out []string
	seen := map[string]bool{}
	for _, r := range raw {
		for _, name := range splitAuthors(r) {
			if !isPerson(name, orgs) {
				continue
			}
			k := strings.ToLower(name)
			if seen[k] {
				continue
			}
			seen[k] = true
			out = append(out, name)
		}
	}
	return out
}

func splitAuthors(s string) []string {
	s = cleanText(s)
	s = byPrefix.ReplaceAllString(s, "")
	s = updatedRe.ReplaceAllString(s, "")
	var out []string
	for _, p := range splitNames.Split(s, -1) {
		p = strings.TrimSpace(byPrefix.ReplaceAllString(p, ""))
		p = roleSuffix.ReplaceAllString(p, "")
		p = inPlace.ReplaceAllString(p, "")
		p = strings.Trim(p, " ,;:-–—|·")
		if p != "" {
			out = append(out, p)
		}
	}
	return out
}

// isPerson accepts 1-5 words with letters, mostly capitalised, none of
// them an organisation word, not the site's own name.
func isPerson(name string, orgs []string) bool {
	words := strings.Fields(name)
	if len(words) == 0 || len(words) > 5 || len(name) > 60 {
		return false
	}
	n := normName(name)
	for _, o := range orgs {
		if o := normName(o); o != "" && (n == o || strings.Contains(n, o) || (len(n) >= 4 && strings.Contains(o, n))) {
			return false
		}
	}
	capital := 0
	for _, w := range words {
		lw := strings.ToLower(strings.Trim(w, ".,()"))
		if orgWords[lw] {
			return false
		}
		r := []rune(w)
		for _, c := range r {
			if unicode.IsDigit(c) || c == '@' || c == '/' {
				return false
			}
		}
		if unicode.IsUpper(r[0]) || !unicode.IsLetter(r[0]) {
			capital++
		}
	}
	if len(words) == 1 {
		// A single word is a person only in a clean byline, never an all-caps acronym.
		return len([]rune(name)) >= 3 && !isAllCaps(name) && capital == 1
	}
	return capital*2 >= len(words)+1
}
