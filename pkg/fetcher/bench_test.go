package fetcher

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/parley-news/parley/pkg/bus"
	"github.com/parley-news/parley/pkg/bus/bustest"
	"github.com/parley-news/parley/pkg/feedstore"
	"github.com/parley-news/parley/pkg/fetch"
	"github.com/parley-news/parley/pkg/internal/origin"
)

func benchEnv(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

// BenchmarkFetchScale (make bench-fetch): one fetcher, with parley's
// default politeness (2 in flight and 1 s between request starts per host)
// and scheduling, against a generated publisher farm on many loopback
// addresses: BENCH_FETCH_FEEDS feeds (default 100,000) on
// BENCH_FETCH_HOSTS hosts (default one per 100 feeds), one item each, one
// feed in ten busy (a new item every minute), the rest idle (their item
// months old, so they learn the maximum interval). It runs the start (the
// feeds spread over the first --poll-interval, BENCH_FETCH_START_SECONDS,
// default 240: at 1 request/s a host needs 200 s for its 100 feeds and
// pages) and then BENCH_FETCH_SECONDS more (default 120), and prints
// polls/s, the lateness of polls (due to start), peak RSS (the whole
// process: fetcher, nats-server and the farm) and goroutines, the most
// requests in flight at one host and the busiest host's requests/s, and
// the time from a busy feed's item being published to its page being in
// JetStream.
func BenchmarkFetchScale(b *testing.B) {
	feeds := benchEnv("BENCH_FETCH_FEEDS", 100_000)
	hosts := benchEnv("BENCH_FETCH_HOSTS", max(1, feeds/100))
	start := time.Duration(benchEnv("BENCH_FETCH_START_SECONDS", 240)) * time.Second
	steady := time.Duration(benchEnv("BENCH_FETCH_SECONDS", 120)) * time.Second
	var mu sync.Mutex
	published := map[string]time.Time{}
	farm, err := origin.StartFarm(origin.FarmConfig{
		Hosts: hosts, Feeds: feeds / hosts, Items: 1, FirstIP: "127.1.0.1",
		BusyEvery: time.Minute, BusyOneIn: 10,
		Published: func(page string, at time.Time) {
			mu.Lock()
			if _, ok := published[page]; !ok {
				published[page] = at
			}
			mu.Unlock()
		},
	})
	if err != nil {
		b.Skipf("loopback addresses: %v", err)
	}
	defer farm.Close()
	bb := bustest.NewConfig(b, bus.Config{})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	urls := farm.FeedURLs()
	addStart := time.Now()
	for _, u := range urls {
		if _, err := feedstore.New(bb, nil).AddFeed(ctx, feedstore.FeedEntry{URL: u}); err != nil {
			b.Fatal(err)
		}
	}
	added := time.Since(addStart)
	began := time.Now()
	reg := prometheus.NewRegistry()
	f, err := New(Config{
		PollInterval: start, MinPollInterval: time.Minute, MaxPollInterval: 24 * time.Hour,
		Fetch: fetch.Config{AllowPrivate: true, HostConcurrency: 2, HostDelay: time.Second},
	}, bb, reg, slog.New(slog.DiscardHandler))
	if err != nil {
		b.Fatal(err)
	}

	// Raw messages as they arrive: how long after its publication each
	// busy item published during the run got into JetStream.
	var lags []time.Duration
	sub, err := bb.Conn().Subscribe(bus.SubjectRaw+".>", func(m *nats.Msg) {
		r, err := bus.DecodeRaw(m.Data)
		if err != nil {
			return
		}
		mu.Lock()
		defer mu.Unlock()
		if at, ok := published[r.PageURL]; ok && at.After(began.Add(start)) {
			lags = append(lags, time.Since(at))
		}
	})
	if err != nil {
		b.Fatal(err)
	}
	defer func() { _ = sub.Unsubscribe() }()

	var peakG, peakActive, peakReady, peakHostWait int
	stopSample := make(chan struct{})
	var sampler sync.WaitGroup
	sampler.Go(func() {
		t := time.NewTicker(200 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-stopSample:
				return
			case <-t.C:
				peakG = max(peakG, runtime.NumGoroutine())
				f.sched.mu.Lock()
				waiting := 0
				for _, q := range f.sched.hostWait {
					waiting += len(q)
				}
				peakActive, peakReady, peakHostWait = max(peakActive, f.sched.active), max(peakReady, len(f.sched.ready)), max(peakHostWait, waiting)
				f.sched.mu.Unlock()
			}
		}
	})
	b.ResetTimer()
	done := make(chan error, 1)
	go func() { done <- f.Run(ctx) }()
	time.Sleep(start + steady)
	polls := counterSum(b, reg, "parley_fetcher_polls_total")
	elapsed := time.Since(began)
	cancel()
	<-done
	close(stopSample)
	sampler.Wait()
	b.StopTimer()

	late := histogram(b, reg, "parley_fetch_lateness_seconds")
	maxIn, maxReq := 0, 0
	for _, h := range farm.Hosts {
		n, in := h.Stats()
		maxIn, maxReq = max(maxIn, in), max(maxReq, n)
	}
	fmt.Printf("bench-fetch: %d feeds on %d hosts (%d busy), %v start + %v steady, feeds added in %v\n", feeds, hosts, feeds/10, start, steady, added.Round(time.Second))
	fmt.Printf("bench-fetch: polls %.0f, %.1f polls/s\n", polls, polls/elapsed.Seconds())
	queued := histogram(b, reg, "parley_fetch_host_queue_seconds")
	fmt.Printf("bench-fetch: lateness p50 %s, p99 %s (of %d polls)\n", late.quantile(0.5), late.quantile(0.99), late.count)
	fmt.Printf("bench-fetch: queued behind their host (not lateness): %d polls, p50 %s, p99 %s\n", queued.count, queued.quantile(0.5), queued.quantile(0.99))
	fmt.Printf("bench-fetch: peak RSS %s, peak goroutines %d\n", peakRSS(), peakG)
	fmt.Printf("bench-fetch: scheduler: most polls running %d (limit %d), most waiting for a poll slot %d, most queued behind their host %d\n", peakActive, f.cfg.Polls, peakReady, peakHostWait)
	fmt.Printf("bench-fetch: per host: most in flight %d, busiest host %.2f requests/s\n", maxIn, float64(maxReq)/elapsed.Seconds())
	mu.Lock()
	slices.Sort(lags)
	if n := len(lags); n > 0 {
		fmt.Printf("bench-fetch: busy items published after the start -> raw page in JetStream: p50 %s, p99 %s (%d items)\n",
			lags[n/2].Round(time.Millisecond), lags[min(n-1, n*99/100)].Round(time.Millisecond), n)
	}
	mu.Unlock()
}

type hist struct {
	bounds []float64
	counts []uint64 // cumulative
	count  uint64
}

// quantile is the upper bound of the bucket holding q of the samples.
func (h hist) quantile(q float64) string {
	want := uint64(q * float64(h.count))
	for i, c := range h.counts {
		if c >= want {
			return "<= " + (time.Duration(h.bounds[i] * float64(time.Second))).String()
		}
	}
	return "> " + (time.Duration(h.bounds[len(h.bounds)-1] * float64(time.Second))).String()
}

func histogram(tb testing.TB, g prometheus.Gatherer, name string) hist {
	mfs, err := g.Gather()
	if err != nil {
		tb.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		m := mf.GetMetric()[0].GetHistogram()
		h := hist{count: m.GetSampleCount()}
		for _, b := range m.GetBucket() {
			h.bounds = append(h.bounds, b.GetUpperBound())
			h.counts = append(h.counts, b.GetCumulativeCount())
		}
		return h
	}
	tb.Fatalf("no metric %s", name)
	return hist{}
}

func counterSum(tb testing.TB, g prometheus.Gatherer, name string) float64 {
	mfs, err := g.Gather()
	if err != nil {
		tb.Fatal(err)
	}
	var sum float64
	for _, mf := range mfs {
		if mf.GetName() == name {
			for _, m := range mf.GetMetric() {
				sum += m.GetCounter().GetValue()
			}
		}
	}
	return sum
}

// peakRSS is the process's peak resident set (VmHWM).
func peakRSS() string {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return "unknown"
	}
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			return strings.TrimSpace(v)
		}
	}
	return "unknown"
}
