package models_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"awda/models"
	"awda/models/dbtest"
)

// A backup taken while writers keep inserting is a complete, consistent database:
// it opens, passes the integrity check and holds every row acknowledged before the
// backup started.
func TestBackupWhileWriting(t *testing.T) {
	if dbtest.Backend() != "sqlite" {
		t.Skip("awda backup copies SQLite; PostgreSQL is backed up with pg_dump")
	}
	db := dbtest.Open(t)
	audit := models.NewAuditStore(db, time.Now)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()

	var mu sync.Mutex
	acked := map[string]bool{}
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ctx.Err() == nil; i++ {
				id := fmt.Sprintf("w%d-%d", w, i)
				if err := audit.Record(ctx, models.AuditEvent{Action: "load", RecordType: "test", RecordID: id}); err != nil {
					if ctx.Err() == nil {
						t.Errorf("write %s: %v", id, err)
					}
					return
				}
				mu.Lock()
				acked[id] = true
				mu.Unlock()
			}
		}()
	}
	time.Sleep(300 * time.Millisecond)
	mu.Lock()
	before := make([]string, 0, len(acked))
	for id := range acked {
		before = append(before, id)
	}
	mu.Unlock()
	dest := filepath.Join(t.TempDir(), "copy", "awda-backup.db")
	if err := db.Backup(ctx, dest); err != nil {
		t.Fatalf("backup: %v", err)
	}
	time.Sleep(100 * time.Millisecond) // writers keep going after the copy
	cancel()
	wg.Wait()
	if len(before) < 10 {
		t.Fatalf("only %d writes before the backup: the test proves nothing", len(before))
	}

	if err := models.CheckIntegrity(t.Context(), dest); err != nil {
		t.Fatal(err)
	}
	// Restore: the copy opens as a portal database (pragmas, migrations) and holds the rows.
	restored, err := models.Open(t.Context(), dest, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatalf("open the restored copy: %v", err)
	}
	defer restored.Close()
	if err := models.Migrate(t.Context(), restored); err != nil {
		t.Fatalf("migrate the restored copy: %v", err)
	}
	var have []string
	if err := restored.Read.Raw("SELECT record_id FROM audit_events WHERE action = 'load'").Scan(&have).Error; err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for _, id := range have {
		got[id] = true
	}
	for _, id := range before {
		if !got[id] {
			t.Errorf("write %s acknowledged before the backup is missing from it", id)
		}
	}
	t.Logf("%d writes acknowledged before the backup, %d rows in the copy, %d in total", len(before), len(have), len(acked))
}

func TestBackupRefusesPostgres(t *testing.T) {
	db := &models.DB{Dialect: models.Postgres}
	if err := db.Backup(t.Context(), filepath.Join(t.TempDir(), "x.db")); !errors.Is(err, models.ErrBackupPostgres) {
		t.Fatalf("got %v, want ErrBackupPostgres", err)
	}
}
