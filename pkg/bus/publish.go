package bus

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"
	"unicode/utf8"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/parley-news/parley/pkg/article"
)

// Header names parley sets on its messages.
const (
	HeaderArticleID   = "Parley-Article-Id"
	HeaderError       = "Parley-Error"
	HeaderSubject     = "Parley-Original-Subject"
	HeaderStage       = "Parley-Stage"
	HeaderDeliveries  = "Parley-Deliveries"
	HeaderFailedAt    = "Parley-Failed-At"
	HeaderContentHash = "Parley-Content-Hash"
)

// ContentHash is a short hash of what an article says, so that a changed
// page under the same URL is a new message while a redelivery is not.
func ContentHash(a *article.Article) string {
	h := sha256.New()
	for _, s := range []string{a.URL, a.Title, a.Body, a.Summary, a.StoryID} {
		h.Write([]byte(s))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil)[:8])
}

// LanguageToken is the subject token for a language ("und" when unknown).
func LanguageToken(lang string) string {
	if lang == "" {
		return "und"
	}
	return Token(lang)
}

// PublishArticle publishes an extracted article on parley.articles.<language>.
// An article too large for one message has its body (then summary,
// categories, authors) cut to fit, and a.Truncated says so.
func (b *Bus) PublishArticle(ctx context.Context, a *article.Article) error {
	return b.publishArticle(ctx, SubjectArticles, a)
}

// PublishIndexed publishes an article the index confirmed on parley.indexed.<language>.
func (b *Bus) PublishIndexed(ctx context.Context, a *article.Article) error {
	return b.publishArticle(ctx, SubjectIndexed, a)
}

// Indexed is an article the index confirmed, as the indexer received it:
// Data is the message's payload, passed on as it is (no second encoding),
// and Hash its content hash header; either may be empty and is then made
// from Article.
type Indexed struct {
	Article *article.Article
	Data    []byte
	Hash    string
}

// Outgoing is one message for PublishAll, with its JetStream message id.
type Outgoing struct {
	Msg *nats.Msg
	ID  string
}

// Published is JetStream's answer for one message of PublishAll.
type Published struct {
	Err       error
	Duplicate bool // stored before under the same message id: dropped
}

// PublishAll publishes msgs all in flight at once and returns, once
// JetStream answered for each (or ctx ended), its outcome. It is the one
// asynchronous publish: the indexer's batches and the alerter's alerts go
// through it.
func (b *Bus) PublishAll(ctx context.Context, msgs []Outgoing) []Published {
	out := make([]Published, len(msgs))
	futs := make([]jetstream.PubAckFuture, len(msgs))
	for i, o := range msgs {
		f, err := b.js.PublishMsgAsync(o.Msg, jetstream.WithMsgID(o.ID))
		if err != nil {
			out[i].Err = fmt.Errorf("publish %s: %w", o.Msg.Subject, err)
			continue
		}
		futs[i] = f
	}
	for i, f := range futs {
		if f == nil {
			continue
		}
		select {
		case ack := <-f.Ok():
			out[i].Duplicate = ack.Duplicate
		case err := <-f.Err():
			out[i].Err = fmt.Errorf("publish %s: %w", msgs[i].Msg.Subject, err)
		case <-ctx.Done():
			out[i].Err = fmt.Errorf("publish %s: %w", msgs[i].Msg.Subject, ctx.Err())
		}
	}
	return out
}

// PublishIndexedBatch publishes the articles on parley.indexed.<language>
// with the message ids PublishIndexed gives them, all in flight at once,
// and returns one error per article once JetStream answered for each.
func (b *Bus) PublishIndexedBatch(ctx context.Context, items []Indexed) []error {
	errs := make([]error, len(items))
	var msgs []Outgoing
	var at []int // msgs[k] is items[at[k]]
	for i, it := range items {
		a := it.Article
		data, hash := it.Data, it.Hash
		if data == nil {
			var err error
			if data, err = json.Marshal(a); err != nil {
				errs[i] = fmt.Errorf("encode article %s: %w", a.ID, err)
				continue
			}
		}
		if hash == "" {
			hash = ContentHash(a)
		}
		msg, id := articleMsg(SubjectIndexed, a, data, hash)
		msgs = append(msgs, Outgoing{Msg: msg, ID: id})
		at = append(at, i)
	}
	for k, p := range b.PublishAll(ctx, msgs) {
		errs[at[k]] = p.Err
	}
	return errs
}

func (b *Bus) publishArticle(ctx context.Context, prefix string, a *article.Article) error {
	data, err := json.Marshal(a)
	if err != nil {
		return fmt.Errorf("encode article %s: %w", a.ID, err)
	}
	if limit := int(b.nc.MaxPayload() - msgOverhead/4); len(data) > limit {
		note, err := fit(limit, func() ([]byte, error) { return json.Marshal(a) }, []cuttable{
			{name: "body", text: &a.Body}, {name: "summary", text: &a.Summary},
			{name: "categories", list: &a.Categories}, {name: "authors", list: &a.Authors},
		})
		if err != nil {
			return fmt.Errorf("article %s: %w", a.ID, err)
		}
		a.Truncated = note
		if data, err = json.Marshal(a); err != nil {
			return fmt.Errorf("encode article %s: %w", a.ID, err)
		}
	}
	msg, id := articleMsg(prefix, a, data, ContentHash(a))
	if _, err := b.js.PublishMsg(ctx, msg, jetstream.WithMsgID(id)); err != nil {
		return fmt.Errorf("publish %s: %w", msg.Subject, err)
	}
	return nil
}

// articleMsg is the message carrying article a (encoded as data, with
// content hash hash) on <prefix>.<language>, and its message id.
func articleMsg(prefix string, a *article.Article, data []byte, hash string) (*nats.Msg, string) {
	msg := &nats.Msg{Subject: prefix + "." + LanguageToken(a.Language), Data: data, Header: nats.Header{}}
	msg.Header.Set(HeaderArticleID, a.ID)
	msg.Header.Set(HeaderContentHash, hash)
	return msg, a.ID + "-" + hash
}

// Publish publishes data on subject with a message id, for stages that
// emit their own payloads (alerts).
func (b *Bus) Publish(ctx context.Context, subject string, data []byte, msgID string) error {
	opts := []jetstream.PublishOpt{}
	if msgID != "" {
		opts = append(opts, jetstream.WithMsgID(msgID))
	}
	if _, err := b.js.Publish(ctx, subject, data, opts...); err != nil {
		return fmt.Errorf("publish %s: %w", subject, err)
	}
	return nil
}

// DeadLetter publishes msg on parley.dlq.<stage> with the error and the
// original subject in headers, then terminates msg so it is not delivered
// again. The dead letter is published before the term: a crash in between
// redelivers the message, and the dead letter's id drops the second copy.
func (b *Bus) DeadLetter(ctx context.Context, stage string, msg jetstream.Msg, cause error) error {
	md, _ := msg.Metadata()
	out := &nats.Msg{Subject: SubjectDLQ + "." + Token(stage), Data: msg.Data(), Header: nats.Header{}}
	for k, v := range msg.Headers() {
		if k != jetstream.MsgIDHeader {
			out.Header[k] = v
		}
	}
	// The error may quote what the message carried: bounded, so the dead
	// letter always fits in a message.
	out.Header.Set(HeaderError, truncate(cause.Error(), 4096))
	out.Header.Set(HeaderSubject, msg.Subject())
	out.Header.Set(HeaderStage, stage)
	out.Header.Set(HeaderFailedAt, time.Now().UTC().Format(time.RFC3339))
	id := stage + "-" + msg.Subject()
	if md != nil {
		out.Header.Set(HeaderDeliveries, fmt.Sprint(md.NumDelivered))
		id = fmt.Sprintf("%s-%s-%d", stage, md.Stream, md.Sequence.Stream)
	}
	if _, err := b.js.PublishMsg(ctx, out, jetstream.WithMsgID(id)); err != nil {
		return fmt.Errorf("dead-letter %s: %w", msg.Subject(), err)
	}
	if err := msg.TermWithReason(truncate(cause.Error(), 200)); err != nil {
		return fmt.Errorf("terminate %s: %w", msg.Subject(), err)
	}
	return nil
}

// truncate cuts s to at most n bytes, at a character boundary.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
