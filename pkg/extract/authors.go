package extract

import (
	"net/url"
	"regexp"
	"slices"
	"strings"
	"unicode"

	"github.com/PuerkitoBio/goquery"
	"golang.org/x/net/html"
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
	// the same in the other languages of the pages parley reads
	"ministerium": true, "ministère": true, "ministerio": true, "ministero": true, "ministério": true,
	"ministerstvo": true, "ministerstwo": true, "министерство": true, "redaktion": true, "rédaction": true,
	"redacción": true, "redação": true, "redazione": true, "redactie": true, "redakcja": true, "редакция": true,
	"pressestelle": true, "presse": true, "prensa": true, "imprensa": true, "stampa": true,
}

// uiWords are the words of a page's controls that stand beside bylines
// ("View Profile", "Tweet", "All Posts by …"); no name holds them.
var uiWords = map[string]bool{
	"view": true, "profile": true, "tweet": true, "share": true, "follow": true, "email": true,
	"e-mail": true, "print": true, "subscribe": true, "rss": true, "like": true, "posts": true,
	"comments": true, "comment": true, "bio": true, "website": true, "homepage": true,
	"twitter": true, "facebook": true, "linkedin": true, "instagram": true, "google+": true,
}

// withoutControls drops the controls' words that end a name ("Jane Doe
// RSS feed", "Jane Doe View Profile").
func withoutControls(name string) string {
	w := strings.Fields(name)
	for len(w) > 0 && (uiWords[strings.ToLower(w[len(w)-1])] || strings.EqualFold(w[len(w)-1], "feed")) {
		w = w[:len(w)-1]
	}
	return strings.Join(w, " ")
}

// notFirst are words no name begins with but the lines beside a byline
// do: "About Jane Doe", "In Sweden", "Sobre Carlos".
var notFirst = map[string]bool{
	"about": true, "all": true, "in": true, "at": true, "from": true, "on": true, "more": true,
	"sobre": true, "über": true,
}

// siteAddress is a word that is a site's address: "Example.com".
var siteAddress = regexp.MustCompile(`\p{L}\.(?:com|net|org|info|biz|co|io)$`)

// roleNouns name a writer's role or job, which bylines print after the name.
const roleNouns = `(?:correspondent|reporter|writer|editor|columnist|contributor|journalist|analyst|producer|staff|` +
	`engineer|manager|director|executive|officer|president|founder|scientist|researcher|professor|fellow|blogger|` +
	`photographer|designer|developer|strategist)s?`

var (
	// "By" in the languages of the pages parley reads: par, por, von,
	// door, av, af, автор, بقلم.
	byPrefix = regexp.MustCompile(`(?i)^\s*(?:written\s+|reported\s+|posted\s+|words\s+|story\s+)?(?:by|par|por|von|door|av|af|автор|بقلم)[:\s]+`)
	// roles and trailing places: "John Smith, Reuters staff", "Jane Doe, Kyiv correspondent", "John Smith in Kyiv"
	roleSuffix = regexp.MustCompile(`(?i)\s*(?:,|\||-|–|—)?\s*(?:\b(?:senior|chief|special|staff|political|foreign|diplomatic|defen[cs]e|security|economics?|business|europe|asia|middle east|white house|washington|moscow|kyiv|london|our|deputy|associate|managing|contributing|assistant)\s+)*` + roleNouns + `\b.*$`)
	// a role after the name: "Jane Doe, Product Marketing Manager"
	roleAfter  = regexp.MustCompile(`(?i)\b` + roleNouns + `$`)
	inPlace    = regexp.MustCompile(`\s+(?:in|from|at)\s+[A-Z][\p{L}\-]+(?:\s[A-Z][\p{L}\-]+)?\s*$`)
	splitNames = regexp.MustCompile(`(?i)\s*(?:,|;|&|\band\b|\bund\b|\bet\b|\by\b|\||\s[-—–·•]\s)\s*`)
	updatedRe  = regexp.MustCompile(`(?i)\b(?:(?:first|last)\s+)?(?:updated|published|posted|filed|(?:mon|tues|wednes|thurs|fri|satur|sun)day|\d{1,2}:\d{2}|\d{4})\b.*$`)
	// a note in brackets after a name ("Jane Doe (AP)", "Jane Doe [www]"),
	// which ends the name
	bracketed = regexp.MustCompile(`\s*(?:\([^)]*\)|\[[^\]]*\])`)
	// a social handle beside the name: "Jane Doe @janedoe"
	handle = regexp.MustCompile(`(?:^|\s+)@\w+`)
	// a date after the name: "Jane Doe on October 31", "Jane Doe on Nov 1st"
	onDate = regexp.MustCompile(`(?i)\s+on\s+(?:\p{L}+day,?\s+)?(?:` + monthNames + `\b|\d).*$`)
)

// pickAuthors: the feed's authors, site rule, JSON-LD author(s), meta
// author, byline elements, the byline beside the headline (see
// headlineByline), the credit line that ends a wire story (wireCredit). Each source is cleaned ("By", roles, places, dates);
// organisations are told apart from people and only people are kept. A
// source that yields only organisations passes on to the next one.
// home is the page's names for its own site (linkNames).
func pickAuthors(m *meta, h Hints, rule *compiledRule, doc *goquery.Document, base *url.URL, near *nearHeadline, home []string, body string) []string {
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
	// A site may name itself as its pages' author, or in its plain-text
	// byline ("By Jane Doe, Harbour Notes"), in words its home links give.
	orgsOrHome := append(slices.Clip(orgs), home...)
	if p := people(metaNames, orgsOrHome); len(p) > 0 {
		return p
	}
	// The byline is the first byline element that names people, with the
	// ones beside it (two levels up), where a page gives each author an
	// element of their own; later ones are other stories' bylines.
	var raw []string
	var byline *html.Node
	doc.Find(bylineSelectors).EachWithBreak(func(_ int, s *goquery.Selection) bool {
		n := s.Get(0)
		if byline != nil && !isAncestor(byline, n) {
			return false
		}
		if s.Closest("script,style,nav,footer,aside,.comments,#comments").Length() > 0 {
			return true
		}
		if t := bylineLine(n, orgs); t != "" {
			raw = append(raw, t)
			if byline == nil {
				byline = n
				for i := 0; i < 2 && byline.Parent != nil; i++ {
					byline = byline.Parent
				}
			}
		}
		return len(raw) < 6
	})
	if p := try(raw); len(p) > 0 {
		return p
	}
	if line := headlineByline(near); line != nil {
		if p := people(line, orgsOrHome); len(p) > 0 {
			return p
		}
	}
	return people(wireCredit(body), orgs)
}

// bylineLine returns the line of a byline element that names people: the
// first of its lines (parted by <br> and by block elements) that does,
// or "". Read as one string, "Jane Doe<br>Courier-Tribune" would run the
// name into the paper's name; read line by line, the lines after the
// name (a role, the paper, "Tweet") are left out.
func bylineLine(n *html.Node, orgs []string) string {
	for _, p := range paragraphs(n) {
		for _, l := range strings.Split(p, "\n") {
			// An author's box goes on with a biography, whose lines are
			// longer than a byline.
			if l = cleanText(l); l != "" && len(strings.Fields(l)) <= maxBylineWords && len(people([]string{l}, orgs)) > 0 {
				return l
			}
		}
	}
	return ""
}

// wireCredit returns the reporters and writers a wire story credits in
// the parenthesis that ends it: "(Reporting by Jane Doe in Amman and John
// Roe; Writing by Ann Poe; Editing by Tom Moe)", on a line of its own or
// at the end of the last paragraph. Editors are not authors.
func wireCredit(body string) []string {
	paras := strings.FieldsFunc(body, func(r rune) bool { return r == '\n' })
	for i := len(paras) - 1; i >= 0 && i >= len(paras)-3; i-- {
		m := endParen.FindStringSubmatch(paras[i])
		if m == nil {
			continue
		}
		credit := m[1]
		roles := creditBy.FindAllStringSubmatchIndex(credit, -1)
		var names []string
		for j, r := range roles {
			end := len(credit)
			if j+1 < len(roles) {
				end = roles[j+1][0]
			}
			if role := strings.ToLower(credit[r[2]:r[3]]); role == "reporting" || role == "writing" {
				names = append(names, strings.Trim(creditJoin.ReplaceAllString(credit[r[1]:end], ""), " ,;."))
			}
		}
		if names != nil {
			return names
		}
	}
	return nil
}

var (
	// endParen is the parenthesis that ends a paragraph.
	endParen = regexp.MustCompile(`\(([^()]{8,400})\)\s*$`)
	// creditBy opens one credit of a wire story's credit line: "Reporting
	// by", "Additional reporting by", "Writing by", "Editing by".
	creditBy = regexp.MustCompile(`(?i)\b(?:additional\s+)?(reporting|writing|editing|compiled|compiling)\s+by\s+`)
	// creditJoin is what joins a credit to the next: "..., with", "... and".
	creditJoin = regexp.MustCompile(`(?i)[\s,;]+(?:with|and)?\s*$`)
)

// headlineByline returns the byline old pages print beside the headline,
// with no markup to name it: the first line there that opens with "By"
// ("By Jane Doe, 10 November 2010", "Posted by Jane Doe on October 31,
// 2012") or names the author after the date ("Posted on October 3, 2010
// by Jane Doe") and is no longer than a byline (maxBylineWords).
func headlineByline(near *nearHeadline) []string {
	for _, lines := range near.lines() {
		for _, l := range lines {
			if len(words(l)) > maxBylineWords {
				continue
			}
			if byPrefix.MatchString(l) {
				return []string{bylineTail.ReplaceAllString(l, "")}
			}
			if m := postedOnBy.FindStringSubmatch(l); m != nil {
				return []string{bylineTail.ReplaceAllString(m[1], "")}
			}
			if by := byAfterDate(l); by != "" {
				return []string{bylineTail.ReplaceAllString(by, "")}
			}
			if m := nameRole.FindStringSubmatch(l); m != nil {
				if rest := strings.TrimSpace(l[len(m[0]):]); rest == "" || hasDate(rest) {
					return []string{m[1]}
				}
			}
		}
	}
	return nil
}

// nameRole is a byline without "By": a name, a comma and the writer's
// role, with nothing after it but a date ("Rachel Whitmore, Diplomatic
// Editor", "Jane Doe, Kyiv correspondent · 17 January 2016").
var nameRole = regexp.MustCompile(`^(\p{Lu}[\p{L}'’.-]*(?:\s+\p{Lu}[\p{L}'’.-]*){1,3}),\s+(?:\p{L}+\s+){0,3}(?i:` + roleNouns + `)\b[\s,·•|–—-]*`)

// bylineTail is what a blog's byline says after the name: the categories
// of the post ("by Jane Doe in News, Courts", "by Jane Doe, under Photos").
var bylineTail = regexp.MustCompile(`(?i)[,\s]+(?:in|under|filed\s+under)\s.*$`)

// postedOnBy is a blog's byline with the date first: "Posted on October
// 3, 2010 by Jane Doe".
var postedOnBy = regexp.MustCompile(`(?i)^\s*(?:posted|published|written)\s+(?:on\s+)?\S.{0,60}?\s+by\s+(\S.*)$`)

// byAfterDate returns the byline of a header line that gives the date
// first and the byline after a bar or a dot ("Tuesday, 14 October 2008 |
// By Jane Doe"), or "".
func byAfterDate(l string) string {
	parts := lineFields.Split(l, -1)
	for i := 1; i < len(parts); i++ {
		if !hasDate(parts[i-1]) {
			return ""
		}
		if byPrefix.MatchString(parts[i]) {
			return parts[i]
		}
	}
	return ""
}

// lineFields parts the fields of a header line: a bar or a dot with space
// around it.
var lineFields = regexp.MustCompile(`\s+[|·•]\s+`)

// maxBylineWords is the most words of a line read as a byline: two
// names, a role, a date and a time.
const maxBylineWords = 16

// people cleans raw author strings and returns the distinct person names.
// A name of one word is dropped when another has two or more: beside
// "Jane Doe" it is what is left of a role or a desk ("Jane Doe, Science",
// "Jane Doe, Executive Editor"), not a second author.
func people(raw []string, orgs []string) []string {
	var out []string
	seen := map[string]bool{}
	full := false
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
			full = full || len(strings.Fields(name)) > 1
		}
	}
	if full {
		out = slices.DeleteFunc(out, func(name string) bool { return len(strings.Fields(name)) == 1 })
	}
	return out
}

func splitAuthors(s string) []string {
	s = cleanText(s)
	s = byPrefix.ReplaceAllString(s, "")
	s = onDate.ReplaceAllString(s, "")
	s = updatedRe.ReplaceAllString(s, "")
	s = bracketed.ReplaceAllString(s, ",")
	s = handle.ReplaceAllString(s, "")
	var out []string
	for i, p := range splitNames.Split(s, -1) {
		p = strings.TrimSpace(byPrefix.ReplaceAllString(p, ""))
		if i > 0 && roleAfter.MatchString(p) {
			continue // the role of the name before it
		}
		p = roleSuffix.ReplaceAllString(p, "")
		p = inPlace.ReplaceAllString(p, "")
		p = withoutControls(p)
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
	if notFirst[strings.ToLower(words[0])] {
		return false
	}
	capital := 0
	for _, w := range words {
		lw := strings.ToLower(strings.Trim(w, ".,()"))
		if orgWords[lw] || uiWords[lw] || siteAddress.MatchString(lw) {
			return false
		}
		r := []rune(w)
		for _, c := range r {
			if unicode.IsDigit(c) || c == '@' || c == '/' {
				return false
			}
		}
		if !unicode.IsLower(r[0]) { // capitalised, or a script without case (Arabic, Chinese)
			capital++
		}
	}
	if len(words) == 1 {
		// A single word is a person only in a clean byline, never an all-caps acronym.
		return len([]rune(name)) >= 3 && !isAllCaps(name) && capital == 1
	}
	return capital*2 >= len(words)+1
}
