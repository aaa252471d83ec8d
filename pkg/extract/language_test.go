package extract

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mmcdole/gofeed"

	"github.com/parley-news/parley/pkg/internal/sharedtest"
)

func TestIsoLang(t *testing.T) {
	tests := map[string]string{
		"en-US": "en", "en_GB": "en", "DE": "de", "fra": "fr", "English": "en", "": "", "x": "", "pt-BR,pt": "pt",
	}
	for in, want := range tests {
		if got := isoLang(in); got != want {
			t.Errorf("isoLang(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestLanguageAgainstFeeds measures language detection on the items of
// the real feeds in ../shared/fixtures/feeds against the language each
// feed declares: detection alone, and the declared-then-verified chain that
// Extract uses (the feed's language as the hint).
func TestLanguageAgainstFeeds(t *testing.T) {
	dir := sharedtest.Dir(t, "fixtures/feeds/real-world")
	files, err := filepath.Glob(filepath.Join(dir, "*"))
	if err != nil {
		t.Fatal(err)
	}
	var items, detectedOK, chainOK int
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil || bytes.HasPrefix(raw, []byte{0x1f, 0x8b}) {
			continue
		}
		feed, err := gofeed.NewParser().ParseString(string(raw))
		if err != nil {
			continue
		}
		declared := isoLang(feed.Language)
		if declared == "" {
			continue
		}
		for _, it := range feed.Items {
			text := strings.TrimSpace(it.Title + "\n\n" + FragmentText(firstNonEmpty(it.Content, it.Description)))
			if len([]rune(text)) < 200 {
				continue
			}
			items++
			if pickLanguage(&meta{}, Hints{}, text, "") == declared {
				detectedOK++
			}
			got := pickLanguage(&meta{}, Hints{Language: feed.Language}, text, "")
			if got == declared {
				chainOK++
			} else {
				t.Logf("%s: declared %s, chain says %s: %.80q", filepath.Base(f), declared, got, text)
			}
		}
	}
	if items == 0 {
		t.Skip("no feed items with a declared language and enough text")
	}
	t.Logf("%d items: detection alone agrees with the declared language on %.1f%%, the chain on %.1f%%",
		items, 100*float64(detectedOK)/float64(items), 100*float64(chainOK)/float64(items))
	if float64(chainOK) < 0.95*float64(items) {
		t.Errorf("the language chain agrees with the feeds' declared language on %d of %d items; want 95%%", chainOK, items)
	}
}
