package extract

import "testing"

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
