package main

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"

	"awda/models"
)

func TestBackupCommand(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "awda.db")
	noEnv := func(string) string { return "" }
	var out bytes.Buffer
	if err := run(t.Context(), []string{"migrate", "--db", src}, noEnv, nil, &out, &out); err != nil {
		t.Fatal(err)
	}
	dest := filepath.Join(dir, "backups", "awda-copy.db")
	out.Reset()
	if err := run(t.Context(), []string{"backup", "--db", src, dest}, noEnv, nil, &out, &out); err != nil {
		t.Fatalf("backup: %v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "integrity ok") {
		t.Errorf("output %q", out.String())
	}
	if err := models.CheckIntegrity(t.Context(), dest); err != nil {
		t.Fatal(err)
	}

	err := run(t.Context(), []string{"backup", "--db", "postgres://x@127.0.0.1:1/none", dest}, noEnv, nil, &out, &out)
	if err == nil || !strings.Contains(err.Error(), "pg_dump") {
		t.Errorf("backup of PostgreSQL: %v, want a pointer to pg_dump", err)
	}
	if err := run(t.Context(), []string{"backup", "--db", filepath.Join(dir, "missing.db"), dest}, noEnv, nil, &out, &out); err == nil {
		t.Error("backup of a missing database succeeded")
	}
}
