package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"awda/models"
)

// cmdBackup copies a live SQLite database to a file, consistently, while the portal
// keeps serving. PostgreSQL is backed up with pg_dump instead.
func cmdBackup(ctx context.Context, args []string, getenv env, stdout io.Writer) error {
	fs := flag.NewFlagSet("backup", flag.ContinueOnError)
	dsn := dbFlag(fs, getenv)
	anonymised := fs.Bool("anonymised", false, "write a copy with every case anonymised, for a test environment")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return errors.New("usage: awda backup [--db PATH] [--anonymised] FILE")
	}
	path, err := checkDB(*dsn)
	if err != nil {
		return err
	}
	*dsn = path
	if models.IsPostgres(*dsn) {
		return models.ErrBackupPostgres
	}
	if _, err := os.Stat(*dsn); err != nil {
		return fmt.Errorf("no database to back up: %w", err)
	}
	dest := fs.Arg(0)
	start := time.Now()
	db, err := models.Open(ctx, *dsn, newLogger(io.Discard, getenv))
	if err != nil {
		return err
	}
	defer db.Close()
	if *anonymised {
		n, err := models.AnonymisedBackup(ctx, db, dest, newLogger(io.Discard, getenv))
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "anonymised copy written to %s (%d cases anonymised, integrity ok) in %s\n", dest, n, time.Since(start).Round(time.Millisecond))
		return nil
	}
	if err := db.Backup(ctx, dest); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "backup written to %s (integrity ok) in %s\n", dest, time.Since(start).Round(time.Millisecond))
	return nil
}
