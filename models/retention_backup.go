package models

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"
)

// AnonymisedBackup writes to dest a consistent copy of a live SQLite database in which
// every case is anonymised, the client addresses of the audit log are cut to their
// network, and no sign-in session or attempt is left: a copy for a test or training
// environment. The copy is made and anonymised beside dest under a temporary name,
// then copied again with VACUUM INTO, so that no free page of the final file still
// holds a removed value; the temporary files are deleted. It returns the number of
// cases anonymised.
func AnonymisedBackup(ctx context.Context, db *DB, dest string, log *slog.Logger) (int, error) {
	if db.Dialect != SQLite {
		return 0, ErrBackupPostgres
	}
	abs, err := filepath.Abs(dest)
	if err != nil {
		return 0, err
	}
	work := filepath.Join(filepath.Dir(abs), fmt.Sprintf(".%s.anonymising-%d", filepath.Base(abs), time.Now().UnixNano()))
	defer func() {
		for _, suffix := range []string{"", "-wal", "-shm", "-journal"} {
			os.Remove(work + suffix)
		}
	}()
	if err := db.Backup(ctx, work); err != nil {
		return 0, err
	}
	cp, err := Open(ctx, work, log)
	if err != nil {
		return 0, err
	}
	defer cp.Close()
	if err := Migrate(ctx, cp); err != nil {
		return 0, err
	}
	st := NewStores(cp, time.Now, DefaultArgon2)
	var ids []uint
	if err := cp.Read.WithContext(ctx).Raw("SELECT id FROM cases WHERE anonymised_at IS NULL ORDER BY id").Scan(&ids).Error; err != nil {
		return 0, err
	}
	n, err := st.Retention.AnonymiseCases(ctx, Actor{}, ids, 500, "backup")
	if err != nil {
		return n, err
	}
	if _, err := st.Retention.TruncateAuditAddresses(ctx, time.Now().Add(time.Hour)); err != nil {
		return n, err
	}
	for _, q := range []string{"DELETE FROM login_sessions", "DELETE FROM login_attempts"} {
		if err := cp.Write.WithContext(ctx).Exec(q).Error; err != nil {
			return n, err
		}
	}
	if err := st.Audit.Drain(ctx); err != nil {
		return n, err
	}
	return n, cp.Backup(ctx, abs)
}
