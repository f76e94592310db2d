package models_test

import (
	"os"
	"strings"
	"testing"

	"awda/models/dbtest"
)

// The Makefile builds SQLite without its memory statistics (a process-wide lock on
// every allocation); this fails if the flag stops reaching the C compiler.
func TestSQLiteBuiltWithoutMemoryStatistics(t *testing.T) {
	if !strings.Contains(os.Getenv("CGO_CFLAGS"), "SQLITE_DEFAULT_MEMSTATUS=0") {
		t.Skip("CGO_CFLAGS does not ask for SQLITE_DEFAULT_MEMSTATUS=0 (run through make)")
	}
	db := dbtest.Open(t)
	if db.Path == "" {
		t.Skip("PostgreSQL")
	}
	off, err := db.MemstatusOff(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if !off {
		t.Fatal("SQLite was compiled with memory statistics on despite CGO_CFLAGS")
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
