// Package cli is the `parley` command line (docs/contract.md, Programs): it reads settings
// from flags, PARLEY_* environment variables and a YAML config file (in that
// order of precedence), and runs the subcommands. Mains call Main.
package cli

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/parley-news/parley/pkg/app"
	"github.com/parley-news/parley/pkg/extract"
)

// envName is the environment variable of a flag: es-url -> PARLEY_ES_URL.
func envName(flagName string) string {
	return "PARLEY_" + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// bindConfig registers a flag for every tagged field of cfg on fs.
func bindConfig(fs *flag.FlagSet, cfg *app.Config) {
	v := reflect.ValueOf(cfg).Elem()
	t := v.Type()
	for i := range t.NumField() {
		f := t.Field(i)
		name := f.Tag.Get("flag")
		if name == "" || name == "-" {
			continue
		}
		help := f.Tag.Get("help") + " (env " + envName(name) + ")"
		p := v.Field(i).Addr().Interface()
		switch ptr := p.(type) {
		case *string:
			fs.StringVar(ptr, name, *ptr, help)
		case *bool:
			fs.BoolVar(ptr, name, *ptr, help)
		case *int:
			fs.IntVar(ptr, name, *ptr, help)
		case *time.Duration:
			fs.DurationVar(ptr, name, *ptr, help)
		default:
			panic(fmt.Sprintf("cli: config field %s has an unsupported type", f.Name))
		}
	}
}

// loadConfig parses args into cfg: defaults, then the config file
// (--config or PARLEY_CONFIG), then the environment, then the flags given.
func loadConfig(fs *flag.FlagSet, args []string, getenv func(string) string) (app.Config, []string, error) {
	var cfg app.Config
	cfg.Defaults()
	cfg.NATSListen = app.DefaultNATSListen
	var configFile string
	fs.StringVar(&configFile, "config", "", "YAML config file with the same settings (snake_case keys) plus rules (env PARLEY_CONFIG)")
	bindConfig(fs, &cfg)
	if err := fs.Parse(args); err != nil {
		return cfg, nil, err
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if configFile == "" {
		configFile = getenv("PARLEY_CONFIG")
	}
	// Lower layers are applied under the flags the user gave.
	if configFile != "" {
		values, rules, siteRules, err := readConfigFile(configFile)
		if err != nil {
			return cfg, nil, err
		}
		keys := make([]string, 0, len(values))
		for k := range values {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			name := strings.ReplaceAll(k, "_", "-")
			f := fs.Lookup(name)
			if f == nil || name == "config" {
				return cfg, nil, fmt.Errorf("config %s: unknown setting %q", configFile, k)
			}
			if set[name] || getenv(envName(name)) != "" {
				continue
			}
			if err := f.Value.Set(values[k]); err != nil {
				return cfg, nil, fmt.Errorf("config %s: %s: %w", configFile, k, err)
			}
		}
		cfg.Rules = rules
		cfg.SiteRules = siteRules
	}
	var errs []error
	fs.VisitAll(func(f *flag.Flag) {
		if set[f.Name] || f.Name == "config" {
			return
		}
		if v := getenv(envName(f.Name)); v != "" {
			if err := f.Value.Set(v); err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", envName(f.Name), err))
			}
		}
	})
	if err := errors.Join(errs...); err != nil {
		return cfg, nil, err
	}
	return cfg, fs.Args(), nil
}

// siteRule is one entry of site_rules in the config file.
type siteRule struct {
	Host   string   `yaml:"host"`
	Body   []string `yaml:"body"`
	Remove []string `yaml:"remove"`
	Title  string   `yaml:"title"`
	Date   string   `yaml:"date"`
	Author string   `yaml:"author"`
}

// readConfigFile reads the YAML config: scalar settings as strings (to be
// parsed like flags), the rules and the per-site extraction rules.
func readConfigFile(path string) (map[string]string, []app.Rule, []extract.SiteRule, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("config: %w", err)
	}
	var doc map[string]yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, nil, nil, fmt.Errorf("config %s: %w", path, err)
	}
	values := map[string]string{}
	var rules []app.Rule
	var sites []extract.SiteRule
	for k, n := range doc {
		switch k {
		case "rules":
			if err := n.Decode(&rules); err != nil {
				return nil, nil, nil, fmt.Errorf("config %s: rules: want a list of {name, query}: %w", path, err)
			}
			continue
		case "site_rules":
			var raw []siteRule
			if err := n.Decode(&raw); err != nil {
				return nil, nil, nil, fmt.Errorf("config %s: site_rules: want a list of {host, body, remove, title, date, author}: %w", path, err)
			}
			for _, r := range raw {
				sites = append(sites, extract.SiteRule{Host: r.Host, Body: r.Body, Remove: r.Remove, Title: r.Title, Date: r.Date, Author: r.Author})
			}
			continue
		}
		if n.Kind != yaml.ScalarNode {
			return nil, nil, nil, fmt.Errorf("config %s: %s: want a single value", path, k)
		}
		values[k] = n.Value
	}
	return values, rules, sites, nil
}

// describeFlags writes the flags of fs, one per line.
func describeFlags(w io.Writer, fs *flag.FlagSet) {
	fs.VisitAll(func(f *flag.Flag) {
		def := ""
		if f.DefValue != "" && f.DefValue != "false" && f.DefValue != "0" && f.DefValue != "0s" {
			def = " (default " + strconv.Quote(f.DefValue) + ")"
		}
		fmt.Fprintf(w, "  --%s%s\n        %s\n", f.Name, def, f.Usage)
	})
}
