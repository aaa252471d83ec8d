package elastic

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/parley-news/parley/pkg/index"
	"github.com/parley-news/parley/pkg/query"
)

const (
	// exportPage is how many articles one page of an export reads: the
	// most an export holds in memory at once.
	exportPage = 1000
	// exportKeepAlive is how long the point in time lives between pages.
	exportKeepAlive = "2m"
)

// Export calls fn with every article matching q (expanded and resolved as
// Search does), with no depth limit: it opens a point in time on the index
// and pages through it with search_after in the order of the shards'
// documents, so the export sees the index as it was when it started and
// memory stays at one page however many articles match. An error of fn
// stops the export and is returned.
func (ix *Index) Export(ctx context.Context, q query.Node, fn func(index.Record) error) error {
	q = ix.expanded(q)
	if q != nil {
		q = query.Resolve(q, time.Now())
	}
	eq, err := Translate(q)
	if err != nil {
		return err
	}
	var pit struct {
		ID string `json:"id"`
	}
	if err := ix.call(ctx, ix.es, "open point in time", http.MethodPost, "/"+ix.target+"/_pit?keep_alive="+exportKeepAlive, nil, &pit); err != nil {
		return fmt.Errorf("export: %w", err)
	}
	defer func() {
		// The point in time holds segments open until it expires: close it
		// even when ctx is done.
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		if err := ix.call(cctx, ix.es, "close point in time", http.MethodDelete, "/_pit", map[string]any{"id": pit.ID}, nil); err != nil {
			ix.log.Warn("close point in time of an export", "error", err)
		}
	}()
	source := make([]string, len(index.ExportFields))
	for i, f := range index.ExportFields {
		source[i] = fieldArticle + "." + f
	}
	var after []json.RawMessage
	for {
		body := map[string]any{
			"query":            eq,
			"size":             exportPage,
			"pit":              map[string]any{"id": pit.ID, "keep_alive": exportKeepAlive},
			"sort":             []any{map[string]any{"_shard_doc": "asc"}},
			"track_total_hits": false,
			"_source":          source,
		}
		if after != nil {
			body["search_after"] = after
		}
		var r struct {
			PitID string `json:"pit_id"`
			Hits  struct {
				Hits []struct {
					Source struct {
						Article index.ExportArticle `json:"article"`
					} `json:"_source"`
					Sort []json.RawMessage `json:"sort"`
				} `json:"hits"`
			} `json:"hits"`
		}
		if err := ix.call(ctx, ix.es, "export", http.MethodPost, "/_search", body, &r); err != nil {
			return fmt.Errorf("export: %w", err)
		}
		if r.PitID != "" {
			pit.ID = r.PitID
		}
		for _, h := range r.Hits.Hits {
			if err := fn(h.Source.Article.Record()); err != nil {
				return err
			}
		}
		if len(r.Hits.Hits) < exportPage {
			return nil
		}
		after = r.Hits.Hits[len(r.Hits.Hits)-1].Sort
	}
}
