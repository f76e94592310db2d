// Package dbtest opens a fresh, migrated database for one test: an SQLite file in the
// test's temporary folder, or, when AWDA_TEST_DB=postgres, a schema of its own in the
// PostgreSQL database named by TEST_DATABASE_URL, dropped when the test ends.
package dbtest

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"

	"awda/models"
)

// Backend says which database the tests of this run use.
func Backend() string {
	if os.Getenv("AWDA_TEST_DB") == "postgres" {
		return "postgres"
	}
	return "sqlite"
}

// CheapArgon makes password hashing fast in tests; production parameters are tested apart.
var CheapArgon = models.Argon2Params{MemoryKiB: 64, Time: 1, Threads: 1}

// Open returns a migrated database that lives as long as the test. On PostgreSQL it is
// a copy of a template database migrated once (CREATE DATABASE … TEMPLATE), because
// gorm's schema introspection makes a fresh migration take seconds there.
func Open(t testing.TB) *models.DB {
	t.Helper()
	var dsn string
	if Backend() == "postgres" {
		dsn = newPostgresDatabase(t, templateDatabase(t))
	} else {
		dsn = filepath.Join(t.TempDir(), "awda.db")
	}
	db, err := models.Open(context.Background(), dsn, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatalf("open test database: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	if err := models.Migrate(context.Background(), db); err != nil {
		t.Fatalf("migrate test database: %v", err)
	}
	return db
}

// OpenForBulkLoad opens a migrated test database for loading many small transactions
// (the demo dataset): on PostgreSQL, commits do not wait for their flush to disk, a test
// setting like CheapArgon. On SQLite it is Open.
func OpenForBulkLoad(t testing.TB) *models.DB {
	t.Helper()
	if Backend() != "postgres" {
		return Open(t)
	}
	db, err := models.Open(context.Background(), DSN(t)+"&synchronous_commit=off", slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := models.Migrate(context.Background(), db); err != nil {
		t.Fatal(err)
	}
	return db
}

// DSN returns a new, EMPTY database for the test, without opening it: an SQLite path
// or a postgres URL of a fresh database (dropped at cleanup). Tests of start-up and
// migration use it; other tests use Open.
func DSN(t testing.TB) string {
	t.Helper()
	if Backend() != "postgres" {
		return filepath.Join(t.TempDir(), "awda.db")
	}
	return newPostgresDatabase(t, "template0")
}

// baseURL is TEST_DATABASE_URL, required when the backend is postgres.
func baseURL(t testing.TB) string {
	base := os.Getenv("TEST_DATABASE_URL")
	if base == "" {
		t.Fatal("AWDA_TEST_DB=postgres needs TEST_DATABASE_URL")
	}
	return base
}

// withDatabase is the base URL pointing at another database of the same server.
func withDatabase(t testing.TB, name string) string {
	u, err := url.Parse(baseURL(t))
	if err != nil {
		t.Fatalf("parse TEST_DATABASE_URL: %v", err)
	}
	u.Path = "/" + name
	return u.String()
}

// newPostgresDatabase creates a database from a template and drops it after the test.
func newPostgresDatabase(t testing.TB, template string) string {
	t.Helper()
	b := make([]byte, 6)
	rand.Read(b)
	name := "awda_t_" + hex.EncodeToString(b)
	admin := adminDB(t, baseURL(t))
	if err := admin.Write.Exec("CREATE DATABASE " + name + " TEMPLATE " + template).Error; err != nil {
		t.Fatalf("create test database: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		admin.Write.WithContext(ctx).Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)")
	})
	return withDatabase(t, name)
}

// schemaFingerprint identifies the schema the migrations make: their ids and the source
// of the models package, which holds the migrations and the SQL they share with the
// stores (trigger bodies, the summary's definitions). A migration whose content changes
// under the same id, as it does while it is written, then gets a template of its own
// instead of an earlier build's. Tests run in the source tree, so the files are there.
func schemaFingerprint(t testing.TB) string {
	t.Helper()
	h := sha256.New()
	h.Write([]byte(strings.Join(models.MigrationIDs(), ",")))
	_, here, _, ok := runtime.Caller(0)
	if !ok {
		t.Fatal("dbtest: cannot locate the models package's source")
	}
	files, err := filepath.Glob(filepath.Join(filepath.Dir(here), "..", "*.go"))
	if err != nil || len(files) == 0 {
		t.Fatalf("dbtest: the models package's source: %v", err)
	}
	slices.Sort(files)
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		h.Write([]byte(filepath.Base(f)))
		h.Write(b)
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}

// templateLifetime is how long a template database is kept after it was made: older ones
// are dropped when a new one is built (each change of the models' source makes one).
const templateLifetime = 24 * time.Hour

// templateDatabase returns the name of a database migrated to the current schema, made
// once per schema version (its name carries the schema's fingerprint) and shared by
// every test process; an advisory lock makes concurrent processes build it once.
func templateDatabase(t testing.TB) string {
	t.Helper()
	name := "awda_tpl_" + schemaFingerprint(t)
	admin := adminDB(t, baseURL(t))
	err := admin.Write.Connection(func(conn *gorm.DB) error {
		if err := conn.Exec("SELECT pg_advisory_lock(7202611282)").Error; err != nil {
			return err
		}
		defer conn.Exec("SELECT pg_advisory_unlock(7202611282)")
		var n int64
		if err := conn.Raw("SELECT count(*) FROM pg_database WHERE datname = ?", name).Scan(&n).Error; err != nil || n > 0 {
			return err
		}
		dropOldTemplates(conn)
		building := name + "_building"
		if err := conn.Exec("DROP DATABASE IF EXISTS " + building + " WITH (FORCE)").Error; err != nil {
			return err
		}
		if err := conn.Exec("CREATE DATABASE " + building + " TEMPLATE template0").Error; err != nil {
			return err
		}
		db, err := models.Open(context.Background(), withDatabase(t, building), slog.New(slog.NewTextHandler(io.Discard, nil)))
		if err != nil {
			return err
		}
		merr := models.Migrate(context.Background(), db)
		db.Close()
		if merr != nil {
			return merr
		}
		// Dated, for dropOldTemplates.
		if err := conn.Exec(fmt.Sprintf("COMMENT ON DATABASE %s IS 'awda test template %d'", building, time.Now().Unix())).Error; err != nil {
			return err
		}
		// Renamed only once complete, so a crashed build is never used as a template.
		return conn.Exec("ALTER DATABASE " + building + " RENAME TO " + name).Error
	})
	if err != nil {
		t.Fatalf("prepare the template database: %v", err)
	}
	return name
}

// dropOldTemplates drops the templates made more than templateLifetime ago, and those
// made before they were dated. One still in use by a test process of the last day is
// kept; a failure to drop is not the test's concern.
func dropOldTemplates(conn *gorm.DB) {
	var old []string
	conn.Raw(`SELECT d.datname FROM pg_database d
		LEFT JOIN pg_shdescription s ON s.objoid = d.oid AND s.classoid = 'pg_database'::regclass
		WHERE d.datname LIKE 'awda\_tpl\_%' AND d.datname NOT LIKE '%\_building'
		AND COALESCE(substring(s.description FROM 'awda test template ([0-9]+)')::bigint, 0) < ?`,
		time.Now().Add(-templateLifetime).Unix()).Scan(&old)
	for _, name := range old {
		conn.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)")
	}
}

var (
	adminOnce sync.Once
	adminConn *models.DB
	adminErr  error
)

// adminDB is one shared connection pool per test binary for creating and dropping
// test databases.
func adminDB(t testing.TB, base string) *models.DB {
	adminOnce.Do(func() {
		adminConn, adminErr = models.Open(context.Background(), base, slog.New(slog.NewTextHandler(io.Discard, nil)))
	})
	if adminErr != nil {
		t.Fatalf("connect to TEST_DATABASE_URL: %v", adminErr)
	}
	return adminConn
}

// Clock is a settable clock for tests of timeouts and periods.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// NewClock starts a clock at t.
func NewClock(t time.Time) *Clock { return &Clock{t: t} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Advance moves the clock forward.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// Stores opens a test database and builds every store on it with the given clock.
func Stores(t testing.TB, clock *Clock) *models.Stores {
	t.Helper()
	return models.NewStores(Open(t), clock.Now, CheapArgon)
}

// MustOffice creates an office or fails the test.
func MustOffice(t testing.TB, s *models.Stores, code, name string) *models.Office {
	t.Helper()
	o, err := s.Offices.Create(context.Background(), models.Actor{}, models.OfficeInput{Code: code, Name: name, City: name})
	if err != nil {
		t.Fatalf("create office %s: %v", code, err)
	}
	return o
}

// MustUser creates an active user with a known password (and no forced change) or fails.
func MustUser(t testing.TB, s *models.Stores, email string, role models.Role, officeCode, password string) *models.User {
	t.Helper()
	u, _, err := s.Users.Create(context.Background(), models.Actor{}, models.UserInput{
		Email: email, Name: fmt.Sprintf("Agent %s", role), Role: role, OfficeCode: officeCode, Password: password,
	})
	if err != nil {
		t.Fatalf("create user %s: %v", email, err)
	}
	return u
}

// AuditEvents takes an audit list's events, failing the test on an error:
// dbtest.AuditEvents(t)(stores.Audit.List(…)).
func AuditEvents(t testing.TB) func(models.AuditList, error) []models.AuditEvent {
	return func(l models.AuditList, err error) []models.AuditEvent {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return l.Events
	}
}
