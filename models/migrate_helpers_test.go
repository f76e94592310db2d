package models_test

import (
	"io"
	"log/slog"
	"testing"

	"awda/models"
	"awda/models/dbtest"
)

// openMigratedTo opens a new test database brought up to the migration id only, for a
// test that writes rows a later migration converts.
func openMigratedTo(t *testing.T, id string) *models.DB {
	t.Helper()
	db, err := models.Open(t.Context(), dbtest.DSN(t), slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := models.MigrateUpTo(t.Context(), db, id); err != nil {
		t.Fatal(err)
	}
	return db
}
