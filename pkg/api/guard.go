package api

import (
	"crypto/subtle"
	"fmt"
	"mime"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
)

// This file holds what keeps other web sites out of parley (README,
// Security): the response headers that stop a page from running injected
// script or being framed, the Host check that defeats DNS rebinding, and
// the checks every state-changing request passes (token, same origin,
// JSON body).

// contentSecurityPolicy allows the page's own script and style files and
// nothing inline: an injected attribute or <script> cannot run.
const contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// securityHeaders sets the headers every response carries.
func securityHeaders(h http.Header) {
	h.Set("Content-Security-Policy", contentSecurityPolicy)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
}

// isLoopbackHost reports whether host (no port) names this machine only.
func isLoopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// hostPolicy decides which Host headers the server answers. A page on an
// attacker's domain that re-resolves to parley's address (DNS rebinding)
// sends its own domain as Host, so answering only the names parley is
// served under keeps such pages from reading or changing anything.
type hostPolicy struct {
	// loopback: bound to a loopback address, so only localhost,
	// 127.0.0.1 and [::1] on the served port are parley.
	loopback bool
	// port of Addr, used when a request does not carry its local address.
	port string
	// allowed holds --allowed-hosts entries: "name" (any port) or
	// "name:port".
	allowed map[string]bool
	// machine is this machine's host name (non-loopback binds).
	machine string
}

func newHostPolicy(cfg Config) hostPolicy {
	host, port, _ := net.SplitHostPort(cfg.Addr)
	p := hostPolicy{loopback: isLoopbackHost(host), port: port, allowed: map[string]bool{}}
	for _, h := range cfg.AllowedHosts {
		if h = strings.ToLower(strings.TrimSpace(h)); h != "" {
			p.allowed[h] = true
		}
	}
	if !p.loopback {
		p.machine, _ = os.Hostname()
	}
	return p
}

// allows reports whether the Host header hostport may be answered on a
// connection whose local address is local (nil when unknown).
func (p hostPolicy) allows(hostport string, local net.Addr) bool {
	hostport = strings.ToLower(hostport)
	host, port, err := net.SplitHostPort(hostport)
	if err != nil {
		host, port = strings.Trim(hostport, "[]"), "80"
	}
	if host == "" {
		return false
	}
	if p.allowed[hostport] || p.allowed[host] || p.allowed[net.JoinHostPort(host, port)] {
		return true
	}
	if p.loopback {
		served := p.port
		if tcp, ok := local.(*net.TCPAddr); ok {
			served = fmt.Sprint(tcp.Port)
		}
		return (host == "localhost" || host == "127.0.0.1" || host == "::1") && (port == served || served == "0")
	}
	// Listening beyond loopback: an IP literal cannot be rebound (the page
	// making the request then has parley's own origin), and neither can
	// this machine's name.
	return net.ParseIP(host) != nil || isLoopbackHost(host) || (p.machine != "" && strings.EqualFold(host, p.machine))
}

// describe says which hosts are answered, for the refusal message.
func (p hostPolicy) describe() string {
	var names []string
	if p.loopback {
		names = append(names, "localhost, 127.0.0.1 and [::1] on port "+p.port)
	} else {
		names = append(names, "IP addresses, localhost")
		if p.machine != "" {
			names = append(names, p.machine)
		}
	}
	for h := range p.allowed {
		names = append(names, h)
	}
	return strings.Join(names, ", ")
}

// guard wraps the whole API: security headers on every response, and
// requests for a host parley is not served under are refused.
func (s *Server) guard(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		securityHeaders(w.Header())
		local, _ := r.Context().Value(http.LocalAddrContextKey).(net.Addr)
		if !s.hosts.allows(r.Host, local) {
			writeError(w, http.StatusMisdirectedRequest, fmt.Sprintf(
				"host %q is not served here (parley answers %s); to serve parley under another name, add it to --allowed-hosts",
				r.Host, s.hosts.describe()))
			return
		}
		next.ServeHTTP(w, r)
	})
}

// isMutating reports whether a method changes state.
func isMutating(method string) bool {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodOptions, "":
		return false
	}
	return true
}

// mutating wraps an endpoint that changes state: the bearer token when
// one is configured, then no request from another site (a form or fetch
// on a page elsewhere, CSRF), then a JSON body only (a cross-site form or
// a no-CORS fetch can send text/plain or form bodies, never JSON).
func (s *Server) mutating(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if s.cfg.Token != "" {
			got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
			if !ok || subtle.ConstantTimeCompare([]byte(got), []byte(s.cfg.Token)) != 1 {
				w.Header().Set("WWW-Authenticate", `Bearer realm="parley"`)
				writeError(w, http.StatusUnauthorized, "this endpoint needs Authorization: Bearer <token> (the --api-token parley was started with)")
				return
			}
		}
		if err := sameOrigin(r); err != nil {
			writeError(w, http.StatusForbidden, err.Error())
			return
		}
		if err := jsonBody(r); err != nil {
			writeError(w, http.StatusUnsupportedMediaType, err.Error())
			return
		}
		h(w, r)
	}
}

// sameOrigin refuses a request a browser sent on behalf of another site.
// Browsers send Sec-Fetch-Site and Origin with every POST and DELETE;
// tools such as curl and parley's own commands send neither.
func sameOrigin(r *http.Request) error {
	switch site := r.Header.Get("Sec-Fetch-Site"); site {
	case "", "same-origin", "none":
	default:
		return fmt.Errorf("refused: this request came from another site (Sec-Fetch-Site: %s); state changes are accepted only from parley's own page or from tools", site)
	}
	origin := r.Header.Get("Origin")
	if origin == "" {
		return nil
	}
	u, err := url.Parse(origin)
	if err != nil || u.Host == "" || !strings.EqualFold(u.Host, r.Host) {
		return fmt.Errorf("refused: Origin %q is not this server (%s); state changes are accepted only from parley's own page or from tools", origin, r.Host)
	}
	return nil
}

// jsonBody refuses any body that is not application/json. A request that
// needs a body (POST, PUT, PATCH) must declare it; a DELETE may have none.
func jsonBody(r *http.Request) error {
	ct := r.Header.Get("Content-Type")
	if ct == "" && r.Method == http.MethodDelete && r.ContentLength <= 0 && len(r.TransferEncoding) == 0 {
		return nil
	}
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil || mt != "application/json" {
		if ct == "" {
			ct = "none"
		}
		return fmt.Errorf("Content-Type %s: this endpoint accepts only application/json", ct)
	}
	return nil
}

// checkExposure refuses to serve state-changing endpoints beyond this
// machine without a token.
func checkExposure(cfg Config) error {
	host, _, _ := net.SplitHostPort(cfg.Addr)
	if cfg.ReadOnly || cfg.Token != "" || isLoopbackHost(host) {
		return nil
	}
	return fmt.Errorf("--http %s listens beyond this machine and --api-token is not set: anyone who can reach the port could add feeds and alert rules with webhooks; "+
		"set --api-token (PARLEY_API_TOKEN) to a long random secret, or listen on 127.0.0.1 and put a reverse proxy in front (README, Security)", cfg.Addr)
}
