// Package sharedtest finds the read-only ../shared folder beside the
// repository (fixtures, benchmark pages, seeds) for tests and benchmarks,
// and skips them with a clear message where it is absent, as in a user's
// own clone.
package sharedtest

import (
	"os"
	"path/filepath"
	"testing"
)

// Dir returns the absolute path of ../shared/<rel> next to the repository
// root (the folder holding go.work), or skips tb when it does not exist.
func Dir(tb testing.TB, rel string) string {
	tb.Helper()
	p, ok := Find(rel)
	if !ok {
		tb.Skipf("../shared/%s not found beside the repository; skipping (it exists in CI and in the team's checkout)", rel)
	}
	return p
}

// Find is Dir without a testing.TB, for benchmark programs.
func Find(rel string) (string, bool) {
	root, ok := findRoot()
	if !ok {
		return "", false
	}
	p := filepath.Join(filepath.Dir(root), "shared", rel)
	if _, err := os.Stat(p); err != nil {
		return "", false
	}
	return p, true
}

// RepoRoot is the repository's root, the folder holding go.work, for tests
// that read the repository's own files (deploy/, scripts/).
func RepoRoot(tb testing.TB) string {
	tb.Helper()
	root, ok := findRoot()
	if !ok {
		tb.Fatal("no go.work above the test's directory")
	}
	return root
}

func findRoot() (string, bool) {
	dir, err := os.Getwd()
	if err != nil {
		return "", false
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.work")); err == nil {
			return dir, true
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", false
		}
		dir = parent
	}
}
