package app

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/parley-news/parley/pkg/feedstore"
	"github.com/parley-news/parley/pkg/index"
)

// TestHostileFeedsAndRequestsWithinLimits runs parley against a site whose
// feeds carry the hostile items of issue 14 (javascript:, data: and file:
// links, an item of 9 MB of feed fields, a gzip bomb served without
// Content-Encoding, a feed URL with a password) and sends the hostile
// requests (a 900 KB query, a rule of 3,001 terms, a 100 KB body): each is
// refused or contained with a clear answer, the rest of the feed is
// ingested, and parley goes on serving.
func TestHostileFeedsAndRequestsWithinLimits(t *testing.T) {
	var bigItemPages, secretSeen atomic.Int64
	var site *httptest.Server
	big := strings.Repeat("<p>Ministers met in Geneva on Tuesday.</p>\n", 9<<20/44) // about 9 MB
	var bomb bytes.Buffer
	zw := gzip.NewWriter(&bomb)
	zeros := make([]byte, 1<<20)
	for range 64 {
		zw.Write(zeros)
	}
	zw.Close()
	site = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, pw, ok := r.BasicAuth(); ok && pw == "s3cret-pw" {
			secretSeen.Add(1)
		}
		switch r.URL.Path {
		case "/feed.xml":
			w.Header().Set("Content-Type", "application/rss+xml")
			fmt.Fprintf(w, `<?xml version="1.0"?><rss version="2.0"><channel><title>Hostile Wire</title><link>%[1]s/</link>
<item><guid>js</guid><title>Envoy recalled from Vienna</title><link>javascript:alert(document.cookie)</link><description>The envoy was recalled from Vienna on Monday after talks stalled.</description></item>
<item><guid>data</guid><title>Summit postponed in Doha</title><link>data:text/html,&lt;script&gt;alert(1)&lt;/script&gt;</link><description>The summit in Doha was postponed by a week.</description></item>
<item><guid>file</guid><title>Treaty text published in Oslo</title><link>file:///etc/passwd</link><description>The treaty text was published in Oslo.</description></item>
<item><guid>big</guid><title>Geneva talks in full</title><link>%[1]s/big.html</link><description><![CDATA[%[2]s]]></description></item>
<item><guid>ok</guid><title>Ceasefire holds in the north</title><link>%[1]s/ok.html</link><description>The ceasefire held.</description></item>
</channel></rss>`, site.URL, big)
		case "/bomb.xml":
			w.Header().Set("Content-Type", "application/rss+xml") // gzip, undeclared
			w.Write(bomb.Bytes())
		case "/big.html":
			bigItemPages.Add(1)
			fmt.Fprint(w, "<html><head><title>Geneva talks in full</title></head><body><article><p>Ministers met in Geneva on Tuesday and agreed to meet again.</p></article></body></html>")
		default:
			fmt.Fprint(w, "<html><head><title>Ceasefire holds in the north</title></head><body><article><p>The ceasefire held through the night, officials said on Wednesday.</p></article></body></html>")
		}
	}))
	defer site.Close()
	withPassword := strings.Replace(site.URL, "http://", "http://reader:s3cret-pw@", 1)
	_, base := startApp(t, Config{AllowPrivate: true, PollInterval: time.Hour}, []string{withPassword + "/feed.xml", site.URL + "/bomb.xml"})

	waitFor(t, "the five items of the hostile feed searchable", 3*time.Minute, func() bool { return searchable(base) >= 5 })
	res := search(t, base, "*")
	for _, h := range res.Hits {
		if !strings.HasPrefix(h.URL, "http://") && !strings.HasPrefix(h.URL, "https://") {
			t.Errorf("article %q has the URL %q", h.Title, h.URL)
		}
		if strings.Contains(h.URL, "s3cret") {
			t.Errorf("article %q: URL %q carries the feed's password", h.Title, h.URL)
		}
		if strings.Contains(h.Title, "Vienna") && !strings.Contains(h.URL, "parley_item=") {
			t.Errorf("the javascript: item should fall back to its feed's URL, got %q", h.URL)
		}
	}
	if bigItemPages.Load() != 1 || secretSeen.Load() == 0 {
		t.Errorf("the big item's page was fetched %d times (want 1); the password was sent %d times", bigItemPages.Load(), secretSeen.Load())
	}

	var feeds struct{ Feeds []feedstore.FeedState }
	waitFor(t, "both feeds polled", time.Minute, func() bool {
		getJSON(t, base+"/api/feeds", &feeds)
		polled := 0
		for _, f := range feeds.Feeds {
			if f.LastFetch != nil && f.Status != feedstore.FeedNew {
				polled++
			}
		}
		return polled == 2
	})
	for _, f := range feeds.Feeds {
		switch {
		case strings.Contains(f.URL, "s3cret") || strings.Contains(f.LastError, "s3cret"):
			t.Errorf("/api/feeds shows the password: %+v", f)
		case strings.HasSuffix(f.URL, "/feed.xml") && (f.Status != feedstore.FeedOK || f.Items != 5 || !strings.Contains(f.URL, "reader:***@")):
			t.Errorf("hostile feed: %+v, want ok with 5 items under its redacted URL", f)
		case strings.HasSuffix(f.URL, "/bomb.xml") && (f.Status != feedstore.FeedFailing || !strings.Contains(f.LastError, "decompression bomb")):
			t.Errorf("gzip bomb feed: %+v, want failing with the bomb named", f)
		}
	}

	post := func(path, body string) (int, string) {
		req, _ := http.NewRequest("POST", base+path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	words := strings.TrimSpace(strings.Repeat("-w ", 3001))
	for _, tt := range []struct {
		name       string
		code       func() (int, string)
		want       int
		wantInBody string
	}{
		{"900 KB search", func() (int, string) {
			var e map[string]string
			return getJSON(t, base+"/api/search?q="+url.QueryEscape(strings.Repeat("Zelensky ", 100_000)), &e), e["error"]
		}, 400, "query is 900,000 bytes long; the limit is 4,096"},
		{"rule of 3,001 terms", func() (int, string) {
			return post("/api/rules", `{"name":"hostile","query":"`+words+`"}`)
		}, 400, "query has 3,001 terms; the limit is 256"},
		{"100 KB body", func() (int, string) {
			return post("/api/feeds", `{"url":"https://x.example/feed","title":"`+strings.Repeat("x", 100<<10)+`"}`)
		}, 413, "limit"},
	} {
		code, body := tt.code()
		if code != tt.want || !strings.Contains(body, tt.wantInBody) {
			t.Errorf("%s: %d %s, want %d naming %q", tt.name, code, body, tt.want, tt.wantInBody)
		}
	}
	if code := getJSON(t, base+"/healthz", nil); code != 200 {
		t.Errorf("/healthz %d after the hostile input", code)
	}
	var after index.Result
	if code := getJSON(t, base+"/api/search?q=ceasefire", &after); code != 200 || after.Total == 0 {
		t.Errorf("search after the hostile input: %d, %d hits", code, after.Total)
	}
}
