package app

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/parley-news/parley/pkg/article"
	"github.com/parley-news/parley/pkg/feedstore"
	"github.com/parley-news/parley/pkg/internal/origin"
)

func TestPipelineEndToEnd(t *testing.T) {
	o := startOrigin(t, origin.Generated{})
	a, base := startApp(t, Config{AllowPrivate: true, FetchTimeout: 5 * time.Second}, o.FeedURLs())

	// Thirteen distinct articles: eight English pages (the Abu Dhabi story
	// comes from two feeds by two URLs), the French ministry's Latin-1 one,
	// and four whose pages cannot be had (made from the feed's description).
	want := 9 + len(origin.BadPages)
	// Everything the origin serves has gone through (anything extra would be
	// in the index by then).
	waitFor(t, "all articles searchable and the stages idle", 90*time.Second, func() bool {
		return search(t, base, "*").Total >= want && idle(a.Bus().JetStream())
	})
	all := search(t, base, "*")
	if all.Total != want {
		var titles []string
		for _, h := range all.Hits {
			titles = append(titles, h.Title+" <"+h.URL+">")
		}
		t.Fatalf("index holds %d articles, want %d:\n%s", all.Total, want, strings.Join(titles, "\n"))
	}

	t.Run("one document per story reached by two URLs", func(t *testing.T) {
		res := search(t, base, `"trilateral"`)
		if res.Total != 1 {
			t.Fatalf("trilateral: %d hits, want 1", res.Total)
		}
		if got, want := res.Hits[0].URL, o.ArticleURL("abu-dhabi-talks"); got != want {
			t.Errorf("canonical url %q, want %q (tracking parameters removed)", got, want)
		}
		wantID := article.ID(o.ArticleURL("abu-dhabi-talks"))
		if res.Hits[0].ID != wantID {
			t.Errorf("id %s, want %s", res.Hits[0].ID, wantID)
		}
	})

	t.Run("extracted body and metadata", func(t *testing.T) {
		res := search(t, base, `"trilateral"`)
		var a article.Article
		if code := getJSON(t, base+"/api/articles/"+res.Hits[0].ID, &a); code != 200 {
			t.Fatalf("article: status %d", code)
		}
		seed := o.Articles["abu-dhabi-talks"]
		paras := strings.Split(a.Body, "\n\n")
		if len(paras) != len(seed.Paragraphs) {
			t.Errorf("body has %d paragraphs, want %d:\n%s", len(paras), len(seed.Paragraphs), a.Body)
		}
		for _, p := range seed.Paragraphs {
			if !strings.Contains(a.Body, p) {
				t.Errorf("body lacks paragraph %q", p)
			}
		}
		for _, junk := range []string{"Most read", "cup final", "cookie", "newsletter", "Share this article", "All rights reserved", "Related stories"} {
			if strings.Contains(a.Body, junk) {
				t.Errorf("body keeps boilerplate %q", junk)
			}
		}
		if a.Title != seed.Title {
			t.Errorf("title %q, want %q (without the site suffix)", a.Title, seed.Title)
		}
		if a.PublishedAt == nil || !a.PublishedAt.Equal(time.Date(2026, 1, 24, 9, 30, 0, 0, time.UTC)) {
			t.Errorf("published_at %v", a.PublishedAt)
		}
		if len(a.Authors) != 1 || a.Authors[0] != seed.Author {
			t.Errorf("authors %q, want [%q]", a.Authors, seed.Author)
		}
		if a.Language != "en" {
			t.Errorf("language %q", a.Language)
		}
		if a.Image != o.URL+"/images/abu-dhabi-talks.jpg" {
			t.Errorf("image %q", a.Image)
		}
		if a.FeedURL == "" || a.FetchedAt == nil || a.Source == "" {
			t.Errorf("feed_url %q fetched_at %v source %q", a.FeedURL, a.FetchedAt, a.Source)
		}
		var missing map[string]string
		if code := getJSON(t, base+"/api/articles/"+article.ID("example.org/nope"), &missing); code != 404 || missing["error"] == "" {
			t.Errorf("unknown article: status %d %v", code, missing)
		}
		if code := getJSON(t, base+"/api/articles/nope", &missing); code != 400 || !strings.Contains(missing["error"], "not an article id") {
			t.Errorf("malformed id: status %d %v", code, missing)
		}
	})

	t.Run("every feed format and encoding", func(t *testing.T) {
		for _, q := range []string{
			`sidelines`,                   // Atom
			`"humanitarian access"`,       // RSS 1.0
			`"prisoner exchanges"`,        // JSON Feed
			`"son homologue des Émirats"`, // Latin-1 feed and page
			`"118th minute"`,              // RSS 2.0
		} {
			if n := search(t, base, q).Total; n != 1 {
				t.Errorf("%s: %d hits, want 1", q, n)
			}
		}
		fr := search(t, base, "language:fr")
		if fr.Total != 1 || !strings.Contains(fr.Hits[0].Title, "ministère") {
			t.Errorf("language:fr: %+v", fr.Hits)
		}
	})

	t.Run("query language", func(t *testing.T) {
		tests := []struct {
			q    string
			want int
		}{
			{`Peskov`, 2},
			{`Песков`, 2},        // any spelling of a person without a Wikidata id
			{`person:Peskov`, 2}, // as a field
			{`Kiev`, 3},          // Kyiv, spelled the old way
			{`country:AE`, 4},    // the UAE by code, also in French (Émirats arabes unis)
			{`Peskov AND NOT reporters`, 1},
			{`title:ceasefire`, 1},
			{`(sanctions OR prisoner) AND -cup`, 2},
			{`published_at:[2026-01-24 TO 2026-01-25]`, 3},
			{`source:meridian`, 9}, // the pages say og:site_name; the bad pages' feed is another source
		}
		for _, tt := range tests {
			if got := search(t, base, tt.q).Total; got != tt.want {
				t.Errorf("%s: %d hits, want %d", tt.q, got, tt.want)
			}
		}
		var bad map[string]string
		if code := getJSON(t, base+"/api/search?q="+url.QueryEscape(`(Putin AND`), &bad); code != 400 || bad["error"] == "" {
			t.Errorf("bad query: status %d %v", code, bad)
		}
	})

	t.Run("failing feeds reported", func(t *testing.T) {
		var feeds struct {
			Feeds []feedstore.FeedState `json:"feeds"`
		}
		byURL := map[string]feedstore.FeedState{}
		waitFor(t, "failing feeds in /api/feeds", 30*time.Second, func() bool {
			getJSON(t, base+"/api/feeds", &feeds)
			for _, f := range feeds.Feeds {
				byURL[f.URL] = f
			}
			return byURL[o.URL+origin.FeedGone].Status == feedstore.FeedFailing && byURL[o.URL+origin.FeedNotFeed].Status == feedstore.FeedFailing
		})
		if e := byURL[o.URL+origin.FeedGone].LastError; !strings.Contains(e, "410") {
			t.Errorf("gone feed error %q does not name the 410", e)
		}
		if e := byURL[o.URL+origin.FeedNotFeed].LastError; !strings.Contains(strings.ToLower(e), "not a feed") {
			t.Errorf("html feed error %q", e)
		}
		if f := byURL[o.URL+origin.FeedRSS]; f.Status != feedstore.FeedOK || f.Items != 3 {
			t.Errorf("rss feed state %+v", f)
		}
	})

	t.Run("bad pages lose nothing", func(t *testing.T) {
		reasons := map[string]string{
			"/bad/report.pdf": "not an html page", "/bad/huge.html": "too large",
			"/bad/loop.html": "redirect", "/bad/slow.html": "",
		}
		for path, title := range origin.BadPages {
			res := search(t, base, `title:"`+title+`"`)
			if res.Total != 1 {
				t.Errorf("%s: %d articles titled %q, want 1", path, res.Total, title)
				continue
			}
			var a article.Article
			getJSON(t, base+"/api/articles/"+res.Hits[0].ID, &a)
			if !strings.Contains(a.Body, title) {
				t.Errorf("%s: body %q should come from the feed's description", path, a.Body)
			}
			if a.PageError == "" || !strings.Contains(strings.ToLower(a.PageError), reasons[path]) {
				t.Errorf("%s: page_error %q should say why (%q)", path, a.PageError, reasons[path])
			}
		}
		var feeds struct {
			Feeds []feedstore.FeedState `json:"feeds"`
		}
		getJSON(t, base+"/api/feeds", &feeds)
		for _, f := range feeds.Feeds {
			if f.URL == o.URL+origin.FeedSlow && (f.Status != feedstore.FeedFailing || f.LastError == "") {
				t.Errorf("slow feed: %+v", f)
			}
		}
	})

	t.Run("conditional GET on re-poll", func(t *testing.T) {
		waitFor(t, "a 304 answer to a re-poll", 30*time.Second, func() bool { return o.NotModified() > 0 })
		// Re-polls publish nothing new and fetch no page twice.
		if n := o.Hits("/articles/peskov-briefing.html"); n != 1 {
			t.Errorf("page fetched %d times, want 1", n)
		}
		if got := search(t, base, "*").Total; got != want {
			t.Errorf("after re-polls the index holds %d, want %d", got, want)
		}
	})

	t.Run("a changed page is updated in place, its previous version kept", func(t *testing.T) {
		o.Update("zelensky-davos", "Update: the president later said a meeting in Istanbul was possible.")
		waitFor(t, "the updated article searchable", 60*time.Second, func() bool { return search(t, base, `"meeting in Istanbul"`).Total == 1 })
		if got := search(t, base, "*").Total; got != want {
			t.Errorf("after the update the index holds %d, want %d: the update must replace, not add", got, want)
		}
		id := search(t, base, `"meeting in Istanbul"`).Hits[0].ID
		var a article.Article
		getJSON(t, base+"/api/articles/"+id, &a)
		if a.Version != 2 {
			t.Errorf("version %d, want 2", a.Version)
		}
		var vs struct {
			Versions []article.Article `json:"versions"`
		}
		if code := getJSON(t, base+"/api/articles/"+id+"/versions", &vs); code != 200 || len(vs.Versions) != 2 || strings.Contains(vs.Versions[0].Body, "Istanbul") {
			t.Errorf("versions: %d, %d kept", code, len(vs.Versions))
		}
	})

	t.Run("health and metrics", func(t *testing.T) {
		var h map[string]any
		if code := getJSON(t, base+"/healthz", &h); code != 200 {
			t.Errorf("healthz %d %v", code, h)
		}
		resp, err := http.Get(base + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		m, _ := io.ReadAll(resp.Body)
		for _, name := range []string{"parley_fetcher_polls_total", "parley_parser_pages_total", "parley_indexer_articles_total", "parley_consumer_pending_messages", "parley_indexer_fetch_to_indexed_seconds"} {
			if !strings.Contains(string(m), name) {
				t.Errorf("metrics lack %s", name)
			}
		}
		// The page loads its script from a file (the CSP allows no inline
		// script); the script is what asks /api/search.
		for _, c := range []struct{ path, want string }{{"/", `src="app.js"`}, {"/app.js", "/api/search"}} {
			page, err := http.Get(base + c.path)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(page.Body)
			page.Body.Close()
			if page.StatusCode != 200 || !strings.Contains(string(body), c.want) {
				t.Errorf("search page %s: %d, want it to hold %q", c.path, page.StatusCode, c.want)
			}
		}
	})
}
