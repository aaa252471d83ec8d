package app

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// hostileSite serves RSS feeds of one article each, named by path
// (/feeds/NAME.rss, the article at /p/NAME.html, titled "Report NAME on
// the talks"). The channel title, language and page language of each feed
// are set by the test: that is where a hostile feed puts what parley must
// not let reach a subject.
type hostileSite struct {
	*httptest.Server
	feeds map[string]hostileFeed
}

type hostileFeed struct {
	title, language, pageLang string
}

func newHostileSite(t *testing.T, feeds map[string]hostileFeed) *hostileSite {
	t.Helper()
	s := &hostileSite{feeds: feeds}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var name string
		switch {
		case strings.HasPrefix(r.URL.Path, "/feeds/") && strings.HasSuffix(r.URL.Path, ".rss"):
			name = strings.TrimSuffix(strings.TrimPrefix(r.URL.Path, "/feeds/"), ".rss")
			f, ok := s.feeds[name]
			if !ok {
				http.NotFound(w, r)
				return
			}
			link := s.URL + "/p/" + name + ".html"
			w.Header().Set("Content-Type", "application/rss+xml; charset=utf-8")
			fmt.Fprintf(w, `<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>%s</title><link>%s/</link><language>%s</language>`+
				`<item><title>Report %s on the talks</title><link>%s</link><guid>%s</guid><pubDate>%s</pubDate><description>Summary of report %s.</description></item></channel></rss>`,
				f.title, s.URL, f.language, name, link, link, time.Now().UTC().Format(time.RFC1123Z), name)
		case strings.HasPrefix(r.URL.Path, "/p/") && strings.HasSuffix(r.URL.Path, ".html"):
			name = strings.TrimSuffix(strings.TrimPrefix(r.URL.Path, "/p/"), ".html")
			f, ok := s.feeds[name]
			if !ok {
				http.NotFound(w, r)
				return
			}
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			fmt.Fprintf(w, `<!doctype html><html lang="%s"><head><title>Report %s on the talks</title></head><body><article><h1>Report %s on the talks</h1>`, f.pageLang, name, name)
			for p := range 4 {
				fmt.Fprintf(w, "<p>Paragraph %d of report %s: the delegations met again in the afternoon and agreed to continue the talks on prisoner exchanges and humanitarian corridors next week.</p>", p, name)
			}
			fmt.Fprint(w, `</article></body></html>`)
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *hostileSite) feedURL(name string) string { return s.URL + "/feeds/" + name + ".rss" }

// send makes one request and returns its status and body; a request that
// gets no answer fails the test: parley must still be serving.
func send(t *testing.T, method, u, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, u, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %.120s: %.300v", method, u, err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(data)
}

func jsonBody(v any) string {
	data, _ := json.Marshal(v)
	return string(data)
}

// serving checks that parley at base answers /healthz with 200 and a
// search for the feed named name finds its article.
func serving(t *testing.T, base, name string) {
	t.Helper()
	waitFor(t, "/healthz 200", time.Minute, func() bool {
		resp, err := http.Get(base + "/healthz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == 200
	})
	if res := search(t, base, `"Report `+name+`"`); res.Total != 1 {
		t.Fatalf("search for report %s: %d hits, want 1", name, res.Total)
	}
}

// TestHostileInputKeepsServing sends what once stopped `parley run` (exit
// 1: nats-server dropped the connection every stage shares when a subject
// or key passed its 4,096-byte protocol line) and variants of it, to a
// real parley process, and checks after each that it still serves: a
// 4,096-character id to /api/articles/{id}/versions, a feed whose title is
// ~4 KB, a 5,000-character title in POST /api/feeds, wildcards and dots in
// ids, feed titles and rule names, control bytes and invalid UTF-8, long
// languages. Then it stops parley and starts it again on the same data
// (the poison feeds are in its feed set), and removes a feed from the
// stopped parley with `parley feeds remove --data`.
func TestHostileInputKeepsServing(t *testing.T) {
	bin := parleyBinary(t)
	longTitle := strings.Repeat("Ministry of Foreign Affairs ", 150) // 4,200 bytes
	site := newHostileSite(t, map[string]hostileFeed{
		"plain":      {title: "Plain Wire", language: "en", pageLang: "en"},
		"longtitle":  {title: longTitle, language: "en", pageLang: "en"},
		"titled":     {title: "Titled Wire", language: "en", pageLang: "en"},
		"wildcards":  {title: "Wire.*.&gt; parley.raw.&gt; \t tab", language: "en", pageLang: "en"},
		"badutf8":    {title: "Gazette \xff\xfe\xc3 of \xe2\x80 record", language: "en", pageLang: "en"},
		"controls":   {title: "Evil\u0085\u202e\u200bWire", language: "en", pageLang: "en"},
		"longlang":   {title: "Long Language Wire", language: strings.Repeat("x", 5000), pageLang: strings.Repeat("en-", 2000)},
		"afterwards": {title: "Afterwards Wire", language: "en", pageLang: "en"},
	})
	data := t.TempDir()
	addr := freeAddr(t)
	base := "http://" + addr
	args := []string{"--feeds", writeFeedList(t, site.feedURL("plain")), "--data", data, "--http", addr, "--nats-listen", "",
		"--allow-private-addresses", "--poll-interval", "1h"}
	p := startProc(t, bin, "run", args...)
	waitFor(t, "the plain feed's article", 2*time.Minute, func() bool { return searchable(base) >= 1 })
	serving(t, base, "plain")

	t.Run("ids", func(t *testing.T) {
		for _, id := range []string{strings.Repeat("a", 4096), "*", "%3E", "a.b", "..%2F..%2Fetc", strings.Repeat("%2A.", 1000), "%00%0D%0A", strings.Repeat("ж", 3000)} {
			for _, path := range []string{"/api/articles/" + id + "/versions", "/api/articles/" + id} {
				code, body := send(t, "GET", base+path, "")
				if code != 400 || !strings.Contains(body, "not an article id") {
					t.Errorf("GET %.60s: %d %.200s, want 400 naming the id format", path, code, body)
				}
			}
		}
		serving(t, base, "plain")
	})

	t.Run("feeds", func(t *testing.T) {
		adds := []struct{ name, title string }{
			{"longtitle", ""},
			{"titled", strings.Repeat("T", 5000)},
			{"wildcards", "Wire.*.>"},
			{"badutf8", ""},
			{"controls", "\x00\r\nSUB parley.> 1\r\n"},
			{"longlang", ""},
		}
		for _, a := range adds {
			code, body := send(t, "POST", base+"/api/feeds", jsonBody(map[string]string{"url": site.feedURL(a.name), "title": a.title}))
			if code != 201 {
				t.Fatalf("POST /api/feeds %s: %d %.200s", a.name, code, body)
			}
		}
		// Every hostile feed's article is ingested like any other.
		waitFor(t, "the hostile feeds' articles", 2*time.Minute, func() bool { return searchable(base) >= 1+len(adds) })
		serving(t, base, "longtitle")
		serving(t, base, "titled")
		if code, body := send(t, "DELETE", base+"/api/feeds?url="+url.QueryEscape(strings.Repeat("http://x/", 600)), ""); code != 404 {
			t.Errorf("DELETE an unknown 5,400-byte feed URL: %d %.200s", code, body)
		}
	})

	t.Run("rules", func(t *testing.T) {
		for _, name := range []string{strings.Repeat("r", 5000), "a.b", "alerts.>", "*", "tab\tname", "\xff\xfe"} {
			code, body := send(t, "POST", base+"/api/rules", jsonBody(map[string]string{"name": name, "query": "talks"}))
			if code != 400 {
				t.Errorf("POST /api/rules name %.40q: %d %.200s, want 400", name, code, body)
			}
			if code, body := send(t, "DELETE", base+"/api/rules?name="+url.QueryEscape(name), ""); code != 404 && code != 400 {
				t.Errorf("DELETE /api/rules name %.40q: %d %.200s", name, code, body)
			}
			// A rule name reaches a subject filter when its alerts are read.
			if code, body := send(t, "GET", base+"/api/alerts?rule="+url.QueryEscape(name), ""); code != 400 {
				t.Errorf("GET /api/alerts rule %.40q: %d %.200s, want 400", name, code, body)
			}
		}
		serving(t, base, "plain")
	})

	// A feed added after all that is still fetched, extracted and indexed.
	if code, body := send(t, "POST", base+"/api/feeds", jsonBody(map[string]string{"url": site.feedURL("afterwards")})); code != 201 {
		t.Fatalf("POST /api/feeds afterwards: %d %.200s", code, body)
	}
	waitFor(t, "the article of a feed added afterwards", 2*time.Minute, func() bool {
		var res struct{ Total int }
		return fetchJSON(base+"/api/search?q="+url.QueryEscape(`"Report afterwards"`), &res) == nil && res.Total == 1
	})

	// Every poison feed is in the feed set, polled again after a restart:
	// parley starts and serves (no crash loop).
	p.stop(t)
	p = startProc(t, bin, "run", args...)
	serving(t, base, "longtitle")
	serving(t, base, "afterwards")

	// `parley feeds remove --data` refuses while parley runs on that data
	// (both would write the same store), and works once it is stopped.
	remove := func() (string, error) {
		out, err := exec.Command(bin, "feeds", "remove", site.feedURL("longtitle"), "--data", data).CombinedOutput()
		return string(out), err
	}
	if out, err := remove(); err == nil || !strings.Contains(out, "in use") {
		t.Errorf("feeds remove --data on a running parley: %v, %s; want a refusal saying the data is in use", err, out)
	}
	p.stop(t)
	if out, err := remove(); err != nil || !strings.Contains(out, "removed") {
		t.Fatalf("feeds remove --data on a stopped parley: %v, %s", err, out)
	}
	startProc(t, bin, "run", args...)
	serving(t, base, "plain")
	var feeds struct {
		Feeds []struct{ URL string } `json:"feeds"`
	}
	if err := fetchJSON(base+"/api/feeds", &feeds); err != nil {
		t.Fatal(err)
	}
	var urls bytes.Buffer
	for _, f := range feeds.Feeds {
		if f.URL == site.feedURL("longtitle") {
			t.Errorf("the removed feed is still in the feed set")
		}
		urls.WriteString(f.URL + "\n")
	}
	if len(feeds.Feeds) != 7 {
		t.Errorf("feed set after the removal holds %d feeds, want 7:\n%s", len(feeds.Feeds), urls.String())
	}
}
