package bus

import (
	"context"
	"strings"
	"testing"
)

// TestCheck holds the comparisons Check makes at start: a stream that ends
// before where it ended, a bucket that keeps everything holding fewer
// entries with no write since, and a gap inside a stream parley never
// deletes from are reported; the same state, or no marks, are not.
func TestCheck(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name  string
		setup func(t *testing.T, b *Bus) map[string]Mark
		want  []string // substrings of the one report expected; none: no report
	}{
		{"no marks", func(t *testing.T, b *Bus) map[string]Mark { return nil }, nil},
		{"unchanged", func(t *testing.T, b *Bus) map[string]Mark {
			publishN(t, b, 3)
			return marks(t, b)
		}, nil},
		{"grew", func(t *testing.T, b *Bus) map[string]Mark {
			m := marks(t, b)
			publishN(t, b, 3)
			return m
		}, nil},
		{"stream ends earlier", func(t *testing.T, b *Bus) map[string]Mark {
			publishN(t, b, 3)
			m := marks(t, b)
			am := m[StreamArticles]
			am.LastSeq, am.Msgs = 10, 10
			m[StreamArticles] = am
			return m
		}, []string{"stream PARLEY_ARTICLES ends at message 3 but held messages up to 10", "the last 7 messages are lost"}},
		{"feed set lost entries", func(t *testing.T, b *Bus) map[string]Mark {
			if _, err := b.KV(BucketFeeds).Put(ctx, "k1", []byte(`{"url":"https://news.example/feed.xml"}`)); err != nil {
				t.Fatal(err)
			}
			m := marks(t, b)
			fm := m["KV_"+BucketFeeds]
			fm.Msgs = 5
			m["KV_"+BucketFeeds] = fm
			return m
		}, []string{"the feed set (bucket parley_feeds) holds 1 entries but held 5", "must be added again"}},
		{"gap inside a stream", func(t *testing.T, b *Bus) map[string]Mark {
			publishN(t, b, 3)
			s, err := b.js.Stream(ctx, StreamArticles)
			if err != nil {
				t.Fatal(err)
			}
			if err := s.DeleteMsg(ctx, 2); err != nil {
				t.Fatal(err)
			}
			return nil
		}, []string{"stream PARLEY_ARTICLES is missing 1 messages between messages 1 and 3"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := newTestBus(t)
			prev := tc.setup(t, b)
			found, err := b.Check(ctx, prev)
			if err != nil {
				t.Fatal(err)
			}
			if len(tc.want) == 0 {
				if len(found) > 0 || len(b.Damage()) > 0 {
					t.Errorf("reported %q", found)
				}
				return
			}
			if len(found) != 1 || len(b.Damage()) != 1 {
				t.Fatalf("reported %q (damage %q), want one report", found, b.Damage())
			}
			for _, w := range tc.want {
				if !strings.Contains(found[0], w) {
					t.Errorf("report %q does not say %q", found[0], w)
				}
			}
		})
	}
}

func marks(t *testing.T, b *Bus) map[string]Mark {
	t.Helper()
	m, err := b.Marks(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func publishN(t *testing.T, b *Bus, n int) {
	t.Helper()
	for i := range n {
		if _, err := b.js.Publish(context.Background(), SubjectArticles+".en", []byte{byte('a' + i)}); err != nil {
			t.Fatal(err)
		}
	}
}
