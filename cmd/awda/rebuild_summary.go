package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"time"

	"awda/models"
)

// cmdRebuildSummary refills the summary's prepared tables from the records, for an
// operator who changed records in a way the triggers could not follow (a restore of
// some tables, triggers dropped by hand). The portal may keep running.
func cmdRebuildSummary(ctx context.Context, args []string, getenv env, stdout io.Writer) error {
	fs := flag.NewFlagSet("rebuild-summary", flag.ContinueOnError)
	dsn := dbFlag(fs, getenv)
	if err := fs.Parse(args); err != nil {
		return err
	}
	db, err := openDB(ctx, *dsn, newLogger(io.Discard, getenv))
	if err != nil {
		return err
	}
	defer db.Close()
	start := time.Now()
	n, err := models.RebuildSummary(ctx, db)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "summary rebuilt: %d facts in %s\n", n, time.Since(start).Round(time.Millisecond))
	return nil
}
