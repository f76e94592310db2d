package handlers

import (
	"net/http"
	"net/http/httptest"
	"os"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"awda/cmd/awdaload/load"
	"awda/views"
)

// BenchmarkSignedInVsBare compares, in one run on this machine, the signed-in home page
// (session lookup, CSRF, translations, access log, templ render) with a bare echo
// handler returning a short string, both under the same wrk-style load: 32 keep-alive
// connections for AWDA_BENCH_SECONDS (default 5) each, in alternating rounds. Targets: the home page at no less
// than 1/20 of the bare handler's throughput, and its p99 under 100 ms.
func BenchmarkSignedInVsBare(b *testing.B) {
	d := 5 * time.Second
	if v, err := time.ParseDuration(os.Getenv("AWDA_BENCH_SECONDS") + "s"); err == nil && v > 0 {
		d = v
	}
	const conns = 32
	bare := echo.New()
	bare.GET("/*", func(c echo.Context) error { return c.String(http.StatusOK, c.Request().URL.Path) })
	bareSrv := httptest.NewServer(bare)
	defer bareSrv.Close()
	fs := newFuzzServer(b)
	fullSrv := httptest.NewServer(fs.srv.e)
	defer fullSrv.Close()

	for i := 0; i < b.N; i++ {
		b.StopTimer()
		// Warm up both (connections, template and catalogue caches).
		load.Hammer(b.Context(), bareSrv.URL+"/warm", conns, 300*time.Millisecond, nil)
		load.Hammer(b.Context(), fullSrv.URL+views.PathHome, conns, 300*time.Millisecond, fs.cookies)
		b.StartTimer()
		// The machine is shared: alternate the two in half-second rounds, so a change
		// in the background load touches both alike.
		var br, hr load.HammerResult
		for range int(d / (500 * time.Millisecond)) {
			r, err := load.Hammer(b.Context(), bareSrv.URL+"/cases", conns, 500*time.Millisecond, nil)
			if err != nil {
				b.Fatal(err)
			}
			br = br.Add(r)
			r, err = load.Hammer(b.Context(), fullSrv.URL+views.PathHome, conns, 500*time.Millisecond, fs.cookies)
			if err != nil {
				b.Fatal(err)
			}
			hr = hr.Add(r)
		}
		if br.Errors+hr.Errors > 0 {
			b.Fatalf("errors: bare %d, home %d", br.Errors, hr.Errors)
		}
		ratio := br.Throughput() / hr.Throughput()
		b.ReportMetric(br.Throughput(), "bare-req/s")
		b.ReportMetric(hr.Throughput(), "home-req/s")
		b.ReportMetric(ratio, "bare/home")
		b.ReportMetric(float64(hr.P99.Microseconds())/1000, "home-p99-ms")
		b.ReportMetric(float64(br.P99.Microseconds())/1000, "bare-p99-ms")
		verdict := func(ok bool) string {
			if ok {
				return "met"
			}
			return "NOT MET"
		}
		b.Logf("bare: %.0f req/s p50 %s p99 %s; home: %.0f req/s p50 %s p95 %s p99 %s; ratio 1/%.1f (target 1/20: %s); home p99 target 100ms: %s",
			br.Throughput(), br.P50, br.P99, hr.Throughput(), hr.P50, hr.P95, hr.P99, ratio,
			verdict(ratio <= 20), verdict(hr.P99 < 100*time.Millisecond))
	}
}
