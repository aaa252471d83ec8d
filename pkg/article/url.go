package article

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/url"
	"sort"
	"strings"
)

// trackingParams are query parameters that identify a campaign or a click,
// never the page. Prefixes end in "_".
var trackingParams = []string{
	"utm_", "fbclid", "gclid", "dclid", "gbraid", "wbraid", "msclkid", "mc_cid", "mc_eid",
	"yclid", "igshid", "_hsenc", "_hsmi", "mkt_tok", "oly_anon_id", "oly_enc_id", "vero_id",
	"rb_clickid", "s_cid", "cmpid", "ncid", "ocid", "sr_share", "at_medium", "at_campaign",
	"at_custom", "ito", "xtor", "spm", "ref_src", "ref_url", "taid", "soc_src", "soc_trk",
	"__twitter_impression", "guccounter", "guce_referrer", "guce_referrer_sig", "smid", "smtyp",
	"cid", "rss", "feed", "feedtype",
}

func isTracking(key string) bool {
	k := strings.ToLower(key)
	for _, p := range trackingParams {
		if strings.HasSuffix(p, "_") && strings.HasPrefix(k, p) {
			return true
		}
		if k == p {
			return true
		}
	}
	return false
}

// CanonicalURL normalises raw for identity: lower-case scheme and host, no
// default port, no fragment, tracking parameters removed, the remaining query
// parameters sorted. It returns an error for anything but absolute http(s) URLs.
func CanonicalURL(raw string) (string, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		return "", fmt.Errorf("canonical url %q: %w", raw, err)
	}
	u.Scheme = strings.ToLower(u.Scheme)
	if u.Scheme != "http" && u.Scheme != "https" {
		return "", fmt.Errorf("canonical url %q: scheme must be http or https", raw)
	}
	if u.Host == "" {
		return "", fmt.Errorf("canonical url %q: no host", raw)
	}
	host := strings.ToLower(u.Hostname())
	port := u.Port()
	if (u.Scheme == "http" && port == "80") || (u.Scheme == "https" && port == "443") {
		port = ""
	}
	if port != "" {
		host += ":" + port
	}
	u.Host = host
	u.User = nil
	u.Fragment = ""
	u.RawFragment = ""
	if u.Path == "" {
		u.Path = "/"
	}
	q := u.Query()
	for k := range q {
		if isTracking(k) {
			q.Del(k)
		}
	}
	if len(q) == 0 {
		u.RawQuery = ""
	} else {
		keys := make([]string, 0, len(q))
		for k := range q {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		var b strings.Builder
		for _, k := range keys {
			vs := q[k]
			sort.Strings(vs)
			for _, v := range vs {
				if b.Len() > 0 {
					b.WriteByte('&')
				}
				b.WriteString(url.QueryEscape(k))
				b.WriteByte('=')
				b.WriteString(url.QueryEscape(v))
			}
		}
		u.RawQuery = b.String()
	}
	return u.String(), nil
}

// ID derives the stable article id from a canonical URL: the first 16 bytes
// of its SHA-256, hex. Scheme differences (http vs https) and a leading
// "www." do not change the id, so the same page reached both ways is one
// document.
func ID(canonical string) string {
	key := canonical
	if i := strings.Index(key, "://"); i >= 0 {
		key = key[i+3:]
	}
	key = strings.TrimPrefix(key, "www.")
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:16])
}

// ValidID reports whether id has the form ID gives every article: 32
// lower-case hex digits. Ids from outside (the API's paths, messages) are
// checked with it before they reach a lookup, a subject or a key.
func ValidID(id string) bool {
	if len(id) != 32 {
		return false
	}
	for i := range len(id) {
		if c := id[i]; (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}
