package app

import (
	"context"
	"fmt"
	"net/http"

	"github.com/parley-news/parley/pkg/alert"
)

// startAlerter runs the alert stage with the config file's rules.
func (a *App) startAlerter(_ context.Context, stage func(string, func(context.Context) error)) error {
	rules := make([]alert.RuleConfig, 0, len(a.cfg.Rules))
	for _, r := range a.cfg.Rules {
		rules = append(rules, alert.RuleConfig{Name: r.Name, Query: r.Query, Webhook: r.Webhook})
	}
	al, err := alert.NewAlerter(alert.Config{WebhookSecret: a.cfg.WebhookSecret, AllowPrivateWebhooks: a.cfg.AllowPrivate}, a.bus, rules, a.gaz, a.reg, a.log)
	if err != nil {
		return fmt.Errorf("alerter: %w", err)
	}
	a.alerter = al
	stage("alerter", al.Run)
	return nil
}

// mountRules serves the rules API when this process runs the alerter.
func (a *App) mountRules() {
	if a.alerter == nil || a.server == nil {
		return
	}
	a.server.Handle("GET /api/rules", "rules", http.HandlerFunc(a.alerter.HandleList), false)
	a.server.Handle("POST /api/rules", "rules_add", http.HandlerFunc(a.alerter.HandleAdd), true)
	a.server.Handle("DELETE /api/rules", "rules_remove", http.HandlerFunc(a.alerter.HandleRemove), true)
}
