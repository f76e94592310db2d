package main

import (
	"bytes"
	"database/sql"
	"path/filepath"
	"strings"
	"testing"

	_ "github.com/mattn/go-sqlite3"
)

// awda rebuild-summary refills the summary's prepared tables: facts an operator wiped
// by hand come back from the records.
func TestRebuildSummaryCommand(t *testing.T) {
	noEnv := func(string) string { return "" }
	db := filepath.Join(t.TempDir(), "awda.db")
	var out bytes.Buffer
	for _, args := range [][]string{
		{"migrate", "--db", db},
		{"office", "add", "--db", db, "--code", "RAB", "--name", "Rabat", "--city", "Rabat"},
		{"user", "add", "--db", db, "--email", "w@example.org", "--name", "W", "--role", "caseworker", "--office", "RAB", "--password-stdin"},
	} {
		in := strings.NewReader("a long enough passphrase\n")
		if err := run(t.Context(), args, noEnv, in, &out, &out); err != nil {
			t.Fatalf("%v: %v\n%s", args, err, out.String())
		}
	}
	conn, err := sql.Open("sqlite3", db)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	for _, q := range []string{
		`INSERT INTO cases (case_number, office_id, direction, family_name, given_name, sex, nationality, return_country, consent_date, status, created_by_id, departure_date, version, created_at, updated_at)
			VALUES ('RAB-2021-00001', 1, 'outbound', 'F', 'G', 'M', 'CI', 'CI', '2021-01-01', 'returned', 1, '2021-02-01', 1, '2021-01-01', '2021-01-01')`,
		`DELETE FROM summary_facts`,
	} {
		if _, err := conn.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	out.Reset()
	if err := run(t.Context(), []string{"rebuild-summary", "--db", db}, noEnv, nil, &out, &out); err != nil {
		t.Fatalf("rebuild-summary: %v\n%s", err, out.String())
	}
	if !strings.HasPrefix(out.String(), "summary rebuilt: 4 facts") { // returns and its nationality, sex and age
		t.Errorf("output %q", out.String())
	}
	var n int
	if err := conn.QueryRow(`SELECT COUNT(*) FROM summary_facts WHERE ind = 'returns'`).Scan(&n); err != nil || n != 1 {
		t.Errorf("returns facts after the rebuild: %d (%v)", n, err)
	}
}
