package models_test

import (
	"context"
	"database/sql"
	"testing"
	"time"

	"awda/models"
	"awda/models/dbtest"
)

// BenchmarkSummary compares Summary() with running its own SQL directly on *sql.DB, on
// about 100,000 cases and several hundred thousand support, attendance and referral
// rows (dbtest.BenchSize), built once. Run: make bench (or go test -run '^$' -bench
// Summary ./models/), and with AWDA_TEST_DB=postgres for PostgreSQL.
func BenchmarkSummary(b *testing.B) {
	start := time.Now()
	s := dbtest.Stores(b, dbtest.NewClock(time.Date(2022, 1, 1, 0, 0, 0, 0, time.UTC)))
	dbtest.BulkSummaryData(b, s, dbtest.BenchSize)
	b.Logf("dataset built in %s", time.Since(start).Round(time.Millisecond))
	sqlDB, err := s.DB.Read.DB()
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	periods := map[string]models.SummaryFilter{
		"year":   models.SummaryFilter{}.WithYear(2021),
		"5years": {From: models.NewDate(2017, 1, 1), To: models.NewDate(2021, 12, 31)},
	}
	for _, name := range []string{"year", "5years"} {
		f := periods[name]
		q, args := models.SummaryQuery(f, models.Scope{})
		q = models.Rebind(s.DB.Dialect, q)
		// Summary and the raw SQL alternate within each iteration (the order swapping
		// each time), so that a busy machine slows both alike; ns/op is their sum.
		b.Run(name, func(b *testing.B) {
			var tSum, tRaw time.Duration
			i := 0
			for b.Loop() {
				for k := range 2 {
					t0 := time.Now()
					if (i+k)%2 == 0 {
						if _, err := s.Summary.Summary(ctx, models.Scope{}, f); err != nil {
							b.Fatal(err)
						}
						tSum += time.Since(t0)
					} else {
						if err := rawRows(ctx, sqlDB, q, args); err != nil {
							b.Fatal(err)
						}
						tRaw += time.Since(t0)
					}
				}
				i++
			}
			b.ReportMetric(float64(tSum.Nanoseconds())/float64(b.N), "summary-ns/op")
			b.ReportMetric(float64(tRaw.Nanoseconds())/float64(b.N), "rawsql-ns/op")
			b.ReportMetric(float64(tSum)/float64(tRaw), "summary/raw")
		})
	}
	// The home page's block: the headline figures of this year and the last, against
	// the whole summary of both years that it replaced.
	b.Run("home-block", func(b *testing.B) {
		var tHead, tFull time.Duration
		for b.Loop() {
			t0 := time.Now()
			for _, y := range []int{2021, 2020} {
				if _, err := s.Summary.Headline(ctx, models.Scope{}, models.SummaryFilter{}.WithYear(y)); err != nil {
					b.Fatal(err)
				}
			}
			t1 := time.Now()
			for _, y := range []int{2021, 2020} {
				if _, err := s.Summary.Summary(ctx, models.Scope{}, models.SummaryFilter{}.WithYear(y)); err != nil {
					b.Fatal(err)
				}
			}
			tHead, tFull = tHead+t1.Sub(t0), tFull+time.Since(t1)
		}
		b.ReportMetric(float64(tHead.Nanoseconds())/float64(b.N), "headline-ns/op")
		b.ReportMetric(float64(tFull.Nanoseconds())/float64(b.N), "summary-ns/op")
	})
}

// rawRows runs a query and scans its rows, as Summary does, without the rest.
func rawRows(ctx context.Context, db *sql.DB, q string, args []any) error {
	rows, err := db.QueryContext(ctx, q, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var ind, k string
		var n, amount int64
		if err := rows.Scan(&ind, &k, &n, &amount); err != nil {
			return err
		}
	}
	return rows.Err()
}
