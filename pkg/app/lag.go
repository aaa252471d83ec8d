package app

import (
	"context"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/parley-news/parley/pkg/bus"
)

// lagCollector reports each stage consumer's backlog at scrape time.
type lagCollector struct {
	bus     *bus.Bus
	log     *slog.Logger
	pending *prometheus.Desc
	acking  *prometheus.Desc
}

func newLagCollector(b *bus.Bus, log *slog.Logger) *lagCollector {
	return &lagCollector{
		bus: b, log: log,
		pending: prometheus.NewDesc("parley_consumer_pending_messages", "Messages a stage has not received yet (its lag).", []string{"consumer"}, nil),
		acking:  prometheus.NewDesc("parley_consumer_ack_pending_messages", "Messages a stage received but has not acknowledged.", []string{"consumer"}, nil),
	}
}

var stageConsumers = []struct{ stream, durable string }{
	{bus.StreamRaw, "parser"},
	{bus.StreamArticles, "indexer"},
	{bus.StreamIndexed, "alerter"},
}

func (c *lagCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.pending
	ch <- c.acking
}

func (c *lagCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	for _, sc := range stageConsumers {
		pending, ackPending, err := c.bus.Pending(ctx, sc.stream, sc.durable)
		if err != nil {
			continue // the stage has not created its consumer (not running here)
		}
		ch <- prometheus.MustNewConstMetric(c.pending, prometheus.GaugeValue, float64(pending), sc.durable)
		ch <- prometheus.MustNewConstMetric(c.acking, prometheus.GaugeValue, float64(ackPending), sc.durable)
	}
}
