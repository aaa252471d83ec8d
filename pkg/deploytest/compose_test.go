package deploytest

import (
	"context"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/types"

	"github.com/parley-news/parley/pkg/internal/sharedtest"
)

// loadCompose loads docker-compose.yml with the values of .env.example, as
// `docker compose` would with that file as .env.
func loadCompose(t *testing.T, env ...string) *types.Project {
	t.Helper()
	root := sharedtest.RepoRoot(t)
	opts := []cli.ProjectOptionsFn{cli.WithWorkingDirectory(root), cli.WithName("parley"), cli.WithEnv(env)}
	if len(env) == 0 {
		opts = append(opts, cli.WithEnvFiles(filepath.Join(root, ".env.example")), cli.WithDotEnv)
	}
	o, err := cli.NewProjectOptions([]string{filepath.Join(root, "docker-compose.yml")}, opts...)
	if err != nil {
		t.Fatal(err)
	}
	p, err := o.LoadProject(context.Background())
	if err != nil {
		t.Fatalf("load docker-compose.yml: %v", err)
	}
	return p
}

func env(s types.ServiceConfig, k string) string {
	if v, ok := s.Environment[k]; ok && v != nil {
		return *v
	}
	return ""
}

func TestComposeServices(t *testing.T) {
	p := loadCompose(t)
	oneShot := map[string]bool{"es-setup": true, "kibana-setup": true}
	want := []string{"nats", "elasticsearch", "es-setup", "kibana", "kibana-setup", "fetcher", "parser", "indexer", "alerter", "api"}
	for _, name := range want {
		s, ok := p.Services[name]
		if !ok {
			t.Errorf("service %s missing", name)
			continue
		}
		if oneShot[name] {
			if s.Restart != "no" {
				t.Errorf("one-shot %s: restart %q, want no", name, s.Restart)
			}
			continue
		}
		if s.Restart != "unless-stopped" && s.Restart != "always" {
			t.Errorf("%s: restart %q, want unless-stopped", name, s.Restart)
		}
		if s.HealthCheck == nil || s.HealthCheck.Disable || len(s.HealthCheck.Test) == 0 {
			t.Errorf("%s: no health check", name)
		}
	}
	for name := range p.Services {
		if !slices.Contains(want, name) {
			t.Errorf("unexpected service %s: add it to this test", name)
		}
	}
}

func TestComposeDependencies(t *testing.T) {
	p := loadCompose(t)
	tests := []struct{ service, dep, condition string }{
		{"es-setup", "elasticsearch", types.ServiceConditionHealthy},
		{"kibana", "es-setup", types.ServiceConditionCompletedSuccessfully},
		{"kibana-setup", "kibana", types.ServiceConditionHealthy},
		{"fetcher", "nats", types.ServiceConditionHealthy},
		{"parser", "nats", types.ServiceConditionHealthy},
		{"indexer", "nats", types.ServiceConditionHealthy},
		{"alerter", "nats", types.ServiceConditionHealthy},
		{"indexer", "elasticsearch", types.ServiceConditionHealthy},
		{"indexer", "es-setup", types.ServiceConditionCompletedSuccessfully},
		{"api", "elasticsearch", types.ServiceConditionHealthy},
		{"api", "es-setup", types.ServiceConditionCompletedSuccessfully},
		{"api", "nats", types.ServiceConditionHealthy},
	}
	for _, tt := range tests {
		d, ok := p.Services[tt.service].DependsOn[tt.dep]
		if !ok {
			t.Errorf("%s does not depend on %s", tt.service, tt.dep)
			continue
		}
		if d.Condition != tt.condition {
			t.Errorf("%s depends on %s with condition %q, want %q", tt.service, tt.dep, d.Condition, tt.condition)
		}
	}
}

func TestComposeSettings(t *testing.T) {
	p := loadCompose(t)
	svc := p.Services

	// Every stage reaches NATS through the nats service's client port.
	for _, name := range []string{"fetcher", "parser", "indexer", "alerter", "api"} {
		s := svc[name]
		u, err := url.Parse(env(s, "PARLEY_NATS_URL"))
		if err != nil || u.Scheme != "nats" || u.Hostname() != "nats" || u.Port() != "4222" {
			t.Errorf("%s: PARLEY_NATS_URL %q, want nats://nats:4222", name, env(s, "PARLEY_NATS_URL"))
		}
		if h := env(s, "PARLEY_HTTP"); !strings.HasPrefix(h, "0.0.0.0:") {
			t.Errorf("%s: PARLEY_HTTP %q, want 0.0.0.0:PORT (reachable by health checks and probes)", name, h)
		} else if port := strings.TrimPrefix(h, "0.0.0.0:"); !strings.Contains(strings.Join(s.HealthCheck.Test, " "), ":"+port+"/healthz") {
			t.Errorf("%s: health check %v does not ask /healthz on port %s", name, s.HealthCheck.Test, port)
		}
		if s.Build == nil || s.Build.Context != sharedtest.RepoRoot(t) {
			t.Errorf("%s: build context %+v, want the repository root (the Go workspace)", name, s.Build)
		}
	}

	// The indexer and the API reach Elasticsearch as the user es-setup creates.
	setup := svc["es-setup"]
	for _, name := range []string{"indexer", "api"} {
		s := svc[name]
		u, err := url.Parse(env(s, "PARLEY_ES_URL"))
		if err != nil || u.Hostname() != "elasticsearch" || u.Port() != "9200" {
			t.Errorf("%s: PARLEY_ES_URL %q, want http://elasticsearch:9200", name, env(s, "PARLEY_ES_URL"))
		}
		for _, k := range []string{"PARLEY_ES_USERNAME", "PARLEY_ES_PASSWORD", "PARLEY_ES_INDEX"} {
			if env(s, k) == "" || env(s, k) != env(setup, k) {
				t.Errorf("%s: %s %q, want the value es-setup uses (%q)", name, k, env(s, k), env(setup, k))
			}
		}
	}
	// parley refuses to serve state-changing endpoints on 0.0.0.0 without a token.
	if env(svc["api"], "PARLEY_API_TOKEN") == "" {
		t.Errorf("api: no PARLEY_API_TOKEN (parley api on 0.0.0.0 refuses to start without one)")
	}
	if !slices.Equal(svc["api"].Command, types.ShellCommand{"api"}) {
		t.Errorf("api command %v, want [api] (parley api)", svc["api"].Command)
	}
	if env(svc["fetcher"], "PARLEY_FEEDS") == "" {
		t.Error("fetcher: no PARLEY_FEEDS")
	}

	// Security on, passwords from .env.
	es := svc["elasticsearch"]
	if env(es, "xpack.security.enabled") != "true" {
		t.Errorf("elasticsearch: xpack.security.enabled %q, want true", env(es, "xpack.security.enabled"))
	}
	if env(es, "ELASTIC_PASSWORD") != "change-me-elastic" {
		t.Errorf("elasticsearch: ELASTIC_PASSWORD %q, want the .env value", env(es, "ELASTIC_PASSWORD"))
	}
	kb := svc["kibana"]
	if env(kb, "ELASTICSEARCH_USERNAME") != "kibana_system" || env(kb, "ELASTICSEARCH_PASSWORD") != env(setup, "KIBANA_PASSWORD") {
		t.Errorf("kibana: user %q password %q, want kibana_system with the password es-setup sets", env(kb, "ELASTICSEARCH_USERNAME"), env(kb, "ELASTICSEARCH_PASSWORD"))
	}
	if !strings.HasPrefix(es.Image, "docker.elastic.co/elasticsearch/elasticsearch:8.19.") || !strings.HasPrefix(kb.Image, "docker.elastic.co/kibana/kibana:8.19.") {
		t.Errorf("images %s and %s, want Elasticsearch and Kibana 8.19", es.Image, kb.Image)
	}

	// NATS: JetStream on, its store on a named volume.
	n := svc["nats"]
	if cmd := strings.Join(n.Command, " "); !strings.Contains(cmd, "--jetstream") && !strings.Contains(cmd, "-js") {
		t.Errorf("nats command %q: JetStream is off", cmd)
	}
	if !hasVolume(n, "/data") || !strings.Contains(strings.Join(n.Command, " "), "/data") {
		t.Errorf("nats: the JetStream store /data is not on a volume: %+v", n.Volumes)
	}
	if !hasVolume(es, "/usr/share/elasticsearch/data") {
		t.Errorf("elasticsearch: data not on a volume: %+v", es.Volumes)
	}

	// The Kibana importer sees the saved objects.
	ks := svc["kibana-setup"]
	found := false
	for _, v := range ks.Volumes {
		if v.Source == filepath.Join(sharedtest.RepoRoot(t), "deploy", "kibana") {
			found = true
		}
	}
	if !found || !strings.Contains(strings.Join(ks.Command, " "), "_import") {
		t.Errorf("kibana-setup: does not mount deploy/kibana and import it: %+v %v", ks.Volumes, ks.Command)
	}

	// Services published only on the host's loopback.
	for name, s := range svc {
		for _, port := range s.Ports {
			if port.HostIP != "127.0.0.1" {
				t.Errorf("%s publishes %s on %q, want 127.0.0.1", name, port.Published, port.HostIP)
			}
		}
	}
}

func hasVolume(s types.ServiceConfig, target string) bool {
	for _, v := range s.Volumes {
		if v.Target == target && v.Type == types.VolumeTypeVolume {
			return true
		}
	}
	return false
}

// TestComposeRequiresPasswords: without a .env the file refuses to load
// and names the missing setting, instead of starting with empty passwords.
func TestComposeRequiresPasswords(t *testing.T) {
	root := sharedtest.RepoRoot(t)
	o, err := cli.NewProjectOptions([]string{filepath.Join(root, "docker-compose.yml")},
		cli.WithWorkingDirectory(root), cli.WithName("parley"), cli.WithEnv([]string{"STACK_VERSION=8.19.21"}))
	if err != nil {
		t.Fatal(err)
	}
	_, err = o.LoadProject(context.Background())
	if err == nil || !strings.Contains(err.Error(), "PASSWORD") {
		t.Errorf("load without passwords: %v, want an error naming the missing password", err)
	}
}

// composeImages maps each pipeline service of the compose file to the
// command under services/ its image runs.
var composeImages = map[string]string{"fetcher": "fetcher", "parser": "parser", "indexer": "indexer", "alerter": "alerter", "api": "parley"}

// TestDockerfile: every pipeline service builds the one Dockerfile with its
// command as the SERVICE argument; the image is multi-stage, static,
// non-root, with a health check, and runs the binary under the command's name.
func TestDockerfile(t *testing.T) {
	p := loadCompose(t)
	root := sharedtest.RepoRoot(t)
	data, err := os.ReadFile(filepath.Join(root, "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	df := string(data)
	checks := []struct {
		ok   bool
		what string
	}{
		{strings.Count(df, "\nFROM ") >= 2, "multi-stage build (two FROM)"},
		{strings.Contains(df, "CGO_ENABLED=0"), "static binary (CGO_ENABLED=0)"},
		{strings.Contains(df, "\nUSER ") && !strings.Contains(df, "\nUSER root") && !strings.Contains(df, "\nUSER 0"), "non-root USER"},
		{strings.Contains(df, "\nHEALTHCHECK ") && strings.Contains(df, "/healthz"), "HEALTHCHECK on /healthz"},
		{strings.Contains(df, "\nARG SERVICE=") && strings.Contains(df, "./services/${SERVICE}"), "build of ./services/${SERVICE}"},
		{strings.HasSuffix(strings.TrimSpace(df), "\nFROM service-${SERVICE}"), "final stage chosen by SERVICE"},
	}
	for _, c := range checks {
		if !c.ok {
			t.Errorf("Dockerfile: no %s", c.what)
		}
	}

	// The dependency download step runs with go.work in place, so it needs
	// the module file of every module the workspace uses.
	work, err := os.ReadFile(filepath.Join(root, "go.work"))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(work), "\n") {
		dir, ok := strings.CutPrefix(strings.TrimSpace(line), "./")
		if !ok {
			continue
		}
		if !strings.Contains(df, "\nCOPY "+dir+"/go.mod "+dir+"/go.sum "+dir+"/\n") {
			t.Errorf("Dockerfile does not copy %s/go.mod and go.sum before downloading the modules (go.work uses %s)", dir, dir)
		}
	}

	for name, cmd := range composeImages {
		b := p.Services[name].Build
		if b == nil {
			t.Errorf("%s: no build", name)
			continue
		}
		if filepath.Join(b.Context, b.Dockerfile) != filepath.Join(root, "Dockerfile") {
			t.Errorf("%s: dockerfile %s in %s, want the repository's Dockerfile", name, b.Dockerfile, b.Context)
		}
		if v := b.Args["SERVICE"]; v == nil || *v != cmd {
			got := "unset"
			if v != nil {
				got = *v
			}
			t.Errorf("%s: build arg SERVICE %s, want %s", name, got, cmd)
		}
		if _, err := os.Stat(filepath.Join(root, "services", cmd, "main.go")); err != nil {
			t.Errorf("%s: %v", name, err)
		}
		bin := "/usr/local/bin/parley-" + cmd
		if cmd == "parley" {
			bin = "/usr/local/bin/parley"
		}
		stage := "\nFROM runtime AS service-" + cmd + "\nCOPY --from=build /out/service " + bin + "\nENTRYPOINT [\"" + bin + "\"]\n"
		if !strings.Contains(df, stage) {
			t.Errorf("%s: Dockerfile has no stage service-%s that runs %s", name, cmd, bin)
		}
	}
}
