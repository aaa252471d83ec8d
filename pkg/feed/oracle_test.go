package feed

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/parley-news/parley/pkg/internal/sharedtest"
)

// oracleLine is one line of fixtures/feeds/oracle.jsonl: what Python
// feedparser makes of a document.
type oracleLine struct {
	File      string    `json:"file"`
	Items     int       `json:"items"`
	Title     *string   `json:"title"`
	Links     []*string `json:"links"`
	Published []*string `json:"published"`
}

// TestOracle parses every document of the shared fixture corpus and compares
// item counts (the acceptance figure), links and dates with feedparser's.
func TestOracle(t *testing.T) {
	dir := sharedtest.Dir(t, "fixtures/feeds")
	f, err := os.Open(filepath.Join(dir, "oracle.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()

	var (
		total, withItems, countOK       int
		linkFiles, linkOK               int
		dateFiles, dateOK               int
		errorsOn                        int
		countMiss, linkMiss, dateMisses []string
		errList                         []string
		rwWithItems, rwCountOK          int
		titleFiles, titleOK             int
		titleMiss                       []string
	)
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		var o oracleLine
		if err := json.Unmarshal(sc.Bytes(), &o); err != nil {
			t.Fatalf("oracle line: %v", err)
		}
		body, err := os.ReadFile(filepath.Join(dir, o.File))
		if err != nil {
			t.Fatal(err)
		}
		total++
		if bytes.HasPrefix(body, []byte{0x1f, 0x8b}) {
			// Compressed files as served: in parley, pkg/fetch inflates
			// them (declared or not) before the parser sees them.
			if zr, err := gzip.NewReader(bytes.NewReader(body)); err == nil {
				if inflated, err := io.ReadAll(zr); err == nil {
					body = inflated
				}
			}
		}
		got, perr := parseNoPanic(t, o.File, body)
		if perr != nil {
			errorsOn++
			errList = append(errList, fmt.Sprintf("%s (oracle items %d): %v", o.File, o.Items, perr))
		}
		if o.Title != nil && strings.TrimSpace(*o.Title) != "" {
			titleFiles++
			if got != nil && strings.TrimSpace(got.Title) == strings.TrimSpace(*o.Title) {
				titleOK++
			} else {
				have := "<error>"
				if got != nil {
					have = got.Title
				}
				titleMiss = append(titleMiss, fmt.Sprintf("%s: oracle %q, ours %q", o.File, *o.Title, have))
			}
		}
		if o.Items == 0 {
			continue
		}
		withItems++
		realWorld := strings.HasPrefix(o.File, "real-world/")
		if realWorld {
			rwWithItems++
		}
		n := 0
		if got != nil {
			n = len(got.Items)
		}
		if n != o.Items {
			countMiss = append(countMiss, fmt.Sprintf("%s: oracle %d, ours %d (err %v)", o.File, o.Items, n, perr))
			continue
		}
		countOK++
		if realWorld {
			rwCountOK++
		}

		linkFiles++
		linksEqual := true
		for i, want := range o.Links {
			if deref(want) != got.Items[i].Link {
				linksEqual = false
				linkMiss = append(linkMiss, fmt.Sprintf("%s[%d]: oracle %q, ours %q", o.File, i, deref(want), got.Items[i].Link))
				break
			}
		}
		if linksEqual {
			linkOK++
		}

		dateFiles++
		datesEqual := true
		for i, want := range o.Published {
			var have string
			if p := got.Items[i].Published; p != nil {
				have = p.UTC().Format(time.RFC3339)
			} else if u := got.Items[i].Updated; u != nil {
				have = u.UTC().Format(time.RFC3339)
			}
			if deref(want) != have {
				datesEqual = false
				dateMisses = append(dateMisses, fmt.Sprintf("%s[%d]: oracle %q, ours %q", o.File, i, deref(want), have))
				break
			}
		}
		if datesEqual {
			dateOK++
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}

	pct := func(a, b int) float64 { return 100 * float64(a) / float64(max(b, 1)) }
	t.Logf("oracle: %d documents, %d returned an error", total, errorsOn)
	t.Logf("item count agreement: %d/%d = %.2f%% (documents where the oracle has items)", countOK, withItems, pct(countOK, withItems))
	t.Logf("item count agreement on real-world/: %d/%d = %.2f%%", rwCountOK, rwWithItems, pct(rwCountOK, rwWithItems))
	t.Logf("link agreement: %d/%d = %.2f%% (documents with matching counts whose every link equals the oracle's)", linkOK, linkFiles, pct(linkOK, linkFiles))
	t.Logf("date agreement: %d/%d = %.2f%% (published, else updated)", dateOK, dateFiles, pct(dateOK, dateFiles))
	t.Logf("feed title agreement: %d/%d = %.2f%% (documents where the oracle has a title)", titleOK, titleFiles, pct(titleOK, titleFiles))
	if testing.Verbose() {
		t.Logf("title mismatches (%d):\n  %s", len(titleMiss), strings.Join(titleMiss, "\n  "))
	}
	t.Logf("count mismatches (%d):\n  %s", len(countMiss), strings.Join(countMiss, "\n  "))
	t.Logf("link mismatches (%d):\n  %s", len(linkMiss), strings.Join(linkMiss, "\n  "))
	if testing.Verbose() {
		t.Logf("errors (%d):\n  %s", len(errList), strings.Join(errList, "\n  "))
		t.Logf("date mismatches (%d):\n  %s", len(dateMisses), strings.Join(dateMisses, "\n  "))
	}
	if pct(countOK, withItems) < 99.5 {
		t.Errorf("item count agreement %.2f%% is below 99.5%%", pct(countOK, withItems))
	}
}

func parseNoPanic(t *testing.T, name string, body []byte) (f *Feed, err error) {
	defer func() {
		if r := recover(); r != nil {
			t.Errorf("Parse(%s) panicked: %v", name, r)
			f, err = nil, fmt.Errorf("panic: %v", r)
		}
	}()
	return Parse(body, "", "")
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
