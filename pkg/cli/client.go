package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/parley-news/parley/pkg/app"
	"github.com/parley-news/parley/pkg/charset"
	"github.com/parley-news/parley/pkg/enrich"
	"github.com/parley-news/parley/pkg/extract"
	"github.com/parley-news/parley/pkg/feed"
	"github.com/parley-news/parley/pkg/feedstore"
	"github.com/parley-news/parley/pkg/index"
)

const defaultAPI = "http://127.0.0.1:8080"

func extractCmd(ctx context.Context, args []string, env Env) error {
	fs := newFlagSet("extract", env, " FILE|-")
	pageURL := fs.String("url", "", "the page's URL (for the canonical URL, id and relative links)")
	configFile := fs.String("config", env.Getenv("PARLEY_CONFIG"), "YAML config whose site_rules apply (env PARLEY_CONFIG)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	var sites []extract.SiteRule
	if *configFile != "" {
		var err error
		if _, _, sites, err = readConfigFile(*configFile); err != nil {
			return err
		}
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return fmt.Errorf("extract takes one FILE (or - for standard input): %w", errUsage)
	}
	var (
		data []byte
		err  error
	)
	if name := fs.Arg(0); name == "-" {
		data, err = io.ReadAll(io.LimitReader(env.Stdin, 64<<20))
	} else {
		data, err = os.ReadFile(name)
	}
	if err != nil {
		return fmt.Errorf("read page: %w", err)
	}
	u := *pageURL
	if u == "" {
		u = "http://localhost/"
	}
	utf8, _, err := charset.HTML(data, "")
	if err != nil {
		return fmt.Errorf("decode page: %w", err)
	}
	gaz, err := enrich.NewGazetteer()
	if err != nil {
		return err
	}
	ex, en, err := app.NewExtraction(app.Config{SiteRules: sites}, gaz, nil)
	if err != nil {
		return err
	}
	a, err := ex.Extract(ctx, utf8, u, extract.Hints{})
	if err != nil {
		return err
	}
	en.Enrich(a)
	enc := json.NewEncoder(env.Stdout)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(a)
}

// apiClient talks to a running parley's HTTP API.
type apiClient struct {
	base  string
	token string
	http  *http.Client
}

func newAPIClient(base, token string) *apiClient {
	return &apiClient{base: strings.TrimRight(base, "/"), token: token, http: &http.Client{Timeout: 30 * time.Second}}
}

func (c *apiClient) do(ctx context.Context, method, path string, body any, out any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, rd)
	if err != nil {
		return fmt.Errorf("api %s: %w", c.base, err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("%s %s: %w (is parley running? set --api)", method, c.base+path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	if resp.StatusCode >= 300 {
		var e struct {
			Error string `json:"error"`
		}
		_ = json.Unmarshal(data, &e)
		if e.Error == "" {
			e.Error = strings.TrimSpace(string(data))
		}
		return fmt.Errorf("%s %s: %s: %s", method, path, resp.Status, e.Error)
	}
	if out != nil && len(data) > 0 {
		if err := json.Unmarshal(data, out); err != nil {
			return fmt.Errorf("%s %s: decode answer: %w", method, path, err)
		}
	}
	return nil
}

func searchCmd(ctx context.Context, args []string, env Env) error {
	fs := newFlagSet("search", env, " QUERY")
	asJSON := fs.Bool("json", false, "print the API's JSON answer")
	apiURL := fs.String("api", envOr(env, "PARLEY_API", defaultAPI), "URL of a running parley (env PARLEY_API)")
	size := fs.Int("size", 20, "how many results")
	from := fs.Int("from", 0, "skip this many results")
	sort := fs.String("sort", index.SortRelevance, "relevance, or date for newest first")
	if err := fs.Parse(args); err != nil {
		return err
	}
	q := strings.Join(fs.Args(), " ")
	if q == "" {
		q = "*"
	}
	var res index.Result
	path := fmt.Sprintf("/api/search?q=%s&size=%d&from=%d&sort=%s", url.QueryEscape(q), *size, *from, url.QueryEscape(*sort))
	if err := newAPIClient(*apiURL, "").do(ctx, http.MethodGet, path, nil, &res); err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(env.Stdout)
		enc.SetEscapeHTML(false)
		return enc.Encode(res)
	}
	fmt.Fprintf(env.Stdout, "%d articles\n", res.Total)
	for _, h := range res.Hits {
		date := ""
		if h.PublishedAt != nil {
			date = h.PublishedAt.UTC().Format("2006-01-02 15:04")
		}
		fmt.Fprintf(env.Stdout, "\n%s  %s  [%s]\n  %s\n  %s\n", date, h.Title, h.Source, h.URL, h.Snippet)
		for _, qt := range h.Quotes {
			speaker := qt.Speaker
			if speaker == "" {
				speaker = "unattributed"
			}
			fmt.Fprintf(env.Stdout, "  “%s” — %s\n", qt.Text, speaker)
		}
	}
	return nil
}

func envOr(env Env, key, def string) string {
	if v := env.Getenv(key); v != "" {
		return v
	}
	return def
}

func feedsCmd(ctx context.Context, args []string, env Env) error {
	fs := newFlagSet("feeds", env, " list|add URL|remove URL|import FILE|export")
	apiURL := fs.String("api", envOr(env, "PARLEY_API", defaultAPI), "URL of a running parley (env PARLEY_API)")
	token := fs.String("token", env.Getenv("PARLEY_API_TOKEN"), "API token, when parley runs with --api-token (env PARLEY_API_TOKEN)")
	data := fs.String("data", "", "the --data directory of a stopped parley: list, add or remove feeds in its state directly (for a parley that cannot start, e.g. because of a feed)")
	// Flags may come before, between and after the verb and its URL:
	// parley feeds remove URL --data DIR.
	var rest []string
	for {
		if err := fs.Parse(args); err != nil {
			return err
		}
		if fs.NArg() == 0 {
			break
		}
		rest = append(rest, fs.Arg(0))
		args = fs.Args()[1:]
	}
	var verb string
	if len(rest) > 0 {
		verb, rest = rest[0], rest[1:]
	}
	if *data != "" {
		return localFeeds(ctx, *data, verb, rest, env)
	}
	c := newAPIClient(*apiURL, *token)
	type feedState struct {
		URL       string     `json:"url"`
		Title     string     `json:"title"`
		Status    string     `json:"status"`
		LastFetch *time.Time `json:"last_fetch"`
		LastError string     `json:"last_error"`
		Items     int        `json:"items"`
	}
	list := func() ([]feedState, error) {
		var res struct {
			Feeds []feedState `json:"feeds"`
		}
		err := c.do(ctx, http.MethodGet, "/api/feeds", nil, &res)
		return res.Feeds, err
	}
	switch verb {
	case "list", "":
		feeds, err := list()
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(env.Stdout, 2, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "STATUS\tITEMS\tLAST FETCH\tURL\tERROR")
		for _, f := range feeds {
			last := "-"
			if f.LastFetch != nil {
				last = f.LastFetch.UTC().Format("2006-01-02 15:04:05")
			}
			fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\n", f.Status, f.Items, last, f.URL, f.LastError)
		}
		return tw.Flush()
	case "add":
		if len(rest) != 1 {
			return fmt.Errorf("feeds add takes one URL: %w", errUsage)
		}
		var res struct {
			Created bool `json:"created"`
		}
		if err := c.do(ctx, http.MethodPost, "/api/feeds", map[string]string{"url": rest[0]}, &res); err != nil {
			return err
		}
		if res.Created {
			fmt.Fprintln(env.Stdout, "added", rest[0])
		} else {
			fmt.Fprintln(env.Stdout, "already there:", rest[0])
		}
		return nil
	case "remove":
		if len(rest) != 1 {
			return fmt.Errorf("feeds remove takes one URL: %w", errUsage)
		}
		if err := c.do(ctx, http.MethodDelete, "/api/feeds?url="+url.QueryEscape(rest[0]), nil, nil); err != nil {
			return err
		}
		fmt.Fprintln(env.Stdout, "removed", rest[0])
		return nil
	case "import":
		if len(rest) != 1 {
			return fmt.Errorf("feeds import takes one file (OPML, YAML or a URL list): %w", errUsage)
		}
		srcs, err := feed.ReadList(rest[0])
		if err != nil {
			return err
		}
		added := 0
		var errs []error
		for _, s := range srcs {
			var res struct {
				Created bool `json:"created"`
			}
			if err := c.do(ctx, http.MethodPost, "/api/feeds", map[string]string{"url": s.URL, "title": s.Title}, &res); err != nil {
				errs = append(errs, err)
				continue
			}
			if res.Created {
				added++
			}
		}
		fmt.Fprintf(env.Stdout, "imported %d feeds (%d new, %d failed)\n", len(srcs), added, len(errs))
		return errors.Join(errs...)
	case "export":
		feeds, err := list()
		if err != nil {
			return err
		}
		srcs := make([]feed.Source, 0, len(feeds))
		for _, f := range feeds {
			srcs = append(srcs, feed.Source{URL: f.URL, Title: f.Title})
		}
		return feed.WriteOPML(env.Stdout, "parley feeds", srcs)
	}
	return fmt.Errorf("unknown feeds command %q (list, add, remove, import, export): %w", verb, errUsage)
}

// localFeeds runs a feeds command on the state under dir of a stopped
// parley (parley feeds --data DIR): the way to remove a feed from a parley
// that cannot start, and to change the feed set without the API. A
// running parley holds its store: then it says so and changes nothing.
func localFeeds(ctx context.Context, dir, verb string, rest []string, env Env) error {
	log := slog.New(slog.NewTextHandler(env.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	feeds, closeFeeds, err := app.OpenFeedSet(ctx, app.Config{Data: dir}, log)
	if err != nil {
		return fmt.Errorf("feeds --data %s: %w", dir, err)
	}
	defer closeFeeds()
	switch verb {
	case "list", "":
		entries, err := feeds.Feeds(ctx)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(env.Stdout, 2, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "STATUS\tITEMS\tURL\tERROR")
		for _, e := range entries {
			st, err := feeds.FeedState(ctx, e.URL)
			if err != nil {
				return err
			}
			fmt.Fprintf(tw, "%s\t%d\t%s\t%s\n", st.Status, st.Items, e.URL, st.LastError)
		}
		return tw.Flush()
	case "add":
		if len(rest) != 1 {
			return fmt.Errorf("feeds add takes one URL: %w", errUsage)
		}
		if u, err := url.Parse(rest[0]); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("url %q: want an absolute http or https URL: %w", rest[0], errUsage)
		}
		created, err := feeds.AddFeed(ctx, feedstore.FeedEntry{URL: rest[0]})
		if err != nil {
			return err
		}
		if created {
			fmt.Fprintln(env.Stdout, "added", rest[0])
		} else {
			fmt.Fprintln(env.Stdout, "already there:", rest[0])
		}
		return nil
	case "remove":
		if len(rest) != 1 {
			return fmt.Errorf("feeds remove takes one URL: %w", errUsage)
		}
		if err := feeds.RemoveFeed(ctx, rest[0]); err != nil {
			return err
		}
		fmt.Fprintln(env.Stdout, "removed", rest[0])
		return nil
	}
	return fmt.Errorf("feeds %s --data: only list, add and remove work on a stopped parley's data; start parley for the others: %w", verb, errUsage)
}
