package alert

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/parley-news/parley/pkg/article"
	"github.com/parley-news/parley/pkg/bus"
	"github.com/parley-news/parley/pkg/permanent"
	"github.com/parley-news/parley/pkg/query"
	"github.com/parley-news/parley/pkg/webhook"
)

// BucketAlerted remembers which (subject, story) pairs were alerted, so a
// wire copy on a second outlet does not alert again after the JetStream
// duplicate window has passed.
const BucketAlerted = "parley_alerted"

// Config of the alerter stage.
type Config struct {
	// Durable is the JetStream consumer name, shared by alerter replicas.
	Durable string
	// Workers handle indexed articles concurrently.
	Workers int
	// MaxDeliver is how many times an article is tried before it is
	// dead-lettered.
	MaxDeliver int
	// AlertedTTL is how long a story is remembered as alerted per rule and
	// entity (default 30 days).
	AlertedTTL time.Duration
	// NoEntities turns off the entity streams: by default every article is
	// also published on parley.entities.country.<CC> and
	// parley.entities.person.<slug>, once per story.
	NoEntities bool
	// NoEvents turns off the event stream: by default the first report of
	// every event is published on parley.events.<language>, once per
	// event, not per article.
	NoEvents bool
	// ShutdownTimeout bounds finishing the articles in hand on shutdown.
	ShutdownTimeout time.Duration

	// Webhook is how the alerts of rules with a webhook are delivered.
	Webhook webhook.Config
}

// Defaults fills zero settings.
func (c *Config) Defaults() {
	if c.Durable == "" {
		c.Durable = "alerter"
	}
	if c.Workers == 0 {
		c.Workers = 4
	}
	if c.MaxDeliver == 0 {
		c.MaxDeliver = 8
	}
	if c.AlertedTTL == 0 {
		c.AlertedTTL = 30 * 24 * time.Hour
	}
	if c.ShutdownTimeout == 0 {
		c.ShutdownTimeout = 20 * time.Second
	}
	c.Webhook.Defaults()
}

// Validate names the first bad setting.
func (c *Config) Validate() error {
	switch {
	case c.Workers < 1 || c.Workers > 64:
		return fmt.Errorf("alerter workers %d: must be 1 to 64", c.Workers)
	case c.MaxDeliver < 1:
		return fmt.Errorf("alerter max deliver %d: must be at least 1", c.MaxDeliver)
	case c.AlertedTTL < time.Minute:
		return fmt.Errorf("alerter alerted ttl %s: must be at least 1m", c.AlertedTTL)
	}
	if err := c.Webhook.Validate(); err != nil {
		return fmt.Errorf("alerter: %w", err)
	}
	return nil
}

// Alerter is the alert stage: it matches every indexed article against the
// rules and publishes the alerts, once per story.
type Alerter struct {
	cfg   Config
	bus   *bus.Bus
	log   *slog.Logger
	rules *Rules
	hooks *webhook.Sender

	alerted jetstream.KeyValue // set by Run before its workers start

	articles *prometheus.CounterVec
	alerts   *prometheus.CounterVec
	matchDur prometheus.Histogram
	latency  prometheus.Histogram
	hookOut  *prometheus.CounterVec
}

// NewAlerter builds the stage matching with rules, whose Run its owner
// runs beside the alerter's (Run waits until the stored rules are loaded).
// Metrics are registered on reg when it is not nil.
func NewAlerter(cfg Config, b *bus.Bus, rules *Rules, reg prometheus.Registerer, log *slog.Logger) (*Alerter, error) {
	cfg.Defaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	log = log.With("stage", "alerter")
	if rules == nil {
		return nil, errors.New("alerter: no rules")
	}
	a := &Alerter{
		cfg: cfg, bus: b, log: log, rules: rules,
		articles: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "parley_alerter_articles_total", Help: "Indexed articles handled by the alerter, by outcome (matched, unmatched, retried, dead_lettered).",
		}, []string{"outcome"}),
		alerts: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "parley_alerter_alerts_total", Help: "Alerts published, by rule (entity streams as country:CC and person:slug).",
		}, []string{"rule"}),
		matchDur: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "parley_alerter_match_seconds", Help: "Time to find the rules matching one article.",
			Buckets: prometheus.ExponentialBuckets(0.00005, 2, 14),
		}),
		latency: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "parley_alerter_index_to_alert_seconds", Help: "Time from an article's publish on parley.indexed to its alerts published.",
			Buckets: prometheus.ExponentialBuckets(0.001, 2, 14),
		}),
		hookOut: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "parley_alerter_webhook_total", Help: "Webhook deliveries by rule and outcome (delivered, retried, failed, dropped).",
		}, []string{"rule", "outcome"}),
	}
	a.hooks = webhook.New(cfg.Webhook, a.hookOut, log)
	rules.hooks.Store(a.hooks)
	if reg != nil {
		rulesGauge := prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "parley_alerter_rules", Help: "Rules the alerter matches.",
		}, func() float64 { return float64(a.rules.Index().Len()) })
		alwaysGauge := prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "parley_alerter_rules_unindexed", Help: "Rules with no required term (only NOT, ranges or *): tried on every article.",
		}, func() float64 { return float64(a.rules.Index().AlwaysTried()) })
		for _, c := range []prometheus.Collector{a.articles, a.alerts, a.matchDur, a.latency, a.hookOut, rulesGauge, alwaysGauge} {
			if err := reg.Register(c); err != nil {
				return nil, fmt.Errorf("register alerter metrics: %w", err)
			}
		}
	}
	if cfg.Webhook.Secret == "" {
		for _, r := range rules.Index().Rules() {
			if r.Webhook != "" {
				log.Warn("webhooks will be sent unsigned: no webhook secret configured", "rule", r.Name)
				break
			}
		}
	}
	return a, nil
}

// Index is the current rule index.
func (a *Alerter) Index() *Index { return a.rules.Index() }

// Run waits until the stored rules are loaded (by the Rules' own Run),
// then consumes indexed articles until ctx ends; it then finishes the
// articles in hand under cfg.ShutdownTimeout and stops the webhook workers.
func (a *Alerter) Run(ctx context.Context) error {
	alerted, err := a.bus.JetStream().CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{
		Bucket: BucketAlerted, Description: "stories already alerted, per rule and entity",
		TTL: a.cfg.AlertedTTL, Storage: jetstream.FileStorage, Replicas: a.bus.Config().Replicas,
	})
	if err != nil {
		return fmt.Errorf("create bucket %s: %w", BucketAlerted, err)
	}
	a.alerted = alerted

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	defer wg.Wait()

	select {
	case <-a.rules.Ready():
	case <-ctx.Done():
		return nil
	}

	pull, err := a.bus.Pull(ctx, bus.ConsumerConfig{
		Stream: bus.StreamIndexed, Durable: a.cfg.Durable, Filter: bus.SubjectIndexed + ".>",
		MaxDeliver: a.cfg.MaxDeliver + 1, AckWait: time.Minute,
	}, a.log, jetstream.PullMaxMessages(4*a.cfg.Workers))
	if err != nil {
		return err
	}
	defer pull.Stop()
	a.hooks.Start(ctx)
	defer a.hooks.Stop()
	a.log.Info("alerter running", "durable", a.cfg.Durable, "workers", a.cfg.Workers, "rules", a.rules.Index().Len())

	pull.Work(ctx, a.cfg.Workers, a.cfg.ShutdownTimeout, a.handle, a.fail)
	a.log.Info("alerter stopped")
	return nil
}

// target is one publish an article causes.
type target struct {
	label   string // metrics label and payload "rule"
	subject string
	msgID   string
	payload []byte
	webhook string
	rule    string // for webhooks
}

func (a *Alerter) handle(ctx context.Context, m jetstream.Msg) {
	var art article.Article
	if err := json.Unmarshal(m.Data(), &art); err != nil {
		a.fail(ctx, m, permanent.Error(fmt.Errorf("decode article: %w", err)))
		return
	}
	if art.ID == "" {
		a.fail(ctx, m, permanent.Error(errors.New("article without id")))
		return
	}
	start := time.Now()
	matched := a.rules.Index().Match(&art)
	a.matchDur.Observe(time.Since(start).Seconds())

	targets, err := a.targets(&art, matched)
	if err != nil {
		a.fail(ctx, m, permanent.Error(err))
		return
	}
	done, err := a.publishAll(ctx, storyOf(&art), targets)
	if err != nil {
		a.fail(ctx, m, err)
		return
	}
	if t, ok, err := a.eventTarget(&art); err != nil {
		a.fail(ctx, m, permanent.Error(err))
		return
	} else if ok {
		// Its own entry in the alerted bucket, under the event id: the
		// first report of the event to get here publishes it.
		d, err := a.publishAll(ctx, art.EventID, []target{t})
		if err != nil {
			a.fail(ctx, m, err)
			return
		}
		targets, done = append(targets, t), append(done, d...)
	}
	published := 0
	for i, t := range targets {
		if !done[i] {
			continue
		}
		published++
		a.alerts.WithLabelValues(t.label).Inc()
		if t.webhook != "" {
			a.hooks.Enqueue(webhook.Job{Rule: t.rule, URL: t.webhook, ID: t.msgID, Body: t.payload})
		}
	}
	if err := m.Ack(); err != nil {
		a.log.Warn("ack indexed article", "id", art.ID, "err", err)
	}
	if len(matched) > 0 {
		a.articles.WithLabelValues("matched").Inc()
	} else {
		a.articles.WithLabelValues("unmatched").Inc()
	}
	if published > 0 {
		if md, err := m.Metadata(); err == nil {
			a.latency.Observe(time.Since(md.Timestamp).Seconds())
		}
	}
}

func storyOf(a *article.Article) string {
	if a.StoryID != "" {
		return a.StoryID
	}
	return a.ID
}

// targets lists the alerts of art: one per matched rule, then one per
// country and person it names.
func (a *Alerter) targets(art *article.Article, matched []*Rule) ([]target, error) {
	story := storyOf(art)
	sum := art.Summarize()
	var out []target
	add := func(label, subject, q string, r *Rule) error {
		payload, err := json.Marshal(Alert{Rule: label, Query: q, Article: sum})
		if err != nil {
			return fmt.Errorf("encode alert %s: %w", label, err)
		}
		t := target{label: label, subject: subject, msgID: label + "-" + story, payload: payload}
		if r != nil {
			t.webhook, t.rule = r.Webhook, r.Name
		}
		out = append(out, t)
		return nil
	}
	for _, r := range matched {
		if err := add(r.Name, Subject(r.Name), r.Query, r); err != nil {
			return nil, err
		}
	}
	if a.cfg.NoEntities {
		return out, nil
	}
	seen := map[string]bool{}
	for _, c := range art.Entities.Countries {
		cc := strings.ToUpper(strings.TrimSpace(c))
		if !isCountryCode(cc) || seen["c"+cc] {
			continue
		}
		seen["c"+cc] = true
		if err := add("country:"+cc, bus.SubjectEntities+".country."+cc, "", nil); err != nil {
			return nil, err
		}
	}
	for _, p := range art.Entities.People {
		slug := PersonSlug(p.Name)
		if slug == "" || seen["p"+slug] {
			continue
		}
		seen["p"+slug] = true
		if err := add("person:"+slug, bus.SubjectEntities+".person."+slug, "", nil); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// eventLabel is the label of new-event alerts: in the alerted bucket (no
// rule name has a ':'), in the payload's "rule" and in metrics.
const eventLabel = "event:new"

// eventTarget is the new-event alert of art on parley.events.<language>
// (the first report's language): rule "event:new", query "event:<event
// id>", the article's summary.
func (a *Alerter) eventTarget(art *article.Article) (target, bool, error) {
	id := strings.TrimSpace(art.EventID)
	if a.cfg.NoEvents || id == "" {
		return target{}, false, nil
	}
	lang := bus.Token(art.Language)
	label := eventLabel
	payload, err := json.Marshal(Alert{Rule: label, Query: query.Format(query.Term{Field: query.FieldEvent, Value: id}), Article: art.Summarize()})
	if err != nil {
		return target{}, false, fmt.Errorf("encode event alert: %w", err)
	}
	return target{label: label, subject: bus.SubjectEvents + "." + lang, msgID: label + "-" + id, payload: payload}, true, nil
}

func isCountryCode(s string) bool {
	return len(s) == 2 && s[0] >= 'A' && s[0] <= 'Z' && s[1] >= 'A' && s[1] <= 'Z'
}

// alertedStory is the value kept per story in the alerted bucket: the
// labels (rule names, country:CC, person:slug) it was alerted under.
type alertedStory struct {
	Labels []string `json:"labels"`
}

// publishAll publishes the targets whose story was not alerted under
// their label before, all at once (asynchronously), then records them in
// one write. It publishes first and remembers second: a crash in between
// redelivers the article, and the message ids drop the second copies. It
// reports which targets this call published (a JetStream duplicate is not).
func (a *Alerter) publishAll(ctx context.Context, story string, targets []target) ([]bool, error) {
	published := make([]bool, len(targets))
	if len(targets) == 0 {
		return published, nil
	}
	key := alertedKey(story)
	done := map[string]bool{}
	var rev uint64
	e, err := a.alerted.Get(ctx, key)
	switch {
	case err == nil:
		rev = e.Revision()
		var st alertedStory
		if err := json.Unmarshal(e.Value(), &st); err != nil {
			a.log.Warn("bad alerted entry, alerting again", "story", story, "err", err)
		}
		for _, l := range st.Labels {
			done[l] = true
		}
	case !errors.Is(err, jetstream.ErrKeyNotFound):
		return nil, fmt.Errorf("alerted story %s: %w", story, err)
	}
	var msgs []bus.Outgoing
	var at []int // msgs[k] is targets[at[k]]
	for i, t := range targets {
		if done[t.label] {
			continue
		}
		msg := &nats.Msg{Subject: t.subject, Data: t.payload, Header: nats.Header{}}
		msg.Header.Set(bus.HeaderArticleID, story)
		msgs = append(msgs, bus.Outgoing{Msg: msg, ID: t.msgID})
		at = append(at, i)
	}
	var added []string
	for k, p := range a.bus.PublishAll(ctx, msgs) {
		if p.Err != nil {
			return nil, p.Err
		}
		published[at[k]] = !p.Duplicate
		added = append(added, targets[at[k]].label)
	}
	if len(added) == 0 {
		return published, nil
	}
	// Record the labels; another worker may be writing the same story (a
	// wire copy handled at the same time): merge and try again.
	for attempt := 0; ; attempt++ {
		labels := make([]string, 0, len(done)+len(added))
		for l := range done {
			labels = append(labels, l)
		}
		for _, l := range added {
			if !done[l] {
				labels = append(labels, l)
			}
		}
		data, err := json.Marshal(alertedStory{Labels: labels})
		if err != nil {
			return nil, fmt.Errorf("encode alerted story: %w", err)
		}
		if rev == 0 {
			_, err = a.alerted.Create(ctx, key, data)
		} else {
			_, err = a.alerted.Update(ctx, key, data, rev)
		}
		if err == nil {
			return published, nil
		}
		if attempt >= 5 {
			return nil, fmt.Errorf("remember alerted story %s: %w", story, err)
		}
		e, gerr := a.alerted.Get(ctx, key)
		if gerr != nil {
			return nil, fmt.Errorf("remember alerted story %s: %w (then %w)", story, err, gerr)
		}
		rev = e.Revision()
		var st alertedStory
		_ = json.Unmarshal(e.Value(), &st)
		for _, l := range st.Labels {
			done[l] = true
		}
	}
}

// alertedKey is a bucket key for any story id (which may hold characters
// keys cannot).
func alertedKey(story string) string {
	h := sha256.Sum256([]byte(story))
	return hex.EncodeToString(h[:16])
}

// fail retries m later, or dead-letters it when the error is permanent or
// its deliveries are used up.
func (a *Alerter) fail(ctx context.Context, m jetstream.Msg, err error) {
	a.articles.WithLabelValues(string(a.bus.Fail(ctx, "alerter", m, err, a.cfg.MaxDeliver))).Inc()
}
