package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// runCLI runs awda in process with an empty environment.
func runCLI(t *testing.T, stdin string, args ...string) (string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err := run(context.Background(), args, func(string) string { return "" }, strings.NewReader(stdin), &out, &errOut)
	return out.String(), err
}

func TestCLIErrorsAreEnglishSentencesInFlagOrder(t *testing.T) {
	db := filepath.Join(t.TempDir(), "a.db")
	var first string
	for i := range 3 {
		_, err := runCLI(t, "", "user", "add", "--db", db, "--email", "not an email", "--name", "", "--role", "caseworker")
		if err == nil {
			t.Fatal("invalid user accepted")
		}
		msg := err.Error()
		if strings.Contains(msg, "error.") {
			t.Fatalf("catalogue key in %q", msg)
		}
		want := "invalid input: --email: Enter a valid email address."
		if !strings.HasPrefix(msg, "invalid input: --email: ") || !strings.Contains(msg, "--name: ") ||
			!strings.Contains(msg, "--office: A caseworker must belong to an office.") {
			t.Fatalf("message %q, want sentences such as %q", msg, want)
		}
		if e, n, o := strings.Index(msg, "--email"), strings.Index(msg, "--name"), strings.Index(msg, "--office"); !(e < n && n < o) {
			t.Fatalf("fields out of flag order: %q", msg)
		}
		if i == 0 {
			first = msg
		} else if msg != first {
			t.Fatalf("order changed between runs:\n%s\n%s", first, msg)
		}
	}
	_, err := runCLI(t, "", "user", "add", "--db", db, "--email", "a@example.org", "--name", "A", "--role", "admin", "--office", "RAB")
	if err == nil || !strings.Contains(err.Error(), "--office: An administrator belongs to no office") {
		t.Fatalf("admin with an office: %v", err)
	}
}

func TestCLIDatabaseFlagAcceptsOnlyPathsFileURIsAndPostgres(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	for _, bad := range []string{"mysql://foo", "sqlite://x.db", "http://example.org/db", "postgres:foo", "file:x.db?mode=memory", "file://remote/x.db"} {
		_, err := runCLI(t, "", "migrate", "--db", bad)
		if err == nil || !strings.Contains(err.Error(), "--db") {
			t.Errorf("--db %q: %v, want a refusal naming --db", bad, err)
		}
	}
	_, err := runCLI(t, "", "migrate", "--db", "")
	if err == nil || !strings.Contains(err.Error(), "--db is empty") {
		t.Errorf("--db '': %v", err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Fatalf("refused --db values created %v", entries)
	}
	if _, err := runCLI(t, "", "migrate", "--db", "file:"+filepath.Join(dir, "uri.db")); err != nil {
		t.Fatalf("file: URI: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "uri.db")); err != nil {
		t.Fatalf("file: URI did not open its path: %v", err)
	}
	if _, err := runCLI(t, "", "migrate", "--db", filepath.Join(dir, "plain.db")); err != nil {
		t.Fatalf("path: %v", err)
	}
}

func TestCLIEmptyPasswordStdinIsAnError(t *testing.T) {
	db := filepath.Join(t.TempDir(), "a.db")
	out, err := runCLI(t, "\n", "user", "add", "--db", db, "--email", "a@example.org", "--name", "A", "--role", "admin", "--password-stdin")
	if err == nil || !strings.Contains(err.Error(), "--password-stdin") {
		t.Fatalf("empty password: %v", err)
	}
	if strings.Contains(out, "password") {
		t.Fatalf("a password was printed: %q", out)
	}
	if _, err := os.Stat(db); !os.IsNotExist(err) {
		t.Fatalf("the database was created before the input was checked: %v", err)
	}
}

func TestCLIHelpExitsZero(t *testing.T) {
	for _, args := range [][]string{
		{"help"}, {"--help"}, {"serve", "-h"}, {"serve", "--help"}, {"migrate", "-h"}, {"office", "-h"}, {"office", "add", "-h"},
		{"user", "--help"}, {"user", "add", "--help"}, {"backup", "-h"}, {"demo", "-h"},
	} {
		if _, err := runCLI(t, "", args...); err != nil {
			t.Errorf("awda %s: %v, want success", strings.Join(args, " "), err)
		}
	}
}

func TestCLIServeChecksEveryFlagBeforeWritingAnything(t *testing.T) {
	db := filepath.Join(t.TempDir(), "new", "a.db")
	for _, addr := range []string{"notanaddr", "127.0.0.1:99999", "127.0.0.1:http-ish"} {
		out, err := runCLI(t, "", "serve", "--db", db, "--addr", addr)
		if err == nil || !strings.Contains(err.Error(), "--addr") {
			t.Errorf("--addr %q: %v", addr, err)
		}
		if strings.Contains(out, "password") {
			t.Errorf("--addr %q printed a password: %q", addr, out)
		}
	}
	if _, err := os.Stat(filepath.Dir(db)); !os.IsNotExist(err) {
		t.Fatalf("serve created files before refusing its flags: %v", err)
	}
}

// AWDA_WORK_SLOTS: unset is the portal's own choice (0); a whole number from 1 to
// maxWorkSlots is taken; anything else stops serve before it writes anything.
func TestServeReadsWorkSlots(t *testing.T) {
	for _, tc := range []struct {
		raw  string
		want int
		ok   bool
	}{
		{"", 0, true}, {"1", 1, true}, {"16", 16, true}, {"1024", 1024, true},
		{"0", 0, false}, {"-4", 0, false}, {"eight", 0, false}, {"8.5", 0, false}, {"1025", 0, false},
	} {
		got, err := readWorkSlots(func(k string) string {
			if k == "AWDA_WORK_SLOTS" {
				return tc.raw
			}
			return ""
		})
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("AWDA_WORK_SLOTS=%q: %d, %v; want %d, ok %v", tc.raw, got, err, tc.want, tc.ok)
		}
		if err != nil && !strings.Contains(err.Error(), "AWDA_WORK_SLOTS") {
			t.Errorf("AWDA_WORK_SLOTS=%q: the error does not name the variable: %v", tc.raw, err)
		}
	}
	db := filepath.Join(t.TempDir(), "new", "a.db")
	var out, errOut bytes.Buffer
	err := run(context.Background(), []string{"serve", "--db", db, "--addr", "127.0.0.1:0"}, func(k string) string {
		if k == "AWDA_WORK_SLOTS" {
			return "0"
		}
		return ""
	}, strings.NewReader(""), &out, &errOut)
	if err == nil || !strings.Contains(err.Error(), "AWDA_WORK_SLOTS") {
		t.Fatalf("serve with AWDA_WORK_SLOTS=0: %v", err)
	}
	if _, err := os.Stat(filepath.Dir(db)); !os.IsNotExist(err) {
		t.Fatalf("serve created files before refusing AWDA_WORK_SLOTS: %v", err)
	}
}
