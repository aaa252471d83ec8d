package enrich

import (
	"os"
	"path/filepath"
	"testing"
	"unicode/utf8"

	"github.com/parley-news/parley/pkg/feed"
	"github.com/parley-news/parley/pkg/internal/sharedtest"
)

func TestDbg2Tmp(t *testing.T) {
	dir := sharedtest.Dir(t, "fixtures/feeds/real-world")
	e := newTestEnricher(t)
	for _, f := range []string{"miniflux_encoding_WINDOWS-1251.xml", "nodefp_iconv.xml", "rssparser_guardian.rss", "rsparser_livemint.xml", "nodefp_tpm.atom", "rssparser_encoding.rss", "rsparser_aktuality.rss", "miniflux_urdu_UTF8.xml", "rome_rsr.xml"} {
		b, _ := os.ReadFile(filepath.Join(dir, f))
		fd, _ := feed.Parse(b, "", "")
		for i, it := range fd.Items {
			a := itemArticle(it, fd.Language)
			e.Enrich(a)
			text := a.Title + "\n\n" + a.Body
			toks := e.g.tokenize(text, nil)
			ms := e.g.disambiguate(text, toks, e.g.match(toks, a.Language, nil))
			for _, m := range ms {
				t.Logf("%s #%d %q -> %s %s", f, i, text[toks[m.from].start:toks[m.to-1].end], e.g.entries[m.entry].Kind, e.g.entries[m.entry].Name)
			}
		}
	}
	for k := range e.g.byFirst {
		if utf8.RuneCountInString(k) <= 3 {
			for _, ai := range e.g.byFirst[k] {
				a := e.g.aliases[ai]
				if len(a.keys) == 1 && a.entry >= 0 {
					t.Logf("short key %q -> %s", k, e.g.entries[a.entry].Name)
				}
			}
		}
	}
}
