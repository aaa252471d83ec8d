package elastic

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/parley-news/parley/pkg/article"
	"github.com/parley-news/parley/pkg/permanent"
)

// TestIndexSurvivesOutage stops Elasticsearch for 30 seconds while
// articles are being indexed and starts it again. The writer retries as
// the indexer does (a failed article is sent again later, like a
// JetStream redelivery after a nak): afterwards every article is there
// exactly once.
func TestIndexSurvivesOutage(t *testing.T) {
	url, ctl := startESCtl(t, "outage", 9260)
	ix := openTest(t, func(c *Config) {
		c.URLs = []string{url}
		c.MaxRetries = 2
		c.RetryBackoff = 200 * time.Millisecond
		c.MaxRetryBackoff = time.Second
	})
	base := fixtures(t)
	const batches, perBatch = 60, 50
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()

	progress := make(chan int, batches)
	var failures, refused int
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for b := range batches {
			pending := make([]*article.Article, perBatch)
			for i := range pending {
				a := *base[i%len(base)]
				a.ID = fmt.Sprintf("outage-%d-%d", b, i)
				pending[i] = &a
			}
			for len(pending) > 0 && ctx.Err() == nil {
				var again []*article.Article
				for i, err := range ix.Index(ctx, pending) {
					switch {
					case err == nil:
					case permanent.Is(err):
						refused++
						t.Errorf("article %s: permanent error during an outage: %v", pending[i].ID, err)
					default:
						failures++
						again = append(again, pending[i])
					}
				}
				pending = again
				if len(pending) > 0 {
					time.Sleep(time.Second) // the indexer's nak delay
				}
			}
			progress <- b
			time.Sleep(200 * time.Millisecond) // a steady trickle across the outage
		}
	}()

	// Let some batches in, then stop Elasticsearch for 30 s.
	for range 5 {
		<-progress
	}
	ctl("down")
	t.Log("Elasticsearch stopped")
	time.Sleep(30 * time.Second)
	if got := ctl("up"); got != url {
		t.Fatalf("Elasticsearch came back at %s, not %s", got, url)
	}
	t.Log("Elasticsearch started again")
	wg.Wait()
	if ctx.Err() != nil {
		t.Fatal("ingestion did not finish within 10 minutes of the outage")
	}
	if failures == 0 {
		t.Error("no write failed while Elasticsearch was down: the outage was not exercised")
	}
	if err := ix.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	n, err := ix.Count(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if n != batches*perBatch {
		t.Errorf("count %d after the outage, want %d: articles lost or doubled", n, batches*perBatch)
	}
	// Each id once: every expected id is found.
	for b := range batches {
		for _, i := range []int{0, perBatch - 1} {
			if _, err := ix.Article(context.Background(), fmt.Sprintf("outage-%d-%d", b, i)); err != nil {
				t.Errorf("outage-%d-%d: %v", b, i, err)
			}
		}
	}
	t.Logf("%d article writes failed during the outage and were sent again; stats %+v", failures, ix.Stats())
}
