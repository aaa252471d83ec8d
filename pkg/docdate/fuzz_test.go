package docdate

import (
	"testing"
	"time"
)

// FuzzParse: any text, from a feed, a page or its metadata, gives a date
// within the plausible years, in UTC, or none; it never panics.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"Mon, 29 Oct 2012 10:25:32 PDT", "Mar 18, 2013 6:42 AM ET", "Wednesday, November 07, 2012 | 2:00 PM",
		"March 18, 2013, 6:42 a.m.", "14 марта 2014, 15:20", "2024年03月12日 15:30 来源：新华网", "Thu, 05/12/2011 - 14:20",
		"1732440000000", "2024-01-24T10:00:00+0000 Updated", "Posted on September 30th, 2008 in News", "",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, ok := Parse(s)
		if !ok {
			return
		}
		if !Valid(got) || got.Location() != time.UTC {
			t.Errorf("Parse(%q) = %v: outside the plausible years or not UTC", s, got)
		}
	})
}
