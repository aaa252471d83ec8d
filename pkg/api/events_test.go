package api

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/parley-news/parley/pkg/article"
)

// eventsReply is the body of GET /api/events.
type eventsReply struct {
	Total        int     `json:"total"`
	Events       []Event `json:"events"`
	Scanned      int     `json:"scanned"`
	WithoutEvent int     `json:"without_event"`
	Truncated    bool    `json:"truncated"`
	Hint         string  `json:"hint"`
}

func getEvents(t *testing.T, base, params string) (int, eventsReply) {
	t.Helper()
	res, err := http.Get(base + "/api/events?" + params)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var r eventsReply
	if res.StatusCode == http.StatusOK {
		if err := json.NewDecoder(res.Body).Decode(&r); err != nil {
			t.Fatal(err)
		}
	}
	return res.StatusCode, r
}

func TestEvents(t *testing.T) {
	day := time.Date(2026, 11, 10, 9, 0, 0, 0, time.UTC)
	art := func(id, event, story, source, lang, title string, p time.Time) *article.Article {
		return &article.Article{
			ID: id, URL: "https://news.example/" + id, Title: title, Body: title, Source: source, Language: lang,
			PublishedAt: &p, StoryID: story, EventID: event,
		}
	}
	arts := []*article.Article{
		art("a1", "ev1", "a1", "Northwire", "en", "US and Russian officials open talks in Riyadh", day),
		art("a2", "ev1", "a1", "Daily Ledger", "en", "Talks begin in Riyadh", day.Add(time.Hour)),
		art("a3", "ev1", "a3", "Vesti Mira", "ru", "В Эр-Рияде начались переговоры", day.Add(3*time.Hour)),
		art("a4", "ev2", "a4", "Le Quotidien", "fr", "À Riyadh, l'Iran et l'Arabie saoudite parlent", day.Add(7*24*time.Hour)),
		art("a5", "", "a5", "Markets Daily", "en", "Oil prices in Riyadh", day.Add(time.Hour)),
	}
	ts := newEmbeddedServer(t, arts)

	code, r := getEvents(t, ts.URL, "q=riyadh")
	if code != http.StatusOK {
		t.Fatalf("status %d", code)
	}
	if r.Total != 2 || len(r.Events) != 2 || r.Scanned != 4 || r.WithoutEvent != 1 || r.Truncated {
		t.Fatalf("reply %+v", r)
	}
	if r.Events[0].ID != "ev2" || r.Events[1].ID != "ev1" {
		t.Errorf("order %s, %s: want the latest reported first (ev2, ev1)", r.Events[0].ID, r.Events[1].ID)
	}
	ev := r.Events[1]
	got := fmt.Sprintf("articles %d matching %d stories %d first %s outlets %v languages %v last %v query %s",
		ev.Articles, ev.Matching, ev.Stories, ev.FirstReport.ID, ev.Outlets, ev.Languages, ev.LastAt.Format(time.RFC3339), ev.Query)
	want := "articles 3 matching 2 stories 2 first a1 outlets [{Daily Ledger 1} {Northwire 1} {Vesti Mira 1}] languages [{en 2} {ru 1}] last 2026-11-10T12:00:00Z query event:ev1"
	if got != want {
		t.Errorf("ev1:\n got %s\nwant %s", got, want)
	}
	if ev.FirstReport.Title != arts[0].Title || ev.FirstReport.Source != "Northwire" || ev.FirstReport.URL != arts[0].URL {
		t.Errorf("first report %+v", ev.FirstReport)
	}

	// The Russian report alone matches; its event is listed whole.
	_, r = getEvents(t, ts.URL, "q="+url.QueryEscape("Эр-Рияде"))
	if len(r.Events) != 1 || r.Events[0].ID != "ev1" || r.Events[0].Matching != 1 || r.Events[0].Articles != 3 {
		t.Errorf("Эр-Рияде: %+v", r)
	}
	_, r = getEvents(t, ts.URL, "q=riyadh&sort=size&size=1")
	if r.Total != 2 || len(r.Events) != 1 || r.Events[0].ID != "ev1" {
		t.Errorf("sort=size size=1: %+v", r)
	}
	_, r = getEvents(t, ts.URL, "q="+url.QueryEscape("event:ev2"))
	if len(r.Events) != 1 || r.Events[0].ID != "ev2" || r.Events[0].Languages[0].Value != "fr" {
		t.Errorf("event:ev2: %+v", r)
	}
	_, r = getEvents(t, ts.URL, "q=nothingmatches")
	if r.Total != 0 || r.Events == nil {
		t.Errorf("no match: %+v (want an empty list, not null)", r)
	}
	for _, bad := range []string{"q=" + url.QueryEscape("(riyadh"), "q=x&sort=oldest", "q=x&size=0", "q=x&size=101"} {
		if code, _ := getEvents(t, ts.URL, bad); code != http.StatusBadRequest {
			t.Errorf("%s: status %d, want 400", bad, code)
		}
	}
}
