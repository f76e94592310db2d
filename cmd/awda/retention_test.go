package main

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"awda/models"
	"awda/models/dbtest"
)

// retentionDB is a migrated database with n closed cases whose closing is years old
// (due under the default policy), each with a household member, an activity note and
// a status note, plus one case closed last month (not due) and one old case on legal
// hold. It returns the DSN.
func retentionDB(t *testing.T, n int) string {
	t.Helper()
	dsn := dbtest.DSN(t)
	st := openStores(t, dsn)
	if err := models.Migrate(t.Context(), st.DB); err != nil {
		t.Fatal(err)
	}
	office := dbtest.MustOffice(t, st, "RAB", "Rabat")
	sup := dbtest.MustUser(t, st, "sup@example.org", models.RoleSupervisor, "RAB", "a long test passphrase")
	recent := time.Now().AddDate(0, -1, 0).Format("2006-01-02")
	for i := range n + 2 {
		closed := "2015-03-10"
		if i == n {
			closed = recent
		}
		c := dbtest.MustCase(t, st, office.ID, sup.ID, dbtest.Person{CaseNumber: fmt.Sprintf("RAB-2015-%05d", i+1),
			Family: fmt.Sprintf("Family%d", i), Given: "Given", Birth: "1980-01-02", Phone: "0600000000",
			DocNumber: fmt.Sprintf("DOC%d", i), Notes: "note", RequestDate: "2015-01-05"})
		for _, q := range []string{
			"UPDATE cases SET status = 'closed', closure_reason = 'withdrawn' WHERE id = ?",
			"INSERT INTO status_changes (case_id, from_status, to_status, date, reason, note, user_id, created_at) VALUES (?, 'registered', 'closed', '" + closed + "', 'withdrawn', 'typed note', 1, CURRENT_TIMESTAMP)",
			"INSERT INTO household_members (case_id, name, relation, sex, birth_date) VALUES (?, 'Member Name', 'child', 'M', '2010-05-05')",
			"INSERT INTO activities (case_id, kind, mode, date, note, created_by_id, created_at) VALUES (?, 'counselling', '', '2015-02-01', 'activity note', 1, CURRENT_TIMESTAMP)",
		} {
			if err := st.DB.Write.Exec(q, c.ID).Error; err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}
		if i == n+1 {
			if err := st.Retention.Hold(t.Context(), models.Actor{User: sup}, sup.Scope(), c.ID, "court order"); err != nil {
				t.Fatal(err)
			}
		}
	}
	return dsn
}

// retentionState counts the cases per state and fails on any half-anonymised case: a
// case is anonymised (mark, no name, no household name, no notes) or untouched.
func retentionState(t *testing.T, dsn string) (anonymised, untouched int) {
	t.Helper()
	st := openStores(t, dsn)
	var rows []struct {
		ID                   uint
		Marked               bool
		Family, Member, Note string
		ActivityNote, Phone  string
	}
	err := st.DB.Read.Raw(`SELECT c.id, c.anonymised_at IS NOT NULL AS marked, c.family_name AS family, c.phone,
		(SELECT h.name FROM household_members h WHERE h.case_id = c.id) AS member,
		(SELECT s.note FROM status_changes s WHERE s.case_id = c.id) AS note,
		(SELECT a.note FROM activities a WHERE a.case_id = c.id) AS activity_note
		FROM cases c ORDER BY c.id`).Scan(&rows).Error
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		switch {
		case r.Marked && r.Family == "" && r.Phone == "" && r.Member == "" && r.Note == "" && r.ActivityNote == "":
			anonymised++
		case !r.Marked && r.Family != "" && r.Phone != "" && r.Member != "" && r.Note != "" && r.ActivityNote != "":
			untouched++
		default:
			t.Errorf("case %d is half anonymised: %+v", r.ID, r)
		}
	}
	return anonymised, untouched
}

// auditedCount sums the counts of the retention.apply audit events.
func auditedCount(t *testing.T, dsn string) int {
	t.Helper()
	st := openStores(t, dsn)
	var details []string
	if err := st.DB.Read.Raw("SELECT details FROM audit_events WHERE action = 'retention.apply'").Scan(&details).Error; err != nil {
		t.Fatal(err)
	}
	sum := 0
	re := regexp.MustCompile(`cases=(\d+)`)
	for _, d := range details {
		m := re.FindStringSubmatch(d)
		if m == nil {
			t.Fatalf("retention.apply without a count: %q", d)
		}
		n, _ := strconv.Atoi(m[1])
		sum += n
	}
	return sum
}

// awda retention --dry-run reports the counts and changes nothing; --apply anonymises
// what is due and nothing else (not the recent case, not the held one).
func TestRetentionCommand(t *testing.T) {
	noEnv := func(string) string { return "" }
	dsn := retentionDB(t, 7)
	var out bytes.Buffer
	if err := run(t.Context(), []string{"retention", "--db", dsn}, noEnv, nil, &out, &out); err == nil {
		t.Error("retention without --dry-run or --apply succeeded")
	}
	out.Reset()
	if err := run(t.Context(), []string{"retention", "--dry-run", "--db", dsn}, noEnv, nil, &out, &out); err != nil {
		t.Fatalf("dry run: %v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "due now: 7 cases") || !strings.Contains(out.String(), "nothing changed") {
		t.Errorf("dry run output:\n%s", out.String())
	}
	if a, u := retentionState(t, dsn); a != 0 || u != 9 {
		t.Errorf("after the dry run: %d anonymised, %d untouched", a, u)
	}
	out.Reset()
	if err := run(t.Context(), []string{"retention", "--apply", "--batch", "3", "--db", dsn}, noEnv, nil, &out, &out); err != nil {
		t.Fatalf("apply: %v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "anonymised 7 cases in 3 batches") {
		t.Errorf("apply output:\n%s", out.String())
	}
	if a, u := retentionState(t, dsn); a != 7 || u != 2 {
		t.Errorf("after apply: %d anonymised, %d untouched (the recent and the held case)", a, u)
	}
	if n := auditedCount(t, dsn); n != 7 {
		t.Errorf("audited %d", n)
	}
}

// SIGKILL in the middle of --apply leaves every case whole (anonymised or untouched),
// every committed batch audited, and a second run finishes the work.
func TestRetentionApplyKilled(t *testing.T) {
	dsn := retentionDB(t, 300)
	cmd := exec.Command(awdaBin, "retention", "--apply", "--batch", "2", "--db", dsn)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(stdout)
	progress := 0
	for sc.Scan() {
		if strings.HasPrefix(sc.Text(), "anonymised ") {
			if progress++; progress == 3 {
				cmd.Process.Kill()
				break
			}
		}
	}
	cmd.Wait()
	if progress < 3 {
		t.Fatalf("the run ended before it could be killed (%d batches reported)", progress)
	}
	a, u := retentionState(t, dsn)
	if a == 0 || a >= 300 {
		t.Fatalf("killed run: %d anonymised, %d untouched: not killed mid-run", a, u)
	}
	if n := auditedCount(t, dsn); n != a {
		t.Errorf("killed run: %d anonymised, %d audited", a, n)
	}
	t.Logf("killed after %d cases", a)
	var out bytes.Buffer
	if err := run(t.Context(), []string{"retention", "--apply", "--db", dsn}, func(string) string { return "" }, nil, &out, &out); err != nil {
		t.Fatalf("second run: %v\n%s", err, out.String())
	}
	if a, u := retentionState(t, dsn); a != 300 || u != 2 {
		t.Errorf("after the second run: %d anonymised, %d untouched", a, u)
	}
	if n := auditedCount(t, dsn); n != 300 {
		t.Errorf("audited %d", n)
	}
}

// awda backup --anonymised writes a checked copy in which no byte of a person's name,
// phone or document number is left, while the live database keeps them.
func TestAnonymisedBackup(t *testing.T) {
	if dbtest.Backend() != "sqlite" {
		t.Skip("awda backup copies SQLite; PostgreSQL is copied with pg_dump")
	}
	dsn := retentionDB(t, 3)
	st := openStores(t, dsn)
	if err := st.DB.Write.Exec("UPDATE audit_events SET ip = '203.0.113.77'").Error; err != nil {
		t.Fatal(err)
	}
	dest := filepath.Join(t.TempDir(), "test-env.db")
	var out bytes.Buffer
	if err := run(t.Context(), []string{"backup", "--anonymised", "--db", dsn, dest}, func(string) string { return "" }, nil, &out, &out); err != nil {
		t.Fatalf("backup: %v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "5 cases anonymised, integrity ok") {
		t.Errorf("output %q", out.String())
	}
	raw, err := os.ReadFile(dest)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range []string{"Family0", "Family4", "0600000000", "DOC2", "Member Name", "activity note", "typed note", "203.0.113.77", "court order"} {
		if bytes.Contains(raw, []byte(v)) {
			t.Errorf("%q is still in the anonymised copy", v)
		}
	}
	if a, u := retentionState(t, dsn); a != 0 || u != 5 {
		t.Errorf("the live database changed: %d anonymised", a)
	}
	if a, _ := retentionState(t, dest); a != 5 {
		t.Errorf("the copy has %d anonymised cases", a)
	}
	left, _ := filepath.Glob(filepath.Join(filepath.Dir(dest), ".*"))
	if len(left) != 0 {
		t.Errorf("temporary files left: %v", left)
	}
}
