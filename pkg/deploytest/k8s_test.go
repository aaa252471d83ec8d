package deploytest

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/parley-news/parley/pkg/internal/sharedtest"
)

// k8sObject is the part of a manifest the checks read.
type k8sObject struct {
	APIVersion string `yaml:"apiVersion"`
	Kind       string `yaml:"kind"`
	Metadata   struct {
		Name      string `yaml:"name"`
		Namespace string `yaml:"namespace"`
	} `yaml:"metadata"`
	Data map[string]string `yaml:"data"`
	Spec struct {
		Replicas       *int `yaml:"replicas"`
		ScaleTargetRef struct {
			Kind string `yaml:"kind"`
			Name string `yaml:"name"`
		} `yaml:"scaleTargetRef"`
		MinReplicas int `yaml:"minReplicas"`
		MaxReplicas int `yaml:"maxReplicas"`
		Template    struct {
			Spec struct {
				Containers []container `yaml:"containers"`
				Volumes    []struct {
					Name   string `yaml:"name"`
					Secret *struct {
						SecretName string `yaml:"secretName"`
					} `yaml:"secret"`
				} `yaml:"volumes"`
			} `yaml:"spec"`
		} `yaml:"template"`
	} `yaml:"spec"`
}

type probe struct {
	HTTPGet *struct {
		Path string `yaml:"path"`
		Port any    `yaml:"port"`
	} `yaml:"httpGet"`
}

type container struct {
	Name    string   `yaml:"name"`
	Image   string   `yaml:"image"`
	Args    []string `yaml:"args"`
	EnvFrom []struct {
		ConfigMapRef struct {
			Name string `yaml:"name"`
		} `yaml:"configMapRef"`
	} `yaml:"envFrom"`
	Env []struct {
		Name string `yaml:"name"`
	} `yaml:"env"`
	LivenessProbe  *probe `yaml:"livenessProbe"`
	ReadinessProbe *probe `yaml:"readinessProbe"`
	Resources      struct {
		Requests map[string]string `yaml:"requests"`
		Limits   map[string]string `yaml:"limits"`
	} `yaml:"resources"`
	VolumeMounts []struct {
		Name      string `yaml:"name"`
		MountPath string `yaml:"mountPath"`
	} `yaml:"volumeMounts"`
}

func k8sObjects(t *testing.T) []k8sObject {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(sharedtest.RepoRoot(t), "deploy", "k8s", "*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no deploy/k8s/*.yaml (%v)", err)
	}
	var objs []k8sObject
	for _, f := range files {
		if filepath.Base(f) == "kustomization.yaml" {
			continue
		}
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		dec := yaml.NewDecoder(bytes.NewReader(data))
		for {
			var o k8sObject
			err := dec.Decode(&o)
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatalf("%s: %v", filepath.Base(f), err)
			}
			if o.Kind == "" {
				continue
			}
			objs = append(objs, o)
		}
	}
	return objs
}

func TestK8sStages(t *testing.T) {
	objs := k8sObjects(t)
	deployments := map[string]k8sObject{}
	hpas := map[string]k8sObject{}
	configs := map[string]map[string]string{}
	for _, o := range objs {
		switch o.Kind {
		case "Deployment":
			deployments[o.Metadata.Name] = o
		case "HorizontalPodAutoscaler":
			hpas[o.Spec.ScaleTargetRef.Name] = o
		case "ConfigMap":
			configs[o.Metadata.Name] = o.Data
		}
	}
	tests := []struct {
		name     string
		es       bool
		hpa      bool
		args     []string
		imageHas string
	}{
		{name: "fetcher", imageHas: "parley-fetcher"},
		{name: "parser", hpa: true, imageHas: "parley-parser"},
		{name: "indexer", es: true, hpa: true, imageHas: "parley-indexer"},
		{name: "alerter", imageHas: "parley-alerter"},
		{name: "api", es: true, args: []string{"api"}, imageHas: "parley"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, ok := deployments[tt.name]
			if !ok {
				t.Fatalf("no Deployment %s", tt.name)
			}
			if tt.name == "fetcher" && (d.Spec.Replicas == nil || *d.Spec.Replicas < 2) {
				t.Errorf("fetcher replicas %v: want several sharing the feed set", d.Spec.Replicas)
			}
			cs := d.Spec.Template.Spec.Containers
			if len(cs) != 1 {
				t.Fatalf("%d containers, want 1", len(cs))
			}
			c := cs[0]
			if !strings.Contains(c.Image, tt.imageHas) {
				t.Errorf("image %s, want %s", c.Image, tt.imageHas)
			}
			if strings.Join(c.Args, " ") != strings.Join(tt.args, " ") {
				t.Errorf("args %v, want %v", c.Args, tt.args)
			}
			for what, p := range map[string]*probe{"liveness": c.LivenessProbe, "readiness": c.ReadinessProbe} {
				if p == nil || p.HTTPGet == nil || p.HTTPGet.Path != "/healthz" {
					t.Errorf("%s probe: want httpGet /healthz", what)
				}
			}
			if c.Resources.Requests["cpu"] == "" || c.Resources.Requests["memory"] == "" || c.Resources.Limits["memory"] == "" {
				t.Errorf("resources %+v: want cpu and memory requests and a memory limit", c.Resources)
			}
			env := map[string]string{}
			for _, ef := range c.EnvFrom {
				cm, ok := configs[ef.ConfigMapRef.Name]
				if !ok {
					t.Errorf("envFrom ConfigMap %s is not defined", ef.ConfigMapRef.Name)
				}
				for k, v := range cm {
					env[k] = v
				}
			}
			for _, e := range c.Env {
				env[e.Name] = "(from secret)"
			}
			if !strings.HasPrefix(env["PARLEY_NATS_URL"], "nats://") {
				t.Errorf("PARLEY_NATS_URL %q", env["PARLEY_NATS_URL"])
			}
			if !strings.HasSuffix(env["PARLEY_HTTP"], ":8080") || !strings.HasPrefix(env["PARLEY_HTTP"], "0.0.0.0:") {
				t.Errorf("PARLEY_HTTP %q, want 0.0.0.0:8080 (the probes' port)", env["PARLEY_HTTP"])
			}
			if tt.name == "api" && env["PARLEY_API_TOKEN"] == "" {
				t.Errorf("no PARLEY_API_TOKEN (parley api on 0.0.0.0 refuses to start without one)")
			}
			if tt.es {
				for _, k := range []string{"PARLEY_ES_URL", "PARLEY_ES_USERNAME", "PARLEY_ES_PASSWORD", "PARLEY_ES_CA_CERT"} {
					if env[k] == "" {
						t.Errorf("no %s", k)
					}
				}
				mounted := false
				for _, m := range c.VolumeMounts {
					if strings.HasPrefix(env["PARLEY_ES_CA_CERT"], m.MountPath+"/") {
						mounted = true
					}
				}
				if !mounted {
					t.Errorf("PARLEY_ES_CA_CERT %s is not under a mounted volume", env["PARLEY_ES_CA_CERT"])
				}
			} else if env["PARLEY_ES_URL"] != "" {
				t.Errorf("PARLEY_ES_URL set for a stage that does not use Elasticsearch")
			}
			h, ok := hpas[tt.name]
			if ok != tt.hpa {
				t.Errorf("autoscaler: %v, want %v", ok, tt.hpa)
			}
			if ok && (h.Spec.ScaleTargetRef.Kind != "Deployment" || h.Spec.MinReplicas < 1 || h.Spec.MaxReplicas <= h.Spec.MinReplicas) {
				t.Errorf("autoscaler %+v: want a Deployment target and min < max", h.Spec)
			}
		})
	}
}

func TestK8sReadme(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(sharedtest.RepoRoot(t), "deploy", "k8s", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"nats/nats", "eck-operator", "kubectl apply -k"} {
		if !strings.Contains(string(data), want) {
			t.Errorf("deploy/k8s/README.md does not say %q", want)
		}
	}
}
