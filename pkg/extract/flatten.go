package extract

import (
	"bytes"
	"io"
	"strings"

	"golang.org/x/net/html"
)

// flatten rewrites a page that the HTML parser refuses (more than 512
// nested open elements, as thousands of unclosed <font> or <div> tags
// give) into a flat one it accepts: head elements and JSON-LD are kept,
// every block boundary becomes a new <p>, links and <br> stay, other tags
// go. The text and the metadata survive; the nesting does not.
func flatten(page []byte) []byte {
	z := html.NewTokenizer(bytes.NewReader(page))
	var b bytes.Buffer
	b.Grow(len(page) / 2)
	skip := "" // the raw-text element being skipped
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			if z.Err() == io.EOF {
				break
			}
			break
		}
		tok := z.Token()
		if skip != "" {
			if tt == html.EndTagToken && tok.Data == skip {
				skip = ""
			}
			continue
		}
		switch tt {
		case html.TextToken:
			b.WriteString(html.EscapeString(tok.Data))
		case html.StartTagToken, html.SelfClosingTagToken, html.EndTagToken:
			name := tok.Data
			switch {
			case name == "script":
				if tt == html.StartTagToken && strings.Contains(strings.ToLower(attr(tok, "type")), "ld+json") {
					b.WriteString(tok.String())
				} else if tt == html.EndTagToken {
					b.WriteString("</script>")
				} else if tt == html.StartTagToken {
					skip = "script"
				}
			case flattenSkip[name] && tt == html.StartTagToken:
				skip = name
			case name == "meta" || name == "link" || name == "title" || name == "html" || name == "head" ||
				name == "body" || name == "a" || name == "br" || name == "time":
				b.WriteString(tok.String())
			case blockTags[name]:
				if tt == html.EndTagToken {
					b.WriteString("</p>")
				} else {
					b.WriteString("<p>")
				}
			}
		}
	}
	return b.Bytes()
}

// flattenSkip are the elements whose content is dropped while flattening
// (all have end tags; void elements such as <embed> must not be here).
var flattenSkip = map[string]bool{
	"style": true, "template": true, "noscript": true, "textarea": true, "svg": true, "math": true,
	"select": true, "iframe": true, "object": true, "video": true, "audio": true, "canvas": true,
	"button": true, "map": true,
}

func attr(t html.Token, key string) string {
	for _, a := range t.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}
