package models_test

import (
	"context"
	"database/sql"
	"os"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"gorm.io/gorm"

	"awda/models"
	"awda/models/dbtest"
)

// The Makefile builds SQLite without its memory statistics, with the query planner
// stability guarantee and without bulk page-cache allocations (see sqliteBuildOptions in
// models/db.go); this fails if a flag stops reaching the C compiler.
func TestSQLiteBuiltWithTheMakefileOptions(t *testing.T) {
	flags := os.Getenv("CGO_CFLAGS")
	for _, want := range []string{"-DSQLITE_DEFAULT_MEMSTATUS=0", "-DSQLITE_ENABLE_QPSG", "-DSQLITE_DEFAULT_PCACHE_INITSZ=0"} {
		if !strings.Contains(flags, want) {
			t.Skipf("CGO_CFLAGS does not ask for %s (run through make)", want)
		}
	}
	db := dbtest.Open(t)
	if db.Path == "" {
		t.Skip("PostgreSQL")
	}
	missing, err := db.MissingBuildOptions(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if len(missing) > 0 {
		t.Fatalf("SQLite was compiled without %v despite CGO_CFLAGS", missing)
	}
}

// Analyze gives PostgreSQL fresh statistics after a bulk load, and leaves SQLite
// without any (see DB.Analyze).
func TestAnalyzeAfterBulkLoad(t *testing.T) {
	db := dbtest.Open(t)
	if err := db.Analyze(t.Context()); err != nil {
		t.Fatal(err)
	}
	if db.Path != "" {
		var n int64
		db.Read.Raw("SELECT COUNT(*) FROM sqlite_master WHERE name = 'sqlite_stat1'").Scan(&n)
		if n != 0 {
			t.Fatal("SQLite got planner statistics")
		}
		return
	}
	var analyzed bool
	if err := db.Read.Raw("SELECT last_analyze IS NOT NULL FROM pg_stat_user_tables WHERE relname = 'cases'").Scan(&analyzed).Error; err != nil {
		t.Fatal(err)
	}
	if !analyzed {
		t.Fatal("cases has no statistics after Analyze")
	}
}

// On SQLite the pages read through one connection per CPU, and a streamed export has
// connections of its own: with every page connection taken, an export still runs.
func TestSQLiteExportsStreamOnTheirOwnConnections(t *testing.T) {
	f := newCaseFixture(t)
	if f.s.DB.Dialect != models.SQLite {
		t.Skip("PostgreSQL has one pool")
	}
	if _, err := f.s.Cases.Create(t.Context(), actorOf(f.cw), f.cw.Scope(), validInput()); err != nil {
		t.Fatal(err)
	}
	pool, err := f.s.DB.Read.DB()
	if err != nil {
		t.Fatal(err)
	}
	if got, want := pool.Stats().MaxOpenConnections, max(2, runtime.GOMAXPROCS(0)); got != want {
		t.Fatalf("%d read connections, want %d (one per CPU)", got, want)
	}
	for range pool.Stats().MaxOpenConnections {
		conn, err := pool.Conn(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
	}
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	rows := 0
	if _, err := f.s.Exports.Cases(ctx, models.ExportFilter{}, false, func([]string) error { rows++; return nil }); err != nil {
		t.Fatalf("export with every page connection taken: %v", err)
	}
	if rows != 1 {
		t.Fatalf("exported %d rows, want 1", rows)
	}
}

// On PostgreSQL a connection given back after a busy moment stays open for the next
// requests: a new one is a new server process whose catalogue caches and prepared
// statements start cold, which cost more than the queries themselves. With fewer idle
// connections kept than were in use, 32 concurrent page requests closed and opened
// connections all the time, and the case file ran at a quarter of its speed.
func TestPostgresKeepsItsBusyConnections(t *testing.T) {
	db := dbtest.Open(t)
	if db.Dialect != models.Postgres {
		t.Skip("SQLite's connections are its own files, opened once")
	}
	pool, err := db.Read.DB()
	if err != nil {
		t.Fatal(err)
	}
	busy := func() {
		conns := make([]*sql.Conn, 0, pool.Stats().MaxOpenConnections)
		for range cap(conns) {
			conn, err := pool.Conn(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			conns = append(conns, conn)
		}
		for _, c := range conns {
			c.Close()
		}
	}
	busy()
	opened := pool.Stats().OpenConnections
	busy()
	if st := pool.Stats(); st.MaxIdleClosed > 0 || st.OpenConnections != opened {
		t.Fatalf("after two busy moments: %d connections closed as surplus idle ones, %d open (were %d)",
			st.MaxIdleClosed, st.OpenConnections, opened)
	}
}

// Write transactions take turns on both databases: SQLite has one writer, and on
// PostgreSQL each takes the same lock first, so two writes can no longer lock the
// prepared tables' shared rows in opposite orders and deadlock.
func TestWriteTransactionsTakeTurns(t *testing.T) {
	db := dbtest.Open(t)
	ctx := t.Context()
	inFirst, releaseFirst := make(chan struct{}), make(chan struct{})
	firstDone := make(chan error, 1)
	var firstEnded atomic.Bool
	go func() {
		firstDone <- db.Tx(ctx, func(tx *gorm.DB) error {
			close(inFirst)
			<-releaseFirst
			firstEnded.Store(true)
			return nil
		})
	}()
	<-inFirst
	secondDone := make(chan error, 1)
	var secondSawFirstEnd atomic.Bool
	go func() {
		secondDone <- db.Tx(ctx, func(tx *gorm.DB) error {
			secondSawFirstEnd.Store(firstEnded.Load())
			return nil
		})
	}()
	select {
	case err := <-secondDone:
		t.Fatalf("a second write ran while the first was open (%v)", err)
	case <-time.After(200 * time.Millisecond):
	}
	close(releaseFirst)
	for _, done := range []chan error{firstDone, secondDone} {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
	if !secondSawFirstEnd.Load() {
		t.Fatal("the second write did not wait for the first")
	}
}
