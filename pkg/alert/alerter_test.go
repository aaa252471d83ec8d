package alert

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/parley-news/parley/pkg/article"
	"github.com/parley-news/parley/pkg/bus"
	"github.com/parley-news/parley/pkg/bus/bustest"
)

// newTestBus starts an in-process nats-server with JetStream; a duplicate
// window of one second lets tests outlive it.
func newTestBus(tb testing.TB) *bus.Bus {
	return bustest.NewConfig(tb, bus.Config{DuplicateWindow: time.Second})
}

// startAlerter runs an alerter until the test ends.
func startAlerter(tb testing.TB, b *bus.Bus, cfg Config, rules []RuleConfig) *Alerter {
	tb.Helper()
	return startAlerterReg(tb, b, cfg, rules, prometheus.NewRegistry())
}

func startAlerterReg(tb testing.TB, b *bus.Bus, cfg Config, rules []RuleConfig, reg prometheus.Registerer) *Alerter {
	tb.Helper()
	al, err := NewAlerter(cfg, b, startRules(tb, b, rules), reg, testLogger(tb))
	if err != nil {
		tb.Fatal(err)
	}
	bustest.Run(tb, "alerter", al.Run)
	return al
}

// startRules runs a rule store over the bus's rules bucket until the test ends.
func startRules(tb testing.TB, b *bus.Bus, config []RuleConfig) *Rules {
	tb.Helper()
	rs, err := NewRules(config, b.KV(bus.BucketRules), gazetteer(tb), testLogger(tb))
	if err != nil {
		tb.Fatal(err)
	}
	bustest.Run(tb, "rules", rs.Run)
	return rs
}

// waitIdle waits until the alerter has acknowledged (or dead-lettered)
// every indexed article.
func waitIdle(tb testing.TB, b *bus.Bus) {
	tb.Helper()
	bustest.WaitSettled(tb, b, bus.StreamIndexed, "alerter")
}

// alertsOn reads every alert kept on subject.
func alertsOn(tb testing.TB, b *bus.Bus, subject string) []Alert {
	tb.Helper()
	ctx := context.Background()
	s, err := b.JetStream().Stream(ctx, bus.StreamAlerts)
	if err != nil {
		tb.Fatal(err)
	}
	info, err := s.Info(ctx, jetstream.WithSubjectFilter(subject))
	if err != nil {
		tb.Fatal(err)
	}
	n := 0
	for _, c := range info.State.Subjects {
		n += int(c)
	}
	if n == 0 {
		return nil
	}
	cons, err := s.OrderedConsumer(ctx, jetstream.OrderedConsumerConfig{FilterSubjects: []string{subject}})
	if err != nil {
		tb.Fatal(err)
	}
	var out []Alert
	for len(out) < n {
		m, err := cons.Next(jetstream.FetchMaxWait(5 * time.Second))
		if err != nil {
			tb.Fatalf("read %s: %v", subject, err)
		}
		var a Alert
		if err := json.Unmarshal(m.Data(), &a); err != nil {
			tb.Fatal(err)
		}
		out = append(out, a)
	}
	return out
}

func publish(tb testing.TB, b *bus.Bus, arts ...*article.Article) {
	tb.Helper()
	for _, a := range arts {
		if err := b.PublishIndexed(context.Background(), a); err != nil {
			tb.Fatal(err)
		}
	}
}

func TestAlerterPublishes(t *testing.T) {
	b := newTestBus(t)
	rules := []RuleConfig{
		{Name: "putin-zelensky-summit", Query: `(Putin AND Zelensky) AND (summit OR meeting)`},
		{Name: "abu-dhabi", Query: `"Abu Dhabi" talks`},
		{Name: "sport", Query: `derby NOT election`},
		{Name: "nothing", Query: `xyzzyplugh`},
	}
	// One worker: articles are handled in order, so the first copy of a
	// story is the one alerted.
	reg := prometheus.NewRegistry()
	startAlerterReg(t, b, Config{Workers: 1}, rules, reg)
	arts := handArticles()
	en := enricher(t)
	for _, a := range arts {
		en.Enrich(a)
		t.Logf("%s: countries %v people %v", a.ID, a.Entities.Countries, a.Entities.People)
	}
	publish(t, b, arts...)
	waitIdle(t, b)

	tests := []struct {
		subject string
		want    []string // article ids, in order
	}{
		{"parley.alerts.putin-zelensky-summit", []string{"h1"}},
		// h1 and h2 are one story on two outlets: one alert.
		{"parley.alerts.abu-dhabi", []string{"h1"}},
		{"parley.alerts.sport", []string{"h5"}},
		{"parley.alerts.nothing", nil},
		{"parley.entities.country.UA", []string{"h1", "h6"}},
		{"parley.entities.country.AE", []string{"h1", "h3"}},
		{"parley.entities.person.dmitry-peskov", []string{"h3"}},
		{"parley.entities.person.volodymyr-zelensky", []string{"h1"}},
	}
	for _, tt := range tests {
		got := alertsOn(t, b, tt.subject)
		var ids []string
		for _, a := range got {
			ids = append(ids, a.Article.ID)
		}
		if strings.Join(ids, ",") != strings.Join(tt.want, ",") {
			t.Errorf("%s: alerts for %v, want %v", tt.subject, ids, tt.want)
		}
	}
	got := alertsOn(t, b, "parley.alerts.putin-zelensky-summit")
	if len(got) == 1 {
		a := got[0]
		if a.Rule != "putin-zelensky-summit" || a.Query != rules[0].Query || a.Article.URL != "https://wire.example/1" || a.Article.Title == "" || a.Article.Snippet == "" {
			t.Errorf("alert payload %+v", a)
		}
	}
	if got := alertsOn(t, b, "parley.entities.country.UA"); len(got) > 0 && (got[0].Rule != "country:UA" || got[0].Query != "") {
		t.Errorf("entity payload %+v", got[0])
	}
	metrics := map[string]float64{
		`parley_alerter_articles_total{outcome="matched"}`:          3, // h1, h2, h5
		`parley_alerter_alerts_total{rule="putin-zelensky-summit"}`: 1,
		`parley_alerter_alerts_total{rule="country:UA"}`:            2,
		`parley_alerter_match_seconds_count`:                        float64(len(arts)),
		`parley_alerter_index_to_alert_seconds_count`:               5, // every article but h2 (a copy) alerted something
		`parley_alerter_rules`:                                      float64(len(rules)),
	}
	var sb strings.Builder
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			name := mf.GetName()
			if len(m.GetLabel()) > 0 {
				var ls []string
				for _, l := range m.GetLabel() {
					ls = append(ls, l.GetName()+`="`+l.GetValue()+`"`)
				}
				name += "{" + strings.Join(ls, ",") + "}"
			}
			v := m.GetCounter().GetValue() + m.GetGauge().GetValue()
			if h := m.GetHistogram(); h != nil {
				name, v = mf.GetName()+"_count", float64(h.GetSampleCount())
			}
			if want, ok := metrics[name]; ok {
				if v != want {
					t.Errorf("%s = %v, want %v", name, v, want)
				}
				delete(metrics, name)
			}
			sb.WriteString(name + "\n")
		}
	}
	for name := range metrics {
		t.Errorf("metric %s missing; have\n%s", name, sb.String())
	}
}

// TestOncePerStory publishes a wire copy after the JetStream duplicate
// window has passed: the alerted bucket still stops the second alert.
func TestOncePerStory(t *testing.T) {
	b := newTestBus(t)
	startAlerter(t, b, Config{}, []RuleConfig{{Name: "zelensky", Query: "Zelensky"}})
	arts := handArticles()
	publish(t, b, arts[0])
	waitIdle(t, b)
	time.Sleep(1500 * time.Millisecond) // past the 1s duplicate window
	publish(t, b, arts[1])              // same story_id, another outlet
	waitIdle(t, b)
	if got := alertsOn(t, b, "parley.alerts.zelensky"); len(got) != 1 {
		t.Errorf("got %d alerts for one story, want 1", len(got))
	}
}

// TestOncePerEvent: the reports of one event by several outlets, in
// several languages and stories, give one message on parley.events.<language>
// of the first report, even when a report comes after the duplicate
// window; another event gives its own; an article without an event none.
func TestOncePerEvent(t *testing.T) {
	b := newTestBus(t)
	startAlerter(t, b, Config{Workers: 1}, nil)
	arts := []*article.Article{
		{ID: "r1", EventID: "ev1", StoryID: "r1", Language: "en", Title: "Talks open in Riyadh", URL: "https://wire.example/r1"},
		{ID: "r2", EventID: "ev1", StoryID: "r1", Language: "en", Title: "Talks open in the Saudi capital"},
		{ID: "r3", EventID: "ev1", StoryID: "r3", Language: "ru", Title: "В Эр-Рияде начались переговоры"},
		{ID: "r4", EventID: "ev2", StoryID: "r4", Language: "x.y>*", Title: "A hostile language tag"},
		{ID: "r5", StoryID: "r5", Language: "en", Title: "No event"},
	}
	publish(t, b, arts[:4]...)
	waitIdle(t, b)
	time.Sleep(1500 * time.Millisecond) // past the 1s duplicate window
	publish(t, b, &article.Article{ID: "r6", EventID: "ev1", StoryID: "r6", Language: "fr", Title: "Pourparlers à Riyad"}, arts[4])
	waitIdle(t, b)
	got := alertsOn(t, b, bus.SubjectEvents+".>")
	var ids []string
	for _, a := range got {
		ids = append(ids, a.Rule+" "+a.Query+" "+a.Article.ID)
	}
	want := []string{"event:new event:ev1 r1", "event:new event:ev2 r4"}
	if strings.Join(ids, ",") != strings.Join(want, ",") {
		t.Errorf("event alerts %q, want %q", ids, want)
	}
	if n := len(alertsOn(t, b, bus.SubjectEvents+".x_y")); n != 1 {
		t.Errorf("%d alerts on %s.x_y (the hostile language as one token), want 1", n, bus.SubjectEvents)
	}
}

// Rules stored through the store take effect at once, removed ones stop
// alerting, rules written into the bucket by another client arrive by the
// watch, and a second store on the bucket has them all. (The HTTP API over
// the store is tested in pkg/api.)
func TestRulesLiveChanges(t *testing.T) {
	b := newTestBus(t)
	al := startAlerter(t, b, Config{}, []RuleConfig{{Name: "from-config", Query: "Putin"}})
	ctx := context.Background()
	rs := al.rules
	tests := []struct {
		name    string
		do      func() error
		wantErr error
	}{
		{"bad query", func() error { _, _, err := rs.Put(ctx, RuleConfig{Name: "x", Query: "(Putin OR Trump"}); return err }, ErrBadRule},
		{"bad name", func() error { _, _, err := rs.Put(ctx, RuleConfig{Name: "a b", Query: "Putin"}); return err }, ErrBadRule},
		{"config rule", func() error { _, _, err := rs.Put(ctx, RuleConfig{Name: "from-config", Query: "Trump"}); return err }, ErrConfigRule},
		{"add", func() error { _, _, err := rs.Put(ctx, RuleConfig{Name: "gaza", Query: "Gaza ceasefire"}); return err }, nil},
		{"update", func() error { _, _, err := rs.Put(ctx, RuleConfig{Name: "gaza", Query: "Gaza"}); return err }, nil},
		{"remove unknown", func() error { return rs.Remove(ctx, "nope") }, ErrUnknownRule},
		{"remove config", func() error { return rs.Remove(ctx, "from-config") }, ErrConfigRule},
		{"add second", func() error { _, _, err := rs.Put(ctx, RuleConfig{Name: "derby", Query: "derby"}); return err }, nil},
		{"remove", func() error { return rs.Remove(ctx, "derby") }, nil},
	}
	for _, tt := range tests {
		if err := tt.do(); !errors.Is(err, tt.wantErr) {
			t.Errorf("%s: %v, want %v", tt.name, err, tt.wantErr)
		}
	}
	var gaza RuleInfo
	for _, ri := range rs.List() {
		if ri.Name == "gaza" {
			gaza = ri
		}
	}
	if gaza.Query != "Gaza" || gaza.Version != 2 || gaza.Source != SourceStored || gaza.Subject != "parley.alerts.gaza" {
		t.Errorf("listed %+v, want gaza version 2 from the API", gaza)
	}
	// A rule added while running takes effect.
	arts := handArticles()
	publish(t, b, arts[3], arts[4]) // Gaza, derby
	waitIdle(t, b)
	if got := alertsOn(t, b, "parley.alerts.gaza"); len(got) != 1 || got[0].Article.ID != "h4" {
		t.Errorf("gaza alerts %+v, want h4", got)
	}
	if got := alertsOn(t, b, "parley.alerts.derby"); len(got) != 0 {
		t.Errorf("removed rule alerted: %+v", got)
	}

	// A rule written into the bucket by another client arrives by the watch.
	data, _ := json.Marshal(StoredRule{Name: "kyiv", Query: "Kyiv", Version: 1, UpdatedAt: time.Now()})
	if _, err := b.KV(bus.BucketRules).Put(ctx, "kyiv", data); err != nil {
		t.Fatal(err)
	}
	waitRule(t, al.Index, "kyiv")
	publish(t, b, arts[5])
	waitIdle(t, b)
	if got := alertsOn(t, b, "parley.alerts.kyiv"); len(got) != 1 || got[0].Article.ID != "h6" {
		t.Errorf("kyiv alerts %+v, want h6", got)
	}

	// Rules survive a restart: a second store on the same bucket has them.
	rs2 := startRules(t, b, nil)
	<-rs2.Ready()
	for _, name := range []string{"kyiv", "gaza"} {
		if !hasRule(rs2.Index(), name) {
			t.Errorf("stored rule %s not loaded by a second store", name)
		}
	}
}

// waitRule waits until the index ix returns holds the rule name.
func waitRule(t *testing.T, ix func() *Index, name string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !hasRule(ix(), name) {
		if time.Now().After(deadline) {
			t.Fatalf("rule %s never loaded", name)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func hasRule(ix *Index, name string) bool {
	for _, r := range ix.Rules() {
		if r.Name == name {
			return true
		}
	}
	return false
}

// TestBadArticleDeadLettered: an undecodable message goes to parley.dlq.alerter.
func TestBadArticleDeadLettered(t *testing.T) {
	b := newTestBus(t)
	startAlerter(t, b, Config{}, nil)
	if err := b.Publish(context.Background(), "parley.indexed.en", []byte("{not json"), "bad-1"); err != nil {
		t.Fatal(err)
	}
	waitIdle(t, b)
	s, err := b.JetStream().Stream(context.Background(), bus.StreamDLQ)
	if err != nil {
		t.Fatal(err)
	}
	info, err := s.Info(context.Background(), jetstream.WithSubjectFilter("parley.dlq.alerter"))
	if err != nil {
		t.Fatal(err)
	}
	if info.State.Subjects["parley.dlq.alerter"] != 1 {
		t.Errorf("dead letters %v, want one on parley.dlq.alerter", info.State.Subjects)
	}
}

// testLogger logs warnings and errors through t.Log, so a failing test
// shows why.
func testLogger(tb testing.TB) *slog.Logger {
	return slog.New(slog.NewTextHandler(tbWriter{tb}, &slog.HandlerOptions{Level: slog.LevelWarn}))
}

type tbWriter struct{ tb testing.TB }

func (w tbWriter) Write(p []byte) (int, error) {
	w.tb.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}
