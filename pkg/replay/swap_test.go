package replay

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"testing"

	"github.com/parley-news/parley/pkg/article"
	"github.com/parley-news/parley/pkg/bus"
	"github.com/parley-news/parley/pkg/bus/bustest"
)

// aliasIndex is a new index in memory, with the live index's count given.
type aliasIndex struct {
	docs      map[string]bool
	live      int
	fail      string // the id of an article it refuses
	swapErr   error
	refreshed func() // at the first Refresh: after the first pass
	moved     bool
}

func (x *aliasIndex) Index(_ context.Context, arts []*article.Article) []error {
	errs := make([]error, len(arts))
	for i, a := range arts {
		if a.ID == x.fail {
			errs[i] = errors.New("mapping conflict")
			continue
		}
		x.docs[a.ID] = true
	}
	return errs
}

func (x *aliasIndex) Refresh(context.Context) error {
	if f := x.refreshed; f != nil {
		x.refreshed = nil
		f()
	}
	return nil
}

func (x *aliasIndex) Count(context.Context) (int, error)      { return len(x.docs), nil }
func (x *aliasIndex) AliasCount(context.Context) (int, error) { return x.live, nil }

func (x *aliasIndex) SwapAlias(context.Context) ([]string, error) {
	if x.swapErr != nil {
		return nil, x.swapErr
	}
	x.moved = true
	return []string{"parley-v1"}, nil
}

// TestSwap: the alias moves only to a complete index that holds at least
// what the live one does (unless forced), and the articles published while
// it was filled are caught up after the move.
func TestSwap(t *testing.T) {
	for _, tc := range []struct {
		name      string
		kept      int // articles in the stream before the fill
		meanwhile int // published during the first pass
		live      int
		force     bool
		fail      string
		swapErr   error
		wantErr   error // errors.Is; nil: moved
		holds     int
	}{
		{name: "fills, moves, catches up", kept: 3, meanwhile: 2, live: 4, holds: 5},
		{name: "as many as live", kept: 3, live: 3, holds: 3},
		{name: "fewer than live", kept: 2, live: 5, wantErr: ErrFewer},
		{name: "fewer than live, forced", kept: 2, live: 5, force: true, holds: 2},
		{name: "an article refused", kept: 3, fail: "a1", wantErr: ErrNotSwapped},
		{name: "the move refused", kept: 3, swapErr: errors.New("alias is not a write index"), wantErr: ErrNotSwapped},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			b := bustest.New(t)
			publish := func(first, n int) {
				for i := first; i < first+n; i++ {
					if err := b.PublishArticle(ctx, &article.Article{ID: fmt.Sprintf("a%d", i), URL: fmt.Sprintf("https://x.example/%d", i), Language: "en"}); err != nil {
						t.Fatal(err)
					}
				}
			}
			publish(0, tc.kept)
			ix := &aliasIndex{docs: map[string]bool{}, live: tc.live, fail: tc.fail, swapErr: tc.swapErr,
				refreshed: func() { publish(tc.kept, tc.meanwhile) }}
			st, err := Swap(ctx, b.JetStream(), ix, 2, tc.force, slog.New(slog.DiscardHandler))
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) || !errors.Is(err, ErrNotSwapped) || ix.moved || st.Moved {
					t.Fatalf("err %v, moved %v; want %v and the alias left alone", err, ix.moved, tc.wantErr)
				}
				return
			}
			if err != nil || !ix.moved || !st.Moved {
				t.Fatalf("err %v, moved %v", err, ix.moved)
			}
			if st.Holds != tc.holds || len(ix.docs) != tc.holds || st.CatchUp.Read != tc.meanwhile || st.Filled != tc.kept || st.Live != tc.live {
				t.Fatalf("stats %+v, %d documents; want %d held, %d caught up", st, len(ix.docs), tc.holds, tc.meanwhile)
			}
			if got := bustest.StreamMsgs(t, b, bus.StreamArticles); got != uint64(tc.kept+tc.meanwhile) {
				t.Fatalf("stream holds %d", got)
			}
		})
	}
}
