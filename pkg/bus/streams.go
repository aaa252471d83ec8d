package bus

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// KV buckets and the object store.
const (
	BucketFeeds     = "parley_feeds"            // the feed set: what to poll
	BucketFeedState = "parley_feed_state"       // per feed: status, errors, validators
	BucketSeen      = "parley_seen"             // items already published, per feed
	BucketStories   = "parley_stories"          // story signatures for near-duplicate detection
	BucketEvents    = "parley_events"           // event signatures: reports of one event across outlets
	BucketRules     = "parley_rules"            // saved searches for alerts
	BucketFetchers  = "parley_fetchers"         // the fetchers alive, each renewing its key (FetcherTTL)
	BucketVersions  = "parley_article_versions" // every version of an article, by id (pkg/versions)
	StorePages      = "parley_pages"            // pages too large for one message
)

// versionHistory is how many versions of an article the versions bucket
// keeps.
const versionHistory = 64

// FetcherTTL is how long a fetcher counts as alive after its last
// heartbeat (the fetchers bucket's TTL); fetchers renew theirs every
// FetcherTTL/3.
const FetcherTTL = 15 * time.Second

// seenTTL bounds how long an item is remembered as published. An item still
// in its feed after this long is fetched again; the index keeps one document
// per canonical URL, so that costs a fetch, never a duplicate.
const seenTTL = 90 * 24 * time.Hour

// indexedMaxAge bounds how long PARLEY_INDEXED keeps its copies: it hands
// articles to the alerter and nothing replays it (replay reads
// PARLEY_ARTICLES), so it covers an alerter that is down for a week, not
// the articles' whole retention.
const indexedMaxAge = 7 * 24 * time.Hour

// handles are the buckets and the object store setup opened.
type handles struct {
	feeds, feedState, seen, stories, events, rules, versions, fetchers jetstream.KeyValue
	pages                                                              jetstream.ObjectStore
}

// setup creates (or updates) every stream, bucket and the object store, and
// returns their handles.
func (b *Bus) setup(ctx context.Context) (handles, error) {
	var h handles
	streams := []jetstream.StreamConfig{
		{
			Name: StreamRaw, Subjects: []string{SubjectRaw + ".>"},
			Description: "fetched feed items with their pages, kept for re-parsing",
			MaxAge:      b.cfg.RawMaxAge, Duplicates: b.cfg.DuplicateWindow,
			Compression: jetstream.S2Compression,
		},
		{
			Name: StreamArticles, Subjects: []string{SubjectArticles + ".>"},
			Description: "extracted, enriched articles, kept for re-indexing",
			MaxAge:      b.cfg.ArticlesMaxAge, Duplicates: b.cfg.DuplicateWindow,
			Compression: jetstream.S2Compression,
		},
		{
			Name: StreamIndexed, Subjects: []string{SubjectIndexed + ".>"},
			Description: "articles the index confirmed, for the alerter",
			MaxAge:      min(b.cfg.ArticlesMaxAge, indexedMaxAge), Duplicates: b.cfg.DuplicateWindow,
			Compression: jetstream.S2Compression,
		},
		{
			Name: StreamAlerts, Subjects: []string{SubjectAlerts + ".>", SubjectEntities + ".>", SubjectEvents + ".>"},
			Description: "alerts per saved search and per entity, replayable by subscribers",
			MaxAge:      b.cfg.AlertsMaxAge, Duplicates: b.cfg.DuplicateWindow,
		},
		{
			Name: StreamDLQ, Subjects: []string{SubjectDLQ + ".>"},
			Description: "messages a stage gave up on, with the error",
			MaxAge:      b.cfg.RawMaxAge, Duplicates: b.cfg.DuplicateWindow,
		},
	}
	for _, sc := range streams {
		sc.Storage = jetstream.FileStorage
		sc.Replicas = b.cfg.Replicas
		sc.Retention = jetstream.LimitsPolicy
		if _, err := b.js.CreateOrUpdateStream(ctx, sc); err != nil {
			return h, fmt.Errorf("create stream %s: %w", sc.Name, err)
		}
	}
	kvs := []struct {
		dst  *jetstream.KeyValue
		conf jetstream.KeyValueConfig
	}{
		{&h.feeds, jetstream.KeyValueConfig{Bucket: BucketFeeds, Description: "feeds to poll", History: 5}},
		{&h.feedState, jetstream.KeyValueConfig{Bucket: BucketFeedState, Description: "feed state"}},
		{&h.seen, jetstream.KeyValueConfig{Bucket: BucketSeen, Description: "published items", TTL: seenTTL}},
		{&h.stories, jetstream.KeyValueConfig{Bucket: BucketStories, Description: "story signatures", TTL: b.cfg.ArticlesMaxAge}},
		{&h.events, jetstream.KeyValueConfig{Bucket: BucketEvents, Description: "event signatures", TTL: b.cfg.ArticlesMaxAge}},
		{&h.rules, jetstream.KeyValueConfig{Bucket: BucketRules, Description: "alert rules", History: 10}},
		{&h.versions, jetstream.KeyValueConfig{Bucket: BucketVersions, Description: "every version of every article", History: versionHistory, TTL: b.cfg.ArticlesMaxAge, Compression: true}},
		{&h.fetchers, jetstream.KeyValueConfig{Bucket: BucketFetchers, Description: "fetchers alive", TTL: FetcherTTL, Storage: jetstream.MemoryStorage}},
	}
	for _, kv := range kvs {
		if kv.conf.Storage != jetstream.MemoryStorage {
			kv.conf.Storage = jetstream.FileStorage
		}
		kv.conf.Replicas = b.cfg.Replicas
		kvh, err := b.js.CreateOrUpdateKeyValue(ctx, kv.conf)
		if err != nil {
			return h, fmt.Errorf("create bucket %s: %w", kv.conf.Bucket, err)
		}
		*kv.dst = kvh
	}
	pages, err := b.js.CreateOrUpdateObjectStore(ctx, jetstream.ObjectStoreConfig{
		Bucket: StorePages, Description: "pages too large for a message",
		TTL: b.cfg.RawMaxAge, Storage: jetstream.FileStorage, Replicas: b.cfg.Replicas,
		Compression: true,
	})
	if err != nil {
		return h, fmt.Errorf("create object store %s: %w", StorePages, err)
	}
	h.pages = pages
	return h, nil
}

// StreamNames are the JetStream streams behind parley's streams, buckets
// and object store.
func StreamNames() []string {
	return []string{
		StreamRaw, StreamArticles, StreamIndexed, StreamAlerts, StreamDLQ,
		"KV_" + BucketFeeds, "KV_" + BucketFeedState, "KV_" + BucketSeen, "KV_" + BucketStories,
		"KV_" + BucketEvents, "KV_" + BucketRules, "KV_" + BucketVersions, "OBJ_" + StorePages,
	}
}

// Repair recreates the streams and buckets that are gone (deleted while
// parley runs, or lost with their files) and reports each as damage: the
// messages it held are lost. Stages call it when their consumer is gone;
// it is cheap when nothing is missing.
func (b *Bus) Repair(ctx context.Context) error {
	b.repairMu.Lock()
	defer b.repairMu.Unlock()
	var missing []string
	for _, name := range StreamNames() {
		if _, err := b.js.Stream(ctx, name); err != nil {
			if !errors.Is(err, jetstream.ErrStreamNotFound) {
				return fmt.Errorf("stream %s: %w", name, err)
			}
			missing = append(missing, name)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	if _, err := b.setup(ctx); err != nil {
		return fmt.Errorf("recreate %s: %w", strings.Join(missing, ", "), err)
	}
	b.health.repairedNow()
	for _, name := range missing {
		b.health.damaged(fmt.Sprintf("stream %s was missing (deleted while parley ran, or lost with its files) and was recreated empty at %s: the messages it held are lost",
			name, time.Now().UTC().Format(time.RFC3339)), b.log)
	}
	return nil
}

// KV returns a bucket by name, for the stores that give the buckets their
// meaning (feeds, stories, events, rules, versions).
func (b *Bus) KV(name string) jetstream.KeyValue {
	switch name {
	case BucketFeeds:
		return b.feeds
	case BucketFeedState:
		return b.feedState
	case BucketSeen:
		return b.seen
	case BucketStories:
		return b.stories
	case BucketEvents:
		return b.events
	case BucketRules:
		return b.rules
	case BucketVersions:
		return b.versions
	case BucketFetchers:
		return b.fetchers
	}
	return nil
}

// AttachFeeds binds the feed set of an existing parley state over nc,
// creating and changing nothing (the streams' retention is the running
// parley's to set), for `parley feeds --data` on a stopped parley: only
// the feed set and feed state buckets are bound, for a feedstore.Store
// over what it returns.
func AttachFeeds(ctx context.Context, nc *nats.Conn, log *slog.Logger) (*Bus, error) {
	js, err := jetstream.New(nc)
	if err != nil {
		return nil, fmt.Errorf("jetstream: %w", err)
	}
	b := &Bus{nc: nc, js: js, log: log}
	for _, kv := range []struct {
		dst  *jetstream.KeyValue
		name string
	}{{&b.feeds, BucketFeeds}, {&b.feedState, BucketFeedState}} {
		h, err := js.KeyValue(ctx, kv.name)
		if errors.Is(err, jetstream.ErrBucketNotFound) {
			return nil, fmt.Errorf("bucket %s: %w (no feed set here: is it parley's --data directory?)", kv.name, err)
		}
		if err != nil {
			return nil, fmt.Errorf("bucket %s: %w", kv.name, err)
		}
		*kv.dst = h
	}
	return b, nil
}
