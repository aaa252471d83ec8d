package api

import (
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/parley-news/parley/pkg/article"
	"github.com/parley-news/parley/pkg/index"
)

// exportColumns are the CSV header, in the order of exportRow.
var exportColumns = []string{"id", "url", "title", "source", "published_at", "language", "countries", "people", "topics", "story_id", "quotes", "event_id"}

// exportFlushEvery is how many records go out between flushes; each flush
// also moves the write deadline, so a long export is not cut by the
// server's WriteTimeout while it makes progress.
const (
	exportFlushEvery = 500
	exportStall      = time.Minute
)

// exportHandler streams every article matching q as CSV or JSON lines
// (GET /api/export?q=Q&format=csv|jsonl). Nothing is buffered beyond a
// backend's page. The count goes out last, in the X-Parley-Export-Count
// trailer; a failure after the first bytes aborts the response, so a
// client sees a broken transfer, never a short file that looks whole.
func (s *Server) exportHandler(w http.ResponseWriter, r *http.Request) {
	if !s.hasIndex(w, "export") {
		return
	}
	q := r.URL.Query()
	node, _, ok := parseQuery(w, q.Get("q"))
	if !ok {
		return
	}
	format, err := choiceParam(q.Get("format"), "csv", "csv", "jsonl")
	if err != nil {
		writeError(w, http.StatusBadRequest, "format: "+err.Error())
		return
	}
	if !s.admit(w, r, s.exporting, "exports") {
		return
	}
	defer func() { <-s.exporting }()
	rc := http.NewResponseController(w)
	_ = rc.SetWriteDeadline(time.Now().Add(exportStall))
	started := false
	start := func() {
		started = true
		h := w.Header()
		if format == "csv" {
			h.Set("Content-Type", "text/csv; charset=utf-8")
		} else {
			h.Set("Content-Type", "application/jsonl; charset=utf-8")
		}
		h.Set("Content-Disposition", fmt.Sprintf(`attachment; filename="parley-export-%s.%s"`, time.Now().UTC().Format("20060102-150405"), format))
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Trailer", "X-Parley-Export-Count")
		w.WriteHeader(http.StatusOK)
	}
	cw := csv.NewWriter(w)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	n := 0
	err = s.search.Export(r.Context(), node, func(rec index.Record) error {
		if !started {
			start()
			if format == "csv" {
				if err := cw.Write(exportColumns); err != nil {
					return err
				}
			}
		}
		var err error
		if format == "csv" {
			err = cw.Write(exportRow(rec))
		} else {
			err = enc.Encode(jsonRecord(rec))
		}
		if err != nil {
			return err
		}
		n++
		if n%exportFlushEvery == 0 {
			cw.Flush()
			if err := cw.Error(); err != nil {
				return err
			}
			_ = rc.SetWriteDeadline(time.Now().Add(exportStall))
			if err := rc.Flush(); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		if !started && errors.Is(err, index.ErrPrefixTooBroad) {
			writeError(w, http.StatusBadRequest, "export: "+err.Error())
			return
		}
		if !started {
			s.log.Error("export", "q", q.Get("q"), "err", err)
			writeError(w, http.StatusBadGateway, "export: "+err.Error())
			return
		}
		s.log.Error("export failed after it started; aborting the response", "q", q.Get("q"), "records", n, "err", err)
		panic(http.ErrAbortHandler)
	}
	if !started {
		start()
		if format == "csv" {
			_ = cw.Write(exportColumns)
		}
	}
	cw.Flush()
	w.Header().Set("X-Parley-Export-Count", strconv.Itoa(n))
	s.log.Info("export", "q", q.Get("q"), "format", format, "records", n)
}

// jsonRecord is rec with empty lists as [] rather than null.
func jsonRecord(rec index.Record) index.Record {
	for _, l := range []*[]string{&rec.Countries, &rec.People, &rec.Topics} {
		if *l == nil {
			*l = []string{}
		}
	}
	if rec.Quotes == nil {
		rec.Quotes = []article.Quote{}
	}
	return rec
}

// exportRow is rec as CSV cells: lists joined with "; ", each quotation
// on a line of its own as `speaker: text`.
func exportRow(rec index.Record) []string {
	published := ""
	if rec.PublishedAt != nil {
		published = rec.PublishedAt.UTC().Format(time.RFC3339)
	}
	quotes := make([]string, 0, len(rec.Quotes))
	for _, q := range rec.Quotes {
		if q.Speaker != "" {
			quotes = append(quotes, q.Speaker+": "+q.Text)
		} else {
			quotes = append(quotes, q.Text)
		}
	}
	row := []string{
		rec.ID, rec.URL, rec.Title, rec.Source, published, rec.Language,
		strings.Join(rec.Countries, "; "), strings.Join(rec.People, "; "), strings.Join(rec.Topics, "; "),
		rec.StoryID, strings.Join(quotes, "\n"), rec.EventID,
	}
	for i, c := range row {
		row[i] = defuseFormula(c)
	}
	return row
}

// defuseFormula keeps a spreadsheet from running a cell as a formula: the
// text of every field comes from feeds and pages anyone can write, and a
// cell starting with = + - @ (or a tab or carriage return) would be
// evaluated when the CSV is opened. Such a cell gets a leading
// apostrophe, which spreadsheets show as text.
func defuseFormula(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
