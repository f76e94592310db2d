package models

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"gorm.io/driver/sqlite"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// ErrBackupPostgres is a backup asked of a PostgreSQL database: pg_dump is the tool.
var ErrBackupPostgres = errors.New("awda backup copies SQLite databases; for PostgreSQL use pg_dump (see README, Backups)")

// Backup writes a consistent copy of a live SQLite database to dest. VACUUM INTO reads
// one snapshot while writers go on; the copy is written beside dest, synced to disk,
// checked with PRAGMA integrity_check, and only then renamed into place, so dest is
// either the old file or a complete, checked copy.
func (db *DB) Backup(ctx context.Context, dest string) error {
	if db.Dialect != SQLite {
		return ErrBackupPostgres
	}
	abs, err := filepath.Abs(dest)
	if err != nil {
		return err
	}
	if src, err := filepath.Abs(db.Path); err == nil && src == abs {
		return errors.New("the backup file must not be the database itself")
	}
	dir := filepath.Dir(abs)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("create backup folder: %w", err)
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(abs)+".*.tmp")
	if err != nil {
		return fmt.Errorf("create backup file: %w", err)
	}
	// The empty file os.CreateTemp made (mode 0600 whatever the umask) is kept: VACUUM
	// INTO writes into an empty file and keeps its mode, where a file of its own would be
	// 0644 and the backup of personal data readable by every user of the machine.
	tmpPath := tmp.Name()
	tmp.Close()
	defer os.Remove(tmpPath)
	if err := db.Read.WithContext(ctx).Exec("VACUUM INTO ?", tmpPath).Error; err != nil {
		return fmt.Errorf("copy database: %w", err)
	}
	if err := syncFile(tmpPath); err != nil {
		return err
	}
	if err := CheckIntegrity(ctx, tmpPath); err != nil {
		return err
	}
	if err := os.Rename(tmpPath, abs); err != nil {
		return fmt.Errorf("move backup into place: %w", err)
	}
	return syncFile(dir)
}

// CheckIntegrity opens an SQLite file on its own and runs PRAGMA integrity_check.
func CheckIntegrity(ctx context.Context, path string) error {
	d, err := openRawSQLite(path)
	if err != nil {
		return err
	}
	defer d.Close()
	var rows []string
	r, err := d.QueryContext(ctx, "PRAGMA integrity_check")
	if err != nil {
		return fmt.Errorf("integrity check: %w", err)
	}
	defer r.Close()
	for r.Next() {
		var s string
		if err := r.Scan(&s); err != nil {
			return err
		}
		rows = append(rows, s)
	}
	if err := r.Err(); err != nil {
		return fmt.Errorf("integrity check: %w", err)
	}
	if len(rows) != 1 || rows[0] != "ok" {
		return fmt.Errorf("integrity check of %s failed: %s", path, strings.Join(rows, "; "))
	}
	return nil
}

func syncFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := f.Sync(); err != nil {
		return fmt.Errorf("sync %s: %w", path, err)
	}
	return nil
}

// openRawSQLite opens an SQLite file read-only on a connection of its own.
func openRawSQLite(path string) (*sql.DB, error) {
	g, err := gorm.Open(sqlite.Open("file:"+path+"?mode=ro"), &gorm.Config{Logger: logger.Discard})
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	d, err := g.DB()
	if err != nil {
		return nil, err
	}
	d.SetMaxOpenConns(1)
	return d, nil
}
