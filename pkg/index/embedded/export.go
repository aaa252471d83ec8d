package embedded

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/blevesearch/bleve/v2"
	bsearch "github.com/blevesearch/bleve/v2/search"

	"github.com/parley-news/parley/pkg/index"
	"github.com/parley-news/parley/pkg/query"
)

// exportPage is how many articles one page of an export reads: the most
// an export holds in memory at once.
const exportPage = 500

// Export calls fn with every article matching q (expanded and resolved as
// Search does), in id order, with no depth limit: it pages with
// search_after on the id, so memory stays at one page however many
// articles match. An article indexed or removed while the export runs may
// be in it or not; none comes twice. An error of fn stops the export and
// is returned.
func (ix *Index) Export(ctx context.Context, q query.Node, fn func(index.Record) error) error {
	if q == nil {
		q = query.All{}
	}
	q = query.Resolve(query.Expand(q, ix.resolver), time.Now())
	if err := ix.checkPrefixes(q); err != nil {
		return err
	}
	bq := translate(q)
	var after []string
	for {
		sr := bleve.NewSearchRequestOptions(bq, exportPage, 0, false)
		sr.SortByCustom(bsearch.SortOrder{&bsearch.SortDocID{}})
		sr.Score = bleve.ScoreNone
		sr.Fields = []string{fieldArticle}
		sr.SearchAfter = after
		res, err := ix.idx.SearchInContext(ctx, sr)
		if err != nil {
			return fmt.Errorf("export: %w", err)
		}
		for _, h := range res.Hits {
			raw, _ := h.Fields[fieldArticle].(string)
			var a index.ExportArticle
			if err := json.Unmarshal([]byte(raw), &a); err != nil {
				return fmt.Errorf("export: decode article %s: %w", h.ID, err)
			}
			if err := fn(a.Record()); err != nil {
				return err
			}
		}
		if len(res.Hits) < exportPage {
			return nil
		}
		after = []string{res.Hits[len(res.Hits)-1].ID}
	}
}
