package models

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
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
// failing with "database is locked"; reads use Read, and reads that go at a client's
// pace (a CSV export streamed row by row) use Stream. On PostgreSQL all are one pool.
type DB struct {
	Read    *gorm.DB
	Write   *gorm.DB
	Stream  *gorm.DB
	Dialect Dialect
	// Path is the SQLite file (empty on PostgreSQL), used for the session key and backups.
	Path string
	// writes groups the transactions queued for SQLite's one writer (nil on PostgreSQL,
	// whose transactions take turns through a lock instead, see writeTurn, and on a DB
	// bound to a transaction).
	writes *groupCommit
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
		gdb, err := gorm.Open(postgres.Open(withConnectTimeout(dsn)), cfg)
		if err != nil {
			return nil, fmt.Errorf("open postgres: %w", err)
		}
		sqlDB, err := gdb.DB()
		if err != nil {
			return nil, err
		}
		// Room for reads while writes queue on a row lock (registrations of one office
		// wait for its case-number counter): with 20, fifty busy users' registrations
		// held most connections and every page waited for one.
		sqlDB.SetMaxOpenConns(40)
		// Every connection stays open between requests: a new one is a new server
		// process whose catalogue caches and prepared statements start cold. With 20
		// kept, 32 concurrent page requests opened and closed connections all the time,
		// and each page cost several times its queries (case file at scale 4: 114 req/s,
		// 555 with all kept).
		sqlDB.SetMaxIdleConns(40)
		sqlDB.SetConnMaxIdleTime(5 * time.Minute)
		// Connections are renewed now and then, so a failover or a restarted database is
		// picked up even by a busy pool. Queries are bounded by each request's deadline.
		sqlDB.SetConnMaxLifetime(30 * time.Minute)
		if err := sqlDB.PingContext(ctx); err != nil {
			return nil, fmt.Errorf("ping postgres: %w", err)
		}
		return &DB{Read: gdb, Write: gdb, Stream: gdb, Dialect: Postgres}, nil
	}
	if err := privateFiles(dsn, log); err != nil {
		return nil, err
	}
	q := url.Values{}
	q.Set("_foreign_keys", "1")
	q.Set("_journal_mode", "WAL")
	q.Set("_busy_timeout", "5000")
	q.Set("_synchronous", "FULL")
	// Each connection keeps its prepared statements (the session lookup alone runs on
	// every request): a quarter less time per query than preparing it each time.
	// PostgreSQL needs nothing of the kind: pgx caches prepared statements already.
	q.Set("_stmt_cache_size", "128")
	full := "file:" + dsn + "?" + q.Encode()
	write, err := gorm.Open(sqlite.Open(full+"&_txlock=immediate"), cfg)
	if err != nil {
		return nil, fmt.Errorf("open sqlite: %w", err)
	}
	wdb, _ := write.DB()
	wdb.SetMaxOpenConns(1)
	// One read connection per CPU: each read runs on its own thread, and more readers
	// than cores only share the CPU with the one writer, whose queue then grows. With 8
	// on 2 cores, the 50-user load's writes had a p99 of 280–376 ms; with 2, 196–234 ms,
	// and the pages' own p99 stayed under 240 ms.
	read, err := openSQLiteReads(full, max(2, runtime.GOMAXPROCS(0)), cfg)
	if err != nil {
		(&DB{Write: write}).Close()
		return nil, err
	}
	// A streamed export holds its connection for as long as the client takes to read
	// the file: on a slow line, minutes. It has connections of its own, so two such
	// downloads cannot take the pages' reads.
	stream, err := openSQLiteReads(full, streamConns, cfg)
	if err != nil {
		(&DB{Read: read, Write: write}).Close()
		return nil, err
	}
	db := &DB{Read: read, Write: write, Stream: stream, Dialect: SQLite, Path: dsn, writes: newGroupCommit(write)}
	if err := db.checkPragmas(ctx); err != nil {
		db.Close()
		return nil, err
	}
	if missing, err := db.MissingBuildOptions(ctx); err == nil && len(missing) > 0 && log != nil {
		log.Warn("SQLite was built without the options the Makefile sets (CGO_CFLAGS), and runs slower: "+
			"build with `make build` for full speed under load", "missing", strings.Join(missing, " "))
	}
	return db, nil
}

// privateFiles makes an SQLite database's files readable by their owner only: they hold
// personal data, password hashes and two-step secrets. The folder is created 0700; the
// database file is created 0600 before SQLite opens it, and SQLite gives its -wal and
// -shm files the database file's mode, so no umask widens any of them. Files an earlier
// version left wider are narrowed to 0600; a folder that already existed is left as it
// is, with a warning when others can open it.
func privateFiles(path string, log *slog.Logger) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("create database folder: %w", err)
	}
	if fi, err := os.Stat(dir); err == nil && fi.Mode().Perm()&0o077 != 0 && log != nil {
		log.Warn("the database folder can be opened by other users: chmod 700 it", "mode", fmt.Sprintf("%#o", fi.Mode().Perm()))
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	switch {
	case err == nil:
		return f.Close()
	case !errors.Is(err, os.ErrExist):
		return fmt.Errorf("create database file: %w", err)
	}
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		fi, err := os.Stat(p)
		if err != nil || fi.Mode().Perm()&0o077 == 0 {
			continue
		}
		if err := os.Chmod(p, fi.Mode().Perm()&0o600); err != nil {
			return fmt.Errorf("make %s private: %w", filepath.Base(p), err)
		}
	}
	return nil
}

// sqliteBuildOptions are the compile-time options the Makefile gives SQLite
// (CGO_CFLAGS), as PRAGMA compile_options names them:
//   - DEFAULT_MEMSTATUS=0: no memory statistics, which take one process-wide lock on
//     every allocation of every connection;
//   - ENABLE_QPSG: no re-preparing a statement when its parameters are bound again.
//     go-sqlite3 clears the bindings before every run, and without QPSG that expires
//     every statement whose plan could depend on a bound value, so it was compiled
//     afresh each time: the case file's main query cost 136 us instead of 38.
//   - DEFAULT_PCACHE_INITSZ=0: no 88 KB block allocated for each new page cache. Every
//     GROUP BY, ORDER BY and window of a statement opens a temporary table with a cache
//     of its own, and the summary triggers run several at each write: the blocks were
//     freed, returned to the system and faulted in again, a fifth of a support write's
//     time.
var sqliteBuildOptions = []string{"DEFAULT_MEMSTATUS=0", "ENABLE_QPSG", "DEFAULT_PCACHE_INITSZ=0"}

// streamConns is how many exports stream from SQLite at once; another waits for one.
const streamConns = 4

// openSQLiteReads opens a pool of n read connections.
func openSQLiteReads(dsn string, n int, cfg *gorm.Config) (*gorm.DB, error) {
	g, err := gorm.Open(sqlite.Open(dsn+"&mode=rw"), cfg)
	if err != nil {
		return nil, fmt.Errorf("open sqlite: %w", err)
	}
	pool, _ := g.DB()
	pool.SetMaxOpenConns(n)
	pool.SetMaxIdleConns(n)
	return g, nil
}

// MissingBuildOptions lists the sqliteBuildOptions this binary's SQLite lacks (none on
// PostgreSQL).
func (db *DB) MissingBuildOptions(ctx context.Context) ([]string, error) {
	if db.Dialect != SQLite {
		return nil, nil
	}
	var opts []string
	if err := db.Read.WithContext(ctx).Raw("PRAGMA compile_options").Scan(&opts).Error; err != nil {
		return nil, fmt.Errorf("read sqlite compile options: %w", err)
	}
	var missing []string
	for _, want := range sqliteBuildOptions {
		if !slices.Contains(opts, want) {
			missing = append(missing, want)
		}
	}
	return missing, nil
}

// checkPragmas refuses a connection whose SQLite settings are not the ones we rely on.
func (db *DB) checkPragmas(ctx context.Context) error {
	for _, g := range []*gorm.DB{db.Write, db.Read, db.Stream} {
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
// On SQLite it may share its COMMIT with other transactions queued meanwhile (see
// groupCommit), so fn runs on another goroutine: it must not end its goroutine
// (t.FailNow), and it may not take the writer again (DB.Write or another Tx), which
// would wait for itself, as it always did on the one writer connection.
func (db *DB) Tx(ctx context.Context, fn func(tx *gorm.DB) error) error {
	if db.writes != nil {
		return db.writes.Tx(ctx, fn)
	}
	if db.Dialect == Postgres {
		return db.Write.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
			if err := db.lockKeys(tx, writeTurn); err != nil {
				return err
			}
			return fn(tx)
		})
	}
	return db.Write.WithContext(ctx).Transaction(fn)
}

// writeTurn is the lock every PostgreSQL write transaction takes first, so they run one
// at a time as on SQLite. Each write changes a few rows of the prepared tables that
// many writes share (an office's tallies for the month, its home counts), some at once
// and some at commit, in orders that depend on the write: side by side, two writes of
// one office locked them in opposite orders and PostgreSQL broke the deadlock after a
// second. Under the 50-user load that was 65 req/s, support plans waiting up to 30 s,
// and deadlocks that outlived three retries.
const writeTurn = "write-transactions"

// Bound returns a DB whose reads and writes all go through tx, the transaction of a
// bulk load that runs many store calls as one: each call's own transaction becomes a
// savepoint of tx (rolled back alone if the call fails), and its reads see the earlier
// calls' writes, which another connection could not see before tx commits.
func (db *DB) Bound(tx *gorm.DB) *DB {
	return &DB{Read: tx, Write: tx, Stream: tx, Dialect: db.Dialect, Path: db.Path}
}

// lockKeys holds named locks until tx ends, so that work counting and writing rows of
// one key (a throttle's attempts) runs one at a time. On PostgreSQL each key is a
// transaction-scoped advisory lock (per schema, as the migration lock), taken in sorted
// order so two transactions holding several keys cannot deadlock. On SQLite a write
// transaction already excludes every other writer (BEGIN IMMEDIATE on the one writer
// connection), so there is nothing more to take.
func (db *DB) lockKeys(tx *gorm.DB, keys ...string) error {
	if db.Dialect != Postgres {
		return nil
	}
	sorted := slices.Clone(keys)
	slices.Sort(sorted)
	for _, k := range slices.Compact(sorted) {
		if err := tx.Exec("SELECT pg_advisory_xact_lock(hashtextextended(current_schema() || ':' || ?, 0))", k).Error; err != nil {
			return fmt.Errorf("lock %s: %w", k, err)
		}
	}
	return nil
}

// Analyze refreshes the planner's statistics after a bulk load (the demo, an import,
// the load tool's seed). PostgreSQL otherwise plans a freshly filled table as empty
// until autovacuum gets to it, about a minute later: the home page's "waiting" list
// took 40 ms instead of 1 on 500 cases, comparing every case with every status change.
// SQLite plans well from its indexes alone, and statistics left stale by later growth
// misled it (a join on users read as a one-row table), so it keeps none.
func (db *DB) Analyze(ctx context.Context) error {
	if db.Dialect != Postgres {
		return nil
	}
	if err := db.Write.WithContext(ctx).Exec("ANALYZE").Error; err != nil {
		return fmt.Errorf("analyze: %w", err)
	}
	return nil
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
	if db.writes != nil {
		db.writes.close()
	}
	var errs []error
	var closed []*sql.DB
	for _, g := range []*gorm.DB{db.Read, db.Write, db.Stream} {
		if g == nil {
			continue
		}
		if s, err := g.DB(); err == nil && !slices.Contains(closed, s) {
			closed = append(closed, s)
			errs = append(errs, s.Close())
		}
	}
	return errors.Join(errs...)
}

// withConnectTimeout adds connect_timeout=5 (seconds) to a postgres URL that sets none,
// so a database host that does not answer cannot hold a new connection for minutes.
func withConnectTimeout(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil {
		return dsn
	}
	q := u.Query()
	if q.Get("connect_timeout") == "" {
		q.Set("connect_timeout", "5")
		u.RawQuery = q.Encode()
	}
	return u.String()
}

// IsUnavailable recognises an error that means the database did not answer: a deadline
// passed, the connection was refused, reset or cut, or the pool is closed. The portal
// answers those with 503 (try again) rather than 500 (a bug).
func IsUnavailable(err error) bool {
	if err == nil {
		return false
	}
	var netErr net.Error
	switch {
	case errors.Is(err, ErrUnavailable), errors.Is(err, context.DeadlineExceeded),
		errors.Is(err, driver.ErrBadConn), errors.Is(err, sql.ErrConnDone),
		errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF),
		errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE),
		errors.As(err, &netErr), pgconn.Timeout(err):
		return true
	}
	var connectErr *pgconn.ConnectError
	if errors.As(err, &connectErr) {
		return true
	}
	msg := err.Error()
	// database/sql does not export these; SQLite reports a vanished file as I/O errors.
	return strings.Contains(msg, "sql: database is closed") || strings.Contains(msg, "conn closed") ||
		strings.Contains(msg, "failed to connect") || strings.Contains(msg, "disk I/O error")
}

// IsRetryable recognises a transaction PostgreSQL rolled back whole to break a deadlock
// or a serialization conflict with another: running it again is safe, and is what the
// user would do by sending the form again.
func IsRetryable(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && (pgErr.Code == "40P01" || pgErr.Code == "40001")
}

// Like escapes a user's text for a LIKE pattern with '\' as the escape character.
func Like(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return "%" + r.Replace(s) + "%"
}

// collectRows runs q and scans each row with scan. The few queries that run on nearly
// every request (the session lookup, the case list) use it: gorm's reflective scan and
// query trace were a third of their cost, and a named Scan per column is also clearer
// about what the query returns.
func collectRows[T any](q *gorm.DB, scan func(rows *sql.Rows, v *T) error) ([]T, error) {
	rows, err := q.Rows()
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		var v T
		if err := scan(rows, &v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// literalText is what withLiterals writes into a statement as a string: kinds, buckets,
// dates and codes ("followup_d", "02:2021-12-15", "SN"), nothing that could end a
// quoted string.
var literalText = regexp.MustCompile(`^[A-Za-z0-9_:-]*$`)

// keptPlan returns a statement and its values as PostgreSQL keeps a plan for them (pg),
// for a statement whose planning costs as much as running it: PostgreSQL plans a
// statement with parameters again at each run unless its generic plan looks as good as
// the custom ones, and keeps the plan of one without parameters on the connection, so
// the values are written into it (withLiterals). On SQLite q and args are returned as
// they are: its statement cache is keyed by text, and one text per user and day would
// crowd it.
func keptPlan(pg bool, q string, args []any) (string, []any, error) {
	if !pg {
		return q, args, nil
	}
	q, err := withLiterals(q, args)
	return q, nil, err
}

// withLiterals replaces each ? of q by its argument written as an SQL literal. Only
// whole numbers and strings of literalText are accepted: anything else is an error,
// never written.
func withLiterals(q string, args []any) (string, error) {
	var b strings.Builder
	next := 0
	for _, part := range strings.SplitAfter(q, "?") {
		if !strings.HasSuffix(part, "?") {
			b.WriteString(part)
			continue
		}
		b.WriteString(part[:len(part)-1])
		if next == len(args) {
			return "", fmt.Errorf("write literals: more placeholders than the %d values", len(args))
		}
		switch v := args[next].(type) {
		case string:
			if !literalText.MatchString(v) {
				return "", fmt.Errorf("write literals: %q cannot be written as a literal", v)
			}
			b.WriteString("'" + v + "'")
		case int:
			b.WriteString(signed(int64(v)))
		case int64:
			b.WriteString(signed(v))
		case uint:
			b.WriteString(strconv.FormatUint(uint64(v), 10))
		default:
			return "", fmt.Errorf("write literals: a %T cannot be written as a literal", v)
		}
		next++
	}
	if next != len(args) {
		return "", fmt.Errorf("write literals: %d values for %d placeholders", len(args), next)
	}
	return b.String(), nil
}

// signed writes a whole number, a negative one in brackets: after a minus sign, "-3"
// would make "--", which starts a comment.
func signed(n int64) string {
	if n < 0 {
		return "(" + strconv.FormatInt(n, 10) + ")"
	}
	return strconv.FormatInt(n, 10)
}
