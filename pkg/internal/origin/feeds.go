package origin

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"
)

func (o *Origin) pubDate(a *Article) time.Time {
	t, err := time.Parse(time.RFC3339, a.Published)
	if err != nil {
		return time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	return t
}

func (o *Origin) rss(slugs []string, title string) []byte {
	if title == "" {
		title = "The Meridian Post — World"
	}
	var b bytes.Buffer
	b.WriteString(`<?xml version="1.0" encoding="utf-8"?>` + "\n")
	fmt.Fprintf(&b, "<rss version=\"2.0\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\"><channel><title>%s</title><link>%s/</link><language>en</language>\n", html.EscapeString(title), o.URL)
	for _, s := range slugs {
		a := o.Articles[s]
		fmt.Fprintf(&b, "<item><title>%s</title><link>%s</link><guid isPermaLink=\"true\">%s</guid><pubDate>%s</pubDate><dc:creator>%s</dc:creator><description>%s</description><category>World</category></item>\n",
			html.EscapeString(a.Title), o.ArticleURL(s), o.ArticleURL(s), o.pubDate(a).Format(time.RFC1123Z), html.EscapeString(a.Author), html.EscapeString(a.Description))
	}
	b.WriteString("</channel></rss>\n")
	return b.Bytes()
}

func (o *Origin) atom(slugs []string) []byte {
	var b bytes.Buffer
	b.WriteString(`<?xml version="1.0" encoding="utf-8"?>` + "\n")
	fmt.Fprintf(&b, "<feed xmlns=\"http://www.w3.org/2005/Atom\"><title>Meridian Wire</title><id>%s/feeds/wire</id><updated>2026-01-25T12:00:00Z</updated><link href=\"%s/\"/>\n", o.URL, o.URL)
	for _, s := range slugs {
		a := o.Articles[s]
		o.mu.Lock()
		updated := a.Updated
		o.mu.Unlock()
		if updated == "" {
			updated = a.Published
		}
		// The wire feed links with campaign parameters: the same page by another URL.
		link := o.ArticleURL(s) + "?utm_source=wire&utm_medium=atom"
		fmt.Fprintf(&b, "<entry><title>%s</title><id>urn:meridian:%s</id><link rel=\"alternate\" href=\"%s\"/><published>%s</published><updated>%s</updated><author><name>%s</name></author><summary>%s</summary></entry>\n",
			html.EscapeString(a.Title), s, html.EscapeString(link), a.Published, updated, html.EscapeString(a.Author), html.EscapeString(a.Description))
	}
	b.WriteString("</feed>\n")
	return b.Bytes()
}

func (o *Origin) rdf(slugs []string) []byte {
	var b bytes.Buffer
	b.WriteString(`<?xml version="1.0" encoding="utf-8"?>` + "\n")
	b.WriteString(`<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/">` + "\n")
	fmt.Fprintf(&b, "<channel rdf:about=\"%s/feeds/digest.rdf\"><title>Meridian Digest</title><link>%s/</link><description>Digest</description><items><rdf:Seq>", o.URL, o.URL)
	for _, s := range slugs {
		fmt.Fprintf(&b, "<rdf:li rdf:resource=\"%s\"/>", o.ArticleURL(s))
	}
	b.WriteString("</rdf:Seq></items></channel>\n")
	for _, s := range slugs {
		a := o.Articles[s]
		fmt.Fprintf(&b, "<item rdf:about=\"%s\"><title>%s</title><link>%s</link><dc:date>%s</dc:date><dc:creator>%s</dc:creator><description>%s</description></item>\n",
			o.ArticleURL(s), html.EscapeString(a.Title), o.ArticleURL(s), a.Published, html.EscapeString(a.Author), html.EscapeString(a.Description))
	}
	b.WriteString("</rdf:RDF>\n")
	return b.Bytes()
}

func (o *Origin) jsonFeed(slugs []string) []byte {
	type item struct {
		ID            string              `json:"id"`
		URL           string              `json:"url"`
		Title         string              `json:"title"`
		Summary       string              `json:"summary"`
		DatePublished string              `json:"date_published"`
		Authors       []map[string]string `json:"authors"`
	}
	feed := map[string]any{"version": "https://jsonfeed.org/version/1.1", "title": "Meridian Briefings", "home_page_url": o.URL + "/"}
	var items []item
	for _, s := range slugs {
		a := o.Articles[s]
		items = append(items, item{ID: s, URL: o.ArticleURL(s), Title: a.Title, Summary: a.Description, DatePublished: a.Published, Authors: []map[string]string{{"name": a.Author}}})
	}
	feed["items"] = items
	data, _ := json.Marshal(feed)
	return data
}

// serveGenerated serves /gen/feed-<i>.rss and /gen/<i>/<j>.html.
func (o *Origin) serveGenerated(w http.ResponseWriter, r *http.Request) {
	p := strings.TrimPrefix(r.URL.Path, "/gen/")
	if strings.HasPrefix(p, "feed-") && strings.HasSuffix(p, ".rss") {
		i, err := strconv.Atoi(strings.TrimSuffix(strings.TrimPrefix(p, "feed-"), ".rss"))
		if err != nil || i < 0 || i >= o.gen.Feeds {
			http.NotFound(w, r)
			return
		}
		var b bytes.Buffer
		fmt.Fprintf(&b, "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<rss version=\"2.0\"><channel><title>Generated %d</title><link>%s/</link>\n", i, o.URL)
		base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		for j := range o.gen.Items {
			u := fmt.Sprintf("%s/gen/%d/%d.html", o.URL, i, j)
			fmt.Fprintf(&b, "<item><title>Generated story %d-%d</title><link>%s</link><guid>%s</guid><pubDate>%s</pubDate></item>\n",
				i, j, u, u, base.Add(time.Duration(i*o.gen.Items+j)*time.Minute).Format(time.RFC1123Z))
		}
		b.WriteString("</channel></rss>\n")
		w.Header().Set("Content-Type", "application/rss+xml")
		w.Write(b.Bytes())
		return
	}
	var i, j int
	if _, err := fmt.Sscanf(p, "%d/%d.html", &i, &j); err != nil || len(o.gen.Bodies) == 0 {
		http.NotFound(w, r)
		return
	}
	body := o.gen.Bodies[(i*o.gen.Items+j)%len(o.gen.Bodies)]
	var paras []string
	for _, para := range strings.Split(body, "\n") {
		if para = strings.TrimSpace(para); para != "" {
			paras = append(paras, para)
		}
	}
	a := &Article{Slug: fmt.Sprintf("gen-%d-%d", i, j), Title: fmt.Sprintf("Generated story %d-%d", i, j), Author: "Staff Writer",
		Published: "2026-01-01T00:00:00Z", Lang: "en", Paragraphs: paras}
	o.servePage(w, a, fmt.Sprintf("%s/gen/%d/%d.html", o.URL, i, j))
}

// badFeed lists BadPages, each with a description that stands in for the
// page when the page cannot be had.
func (o *Origin) badFeed() []byte {
	var b bytes.Buffer
	b.WriteString(`<?xml version="1.0" encoding="utf-8"?>` + "\n")
	fmt.Fprintf(&b, "<rss version=\"2.0\"><channel><title>Troublesome Gazette</title><link>%s/</link>\n", o.URL)
	paths := make([]string, 0, len(BadPages))
	for p := range BadPages {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	for i, p := range paths {
		fmt.Fprintf(&b, "<item><title>%s</title><link>%s%s</link><pubDate>%s</pubDate><description>%s. The full text is on the ministry's site.</description></item>\n",
			html.EscapeString(BadPages[p]), o.URL, p, time.Date(2026, 1, 10+i, 9, 0, 0, 0, time.UTC).Format(time.RFC1123Z), html.EscapeString(BadPages[p]))
	}
	b.WriteString("</channel></rss>\n")
	return b.Bytes()
}
