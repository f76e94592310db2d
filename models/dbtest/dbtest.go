// Package dbtest opens a fresh, migrated database for one test: an SQLite file in the
// test's temporary folder, or, when AWDA_TEST_DB=postgres, a schema of its own in the
// PostgreSQL database named by TEST_DATABASE_URL, dropped when the test ends.
package dbtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

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

// Open returns a migrated database that lives as long as the test.
func Open(t testing.TB) *models.DB {
	t.Helper()
	dsn := DSN(t)
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

// DSN returns a new, empty database for the test, without opening it: an SQLite path
// or a postgres URL whose search_path is a fresh schema (dropped at cleanup).
func DSN(t testing.TB) string {
	t.Helper()
	if Backend() != "postgres" {
		return filepath.Join(t.TempDir(), "awda.db")
	}
	base := os.Getenv("TEST_DATABASE_URL")
	if base == "" {
		t.Fatal("AWDA_TEST_DB=postgres needs TEST_DATABASE_URL")
	}
	b := make([]byte, 6)
	rand.Read(b)
	schema := "t_" + hex.EncodeToString(b)
	admin := adminDB(t, base)
	if err := admin.Write.Exec("CREATE SCHEMA " + schema).Error; err != nil {
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		admin.Write.WithContext(ctx).Exec("DROP SCHEMA " + schema + " CASCADE")
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("parse TEST_DATABASE_URL: %v", err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

var (
	adminOnce sync.Once
	adminConn *models.DB
	adminErr  error
)

// adminDB is one shared connection per test binary for creating and dropping schemas.
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
