package app_test

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/parley-news/parley/pkg/app"
	"github.com/parley-news/parley/pkg/feedstore"
	"github.com/parley-news/parley/pkg/internal/origin"
)

// TestPrivateOriginRefused runs parley as a new user would, without
// --allow-private-addresses, against the test site on loopback: every feed
// shows as blocked in /api/feeds with the reason, and no request reaches
// the site.
func TestPrivateOriginRefused(t *testing.T) {
	o := app.StartOrigin(t, origin.Generated{Feeds: 2, Items: 5})
	feeds := o.FeedURLs()
	a := app.RunApp(t, app.Config{Feeds: app.WriteFeedList(t, feeds...), Data: t.TempDir(), HTTP: "127.0.0.1:0", PollInterval: time.Hour}, slog.New(slog.DiscardHandler))
	var states []feedstore.FeedState
	app.WaitFor(t, "every feed blocked in /api/feeds", time.Minute, func() bool {
		resp, err := http.Get("http://" + a.HTTPAddr() + "/api/feeds")
		if err != nil {
			return false
		}
		defer resp.Body.Close()
		var body struct {
			Feeds []feedstore.FeedState `json:"feeds"`
		}
		if json.NewDecoder(resp.Body).Decode(&body) != nil {
			return false
		}
		states = body.Feeds
		blocked := 0
		for _, f := range states {
			if f.Status == feedstore.FeedBlocked {
				blocked++
			}
		}
		return blocked == len(feeds)
	})
	for _, f := range states {
		if !strings.Contains(f.LastError, "127.0.0.1") || !strings.Contains(f.LastError, "--allow-private-addresses") {
			t.Errorf("%s: last_error %q should name the address and the flag", f.URL, f.LastError)
		}
	}
	if n := o.TotalHits(); n != 0 {
		t.Errorf("the origin received %d requests, want none", n)
	}
	t.Logf("%d feeds blocked, origin requests %d; e.g. %s", len(states), o.TotalHits(), states[0].LastError)
}
