package elastic

import (
	"context"
	"errors"
	"testing"

	"github.com/parley-news/parley/pkg/article"
)

// TestOpenCredentials runs against a node with security on (a third
// instance, started by scripts/es.sh with PARLEY_ES_SECURITY=1): no or
// wrong credentials fail at Open with ErrUnauthorized, the right password
// works. (API keys cannot be tested on the integ-test distribution: the
// security index's mapping needs analysis-common, which it lacks.)
func TestOpenCredentials(t *testing.T) {
	const password = "parley-test-password"
	url := startES(t, "secure", 9270, "PARLEY_ES_SECURITY=1", "PARLEY_ES_PASSWORD="+password)

	tests := []struct {
		name     string
		cfg      Config
		wantAuth bool
	}{
		{name: "no credentials", wantAuth: true},
		{name: "wrong password", cfg: Config{Username: "elastic", Password: "wrong"}, wantAuth: true},
		{name: "password", cfg: Config{Username: "elastic", Password: password}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := tt.cfg
			cfg.URLs = []string{url}
			cfg.Index = uniqueAlias(t)
			ix, err := Open(context.Background(), cfg, testLogger(t))
			if tt.wantAuth {
				if !errors.Is(err, ErrUnauthorized) {
					t.Errorf("open: %v, want ErrUnauthorized", err)
				}
				if err == nil {
					ix.Close()
				}
				return
			}
			if err != nil {
				t.Fatalf("open: %v", err)
			}
			defer ix.Close()
			mustIndex(t, ix, []*article.Article{fixtures(t)[0]})
			if n, err := ix.Count(context.Background()); err != nil || n != 1 {
				t.Errorf("count %d (%v), want 1", n, err)
			}
		})
	}
}
