package feedstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// WebSub subscription states.
const (
	WebSubPending = "pending" // asked the hub; its verification not seen yet
	WebSubActive  = "active"  // the hub verified it; pushes are accepted
	WebSubDenied  = "denied"  // the hub refused it (Error says why)
	WebSubFailed  = "failed"  // the hub could not be asked (Error says why)
)

// WebSub is a feed's WebSub subscription. Secret keys the HMAC of the
// pushes: it is never shown (GET /api/feeds copies the other fields).
type WebSub struct {
	FeedURL    string     `json:"feed_url"`
	Hub        string     `json:"hub"`
	Topic      string     `json:"topic"`
	Secret     string     `json:"secret"`
	State      string     `json:"state"`
	Error      string     `json:"error,omitempty"`
	Requested  time.Time  `json:"requested"`
	LeaseUntil *time.Time `json:"lease_until,omitempty"`
	LastPush   *time.Time `json:"last_push,omitempty"`
	Pushes     int        `json:"pushes,omitempty"`
}

func webSubKey(feedKey string) string { return "websub." + feedKey }

// PutWebSub records a feed's subscription.
func (fs *Store) PutWebSub(ctx context.Context, s WebSub) error {
	data, err := json.Marshal(s)
	if err != nil {
		return fmt.Errorf("encode websub %s: %w", s.FeedURL, err)
	}
	if _, err := fs.state.Put(ctx, webSubKey(FeedKey(s.FeedURL)), data); err != nil {
		return fmt.Errorf("put websub %s: %w", s.FeedURL, err)
	}
	return nil
}

// WebSubByKey returns the subscription of the feed with key feedKey (the
// callback URL carries it); ok is false when there is none.
func (fs *Store) WebSubByKey(ctx context.Context, feedKey string) (s WebSub, ok bool, err error) {
	e, err := fs.state.Get(ctx, webSubKey(feedKey))
	if err != nil {
		if errors.Is(err, jetstream.ErrKeyNotFound) || errors.Is(err, jetstream.ErrInvalidKey) {
			return WebSub{}, false, nil
		}
		return WebSub{}, false, fmt.Errorf("websub %s: %w", feedKey, err)
	}
	if err := json.Unmarshal(e.Value(), &s); err != nil {
		return WebSub{}, false, fmt.Errorf("decode websub %s: %w", feedKey, err)
	}
	return s, true, nil
}

// WebSubOf returns the subscription of a feed; ok is false when there is none.
func (fs *Store) WebSubOf(ctx context.Context, feedURL string) (WebSub, bool, error) {
	return fs.WebSubByKey(ctx, FeedKey(feedURL))
}
