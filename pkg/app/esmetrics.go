package app

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/parley-news/parley/pkg/index/elastic"
)

// esCollector reports the Elasticsearch bulk writer's counters, so that
// throttling, retries and rejected articles show on /metrics.
type esCollector struct {
	ix       interface{ Stats() elastic.Stats }
	items    *prometheus.Desc
	requests *prometheus.Desc
	retries  *prometheus.Desc
	throttle *prometheus.Desc
}

func newESCollector(ix interface{ Stats() elastic.Stats }) *esCollector {
	return &esCollector{
		ix: ix,
		items: prometheus.NewDesc("parley_elasticsearch_items_total",
			"Articles the bulk writer finished, by outcome: indexed, superseded (the index holds a later fetch), rejected (for good, with a reason), failed (still throttled or unreachable after every retry).", []string{"outcome"}, nil),
		requests: prometheus.NewDesc("parley_elasticsearch_bulk_requests_total", "Bulk requests sent, retries included.", nil, nil),
		retries: prometheus.NewDesc("parley_elasticsearch_retries_total",
			"Retries: whole bulk requests (429/502/503/504, connection errors) and single items throttled inside a 200 answer.", []string{"kind"}, nil),
		throttle: prometheus.NewDesc("parley_elasticsearch_throttled_total", "429 answers, for whole requests and for single items.", []string{"kind"}, nil),
	}
}

func (c *esCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.items
	ch <- c.requests
	ch <- c.retries
	ch <- c.throttle
}

func (c *esCollector) Collect(ch chan<- prometheus.Metric) {
	s := c.ix.Stats()
	counter := func(d *prometheus.Desc, v int64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(v), labels...)
	}
	counter(c.items, s.Indexed, "indexed")
	counter(c.items, s.Superseded, "superseded")
	counter(c.items, s.Rejected, "rejected")
	counter(c.items, s.Failed, "failed")
	counter(c.requests, s.BulkRequests)
	counter(c.retries, s.RequestRetries, "request")
	counter(c.retries, s.ItemRetries, "item")
	counter(c.throttle, s.ThrottledBulks, "request")
	counter(c.throttle, s.ThrottledItems, "item")
}
