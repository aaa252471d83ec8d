package embedded

import (
	"context"
	"os"
	"os/exec"
	"testing"
)

// TestDurableWithoutClose checks "nil error = durable": a child process
// indexes the articles and exits at once, without Close; the parent then
// opens the directory and finds them all.
func TestDurableWithoutClose(t *testing.T) {
	if dir := os.Getenv("PARLEY_EMBEDDED_CRASH_DIR"); dir != "" {
		ix, err := Open(Config{Path: dir}, nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, err := range ix.Index(context.Background(), testArticles()) {
			if err != nil {
				t.Fatal(err)
			}
		}
		os.Exit(0) // no Close: as if the process died here
	}
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestDurableWithoutClose$")
	cmd.Env = append(os.Environ(), "PARLEY_EMBEDDED_CRASH_DIR="+dir)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("child: %v\n%s", err, out)
	}
	ix := openTest(t, Config{Path: dir})
	n, err := ix.Count(context.Background())
	if err != nil || n != len(testArticles()) {
		t.Fatalf("after the child exited without Close: Count = %d, %v; want %d", n, err, len(testArticles()))
	}
	if _, err := ix.Article(context.Background(), "a6"); err != nil {
		t.Fatal(err)
	}
}
