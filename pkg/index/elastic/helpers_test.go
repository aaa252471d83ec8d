package elastic

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/parley-news/parley/pkg/article"
	"github.com/parley-news/parley/pkg/internal/sharedtest"
)

// esURL is the real Elasticsearch the integration tests run against
// (`make test` sets it from scripts/es.sh up).
func esURL(tb testing.TB) string {
	tb.Helper()
	return sharedtest.ESURL(tb)
}

var nonName = regexp.MustCompile(`[^a-z0-9]+`)

// uniqueAlias is an alias name no other test uses.
func uniqueAlias(tb testing.TB) string {
	var b [4]byte
	_, _ = rand.Read(b[:])
	n := strings.Trim(nonName.ReplaceAllString(strings.ToLower(tb.Name()), "-"), "-")
	if len(n) > 40 {
		n = n[:40]
	}
	return "parley-test-" + n + "-" + hex.EncodeToString(b[:])
}

func testLogger(tb testing.TB) *slog.Logger {
	return slog.New(slog.NewTextHandler(testWriter{tb}, &slog.HandlerOptions{Level: slog.LevelInfo}))
}

type testWriter struct{ tb testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.tb.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// cleanup deletes the alias's indices and template.
func cleanup(tb testing.TB, url, alias string) {
	tb.Cleanup(func() {
		rawDo(tb, url, http.MethodDelete, "/"+alias+"-*?expand_wildcards=all&ignore_unavailable=true", nil)
		rawDo(tb, url, http.MethodDelete, "/"+alias+"?ignore_unavailable=true", nil)
		rawDo(tb, url, http.MethodDelete, "/_index_template/"+alias, nil)
	})
}

// openTest opens an index on a fresh alias, deleted after the test.
func openTest(tb testing.TB, mod func(*Config)) *Index {
	tb.Helper()
	url := esURL(tb)
	cfg := Config{URLs: []string{url}, Index: uniqueAlias(tb)}
	if mod != nil {
		mod(&cfg)
	}
	cleanup(tb, url, cfg.Index)
	ix, err := Open(context.Background(), cfg, testLogger(tb))
	if err != nil {
		tb.Fatalf("open: %v", err)
	}
	tb.Cleanup(func() {
		if err := ix.Close(); err != nil {
			tb.Errorf("close: %v", err)
		}
	})
	return ix
}

// rawDo sends a request straight to Elasticsearch, bypassing the backend.
func rawDo(tb testing.TB, url, method, path string, body any) (int, []byte) {
	tb.Helper()
	var rd io.Reader
	if body != nil {
		switch b := body.(type) {
		case string:
			rd = strings.NewReader(b)
		case []byte:
			rd = bytes.NewReader(b)
		default:
			data, err := json.Marshal(b)
			if err != nil {
				tb.Fatal(err)
			}
			rd = bytes.NewReader(data)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, url+path, rd)
	if err != nil {
		tb.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		tb.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	data, _ := io.ReadAll(res.Body)
	return res.StatusCode, data
}

func rawJSON(tb testing.TB, url, method, path string, body any, out any) {
	tb.Helper()
	st, data := rawDo(tb, url, method, path, body)
	if st >= 300 {
		tb.Fatalf("%s %s: status %d: %s", method, path, st, data)
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			tb.Fatalf("%s %s: decode: %v: %s", method, path, err, data)
		}
	}
}

// fixtures are the articles in testdata/articles.json.
func fixtures(tb testing.TB) []*article.Article {
	tb.Helper()
	data, err := os.ReadFile("testdata/articles.json")
	if err != nil {
		tb.Fatal(err)
	}
	var arts []*article.Article
	if err := json.Unmarshal(data, &arts); err != nil {
		tb.Fatal(err)
	}
	return arts
}

// versionSuffix ends the name of the index Open creates behind an alias.
var versionSuffix = fmt.Sprintf("-v%d", MappingVersion)

// mustIndex indexes arts, fails on any error, and refreshes.
func mustIndex(tb testing.TB, ix *Index, arts []*article.Article) {
	tb.Helper()
	ctx := context.Background()
	for i, err := range ix.Index(ctx, arts) {
		if err != nil {
			tb.Fatalf("index %s: %v", arts[i].ID, err)
		}
	}
	if err := ix.Refresh(ctx); err != nil {
		tb.Fatal(err)
	}
}
