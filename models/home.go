package models

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"time"

	"gorm.io/gorm"
)

// everyOfficeNamed restricts a sum over home_tallies' day buckets to the offices of a
// scope of every office by naming them, so that it is one range per office of the index
// on (kind, office_id, bucket) instead of every day there is.
func everyOfficeNamed(sc Scope, q *gorm.DB) *gorm.DB {
	if sc.OfficeID != nil {
		return q
	}
	return q.Where("office_id IN (SELECT id FROM offices)")
}

// HomeQuery chooses what a home page counts.
type HomeQuery struct {
	// AssignedTo narrows the case blocks to one caseworker's cases (0: all in scope).
	AssignedTo uint
	// StaleSince: open cases without a status change since then are waiting.
	StaleSince time.Time
	// Today is the day monitoring visits and referrals are due against.
	Today Date
	// Shown is how many waiting cases to list.
	Shown int
}

// WaitingCase is an open case without a recent status change, with the time of its
// last one.
type WaitingCase struct {
	ID         uint
	CaseNumber string
	FamilyName string
	GivenName  string
	Status     CaseStatus
	Since      time.Time
}

// Home is what a caseworker's or supervisor's home shows about the cases in scope.
type Home struct {
	// Stages counts the open cases by status, in workflow order.
	Stages []StageCount
	// Waiting lists the cases waiting longest first; WaitingTotal counts them all.
	Waiting      []WaitingCase
	WaitingTotal int64
	// The casework queues of the scope's offices.
	AwaitingApproval, AwaitingDelivery, MonitoringDue, ReferralsOverdue int64
}

// Home reads the home page's figures from case_homes and home_tallies (migration
// 0010_home_indexes): each is a sum over a few rows per month (and per day of one
// month) and office, or the first rows of an index, so a home costs the same at a
// thousand cases and at a million, and grows only by a row per office and month. They agree with the direct queries (the case list's stale filter,
// CountMonitoringDue, CountAwaitingApproval, CountAwaitingDelivery, CountOverdue).
func (s *CaseStore) Home(ctx context.Context, sc Scope, q HomeQuery) (*Home, error) {
	db := s.db.Read.WithContext(ctx)
	h := &Home{}
	scoped := func(kind string, mine bool) *gorm.DB {
		t := sc.Where(db.Table("home_tallies").Where("kind = ?", kind), "office_id")
		if mine && q.AssignedTo != 0 {
			t = t.Where("assignee_id = ?", q.AssignedTo)
		}
		return t
	}
	sum := func(t *gorm.DB) (int64, error) {
		var n int64
		err := t.Select("COALESCE(SUM(n), 0)").Row().Scan(&n)
		return n, err
	}
	// upTo sums a day-bucketed kind over the days before day (through day when
	// through): the whole months before day's month from the month rows, the rest of
	// that month from the day rows (migrateHomeMonthTallies).
	upTo := func(kind string, mine bool, day string, through bool) (int64, error) {
		last := "<"
		if through {
			last = "<="
		}
		month := day[:7]
		t := scoped(kind, mine).Where("bucket >= ? AND bucket "+last+" ?", month+"-01", day)
		byMonth := sc.Where(db.Table("home_tallies").Where("kind = ? AND bucket < ?", monthKind(kind), month), "office_id")
		if mine && q.AssignedTo != 0 {
			byMonth = byMonth.Where("assignee_id = ?", q.AssignedTo)
		}
		t = everyOfficeNamed(sc, t)
		days, err := sum(t)
		if err != nil {
			return 0, err
		}
		months, err := sum(byMonth)
		return days + months, err
	}
	var stages []StageCount
	if err := scoped("stage", true).Select("bucket AS status, SUM(n) AS count").Group("bucket").
		Having("SUM(n) > 0").Scan(&stages).Error; err != nil {
		return nil, fmt.Errorf("home stages: %w", err)
	}
	slices.SortFunc(stages, func(a, b StageCount) int {
		return slices.Index(CaseStatuses, a.Status) - slices.Index(CaseStatuses, b.Status)
	})
	h.Stages = stages

	// Waiting: whole days before the cutoff's day from the tallies, the cutoff's own
	// day from the index.
	cut := q.StaleSince.UTC()
	dayStart := time.Date(cut.Year(), cut.Month(), cut.Day(), 0, 0, 0, 0, time.UTC)
	before, err := upTo("changed", true, dayStart.Format(time.DateOnly), false)
	if err != nil {
		return nil, fmt.Errorf("home waiting: %w", err)
	}
	homes := func() *gorm.DB {
		t := sc.Where(db.Table("case_homes AS h"), "h.office_id")
		if q.AssignedTo != 0 {
			t = t.Where("h.assignee_id = ?", q.AssignedTo)
		}
		return t
	}
	var sameDay int64
	if err := homes().Where("h.changed_at >= ? AND h.changed_at < ?", dayStart, cut).Count(&sameDay).Error; err != nil {
		return nil, fmt.Errorf("home waiting: %w", err)
	}
	h.WaitingTotal = before + sameDay
	if q.Shown > 0 && h.WaitingTotal > 0 {
		h.Waiting, err = collectRows(homes().Joins("JOIN cases c ON c.id = h.case_id").
			Select("c.id, c.case_number, c.family_name, c.given_name, c.status, h.changed_at").
			Where("h.changed_at < ?", cut).Order("h.changed_at, h.case_id").Limit(q.Shown),
			func(rows *sql.Rows, w *WaitingCase) error {
				return rows.Scan(&w.ID, &w.CaseNumber, &w.FamilyName, &w.GivenName, &w.Status, &w.Since)
			})
		if err != nil {
			return nil, fmt.Errorf("home waiting cases: %w", err)
		}
	}

	for _, f := range []struct {
		n    *int64
		kind string
		// through: the kind counts the buckets up to this day ("" for all)
		through string
	}{
		{&h.MonitoringDue, "monitoring", q.Today.AddDays(-MonitoringInterval).String()},
		{&h.AwaitingApproval, "approval", ""},
		{&h.AwaitingDelivery, "delivery", ""},
		{&h.ReferralsOverdue, "referral", q.Today.AddDays(-ReferralOverdueDays).String()},
	} {
		if f.through != "" {
			*f.n, err = upTo(f.kind, false, f.through, true)
		} else {
			*f.n, err = sum(scoped(f.kind, false))
		}
		if err != nil {
			return nil, fmt.Errorf("home %s: %w", f.kind, err)
		}
	}
	return h, nil
}
