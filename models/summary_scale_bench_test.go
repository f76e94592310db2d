package models_test

import (
	"context"
	"io"
	"log/slog"
	"os"
	"slices"
	"sync"
	"testing"
	"time"

	"awda/models"
)

// BenchmarkSummaryScale times the summary on a copy of a demo database (AWDA_SCALE_DB,
// e.g. a copy of the scale-40 demo; never the original: the migration runs on it), for
// the default period and 2021, all offices and one office: the prepared figures, and
// the same figures computed from the records for comparison.
//
//	AWDA_SCALE_DB=/tmp/copy.db go test -run '^$' -bench SummaryScale ./models/
func BenchmarkSummaryScale(b *testing.B) {
	path := os.Getenv("AWDA_SCALE_DB")
	if path == "" {
		b.Skip("AWDA_SCALE_DB names no demo database copy")
	}
	ctx := context.Background()
	db, err := models.Open(ctx, path, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	if err := models.Migrate(ctx, db); err != nil {
		b.Fatal(err)
	}
	s := models.NewSummaryStore(db)
	var rab models.Office
	if err := db.Read.Where("code = ?", "RAB").First(&rab).Error; err != nil {
		b.Fatal(err)
	}
	y, _, err := s.LatestYear(ctx, models.Scope{})
	if err != nil {
		b.Fatal(err)
	}
	for _, c := range []struct {
		name string
		f    models.SummaryFilter
	}{
		{"default-all", models.SummaryFilter{}.WithYear(y)},
		{"2021-all", models.SummaryFilter{From: models.NewDate(2021, 1, 1), To: models.NewDate(2021, 12, 31)}},
		{"2021-RAB", models.SummaryFilter{From: models.NewDate(2021, 1, 1), To: models.NewDate(2021, 12, 31), Office: "RAB"}},
		{"mid-month-all", models.SummaryFilter{From: models.NewDate(2021, 3, 14), To: models.NewDate(2021, 9, 20)}},
	} {
		b.Run(c.name+"/prepared", func(b *testing.B) {
			for b.Loop() {
				if _, err := s.Summary(ctx, models.Scope{}, c.f); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(c.name+"/direct", func(b *testing.B) {
			for b.Loop() {
				if _, err := s.DirectSummary(ctx, models.Scope{}, c.f); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	// 32 concurrent summaries (2021, all offices): throughput and the 99th percentile
	f := models.SummaryFilter{From: models.NewDate(2021, 1, 1), To: models.NewDate(2021, 12, 31)}
	b.Run("2021-all/32-concurrent", func(b *testing.B) {
		var mu sync.Mutex
		var lat []time.Duration
		b.SetParallelism(16) // 16 × GOMAXPROCS(2) = 32 goroutines
		start := time.Now()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				t0 := time.Now()
				if _, err := s.Summary(ctx, models.Scope{}, f); err != nil {
					b.Error(err)
					return
				}
				d := time.Since(t0)
				mu.Lock()
				lat = append(lat, d)
				mu.Unlock()
			}
		})
		slices.Sort(lat)
		b.ReportMetric(float64(len(lat))/time.Since(start).Seconds(), "req/s")
		b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
		b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
	})
}
