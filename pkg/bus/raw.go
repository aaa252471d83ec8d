package bus

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/klauspost/compress/zstd"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/parley-news/parley/pkg/feed"
)

// Raw is a fetched feed item with its page, as carried on parley.raw.<source>.
type Raw struct {
	FeedURL   string    `json:"feed_url"`
	FeedTitle string    `json:"feed_title,omitempty"`
	Source    string    `json:"source"` // publication name (feed title, else host)
	Item      feed.Item `json:"item"`

	PageURL     string    `json:"page_url,omitempty"` // final URL after redirects
	StatusCode  int       `json:"status_code,omitempty"`
	ContentType string    `json:"content_type,omitempty"`
	FetchedAt   time.Time `json:"fetched_at"`
	// PageError says why the page could not be fetched (too large, not
	// HTML, refused): the parser then builds the article from the feed item.
	PageError string `json:"page_error,omitempty"`

	// Page is the zstd-compressed page (as served, before charset decoding),
	// or empty when it went to the object store under PageRef.
	Page     []byte `json:"page,omitempty"`
	PageRef  string `json:"page_ref,omitempty"`
	PageSize int    `json:"page_size,omitempty"`

	// Truncated says which feed fields PublishRaw cut, and from what size,
	// for the item to fit one message; empty when none was.
	Truncated string `json:"truncated,omitempty"`
}

// ItemKey identifies an item of a feed across polls: its guid, else its link,
// else its title. Updated items keep their key.
func ItemKey(feedURL string, it feed.Item) string {
	id := it.GUID
	if id == "" {
		id = it.Link
	}
	if id == "" {
		id = it.Title + "\x00" + it.Summary
	}
	sum := sha256.Sum256([]byte(feedURL + "\x00" + id))
	return hex.EncodeToString(sum[:12])
}

var (
	zenc, _ = zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedDefault), zstd.WithEncoderConcurrency(1))
	zdec, _ = zstd.NewReader(nil, zstd.WithDecoderConcurrency(0), zstd.WithDecoderMaxMemory(64<<20))
)

// SetPage compresses page into r.
func (r *Raw) SetPage(page []byte) {
	r.PageSize = len(page)
	r.Page = zenc.EncodeAll(page, make([]byte, 0, len(page)/4))
	r.PageRef = ""
}

// msgOverhead is what headers and the item's JSON may add to a message on
// top of the page.
const msgOverhead = 64 << 10

// PublishRaw publishes r on parley.raw.<source> with msgID as its JetStream
// message id. A page that would not fit in one message goes to the object
// store first and travels by reference; it is never dropped.
func (b *Bus) PublishRaw(ctx context.Context, r *Raw, msgID string) error {
	subject := SubjectRaw + "." + Token(r.Source)
	out := r // what goes in the message
	data, err := json.Marshal(out)
	if err != nil {
		return fmt.Errorf("encode raw item: %w", err)
	}
	if int64(len(data))+msgOverhead > b.nc.MaxPayload() && len(r.Page) > 0 {
		name := "page-" + msgID
		if _, err := b.pages.Put(ctx, jetstream.ObjectMeta{Name: name}, bytes.NewReader(r.Page)); err != nil {
			return fmt.Errorf("store large page %s (%d bytes): %w", r.PageURL, len(r.Page), err)
		}
		ref := *r
		ref.Page = nil
		ref.PageRef = name
		out = &ref
		if data, err = json.Marshal(out); err != nil {
			return fmt.Errorf("encode raw item: %w", err)
		}
	}
	if limit := b.nc.MaxPayload() - msgOverhead/4; int64(len(data)) > limit {
		// Feed fields over the payload limit: the item is published
		// without the excess rather than refused at every poll.
		fit := *out
		if data, err = fit.fitItem(int(limit)); err != nil {
			return fmt.Errorf("publish raw item %s: %w", r.Item.Link, err)
		}
		r.Truncated = fit.Truncated
	}
	msg := &nats.Msg{Subject: subject, Data: data, Header: nats.Header{}}
	if _, err := b.js.PublishMsg(ctx, msg, jetstream.WithMsgID(msgID)); err != nil {
		return fmt.Errorf("publish %s: %w", subject, err)
	}
	return nil
}

// fitItem cuts r's largest feed fields (fit) until r encodes in at most
// limit bytes, records what it cut in r.Truncated, and returns the
// encoding. Links, the feed URL and dates are never cut.
func (r *Raw) fitItem(limit int) ([]byte, error) {
	it := &r.Item
	note, err := fit(limit, func() ([]byte, error) { return json.Marshal(r) }, []cuttable{
		{name: "content", text: &it.Content}, {name: "summary", text: &it.Summary}, {name: "title", text: &it.Title},
		{name: "guid", text: &it.GUID}, {name: "image", text: &it.Image}, {name: "feed_title", text: &r.FeedTitle},
		{name: "categories", list: &it.Categories}, {name: "authors", list: &it.Authors},
	})
	if err != nil {
		return nil, err
	}
	r.Truncated = note
	data, err := json.Marshal(r)
	if err != nil {
		return nil, fmt.Errorf("encode raw item: %w", err)
	}
	return data, nil
}

// DecodeRaw reads a raw message.
func DecodeRaw(data []byte) (*Raw, error) {
	var r Raw
	if err := json.Unmarshal(data, &r); err != nil {
		return nil, fmt.Errorf("decode raw item: %w", err)
	}
	return &r, nil
}

// ErrPageGone is returned when a referenced page is no longer in the object store.
var ErrPageGone = errors.New("page no longer in the object store")

// Page returns the uncompressed page of r, fetching it from the object
// store when it travelled by reference. A nil page with no error means the
// item came without one (see PageError).
func (b *Bus) Page(ctx context.Context, r *Raw) ([]byte, error) {
	comp := r.Page
	if r.PageRef != "" {
		res, err := b.pages.Get(ctx, r.PageRef)
		if err != nil {
			if errors.Is(err, jetstream.ErrObjectNotFound) {
				return nil, fmt.Errorf("page %s: %w", r.PageRef, ErrPageGone)
			}
			return nil, fmt.Errorf("get page %s: %w", r.PageRef, err)
		}
		defer res.Close()
		if comp, err = io.ReadAll(res); err != nil {
			return nil, fmt.Errorf("read page %s: %w", r.PageRef, err)
		}
	}
	if len(comp) == 0 {
		return nil, nil
	}
	page, err := zdec.DecodeAll(comp, make([]byte, 0, r.PageSize))
	if err != nil {
		return nil, fmt.Errorf("decompress page %s: %w", r.PageURL, err)
	}
	return page, nil
}
