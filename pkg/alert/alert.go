// Package alert turns saved searches into alerts: it compiles rules written
// in the query language (docs/contract.md), keeps them (the rule store,
// Rules: the config file's rules and the parley_rules bucket, followed
// live), indexes them by the terms an article must contain for them to
// match, and runs the alerter stage that matches every newly indexed
// article and publishes, once per story, on parley.alerts.<rule> and
// parley.entities.{country,person}.<id> (docs/contract.md, NATS). It hands
// a rule's alerts to its webhook through pkg/webhook; the HTTP handlers
// for rules and alerts are pkg/api's.
package alert

import (
	"errors"
	"fmt"
	"strings"

	"github.com/parley-news/parley/pkg/article"
	"github.com/parley-news/parley/pkg/bus"
	"github.com/parley-news/parley/pkg/query"
	"github.com/parley-news/parley/pkg/webhook"
)

// Rule is a compiled saved search.
type Rule struct {
	Name  string
	Query string
	// Webhook receives each alert of the rule by HTTP POST; empty for none.
	Webhook string
	// Hints are query.ParseHints' hints on Query (language:russian was read
	// as language:ru; "or" is searched as a word): the rule is accepted and
	// matches what its query means as parsed; the API shows them.
	Hints []string

	expanded query.Node
	req      requirement
	filter   filter
}

// NewRule compiles a rule; expanded is the parsed query after
// query.Expand with the gazetteer, so names match all their spellings.
func NewRule(name, q string, expanded query.Node) *Rule {
	return &Rule{Name: name, Query: q, expanded: expanded, req: requires(expanded), filter: newFilter(expanded)}
}

// Match reports whether searching for the rule's query would find a, with
// the index backends' analysis (query.Match).
func (r *Rule) Match(a *article.Article) bool {
	return query.Match(r.expanded, query.NewDocument(a))
}

func (r *Rule) matchDoc(d *query.Document) bool { return query.Match(r.expanded, d) }

// Alert is the payload of parley.alerts.<rule> and of the entity subjects
// (docs/contract.md, Article).
type Alert struct {
	Rule    string          `json:"rule"`
	Query   string          `json:"query"`
	Article article.Summary `json:"article"`
}

// New is the alert of rule r for article a.
func New(r *Rule, a *article.Article) Alert {
	return Alert{Rule: r.Name, Query: r.Query, Article: a.Summarize()}
}

// RuleConfig is a saved search as written in the config file or posted to
// the API.
type RuleConfig struct {
	Name    string `json:"name" yaml:"name"`
	Query   string `json:"query" yaml:"query"`
	Webhook string `json:"webhook,omitempty" yaml:"webhook"`
}

// ErrBadRule marks a rule that cannot be accepted (bad name, query or
// webhook URL); the API answers it with 400.
var ErrBadRule = errors.New("bad rule")

// maxNameLen keeps a rule name usable as one subject token and KV key.
const maxNameLen = 64

// Compile checks rc and compiles it, expanding names with resolver (which
// may be nil).
func (rc RuleConfig) Compile(resolver query.Resolver) (*Rule, error) {
	if err := validName(rc.Name); err != nil {
		return nil, err
	}
	if strings.TrimSpace(rc.Query) == "" {
		return nil, fmt.Errorf("rule %s: %w: empty query", rc.Name, ErrBadRule)
	}
	n, hints, err := query.ParseHints(rc.Query)
	if err != nil {
		return nil, fmt.Errorf("rule %s: %w: query: %w", rc.Name, ErrBadRule, err)
	}
	if rc.Webhook != "" {
		if err := webhook.ValidURL(rc.Webhook); err != nil {
			return nil, fmt.Errorf("rule %s: %w: %w", rc.Name, ErrBadRule, err)
		}
	}
	r := NewRule(rc.Name, rc.Query, query.Expand(n, resolver))
	r.Webhook = rc.Webhook
	r.Hints = hints
	return r, nil
}

// validName accepts names that are their own subject token up to case:
// ASCII letters, digits, '-' and '_', so parley.alerts.<name> and `parley
// watch --rule NAME` name the same subject.
func validName(name string) error {
	if name == "" || len(name) > maxNameLen {
		return fmt.Errorf("rule name %q: %w: must be 1 to %d characters", name, ErrBadRule, maxNameLen)
	}
	for _, c := range name {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '-', c == '_':
		default:
			return fmt.Errorf("rule name %q: %w: only letters a-z, digits, '-' and '_'", name, ErrBadRule)
		}
	}
	if bus.Token(name) != strings.ToLower(name) {
		return fmt.Errorf("rule name %q: %w: must not start or end with '_'", name, ErrBadRule)
	}
	return nil
}

// Subject is where the alerts of the rule named name are published.
func Subject(name string) string { return bus.SubjectAlerts + "." + bus.Token(name) }
