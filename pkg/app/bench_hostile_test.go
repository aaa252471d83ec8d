package app

import (
	"bufio"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/parley-news/parley/pkg/query"
)

// BenchmarkHostileQueries (make bench-hostile) measures the memory of a
// `parley run` process (embedded NATS and Bleve) holding 1,000 articles
// while 8 clients send searches at once: first an ordinary query, then the
// costliest queries a caller can send within the query limits (4,096
// bytes, 256 terms: the 256 commonest words OR'ed, 128 common two-word
// phrases OR'ed, 256 negated common words), each with the most expensive
// parameters (size=100, from=10000, collapse=story, histogram=day,
// sort=date). It prints the process's resident memory before the queries
// and its peak (sampled every 10 ms) during each phase.
// BENCH_HOSTILE_CLIENTS=N sends from N clients instead of 8.
func BenchmarkHostileQueries(b *testing.B) {
	const feeds, items, rounds = 10, 100, 3
	clients := 8
	if n, err := strconv.Atoi(os.Getenv("BENCH_HOSTILE_CLIENTS")); err == nil && n > 0 {
		clients = n // to see that more clients do not take more memory
	}
	bin, err := buildParley()
	if err != nil {
		b.Fatal(err)
	}
	o, _ := generatedOrigin(b, feeds, items)
	hostile := hostileQueries(b, benchBodies(b))

	for range b.N {
		addr := freeAddr(b)
		data := b.TempDir()
		cmd := exec.Command(bin, "run", "--feeds", writeFeedList(b, o.GeneratedFeedURLs()...), "--data", data,
			"--http", addr, "--nats-listen", "", "--allow-private-addresses", "--poll-interval", "1h",
			"--host-delay", "0", "--host-concurrency", "16") // one local origin: no politeness wait
		logf, err := os.Create(filepath.Join(data, "parley.log"))
		if err != nil {
			b.Fatal(err)
		}
		cmd.Stdout, cmd.Stderr = logf, logf
		if err := cmd.Start(); err != nil {
			b.Fatal(err)
		}
		stop := func() {
			_ = cmd.Process.Signal(os.Interrupt)
			_ = cmd.Wait()
			logf.Close()
		}
		base := "http://" + addr
		start := time.Now()
		if !pollUntil(15*time.Minute, func() bool { return searchable(base) >= feeds*items }) {
			stop()
			b.Fatalf("only %d of %d articles searchable after 15 minutes", searchable(base), feeds*items)
		}
		fmt.Printf("hostile queries: %d articles searchable in %s\n", feeds*items, time.Since(start).Round(time.Second))
		time.Sleep(2 * time.Second) // let the indexer's last batch settle before the baseline
		baseline := rssMiB(cmd.Process.Pid, "VmRSS:")
		fmt.Printf("hostile queries: parley RSS before the queries %.0f MiB\n", baseline)

		params := "&size=100&from=10000&collapse=story&histogram=day&sort=date"
		phases := []struct {
			name    string
			queries []string
		}{
			{"ordinary query (Zelensky talks)", []string{"Zelensky talks"}},
			{"worst-case queries", hostile},
		}
		for _, ph := range phases {
			peak, lat, codes := duringQueries(b, cmd.Process.Pid, base, ph.queries, params, clients, rounds)
			sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
			fmt.Printf("hostile queries: %d clients at once, %d rounds, %s: peak RSS %.0f MiB (+%.0f over before), latency p50 %s max %s, statuses %v\n",
				clients, rounds, ph.name, peak, peak-baseline, lat[len(lat)/2].Round(time.Millisecond), lat[len(lat)-1].Round(time.Millisecond), codes)
		}
		fmt.Printf("hostile queries: parley peak RSS over the whole run (VmHWM, ingest included) %.0f MiB\n", rssMiB(cmd.Process.Pid, "VmHWM:"))
		stop()
	}
}

// hostileQueries are the costliest queries within query.MaxBytes and
// query.MaxTerms that bodies' vocabulary allows.
func hostileQueries(tb testing.TB, bodies []string) []string {
	words := map[string]int{}
	pairs := map[string]int{}
	for _, body := range bodies {
		toks := query.Analyze(body)
		for i, t := range toks {
			words[t.Text]++
			if i > 0 {
				pairs[toks[i-1].Text+" "+t.Text]++
			}
		}
	}
	common := func(m map[string]int, n int, maxLen int) []string {
		var out []string
		for k := range m {
			if len(k) <= maxLen {
				out = append(out, k)
			}
		}
		sort.Slice(out, func(i, j int) bool { return m[out[i]] > m[out[j]] || m[out[i]] == m[out[j]] && out[i] < out[j] })
		return out[:min(n, len(out))]
	}
	qs := []string{
		strings.Join(common(words, query.MaxTerms, 10), " OR "),
		`"` + strings.Join(common(pairs, query.MaxTerms/2, 24), `" OR "`) + `"`,
		"-" + strings.Join(common(words, query.MaxTerms, 12), " -"),
	}
	for _, q := range qs {
		if _, err := query.Parse(q); err != nil {
			tb.Fatalf("hostile query (%d bytes) does not parse: %v", len(q), err)
		}
		fmt.Printf("hostile queries: a query of %d bytes, %d terms: %.60s…\n", len(q), mustTerms(q), q)
	}
	return qs
}

func mustTerms(q string) int {
	n, _ := query.Parse(q)
	return query.Terms(n)
}

// duringQueries runs clients goroutines, each sending its query (round
// robin over queries) rounds times, and returns the peak RSS of pid
// meanwhile, every latency, and the count of each status code.
func duringQueries(tb testing.TB, pid int, base string, queries []string, params string, clients, rounds int) (float64, []time.Duration, map[int]int) {
	var peak atomic.Uint64
	done := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		t := time.NewTicker(10 * time.Millisecond)
		defer t.Stop()
		for {
			if v := uint64(rssMiB(pid, "VmRSS:") * 1024); v > peak.Load() {
				peak.Store(v)
			}
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	}()
	var (
		mu    sync.Mutex
		lat   []time.Duration
		codes = map[int]int{}
		wg    sync.WaitGroup
	)
	client := &http.Client{Timeout: 5 * time.Minute}
	for c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			q := queries[c%len(queries)]
			for range rounds {
				start := time.Now()
				resp, err := client.Get(base + "/api/search?q=" + url.QueryEscape(q) + params)
				code := 0
				if err == nil {
					code = resp.StatusCode
					_, _ = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
				}
				mu.Lock()
				lat = append(lat, time.Since(start))
				codes[code]++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	close(done)
	<-sampled
	return float64(peak.Load()) / 1024, lat, codes
}

// rssMiB reads a memory line (VmRSS:, VmHWM:) of /proc/<pid>/status, in MiB.
func rssMiB(pid int, field string) float64 {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), field); ok {
			var kb float64
			fmt.Sscanf(strings.TrimSpace(v), "%f", &kb)
			return kb / 1024
		}
	}
	return 0
}
