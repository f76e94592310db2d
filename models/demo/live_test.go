package demo_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"awda/models"
	"awda/models/dbtest"
	"awda/models/demo"
)

// TestDemoLiveOffice: loaded on a day of a later year, the demo keeps the report's 2021
// dataset exactly (same figures, same checksum) and adds that year's open casework up
// to the day: registrations of the last weeks, support waiting for approval and for
// delivery, monitoring visits due, referrals waiting for an outcome and this week's
// session, as the homes read them.
//
// It loads row by row, the derived tables kept by their triggers as in use (TestDemo2021
// loads as the demo does, refilling them at the end), and checks that a refill gives
// the same tables.
func TestDemoLiveOffice(t *testing.T) {
	ctx := context.Background()
	db := dbtest.OpenForBulkLoad(t)
	today := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC) // a Thursday
	var out strings.Builder
	if _, err := demo.Load(ctx, db, demo.Options{Year: 2021, Scale: 1, Argon: dbtest.CheapArgon, Today: today, RowByRow: true}, &out); err != nil {
		t.Fatalf("load: %v\n%s", err, out.String())
	}
	checkReportFigures(t, db)
	if got, first := datasetChecksum(t, db); got != demoChecksum {
		t.Errorf("2021 dataset checksum %s, want %s (first case %s)", got, demoChecksum, first)
	}
	offices := 9
	for _, c := range []struct {
		name  string
		query string
		want  int
	}{
		{"cases of 2026", `SELECT COUNT(*) FROM cases WHERE case_number LIKE '___-2026-%'`, offices * 8},
		{"registered in the last three weeks", `SELECT COUNT(*) FROM cases WHERE case_number LIKE '___-2026-%' AND consent_date >= '2026-11-12'
			AND status IN ('registered', 'counselled')`, offices * 3},
		{"support of 2026 waiting for approval", `SELECT COUNT(*) FROM supports WHERE status = 'planned' AND date >= '2026-01-01'`, offices * 2},
		{"support of 2026 waiting for delivery", `SELECT COUNT(*) FROM supports WHERE status = 'approved' AND date >= '2026-01-01'`, offices},
		{"cases of 2026 in reintegration", `SELECT COUNT(*) FROM cases WHERE case_number LIKE '___-2026-%' AND status = 'reintegration'`, offices * 2},
		{"referrals of 2026 without an outcome", `SELECT COUNT(*) FROM referrals WHERE date_sent >= '2026-01-01' AND outcome = '' AND status = 'sent'`, offices * 4},
		{"referrals of 2026 overdue", `SELECT COUNT(*) FROM referrals WHERE date_sent >= '2026-01-01' AND date_sent <= '2026-10-04' AND outcome = ''`, offices * 2},
		{"dated after today", `SELECT (SELECT COUNT(*) FROM cases WHERE consent_date > '2026-12-03' OR departure_date > '2026-12-03')
			+ (SELECT COUNT(*) FROM supports WHERE date > '2026-12-03' OR delivered_on > '2026-12-03')
			+ (SELECT COUNT(*) FROM activities WHERE date > '2026-12-03') + (SELECT COUNT(*) FROM group_sessions WHERE date > '2026-12-03')`, 0},
	} {
		if got := count(t, db, c.query); got != c.want {
			t.Errorf("%s: %d, want %d", c.name, got, c.want)
		}
	}
	if n := count(t, db, `SELECT COUNT(*) FROM session_attendances a JOIN group_sessions g ON g.id = a.session_id
		WHERE g.date BETWEEN '2026-11-30' AND '2026-12-03'`); n == 0 {
		t.Error("no session this week with attendance")
	}
	if n := count(t, db, `SELECT COUNT(*) FROM status_changes WHERE created_at > ?`, today); n != 0 {
		t.Errorf("%d status changes stamped after the moment of the load", n)
	}
	// What the all-offices supervisor's home reads.
	st := models.NewStores(db, func() time.Time { return today }, dbtest.CheapArgon)
	h, err := st.Cases.Home(ctx, models.Scope{Role: models.RoleSupervisor}, models.HomeQuery{
		StaleSince: today.Add(-14 * 24 * time.Hour), Today: models.DateOf(today), Shown: 10})
	if err != nil {
		t.Fatal(err)
	}
	if h.MonitoringDue < int64(offices*2) || h.AwaitingApproval < int64(offices*2) || h.ReferralsOverdue < int64(offices*2) || h.AwaitingDelivery < int64(offices) {
		t.Errorf("home figures %+v", h)
	}
	week, err := st.GroupSessions.CountBetween(ctx, models.Scope{Role: models.RoleSupervisor}, models.NewDate(2026, 11, 30), models.NewDate(2026, 12, 6))
	if err != nil || week == 0 {
		t.Errorf("this week's sessions: %d, %v", week, err)
	}
	checkRefillMatchesTheTriggers(t, db)
}
