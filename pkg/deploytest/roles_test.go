package deploytest

import (
	"strings"
	"testing"

	"github.com/parley-news/parley/pkg/app"
)

// roleOf is the role a container runs: the command under services/ its
// image is built from (parley-<role>), or for the parley image the
// subcommand its arguments name (`parley api`; none is `parley run`).
func roleOf(image string, args []string) string {
	name := image
	if i := strings.LastIndex(name, "/"); i >= 0 {
		name = name[i+1:]
	}
	name, _, _ = strings.Cut(name, ":")
	if role, ok := strings.CutPrefix(name, "parley-"); ok {
		return role
	}
	if name == "parley" {
		if len(args) == 0 || strings.HasPrefix(args[0], "-") {
			return "run"
		}
		return args[0]
	}
	return ""
}

// TestEveryRoleDeployed: each role parley has (app.AllRoles: what `parley
// run` runs in one process) runs in a service of its own in the compose
// file and in a Deployment of the Kubernetes manifests, so the scaled-out
// deployment does everything the single process does.
func TestEveryRoleDeployed(t *testing.T) {
	compose := map[string]string{} // role -> service
	for name, s := range loadCompose(t).Services {
		if s.Build == nil {
			continue
		}
		image := "parley"
		if v := s.Build.Args["SERVICE"]; v != nil && *v != "parley" {
			image = "parley-" + *v
		}
		if role := roleOf(image, s.Command); role != "" {
			compose[role] = name
		}
	}
	k8s := map[string]string{} // role -> Deployment
	for _, o := range k8sObjects(t) {
		if o.Kind != "Deployment" {
			continue
		}
		for _, c := range o.Spec.Template.Spec.Containers {
			if role := roleOf(c.Image, c.Args); role != "" {
				k8s[role] = o.Metadata.Name
			}
		}
	}
	for _, r := range app.AllRoles {
		if _, ok := compose[string(r)]; !ok {
			t.Errorf("docker-compose.yml runs no %s (services by role: %v)", r, compose)
		}
		if _, ok := k8s[string(r)]; !ok {
			t.Errorf("deploy/k8s has no Deployment running the %s (deployments by role: %v)", r, k8s)
		}
	}
	for role := range compose {
		if role == "run" {
			t.Errorf("docker-compose.yml runs `parley run` (every role in one container) in service %s: run each role on its own", compose[role])
		}
	}
}

func TestRoleOf(t *testing.T) {
	tests := []struct {
		image string
		args  []string
		want  string
	}{
		{"parley-fetcher:latest", nil, "fetcher"},
		{"registry.example/team/parley-alerter:v1", nil, "alerter"},
		{"parley:latest", []string{"api"}, "api"},
		{"parley:local", nil, "run"},
		{"parley", []string{"--http", ":8080"}, "run"},
		{"nats:2.11-alpine", nil, ""},
	}
	for _, tt := range tests {
		if got := roleOf(tt.image, tt.args); got != tt.want {
			t.Errorf("roleOf(%q, %v) = %q, want %q", tt.image, tt.args, got, tt.want)
		}
	}
}
