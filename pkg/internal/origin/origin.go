// Package origin is a news site for tests and benchmarks: an httptest
// server with feeds in every format parley reads (RSS 2.0, Atom, RSS 1.0,
// JSON Feed, an undeclared Latin-1 feed), article pages wrapped in real
// boilerplate, a feed that is gone, and a page that is not a feed. It
// counts requests and conditional GETs so tests can assert on them.
package origin

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"html/template"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"time"

	"golang.org/x/text/encoding/charmap"

	"github.com/parley-news/parley/pkg/internal/sharedtest"
)

//go:embed testdata
var files embed.FS

// Article is one article the origin publishes.
type Article struct {
	Slug        string   `json:"slug"`
	Title       string   `json:"title"`
	Author      string   `json:"author"`
	Published   string   `json:"published"`
	Lang        string   `json:"lang"`
	Description string   `json:"description"`
	Seed        string   `json:"seed"` // a file under ../shared whose lines replace Paragraphs
	Paragraphs  []string `json:"paragraphs"`
	Updated     string   `json:"-"` // set by Update; the Atom feed says it
	Feed        string   `json:"-"`
}

// Origin is a running test site.
type Origin struct {
	*httptest.Server
	Articles map[string]*Article
	// SeedLoaded is true when the shared seed article was found and used.
	SeedLoaded bool

	page  *template.Template
	gen   Generated
	mu    sync.Mutex
	hits  map[string]int
	cond  int // requests carrying If-None-Match or If-Modified-Since
	n304  int
	etag  string
	lastM string
}

// Generated asks for Feeds extra RSS feeds of Items articles each, with
// bodies taken in turn from Bodies, for load tests.
type Generated struct {
	Feeds, Items int
	Bodies       []string
}

// Feed paths of the fixed site.
const (
	FeedRSS     = "/feeds/world.rss"
	FeedAtom    = "/feeds/wire.atom"
	FeedRDF     = "/feeds/digest.rdf"
	FeedJSON    = "/feeds/briefings.json"
	FeedLatin1  = "/feeds/ministere.xml"
	FeedGone    = "/feeds/gone.xml"
	FeedNotFeed = "/feeds/notafeed.html"
	FeedBad     = "/feeds/bad-pages.rss" // items whose pages are PDF, 24 MiB, a redirect loop, too slow
	FeedSlow    = "/feeds/slow.xml"      // answers only after SlowDelay
	FeedLate    = "/feeds/late.rss"      // not in FeedURLs: for tests that add a feed while parley runs
)

// SlowDelay is how long the slow feed and the slow page take to answer.
// Tests run parley with a shorter --fetch-timeout; a client that gives up
// ends the wait early.
const SlowDelay = 8 * time.Second

// BadPages are the items of FeedBad: each page fails to download in its
// own way, and the article must still be made from the feed's description.
var BadPages = map[string]string{
	"/bad/report.pdf": "Annual report of the ministry on consular affairs",
	"/bad/huge.html":  "Transcript of the marathon press conference",
	"/bad/loop.html":  "Statement that redirects to itself",
	"/bad/slow.html":  "Briefing served by a very slow server",
}

// Fixed lists which feed carries which articles. The Atom feed carries the
// Abu Dhabi story again under a tracking URL: the same story by two URLs.
var Fixed = map[string][]string{
	FeedRSS:    {"abu-dhabi-talks", "peskov-briefing", "cup-final"},
	FeedAtom:   {"abu-dhabi-talks", "zelensky-davos"},
	FeedRDF:    {"un-vote", "science-ice"},
	FeedJSON:   {"uae-mediation", "berlin-paris"},
	FeedLatin1: {"ministere-communique"},
	FeedLate:   {"grain-corridor"},
}

// Start serves the fixed site, plus gen's generated feeds.
func Start(gen Generated) (*Origin, error) {
	data, err := files.ReadFile("testdata/articles/articles.json")
	if err != nil {
		return nil, err
	}
	var list []*Article
	if err := json.Unmarshal(data, &list); err != nil {
		return nil, fmt.Errorf("articles.json: %w", err)
	}
	list = append(list, &Article{
		Slug: "ministere-communique", Title: "Communiqué du ministère : entretien téléphonique avec le ministre émirien",
		Author: "Hélène Martin", Published: "2026-01-24T15:00:00Z", Lang: "fr",
		Description: "Le ministre de l'Europe et des Affaires étrangères s'est entretenu avec son homologue émirien.",
		Paragraphs: []string{
			"Le ministre de l'Europe et des Affaires étrangères s'est entretenu ce samedi par téléphone avec son homologue des Émirats arabes unis.",
			"Les deux ministres ont évoqué les négociations en cours à Abou Dhabi et la nécessité d'un cessez-le-feu durable en Ukraine.",
			"La France salue le rôle de médiation des Émirats et soutient la préparation d'une rencontre entre les présidents.",
		},
	})
	list = append(list, &Article{
		Slug: "grain-corridor", Title: "Kremlin and Ankara discuss Black Sea grain corridor",
		Author: "Deniz Aydin", Published: "2026-01-26T07:00:00Z", Lang: "en",
		Description: "Turkish and Russian officials met on shipping through the Black Sea.",
		Paragraphs: []string{
			"Turkish and Russian officials met in Ankara on Monday to discuss reopening a Black Sea grain corridor for Ukrainian exports.",
			"Foreign Minister Hakan Fidan said the talks were constructive and would continue next week.",
			"The Kremlin said any agreement would require guarantees for Russian agricultural exports.",
		},
	})
	tpl, err := template.ParseFS(files, "testdata/articles/template.html")
	if err != nil {
		return nil, err
	}
	o := &Origin{Articles: map[string]*Article{}, page: tpl, gen: gen, hits: map[string]int{},
		etag: `"world-v1"`, lastM: time.Date(2026, 1, 25, 12, 0, 0, 0, time.UTC).Format(http.TimeFormat)}
	for _, a := range list {
		o.Articles[a.Slug] = a
	}
	if seed := o.Articles["abu-dhabi-talks"]; seed != nil {
		if p, ok := sharedtest.Find(seed.Seed); ok {
			if text, err := os.ReadFile(p); err == nil {
				var paras []string
				for _, line := range strings.Split(string(text), "\n") {
					if line = strings.TrimSpace(line); line != "" {
						paras = append(paras, line)
					}
				}
				seed.Paragraphs = paras
				o.SeedLoaded = true
			}
		}
	}
	o.Server = httptest.NewServer(http.HandlerFunc(o.serve))
	return o, nil
}

// Update changes an article in place: the page gains a paragraph and the
// Atom feed gives the entry a new <updated> time, as a site correcting a
// story does.
func (o *Origin) Update(slug, paragraph string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	a := o.Articles[slug]
	a.Paragraphs = append(a.Paragraphs, paragraph)
	a.Updated = time.Now().UTC().Format(time.RFC3339)
}

// Hits is how many requests path received.
func (o *Origin) Hits(path string) int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.hits[path]
}

// NotModified is how many conditional requests were answered 304.
func (o *Origin) NotModified() int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.n304
}

// TotalHits is the number of requests of any path.
func (o *Origin) TotalHits() int {
	o.mu.Lock()
	defer o.mu.Unlock()
	n := 0
	for _, v := range o.hits {
		n += v
	}
	return n
}

// FeedURLs lists the fixed feeds (including the failing ones) and the generated ones.
func (o *Origin) FeedURLs() []string {
	var out []string
	for _, p := range []string{FeedRSS, FeedAtom, FeedRDF, FeedJSON, FeedLatin1, FeedGone, FeedNotFeed, FeedBad, FeedSlow} {
		out = append(out, o.URL+p)
	}
	return append(out, o.GeneratedFeedURLs()...)
}

// GeneratedFeedURLs lists only the generated feeds.
func (o *Origin) GeneratedFeedURLs() []string {
	var out []string
	for i := range o.gen.Feeds {
		out = append(out, fmt.Sprintf("%s/gen/feed-%d.rss", o.URL, i))
	}
	return out
}

// ArticleURL is the canonical address of a fixed article.
func (o *Origin) ArticleURL(slug string) string { return o.URL + "/articles/" + slug + ".html" }

func (o *Origin) serve(w http.ResponseWriter, r *http.Request) {
	o.mu.Lock()
	o.hits[r.URL.Path]++
	o.mu.Unlock()
	p := r.URL.Path
	switch {
	case p == FeedRSS:
		o.serveConditional(w, r, "application/rss+xml; charset=utf-8", o.rss(Fixed[FeedRSS], ""))
	case p == FeedAtom:
		w.Header().Set("Content-Type", "application/atom+xml")
		w.Write(o.atom(Fixed[FeedAtom]))
	case p == FeedRDF:
		w.Header().Set("Content-Type", "application/rdf+xml")
		w.Write(o.rdf(Fixed[FeedRDF]))
	case p == FeedJSON:
		w.Header().Set("Content-Type", "application/feed+json")
		w.Write(o.jsonFeed(Fixed[FeedJSON]))
	case p == FeedLate:
		w.Header().Set("Content-Type", "application/rss+xml")
		w.Write(o.rss(Fixed[FeedLate], "Meridian Late Desk"))
	case p == FeedLatin1:
		// Latin-1 bytes with no encoding declaration and no charset header.
		w.Header().Set("Content-Type", "text/xml")
		body := o.rss(Fixed[FeedLatin1], "Ministère des Affaires étrangères")
		body = bytes.Replace(body, []byte(`<?xml version="1.0" encoding="utf-8"?>`), []byte(`<?xml version="1.0"?>`), 1)
		latin, _ := charmap.ISO8859_1.NewEncoder().Bytes(body)
		w.Write(latin)
	case p == FeedGone:
		http.Error(w, "this feed is gone", http.StatusGone)
	case p == FeedNotFeed:
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, `<!doctype html><html><head><title>Home</title><link rel="alternate" type="application/rss+xml" href="/feeds/world.rss"></head><body><h1>Welcome</h1></body></html>`)
	case p == FeedBad:
		w.Header().Set("Content-Type", "application/rss+xml")
		w.Write(o.badFeed())
	case p == FeedSlow:
		if !wait(r, SlowDelay) {
			return
		}
		w.Header().Set("Content-Type", "application/rss+xml")
		w.Write(o.rss(nil, "Slow Ministry"))
	case p == "/bad/report.pdf":
		w.Header().Set("Content-Type", "application/pdf")
		w.Write([]byte("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n%%EOF\n"))
	case p == "/bad/huge.html":
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		chunk := []byte(strings.Repeat("<p>The press conference went on and on and on. </p>\n", 1024))
		for written := 0; written < 24<<20; written += len(chunk) {
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
	case p == "/bad/loop.html":
		http.Redirect(w, r, "/bad/loop.html", http.StatusFound)
	case p == "/bad/slow.html":
		if !wait(r, SlowDelay) {
			return
		}
		w.Header().Set("Content-Type", "text/html")
		w.Write([]byte("<html><body><p>late</p></body></html>"))
	case strings.HasPrefix(p, "/articles/") && strings.HasSuffix(p, ".html"):
		slug := strings.TrimSuffix(strings.TrimPrefix(p, "/articles/"), ".html")
		a := o.Articles[slug]
		if a == nil {
			http.NotFound(w, r)
			return
		}
		o.servePage(w, a, o.ArticleURL(slug))
	case strings.HasPrefix(p, "/gen/"):
		o.serveGenerated(w, r)
	default:
		http.NotFound(w, r)
	}
}

func (o *Origin) serveConditional(w http.ResponseWriter, r *http.Request, ctype string, body []byte) {
	inm, ims := r.Header.Get("If-None-Match"), r.Header.Get("If-Modified-Since")
	if inm != "" || ims != "" {
		o.mu.Lock()
		o.cond++
		o.mu.Unlock()
	}
	if inm == o.etag || (inm == "" && ims == o.lastM) {
		o.mu.Lock()
		o.n304++
		o.mu.Unlock()
		w.WriteHeader(http.StatusNotModified)
		return
	}
	w.Header().Set("ETag", o.etag)
	w.Header().Set("Last-Modified", o.lastM)
	w.Header().Set("Content-Type", ctype)
	w.Write(body)
}

func (o *Origin) servePage(w http.ResponseWriter, a *Article, canonical string) {
	var buf bytes.Buffer
	o.mu.Lock()
	paras := append([]string(nil), a.Paragraphs...)
	o.mu.Unlock()
	err := o.page.Execute(&buf, map[string]any{
		"Lang": a.Lang, "Title": a.Title, "Canonical": canonical, "Slug": a.Slug, "Description": a.Description,
		"Published": a.Published, "Author": a.Author, "Paragraphs": paras,
	})
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	if a.Lang == "fr" {
		// The French ministry serves Latin-1, declared in the header.
		latin, _ := charmap.ISO8859_1.NewEncoder().Bytes(buf.Bytes())
		w.Header().Set("Content-Type", "text/html; charset=iso-8859-1")
		w.Write(latin)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Write(buf.Bytes())
}

// Conditional is how many requests carried If-None-Match or If-Modified-Since.
func (o *Origin) Conditional() int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.cond
}

// wait sleeps d unless the client goes away first; it reports whether the
// client is still there.
func wait(r *http.Request, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-r.Context().Done():
		return false
	}
}
