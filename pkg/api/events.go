package api

import (
	"errors"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/parley-news/parley/pkg/index"
	"github.com/parley-news/parley/pkg/query"
)

// eventsScan bounds how many articles one GET /api/events reads, in each
// of its two passes: the matching articles, then every article of the
// events it lists.
const eventsScan = 20_000

// errScanFull stops an export that has read eventsScan articles.
var errScanFull = errors.New("scan limit reached")

// Event is one event of GET /api/events: the articles that report it
// (article.EventID), counted whole, not only those matching the query.
type Event struct {
	ID string `json:"event_id"`
	// Articles counts every article of the event; Matching those that
	// match the query.
	Articles int `json:"articles"`
	Matching int `json:"matching"`
	// Stories counts the distinct story_ids: texts, not copies.
	Stories     int                `json:"stories"`
	FirstReport index.Record       `json:"first_report"`
	LastAt      *time.Time         `json:"last_published_at,omitempty"`
	Outlets     []index.FacetCount `json:"outlets"`
	Languages   []index.FacetCount `json:"languages"`
	// Query is the search for every article of the event.
	Query string `json:"query"`
}

// eventsHandler lists the events with articles matching q (GET
// /api/events?q=Q&size=N&sort=recent|size): each with its first report,
// outlets, languages and article counts. It reads the matching articles
// (at most eventsScan; "truncated" says when there were more), keeps the
// size events latest reported (sort=recent, the default) or with the most
// matching articles (sort=size), then reads those events whole.
func (s *Server) eventsHandler(w http.ResponseWriter, r *http.Request) {
	if !s.hasIndex(w, "search") {
		return
	}
	q := r.URL.Query()
	node, hints, ok := parseQuery(w, q.Get("q"))
	if !ok {
		return
	}
	size, err := intParam(q.Get("size"), 20, 1, 100)
	if err != nil {
		writeError(w, http.StatusBadRequest, "size: "+err.Error())
		return
	}
	order, err := choiceParam(q.Get("sort"), "recent", "recent", "size")
	if err != nil {
		writeError(w, http.StatusBadRequest, "sort: "+err.Error())
		return
	}
	if !s.admit(w, r, s.exporting, "exports") {
		return
	}
	defer func() { <-s.exporting }()

	// Pass 1: the events of the matching articles.
	type found struct {
		matching int
		last     time.Time
	}
	events := map[string]*found{}
	scanned, without := 0, 0
	truncated := false
	err = s.search.Export(r.Context(), node, func(rec index.Record) error {
		if scanned == eventsScan {
			truncated = true
			return errScanFull
		}
		scanned++
		if rec.EventID == "" {
			without++
			return nil
		}
		f := events[rec.EventID]
		if f == nil {
			f = &found{}
			events[rec.EventID] = f
		}
		f.matching++
		if rec.PublishedAt != nil && rec.PublishedAt.After(f.last) {
			f.last = *rec.PublishedAt
		}
		return nil
	})
	if err != nil && !errors.Is(err, errScanFull) {
		s.eventsError(w, q.Get("q"), err)
		return
	}
	ids := make([]string, 0, len(events))
	for id := range events {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool {
		a, b := events[ids[i]], events[ids[j]]
		if order == "size" && a.matching != b.matching {
			return a.matching > b.matching
		}
		if !a.last.Equal(b.last) {
			return a.last.After(b.last)
		}
		if a.matching != b.matching {
			return a.matching > b.matching
		}
		return ids[i] < ids[j]
	})
	total := len(ids)
	ids = ids[:min(size, len(ids))]

	// Pass 2: those events whole.
	out := make([]*Event, len(ids))
	byID := map[string]*Event{}
	outlets := map[string]map[string]int{}
	langs := map[string]map[string]int{}
	stories := map[string]map[string]bool{}
	terms := make([]query.Node, len(ids))
	for i, id := range ids {
		ev := &Event{ID: id, Matching: events[id].matching, Query: query.Format(query.Term{Field: query.FieldEvent, Value: id})}
		out[i], byID[id] = ev, ev
		outlets[id], langs[id], stories[id] = map[string]int{}, map[string]int{}, map[string]bool{}
		terms[i] = query.Term{Field: query.FieldEvent, Value: id}
	}
	if len(ids) > 0 {
		read := 0
		err = s.search.Export(r.Context(), query.Or{Children: terms}, func(rec index.Record) error {
			if read == eventsScan {
				truncated = true
				return errScanFull
			}
			read++
			ev := byID[rec.EventID]
			if ev == nil {
				return nil
			}
			ev.Articles++
			outlets[ev.ID][rec.Source]++
			langs[ev.ID][rec.Language]++
			story := rec.StoryID
			if story == "" {
				story = rec.ID
			}
			stories[ev.ID][story] = true
			if ev.Articles == 1 || earlier(rec, ev.FirstReport) {
				ev.FirstReport = rec
			}
			if rec.PublishedAt != nil && (ev.LastAt == nil || rec.PublishedAt.After(*ev.LastAt)) {
				t := *rec.PublishedAt
				ev.LastAt = &t
			}
			return nil
		})
		if err != nil && !errors.Is(err, errScanFull) {
			s.eventsError(w, q.Get("q"), err)
			return
		}
	}
	for _, ev := range out {
		ev.Outlets, ev.Languages, ev.Stories = counts(outlets[ev.ID]), counts(langs[ev.ID]), len(stories[ev.ID])
		ev.FirstReport = jsonRecord(ev.FirstReport)
	}
	resp := map[string]any{
		"total": total, "events": out, "scanned": scanned, "without_event": without, "truncated": truncated,
	}
	if len(hints) > 0 {
		resp["hint"] = strings.Join(hints, "; ")
	}
	writeJSON(w, http.StatusOK, resp)
}

func (s *Server) eventsError(w http.ResponseWriter, q string, err error) {
	if errors.Is(err, index.ErrPrefixTooBroad) {
		writeError(w, http.StatusBadRequest, "events: "+err.Error())
		return
	}
	s.log.Error("events", "q", q, "err", err)
	writeError(w, http.StatusBadGateway, "events: "+err.Error())
}

// earlier reports whether a was published before b: dated before undated,
// then by time, then by id.
func earlier(a, b index.Record) bool {
	switch {
	case a.PublishedAt == nil || b.PublishedAt == nil:
		if (a.PublishedAt == nil) != (b.PublishedAt == nil) {
			return a.PublishedAt != nil
		}
	case !a.PublishedAt.Equal(*b.PublishedAt):
		return a.PublishedAt.Before(*b.PublishedAt)
	}
	return a.ID < b.ID
}

// counts lists the values of m, most frequent first, then by value.
func counts(m map[string]int) []index.FacetCount {
	out := make([]index.FacetCount, 0, len(m))
	for v, n := range m {
		out = append(out, index.FacetCount{Value: v, Count: n})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Count != out[j].Count {
			return out[i].Count > out[j].Count
		}
		return out[i].Value < out[j].Value
	})
	return out
}
