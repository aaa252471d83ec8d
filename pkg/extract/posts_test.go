package extract

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

// TestStampedPosts holds withoutStampedPosts to its cases on pages of our
// own: reader comments that each stand in a block of their own with a
// time stamp are cut from the end of a text, with the lines of their
// section; list items, teasers without a stamp, an article that goes on
// after the posts and posts without an article before them are kept.
func TestStampedPosts(t *testing.T) {
	article := `<div class="story"><p>The harbour board voted on Tuesday to close the old ferry terminal at the end of the summer, ending a service that has run between the two towns since 1921.</p>
<p>Board members said the terminal needed repairs costing more than the service earns in a decade, and that the new bridge had taken most of its passengers.</p>
<p>Ferry workers will be offered jobs at the bridge's toll plaza or at the port, the board said.</p></div>`
	post := func(class, stamp, text string) string {
		return fmt.Sprintf(`<div class="%s"><div class="hd"><b>reader</b> %s</div><p>%s</p><div class="ft"><a href="#">Reply</a> | <a href="#">Report</a></div></div>`, class, stamp, text)
	}
	comments := func(class string, stamps ...string) string {
		var b strings.Builder
		for i, s := range stamps {
			b.WriteString(post(class, s, fmt.Sprintf("Comment number %d says the board should have asked the people who ride the ferry every day before deciding.", i+1)))
		}
		return b.String()
	}
	opening := `<div class="cm"><div class="hd"><b>reader</b> 08:14</div>` +
		`<p>I have been making cider from our own trees for three seasons and this batch has refused to clear after two rackings.</p>` +
		`<p>About 23 litres were pressed in October from a mix of bittersweets and a few Bramleys, with no pectic enzyme added this time.</p>` +
		`<p>Is it worth adding enzyme now, or would a fortnight of cold in the shed do the job on its own before I bottle it?</p></div>`
	tests := []struct {
		name string
		page string
		want int // paragraphs of the article kept; -1: all kept
	}{
		{"posts with times of day", article + `<div id="c"><h3>Your comments</h3>` + comments("cm", "08:14", "9:02 AM", "10:40") + `<p>You must be logged in to comment.</p></div>`, 3},
		{"posts with dates in figures, rows alike", article + comments("row alt", "22/04/2009", "02-14-2012", "3.5.2010"), 3},
		{"posts with dates in words", article + comments("cm", "wrote on April 6, 2010", "wrote on April 7, 2010", "wrote on 8 April 2010"), 3},
		{"two posts are not a list", article + comments("cm", "08:14", "09:20"), -1},
		{"items without a stamp", article + comments("item", "first", "second", "third"), -1},
		{"the article goes on after them", article + comments("cm", "08:14", "9:02 AM", "10:40") + `<p>Later on Tuesday the board said it would also review the timetable of the bus that replaces the ferry, which runs every forty minutes and stops at both of the old terminals.</p><p>The bus company said it could add a later run on weekdays if the board paid for the extra driver, and that it would answer within a month.</p>`, -1},
		{"a notice after them goes with them", `<div id="col">` + article + comments("cm", "08:14", "9:02 AM", "10:40") + `<p>Comments are moderated and may take a little while to appear. Be civil: personal attacks and anything that looks like advertising are deleted without warning by the editors.</p></div>`, 3},
		{"no article before them", `<p>Comments</p>` + comments("cm", "08:14", "9:02 AM", "10:40"), -1},
		// A forum thread taken whole: its page is the opening post.
		{"a thread: the opening post stays", `<p>Pressing day is on the 15th; details in the Snug board.</p>` + opening + comments("cm", "9:02 AM", "10:40", "11:15"), 4},
		{"a thread whose opening post is short", `<p>Pressing day is on the 15th; details in the Snug board.</p>` + post("cm", "08:14", "Any thoughts on the haze in my cider this year, everyone?") + comments("cm", "9:02 AM", "10:40", "11:15"), -1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			root, _ := parseBody(t, tc.page)
			ix := newPageIndex(root)
			var paras []string
			for _, l := range ix.lines {
				p := strings.Join(l, "\n")
				if len(words(p)) >= 5 && !strings.Contains(p, "Reply | Report") {
					paras = append(paras, p)
				}
			}
			got := ix.withoutStampedPosts(paras, defaultMinBodyChars)
			want := paras
			if tc.want >= 0 {
				want = paras[:tc.want]
			}
			if !slices.Equal(got, want) {
				t.Errorf("kept %d of %d paragraphs:\n%s", len(got), len(paras), strings.Join(got, "\n"))
			}
		})
	}
}

// TestOpeningPost holds openingPost to its cases: a text that is one
// later post of a thread gives way to the thread's opening post, found
// where the text stands in its own post; the opening post itself, a text
// outside the posts and a thread whose opening post is too short to be
// an article are kept as they are.
func TestOpeningPost(t *testing.T) {
	message := func(n int, words string) string {
		return fmt.Sprintf(`<div class="post"><table><tr><td>03-%02d-2012, 09:41 PM</td><td>#%d</td></tr>
<tr><td><a href="/u">member%d</a><div>Join Date: Jun 2008</div><div>Posts: 3,917</div></td>
<td><div class="msg">%s</div></td></tr></table></div>`, 20+n, n, n, words)
	}
	long := func(who string) string {
		return who + ` brewed an amber ale three weeks ago and the gravity has not moved from 1.030 for ten days.<br><br>` +
			`The yeast ` + who + ` used was one packet of dry ale yeast, rehydrated as the packet says, pitched at about 68 degrees into well aerated wort.<br><br>` +
			`The fermenter of ` + who + ` sits in a basement that stays at 64 degrees, and swirling it and moving it upstairs did nothing at all.`
	}
	thread := func(first string) string {
		return `<div id="posts">` + message(1, first) + message(2, long("My neighbour")) + message(3, "Same here, following.") + message(4, "Check your thermometer first.") + `</div>`
	}
	tests := []struct {
		name, page, text string
		want             string // the first words of the text returned
	}{
		{"a reply gives way to the opening post", thread(long("I")), "My neighbour", "I brewed"},
		{"the opening post stays", thread(long("I")), "I brewed", "I brewed"},
		{"an opening post too short stays out", thread("Help?"), "My neighbour", "My neighbour"},
		{"a text outside the posts stays", `<div class="story"><p>` + long("The club") + `</p></div>` + thread(long("I")), "The club", "The club"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			root, _ := parseBody(t, tc.page)
			ix := newPageIndex(root)
			var paras []string
			for i := range ix.lines {
				if strings.HasPrefix(ix.norm[i], strings.ToLower(tc.text)) {
					for j := i; j < len(ix.lines) && (j == i || len(words(strings.Join(ix.lines[j], " "))) > 12); j++ {
						paras = append(paras, strings.Join(ix.lines[j], "\n"))
					}
					break
				}
			}
			if len(paras) == 0 {
				t.Fatalf("%q not on the page", tc.text)
			}
			got := ix.openingPost(paras, defaultMinBodyChars)
			if len(got) == 0 || !strings.HasPrefix(got[0], tc.want) {
				t.Errorf("got %q, want a text opening with %q", got, tc.want)
			}
		})
	}
}

// TestIsPosts holds isPosts to its cases: three stamp lines each over a
// paragraph of written text are posts, whichever way the stamp is
// written; a post's date line, its title with a date and "at 2:30 PM"
// are not, nor two comments.
func TestIsPosts(t *testing.T) {
	comment := "The tariff is the highest in the province and we still have no water."
	tests := []struct {
		name  string
		paras []string
		want  bool
	}{
		{"comments with dates in figures", []string{"Comentarios (3)", "Marcelo R. 15/09/2008 - 09:47", comment, "vecina_LR 15/09/2008 - 10:05", comment, "Juan Carlos 15/09/2008 - 10:22", comment}, true},
		{"comments with times of day", []string{"Sandra wrote at 8:14 AM", comment, "Dave wrote at 8:21 AM", comment, "Mick wrote at 10:11 AM", comment}, true},
		{"two comments", []string{"Sandra wrote at 8:14 AM", comment, "Dave wrote at 8:21 AM", comment}, false},
		{"a blog post's date lines", []string{"Monday, November 05, 2012", "Teach This! Lesson plans that rock 11/05/2012", "Posted by Vicki Davis", "A fantastic example of how a teacher takes his students through the video process.", "tags: education teaching", "at 2:30 PM"}, false},
		{"an article", []string{comment, comment, comment}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := isPosts(tc.paras); got != tc.want {
				t.Errorf("isPosts = %v, want %v", got, tc.want)
			}
		})
	}
}

// TestSignedPosts holds pageIndex.isPosts to its cases: entries of a
// guest book or a comment list, each a paragraph of written text with a
// signature and a date as its last line, are posts even when the text
// given joins the two lines (as trafilatura does); two entries, a live
// blog's updates (the time above the text) and a story whose paragraphs
// end without a stamp are not.
func TestSignedPosts(t *testing.T) {
	entry := func(text, sig string) string {
		return `<tr><td><font size="2">` + text + `</font><br><font size="1"><b>` + sig + `</b></font></td></tr>`
	}
	book := func(n int) string {
		var b strings.Builder
		for i := range n {
			b.WriteString(entry(fmt.Sprintf("Our thoughts are with the family, and we remember her kindness at the mill, entry %d.", i+1), fmt.Sprintf("Reader %c, Millbrook - Oct. 1%d, 2008", 'A'+i, i+2)))
		}
		return `<table>` + b.String() + `</table>`
	}
	live := `<p>21:42<br>The minister left the talks without a statement and was driven back to the embassy.</p>` +
		`<p>21:55<br>Delegates say a second round is planned for the morning, though no time has been set.</p>` +
		`<p>22:10<br>The host government thanked both sides and said the venue would stay open overnight.</p>`
	story := `<p>The harbour board voted on Tuesday to close the old ferry terminal at the end of the summer.</p>` +
		`<p>Board members said the terminal needed repairs costing more than the service earns in a decade.</p>` +
		`<p>Ferry workers will be offered jobs at the bridge's toll plaza or at the port, the board said.</p>`
	tests := []struct {
		name, page string
		want       bool
	}{
		{"a guest book of three entries", book(3), true},
		{"a guest book of eight entries", book(8), true},
		{"two entries", book(2), false},
		{"a live blog's updates", live, false},
		{"a story", story, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			root, _ := parseBody(t, tc.page)
			ix := newPageIndex(root)
			var joined []string // each paragraph's lines joined, as trafilatura gives them
			for _, l := range ix.lines {
				joined = append(joined, strings.Join(l, " "))
			}
			if got := ix.isPosts(joined); got != tc.want {
				t.Errorf("isPosts = %v, want %v, for %q", got, tc.want, joined)
			}
		})
	}
}

// TestAnnounced holds announced to its cases: the items of a list that a
// paragraph of trafilatura's text announces with a colon are kept; a
// list after a paragraph without one, after a paragraph trafilatura does
// not hold, or of links alone, is left to the model.
func TestAnnounced(t *testing.T) {
	intro := func(end string) string {
		return `<p>In consequence the organisation asks the authorities of the country` + end + `</p>`
	}
	items := `<ol><li>to release the seven members of the group at once and without condition,</li><li>to open an independent inquiry into the disappearances,</li></ol>`
	links := `<ul><li><a href="/a">The report</a></li><li><a href="/b">Earlier statement</a></li></ul>`
	tests := []struct {
		name, page string
		heldIntro  bool
		want       bool
	}{
		{"announced", intro(":") + items, true, true},
		{"announced, full-width colon", intro("：") + items, true, true},
		{"no colon", intro(".") + items, true, false},
		{"intro not trafilatura's", intro(":") + items, false, false},
		{"links", intro(":") + links, true, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			root, _ := parseBody(t, tc.page)
			ix := newPageIndex(root)
			prob := make([]float64, len(ix.norm))
			inT := make([]bool, len(ix.norm))
			inT[0] = tc.heldIntro
			for i := 1; i < len(prob); i++ {
				prob[i] = 0.2
			}
			got := ix.announced(prob, inT)
			for i := 1; i < len(got); i++ {
				if kept := got[i] == 1; kept != tc.want {
					t.Errorf("item %d (%q): probability %v, want kept %v", i, ix.norm[i], got[i], tc.want)
				}
			}
		})
	}
}

// TestWithoutCaptions: an image's caption and credit standing in a
// <figure> leave the text; a story set whole in a figure, and a
// paragraph of the text that is not in one, stay.
func TestWithoutCaptions(t *testing.T) {
	para := func(n int) string {
		return fmt.Sprintf("Paragraph %d of the story tells at some length what the council decided on the flood scheme after the meeting on Tuesday.", n)
	}
	figure := `<figure><img src="a.jpg"><span>Image source, Fire Service</span><figcaption>Image caption, Firefighters used boats on Mill Lane</figcaption></figure>`
	tests := []struct {
		name, page string
		text, want []string
	}{
		{"caption in the text",
			`<article><p>` + para(1) + `</p>` + figure + `<p>` + para(2) + `</p></article>`,
			[]string{para(1), "Image source, Fire Service", "Image caption, Firefighters used boats on Mill Lane", para(2)},
			[]string{para(1), para(2)}},
		{"caption in a div",
			`<article><p>` + para(1) + `</p><div class="caption">Firefighters used boats on Mill Lane</div><p>` + para(2) + `</p></article>`,
			[]string{para(1), "Firefighters used boats on Mill Lane", para(2)},
			[]string{para(1), "Firefighters used boats on Mill Lane", para(2)}},
		{"story in a figure",
			`<figure><img src="a.jpg"><p>` + para(1) + `</p><p>` + para(2) + `</p></figure>`,
			[]string{para(1), para(2)},
			[]string{para(1), para(2)}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			root, _ := parseBody(t, tc.page)
			if got := newPageIndex(root).withoutCaptions(tc.text); !slices.Equal(got, tc.want) {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

// TestPostsTail holds withoutPostsTail to its cases: reader comments that
// end a text, each a stamp line over its text in paragraphs of their own
// (a comment's rows on a page without class names), are cut after an
// article; a text whose posts hold prose in a row, one with two posts
// only, and posts with no article before them stay.
func TestPostsTail(t *testing.T) {
	var article []string
	for i := range 5 {
		article = append(article, fmt.Sprintf("Paragraph %d of the match report tells at some length how the home side came from behind after the interval, with two goals from the substitute, and what both managers said afterwards.", i))
	}
	post := func(n int) []string {
		return []string{fmt.Sprintf("13/12/2008 17:%02d", 10+n), fmt.Sprintf("Comment %d says the second half was the best in years.", n)}
	}
	posts := func(n int) []string {
		var out []string
		for i := range n {
			out = append(out, post(i)...)
		}
		return out
	}
	join := func(parts ...[]string) []string { return slices.Concat(parts...) }
	tests := []struct {
		name string
		text []string
		want int // paragraphs kept
	}{
		{"comments after an article", join(article, posts(4)), len(article)},
		{"two comments", join(article, posts(2)), len(article) + 4},
		{"prose in a row after the stamps", join(article, posts(3), article[:2]), len(article) + 8},
		{"no article before", join(article[:1], posts(4)), 9},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := withoutPostsTail(tc.text, defaultMinBodyChars); len(got) != tc.want {
				t.Errorf("kept %d paragraphs, want %d: %q", len(got), tc.want, got)
			}
		})
	}
}
