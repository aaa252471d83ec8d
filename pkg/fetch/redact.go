package fetch

import (
	"net/url"
	"strings"
)

// Redacted is what a URL's password is shown as: "***", as net/http shows
// it in its own errors.
const Redacted = "***"

// RedactIn returns text with the password of rawURL's userinfo, wherever a
// URL in text carries it ("user:password@"), replaced by Redacted. Feed
// URLs may carry credentials: they are used for fetching, but never shown
// in /api/feeds, an error or a log line (README, Security).
func RedactIn(text, rawURL string) string {
	var forms []string
	// The password as written, percent-encoded or not; read from the text
	// so that a URL url.Parse refuses is redacted too.
	if _, auth, ok := strings.Cut(strings.TrimSpace(rawURL), "://"); ok {
		auth, _, _ = strings.Cut(auth, "/")
		if at := strings.LastIndex(auth, "@"); at >= 0 {
			if _, written, ok := strings.Cut(auth[:at], ":"); ok && written != "" {
				forms = append(forms, written)
			}
		}
	}
	if u, err := url.Parse(strings.TrimSpace(rawURL)); err == nil && u.User != nil {
		if pw, ok := u.User.Password(); ok && pw != "" {
			forms = append(forms, pw)
		}
	}
	for _, f := range forms {
		text = strings.ReplaceAll(text, ":"+f+"@", ":"+Redacted+"@")
	}
	return text
}

// Redact is rawURL with its password replaced by Redacted.
func Redact(rawURL string) string { return RedactIn(rawURL, rawURL) }
