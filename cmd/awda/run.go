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
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	"awda/models"
	"awda/views"
)

const usage = `Usage: awda <command> [flags]

Commands:
  serve     run the portal (migrates the schema first)
  migrate   bring the schema up to date and exit
  office    office add --code C --name N --city CITY
  user      user add --email E --name N --role R [--office CODE] [--sex F|M] [--password-stdin]
  backup    backup [--anonymised] FILE: a consistent, checked copy of a live SQLite database (anonymised: for a test environment)
  demo      demo [--year 2021] [--scale N]: load the demo dataset into a new database
  rebuild-summary  refill the summary's prepared tables from the records
  retention --dry-run | --apply [--batch N]: anonymise the cases the retention policy says are due

Every command takes --db (an SQLite path, a file: URI, or a postgres:// or
postgresql:// URL; default data/awda.db, or DATABASE_URL when set). Run "awda <command> -h" for its flags.
`

const (
	officeUsage = `usage: awda office add --code C --name N --city CITY (awda office add -h lists the flags)`
	userUsage   = `usage: awda user add --email E --name N --role R [--office CODE] [--sex F|M] [--password-stdin] (awda user add -h lists the flags)`
)

// helpAsked is "awda office -h" (before the action): the usage, and no failure.
func helpAsked(args []string) bool {
	return len(args) > 0 && (args[0] == "-h" || args[0] == "-help" || args[0] == "--help" || args[0] == "help")
}

// env reads the process environment; tests pass their own.
type env func(string) string

// run is the whole program, with its inputs and outputs passed in so tests can call it.
func run(ctx context.Context, args []string, getenv env, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return errors.New("no command given")
	}
	err := runCommand(ctx, args, getenv, stdin, stdout, stderr)
	if errors.Is(err, flag.ErrHelp) {
		// "awda CMD -h" printed the command's flags as asked: no failure.
		return nil
	}
	return err
}

func runCommand(ctx context.Context, args []string, getenv env, stdin io.Reader, stdout, stderr io.Writer) error {
	switch args[0] {
	case "serve":
		return cmdServe(ctx, args[1:], getenv, stdout, stderr)
	case "migrate":
		return cmdMigrate(ctx, args[1:], getenv, stdout)
	case "office":
		if helpAsked(args[1:]) {
			fmt.Fprintln(stdout, officeUsage)
			return nil
		}
		return cmdOffice(ctx, args[1:], getenv, stdout)
	case "user":
		if helpAsked(args[1:]) {
			fmt.Fprintln(stdout, userUsage)
			return nil
		}
		return cmdUser(ctx, args[1:], getenv, stdin, stdout)
	case "backup":
		return cmdBackup(ctx, args[1:], getenv, stdout)
	case "demo":
		return cmdDemo(ctx, args[1:], getenv, stdout)
	case "rebuild-summary":
		return cmdRebuildSummary(ctx, args[1:], getenv, stdout)
	case "retention":
		return cmdRetention(ctx, args[1:], getenv, stdout)
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
	return fs.String("db", def, "SQLite file path, file: URI, or postgres:// URL (env DATABASE_URL)")
}

// newLogger writes text logs to w at the level named by AWDA_LOG_LEVEL.
func newLogger(w io.Writer, getenv env) *slog.Logger {
	var level slog.Level
	if err := level.UnmarshalText([]byte(getenv("AWDA_LOG_LEVEL"))); err != nil {
		level = slog.LevelInfo
	}
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: level}))
}

// checkDB reads a --db value before anything is opened or created: an SQLite file path,
// a file: URI (turned into its path) or a postgres:// or postgresql:// URL. Anything else
// is refused, so that "mysql://host/db" is not taken for a folder "mysql:" and an empty
// value does not open a file named "".
func checkDB(dsn string) (string, error) {
	const want = "give an SQLite file path, a file: URI, or a postgres:// or postgresql:// URL"
	if strings.TrimSpace(dsn) == "" {
		return "", fmt.Errorf("--db is empty: %s", want)
	}
	if models.IsPostgres(dsn) {
		return dsn, nil
	}
	m := uriScheme.FindStringSubmatch(dsn)
	if m == nil {
		return dsn, nil
	}
	if !strings.EqualFold(m[1], "file") {
		return "", fmt.Errorf("--db %q: the scheme %s: is not supported; %s", dsn, m[1], want)
	}
	u, err := url.Parse(dsn)
	if err != nil {
		return "", fmt.Errorf("--db %q: %w", dsn, err)
	}
	path := u.Opaque
	if path == "" {
		path = u.Path
	}
	switch {
	case u.Host != "" && u.Host != "localhost":
		return "", fmt.Errorf("--db %q: a file: URI names a file on this machine", dsn)
	case u.RawQuery != "":
		return "", fmt.Errorf("--db %q: the portal sets the SQLite parameters itself; give the file alone", dsn)
	case path == "":
		return "", fmt.Errorf("--db %q names no file: %s", dsn, want)
	}
	return path, nil
}

// uriScheme recognises a URI's scheme (two letters or more, so that a Windows drive
// letter stays a path).
var uriScheme = regexp.MustCompile(`^([A-Za-z][A-Za-z0-9+.-]+):`)

// openDB opens and migrates the database.
func openDB(ctx context.Context, dsn string, log *slog.Logger) (*models.DB, error) {
	dsn, err := checkDB(dsn)
	if err != nil {
		return nil, err
	}
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
		return errors.New(officeUsage)
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
		return describe(err, fs)
	}
	fmt.Fprintf(stdout, "office %s (%s, %s) created\n", o.Code, o.Name, o.City)
	return nil
}

func cmdUser(ctx context.Context, args []string, getenv env, stdin io.Reader, stdout io.Writer) error {
	if len(args) == 0 || args[0] != "add" {
		return errors.New(userUsage)
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
		if in.Password == "" {
			// Empty input is a mistake (a pipe from a command that failed), not a wish
			// for a generated password: leave out --password-stdin for that.
			return errors.New("--password-stdin: standard input is empty; give the password, or leave out --password-stdin for a one-time password")
		}
	}
	db, err := openDB(ctx, *dsn, newLogger(io.Discard, getenv))
	if err != nil {
		return err
	}
	defer db.Close()
	stores := models.NewStores(db, time.Now, models.DefaultArgon2)
	u, oneTime, err := stores.Users.Create(ctx, models.Actor{IP: "cli"}, in)
	if err != nil {
		return describe(err, fs)
	}
	fmt.Fprintf(stdout, "user %s (%s) created\n", u.Email, u.Role)
	if oneTime != "" {
		fmt.Fprintf(stdout, "one-time password (shown once, to be changed at first sign-in): %s\n", oneTime)
	}
	return nil
}

// describe turns field errors into English sentences for the terminal, one per field in
// the order of the command's flags (fields that are no flag, such as the password, last
// by name), each named by its flag.
func describe(err error, fs *flag.FlagSet) error {
	fe, ok := models.AsValidation(err)
	if !ok {
		return err
	}
	catalog, cerr := views.LoadCatalog()
	if cerr != nil {
		return errors.Join(err, cerr)
	}
	var order []string
	fs.VisitAll(func(f *flag.Flag) { order = append(order, f.Name) })
	fields := make([]string, 0, len(fe))
	for field := range fe {
		fields = append(fields, field)
	}
	rank := func(f string) int {
		if i := slices.Index(order, f); i >= 0 {
			return i
		}
		return len(order)
	}
	slices.SortFunc(fields, func(a, b string) int {
		if c := rank(a) - rank(b); c != 0 {
			return c
		}
		return strings.Compare(a, b)
	})
	var parts []string
	for _, field := range fields {
		name := field
		if fs.Lookup(field) != nil {
			name = "--" + field
		} else if field == "password" && fs.Lookup("password-stdin") != nil {
			name = "the password (--password-stdin)"
		}
		parts = append(parts, fmt.Sprintf("%s: %s", name, catalog.T("en", fe[field])))
	}
	return fmt.Errorf("invalid input: %s", strings.Join(parts, " "))
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
