package models

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"gorm.io/driver/postgres"
	"gorm.io/driver/sqlite"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// Dialect names the database engine behind a DB, for the few queries that differ.
type Dialect string

const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// DB holds the connection pools. SQLite allows one writer at a time, so every write
// transaction goes through Write (a pool of one connection) and queues there instead of
// failing with "database is locked"; reads use Read. On PostgreSQL both are the same pool.
type DB struct {
	Read    *gorm.DB
	Write   *gorm.DB
	Dialect Dialect
	// Path is the SQLite file (empty on PostgreSQL), used for the session key and backups.
	Path string
}

// IsPostgres reports whether a --db value names a PostgreSQL database.
func IsPostgres(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

// sqlitePragmas are the settings every SQLite connection must have; they are read back
// at start-up because a parameter the driver does not know is silently ignored.
var sqlitePragmas = map[string]string{
	"journal_mode": "wal",
	"foreign_keys": "1",
	"synchronous":  "2", // FULL
	"busy_timeout": "5000",
}

// Open connects to an SQLite file path or a postgres:// URL and checks its settings.
func Open(ctx context.Context, dsn string, log *slog.Logger) (*DB, error) {
	cfg := &gorm.Config{
		Logger:                 logger.Discard,
		SkipDefaultTransaction: true,
		NowFunc:                func() time.Time { return time.Now().UTC() },
		TranslateError:         true,
	}
	if IsPostgres(dsn) {
		gdb, err := gorm.Open(postgres.Open(dsn), cfg)
		if err != nil {
			return nil, fmt.Errorf("open postgres: %w", err)
		}
		sqlDB, err := gdb.DB()
		if err != nil {
			return nil, err
		}
		sqlDB.SetMaxOpenConns(20)
		sqlDB.SetMaxIdleConns(10)
		sqlDB.SetConnMaxIdleTime(5 * time.Minute)
		if err := sqlDB.PingContext(ctx); err != nil {
			return nil, fmt.Errorf("ping postgres: %w", err)
		}
		return &DB{Read: gdb, Write: gdb, Dialect: Postgres}, nil
	}
	if dir := filepath.Dir(dsn); dir != "" {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, fmt.Errorf("create database folder: %w", err)
		}
	}
	q := url.Values{}
	q.Set("_foreign_keys", "1")
	q.Set("_journal_mode", "WAL")
	q.Set("_busy_timeout", "5000")
	q.Set("_synchronous", "FULL")
	full := "file:" + dsn + "?" + q.Encode()
	write, err := gorm.Open(sqlite.Open(full+"&_txlock=immediate"), cfg)
	if err != nil {
		return nil, fmt.Errorf("open sqlite: %w", err)
	}
	wdb, _ := write.DB()
	wdb.SetMaxOpenConns(1)
	read, err := gorm.Open(sqlite.Open(full+"&mode=rw"), cfg)
	if err != nil {
		return nil, fmt.Errorf("open sqlite: %w", err)
	}
	rdb, _ := read.DB()
	rdb.SetMaxOpenConns(8)
	rdb.SetMaxIdleConns(8)
	db := &DB{Read: read, Write: write, Dialect: SQLite, Path: dsn}
	if err := db.checkPragmas(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// checkPragmas refuses a connection whose SQLite settings are not the ones we rely on.
func (db *DB) checkPragmas(ctx context.Context) error {
	for _, g := range []*gorm.DB{db.Write, db.Read} {
		for name, want := range sqlitePragmas {
			var got string
			if err := g.WithContext(ctx).Raw("PRAGMA " + name).Scan(&got).Error; err != nil {
				return fmt.Errorf("read pragma %s: %w", name, err)
			}
			if !strings.EqualFold(got, want) {
				return fmt.Errorf("%w: sqlite pragma %s is %q, want %q", ErrMisconfigured, name, got, want)
			}
		}
	}
	return nil
}

// Tx runs fn in one write transaction: all of it is saved, or none of it.
func (db *DB) Tx(ctx context.Context, fn func(tx *gorm.DB) error) error {
	return db.Write.WithContext(ctx).Transaction(fn)
}

// Ping reports whether the database answers.
func (db *DB) Ping(ctx context.Context) error {
	sqlDB, err := db.Read.DB()
	if err != nil {
		return err
	}
	return sqlDB.PingContext(ctx)
}

// Close closes both pools.
func (db *DB) Close() error {
	var errs []error
	for _, g := range []*gorm.DB{db.Read, db.Write} {
		if s, err := g.DB(); err == nil {
			errs = append(errs, s.Close())
		}
		if db.Read == db.Write {
			break
		}
	}
	return errors.Join(errs...)
}

// Like escapes a user's text for a LIKE pattern with '\' as the escape character.
func Like(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return "%" + r.Replace(s) + "%"
}
