package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"time"

	"awda/models"
)

const retentionUsage = `usage: awda retention --dry-run | --apply [--batch N] [--audit-address-days N] [--db …]`

// cmdRetention applies the retention policy: --dry-run counts the cases due per office
// and changes nothing; --apply anonymises them, one transaction per batch. A run
// stopped at any point (even killed) leaves whole batches done and the rest untouched;
// running it again finishes the work.
func cmdRetention(ctx context.Context, args []string, getenv env, stdout io.Writer) error {
	fs := flag.NewFlagSet("retention", flag.ContinueOnError)
	dsn := dbFlag(fs, getenv)
	dry := fs.Bool("dry-run", false, "count the cases due, change nothing")
	apply := fs.Bool("apply", false, "anonymise the cases due")
	batch := fs.Int("batch", models.DefaultRetentionBatch, "cases anonymised per transaction")
	addrDays := fs.Int("audit-address-days", int(models.DefaultAuditAddressAge/(24*time.Hour)),
		"with --apply, cut the client addresses of audit entries older than this many days to their network")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *dry == *apply || *batch <= 0 || *addrDays < 1 || fs.NArg() != 0 {
		return errors.New(retentionUsage)
	}
	db, err := openDB(ctx, *dsn, newLogger(io.Discard, getenv))
	if err != nil {
		return err
	}
	defer db.Close()
	now := time.Now
	st := models.NewStores(db, now, models.DefaultArgon2)
	defer st.Audit.Drain(context.WithoutCancel(ctx))
	start := time.Now()
	run, err := st.Retention.DryRun(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "office  years  due now  due by month end  due next month  on hold\n")
	for _, o := range run.Offices {
		fmt.Fprintf(stdout, "%-6s  %5d  %7d  %16d  %14d  %7d\n", o.OfficeCode, o.Years, o.Now, o.ThisMonth, o.NextMonth, o.Held)
	}
	fmt.Fprintf(stdout, "due now: %d cases (counted in %s)\n", run.Due, time.Since(start).Round(time.Millisecond))
	if *dry {
		fmt.Fprintln(stdout, "dry run: nothing changed")
		return nil
	}
	start = time.Now()
	done, err := st.Retention.Apply(ctx, models.Actor{}, *batch, func(n int64) {
		fmt.Fprintf(stdout, "anonymised %d\n", n)
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "anonymised %d cases in %d batches in %s\n", done.Anonymised, done.Batches, time.Since(start).Round(time.Millisecond))
	cut, err := st.Retention.TruncateAuditAddresses(ctx, time.Now().AddDate(0, 0, -*addrDays))
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "audit entries older than %d days: %d client addresses cut to their network\n", *addrDays, cut)
	return nil
}
