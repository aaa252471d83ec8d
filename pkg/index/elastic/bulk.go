package elastic

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/parley-news/parley/pkg/article"
	"github.com/parley-news/parley/pkg/index"
	"github.com/parley-news/parley/pkg/permanent"
)

// ItemError is Elasticsearch's answer for one item of a bulk request.
type ItemError struct {
	Status int
	Type   string
	Reason string
}

func (e *ItemError) Error() string {
	return fmt.Sprintf("status %d: %s: %s", e.Status, e.Type, e.Reason)
}

// retryable reports whether a status means "not now" rather than "never".
func retryable(status int) bool {
	switch status {
	case http.StatusTooManyRequests, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return true
	}
	return false
}

// esFields are the searchable fields of the document sent to
// Elasticsearch: the shared index document plus the fields only this
// backend has.
type esFields struct {
	index.Document
	StoryKey string `json:"story_key"`
}

// esDoc is the document: its fields and the whole article, for Article().
type esDoc struct {
	esFields
	Article *article.Article `json:"article"`
}

// docVersion is the Elasticsearch version of a's document: when it was
// fetched, in microseconds. Writes use version_type external_gte, so the
// latest fetch of a page wins whatever order writes arrive in (two indexer
// workers, a redelivery, `parley replay index` catching up beside the live
// indexer), and a re-parse of the same fetch (`parley replay parse`)
// replaces the document. An article without a fetch time is written
// unversioned, last write wins.
func docVersion(a *article.Article) int64 {
	if a.FetchedAt == nil || a.FetchedAt.Unix() <= 0 {
		return 0
	}
	return a.FetchedAt.UnixMicro()
}

// EncodeBulkItem returns the bulk lines (action and source, each ending in
// a newline) that index a; the benchmark's plain loader sends the same
// bytes.
func EncodeBulkItem(a *article.Article) ([]byte, error) {
	return encodeBulkItem(a, nil)
}

// encodeBulkItem is EncodeBulkItem with the article's JSON, when the
// caller has it, stored as it is.
func encodeBulkItem(a *article.Article, encoded []byte) ([]byte, error) {
	f := esFields{Document: index.NewDocument(a), StoryKey: a.StoryID}
	if f.StoryKey == "" {
		f.StoryKey = a.ID
	}
	var src []byte
	var err error
	if len(encoded) > 0 && encoded[0] == '{' && bytes.IndexByte(encoded, '\n') < 0 {
		// The article's JSON goes in as it is: the indexer decoded it
		// already, and encoding it again (or having encoding/json check
		// and compact it) costs more than the rest of the document.
		if src, err = json.Marshal(f); err != nil {
			return nil, err
		}
		src = append(src[:len(src)-1], `,"article":`...)
		src = append(src, encoded...)
		src = append(src, '}')
	} else if src, err = json.Marshal(esDoc{esFields: f, Article: a}); err != nil {
		return nil, err
	}
	id, err := json.Marshal(a.ID)
	if err != nil {
		return nil, err
	}
	b := make([]byte, 0, len(src)+len(id)+80)
	b = append(b, `{"index":{"_id":`...)
	b = append(b, id...)
	if v := docVersion(a); v > 0 {
		b = append(b, `,"version":`...)
		b = strconv.AppendInt(b, v, 10)
		b = append(b, `,"version_type":"external_gte"`...)
	}
	b = append(b, "}}\n"...)
	b = append(b, src...)
	b = append(b, '\n')
	return b, nil
}

// group is the articles of one Index call.
type group struct {
	mu        sync.Mutex
	errs      []error
	set       []bool
	remaining int
	done      chan struct{}
	items     []*item
}

func (g *group) resolve(i int, err error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.set[i] {
		return
	}
	g.set[i], g.errs[i] = true, err
	g.remaining--
	if g.remaining == 0 {
		close(g.done)
	}
}

// item is one article on its way.
type item struct {
	g    *group
	i    int
	id   string
	line []byte
}

// batch is one bulk request's items.
type batch struct {
	items []*item
	size  int
}

// Index writes the articles and returns one error per article: nil once
// Elasticsearch confirmed it (durable: the translog is synced before a
// bulk answer; no refresh needed). Writing is idempotent by article id. A
// rejected article's error carries Elasticsearch's reason and is marked
// permanent.Error when retrying cannot help (a mapping conflict); errors
// of throttled or unreachable writes are not permanent.
func (ix *Index) Index(ctx context.Context, arts []*article.Article) []error {
	return ix.IndexEncoded(ctx, arts, nil)
}

// IndexEncoded is Index with each article's JSON encoding (encoded[i] is
// arts[i] as the indexer received it, or nil), kept in the document as it
// is rather than encoded again.
func (ix *Index) IndexEncoded(ctx context.Context, arts []*article.Article, encoded [][]byte) []error {
	errs := make([]error, len(arts))
	if len(arts) == 0 {
		return errs
	}
	g := &group{errs: errs, set: make([]bool, len(arts)), remaining: len(arts), done: make(chan struct{})}
	for i, a := range arts {
		if a == nil || a.ID == "" {
			g.resolve(i, permanent.Error(errors.New("index article: no id")))
			continue
		}
		var enc []byte
		if i < len(encoded) {
			enc = encoded[i]
		}
		line, err := encodeBulkItem(a, enc)
		if err != nil {
			g.resolve(i, permanent.Error(fmt.Errorf("index article %s: encode: %w", a.ID, err)))
			continue
		}
		g.items = append(g.items, &item{g: g, i: i, id: a.ID, line: line})
	}
	if len(g.items) == 0 {
		return errs
	}
	ix.mu.RLock()
	if ix.closed {
		ix.mu.RUnlock()
		for _, it := range g.items {
			g.resolve(it.i, fmt.Errorf("index article %s: %w", it.id, ErrClosed))
		}
		return errs
	}
	select {
	case ix.in <- g:
		ix.mu.RUnlock()
	case <-ctx.Done():
		ix.mu.RUnlock()
		for _, it := range g.items {
			g.resolve(it.i, fmt.Errorf("index article %s: %w", it.id, ctx.Err()))
		}
		return errs
	}
	select {
	case <-g.done:
		return errs
	case <-ctx.Done():
	}
	// The caller gave up: items still in flight may yet be written (which is
	// harmless: writes are idempotent), but this call reports them as not
	// confirmed, and later outcomes no longer touch the returned slice.
	g.mu.Lock()
	defer g.mu.Unlock()
	out := make([]error, len(errs))
	copy(out, errs)
	for i := range out {
		if !g.set[i] {
			out[i] = fmt.Errorf("index article %s: %w", arts[i].ID, ctx.Err())
		}
	}
	return out
}

// start runs the batcher and the workers.
func (ix *Index) start() {
	ix.ctx, ix.cancel = context.WithCancel(context.Background())
	ix.in = make(chan *group)
	ix.batches = make(chan *batch, ix.cfg.Workers)
	ix.batcher.Add(1)
	go ix.runBatcher()
	for range ix.cfg.Workers {
		ix.workers.Add(1)
		go func() {
			defer ix.workers.Done()
			for b := range ix.batches {
				ix.send(b)
			}
		}()
	}
}

// runBatcher packs the items of concurrent Index calls into bulk requests
// of up to FlushBytes, sending a partly filled one after FlushInterval.
func (ix *Index) runBatcher() {
	defer ix.batcher.Done()
	defer close(ix.batches)
	var cur *batch
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	armed := false
	flush := func() {
		if cur != nil && len(cur.items) > 0 {
			ix.batches <- cur
		}
		cur = nil
		if armed {
			timer.Stop()
			armed = false
		}
	}
	for {
		select {
		case g, ok := <-ix.in:
			if !ok {
				flush()
				return
			}
			for _, it := range g.items {
				if cur != nil && cur.size+len(it.line) > ix.cfg.FlushBytes {
					flush()
				}
				if cur == nil {
					cur = &batch{}
				}
				cur.items = append(cur.items, it)
				cur.size += len(it.line)
			}
			if cur != nil && !armed {
				timer.Reset(ix.cfg.FlushInterval)
				armed = true
			}
		case <-timer.C:
			armed = false
			flush()
		}
	}
}

type bulkResponse struct {
	Errors bool                       `json:"errors"`
	Items  []map[string]bulkItemReply `json:"items"`
}

type bulkItemReply struct {
	Status int      `json:"status"`
	Error  *esError `json:"error"`
}

// send writes one batch, retrying the whole request on 429/502/503/504 or
// a connection error, and the items Elasticsearch throttled inside a 200
// answer, with backoff, up to MaxRetries times. Every item gets an outcome.
func (ix *Index) send(b *batch) {
	pending := b.items
	path := "/" + ix.target + "/_bulk?filter_path=errors,items.*.status,items.*.error"
	var lastErr error
	for attempt := 0; ; attempt++ {
		if attempt > 0 {
			if attempt > ix.cfg.MaxRetries {
				ix.stats.failed.Add(int64(len(pending)))
				ix.log.Error("bulk items not written after retries", "items", len(pending), "retries", ix.cfg.MaxRetries, "error", lastErr)
				for _, it := range pending {
					it.g.resolve(it.i, fmt.Errorf("index article %s: not written after %d retries: %w", it.id, ix.cfg.MaxRetries, lastErr))
				}
				return
			}
			select {
			case <-ix.ctx.Done():
				for _, it := range pending {
					it.g.resolve(it.i, fmt.Errorf("index article %s: %w: %w", it.id, ErrClosed, lastErr))
				}
				return
			case <-time.After(retryDelay(ix.cfg, attempt-1)):
			}
		}
		size := 0
		for _, it := range pending {
			size += len(it.line)
		}
		body := make([]byte, 0, size)
		for _, it := range pending {
			body = append(body, it.line...)
		}
		ix.stats.bulks.Add(1)
		status, data, err := ix.do(ix.ctx, ix.bulkES, http.MethodPost, path, "application/x-ndjson", bytes.NewReader(body))
		if err != nil {
			lastErr = fmt.Errorf("bulk request: %w", err)
			ix.stats.reqRetries.Add(1)
			ix.log.Warn("bulk request failed, retrying", "items", len(pending), "attempt", attempt+1, "error", err)
			continue
		}
		if retryable(status) {
			lastErr = statusError("bulk request", status, data)
			if status == http.StatusTooManyRequests {
				ix.stats.throttledBulks.Add(1)
			}
			ix.stats.reqRetries.Add(1)
			ix.log.Warn("bulk request throttled, retrying", "items", len(pending), "status", status, "attempt", attempt+1)
			continue
		}
		if status >= 300 {
			err := statusError("bulk request", status, data)
			ix.stats.failed.Add(int64(len(pending)))
			ix.log.Error("bulk request refused", "items", len(pending), "error", err)
			for _, it := range pending {
				it.g.resolve(it.i, fmt.Errorf("index article %s: %w", it.id, err))
			}
			return
		}
		var r bulkResponse
		if err := json.Unmarshal(data, &r); err != nil {
			lastErr = fmt.Errorf("bulk response: %w", err)
			ix.stats.reqRetries.Add(1)
			continue
		}
		if !r.Errors {
			ix.stats.indexed.Add(int64(len(pending)))
			for _, it := range pending {
				it.g.resolve(it.i, nil)
			}
			return
		}
		if len(r.Items) != len(pending) {
			lastErr = fmt.Errorf("bulk response: %d items for %d sent", len(r.Items), len(pending))
			ix.stats.reqRetries.Add(1)
			continue
		}
		var again []*item
		for k, it := range pending {
			var rep bulkItemReply
			for _, v := range r.Items[k] {
				rep = v
			}
			switch {
			case rep.Status >= 200 && rep.Status < 300:
				ix.stats.indexed.Add(1)
				it.g.resolve(it.i, nil)
			case rep.Status == http.StatusConflict && rep.Error != nil && rep.Error.Type == "version_conflict_engine_exception":
				// The index holds a later fetch of this article already:
				// this write is superseded, and the article is as current
				// as it can be.
				ix.stats.superseded.Add(1)
				it.g.resolve(it.i, nil)
			case retryable(rep.Status):
				if rep.Status == http.StatusTooManyRequests {
					ix.stats.throttledItems.Add(1)
				}
				again = append(again, it)
				ie := &ItemError{Status: rep.Status}
				if rep.Error != nil {
					ie.Type, ie.Reason = rep.Error.Type, rep.Error.String()
				}
				lastErr = ie
			default:
				ie := &ItemError{Status: rep.Status}
				if rep.Error != nil {
					ie.Type, ie.Reason = rep.Error.Type, rep.Error.String()
				}
				ix.stats.rejected.Add(1)
				ix.log.Warn("article rejected", "id", it.id, "status", rep.Status, "type", ie.Type, "reason", ie.Reason)
				err := fmt.Errorf("index article %s: %w", it.id, ie)
				if rep.Status >= 400 && rep.Status < 500 {
					// A mapping conflict or a malformed document: trying
					// again cannot help.
					err = permanent.Error(err)
				}
				it.g.resolve(it.i, err)
			}
		}
		if len(again) == 0 {
			return
		}
		ix.stats.itemRetries.Add(int64(len(again)))
		ix.log.Warn("bulk items throttled, retrying", "items", len(again), "of", len(pending), "attempt", attempt+1)
		pending = again
	}
}
