package extract

import (
	"bytes"
	"strings"
	"testing"

	"golang.org/x/net/html"
)

func TestWrapLooseText(t *testing.T) {
	for _, tc := range []struct {
		name, in, want string
	}{
		{
			name: "text between a container's blocks",
			in:   `<div><h2>Head</h2>First <b>para</b>.<br><br>Second<br>line.<div class="photo"><img src="a.jpg"></div>Third.</div>`,
			want: `<div><h2>Head</h2><p>First <b>para</b>.</p><br><br><p>Second<br>line.</p><div class="photo"><img src="a.jpg"/></div><p>Third.</p></div>`,
		},
		{
			name: "a container without blocks is left as it is",
			in:   `<div>First.<br><br>Second.</div>`,
			want: `<div>First.<br><br>Second.</div>`,
		},
		{
			name: "a run of elements only is left: trafilatura reads elements",
			in:   `<div><span>Read as it is.</span><br><div>Block.</div></div>`,
			want: `<div><span>Read as it is.</span><br/><div>Block.</div></div>`,
		},
		{
			name: "a script parts runs and stays out of them",
			in:   `<td>Before.<script>var x;</script>After.<p>Block.</p></td>`,
			want: `<td><p>Before.</p><script>var x;</script><p>After.</p><p>Block.</p></td>`,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			root, body := parseBody(t, tc.in)
			before := renderChildren(t, body)
			wrapped := wrapLooseText(root)
			if got := renderChildren(t, body); got != normalize(t, tc.want) {
				t.Errorf("wrapped:\n got %s\nwant %s", got, normalize(t, tc.want))
			}
			unwrapText(wrapped)
			if got := renderChildren(t, body); got != before {
				t.Errorf("unwrapped:\n got %s\nwant %s", got, before)
			}
		})
	}
}

// TestLooseTextArticle: a 2008-style story set as bare text in a <div>,
// its paragraphs parted by <br><br> and by photo boxes, beside a box of
// links and a sidebar (testdata/loose-text.html, a page of ours): the
// body is the story to its last line, without the boxes.
func TestLooseTextArticle(t *testing.T) {
	e, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	a := extractFile(t, e, "loose-text.html", "http://www.harbourweekly.example/news/2008/03/14/ferry.html", Hints{})
	for _, want := range []string{
		"The two governments signed the ferry treaty on Thursday",
		"Fishermen's groups had asked for a seat on the board",
		"The board will also own the two ships",
		"The treaty must still be ratified by both parliaments, which is expected before the summer recess.",
	} {
		if !strings.Contains(a.Body, want) {
			t.Errorf("body lacks %q:\n%s", want, a.Body)
		}
	}
	for _, not := range []string{"More on the treaty", "Enlarge photo", "Most read", "independent newspaper", "E-mail this story"} {
		if strings.Contains(a.Body, not) {
			t.Errorf("body holds %q:\n%s", not, a.Body)
		}
	}
}

func parseBody(t *testing.T, fragment string) (*html.Node, *html.Node) {
	t.Helper()
	root, err := html.Parse(strings.NewReader("<html><body>" + fragment + "</body></html>"))
	if err != nil {
		t.Fatal(err)
	}
	var body *html.Node
	var find func(*html.Node)
	find = func(n *html.Node) {
		for c := n.FirstChild; c != nil && body == nil; c = c.NextSibling {
			if c.Type == html.ElementNode && c.Data == "body" {
				body = c
				return
			}
			find(c)
		}
	}
	find(root)
	return root, body
}

func renderChildren(t *testing.T, n *html.Node) string {
	t.Helper()
	var b bytes.Buffer
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if err := html.Render(&b, c); err != nil {
			t.Fatal(err)
		}
	}
	return b.String()
}

// normalize renders a fragment as the parser reads it.
func normalize(t *testing.T, fragment string) string {
	t.Helper()
	_, body := parseBody(t, fragment)
	return renderChildren(t, body)
}
