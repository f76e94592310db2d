package models_test

import (
	"fmt"
	"testing"
	"time"

	"awda/models"
	"awda/models/dbtest"
)

// insertAuditEvents adds n events of an action in one statement, as a long-used log
// holds them (recording them one by one would take the test most of a minute).
func insertAuditEvents(t *testing.T, s *models.Stores, action string, n int, at time.Time) {
	t.Helper()
	err := s.DB.Write.Exec(`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
		INSERT INTO audit_events (at, user_email, ip, action, record_type, record_id, fields, details)
		SELECT ?, '', '', ?, 'case', CAST(i AS TEXT), '', '' FROM n`, n, at, action).Error
	if err != nil {
		t.Fatal(err)
	}
}

// The audit page counts the events a filter selects only so far: past
// AuditCountedEvents (or the page read, when further) it says there are more. Below
// that the count is exact, and the actions offered are exactly those recorded.
func TestAuditListCountsUpToABoundAndListsActions(t *testing.T) {
	s := dbtest.Stores(t, dbtest.NewClock(time.Date(2021, 3, 1, 9, 0, 0, 0, time.UTC)))
	ctx := t.Context()
	at := time.Date(2021, 2, 1, 9, 0, 0, 0, time.UTC)
	insertAuditEvents(t, s, "case.view", models.AuditCountedEvents+30, at)
	insertAuditEvents(t, s, "user.unlock", 5, at.Add(time.Hour))
	for _, tt := range []struct {
		f     models.AuditFilter
		total int64
		more  bool
		rows  int
	}{
		{models.AuditFilter{Action: "case.view", PerPage: 50}, models.AuditCountedEvents, true, 50},
		{models.AuditFilter{Action: "case.view", PerPage: 50, Page: models.AuditCountedEvents / 50}, models.AuditCountedEvents, true, 50},
		// The page after the bound counts up to itself: the 30 events left are all.
		{models.AuditFilter{Action: "case.view", PerPage: 50, Page: models.AuditCountedEvents/50 + 1}, models.AuditCountedEvents + 30, false, 30},
		{models.AuditFilter{Action: "user.unlock", PerPage: 50}, 5, false, 5},
		{models.AuditFilter{Action: "case.view", RecordID: "7", PerPage: 50}, 1, false, 1},
		{models.AuditFilter{Action: "case.view", From: at.Add(time.Minute), PerPage: 50}, 0, false, 0},
	} {
		t.Run(fmt.Sprintf("%s page %d from %v", tt.f.Action, tt.f.Page, !tt.f.From.IsZero()), func(t *testing.T) {
			l, err := s.Audit.List(ctx, tt.f)
			if err != nil {
				t.Fatal(err)
			}
			if l.Total != tt.total || l.More != tt.more || len(l.Events) != tt.rows {
				t.Fatalf("total %d, more %v, %d rows; want %d, %v, %d", l.Total, l.More, len(l.Events), tt.total, tt.more, tt.rows)
			}
		})
	}
	if evs := dbtest.AuditEvents(t)(s.Audit.List(ctx, models.AuditFilter{PerPage: 2})); len(evs) != 2 || evs[0].Action != "user.unlock" || evs[0].RecordID != "5" {
		t.Fatalf("newest first: %+v", evs)
	}

	var want []string
	if err := s.DB.Read.Raw("SELECT DISTINCT action FROM audit_events ORDER BY action").Scan(&want).Error; err != nil {
		t.Fatal(err)
	}
	got, err := s.Audit.Actions(ctx)
	if err != nil || fmt.Sprint(got) != fmt.Sprint(want) || len(got) < 2 {
		t.Fatalf("actions %v (%v), want %v", got, err, want)
	}
}
