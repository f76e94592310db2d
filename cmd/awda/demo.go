package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"time"

	"awda/models"
	"awda/models/demo"
)

// demoOptions choose the demo dataset's year and size.
type demoOptions struct {
	Year  int
	Scale int
}

// loadDemo loads the demo dataset (models/demo) into an empty database and prints the
// demo accounts with their passwords, once. Besides the report's year, it carries open
// casework of the current year up to today, so the portal looks like a live office.
func loadDemo(ctx context.Context, stores *models.Stores, opts demoOptions, stdout io.Writer) error {
	_, err := demo.Load(ctx, stores.DB, demo.Options{Year: opts.Year, Scale: opts.Scale, Argon: models.DefaultArgon2,
		Today: time.Now().UTC()}, stdout)
	return err
}

// cmdDemo is "awda demo": the demo dataset into a new database.
func cmdDemo(ctx context.Context, args []string, getenv env, stdout io.Writer) error {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	dsn := dbFlag(fs, getenv)
	year := fs.Int("year", 2021, "the year of the dataset (its summary shows the 2021 report's figures)")
	scale := fs.Int("scale", 1, "multiply every count (40 gives about 100,000 cases)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *scale < 1 {
		return errors.New("--scale must be 1 or more")
	}
	db, err := openDB(ctx, demoDSN(*dsn), newLogger(io.Discard, getenv))
	if err != nil {
		return err
	}
	defer db.Close()
	stores := models.NewStores(db, nil, models.DefaultArgon2)
	if n, err := stores.Users.Count(ctx); err != nil {
		return err
	} else if n > 0 {
		return fmt.Errorf("%s already has %d users: awda demo only loads into a new, empty database (choose another --db, or remove this one)", *dsn, n)
	}
	return loadDemo(ctx, stores, demoOptions{Year: *year, Scale: *scale}, stdout)
}

// demoDSN lets this bulk load's PostgreSQL commits skip waiting for the flush
// (synchronous_commit=off on its own connections only): tens of thousands of small
// transactions, and a load that is simply run again if the machine fails meanwhile.
func demoDSN(dsn string) string {
	if !models.IsPostgres(dsn) {
		return dsn
	}
	u, err := url.Parse(dsn)
	if err != nil {
		return dsn
	}
	q := u.Query()
	if q.Get("synchronous_commit") == "" {
		q.Set("synchronous_commit", "off")
		u.RawQuery = q.Encode()
	}
	return u.String()
}
