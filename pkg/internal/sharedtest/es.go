package sharedtest

import (
	"os"
	"strings"
	"testing"
)

// ESURL is the real Elasticsearch the integration tests run against,
// PARLEY_TEST_ES_URL (`make test` starts one with scripts/es.sh up and sets
// it). Where it is unset, a user's own run skips the test saying how to
// run it; in CI (CI set to true, as every CI service sets it) the test
// fails instead, so CI cannot pass without having tested against
// Elasticsearch.
func ESURL(tb testing.TB) string {
	tb.Helper()
	u := strings.TrimRight(os.Getenv("PARLEY_TEST_ES_URL"), "/")
	if u != "" {
		return u
	}
	const how = "PARLEY_TEST_ES_URL is not set: start Elasticsearch with `make es-up` (scripts/es.sh up, needs Java and Maven) and set it to the URL printed last"
	if InCI() {
		tb.Fatal(how + " (CI is set: this test must run in CI)")
	}
	tb.Skip(how + "; skipping")
	return ""
}

// InCI reports whether the tests run in CI (the environment variable CI
// is true or 1).
func InCI() bool {
	switch strings.ToLower(os.Getenv("CI")) {
	case "true", "1", "yes":
		return true
	}
	return false
}
