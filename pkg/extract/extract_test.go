package extract

import (
	"context"
	"errors"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/parley-news/parley/pkg/article"
	"github.com/parley-news/parley/pkg/internal/sharedtest"
)

func newTestExtractor(t testing.TB, cfg Config) *Extractor {
	t.Helper()
	e, err := New(cfg)
	if err != nil {
		t.Fatalf("new extractor: %v", err)
	}
	return e
}

func extractFile(t testing.TB, e *Extractor, name, pageURL string, h Hints) *article.Article {
	t.Helper()
	page, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	a, err := e.Extract(context.Background(), page, pageURL, h)
	if err != nil {
		t.Fatalf("extract %s: %v", name, err)
	}
	return a
}

func ts(s string) *time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	t = t.UTC()
	return &t
}

func eqTime(a, b *time.Time) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.Equal(*b) && a.Location() == time.UTC
}

func TestBodyKeepsArticleDropsBoilerplate(t *testing.T) {
	e := newTestExtractor(t, Config{})
	a := extractFile(t, e, "news.html", "https://www.example.com/world/2026/01/24/ministers-meet?utm_source=rss&id=7", Hints{})
	keep := []string{
		"Foreign ministers from the two countries met for six hours",
		"Officials on both sides described the meeting as businesslike.",
		"a proposal to restore a hotline between the general staffs.",
		"“The tone is better than the substance,”",
	}
	for _, k := range keep {
		if !strings.Contains(a.Body, k) {
			t.Errorf("body lacks %q\nbody:\n%s", k, a.Body)
		}
	}
	drop := []string{"Most read", "Celebrity chef", "Storm warning", "Related stories", "Timeline: two years",
		"Privacy policy", "All rights reserved", "Business", "Sport", "Related:", "Sign up for",
		"Ministers meet for first talks"}
	for _, d := range drop {
		if strings.Contains(a.Body, d) {
			t.Errorf("body keeps boilerplate %q\nbody:\n%s", d, a.Body)
		}
	}
	if !strings.Contains(a.Body, "spring.\n\nOfficials") {
		t.Errorf("paragraphs are not separated by one blank line:\n%s", a.Body)
	}
	if a.EmptyReason != "" {
		t.Errorf("EmptyReason = %q", a.EmptyReason)
	}
}

func TestDropBoilerplate(t *testing.T) {
	tests := []struct {
		name  string
		in    []string
		title string
		want  []string
	}{
		{"cross-link anywhere", []string{"One two three.", "Read more: Other story", "Four five six."}, "", []string{"One two three.", "Four five six."}},
		{"cross-links in other languages", []string{"Un deux trois.", "Lire aussi : Budget européen", "Читайте также: Лавров и Керри", "Quatre cinq six."}, "", []string{"Un deux trois.", "Quatre cinq six."}},
		{"comments heading ends the article", []string{"Body text of a story that runs for more than twenty-five words, so that it counts as a paragraph of running prose in the article before the comments.", "Reader comments (3)", "First!"}, "", []string{"Body text of a story that runs for more than twenty-five words, so that it counts as a paragraph of running prose in the article before the comments."}},
		{"numbered responses end the article", []string{"Body text of a story that runs for more than twenty-five words, so that it counts as a paragraph of running prose in the article before the comments.", "12 Responses to “Talks go on”", "First!"}, "", []string{"Body text of a story that runs for more than twenty-five words, so that it counts as a paragraph of running prose in the article before the comments."}},
		{"a subheading named Reactions stays", []string{"Body text of a story that runs for more than twenty-five words, so that it counts as a paragraph of running prose in the article before the comments.", "Reactions", "Foreign ministers welcomed the deal."}, "", []string{"Body text of a story that runs for more than twenty-five words, so that it counts as a paragraph of running prose in the article before the comments.", "Reactions", "Foreign ministers welcomed the deal."}},
		{"comments heading with no prose before it stays", []string{"Short intro.", "Comments", "Body text."}, "", []string{"Short intro.", "Comments", "Body text."}},
		{"date line under the headline", []string{"Talks go on in Vienna", "Last updated: 17 December 2005, 18:42 GMT", "Body text."}, "Talks go on in Vienna", []string{"Body text."}},
		{"calls to action at the end", []string{"Body text.", "Follow us on Twitter", "Subscribe to our newsletter"}, "", []string{"Body text."}},
		{"call to action inside the text stays", []string{"Body text.", "Sign up for an account first.", "Then log in."}, "", []string{"Body text.", "Sign up for an account first.", "Then log in."}},
		{"url at the start", []string{"https://example.com/a/b", "Body text."}, "", []string{"Body text."}},
		{"headline repeated in other words", []string{"Plague: third case confirmed in China", "Body text."}, "Third case of plague confirmed in China", []string{"Body text."}},
		{"a lede echoing the headline stays", []string{"Putin and Zelenskiy will meet in Abu Dhabi, officials said.", "Body text."}, "Putin and Zelenskiy to meet in Abu Dhabi", []string{"Putin and Zelenskiy will meet in Abu Dhabi, officials said.", "Body text."}},
		{"date stamps at the edges", []string{"sexta-feira, 22 de outubro de 2010 às 20:13", "Body text.", "Updated Nov. 19, 2019 5:02 p.m. ET"}, "", []string{"Body text."}},
		{"an advertisement's label between paragraphs", []string{"Body text.", "ADVERTISEMENT", "More text.", "Anzeige", "End."}, "", []string{"Body text.", "More text.", "End."}},
		{"a press release's end mark", []string{"Body text.", "###", "More text."}, "", []string{"Body text.", "More text."}},
		{"a story's pager and the marker over an advertisement", []string{"Body text.", "Story continues below", "More text.", "Page 1 of 3 1 2 3 Next >>", "« Previous 1 2 3 Next »", "Page 2 of 3"}, "", []string{"Body text.", "More text."}},
		{"a row of figures stays", []string{"Body text.", "12 4 3 5", "End."}, "", []string{"Body text.", "12 4 3 5", "End."}},
		{"readers' views end the article", []string{"Body text of a story that runs for more than twenty-five words, so that it counts as a paragraph of running prose in the article before the comments.", "Readers' views (4)", "First!"}, "", []string{"Body text of a story that runs for more than twenty-five words, so that it counts as a paragraph of running prose in the article before the comments."}},
		{"a heading in capitals that ends the text", []string{"Body text of a story that runs for more than twenty-five words, so that it counts as a paragraph of running prose in the article before the box.", "TOP STORIES"}, "", []string{"Body text of a story that runs for more than twenty-five words, so that it counts as a paragraph of running prose in the article before the box."}},
		{"a heading in capitals inside the text stays", []string{"Body text of a story that runs for more than twenty-five words, so that it counts as a paragraph of running prose in the article before the box.", "WHAT COMES NEXT", "Talks resume on Monday."}, "", []string{"Body text of a story that runs for more than twenty-five words, so that it counts as a paragraph of running prose in the article before the box.", "WHAT COMES NEXT", "Talks resume on Monday."}},
		{"a signature that ends the text stays", []string{"Body text of a story that runs for more than twenty-five words, so that it counts as a paragraph of running prose in the article before the box.", "Jane Doe"}, "", []string{"Body text of a story that runs for more than twenty-five words, so that it counts as a paragraph of running prose in the article before the box.", "Jane Doe"}},
		{"a sentence about advertisements stays", []string{"Body text.", "Advertisement revenue fell by a third.", "End."}, "", []string{"Body text.", "Advertisement revenue fell by a third.", "End."}},
		{"long paragraph is prose", []string{"Body.", "Copyright " + strings.Repeat("law word ", 30)}, "", []string{"Body.", "Copyright " + strings.Repeat("law word ", 30)}},
	}
	for _, tt := range tests {
		got := dropBoilerplate(tt.in, tt.title)
		if strings.Join(got, "|") != strings.Join(tt.want, "|") {
			t.Errorf("%s: got %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestMetadata(t *testing.T) {
	e := newTestExtractor(t, Config{})
	tests := []struct {
		name, file, url string
		hints           Hints
		title           string
		authors         []string
		published       *time.Time
		updated         *time.Time
		image           string
		canonical       string
		language        string
		source          string
		dateline        string
	}{
		{
			name: "json-ld graph and open graph", file: "news.html",
			url:       "https://www.example.com/world/2026/01/24/ministers-meet?utm_source=rss&id=7",
			title:     "Ministers meet for first talks since border closure",
			authors:   []string{"Olena Kovalenko"},
			published: ts("2026-01-24T07:30:00Z"), updated: ts("2026-01-24T10:00:00Z"),
			image:     "https://www.example.com/images/ministers.jpg",
			canonical: "https://www.example.com/world/2026/01/24/ministers-meet",
			language:  "en", source: "Example News", dateline: "Kyiv",
		},
		{
			name: "feed hints come first for dates and authors", file: "news.html",
			url:       "https://www.example.com/world/2026/01/24/ministers-meet",
			hints:     Hints{Published: ts("2026-01-24T06:00:00Z"), Updated: ts("2026-01-25T06:00:00Z"), Authors: []string{"By Feed Author"}, Source: "Feed Name"},
			title:     "Ministers meet for first talks since border closure",
			authors:   []string{"Feed Author"},
			published: ts("2026-01-24T06:00:00Z"), updated: ts("2026-01-25T06:00:00Z"),
			image:     "https://www.example.com/images/ministers.jpg",
			canonical: "https://www.example.com/world/2026/01/24/ministers-meet",
			language:  "en", source: "Example News", dateline: "Kyiv",
		},
		{
			name: "meta tags only", file: "meta.html",
			url:       "https://news.example.org/grain-corridor?utm_medium=x",
			title:     "Grain corridor reopens",
			authors:   []string{"Jane Doe", "John Smith"},
			published: ts("2026-02-03T08:15:00Z"), updated: ts("2026-02-03T09:45:00Z"),
			image:     "https://img.example.org/grain.jpg",
			canonical: "https://news.example.org/grain-corridor",
			language:  "en",
		},
		{
			name: "time elements and rel=author byline", file: "time.html",
			url:       "https://post.example.net/hotline",
			title:     "Hotline restored between general staffs",
			authors:   []string{"Amir Haddad"},
			published: ts("2026-03-05T12:00:00Z"), updated: ts("2026-03-06T09:00:00Z"),
			canonical: "https://post.example.net/hotline",
			language:  "en", source: "Example Post",
		},
		{
			name: "dateline gives place and date, h1 gives title", file: "dateline.html",
			url:       "https://example.com/prisoners",
			title:     "Prisoner exchange agreed",
			published: ts("2026-02-01T00:00:00Z"),
			canonical: "https://example.com/prisoners",
			language:  "en", dateline: "Abu Dhabi",
		},
		{
			name: "date from the url, detected language replaces a wrong declaration", file: "urldate.html",
			url:       "https://example.com/news/2025/11/03/crossings-reopen",
			title:     "Crossings to reopen for trucks",
			published: ts("2025-11-03T00:00:00Z"),
			canonical: "https://example.com/news/2025/11/03/crossings-reopen",
			language:  "en",
		},
		{
			name: "feed title, image and source are the last fallbacks", file: "dateline.html",
			url:       "https://example.com/prisoners",
			hints:     Hints{Image: "/img/feed.jpg", Source: "Feed Name", Language: "en"},
			title:     "Prisoner exchange agreed",
			published: ts("2026-02-01T00:00:00Z"),
			image:     "https://example.com/img/feed.jpg",
			canonical: "https://example.com/prisoners",
			language:  "en", source: "Feed Name", dateline: "Abu Dhabi",
		},
		{
			name: "json-ld only: headline, image, date, person; a cross-site canonical is ignored", file: "jsonld.html",
			url:       "https://www.example.com/hotline",
			title:     "Hotline to be restored, ministers say",
			authors:   []string{"Sam Reyes"},
			published: ts("2026-04-02T05:00:00Z"),
			image:     "https://www.example.com/img/hotline.jpg",
			canonical: "https://www.example.com/hotline",
			language:  "fr",
		},
		{
			name: "other meta names, og:locale, byline elements, organisations dropped", file: "othermeta.html",
			url:       "https://example.com/trucks",
			title:     "Grain trucks cross again",
			authors:   []string{"Lena Petrova"},
			published: ts("2026-04-05T00:00:00Z"),
			canonical: "https://example.com/trucks",
			language:  "en",
		},
		{
			name: "date in a dated element, found by the htmldate scan; feed title as last title fallback", file: "scandate.html",
			url:       "https://example.com/scan",
			hints:     Hints{Title: "Feed headline"},
			title:     "Feed headline",
			published: ts("2019-11-20T00:00:00Z"),
			canonical: "https://example.com/scan",
			language:  "en",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := extractFile(t, e, tt.file, tt.url, tt.hints)
			if a.Title != tt.title {
				t.Errorf("Title = %q, want %q", a.Title, tt.title)
			}
			if strings.Join(a.Authors, "; ") != strings.Join(tt.authors, "; ") {
				t.Errorf("Authors = %q, want %q", a.Authors, tt.authors)
			}
			if !eqTime(a.PublishedAt, tt.published) {
				t.Errorf("PublishedAt = %v, want %v", a.PublishedAt, tt.published)
			}
			if !eqTime(a.UpdatedAt, tt.updated) {
				t.Errorf("UpdatedAt = %v, want %v", a.UpdatedAt, tt.updated)
			}
			if a.Image != tt.image {
				t.Errorf("Image = %q, want %q", a.Image, tt.image)
			}
			if a.URL != tt.canonical {
				t.Errorf("URL = %q, want %q", a.URL, tt.canonical)
			}
			if a.ID != article.ID(tt.canonical) {
				t.Errorf("ID = %q, want the id of %q", a.ID, tt.canonical)
			}
			if a.Language != tt.language {
				t.Errorf("Language = %q, want %q", a.Language, tt.language)
			}
			if a.Source != tt.source {
				t.Errorf("Source = %q, want %q", a.Source, tt.source)
			}
			if a.Dateline != tt.dateline {
				t.Errorf("Dateline = %q, want %q", a.Dateline, tt.dateline)
			}
			if a.Body == "" {
				t.Errorf("empty body: %s", a.EmptyReason)
			}
		})
	}
}

func TestPeople(t *testing.T) {
	orgs := []string{"LinkNaija | Nigeria's popular news platform", "example"}
	tests := []struct {
		in   []string
		want []string
	}{
		{[]string{"By Jane Doe and John Smith, Reuters staff"}, []string{"Jane Doe", "John Smith"}},
		{[]string{"Reuters", "AFP", "Staff", "Associated Press"}, nil},
		{[]string{"LinkNaija"}, nil},
		{[]string{"Example Editors"}, nil},
		{[]string{"BY AMIR HADDAD | Senior Correspondent"}, []string{"AMIR HADDAD"}},
		{[]string{"Olena Kovalenko in Kyiv"}, []string{"Olena Kovalenko"}},
		{[]string{"Mary Smith, Diplomatic Correspondent", "mary smith"}, []string{"Mary Smith"}},
		{[]string{"https://example.com/people/jane", "@jane"}, nil},
		// Roles, dates, notes and desks after the name.
		{[]string{"Posted by Jane Doe, Product Marketing Manager"}, []string{"Jane Doe"}},
		{[]string{"Posted by Jane Doe on October 31, 2012 at 5:27 pm"}, []string{"Jane Doe"}},
		{[]string{"By Jane Doe on Monday, November 5th, 2012"}, []string{"Jane Doe"}},
		{[]string{"Posted By Jane Doe Thursday, August 9, 2012 - 10:40 AM"}, []string{"Jane Doe"}},
		{[]string{"By JANE DOE ( @janedoe ) and JOHN ROE ( @johnroe ) KYIV, Ukraine"}, []string{"JANE DOE", "JOHN ROE"}},
		{[]string{"Written by Jane Doe filed under Politics, Europe"}, []string{"Jane Doe"}},
		{[]string{"By Jane Doe, Brussels"}, []string{"Jane Doe"}},
		{[]string{"Posted by Becky"}, []string{"Becky"}},
		{[]string{"Jane Doe — Reuters"}, []string{"Jane Doe"}},
		{[]string{"بقلم: أحمد سالم — 12 مارس 2024"}, []string{"أحمد سالم"}},
		{[]string{"Par Claire Dubois, à Bruxelles"}, []string{"Claire Dubois"}},
		// A hyphen between spaces parts a byline from its links.
		{[]string{"By Jenna Hollis - bio | email"}, []string{"Jenna Hollis"}},
		{[]string{"Written By: Jane Doe - "}, []string{"Jane Doe"}},
		// A ministry or a newsroom in another language is no person.
		{[]string{"Ministerium für Umwelt"}, nil},
		{[]string{"Redacción"}, nil},
		// A handle and a "First Posted" stamp beside the name.
		{[]string{"Jenna Kowalczyk @jkowalczyk", "First Posted: 04/18/2012 9:12 am"}, []string{"Jenna Kowalczyk"}},
		// Lines beside a byline: a place, an author box's heading, a site.
		{[]string{"In Sweden", "About Jane Doe", "ProfessorBaron.com"}, nil},
	}
	for _, tt := range tests {
		got := people(tt.in, orgs)
		if strings.Join(got, "; ") != strings.Join(tt.want, "; ") {
			t.Errorf("people(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestHeadlineByline: on a page whose markup names no author, the byline
// printed beside the headline gives one.
func TestHeadlineByline(t *testing.T) {
	page := harbourPage
	tests := []struct {
		name, page string
		want       []string
	}{
		{"byline and date under the headline", page("", `<div>By Tom Larkin, 10 November 2010</div>`), []string{"Tom Larkin"}},
		{"posted by, on a date", page("", `<div>Posted by Tom Larkin on October 31, 2012 at 5:27 pm</div>`), []string{"Tom Larkin"}},
		{"the date first", page("", `<div>Posted on October 3, 2010 by Tom Larkin</div>`), []string{"Tom Larkin"}},
		{"the post's categories after the name", page("", `<div>posted October 3rd, 2010 1:00 PM EDT by Tom Larkin in News, Upcoming Events</div>`), []string{"Tom Larkin"}},
		{"byline above the headline", page(`<div>by Tom Larkin</div>`, ""), []string{"Tom Larkin"}},
		{"a line of a cell", page("", `<div>November 5, 2012<br>By Tom Larkin and Ann Fry, Harbour Notes</div>`), []string{"Tom Larkin", "Ann Fry"}},
		{"the date, a bar and the byline", page("", `<div>Tuesday, 14 October 2008 | By Tom Larkin</div>`), []string{"Tom Larkin"}},
		{"a bar and a by after a section, no date", page("", `<div>World news | By the river</div>`), nil},
		{"a name and a role, no By", page("", `<div>Rachel Whitmore, Diplomatic Editor · Sunday 17 January 2016 08.45 GMT</div>`), []string{"Rachel Whitmore"}},
		{"a name and a role in a sentence", page("", `<div>Tom Larkin, chief executive of the ferry company, said the pier would reopen in May.</div>`), nil},
		{"not a byline", page("", `<div>By the numbers: a year of the ferry</div>`), nil},
		{"a sentence that starts with by", page("", `<div>By the time the pier reopens next spring, the ferry will have carried more than a million passengers from the south slip.</div>`), nil},
		{"too far from the headline", `<html><body><div>By Tom Larkin</div><div>one</div><div>two</div><div>three</div><div>The north pier, one year on</div></body></html>`, nil},
		{"no headline on the page", `<html><body><div>By Tom Larkin</div><p>Another story.</p></body></html>`, nil},
	}
	for _, tt := range tests {
		doc, err := goquery.NewDocumentFromReader(strings.NewReader(tt.page))
		if err != nil {
			t.Fatal(err)
		}
		base, _ := url.Parse("https://harbour.example.org/2012/11/pier.html")
		home, _ := linkNames(doc, base)
		got := pickAuthors(&meta{}, Hints{}, nil, doc, base, &nearHeadline{doc: doc, title: "The north pier, one year on"}, home, "")
		if strings.Join(got, "; ") != strings.Join(tt.want, "; ") {
			t.Errorf("%s: %q, want %q", tt.name, got, tt.want)
		}
	}
}

// TestBylineElements: a byline element is read line by line, and the
// byline is the first such element that names people, with those beside
// it; bylines of other stories further down the page are not authors.
func TestBylineElements(t *testing.T) {
	story := `<p>The north pier reopened on Monday after a year of repairs.</p>`
	teasers := `<ul><li><a href="/a">Ferry fares rise</a> <span class="byline">By Ann Fry</span></li>` +
		`<li><a href="/b">New slip opens</a> <span class="byline">By Sam Reyes</span></li></ul>`

	tests := []struct {
		name, byline string
		want         []string
	}{
		{"the paper's name after a break", `<div class="byline">DENISE KOWALCZYK<br>Courier-Tribune</div>`, []string{"DENISE KOWALCZYK"}},
		{"a biography after the name", `<div class="author"><p>Tom Larkin</p><p>About the author</p><p>Tom has covered the harbour for the paper since 1998, and before that wrote on shipping for a trade weekly in Hull.</p></div>`, []string{"Tom Larkin"}},
		{"controls beside the name", `<div class="byline"><a href="/u/tl">Tom Larkin</a> <a href="/u/tl">View Profile</a></div><div class="author">Tweet<br>Email<br>Print</div>`, []string{"Tom Larkin"}},
		{"a control after the name", `<span class="author">Tom Larkin RSS feed</span>`, []string{"Tom Larkin"}},
		{"the name on the line after By", `<div class="byline">By<br>Tom Larkin</div>`, []string{"Tom Larkin"}},
		{"two authors, an element each", `<div class="bylines"><span class="author">Tom Larkin</span> and <span class="author">Ann Fry</span></div>`, []string{"Tom Larkin", "Ann Fry"}},
		{"only controls and an about line", `<div class="author">About Tom Larkin<br>Website<br>Twitter</div>`, nil},
	}
	for _, tt := range tests {
		rail := teasers
		if tt.want == nil {
			rail = "" // with no byline of its own, the story would take the first teaser's: nothing tells them apart
		}
		page := `<html><body><div id="page"><div id="main"><div class="story"><h1>The north pier, one year on</h1>` + tt.byline + story +
			`</div></div><div id="rail"><div class="box">` + rail + `</div></div></div></body></html>`
		doc, err := goquery.NewDocumentFromReader(strings.NewReader(page))
		if err != nil {
			t.Fatal(err)
		}
		base, _ := url.Parse("https://harbour.example.org/2012/11/pier.html")
		got := pickAuthors(&meta{}, Hints{}, nil, doc, base, &nearHeadline{doc: doc, title: "The north pier, one year on"}, nil, "")
		if strings.Join(got, "; ") != strings.Join(tt.want, "; ") {
			t.Errorf("%s: %q, want %q", tt.name, got, tt.want)
		}
	}
}

// TestSiteAsAuthor: a site that names itself as its pages' meta author,
// in the words of its home links, has no author there.
func TestSiteAsAuthor(t *testing.T) {
	tests := []struct {
		name, meta string
		want       []string
	}{
		{"the site's name", "Harbour Notes", nil},
		{"a person", "Tom Larkin", []string{"Tom Larkin"}},
		{"a person and the site", "Tom Larkin. Harbour Notes", nil},
	}
	for _, tt := range tests {
		page := `<html><body><a href="/"><img src="/logo.png" alt=""></a><a href="/">Harbour Notes</a><h1>The north pier, one year on</h1><p>The pier reopened.</p></body></html>`
		doc, err := goquery.NewDocumentFromReader(strings.NewReader(page))
		if err != nil {
			t.Fatal(err)
		}
		base, _ := url.Parse("https://harbour.example.org/2012/11/pier.html")
		home, _ := linkNames(doc, base)
		got := pickAuthors(&meta{authors: []string{tt.meta}}, Hints{}, nil, doc, base, &nearHeadline{doc: doc, title: "The north pier, one year on"}, home, "")
		if strings.Join(got, "; ") != strings.Join(tt.want, "; ") {
			t.Errorf("%s: %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestParseDateline(t *testing.T) {
	tests := []struct {
		body, place string
		date        *time.Time
	}{
		{"KYIV, Jan 24 (Reuters) - Ukraine said...", "Kyiv", ts("2026-01-24T00:00:00Z")},
		{"WASHINGTON (AP) — The Senate voted...", "Washington", nil},
		{"ABU DHABI, United Arab Emirates, Feb. 1, 2025 (AP) — Delegations...", "Abu Dhabi", ts("2025-02-01T00:00:00Z")},
		{"LONDON — Britain said on Monday...", "London", nil},
		{"NEW YORK, Nov 19 (Reuters) - Oil fell...", "New York", ts("2026-11-19T00:00:00Z")},
		{"Headline\nMOSCOW, March 3 (TASS) - The Kremlin...", "Moscow", ts("2026-03-03T00:00:00Z")},
		{"UPDATE - markets rallied", "", nil},
		{"The talks (which began in May) - said one official", "", nil},
		{"NATO: allies agree", "", nil},
	}
	for _, tt := range tests {
		place, date := parseDateline(tt.body, 2026)
		if place != tt.place || !eqTime(date, tt.date) {
			t.Errorf("parseDateline(%q) = %q, %v; want %q, %v", tt.body, place, date, tt.place, tt.date)
		}
	}
}

func TestNoArticle(t *testing.T) {
	e := newTestExtractor(t, Config{})
	tests := []struct{ file, reason string }{
		{"index.html", ReasonIndexPage},
		{"video.html", ReasonVideoPage},
		{"stub.html", ReasonNoText},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			a := extractFile(t, e, tt.file, "https://example.com/"+tt.file, Hints{})
			if a.Body != "" {
				t.Errorf("Body = %q, want empty", a.Body)
			}
			if a.EmptyReason != tt.reason {
				t.Errorf("EmptyReason = %q, want %q", a.EmptyReason, tt.reason)
			}
			if a.Title == "" || a.ID == "" {
				t.Errorf("metadata missing: title %q id %q", a.Title, a.ID)
			}
		})
	}
}

// TestShortArticleAmongTeasers: a short article on a site that calls every
// page og:type website and lists many teaser links keeps its body.
func TestShortArticleAmongTeasers(t *testing.T) {
	e := newTestExtractor(t, Config{})
	a := extractFile(t, e, "short-article.html", "https://daily.example.com/envoys", Hints{})
	if a.EmptyReason != "" || !strings.Contains(a.Body, "Envoys from both governments will meet again") {
		t.Errorf("body %q, empty reason %q", a.Body, a.EmptyReason)
	}
	if strings.Contains(a.Body, "Another headline") {
		t.Errorf("body keeps teasers: %q", a.Body)
	}
}

// TestShortArticleKept: a text shorter than MinBodyChars is still an
// article when it is a sentence or more; a bare notice is not.
func TestShortArticleKept(t *testing.T) {
	e := newTestExtractor(t, Config{})
	page := `<html><head><title>Ferry resumes</title></head><body><p>The island ferry resumed its winter timetable on Monday after repairs to the ramp.</p></body></html>`
	a, err := e.Extract(context.Background(), []byte(page), "https://example.com/ferry", Hints{})
	if err != nil {
		t.Fatal(err)
	}
	if a.EmptyReason != "" || !strings.Contains(a.Body, "winter timetable") {
		t.Errorf("body %q, empty reason %q", a.Body, a.EmptyReason)
	}
}

// TestArticleOnly: a news page in the table layout of the 2000s (the
// article a run of <br>-separated text in one cell, a fixtures table and
// link columns beside it, reader comments in the next row) and one in a
// modern layout (newsletter box inside the story, comments, most-read
// list) each give the article, paragraph by paragraph, and nothing else.
func TestArticleOnly(t *testing.T) {
	e := newTestExtractor(t, Config{})
	tests := []struct {
		file, url string
		paras     []string // every paragraph of the article, in order
		not       []string // text from the rest of the page
	}{
		{"oldtable.html", "https://www.riverside-courier.example/news/8812.html",
			[]string{
				"Work to deepen the silted channel into Riverside harbour will begin in March",
				"The harbour master, Tom Pryce, told the meeting",
				"The dredging contract, worth a little over two million pounds",
				"Opponents on the council argued that the spoil",
				"Residents of Quay Street, who have complained for years",
				"A public exhibition of the plans will be held at the library on Saturday 25 October, from ten until four.",
			},
			[]string{"Local News", "fixtures", "Millford Town", "Posted:", "By Margaret Ellery", "Readers' comments",
				"About time too", "Two million pounds to move mud", "tannery", "Add your comment", "Most read", "Lifeboat crew", "Riverside Courier Ltd"}},
		{"modern.html", "https://www.northern-ledger.example/transport/2026/03/09/rail-strike",
			[]string{
				"A national rail strike planned for Monday has been called off",
				"The deal gives drivers a rise of 4.5 per cent",
				"Operators said trains would run to the normal timetable",
				"Months of stalemate",
				"The dispute began in October",
				`"Nobody wanted to strand passengers, least of all our members,"`,
				"The transport ministry welcomed the agreement and said it would publish the cost of the settlement to the public purse within a fortnight.",
			},
			[]string{"Transport Correspondent", "Photograph", "morning briefing", "inbox", "Share", "Copy link", "Comments (2)",
				"moderated", "railfan_84", "carriage shortages for a year", "childcare", "Most popular", "Heatwave warning", "All rights reserved"}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			a := extractFile(t, e, tt.file, tt.url, Hints{})
			paras := strings.Split(a.Body, "\n\n")
			if len(paras) != len(tt.paras) {
				t.Errorf("%d paragraphs, want %d:\n%s", len(paras), len(tt.paras), a.Body)
			}
			for i, want := range tt.paras {
				if i < len(paras) && !strings.HasPrefix(paras[i], want) && !strings.HasSuffix(paras[i], want) {
					t.Errorf("paragraph %d = %q, want it to hold %q", i, paras[i], want)
				}
			}
			for _, bad := range tt.not {
				if strings.Contains(a.Body, bad) {
					t.Errorf("body holds %q, which is not the article's", bad)
				}
			}
		})
	}
}

func TestEntitiesAndSpacesNormalised(t *testing.T) {
	e := newTestExtractor(t, Config{MinBodyChars: 50})
	a := extractFile(t, e, "entities.html", "https://example.com/cafe", Hints{})
	for _, want := range []string{
		`The minister said the "café talks" were & remain useful—for now.`,
		"Second paragraph with extra white space and a softhyphen,",
	} {
		if !strings.Contains(a.Body, want) {
			t.Errorf("body lacks %q:\n%q", want, a.Body)
		}
	}
	if strings.ContainsAny(a.Body, "\u00a0\u00ad") || strings.Contains(a.Body, "&nbsp;") || strings.Contains(a.Body, "  ") {
		t.Errorf("body keeps raw spaces or entities: %q", a.Body)
	}
	if a.Title != "Café talks" && a.Title != "Entities" {
		t.Errorf("Title = %q", a.Title)
	}
}

func TestNotHTML(t *testing.T) {
	e := newTestExtractor(t, Config{})
	for _, in := range [][]byte{nil, []byte("   "), []byte("%PDF-1.7\n\x00\x01binary"), []byte("\x89PNG\r\n\x1a\n\x00\x00")} {
		if _, err := e.Extract(context.Background(), in, "https://example.com/x", Hints{}); !errors.Is(err, ErrNotHTML) {
			t.Errorf("Extract(%q) error = %v, want ErrNotHTML", in, err)
		}
	}
}

func TestSiteRules(t *testing.T) {
	e := newTestExtractor(t, Config{MinBodyChars: 20, SiteRules: []SiteRule{{
		Host:   "example.com",
		Body:   []string{".related-links li"},
		Remove: []string{".related-links h3"},
		Title:  ".most-read h2",
		Author: ".byline",
		Date:   "time.updated",
	}}})
	a := extractFile(t, e, "time.html", "https://www.example.com/x", Hints{})
	if a.Body != "Border closure hits grain exporters hard\n\nTimeline: two years of failed negotiations" {
		t.Errorf("Body = %q", a.Body)
	}
	if a.Title != "Most read" {
		t.Errorf("Title = %q", a.Title)
	}
	if !eqTime(a.PublishedAt, ts("2026-03-06T09:00:00Z")) {
		t.Errorf("PublishedAt = %v", a.PublishedAt)
	}
	if strings.Join(a.Authors, ";") != "Amir Haddad" {
		t.Errorf("Authors = %q", a.Authors)
	}
	// Another host is untouched by the rule.
	b := extractFile(t, e, "time.html", "https://other.org/x", Hints{})
	if strings.Contains(b.Body, "Border closure") {
		t.Errorf("rule applied to another host: %q", b.Body)
	}
}

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		ok   bool
	}{
		{"zero", Config{}, true},
		{"negative min", Config{MinBodyChars: -1}, false},
		{"empty host", Config{SiteRules: []SiteRule{{Body: []string{"p"}}}}, false},
		{"bad selector", Config{SiteRules: []SiteRule{{Host: "a.com", Body: []string{"p[["}}}}, false},
	}
	for _, tt := range tests {
		if _, err := New(tt.cfg); (err == nil) != tt.ok {
			t.Errorf("%s: New error = %v, want ok=%v", tt.name, err, tt.ok)
		}
	}
}

func TestSeedArticle(t *testing.T) {
	dir := sharedtest.Dir(t, "seeds")
	raw, err := os.ReadFile(filepath.Join(dir, "abu-dhabi-talks.txt"))
	if err != nil {
		t.Skipf("seed article: %v", err)
	}
	var paras []string
	for _, l := range strings.Split(string(raw), "\n") {
		if l = strings.TrimSpace(l); l != "" {
			paras = append(paras, l)
		}
	}
	tmpl, err := os.ReadFile(filepath.Join("testdata", "seed-template.html"))
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, p := range paras {
		b.WriteString("<p>" + htmlEscape(p) + "</p>\n")
	}
	page := strings.Replace(string(tmpl), "{{BODY}}", b.String(), 1)
	a, err := newTestExtractor(t, Config{}).Extract(context.Background(), []byte(page), "https://news.example.com/2026/02/02/abu-dhabi-talks", Hints{})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range paras {
		if !strings.Contains(a.Body, p) {
			t.Errorf("body lacks paragraph %q", p)
		}
	}
	if strings.Contains(a.Body, "Most read") || strings.Contains(a.Body, "Subscribe") {
		t.Errorf("body keeps boilerplate:\n%s", a.Body)
	}
	if a.Language != "en" || a.Title != "US says progress needed before Putin-Zelenskiy meeting" {
		t.Errorf("language %q title %q", a.Language, a.Title)
	}
}

func htmlEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}

// TestConcurrentExtract runs one Extractor from several goroutines, as the
// parser stage does; -race checks the libraries underneath share no state.
func TestConcurrentExtract(t *testing.T) {
	e := newTestExtractor(t, Config{})
	files := []string{"news.html", "meta.html", "time.html", "index.html", "video.html"}
	want := map[string]string{}
	for _, f := range files {
		want[f] = extractFile(t, e, f, "https://example.com/"+f, Hints{}).Body
	}
	done := make(chan error, 4*len(files))
	for i := 0; i < 4; i++ {
		for _, f := range files {
			go func() {
				page, err := os.ReadFile(filepath.Join("testdata", f))
				if err != nil {
					done <- err
					return
				}
				a, err := e.Extract(context.Background(), page, "https://example.com/"+f, Hints{})
				if err == nil && a.Body != want[f] {
					err = errors.New(f + ": body differs between runs")
				}
				done <- err
			}()
		}
	}
	for i := 0; i < cap(done); i++ {
		if err := <-done; err != nil {
			t.Error(err)
		}
	}
}

// TestURLIsWebOnly: neither a page's canonical link nor the address it was
// given makes a javascript:, data: or file: article URL; with no http(s)
// address at all the article has none.
func TestURLIsWebOnly(t *testing.T) {
	e := newTestExtractor(t, Config{})
	page := func(canonical string) []byte {
		return []byte(`<html><head><title>Talks</title><link rel="canonical" href="` + canonical + `"></head><body><article><p>` +
			strings.Repeat("Ministers met in Geneva on Tuesday to resume talks. ", 20) + `</p></article></body></html>`)
	}
	tests := []struct {
		canonical, pageURL, want string
	}{
		{"javascript:alert(1)", "https://news.example/a", "https://news.example/a"},
		{"data:text/html,hi", "https://news.example/a", "https://news.example/a"},
		{"https://news.example/b", "javascript:alert(1)", ""},
		{"javascript:alert(1)", "javascript:alert(1)", ""},
		{"file:///etc/passwd", "file:///etc/passwd", ""},
		{"", "data:text/html,hi", ""},
	}
	for _, tt := range tests {
		a, err := e.Extract(context.Background(), page(tt.canonical), tt.pageURL, Hints{})
		if err != nil {
			t.Fatalf("%s on %s: %v", tt.canonical, tt.pageURL, err)
		}
		if a.URL != tt.want {
			t.Errorf("canonical %q on %q: url %q, want %q", tt.canonical, tt.pageURL, a.URL, tt.want)
		}
	}
}

// TestWireCredit: the reporters and writers of a wire story's closing
// credit line are its authors; editors are not.
func TestWireCredit(t *testing.T) {
	tests := []struct {
		body string
		want []string
	}{
		{"The talks resume on Monday.\n\n(Reporting by Mohammed Ghobari; Writing by Sami Aboudi; Editing by Alistair Lyon)",
			[]string{"Mohammed Ghobari", "Sami Aboudi"}},
		{"Ukraine are second from bottom in Group H. (Reporting by Angela Kranz in Sofia; editing by Tom Jiminy)",
			[]string{"Angela Kranz"}},
		{"Talks end.\n\n( Reporting by Ann Poe, John Roe, with reporting by Herb Lasker and Meg Davis, editing by Martin Howe. )",
			[]string{"Ann Poe", "John Roe", "Herb Lasker", "Meg Davis"}},
		{"Talks end.\n\n(Reporting by Khalid Omar in Amman and Salim Al-Haddad in Antakya, Turkey; Editing by Angus Mac)",
			[]string{"Khalid Omar", "Salim Al-Haddad"}},
		{"Talks end.\n\n(Editing by Clare Fell)", nil},
		{"He was reporting by phone (from Geneva).", nil},
		{"(Reporting by Jane Doe)\n\nThe first paragraph.\n\nThe second.\n\nThe third.\n\nThe fourth.", nil},
	}
	for _, tt := range tests {
		if got := people(wireCredit(tt.body), nil); !slices.Equal(got, tt.want) {
			t.Errorf("wireCredit(%q) = %q, want %q", tt.body, got, tt.want)
		}
	}
}

// TestByWeekday: a figures-only date that could be read either way is read
// the way its printed weekday falls.
func TestByWeekday(t *testing.T) {
	day := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 14, 20, 0, 0, time.UTC) }
	tests := []struct {
		text string
		read time.Time // htmldate's reading, day first
		want time.Time
	}{
		{"Submitted by kk on Thu, 05/12/2011 - 14:20", day(2011, time.December, 5), day(2011, time.May, 12)},
		{"Tuesday, 11.06.2012 / 4:54 PM", day(2012, time.June, 11), day(2012, time.November, 6)},
		{"Monday, 05.12.2011", day(2011, time.December, 5), day(2011, time.December, 5)}, // the weekday agrees
		{"Posted 05/12/2011", day(2011, time.December, 5), day(2011, time.December, 5)},  // no weekday
		{"Thu, 05/12/2010", day(2011, time.December, 5), day(2011, time.December, 5)},    // another year
		{"Fri, 13/05/2011", day(2011, time.May, 13), day(2011, time.May, 13)},            // one reading only
	}
	for _, tt := range tests {
		doc, err := goquery.NewDocumentFromReader(strings.NewReader("<p>" + tt.text + "</p>"))
		if err != nil {
			t.Fatal(err)
		}
		if got := byWeekday(doc, tt.read); !got.Equal(tt.want) {
			t.Errorf("%q read as %s: got %s, want %s", tt.text, tt.read.Format("2 Jan 2006"), got.Format("2 Jan 2006"), tt.want.Format("2 Jan 2006"))
		}
	}
}
