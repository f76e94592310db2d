package models_test

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"testing"

	"gorm.io/gorm"

	"awda/models"
	"awda/models/dbtest"
)

// requireTalliesMatch fails unless case_tallies holds exactly the per-office, per-status
// counts of the cases table (rows at zero are allowed: a status every case has left).
func requireTalliesMatch(t *testing.T, s *models.Stores) {
	t.Helper()
	type row struct {
		OfficeID uint
		Status   string
		N        int64
	}
	read := func(sql string) string {
		var rows []row
		if err := s.DB.Read.Raw(sql).Scan(&rows).Error; err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, r := range rows {
			out = append(out, fmt.Sprintf("%d/%s=%d", r.OfficeID, r.Status, r.N))
		}
		sort.Strings(out)
		return strings.Join(out, " ")
	}
	want := read(`SELECT office_id, status, COUNT(*) AS n FROM cases GROUP BY office_id, status`)
	got := read(`SELECT office_id, status, n FROM case_tallies WHERE n <> 0`)
	if got != want {
		t.Fatalf("case_tallies disagree with the cases:\n got %s\nwant %s", got, want)
	}
}

// The tallies follow every kind of write: registrations, every status move (through
// TestEveryTransitionByRole's path), reopening, a change of office and deletions done
// in SQL, as an operator or a migration would.
func TestCaseTalliesFollowEveryWrite(t *testing.T) {
	ctx := context.Background()
	f := newCaseFixture(t)
	rabSup := dbtest.MustUser(t, f.s, "rabsup@example.org", models.RoleSupervisor, "RAB", "correct horse battery")
	requireTalliesMatch(t, f.s)
	var cases []*models.Case
	for _, st := range models.CaseStatuses {
		cases = append(cases, caseAt(t, f, rabSup, st), caseAt(t, f, rabSup, st))
	}
	requireTalliesMatch(t, f.s)

	closed := caseAt(t, f, rabSup, models.StatusClosed)
	if _, err := f.s.Cases.Move(ctx, actorOf(rabSup), rabSup.Scope(), closed.ID,
		models.TransitionInput{To: models.Reopen, Version: closed.Version, Note: "new facts"}); err != nil {
		t.Fatal(err)
	}
	requireTalliesMatch(t, f.s)

	for _, sql := range []string{
		fmt.Sprintf("UPDATE cases SET office_id = %d WHERE id = %d", f.oud.ID, cases[0].ID),
		fmt.Sprintf("UPDATE cases SET office_id = %d, status = 'closed' WHERE id = %d", f.oud.ID, cases[2].ID),
		fmt.Sprintf("UPDATE cases SET notes = 'no change of tally' WHERE id = %d", cases[3].ID),
		fmt.Sprintf("DELETE FROM status_changes WHERE case_id = %d", cases[4].ID),
		fmt.Sprintf("DELETE FROM case_vulnerabilities WHERE case_id = %d", cases[4].ID),
		fmt.Sprintf("DELETE FROM household_members WHERE case_id = %d", cases[4].ID),
		fmt.Sprintf("DELETE FROM cases WHERE id = %d", cases[4].ID),
	} {
		if err := f.s.DB.Write.Exec(sql).Error; err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
	requireTalliesMatch(t, f.s)

	// A transaction that fails leaves the tallies as they were.
	before := tallyTotal(t, f.s)
	_ = f.s.DB.Tx(ctx, func(tx *gorm.DB) error {
		if err := tx.Exec("UPDATE cases SET status = 'closed' WHERE office_id = ?", f.rab.ID).Error; err != nil {
			return err
		}
		return errRollback
	})
	if after := tallyTotal(t, f.s); after != before {
		t.Fatalf("a rolled-back transaction moved the tallies: %v, then %v", before, after)
	}
	requireTalliesMatch(t, f.s)
}

var errRollback = fmt.Errorf("roll back")

func tallyTotal(t *testing.T, s *models.Stores) string {
	t.Helper()
	var rows []struct {
		Status string
		N      int64
	}
	if err := s.DB.Read.Raw("SELECT status, SUM(n) AS n FROM case_tallies GROUP BY status ORDER BY status").Scan(&rows).Error; err != nil {
		t.Fatal(err)
	}
	return fmt.Sprint(rows)
}

// The list's total comes from the tallies when it filters by office and status only,
// and from the rows otherwise: both must give the number of cases on the pages.
func TestListTotalMatchesTheRowsForEveryFilter(t *testing.T) {
	ctx := context.Background()
	f := newCaseFixture(t)
	rabSup := dbtest.MustUser(t, f.s, "rabsup@example.org", models.RoleSupervisor, "RAB", "correct horse battery")
	for _, st := range models.CaseStatuses {
		caseAt(t, f, rabSup, st)
	}
	oud := validInput()
	oud.ConfirmDifferent = true
	if _, err := f.s.Cases.Create(ctx, actorOf(f.oudCW), f.oudCW.Scope(), oud); err != nil {
		t.Fatal(err)
	}
	for _, u := range []*models.User{f.sup, f.cw, f.oudCW} {
		for _, filter := range []models.CaseFilter{
			{}, {Status: "registered"}, {Status: "closed"}, {Status: "nonsense"}, {Open: true},
			{OfficeCode: "rab"}, {OfficeCode: "OUD", Status: "registered"}, {OfficeCode: "nowhere"},
			{Nationality: "GN"}, {Q: "diallo", Status: "approved"}, {Sort: "number"},
		} {
			filter.Page, filter.PerPage = 1, 200
			rows, total, err := f.s.Cases.List(ctx, u.Scope(), filter)
			if err != nil {
				t.Fatal(err)
			}
			if total != int64(len(rows)) {
				t.Errorf("%s with %+v: total %d, %d rows", u.Email, filter, total, len(rows))
			}
		}
	}
}
