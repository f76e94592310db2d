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
