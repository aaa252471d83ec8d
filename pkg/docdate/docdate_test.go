package docdate

import (
	"strings"
	"testing"
	"time"
)

// Feeds and pages had a parser each, with different layouts and windows
// of plausible years (feeds 1971-2999, pages 1990-2200); the one parser
// reads what either read, within the narrower window.
func TestParse(t *testing.T) {
	tests := []struct {
		in   string
		want string // RFC 3339 UTC, "" for unparsable
	}{
		{"Sat, Dec 16 2023 02:02:33 PM", "2023-12-16T14:02:33Z"},
		{"2020/1/10 14:33:00", "2020-01-10T14:33:00Z"},
		{"2026-11-24T10:00:00+01:00", "2026-11-24T09:00:00Z"},
		{"Tue, 24 Nov 2026 09:30:00 +0400", "2026-11-24T05:30:00Z"},
		{"2026-11-24", "2026-11-24T00:00:00Z"},
		{"Seg, 24 Set 2018 19:42:40 -0300", "2018-09-24T22:42:40Z"},
		{"mer, 16 nov 2022 00:38:15 +0100", "2022-11-15T23:38:15Z"},
		{"Di, 3 Mär 2026 08:00 GMT", "2026-03-03T08:00:00Z"},
		{"lun., 5 janv. 2026 10:00:00 +0100", "2026-01-05T09:00:00Z"},
		{"Mon, 5 Foo 2026 10:00:00 +0100", ""},
		{"", ""},
		{"yesterday-ish", ""},
		// What only the page parser read.
		{"1732440000", "2024-11-24T09:20:00Z"},
		{"1732440000000", "2024-11-24T09:20:00Z"},
		{"2024-01-24T10:00:00+0000 Updated 2 hours ago", "2024-01-24T10:00:00Z"},
		{"24.01.2024 10:00", "2024-01-24T10:00:00Z"},
		{"Monday, January 22, 2024", "2024-01-22T00:00:00Z"},
		// Written out, day first, in other languages.
		{"23 novembre 2012 à 18h32", "2012-11-23T18:32:00Z"},
		{"Publié le 23 novembre 2012", ""},
		{"14 марта 2014, 15:20", "2014-03-14T15:20:00Z"},
		{"3 листопада 2012 р.", "2012-11-03T00:00:00Z"},
		{"23 de noviembre de 2012", "2012-11-23T00:00:00Z"},
		{"Freitag, 3. März 2026, 08:15", "2026-03-03T08:15:00Z"},
		{"1er décembre 2012", "2012-12-01T00:00:00Z"},
		{"31 ноября 2012", ""},
		{"14 марта 2014, 25:20", "2014-03-14T00:00:00Z"}, // a time that cannot be, the date kept
		{"12 مارس 2024", "2024-03-12T00:00:00Z"},
		{"2024年03月12日 15:30 来源：新华网", "2024-03-12T15:30:00Z"},
		{"2024년 3월 12일", "2024-03-12T00:00:00Z"},
		{"2024年13月12日", ""},
		// A zone named by its abbreviation: standard or summer time is a
		// fixed offset, a region's zone follows its summer time.
		{"Mon, 18 Mar 2013 06:42:00 EST", "2013-03-18T11:42:00Z"},
		{"Mon, 29 Oct 2012 10:25:32 PDT", "2012-10-29T17:25:32Z"},
		{"Mon Mar 18, 2013 6:42 AM ET", "2013-03-18T10:42:00Z"},
		{"Mon Jan 14, 2013 6:42 AM ET", "2013-01-14T11:42:00Z"},
		{"Sunday 17 January 2016 08.45 GMT", "2016-01-17T08:45:00Z"},
		{"Tuesday 12 July 2016 14.05 BST", "2016-07-12T13:05:00Z"},
		{"Mon, 18 Mar 2013 06:42:00 XYZ", "2013-03-18T06:42:00Z"},
		// A time that cannot be read leaves the date.
		{"March 18, 2013, 6:42 a.m.", "2013-03-18T00:00:00Z"},
		{"Monday, March 18, 2013 - 06:42", "2013-03-18T00:00:00Z"},
		{"March 18, 2013 at 6:42 pm", "2013-03-18T18:42:00Z"},
		{"2013 annual report", ""},
		{"Posted 12:30, 18 March 2013", ""},
		// The narrower window: placeholders and guesses far off are no date.
		{"1985-03-01", ""},
		{"1970-01-01T00:00:00Z", ""},
		{"0001-01-01T00:00:00Z", ""},
		{"2999-12-31", ""},
		{"2200-12-31", "2200-12-31T00:00:00Z"},
		{"1990-01-01", "1990-01-01T00:00:00Z"},
		{strings.Repeat("2026-11-24 ", 10), ""},
	}
	for _, tt := range tests {
		got, ok := Parse(tt.in)
		var s string
		if ok {
			s = got.Format(time.RFC3339)
		}
		if s != tt.want {
			t.Errorf("Parse(%q) = %q, want %q", tt.in, s, tt.want)
		}
	}
}

func TestHasMonthName(t *testing.T) {
	for in, want := range map[string]bool{
		"Monday, November 5, 2012": true, "23 nov. 2012": true, "14 марта 2014": true,
		"5 listopada 2012": true, "2024年03月12日": true, "12 مارس 2024": true, "© 2012": false, "06/11/2012": false, "": false,
	} {
		if got := HasMonthName(in); got != want {
			t.Errorf("HasMonthName(%q) = %v, want %v", in, got, want)
		}
	}
}
