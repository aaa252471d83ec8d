// Package replay rebuilds downstream state from what the streams keep
// (`parley replay`, `parley dlq`): Parse re-extracts the raw pages kept in
// PARLEY_RAW, so that a better parser updates the index; Index fills a
// fresh index from the articles kept in PARLEY_ARTICLES, and Swap moves
// the Elasticsearch alias to it once filled; DeadLetters lists what a stage
// gave up on and Redeliver hands it to the stage again.
package replay

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/parley-news/parley/pkg/article"
	"github.com/parley-news/parley/pkg/bus"
)

// Parser turns one raw message into an article (parser.Parser.Parse).
type Parser interface {
	Parse(ctx context.Context, data []byte) (*article.Article, error)
}

// Publisher publishes an article on parley.articles.<language> with its
// message id (bus.Bus.PublishArticle).
type Publisher interface {
	PublishArticle(ctx context.Context, a *article.Article) error
}

// Indexer writes articles to an index, one error per article
// (indexer.Backend).
type Indexer interface {
	Index(ctx context.Context, arts []*article.Article) []error
}

// Stats says what a replay did.
type Stats struct {
	Read      int    // messages read from the stream
	Published int    // articles published (Parse) or indexed (Index)
	Failed    int    // messages that could not be parsed, decoded or indexed
	Last      uint64 // Index: the stream sequence of the last message read
}

// from is where a read of a stream begins: at a time, after a sequence,
// or (zero) at the first message; and, unless filter is empty, which
// subjects it reads.
type from struct {
	time   *time.Time
	seq    uint64 // the first sequence to read
	filter string
}

// readStream calls fn for every message of stream from start up to the
// last one present when it began, and returns the stream sequence of the
// last message it read (or start.seq-1 when it read none).
func readStream(ctx context.Context, js jetstream.JetStream, stream string, start from, fn func(jetstream.Msg) error) (uint64, error) {
	cfg := jetstream.OrderedConsumerConfig{}
	if start.filter != "" {
		cfg.FilterSubjects = []string{start.filter}
	}
	switch {
	case start.time != nil:
		cfg.DeliverPolicy = jetstream.DeliverByStartTimePolicy
		cfg.OptStartTime = start.time
	case start.seq > 1:
		cfg.DeliverPolicy = jetstream.DeliverByStartSequencePolicy
		cfg.OptStartSeq = start.seq
	}
	read := uint64(0)
	if start.seq > 0 {
		read = start.seq - 1
	}
	state, err := streamState(ctx, js, stream)
	if err != nil {
		return read, err
	}
	last := state.LastSeq
	if state.Msgs == 0 {
		return read, nil
	}
	if last < start.seq {
		return read, nil
	}
	cons, err := js.OrderedConsumer(ctx, stream, cfg)
	if err != nil {
		return read, fmt.Errorf("read %s: %w", stream, err)
	}
	for {
		m, err := cons.Next(jetstream.FetchMaxWait(2 * time.Second))
		if err != nil {
			if errors.Is(err, nats.ErrTimeout) || errors.Is(err, jetstream.ErrNoMessages) {
				// Nothing at or after start.
				return read, nil
			}
			return read, fmt.Errorf("read %s: %w", stream, err)
		}
		md, err := m.Metadata()
		if err != nil {
			return read, fmt.Errorf("read %s: %w", stream, err)
		}
		if md.Sequence.Stream > last {
			return read, nil
		}
		if err := fn(m); err != nil {
			return read, err
		}
		read = md.Sequence.Stream
		if md.Sequence.Stream == last || md.NumPending == 0 {
			return read, nil
		}
	}
}

// After is the number of messages stream holds after sequence seq.
func After(ctx context.Context, js jetstream.JetStream, stream string, seq uint64) (uint64, error) {
	state, err := streamState(ctx, js, stream)
	if err != nil || state.LastSeq <= seq {
		return 0, err
	}
	return state.LastSeq - seq, nil
}

func streamState(ctx context.Context, js jetstream.JetStream, stream string) (jetstream.StreamState, error) {
	s, err := js.Stream(ctx, stream)
	if err != nil {
		return jetstream.StreamState{}, fmt.Errorf("stream %s: %w", stream, err)
	}
	info, err := s.Info(ctx)
	if err != nil {
		return jetstream.StreamState{}, fmt.Errorf("stream %s: %w", stream, err)
	}
	return info.State, nil
}

// Parse re-parses every raw page received at or after since and publishes
// the articles. An article whose text did not change has the message id it
// had before, so JetStream drops it within the duplicate window, and the
// index replaces its document by id after it: replay never makes a copy. A
// page that fails is counted and logged, not retried (it is in the
// dead-letter stream already, or will be once the parser meets it).
func Parse(ctx context.Context, js jetstream.JetStream, p Parser, pub Publisher, since time.Time, log *slog.Logger) (Stats, error) {
	var st Stats
	_, err := readStream(ctx, js, bus.StreamRaw, from{time: &since}, func(m jetstream.Msg) error {
		st.Read++
		a, err := p.Parse(ctx, m.Data())
		if err != nil {
			st.Failed++
			log.Warn("replay: page not parsed", "subject", m.Subject(), "err", err)
			return nil
		}
		if err := pub.PublishArticle(ctx, a); err != nil {
			return fmt.Errorf("replay parse: %w", err)
		}
		st.Published++
		if st.Read%500 == 0 {
			log.Info("replay parse", "read", st.Read, "published", st.Published, "failed", st.Failed)
		}
		return nil
	})
	return st, err
}

// Index writes every article kept in PARLEY_ARTICLES to ix, batch at a
// time, in stream order, so a later version of an article replaces an
// earlier one. It returns an error when any article could not be indexed:
// an index missing articles must not be swapped in. Stats.Last is the
// stream sequence it read up to: IndexFrom(Last+1) catches up later.
func Index(ctx context.Context, js jetstream.JetStream, ix Indexer, batch int, log *slog.Logger) (Stats, error) {
	return IndexFrom(ctx, js, ix, batch, 1, log, nil)
}

// progressEvery is how often a long replay logs how far it got.
const progressEvery = 5 * time.Second

// IndexFrom is Index from stream sequence first on. progress, unless nil,
// is called after each batch, and the log says how far it got every few
// seconds.
func IndexFrom(ctx context.Context, js jetstream.JetStream, ix Indexer, batch int, first uint64, log *slog.Logger, progress func(Stats)) (Stats, error) {
	if batch < 1 {
		batch = 256
	}
	var st Stats
	total, err := After(ctx, js, bus.StreamArticles, first-min(first, 1))
	if err != nil {
		return st, err
	}
	logged := time.Now()
	var pending []*article.Article
	pos := map[string]int{}
	flush := func() error {
		if len(pending) == 0 {
			return nil
		}
		errs := ix.Index(ctx, pending)
		for i, err := range errs {
			if err != nil {
				st.Failed++
				log.Warn("replay: article not indexed", "id", pending[i].ID, "err", err)
				continue
			}
			st.Published++
		}
		pending, pos = pending[:0], map[string]int{}
		if progress != nil {
			progress(st)
		}
		if time.Since(logged) >= progressEvery {
			logged = time.Now()
			log.Info("replay index", "stream", bus.StreamArticles, "read", st.Read, "of", total, "indexed", st.Published, "failed", st.Failed)
		}
		return ctx.Err()
	}
	last, err := readStream(ctx, js, bus.StreamArticles, from{seq: first}, func(m jetstream.Msg) error {
		st.Read++
		var a article.Article
		if err := json.Unmarshal(m.Data(), &a); err != nil || a.ID == "" {
			st.Failed++
			log.Warn("replay: undecodable article", "subject", m.Subject(), "err", err)
			return nil
		}
		// Within a batch the later version of an article wins.
		if i, ok := pos[a.ID]; ok {
			pending[i] = &a
			return nil
		}
		pos[a.ID] = len(pending)
		pending = append(pending, &a)
		if len(pending) >= batch {
			return flush()
		}
		return nil
	})
	st.Last = last
	if err == nil {
		err = flush()
	}
	if err == nil && st.Failed > 0 {
		err = fmt.Errorf("replay index: %d of %d articles could not be indexed", st.Failed, st.Read)
	}
	return st, err
}
