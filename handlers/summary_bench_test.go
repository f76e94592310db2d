package handlers

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"awda/models"
	"awda/models/dbtest"
	"awda/views"
)

// BenchmarkSummaryPage is the whole summary page through HTTP (guard, session, latest
// year, offices, Summary, rendering) on the benchmark dataset (dbtest.BenchSize), for a
// supervisor of all offices (an admin would first need two-step sign-in), with the
// period defaulting to the latest year. Run: make bench.
func BenchmarkSummaryPage(b *testing.B) {
	stores := dbtest.Stores(b, dbtest.NewClock(time.Date(2022, 1, 1, 9, 0, 0, 0, time.UTC)))
	dbtest.BulkSummaryData(b, stores, dbtest.BenchSize)
	admin := "bench-supervisor@example.org"
	dbtest.MustUser(b, stores, admin, models.RoleSupervisor, "", testPassword)
	srv := newPortal(b, stores, quietLogger())
	hs := httptest.NewServer(srv.e)
	defer hs.Close()
	jar, _ := cookiejar.New(nil)
	cl := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	get := func(path string) (*http.Response, string) {
		resp, err := cl.Get(hs.URL + path)
		if err != nil {
			b.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		return resp, string(body)
	}
	_, body := get(views.PathLogin)
	doc, _ := goquery.NewDocumentFromReader(strings.NewReader(body))
	token, _ := doc.Find(`input[name="_csrf"]`).Attr("value")
	resp, err := cl.PostForm(hs.URL+views.PathLogin, url.Values{"email": {admin}, "password": {testPassword}, "_csrf": {token}})
	if err != nil || resp.StatusCode != http.StatusSeeOther {
		b.Fatalf("login: %v %v", err, resp)
	}
	resp.Body.Close()
	// the raw SQL of the page's own queries: the latest year, the offices, the summary.
	ctx := b.Context()
	sqlDB, _ := stores.DB.Read.DB()
	ly, _ := models.LatestYearQuery(models.Scope{})
	sq, sargs := models.SummaryQuery(models.SummaryFilter{}.WithYear(2021), models.Scope{})
	sq = models.Rebind(stores.DB.Dialect, sq)
	raw := func() {
		var d *string
		if err := sqlDB.QueryRowContext(ctx, ly).Scan(&d); err != nil {
			b.Fatal(err)
		}
		rows, err := sqlDB.QueryContext(ctx, "SELECT id, code, name, city, created_at, updated_at FROM offices ORDER BY code")
		if err != nil {
			b.Fatal(err)
		}
		for rows.Next() {
		}
		rows.Close()
		rows, err = sqlDB.QueryContext(ctx, sq, sargs...)
		if err != nil {
			b.Fatal(err)
		}
		for rows.Next() {
			var ind, k string
			var n, amount int64
			rows.Scan(&ind, &k, &n, &amount)
		}
		rows.Close()
	}
	// the page and the raw SQL alternate (order swapping), so load slows both alike.
	var tPage, tRaw time.Duration
	i := 0
	for b.Loop() {
		for k := range 2 {
			t0 := time.Now()
			if (i+k)%2 == 0 {
				if resp, _ := get(views.PathSummary); resp.StatusCode != http.StatusOK {
					b.Fatalf("summary page: %d", resp.StatusCode)
				}
				tPage += time.Since(t0)
			} else {
				raw()
				tRaw += time.Since(t0)
			}
		}
		i++
	}
	b.ReportMetric(float64(tPage.Nanoseconds())/float64(b.N), "page-ns/op")
	b.ReportMetric(float64(tRaw.Nanoseconds())/float64(b.N), "rawsql-ns/op")
	b.ReportMetric(float64(tPage)/float64(tRaw), "page/raw")
}
