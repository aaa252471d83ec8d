package extract

import (
	"strings"
	"testing"
)

func TestFragmentText(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Plain description of the talks.", "Plain description of the talks."},
		{"<p>First &amp; foremost.</p><p>Second <b>bold</b> one.</p>", "First & foremost.\n\nSecond bold one."},
		{"Line one<br>Line two", "Line one\nLine two"},
		{"", ""},
		{"<script>alert(1)</script>Visible", "Visible"},
	}
	for _, tt := range tests {
		if got := FragmentText(tt.in); got != tt.want {
			t.Errorf("FragmentText(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestDropLeadingTitle(t *testing.T) {
	tests := []struct{ body, title, want string }{
		{"Talks end\n\nThe talks ended.", "Talks end", "The talks ended."},
		{"talks  END\n\nThe talks ended.", "Talks end", "The talks ended."},
		{"The talks ended.\n\nMore.", "Talks end", "The talks ended.\n\nMore."},
		{"Talks end", "", "Talks end"},
		{"Posted: 14 October 2008\nTalks end\nBy Jane Roe, Reporter\n\nThe talks ended.", "Talks end", "The talks ended."},
		{"Posted: 14 October 2008\nTalks end\nThe talks ended at noon.\n\nMore.", "Site - Talks end", "The talks ended at noon.\n\nMore."},
		{"Posted: 14 October 2008\nThe talks ended.", "Talks end", "Posted: 14 October 2008\nThe talks ended."},
		// A byline in any language the authors are read in leaves with the headline.
		{"Les Vingt-Sept divisés\nPar Claire Dubois, à Bruxelles\n\nLes ministres se sont séparés.", "Les Vingt-Sept divisés", "Les ministres se sont séparés."},
		{"Gipfel in Wien\nVon Anna Berger\n\nDie Minister trafen sich.", "Gipfel in Wien", "Die Minister trafen sich."},
		{"Talks end\nPosted by Jane Roe\n\nThe talks ended.", "Talks end", "The talks ended."},
	}
	for _, tt := range tests {
		if got := dropLeadingTitle(tt.body, tt.title); got != tt.want {
			t.Errorf("dropLeadingTitle(%q, %q) = %q, want %q", tt.body, tt.title, got, tt.want)
		}
	}
}

// TestHeaderHeadline: the headline of the header block an old page's text
// opens with, when its <title> is the site's alone.
func TestHeaderHeadline(t *testing.T) {
	tests := []struct{ body, want string }{
		{"Press release No. 214/2009\nForeign Minister meets OSCE Chairman-in-Office\nVienna, 27 November 2009\n\nThe Foreign Minister met today in Vienna.", "Foreign Minister meets OSCE Chairman-in-Office"},
		{"Posted: 14 October 2008\nCouncil votes to keep the ferry\nBy Tom Larkin\n\nThe council voted.", "Council votes to keep the ferry"},
		{"The council voted on Monday.\nIt was close.\n\nMore.", ""},  // sentences, not a header
		{"Ferry\nBy Tom Larkin\n\nThe council voted.", ""},            // one word is no headline
		{"Council votes to keep the ferry\nBy Tom Larkin", ""},        // nothing follows the block
		{"Council votes to keep the ferry\n\nThe council voted.", ""}, // one line: no block
	}
	for _, tt := range tests {
		if got := headerHeadline(tt.body); got != tt.want {
			t.Errorf("headerHeadline(%q) = %q, want %q", tt.body, got, tt.want)
		}
	}
	// On the page: a generic <title>, no <h1>; the release's headline is
	// the title, its date the published date, and the header leaves the body.
	e, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	a := extractFile(t, e, "press-release.html", "https://www.mfa.example.gov/press/2009/0412.html", Hints{})
	if a.Title != "Foreign Minister meets OSCE Chairman-in-Office" {
		t.Errorf("title %q", a.Title)
	}
	if a.PublishedAt == nil || a.PublishedAt.Format("2006-01-02") != "2009-11-27" {
		t.Errorf("published %v, want 2009-11-27", a.PublishedAt)
	}
	if !strings.HasPrefix(a.Body, "The Foreign Minister met today in Vienna") {
		t.Errorf("body opens %.80q, want the release's first sentence", a.Body)
	}
	// With the feed's title for the item, that is the title.
	a = extractFile(t, e, "press-release.html", "https://www.mfa.example.gov/press/2009/0412.html", Hints{Title: "Minister in Vienna"})
	if a.Title != "Minister in Vienna" {
		t.Errorf("title with a feed title %q", a.Title)
	}
}
