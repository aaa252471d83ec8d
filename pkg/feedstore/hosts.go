package feedstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// HostState is what the fetchers know of one host (a politeness key: see
// fetch.HostKey): the pause a 429 or 503 put on it. GET /api/feeds shows it
// on each feed of the host.
type HostState struct {
	Host        string    `json:"host"`
	PausedUntil time.Time `json:"paused_until"`
	Reason      string    `json:"reason,omitempty"`
}

// hostStateKey keeps host states apart from feed states in their bucket.
func hostStateKey(host string) string { return "host." + FeedKey(host) }

// PutHostState records the state of a host.
func (fs *Store) PutHostState(ctx context.Context, s HostState) error {
	data, err := json.Marshal(s)
	if err != nil {
		return fmt.Errorf("encode host state %s: %w", s.Host, err)
	}
	if _, err := fs.state.Put(ctx, hostStateKey(s.Host), data); err != nil {
		return fmt.Errorf("put host state %s: %w", s.Host, err)
	}
	return nil
}

// HostState returns the state of a host; ok is false when none was recorded.
func (fs *Store) HostState(ctx context.Context, host string) (s HostState, ok bool, err error) {
	e, err := fs.state.Get(ctx, hostStateKey(host))
	if err != nil {
		if errors.Is(err, jetstream.ErrKeyNotFound) {
			return HostState{}, false, nil
		}
		return HostState{}, false, fmt.Errorf("host state %s: %w", host, err)
	}
	if err := json.Unmarshal(e.Value(), &s); err != nil {
		return HostState{}, false, fmt.Errorf("decode host state %s: %w", host, err)
	}
	return s, true, nil
}
