package models_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"awda/models"
	"awda/models/dbtest"
)

func TestTruncateAddress(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"192.0.2.57", "192.0.2.0"},
		{"192.0.2.0", "192.0.2.0"},
		{"::ffff:10.1.2.3", "10.1.2.0"},
		{"2001:db8:abcd:12::7", "2001:db8:abcd::"},
		{"2001:db8:abcd::", "2001:db8:abcd::"},
		{"::1", "::"},
		{"", ""},
		{"not an address", ""},
	} {
		if got := models.TruncateAddress(c.in); got != c.want {
			t.Errorf("TruncateAddress(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

// Old audit entries lose the host part of their address, recent ones keep it, and
// nothing else of an entry changes.
func TestTruncateAuditAddresses(t *testing.T) {
	ctx := context.Background()
	clock := dbtest.NewClock(time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC))
	s := dbtest.Stores(t, clock)
	old, recent := clock.Now().AddDate(-1, 0, 0), clock.Now().AddDate(0, 0, -2)
	for i, at := range []time.Time{old, old, recent} {
		ev := models.AuditEvent{At: at, IP: fmt.Sprintf("198.51.100.%d", 10+i), Action: "case.view", RecordType: "case", RecordID: fmt.Sprint(i), UserEmail: "u@example.org"}
		if err := s.Audit.Record(ctx, ev); err != nil {
			t.Fatal(err)
		}
	}
	n, err := s.Retention.TruncateAuditAddresses(ctx, clock.Now().Add(-models.DefaultAuditAddressAge))
	if err != nil || n != 2 {
		t.Fatalf("cut %d, %v; want 2", n, err)
	}
	var rows []struct{ IP, RecordID, UserEmail, Action string }
	s.DB.Read.Raw("SELECT ip, record_id, user_email, action FROM audit_events ORDER BY id").Scan(&rows)
	want := []string{"198.51.100.0", "198.51.100.0", "198.51.100.12"}
	for i, r := range rows {
		if r.IP != want[i] || r.RecordID != fmt.Sprint(i) || r.UserEmail != "u@example.org" || r.Action != "case.view" {
			t.Errorf("event %d: %+v", i, r)
		}
	}
	if n, _ := s.Retention.TruncateAuditAddresses(ctx, clock.Now()); n != 1 {
		t.Errorf("second run cut %d, want only the recent one", n)
	}
}

// closedCase inserts a case closed on a day, with a monitoring visit on another (or
// none).
func closedCase(t *testing.T, s *models.Stores, office *models.Office, u *models.User, closed, visit string) *models.Case {
	t.Helper()
	cs := insertCase(t, s, office, u, models.StatusClosed, true)
	q := []string{"INSERT INTO status_changes (case_id, from_status, to_status, date, reason, note, user_id, created_at) VALUES (?, 'returned', 'closed', '" + closed + "', 'withdrawn', '', 1, CURRENT_TIMESTAMP)"}
	if visit != "" {
		q = append(q, "INSERT INTO activities (case_id, kind, mode, date, note, created_by_id, created_at) VALUES (?, 'monitoring', 'phone', '"+visit+"', '', 1, CURRENT_TIMESTAMP)")
	}
	for _, x := range q {
		if err := s.DB.Write.Exec(x, cs.ID).Error; err != nil {
			t.Fatal(err)
		}
	}
	return cs
}

// What falls due follows the policy (default and per office), counts the later of the
// closing and the last follow-up visit, never includes a held case, and the dry run
// changes nothing.
func TestRetentionDue(t *testing.T) {
	ctx := context.Background()
	f := newCaseworkFixture(t)
	f.clock.Advance(time.Date(2026, 6, 10, 9, 0, 0, 0, time.UTC).Sub(f.clock.Now()))
	s := f.s
	due := closedCase(t, s, f.rab, f.sup, "2021-06-01", "")
	visited := closedCase(t, s, f.rab, f.sup, "2021-01-01", "2021-06-20") // due on 2026-06-20: this month
	nextMonth := closedCase(t, s, f.rab, f.sup, "2021-07-15", "")
	held := closedCase(t, s, f.rab, f.sup, "2019-01-01", "")
	casOld := closedCase(t, s, f.cas, f.cwCas, "2022-01-01", "") // due under a 4-year override only
	open := insertCase(t, s, f.rab, f.sup, models.StatusRegistered, true)
	if err := s.Retention.Hold(ctx, act(f.hq), f.hq.Scope(), held.ID, "inquiry"); err != nil {
		t.Fatal(err)
	}
	counts := func() map[string]models.DueCount {
		cs, err := s.Retention.DueCounts(ctx)
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]models.DueCount{}
		for _, c := range cs {
			out[c.OfficeCode] = c
		}
		return out
	}
	c := counts()
	if r := c["RAB"]; r.Now != 1 || r.ThisMonth != 2 || r.NextMonth != 1 || r.Held != 1 || r.Years != 5 {
		t.Errorf("RAB: %+v", r)
	}
	if r := c["CAS"]; r.Now != 0 {
		t.Errorf("CAS under the default: %+v", r)
	}
	if err := s.Retention.SetPolicy(ctx, act(f.admin), f.cas.ID, 4); err != nil {
		t.Fatal(err)
	}
	if err := s.Retention.SetPolicy(ctx, act(f.admin), 0, 0); err == nil {
		t.Error("the default was removed")
	}
	if r := counts()["CAS"]; r.Now != 1 || r.Years != 4 {
		t.Errorf("CAS under its 4-year policy: %+v", r)
	}
	run, err := s.Retention.DryRun(ctx)
	if err != nil || run.Due != 2 || run.Anonymised != 0 {
		t.Fatalf("dry run: %+v, %v", run, err)
	}
	st := func(id uint) bool {
		x, err := s.Retention.State(ctx, f.hq.Scope(), id)
		if err != nil {
			t.Fatal(err)
		}
		return x.Anonymised != nil
	}
	for _, cs := range []*models.Case{due, visited, nextMonth, held, casOld, open} {
		if st(cs.ID) {
			t.Fatalf("the dry run anonymised case %d", cs.ID)
		}
	}
	run, err = s.Retention.Apply(ctx, act(f.admin), 1, nil)
	if err != nil || run.Anonymised != 2 || run.Batches != 2 {
		t.Fatalf("apply: %+v, %v", run, err)
	}
	for cs, want := range map[*models.Case]bool{due: true, casOld: true, visited: false, nextMonth: false, held: false, open: false} {
		if st(cs.ID) != want {
			t.Errorf("case %s anonymised: %v, want %v", cs.CaseNumber, !want, want)
		}
	}
	f.clock.Advance(20 * 24 * time.Hour) // 2026-06-30: the visited case is due, the held one still not
	if run, err := s.Retention.Apply(ctx, act(f.admin), 10, nil); err != nil || run.Anonymised != 1 || !st(visited.ID) || st(held.ID) {
		t.Errorf("second apply: %+v, %v", run, err)
	}
}
