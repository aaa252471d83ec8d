package api

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/parley-news/parley/pkg/alert"
	"github.com/parley-news/parley/pkg/article"
	"github.com/parley-news/parley/pkg/bus/bustest"
	"github.com/parley-news/parley/pkg/feedstore"
)

func TestAlertsAPI(t *testing.T) {
	b := bustest.New(t)
	reg := prometheus.NewRegistry()
	s, err := New(Config{Addr: "127.0.0.1:0"}, &fixedIndex{}, feedstore.New(b, nil), reg, reg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	s.ServeAlerts(alert.NewHistory(b.JetStream()))
	ts := httptest.NewServer(s.Handler())
	defer ts.Close()
	for i := range 3 {
		data, _ := json.Marshal(alert.Alert{Rule: "summit", Query: "summit", Article: article.Summary{ID: fmt.Sprint("a", i)}})
		if _, err := b.JetStream().Publish(context.Background(), alert.Subject("summit"), data); err != nil {
			t.Fatal(err)
		}
	}
	code, body := do(t, "GET", ts.URL+"/api/alerts?rule=summit&limit=2", "", "")
	if code != 200 {
		t.Fatalf("status %d: %v", code, body)
	}
	alerts, _ := body["alerts"].([]any)
	var got []string
	for _, a := range alerts {
		m, _ := a.(map[string]any)
		art, _ := m["article"].(map[string]any)
		got = append(got, fmt.Sprint(art["id"]))
		if m["time"] == nil || m["rule"] != "summit" {
			t.Errorf("alert %v: want rule and time", m)
		}
	}
	if fmt.Sprint(got) != "[a2 a1]" {
		t.Errorf("alerts %v, want the two newest, newest first", got)
	}
	for _, tt := range []struct {
		path string
		code int
	}{
		{"/api/alerts?rule=unknown", 200},
		{"/api/alerts", 400},
		{"/api/alerts?rule=a%20b", 400},
		{"/api/alerts?rule=summit&limit=0", 400},
		{"/api/alerts?rule=summit&limit=100000", 400},
	} {
		if code, body := do(t, "GET", ts.URL+tt.path, "", ""); code != tt.code {
			t.Errorf("%s: %d, want %d (%v)", tt.path, code, tt.code, body)
		}
	}
	if _, body := do(t, "GET", ts.URL+"/api/alerts?rule=unknown", "", ""); fmt.Sprint(body["alerts"]) != "[]" {
		t.Errorf("a rule that never alerted: %v, want []", body["alerts"])
	}
}
