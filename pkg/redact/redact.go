// Package redact hides the credentials a URL carries in its userinfo
// (feed URLs with a reader's password, NATS and Elasticsearch URLs with a
// user and password or a token) wherever such a URL is shown: /api/feeds,
// an error, a log line (README, Security). It is the one implementation of
// that rule; webhook URLs, whose path is itself the secret, are shown by
// webhook.RedactURL as scheme and host only.
package redact

import (
	"net/url"
	"strings"
)

// Hidden is what a URL's secret is shown as: "***", as net/http shows a
// password in its own errors.
const Hidden = "***"

// URL is raw with its secret hidden: the password of "user:password@"
// (the user name stays, so that an operator can tell accounts apart), or
// the whole userinfo when it is a single value ("token@"), which is how
// tokens travel in URLs.
func URL(raw string) string { return In(raw, raw) }

// List is URL applied to each URL of a comma-separated list (NATS server
// lists).
func List(urls string) string {
	parts := strings.Split(urls, ",")
	for i, p := range parts {
		parts[i] = URL(p)
	}
	return strings.Join(parts, ",")
}

// In returns text with raw's secret hidden wherever a URL in text carries
// it, as written or percent-decoded: the same hiding as URL, applied to an
// error message or a log line that quotes raw.
func In(text, raw string) string {
	for _, s := range secrets(raw) {
		if s.user != "" {
			text = strings.ReplaceAll(text, s.user+":"+s.password+"@", s.user+":"+Hidden+"@")
			continue
		}
		text = strings.ReplaceAll(text, "//"+s.password+"@", "//"+Hidden+"@")
		text = strings.ReplaceAll(text, ":"+s.password+"@", ":"+Hidden+"@")
	}
	return text
}

// secret is one written form of a URL's credentials: user and password,
// or (user empty) a lone token or a password with no user.
type secret struct{ user, password string }

// secrets lists the forms raw's credentials may appear in: as written
// (read from the text, so that a URL url.Parse refuses is hidden too) and
// as url.Parse decodes them.
func secrets(raw string) []secret {
	var out []secret
	add := func(user, password string, hasPassword bool) {
		switch {
		case hasPassword && password != "":
			out = append(out, secret{user: user, password: password})
			if user == "" {
				return
			}
		case !hasPassword && user != "":
			out = append(out, secret{password: user})
		}
	}
	raw = strings.TrimSpace(raw)
	if _, rest, ok := strings.Cut(raw, "://"); ok {
		rest, _, _ = strings.Cut(rest, "/")
		if at := strings.LastIndex(rest, "@"); at >= 0 {
			user, password, has := strings.Cut(rest[:at], ":")
			add(user, password, has)
		}
	}
	if u, err := url.Parse(raw); err == nil && u.User != nil {
		password, has := u.User.Password()
		add(u.User.Username(), password, has)
	}
	return out
}
