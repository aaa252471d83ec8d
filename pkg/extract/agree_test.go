package extract

import (
	"fmt"
	"hash/maphash"
	"strings"
	"testing"

	"golang.org/x/net/html"
)

func TestOverlap(t *testing.T) {
	seed := maphash.MakeSeed()
	a := shingleSet(seed, []string{"one two three four five six", "seven eight nine ten"})
	b := shingleSet(seed, []string{"one two three four five six"})
	inA, inB := overlap(a, b)
	if inB != 1 || inA >= 1 || inA <= 0 {
		t.Errorf("overlap = %v, %v; want b inside a", inA, inB)
	}
}

func TestContinuation(t *testing.T) {
	long := func(w string) string { return strings.TrimSpace(strings.Repeat(w+" ", 30)) }
	seed := maphash.MakeSeed()
	base := shingleSet(seed, []string{long("alpha"), long("beta")})
	tests := []struct {
		name  string
		other []string
		want  []string
	}{
		{"prose after the shared text", []string{long("alpha"), long("beta"), long("gamma"), long("delta")}, []string{long("gamma"), long("delta")}},
		{"a subheading inside the run", []string{long("beta"), long("gamma"), "A subheading", long("delta")}, []string{long("gamma"), "A subheading", long("delta")}},
		{"teasers end the run", []string{long("beta"), long("gamma"), "More stories", "Teaser one", long("epsilon")}, []string{long("gamma")}},
		{"nothing shared", []string{long("zeta"), long("eta")}, nil},
		{"short first paragraph stops", []string{long("beta"), "Related", long("gamma")}, nil},
	}
	for _, tt := range tests {
		got := continuation(seed, base, tt.other, continuationWords)
		if strings.Join(got, "|") != strings.Join(tt.want, "|") {
			t.Errorf("%s: got %d paragraphs %q, want %q", tt.name, len(got), got, tt.want)
		}
	}
}

// TestPickSecond: which of two blocks that share no text is the article.
func TestPickSecond(t *testing.T) {
	para := func(topic string) string {
		return "The delegations met for a third day on " + topic + " and agreed to keep talking, the foreign ministry said in a statement that gave few details of what had been settled and what was still open between them."
	}
	article := []string{para("the ceasefire"), para("prisoner exchanges"), para("the border crossings"), para("grain shipments")}
	offers := []string{"SAVE $30 - headphones on sale from $145", "SAVE $200 - laptops from $999", "Three new episodes air on Friday", "Maps service revamped ~9 hours ago", "How to use the new video feature ~5 days ago", "Podcast: the week in review ~5 days ago"}
	comments := []string{
		"This is the best summary of the talks I have read anywhere this week, and I have been following them every day since they began in the spring of this year, thank you so much.",
		"Posted by a reader", "I could not disagree more with the writer about the ceasefire, which has been broken many times already by both sides as everyone who lives near the front line knows very well.", "Posted by a reader",
	}
	page := func(blocks ...[]string) string {
		var b strings.Builder
		b.WriteString("<html><body><h1>Talks go on</h1>")
		for _, bl := range blocks {
			b.WriteString("<div>")
			for _, p := range bl {
				b.WriteString("<p>" + p + "</p>") // no markup characters in the texts
			}
			b.WriteString("</div>")
		}
		b.WriteString("</body></html>")
		return b.String()
	}
	e, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name          string
		page          string
		first, second []string
		want          bool
	}{
		// Offers right under the headline, then the article: the earlier
		// block has no running prose at all.
		{"offers above the article", page(offers, article), offers, article, true},
		{"offers above the article, found second", page(offers, article), article, offers, false},
		// The article, then its comments, which are prose too: the earlier
		// block wins.
		{"article above its comments", page(article, comments), article, comments, false},
		{"article above its comments, found second", page(article, comments), comments, article, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			root, err := html.Parse(strings.NewReader(tt.page))
			if err != nil {
				t.Fatal(err)
			}
			if got := e.pickSecond(newPageIndex(root), "Talks go on", tt.first, tt.second); got != tt.want {
				t.Errorf("pickSecond = %v, want %v", got, tt.want)
			}
		})
	}
}

// TestProseLayout: comments, each in an item of its own under its
// author's name and date, lose to an article whose paragraphs stand side
// by side, even when they stand first on the page (a blog whose comments
// sit beside the post in the page's order); an article whose paragraphs
// are each in a table row of their own stands together.
func TestProseLayout(t *testing.T) {
	para := func(topic string) string {
		return "The delegations met for a third day on " + topic + " and agreed to keep talking, the foreign ministry said in a statement that gave few details of what had been settled and what was still open between them."
	}
	article := []string{para("the ceasefire"), para("prisoner exchanges"), para("the border crossings"), para("grain shipments")}
	comment := func(who string) string {
		return "I have followed these talks every day since the spring, and " + who + " is right that the ceasefire has been broken many times already by both sides, as everyone who lives near the front knows."
	}
	comments := []string{comment("the first reader"), comment("the second reader"), comment("the third reader"), comment("the fourth reader")}
	asComments := func(paras []string) string {
		var b strings.Builder
		b.WriteString("<ol>")
		for i, p := range paras {
			fmt.Fprintf(&b, "<li><p>Reader %d said:</p><p>%s</p><p>November %d, 2012 at 5:0%d PM</p></li>", i+1, p, i+1, i)
		}
		b.WriteString("</ol>")
		return b.String()
	}
	asBlock := func(paras []string) string {
		return "<div><p>" + strings.Join(paras, "</p><p>") + "</p></div>"
	}
	asRows := func(paras []string) string {
		return "<table><tr><td>" + strings.Join(paras, "</td></tr><tr><td>") + "</td></tr></table>"
	}
	e, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name                  string
		body                  string
		first, second         []string
		together, apart, want bool
	}{
		{"comments stand first, the article second", asComments(comments) + asBlock(article), comments, article, false, true, true},
		{"the same, the article found first", asComments(comments) + asBlock(article), article, comments, true, false, false},
		{"article above its comments", asBlock(article) + asComments(comments), article, comments, true, false, false},
		// An article in table rows, one paragraph a row, stands together.
		{"article in table rows above comments in one block", asRows(article) + asBlock(comments), article, comments, true, false, false},
		{"comments stand first, the article in table rows", asComments(comments) + asRows(article), comments, article, false, true, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			root, err := html.Parse(strings.NewReader("<html><body><h1>Talks go on</h1>" + tt.body + "</body></html>"))
			if err != nil {
				t.Fatal(err)
			}
			ix := newPageIndex(root)
			if together, apart := ix.proseLayout(tt.first); together != tt.together || apart != tt.apart {
				t.Errorf("proseLayout(first) = together %v, apart %v; want %v, %v", together, apart, tt.together, tt.apart)
			}
			if got := e.pickSecond(ix, "Talks go on", tt.first, tt.second); got != tt.want {
				t.Errorf("pickSecond = %v, want %v", got, tt.want)
			}
		})
	}
}

// TestArticleBefore: on an old page whose comments stand in a table inside
// the article's own cell, with no markup naming them, trafilatura takes
// the comments alone; readability's text, which opens with the article
// after the headline, wins (articleBefore), and the comments heading ends
// it (commentsHeading).
func TestArticleBefore(t *testing.T) {
	e, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	a := extractFile(t, e, "comments-table.html", "http://www.valleycourier.example/news/2008/03/11/ferry.html", Hints{})
	for _, want := range []string{
		"The town council voted seven to two on Monday night",
		"The repairs will begin in May.",
	} {
		if !strings.Contains(a.Body, want) {
			t.Errorf("body lacks %q:\n%s", want, a.Body)
		}
	}
	if got := strings.Join(a.Authors, "; "); got != "Tom Larkin" {
		t.Errorf("authors %q, want Tom Larkin", got)
	}
	if a.PublishedAt == nil || a.PublishedAt.Format("2006-01-02") != "2008-03-11" {
		t.Errorf("published %v, want 2008-03-11", a.PublishedAt)
	}
	for _, not := range []string{"Most read", "Millbrook 2 Castleford Vale 1", "All rights reserved", "Reader comments", "About time they made a decision"} {
		if strings.Contains(a.Body, not) {
			t.Errorf("body holds %q", not)
		}
	}
}

// TestArticleThenComments: a news brief of three paragraphs with longer
// reader comments under it, under a heading that does not name them
// (testdata/short-comments.html, a page of ours): trafilatura takes one
// comment, readability the brief and the comments; the body is the brief.
func TestArticleThenComments(t *testing.T) {
	e, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	a := extractFile(t, e, "short-comments.html", "http://www.valleygazette.example/world/2010/03/envoy-recalled", Hints{})
	for _, want := range []string{
		"The government has recalled its ambassador for consultations",
		"It is the first such recall since relations were restored in 1996.",
	} {
		if !strings.Contains(a.Body, want) {
			t.Errorf("body lacks %q:\n%s", want, a.Body)
		}
	}
	for _, not := range []string{"What you told us", "Harold W.", "I have lived abroad", "In 1985 exactly the same thing happened"} {
		if strings.Contains(a.Body, not) {
			t.Errorf("body holds %q", not)
		}
	}
}

// TestWithoutLinkLines: short lines that are links wherever they stand on
// the page (a box of related stories inside the article, with its title,
// and the print and e-mail links under it) leave the text; an address
// written out, a line with a link inside a sentence, and a line that is
// also plain text elsewhere on the page stay.
func TestWithoutLinkLines(t *testing.T) {
	page := `<html><body><div id="story">
<p>The envoy said on Tuesday that talks would resume in the second week of November.</p>
<table align="right"><tr><td><b>Related stories</b><br><a href="/a.html">Border talks stall again</a><br><a href="/b.html">Villagers caught between two armies</a></td></tr></table>
<p>The full text of the statement is at <a href="/statement.html">the ministry's site</a>, officials said.</p>
<p><a href="http://www.ministry.example/statement">www.ministry.example/statement</a></p>
<p><a href="/c.html">Ceasefire holds</a></p>
<p><a href="/news/">More news</a> | <a href="/print?id=1">Print this story</a> | <a href="/email?id=1">E-mail this story</a></p>
</div><div>Ceasefire holds</div></body></html>`
	root, err := html.Parse(strings.NewReader(page))
	if err != nil {
		t.Fatal(err)
	}
	ix := newPageIndex(root)
	text := []string{
		"The envoy said on Tuesday that talks would resume in the second week of November.",
		"Related stories\nBorder talks stall again\nVillagers caught between two armies",
		"The full text of the statement is at the ministry's site, officials said.",
		"www.ministry.example/statement",
		"Ceasefire holds",
		"More news | Print this story | E-mail this story",
	}
	want := []string{
		"The envoy said on Tuesday that talks would resume in the second week of November.",
		"The full text of the statement is at the ministry's site, officials said.",
		"www.ministry.example/statement",
		"Ceasefire holds",
	}
	if got := ix.withoutLinkLines(text); strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("withoutLinkLines:\n got %q\nwant %q", got, want)
	}
	// Whole pages: a related-stories box inside an article's column, and
	// the print and e-mail links under an article in a table cell.
	e, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ file, keep, drop string }{
		{"related-box.html", "Environmental groups said the failure to agree", "Fleet owners warn of closures"},
		{"related-box.html", "Scottish and Danish ministers argued", "Related stories"},
		{"print-links.html", "Diplomats said the agreement to resume", "Print this story"},
	} {
		a := extractFile(t, e, tt.file, "http://news.example.org/2008/10/14/story.html", Hints{})
		if !strings.Contains(a.Body, tt.keep) || strings.Contains(a.Body, tt.drop) {
			t.Errorf("%s: want %q kept and %q dropped, body:\n%s", tt.file, tt.keep, tt.drop, a.Body)
		}
	}
	// A text of nothing but such lines is kept as it is.
	if got := ix.withoutLinkLines(text[1:2]); strings.Join(got, "|") != text[1] {
		t.Errorf("withoutLinkLines of link lines only = %q, want %q", got, text[1:2])
	}
}
