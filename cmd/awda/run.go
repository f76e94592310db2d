package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"awda/models"
)

const usage = `Usage: awda <command> [flags]

Commands:
  serve     run the portal (migrates the schema first)
  migrate   bring the schema up to date and exit
  office    office add --code C --name N --city CITY
  user      user add --email E --name N --role R [--office CODE] [--sex F|M] [--password-stdin]
  backup    backup FILE: a consistent, checked copy of a live SQLite database
  demo      demo [--year 2021] [--scale N]: load the demo dataset into a new database
  rebuild-summary  refill the summary's prepared tables from the records

Every command takes --db (an SQLite path or a postgres:// URL; default data/awda.db,
or DATABASE_URL when set). Run "awda <command> -h" for its flags.
`

// env reads the process environment; tests pass their own.
type env func(string) string

// run is the whole program, with its inputs and outputs passed in so tests can call it.
func run(ctx context.Context, args []string, getenv env, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return errors.New("no command given")
	}
	switch args[0] {
	case "serve":
		return cmdServe(ctx, args[1:], getenv, stdout, stderr)
	case "migrate":
		return cmdMigrate(ctx, args[1:], getenv, stdout)
	case "office":
		return cmdOffice(ctx, args[1:], getenv, stdout)
	case "user":
		return cmdUser(ctx, args[1:], getenv, stdin, stdout)
	case "backup":
		return cmdBackup(ctx, args[1:], getenv, stdout)
	case "demo":
		return cmdDemo(ctx, args[1:], getenv, stdout)
	case "rebuild-summary":
		return cmdRebuildSummary(ctx, args[1:], getenv, stdout)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprint(stderr, usage)
	return fmt.Errorf("unknown command %q", args[0])
}

// dbFlag adds --db with its environment fallback.
func dbFlag(fs *flag.FlagSet, getenv env) *string {
	def := "data/awda.db"
	if v := getenv("DATABASE_URL"); v != "" {
		def = v
	}
	return fs.String("db", def, "SQLite file path or postgres:// URL (env DATABASE_URL)")
}

// newLogger writes text logs to w at the level named by AWDA_LOG_LEVEL.
func newLogger(w io.Writer, getenv env) *slog.Logger {
	var level slog.Level
	if err := level.UnmarshalText([]byte(getenv("AWDA_LOG_LEVEL"))); err != nil {
		level = slog.LevelInfo
	}
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: level}))
}

// openDB opens and migrates the database.
func openDB(ctx context.Context, dsn string, log *slog.Logger) (*models.DB, error) {
	db, err := models.Open(ctx, dsn, log)
	if err != nil {
		return nil, err
	}
	if err := models.Migrate(ctx, db); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

func cmdMigrate(ctx context.Context, args []string, getenv env, stdout io.Writer) error {
	fs := flag.NewFlagSet("migrate", flag.ContinueOnError)
	dsn := dbFlag(fs, getenv)
	if err := fs.Parse(args); err != nil {
		return err
	}
	db, err := openDB(ctx, *dsn, newLogger(io.Discard, getenv))
	if err != nil {
		return err
	}
	defer db.Close()
	fmt.Fprintln(stdout, "schema is up to date")
	return nil
}

func cmdOffice(ctx context.Context, args []string, getenv env, stdout io.Writer) error {
	if len(args) == 0 || args[0] != "add" {
		return errors.New(`usage: awda office add --code C --name N --city CITY`)
	}
	fs := flag.NewFlagSet("office add", flag.ContinueOnError)
	dsn := dbFlag(fs, getenv)
	var in models.OfficeInput
	fs.StringVar(&in.Code, "code", "", "three-letter office code, e.g. RAB")
	fs.StringVar(&in.Name, "name", "", "office name")
	fs.StringVar(&in.City, "city", "", "city")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	db, err := openDB(ctx, *dsn, newLogger(io.Discard, getenv))
	if err != nil {
		return err
	}
	defer db.Close()
	stores := models.NewStores(db, time.Now, models.DefaultArgon2)
	o, err := stores.Offices.Create(ctx, models.Actor{IP: "cli"}, in)
	if err != nil {
		return describe(err)
	}
	fmt.Fprintf(stdout, "office %s (%s, %s) created\n", o.Code, o.Name, o.City)
	return nil
}

func cmdUser(ctx context.Context, args []string, getenv env, stdin io.Reader, stdout io.Writer) error {
	if len(args) == 0 || args[0] != "add" {
		return errors.New(`usage: awda user add --email E --name N --role R [--office CODE] [--sex F|M] [--password-stdin]`)
	}
	fs := flag.NewFlagSet("user add", flag.ContinueOnError)
	dsn := dbFlag(fs, getenv)
	var in models.UserInput
	var role string
	fs.StringVar(&in.Email, "email", "", "email address (the sign-in name)")
	fs.StringVar(&in.Name, "name", "", "full name")
	fs.StringVar(&role, "role", "", "caseworker, supervisor or admin")
	fs.StringVar(&in.OfficeCode, "office", "", "office code (required for caseworkers)")
	fs.StringVar(&in.Language, "language", "fr", "fr, en or ar")
	fs.StringVar(&in.Sex, "sex", "", "F or M, for the form of the role shown (optional)")
	pwStdin := fs.Bool("password-stdin", false, "read the password from standard input instead of generating a one-time password")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	in.Role = models.Role(role)
	if *pwStdin {
		b, err := io.ReadAll(io.LimitReader(stdin, 4096))
		if err != nil {
			return err
		}
		in.Password = strings.TrimRight(string(b), "\r\n")
	}
	db, err := openDB(ctx, *dsn, newLogger(io.Discard, getenv))
	if err != nil {
		return err
	}
	defer db.Close()
	stores := models.NewStores(db, time.Now, models.DefaultArgon2)
	u, oneTime, err := stores.Users.Create(ctx, models.Actor{IP: "cli"}, in)
	if err != nil {
		return describe(err)
	}
	fmt.Fprintf(stdout, "user %s (%s) created\n", u.Email, u.Role)
	if oneTime != "" {
		fmt.Fprintf(stdout, "one-time password (shown once, to be changed at first sign-in): %s\n", oneTime)
	}
	return nil
}

// describe turns field errors into a message for the terminal.
func describe(err error) error {
	fe, ok := models.AsValidation(err)
	if !ok {
		return err
	}
	var parts []string
	for field, key := range fe {
		parts = append(parts, fmt.Sprintf("--%s: %s", field, key))
	}
	return fmt.Errorf("invalid input: %s", strings.Join(parts, "; "))
}

// sessionKey is AWDA_SESSION_KEY, or a random key generated once and kept (mode 0600)
// in a file beside the SQLite database (under data/ for PostgreSQL). Several servers
// behind a load balancer must share AWDA_SESSION_KEY.
func sessionKey(getenv env, db *models.DB) ([]byte, error) {
	if k := getenv("AWDA_SESSION_KEY"); k != "" {
		if len(k) < 32 {
			return nil, errors.New("AWDA_SESSION_KEY must be at least 32 characters")
		}
		return []byte(k), nil
	}
	dir := "data"
	if db.Path != "" {
		dir = filepath.Dir(db.Path)
	}
	path := filepath.Join(dir, "session.key")
	if b, err := os.ReadFile(path); err == nil && len(b) >= 64 {
		return b, nil
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	buf := make([]byte, 32)
	if _, err := rand.Read(buf); err != nil {
		return nil, err
	}
	key := []byte(hex.EncodeToString(buf))
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, os.ErrExist) {
		// Another server created it at the same moment: use theirs.
		return os.ReadFile(path)
	}
	if err != nil {
		return nil, fmt.Errorf("create session key file: %w", err)
	}
	defer f.Close()
	if _, err := f.Write(key); err != nil {
		return nil, err
	}
	return key, f.Sync()
}
