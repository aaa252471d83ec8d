package replay

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/parley-news/parley/pkg/bus"
)

// AliasIndex is a new index that an alias moves to once it is filled
// (elastic.Index from elastic.Create).
type AliasIndex interface {
	Indexer
	Refresh(ctx context.Context) error
	// Count is how many articles the new index holds; AliasCount how
	// many the index the alias names now holds.
	Count(ctx context.Context) (int, error)
	AliasCount(ctx context.Context) (int, error)
	// SwapAlias moves the alias to the new index in one step and returns
	// the indices it named before.
	SwapAlias(ctx context.Context) ([]string, error)
}

// ErrNotSwapped wraps every error Swap returns before the alias moved: the
// live index is untouched and the new one can be deleted.
var ErrNotSwapped = errors.New("the alias was not moved")

// ErrFewer is Swap's error when the new index would hold fewer articles
// than the live one: articles older than the articles stream's retention
// are not kept, and moving the alias would hide them (Swap with force
// moves it anyway).
var ErrFewer = errors.New("the new index would hold fewer articles than the live one")

// SwapStats says what Swap did.
type SwapStats struct {
	Fill    Stats    // the first pass, over every kept article
	Filled  int      // articles in the new index after the first pass
	Live    int      // articles the alias showed before it moved
	Old     []string // the indices the alias named before
	Moved   bool     // the alias names the new index now
	CatchUp Stats    // the articles published during the first pass
	Holds   int      // articles in the new index at the end
}

// Swap fills ix from the kept articles while the live pipeline goes on
// writing through the alias, moves the alias to ix in one step, then
// catches up with the articles that arrived meanwhile (document versions
// are fetch times, so the catch-up never puts an older version over a
// newer one the live indexer wrote to ix after the move).
func Swap(ctx context.Context, js jetstream.JetStream, ix AliasIndex, batch int, force bool, log *slog.Logger) (SwapStats, error) {
	var st SwapStats
	notSwapped := func(err error) error { return fmt.Errorf("%w (%w)", err, ErrNotSwapped) }
	fill, err := Index(ctx, js, ix, batch, log)
	st.Fill = fill
	if err != nil {
		return st, notSwapped(err)
	}
	if err := ix.Refresh(ctx); err != nil {
		return st, notSwapped(err)
	}
	if st.Filled, err = ix.Count(ctx); err != nil {
		return st, notSwapped(err)
	}
	if st.Live, err = ix.AliasCount(ctx); err != nil {
		return st, notSwapped(err)
	}
	since, err := After(ctx, js, bus.StreamArticles, fill.Last)
	if err != nil {
		return st, notSwapped(err)
	}
	log.Info("replay index: filled", "articles", st.Filled, "messages", fill.Read, "live", st.Live, "published_since", since)
	if uint64(st.Filled)+since < uint64(st.Live) && !force {
		return st, notSwapped(fmt.Errorf("%w: %d against %d", ErrFewer, st.Filled, st.Live))
	}
	if st.Old, err = ix.SwapAlias(ctx); err != nil {
		return st, notSwapped(fmt.Errorf("move alias: %w", err))
	}
	st.Moved = true
	// Articles published after the first pass went to the old index; the
	// live indexer writes the later ones to the new index itself.
	if st.CatchUp, err = IndexFrom(ctx, js, ix, batch, fill.Last+1, log, nil); err != nil {
		return st, fmt.Errorf("catch up after moving the alias: %w", err)
	}
	if err := ix.Refresh(ctx); err != nil {
		return st, err
	}
	if st.Holds, err = ix.Count(ctx); err != nil {
		return st, err
	}
	return st, nil
}
