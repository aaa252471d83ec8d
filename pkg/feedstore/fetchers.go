package feedstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// Heartbeat says fetcher id is alive for bus.FetcherTTL more (the
// fetchers bucket expires its key then).
func (fs *Store) Heartbeat(ctx context.Context, id string) error {
	if _, err := fs.fetchers.Put(ctx, id, []byte(time.Now().UTC().Format(time.RFC3339Nano))); err != nil {
		return fmt.Errorf("fetcher heartbeat %s: %w", id, err)
	}
	return nil
}

// LiveFetchers lists the fetchers whose heartbeat has not expired, sorted.
func (fs *Store) LiveFetchers(ctx context.Context) ([]string, error) {
	lister, err := fs.fetchers.ListKeys(ctx)
	if err != nil {
		return nil, fmt.Errorf("list fetchers: %w", err)
	}
	var out []string
	for k := range lister.Keys() {
		out = append(out, k)
	}
	slices.Sort(out)
	return out, nil
}

// ClaimFeed takes the next poll of a feed for the caller: it succeeds when
// the feed is due at now (its saved next poll, if any, is not later) and
// no other fetcher claimed it meanwhile, and then sets the next poll to
// until, so that no other fetcher polls the feed before the caller saves
// its state (or until passes: a fetcher that died mid-poll). When it does
// not, next is the feed's saved next poll (nil if unknown). force claims a
// feed that is not due yet (a retry asked for), still only if no other
// fetcher wrote its state meanwhile.
func (fs *Store) ClaimFeed(ctx context.Context, url string, now, until time.Time, force bool) (claimed bool, next *time.Time, err error) {
	key := FeedKey(url)
	e, err := fs.state.Get(ctx, key)
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		data, err := json.Marshal(FeedState{URL: url, Status: FeedNew, NextPoll: &until})
		if err != nil {
			return false, nil, fmt.Errorf("encode feed state %s: %w", url, err)
		}
		if _, err := fs.state.Create(ctx, key, data); err != nil {
			if errors.Is(err, jetstream.ErrKeyExists) {
				return false, nil, nil
			}
			return false, nil, fmt.Errorf("claim feed %s: %w", url, err)
		}
		return true, nil, nil
	}
	if err != nil {
		return false, nil, fmt.Errorf("claim feed %s: %w", url, err)
	}
	var st FeedState
	if err := json.Unmarshal(e.Value(), &st); err != nil {
		return false, nil, fmt.Errorf("decode feed state %s: %w", url, err)
	}
	if !force && st.NextPoll != nil && st.NextPoll.After(now.Add(time.Second)) {
		return false, st.NextPoll, nil
	}
	st.NextPoll = &until
	data, err := json.Marshal(st)
	if err != nil {
		return false, nil, fmt.Errorf("encode feed state %s: %w", url, err)
	}
	if _, err := fs.state.Update(ctx, key, data, e.Revision()); err != nil {
		if errors.Is(err, jetstream.ErrKeyRevisionMismatch) {
			return false, nil, nil
		}
		return false, nil, fmt.Errorf("claim feed %s: %w", url, err)
	}
	return true, nil, nil
}

// Leave removes fetcher id from the fetchers alive at once (a clean
// shutdown), so that its hosts move without waiting for bus.FetcherTTL.
func (fs *Store) Leave(ctx context.Context, id string) error {
	if err := fs.fetchers.Delete(ctx, id); err != nil {
		return fmt.Errorf("fetcher leave %s: %w", id, err)
	}
	return nil
}

// ReleaseClaim undoes a claim whose poll was cut short (shutdown, the feed
// removed) and saved nothing: the feed is due again at once. A state
// written since (the claim no longer there) is left alone.
func (fs *Store) ReleaseClaim(ctx context.Context, url string, until time.Time) error {
	key := FeedKey(url)
	e, err := fs.state.Get(ctx, key)
	if err != nil {
		if errors.Is(err, jetstream.ErrKeyNotFound) {
			return nil
		}
		return fmt.Errorf("release claim %s: %w", url, err)
	}
	var st FeedState
	if err := json.Unmarshal(e.Value(), &st); err != nil {
		return fmt.Errorf("decode feed state %s: %w", url, err)
	}
	if st.NextPoll == nil || !st.NextPoll.Equal(until) {
		return nil
	}
	st.NextPoll = nil
	data, err := json.Marshal(st)
	if err != nil {
		return fmt.Errorf("encode feed state %s: %w", url, err)
	}
	if _, err := fs.state.Update(ctx, key, data, e.Revision()); err != nil && !errors.Is(err, jetstream.ErrKeyRevisionMismatch) {
		return fmt.Errorf("release claim %s: %w", url, err)
	}
	return nil
}
