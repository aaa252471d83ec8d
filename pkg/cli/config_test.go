package cli

import (
	"context"
	"flag"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestLoadConfigPrecedence(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "parley.yaml")
	yaml := `
feeds: from-file.opml
poll_interval: 5m
http: 127.0.0.1:9999
es_url: http://file:9200
allow_private_addresses: true
rules:
  - name: putin-zelensky-summit
    query: '(Putin AND Zelensky) AND (summit OR meeting)'
site_rules:
  - host: mid.ru
    body: [".announce__text"]
    remove: [".share"]
`
	if err := os.WriteFile(file, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"PARLEY_ES_URL": "http://env:9200", "PARLEY_HTTP": "127.0.0.1:7777"}
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	cfg, rest, err := loadConfig(fs, []string{"--config", file, "--http", "127.0.0.1:1234", "extra"}, func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name      string
		got, want any
	}{
		{"flag beats env and file", cfg.HTTP, "127.0.0.1:1234"},
		{"env beats file", cfg.ESURL, "http://env:9200"},
		{"file beats default", cfg.PollInterval, 5 * time.Minute},
		{"file sets a bool", cfg.AllowPrivate, true},
		{"file feeds", cfg.Feeds, "from-file.opml"},
		{"default stays", cfg.Data, "./parley-data"},
		{"nats listens by default", cfg.NATSListen, "127.0.0.1:4222"},
		{"rules from the file", len(cfg.Rules), 1},
		{"site rules from the file", len(cfg.SiteRules), 1},
		{"site rule selector", cfg.SiteRules[0].Body[0], ".announce__text"},
		{"positional args", strings.Join(rest, ","), "extra"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s: got %v, want %v", tt.name, tt.got, tt.want)
		}
	}
}

func TestLoadConfigErrors(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	tests := []struct {
		name string
		args []string
		env  map[string]string
		want string
	}{
		{"unknown key", []string{"--config", write("a.yaml", "es_ulr: x\n")}, nil, `unknown setting "es_ulr"`},
		{"bad duration in file", []string{"--config", write("b.yaml", "poll_interval: often\n")}, nil, "poll_interval"},
		{"bad duration in env", nil, map[string]string{"PARLEY_POLL_INTERVAL": "soon"}, "PARLEY_POLL_INTERVAL"},
		{"rules not a list", []string{"--config", write("c.yaml", "rules: yes\n")}, nil, "rules"},
		{"missing file", []string{"--config", filepath.Join(dir, "nope.yaml")}, nil, "nope.yaml"},
	}
	for _, tt := range tests {
		fs := flag.NewFlagSet("run", flag.ContinueOnError)
		fs.SetOutput(io.Discard)
		_, _, err := loadConfig(fs, tt.args, func(k string) string { return tt.env[k] })
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error %v, want one mentioning %q", tt.name, err, tt.want)
		}
	}
}

func TestMainUsageErrors(t *testing.T) {
	tests := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"frobnicate"}, 2, "unknown command"},
		{[]string{"fetcher"}, 2, "needs --nats-url"},
		{[]string{"run", "--http", "nonsense"}, 2, "--http"},
		{[]string{"run", "--log-level", "loud"}, 2, "--log-level"},
		{[]string{"extract"}, 2, "one FILE"},
		{[]string{"watch", "--rule", "a", "--subject", "b"}, 2, "one of"},
		{[]string{"version"}, 0, ""},
	}
	for _, tt := range tests {
		var out, errOut strings.Builder
		env := Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errOut, Getenv: func(string) string { return "" }}
		code := Main(context.Background(), tt.args, env)
		if code != tt.code || !strings.Contains(errOut.String(), tt.want) {
			t.Errorf("parley %v: exit %d, stderr %q; want exit %d mentioning %q", tt.args, code, errOut.String(), tt.code, tt.want)
		}
	}
}

// Issue 14 item 4: the API beyond loopback without a token refuses to
// start, saying why and what to do; a stage alone (health and metrics
// only; the alerter too: the rules API is the api role's) may listen there. Old code would start and run until the deadline.
func TestRefusesExposedAPIWithoutToken(t *testing.T) {
	for _, args := range [][]string{
		{"run", "--http", "0.0.0.0:0"},
		{"api", "--http", "[::]:0", "--nats-url", "nats://127.0.0.1:1"},
	} {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		var out, errOut strings.Builder
		env := Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errOut, Getenv: func(string) string { return "" }}
		code := Main(ctx, append(args, "--data", t.TempDir(), "--nats-listen", ""), env)
		cancel()
		if code != 2 || !strings.Contains(errOut.String(), "--api-token") || !strings.Contains(errOut.String(), "listens beyond this machine") {
			t.Errorf("parley %v: exit %d, stderr %q; want exit 2 saying --api-token is needed", args, code, errOut.String())
		}
	}
}

func TestExtractCommand(t *testing.T) {
	page := `<html lang="en"><head><title>Peskov: no date for summit | Example</title>
<meta property="og:site_name" content="Example"></head><body><nav>Home World Sport</nav>
<article><h1>Peskov: no date for summit</h1>
<p>Kremlin spokesman Dmitry Peskov told reporters in Moscow on Sunday that there was no date yet for a summit between Vladimir Putin and Volodymyr Zelensky.</p>
<p>"Work continues at the expert level," Peskov said, adding that contacts with Washington were continuing and that the United Arab Emirates had offered to host the talks.</p>
<p>Ukraine's foreign ministry said it was ready for a meeting of leaders if it was properly prepared and brought concrete results for a ceasefire.</p>
</article><footer>© Example</footer></body></html>`
	var out, errOut strings.Builder
	env := Env{Stdin: strings.NewReader(page), Stdout: &out, Stderr: &errOut, Getenv: func(string) string { return "" }}
	if code := Main(context.Background(), []string{"extract", "--url", "https://example.org/world/peskov?utm_source=x", "-"}, env); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	for _, want := range []string{`"url": "https://example.org/world/peskov"`, `"title": "Peskov: no date for summit"`, `"language": "en"`, `"Dmitry Peskov"`, `"AE"`, `"diplomacy"`} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("article JSON lacks %s:\n%s", want, out.String())
		}
	}
}

func TestExtractSiteRule(t *testing.T) {
	cfg := filepath.Join(t.TempDir(), "parley.yaml")
	rule := "site_rules:\n  - host: example.org\n    body: [\".statement\"]\n"
	if err := os.WriteFile(cfg, []byte(rule), 0o600); err != nil {
		t.Fatal(err)
	}
	page := `<html><head><title>Statement</title></head><body>
<div class="promo"><p>Subscribe to our newsletter for the latest briefings from the ministry every morning, delivered to your inbox.</p></div>
<div class="statement"><p>The ministry welcomes the agreement reached in Abu Dhabi on the exchange of prisoners.</p><p>It thanks the United Arab Emirates for their mediation and calls on all parties to implement the agreement in full and without delay.</p></div>
</body></html>`
	var out, errOut strings.Builder
	env := Env{Stdin: strings.NewReader(page), Stdout: &out, Stderr: &errOut, Getenv: func(string) string { return "" }}
	if code := Main(context.Background(), []string{"extract", "--config", cfg, "--url", "https://www.example.org/statements/1", "-"}, env); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	if !strings.Contains(out.String(), `"body": "The ministry welcomes the agreement reached in Abu Dhabi on the exchange of prisoners.\n\nIt thanks the United Arab Emirates`) {
		t.Errorf("site rule not applied:\n%s", out.String())
	}
}

// The politeness defaults of the contract hold, and --host-delay 0 means no
// delay rather than the default (app.Config.Defaults runs again in app.New).
func TestPolitenessDefaults(t *testing.T) {
	tests := []struct {
		args  []string
		conc  int
		delay time.Duration
	}{
		{nil, 2, time.Second},
		{[]string{"--host-delay", "0"}, 2, 0},
		{[]string{"--host-concurrency", "4", "--host-delay", "250ms"}, 4, 250 * time.Millisecond},
	}
	for _, tt := range tests {
		fs := flag.NewFlagSet("run", flag.ContinueOnError)
		fs.SetOutput(io.Discard)
		cfg, _, err := loadConfig(fs, tt.args, func(string) string { return "" })
		if err != nil {
			t.Fatal(err)
		}
		cfg.Defaults()
		if cfg.HostConcurrency != tt.conc || cfg.HostDelay != tt.delay {
			t.Errorf("%v: host concurrency %d, delay %v; want %d, %v", tt.args, cfg.HostConcurrency, cfg.HostDelay, tt.conc, tt.delay)
		}
	}
}
