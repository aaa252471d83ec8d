package app

import (
	"fmt"

	"github.com/parley-news/parley/pkg/alert"
	"github.com/parley-news/parley/pkg/bus"
	"github.com/parley-news/parley/pkg/webhook"
)

// startRules runs the rule store the alerter matches with and the API
// serves (GET/POST/DELETE /api/rules): the config file's rules plus the
// parley_rules bucket, followed live, so `parley api` and `parley alerter`
// in separate processes see the same rules.
func (a *App) startRules(stage func(string, stageFunc)) error {
	cfgs := make([]alert.RuleConfig, 0, len(a.cfg.Rules))
	for _, r := range a.cfg.Rules {
		cfgs = append(cfgs, alert.RuleConfig{Name: r.Name, Query: r.Query, Webhook: r.Webhook})
	}
	rs, err := alert.NewRules(cfgs, a.bus.KV(bus.BucketRules), a.gaz, a.log)
	if err != nil {
		return fmt.Errorf("rules: %w", err)
	}
	a.rules = rs
	stage("rules", rs.Run)
	return nil
}

// startAlerter runs the alert stage over the rule store.
func (a *App) startAlerter(stage func(string, stageFunc)) error {
	al, err := alert.NewAlerter(alert.Config{Webhook: webhook.Config{Secret: a.cfg.WebhookSecret, AllowPrivate: a.cfg.AllowPrivate}}, a.bus, a.rules, a.reg, a.log)
	if err != nil {
		return fmt.Errorf("alerter: %w", err)
	}
	stage("alerter", al.Run)
	return nil
}
