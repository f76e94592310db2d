package load

import (
	"context"
	"io"
	"net/http"
	"slices"
	"sync"
	"time"
)

// HammerResult is what a wrk-style run measured.
type HammerResult struct {
	Requests, Errors int
	Elapsed          time.Duration
	P50, P95, P99    time.Duration
	// Latencies are every request's, sorted.
	Latencies []time.Duration
}

// Add merges another run's figures into h (rounds of an interleaved comparison).
func (h HammerResult) Add(o HammerResult) HammerResult {
	h.Requests += o.Requests
	h.Errors += o.Errors
	h.Elapsed += o.Elapsed
	h.Latencies = append(h.Latencies, o.Latencies...)
	slices.Sort(h.Latencies)
	h.P50, h.P95, h.P99 = pct(h.Latencies, 50), pct(h.Latencies, 95), pct(h.Latencies, 99)
	return h
}

// Throughput is requests per second.
func (h HammerResult) Throughput() float64 { return float64(h.Requests) / h.Elapsed.Seconds() }

// Hammer requests one URL as fast as it can over conns keep-alive connections for d,
// like wrk: each connection sends its next request as soon as the last answer is read.
// Any status but 200 counts as an error.
func Hammer(ctx context.Context, url string, conns int, d time.Duration, cookies []*http.Cookie) (HammerResult, error) {
	if err := CheckLoopback(url); err != nil {
		return HammerResult{}, err
	}
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	var mu sync.Mutex
	var all []time.Duration
	errs := 0
	var wg sync.WaitGroup
	start := time.Now()
	for range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tr := &http.Transport{MaxIdleConnsPerHost: 1, MaxConnsPerHost: 1, DisableCompression: true}
			defer tr.CloseIdleConnections()
			client := &http.Client{Transport: tr}
			var lat []time.Duration
			bad := 0
			for ctx.Err() == nil {
				req, _ := http.NewRequest(http.MethodGet, url, nil)
				for _, c := range cookies {
					req.AddCookie(c)
				}
				t0 := time.Now()
				resp, err := client.Do(req)
				if err != nil {
					bad++
					continue
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				lat = append(lat, time.Since(t0))
				if resp.StatusCode != http.StatusOK {
					bad++
				}
			}
			mu.Lock()
			all = append(all, lat...)
			errs += bad
			mu.Unlock()
		}()
	}
	wg.Wait()
	slices.Sort(all)
	return HammerResult{Requests: len(all), Errors: errs, Elapsed: time.Since(start),
		P50: pct(all, 50), P95: pct(all, 95), P99: pct(all, 99), Latencies: all}, nil
}
