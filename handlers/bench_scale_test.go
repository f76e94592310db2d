package handlers

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"awda/cmd/awdaload/load"
	"awda/models"
	"awda/models/dbtest"
	"awda/views"
)

// BenchmarkScale measures the pages people use all day on the demo dataset itself
// (awda demo --scale N, built once by make bench-scale and cached as
// $TMPDIR/awda-bench-demo-N.db), for each scale in AWDA_BENCH_SCALES (default "40"),
// against a bare echo handler in the same run: for each page, req/s, p50 and p99 at 32
// keep-alive connections in interleaved half-second rounds (AWDA_BENCH_SECONDS each,
// default 5), and the median time of one request alone. A scale whose database is not
// built is skipped with a message.
//
// With AWDA_BENCH_POSTGRES (a PostgreSQL URL) each scale is measured again on that
// server's awda_bench_demo_N database, which make bench-scale builds the same way.
func BenchmarkScale(b *testing.B) {
	scales := strings.Fields(os.Getenv("AWDA_BENCH_SCALES"))
	if len(scales) == 0 {
		scales = []string{"40"}
	}
	pg := os.Getenv("AWDA_BENCH_POSTGRES")
	for _, sc := range scales {
		b.Run("scale-"+sc, func(b *testing.B) { benchScale(b, benchDemoCopy(b, sc), sc) })
		if pg != "" {
			b.Run("scale-"+sc+"-postgres", func(b *testing.B) { benchScale(b, benchDemoCopyPostgres(b, pg, sc), sc+" PostgreSQL") })
		}
	}
}

// benchDemoCopy is a copy of the cached SQLite demo at a scale: the pages write
// (sessions, audit of case views).
func benchDemoCopy(b *testing.B, scale string) string {
	cached := filepath.Join(os.TempDir(), "awda-bench-demo-"+scale+".db")
	if _, err := os.Stat(cached); err != nil {
		b.Skipf("%s is not built: make bench-scale builds it (bin/awda demo --scale %s)", cached, scale)
	}
	path := filepath.Join(b.TempDir(), "awda.db")
	if err := copyFile(cached, path); err != nil {
		b.Fatal(err)
	}
	return path
}

// benchDemoCopyPostgres is a copy of the PostgreSQL demo at a scale (awda_bench_demo_N
// on the server of base), made from it as a template and dropped after the run.
func benchDemoCopyPostgres(b *testing.B, base, scale string) string {
	u, err := url.Parse(base)
	if err != nil {
		b.Fatalf("AWDA_BENCH_POSTGRES: %v", err)
	}
	ctx := context.Background()
	admin, err := models.Open(ctx, base, quietLogger())
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { admin.Close() })
	demo, run := "awda_bench_demo_"+scale, "awda_bench_run_"+scale
	var n int64
	if err := admin.Read.Raw("SELECT COUNT(*) FROM pg_database WHERE datname = ?", demo).Scan(&n).Error; err != nil {
		b.Fatal(err)
	}
	if n == 0 {
		b.Skipf("%s is not built on %s: make bench-scale BENCH_POSTGRES=… builds it (bin/awda demo --scale %s)", demo, u.Host, scale)
	}
	if err := admin.Write.Exec("DROP DATABASE IF EXISTS " + run + " WITH (FORCE)").Error; err != nil {
		b.Fatal(err)
	}
	if err := admin.Write.Exec("CREATE DATABASE " + run + " TEMPLATE " + demo).Error; err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { admin.Write.Exec("DROP DATABASE IF EXISTS " + run + " WITH (FORCE)") })
	u.Path = "/" + run
	return u.String()
}

// benchScale measures the pages on the demo database dsn (a copy: the pages write),
// reported under label.
func benchScale(b *testing.B, dsn, label string) {
	ctx := context.Background()
	db, err := models.Open(ctx, dsn, quietLogger())
	if err != nil {
		b.Fatal(err)
	}
	started := time.Now()
	if err := models.Migrate(ctx, db); err != nil {
		b.Fatal(err)
	}
	b.Logf("scale %s: migrations brought up to date in %s", label, time.Since(started).Round(time.Millisecond))
	stores := models.NewStores(db, time.Now, dbtest.CheapArgon)
	b.Cleanup(func() {
		stores.Audit.Drain(context.Background())
		db.Close()
	})
	srv := newPortal(b, stores, quietLogger())
	hs := httptest.NewServer(srv.e)
	b.Cleanup(hs.Close)

	cw := benchDemoSignIn(b, hs, stores, "caseworker.rab@awda.local")
	sup := benchDemoSignIn(b, hs, stores, "supervisor@awda.local")
	supOne := benchDemoSignIn(b, hs, stores, "supervisor.ouj@awda.local")
	var caseID uint
	if err := db.Read.Raw(`SELECT c.id FROM cases c JOIN offices o ON o.id = c.office_id
		WHERE o.code = 'RAB' AND EXISTS (SELECT 1 FROM supports s WHERE s.case_id = c.id)
		AND EXISTS (SELECT 1 FROM referrals r WHERE r.case_id = c.id) ORDER BY c.id LIMIT 1`).Scan(&caseID).Error; err != nil || caseID == 0 {
		b.Fatalf("no Rabat case with support and a referral: %v", err)
	}
	// The homes again on 15 December 2021, the demo's own year, as its users saw them:
	// this year's and last year's figures read data, and the days of the current month
	// are the demo's busiest. (On today's date the homes' years are empty.)
	inYear := models.NewStores(db, func() time.Time { return time.Date(2021, time.December, 15, 10, 0, 0, 0, time.UTC) }, dbtest.CheapArgon)
	hsYear := httptest.NewServer(newPortal(b, inYear, quietLogger()).e)
	b.Cleanup(hsYear.Close)
	cwYear := benchSignIn(b, hsYear, inYear, "caseworker.rab@awda.local", "", "")
	supYear := benchSignIn(b, hsYear, inYear, "supervisor@awda.local", "", "")
	y2021 := views.SummaryLink(models.SummaryFilter{}.WithYear(2021))
	// A period a supervisor types by hand starts and ends mid-month: its edge days are
	// read from the facts rather than the monthly tallies.
	midMonth := views.SummaryLink(models.SummaryFilter{From: models.NewDate(2021, time.March, 15), To: models.NewDate(2021, time.September, 14)})
	type page struct {
		name, path, want string
		cookies          []*http.Cookie
		// base is the portal's address when not hs's
		base string
	}
	pages := []page{
		{"home, caseworker", views.PathHome, `data-testid="home-cases-waiting"`, cw, ""},
		{"home, supervisor", views.PathHome, `data-testid="home-summary"`, sup, ""},
		{"home, caseworker, on 15 Dec 2021", views.PathHome, `data-testid="home-cases-waiting"`, cwYear, hsYear.URL},
		{"home, supervisor, on 15 Dec 2021", views.PathHome, `data-testid="home-figure-returns"`, supYear, hsYear.URL},
		{"summary, default period, all offices", views.PathSummary, `data-testid`, sup, ""},
		{"summary, 2021, all offices", y2021, `data-testid`, sup, ""},
		{"summary, default period, one office", views.PathSummary, `data-testid`, supOne, ""},
		{"summary, 2021, one office", y2021, `data-testid`, supOne, ""},
		{"summary, 15 Mar–14 Sep 2021, all offices", midMonth, `data-testid`, sup, ""},
		{"case list (caseworker)", views.PathCases, `data-testid="case-table"`, cw, ""},
		{"case list, q=fatima", views.PathCases + "?q=fatima", `data-testid`, cw, ""},
		{"case file", views.CasePath(caseID), `data-testid="case-number"`, cw, ""},
	}
	// AWDA_BENCH_PAGES (comma-separated parts of page names) measures only those pages,
	// without the reporting morning: to follow one page while working on it.
	if only := os.Getenv("AWDA_BENCH_PAGES"); only != "" {
		pages = slices.DeleteFunc(pages, func(p page) bool {
			return !slices.ContainsFunc(strings.Split(only, ","), func(part string) bool { return strings.Contains(p.name, part) })
		})
	}
	d := 5 * time.Second
	if v, err := time.ParseDuration(os.Getenv("AWDA_BENCH_SECONDS") + "s"); err == nil && v > 0 {
		d = v
	}
	const conns = 32
	bare := echo.New()
	bare.GET("/*", func(c echo.Context) error { return c.String(http.StatusOK, c.Request().URL.Path) })
	bareSrv := httptest.NewServer(bare)
	defer bareSrv.Close()

	var rows, mixed []string
	for i := 0; i < b.N; i++ {
		for _, p := range pages {
			target := cmp.Or(p.base, hs.URL) + p.path
			benchWant(b, target, p.cookies, p.want)
			// Warm both first (connections, caches, the database's pages), then one
			// request at a time, then the rounds.
			load.Hammer(b.Context(), bareSrv.URL+"/warm", conns, 300*time.Millisecond, nil)
			load.Hammer(b.Context(), target, conns, 500*time.Millisecond, p.cookies)
			alone := benchAlone(b, target, p.cookies, 7)
			var br, pr load.HammerResult
			for range max(1, int(d/(500*time.Millisecond))) {
				r, err := load.Hammer(b.Context(), bareSrv.URL+"/cases", conns, 500*time.Millisecond, nil)
				if err != nil {
					b.Fatal(err)
				}
				br = br.Add(r)
				r, err = load.Hammer(b.Context(), target, conns, 500*time.Millisecond, p.cookies)
				if err != nil {
					b.Fatal(err)
				}
				pr = pr.Add(r)
			}
			// A page too slow for the load tool's deadline counts errors (time-outs):
			// they are reported, not hidden.
			rows = append(rows, fmt.Sprintf("| %s | %s | %.1f | %s | %s | 1/%.0f | %.0f | %s | %d/%d |", label, p.name,
				pr.Throughput(), ms(pr.P50), ms(pr.P99), br.Throughput()/max(pr.Throughput(), 0.001), br.Throughput(), ms(alone),
				pr.Errors, pr.Requests))
			// progress on stderr: the benchmark log keeps only its first lines, which the tables need
			fmt.Fprintln(os.Stderr, rows[len(rows)-1])
		}
		if os.Getenv("AWDA_BENCH_PAGES") != "" {
			continue
		}
		mixed = append(mixed, benchMixed(b, label, hs.URL, hs.URL+y2021, sup, []mixedPage{
			{"home, caseworker", hs.URL + views.PathHome, cw},
			{"case list (caseworker)", hs.URL + views.PathCases, cw},
			{"case file", hs.URL + views.CasePath(caseID), cw},
		}, d)...)
	}
	// The report on stdout: a benchmark's log keeps only its first lines.
	fmt.Printf("\n| scale | page | req/s | p50 ms | p99 ms | vs bare | bare req/s | alone ms | errors/requests |\n|---|---|---:|---:|---:|---:|---:|---:|---:|\n%s\n",
		strings.Join(rows, "\n"))
	fmt.Printf("\nCaseworkers' pages (8 connections) alone, then while 32 connections load the summary (2021, all offices):\n| scale | page | req/s alone | p50 | p99 | req/s with summaries | p50 | p99 | summary req/s meanwhile | errors |\n|---|---|---:|---:|---:|---:|---:|---:|---:|---:|\n%s\n",
		strings.Join(mixed, "\n"))
}

type mixedPage struct {
	name, url string
	cookies   []*http.Cookie
}

// benchMixed is a reporting morning: each caseworker page under 8 connections, first
// alone, then while 32 supervisors' connections load the summary, in interleaved rounds.
func benchMixed(b *testing.B, scale, base, summary string, sup []*http.Cookie, pages []mixedPage, d time.Duration) []string {
	const round = 500 * time.Millisecond
	var rows []string
	for _, p := range pages {
		var alone, busy, sums load.HammerResult
		for range max(1, int(d/round)) {
			r, err := load.Hammer(b.Context(), p.url, 8, round, p.cookies)
			if err != nil {
				b.Fatal(err)
			}
			alone = alone.Add(r)
			var wg sync.WaitGroup
			var s load.HammerResult
			var serr error
			wg.Go(func() { s, serr = load.Hammer(b.Context(), summary, 32, round, sup) })
			r, err = load.Hammer(b.Context(), p.url, 8, round, p.cookies)
			wg.Wait()
			if err != nil || serr != nil {
				b.Fatal(err, serr)
			}
			busy, sums = busy.Add(r), sums.Add(s)
		}
		rows = append(rows, fmt.Sprintf("| %s | %s | %.0f | %s | %s | %.0f | %s | %s | %.1f | %d |", scale, p.name,
			alone.Throughput(), ms(alone.P50), ms(alone.P99), busy.Throughput(), ms(busy.P50), ms(busy.P99),
			sums.Throughput(), alone.Errors+busy.Errors+sums.Errors))
		fmt.Fprintln(os.Stderr, rows[len(rows)-1])
	}
	return rows
}

// benchDemoSignIn gives a demo account (whose password was shown once, at load) a
// known password through the stores, as an administrator's reset followed by the
// user's own change would, and signs in.
func benchDemoSignIn(b *testing.B, hs *httptest.Server, stores *models.Stores, email string) []*http.Cookie {
	ctx := b.Context()
	var id uint
	if err := stores.DB.Read.Raw("SELECT id FROM users WHERE email = ?", email).Scan(&id).Error; err != nil || id == 0 {
		b.Fatalf("no demo account %s: %v", email, err)
	}
	temp, err := stores.Users.ResetPassword(ctx, models.Actor{IP: "bench"}, id)
	if err != nil {
		b.Fatal(err)
	}
	u, err := stores.Users.Get(ctx, id)
	if err != nil {
		b.Fatal(err)
	}
	if err := stores.Users.ChangePassword(ctx, models.Actor{User: u, IP: "bench"}, u, models.PasswordChange{Current: temp, Password: dbtest.BenchPassword, Confirm: dbtest.BenchPassword}); err != nil {
		b.Fatal(err)
	}
	return benchSignIn(b, hs, stores, email, "", "")
}

// benchAlone is the median time of n requests made one at a time.
func benchAlone(b *testing.B, target string, cookies []*http.Cookie, n int) time.Duration {
	cl := &http.Client{}
	var ds []time.Duration
	for range n {
		req, _ := http.NewRequestWithContext(b.Context(), http.MethodGet, target, nil)
		for _, c := range cookies {
			req.AddCookie(c)
		}
		t0 := time.Now()
		resp, err := cl.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		ds = append(ds, time.Since(t0))
	}
	slices.Sort(ds)
	return ds[len(ds)/2]
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1f", float64(d.Microseconds())/1000) }

func copyFile(from, to string) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(to)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
