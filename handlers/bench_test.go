package handlers

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"awda/cmd/awdaload/load"
	"awda/models"
	"awda/models/dbtest"
	"awda/views"
)

// The benchmarks compare, in one run on this machine, a signed-in page (session
// lookup, CSRF, translations, access log, queries, templ render) with a bare echo
// handler returning a short string, both under the same wrk-style load: 32 keep-alive
// connections for AWDA_BENCH_SECONDS (default 5) each, in alternating rounds. Targets:
// each page at no less than 1/20 of the bare handler's throughput, its p99 under 100 ms.

// BenchmarkSignedInVsBare: the home page.
func BenchmarkSignedInVsBare(b *testing.B) {
	fs := newFuzzServer(b)
	full := httptest.NewServer(fs.srv.e)
	defer full.Close()
	benchVsBare(b, "home", full.URL+views.PathHome, fs.cookies)
}

// BenchmarkCaseListVsBare: the case list's first page over 100,000 cases, as a
// supervisor of every office (the widest scope: the count covers every case, and the
// page has the reassign form; an admin would first need two-step sign-in and get the
// setup page instead) and as a caseworker of one office (about 11,000 in scope), with
// no filter and with a status filter.
func BenchmarkCaseListVsBare(b *testing.B) {
	srv, stores := benchCaseServer(b)
	all := benchSignIn(b, srv, stores, "benchsupervisor@example.org", models.RoleSupervisor, "")
	one := benchSignIn(b, srv, stores, dbtest.BenchCaseworker, "", "")
	for _, bc := range []struct {
		name, query string
		cookies     []*http.Cookie
	}{
		{"all-offices", "", all},
		{"all-offices-status", "?status=approved", all},
		{"one-office", "", one},
		{"one-office-status", "?status=approved", one},
	} {
		b.Run(bc.name, func(b *testing.B) {
			target := srv.URL + views.PathCases + bc.query
			benchWant(b, target, bc.cookies, `data-testid="case-table"`)
			benchVsBare(b, "list", target, bc.cookies)
		})
	}
}

// benchWant checks that the page at target is what the benchmark means to measure.
func benchWant(b *testing.B, target string, cookies []*http.Cookie, want string) {
	req, _ := http.NewRequestWithContext(b.Context(), http.MethodGet, target, nil)
	for _, c := range cookies {
		req.AddCookie(c)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), want) {
		b.Fatalf("%s: status %d, no %s in the page", target, resp.StatusCode, want)
	}
}

// BenchmarkCaseFileVsBare: a case file of the 100,000 with typical casework (support,
// activities, a referral, a session). Each view is an audit event, so every request
// also writes.
func BenchmarkCaseFileVsBare(b *testing.B) {
	srv, stores := benchCaseServer(b)
	cookies := benchSignIn(b, srv, stores, dbtest.BenchCaseworker, "", "")
	id := dbtest.BenchCaseFile(b, stores)
	benchWant(b, srv.URL+views.CasePath(id), cookies, `data-testid="case-number"`)
	benchVsBare(b, "case file", srv.URL+views.CasePath(id), cookies)
}

// benchCaseServer serves the portal on the 100,000-case SQLite benchmark database.
func benchCaseServer(b testing.TB) (*httptest.Server, *models.Stores) {
	stores := dbtest.BenchCasesDB(b, filepath.Join(os.TempDir(), "awda-bench-cases-100k-handlers.db"))
	b.Cleanup(func() {
		// Case views wait in the audit queue for up to 100 ms: save them before closing.
		if err := stores.Audit.Drain(context.Background()); err != nil {
			b.Error(err)
		}
		stores.DB.Close()
	})
	srv := newPortal(b, stores, quietLogger())
	hs := httptest.NewServer(srv.e)
	b.Cleanup(hs.Close)
	return hs, stores
}

// benchSignIn signs in through the sign-in form (creating the user when role is set)
// and returns the browser's cookies.
func benchSignIn(b testing.TB, srv *httptest.Server, stores *models.Stores, email string, role models.Role, office string) []*http.Cookie {
	password := dbtest.BenchPassword
	if role != "" {
		if _, _, err := stores.Users.Create(b.Context(), models.Actor{}, models.UserInput{Email: email, Name: "Bench " + string(role),
			Role: role, OfficeCode: office, Password: password}); err != nil {
			if fe, ok := models.AsValidation(err); !ok || fe["email"] != "error.email_taken" {
				b.Fatal(err)
			}
		}
	}
	c := load.NewClient(srv.URL, nil)
	if err := c.Login(b.Context(), email, password); err != nil {
		b.Fatal(err)
	}
	u, _ := url.Parse(srv.URL)
	return c.HTTP.Jar.Cookies(u)
}

// benchVsBare measures the page at target against a bare echo handler, alternating
// the two in half-second rounds (the machine is shared: a change in the background load
// touches both alike), and reports the ratio and the page's percentiles.
func benchVsBare(b *testing.B, name, target string, cookies []*http.Cookie) {
	d := 5 * time.Second
	if v, err := time.ParseDuration(os.Getenv("AWDA_BENCH_SECONDS") + "s"); err == nil && v > 0 {
		d = v
	}
	const conns = 32
	bare := echo.New()
	bare.GET("/*", func(c echo.Context) error { return c.String(http.StatusOK, c.Request().URL.Path) })
	bareSrv := httptest.NewServer(bare)
	defer bareSrv.Close()

	for i := 0; i < b.N; i++ {
		b.StopTimer()
		// Warm up both (connections, template and catalogue caches, the database's pages).
		load.Hammer(b.Context(), bareSrv.URL+"/warm", conns, 300*time.Millisecond, nil)
		if r, _ := load.Hammer(b.Context(), target, conns, 500*time.Millisecond, cookies); r.Errors > 0 || r.Requests == 0 {
			b.Fatalf("%s: %d errors in %d requests while warming up", target, r.Errors, r.Requests)
		}
		b.StartTimer()
		var br, pr load.HammerResult
		for range int(d / (500 * time.Millisecond)) {
			r, err := load.Hammer(b.Context(), bareSrv.URL+"/cases", conns, 500*time.Millisecond, nil)
			if err != nil {
				b.Fatal(err)
			}
			br = br.Add(r)
			r, err = load.Hammer(b.Context(), target, conns, 500*time.Millisecond, cookies)
			if err != nil {
				b.Fatal(err)
			}
			pr = pr.Add(r)
		}
		if br.Errors+pr.Errors > 0 {
			b.Fatalf("errors: bare %d, %s %d", br.Errors, name, pr.Errors)
		}
		ratio := br.Throughput() / pr.Throughput()
		b.ReportMetric(br.Throughput(), "bare-req/s")
		b.ReportMetric(pr.Throughput(), "page-req/s")
		b.ReportMetric(ratio, "bare/page")
		b.ReportMetric(float64(pr.P99.Microseconds())/1000, "page-p99-ms")
		b.ReportMetric(float64(br.P99.Microseconds())/1000, "bare-p99-ms")
		b.Log(fmt.Sprintf("bare: %.0f req/s p50 %s p99 %s; %s: %.0f req/s p50 %s p95 %s p99 %s; ratio 1/%.1f (target 1/20: %s); %s p99 target 100ms: %s",
			br.Throughput(), br.P50, br.P99, name, pr.Throughput(), pr.P50, pr.P95, pr.P99, ratio,
			verdict(ratio <= 20), name, verdict(pr.P99 < 100*time.Millisecond)))
	}
}

func verdict(ok bool) string {
	if ok {
		return "met"
	}
	return "NOT MET"
}

// BenchmarkPageSerial requests each page one at a time (ns/op and allocs/op per request,
// server and client together): less sensitive than the ratios to a busy machine.
func BenchmarkPageSerial(b *testing.B) {
	srv, stores := benchCaseServer(b)
	all := benchSignIn(b, srv, stores, "benchsupervisor@example.org", models.RoleSupervisor, "")
	one := benchSignIn(b, srv, stores, dbtest.BenchCaseworker, "", "")
	id := dbtest.BenchCaseFile(b, stores)
	for _, bc := range []struct {
		name, path string
		cookies    []*http.Cookie
	}{
		{"list-all-offices", views.PathCases, all},
		{"list-all-offices-status", views.PathCases + "?status=approved", all},
		{"list-one-office", views.PathCases, one},
		{"list-one-office-status", views.PathCases + "?status=approved", one},
		{"case-file", views.CasePath(id), one},
	} {
		b.Run(bc.name, func(b *testing.B) {
			cl := &http.Client{}
			b.ReportAllocs()
			for b.Loop() {
				req, _ := http.NewRequestWithContext(b.Context(), http.MethodGet, srv.URL+bc.path, nil)
				for _, c := range bc.cookies {
					req.AddCookie(c)
				}
				resp, err := cl.Do(req)
				if err != nil {
					b.Fatal(err)
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					b.Fatalf("%s: %d", bc.path, resp.StatusCode)
				}
			}
		})
	}
}
