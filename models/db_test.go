package models_test

import (
	"os"
	"strings"
	"testing"

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
