package models

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"
)

// tallySums sums home_tallies rows per tag and assignee in one statement: each select
// added is tagged with the figure it adds to. Written as SQL rather than built, because
// a home adds a few dozen.
type tallySums struct {
	selects []string
	args    []any
}

// tallyAdd adds to a sum (sign 1) or takes from it (sign -1) the home_tallies rows of
// one kind that satisfy cond.
type tallyAdd func(sign int, kind, cond string, args ...any)

// add selects the rows of one kind in the scope (of one assignee when not 0) that
// satisfy cond, to be added (sign 1) or taken off (sign -1). One office's range over
// buckets is read through the index on (kind, office_id, bucket); every office's through
// the index on (kind, bucket, office_id, assignee_id), one range for them all (with n
// on SQLite, so that the index alone answers).
func (t *tallySums) add(tag int, sc Scope, assignee uint, sign int, kind, cond string, args ...any) {
	n := "n"
	if sign < 0 {
		n = "-n"
	}
	q := fmt.Sprintf("SELECT %d AS w, assignee_id, %s AS n FROM home_tallies WHERE kind = ?", tag, n)
	scope, scopeArgs := homeScope(sc, "office_id", "assignee_id", assignee)
	q += scope
	t.args = append(append(t.args, kind), scopeArgs...)
	if cond != "" {
		q += " AND " + cond
		t.args = append(t.args, args...)
	}
	t.selects = append(t.selects, q)
}

// adder is add for one tag, scope and assignee.
func (t *tallySums) adder(tag int, sc Scope, assignee uint) tallyAdd {
	return func(sign int, kind, cond string, args ...any) { t.add(tag, sc, assignee, sign, kind, cond, args...) }
}

// sums runs the statement: the sum per tag and assignee, as (tag, assignee, sum).
func (t *tallySums) sums(db *gorm.DB) ([][3]int64, error) {
	if len(t.selects) == 0 {
		return nil, nil
	}
	q := "SELECT u.w, u.assignee_id, SUM(u.n) FROM (" + strings.Join(t.selects, " UNION ALL ") + ") u GROUP BY u.w, u.assignee_id"
	// On PostgreSQL, planning a home's few dozen selects cost as much as running them
	// (their generic plan is poor): the values, all the store's own (kinds, day
	// buckets, ids), are written in and the plan is kept.
	q, args, err := keptPlan(db.Dialector.Name() == "postgres", q, t.args)
	if err != nil {
		return nil, err
	}
	return collectRows(db.Raw(q, args...), func(r *sql.Rows, v *[3]int64) error { return r.Scan(&v[0], &v[1], &v[2]) })
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

// Home reads the home page's figures from case_homes and home_tallies (migrations
// 0010_home_indexes and 0021_home_month_tallies): each is a sum over a few rows per year,
// month of one year and day of one month, per office (dayKinds), or the first rows of an
// index, so a home costs the same at a thousand cases and at a million, and grows only
// by a row per office and year. The sums are one statement. They agree with the direct
// queries (the case list's stale filter, CountMonitoringDue, CountAwaitingApproval,
// CountAwaitingDelivery, CountOverdue).
func (s *CaseStore) Home(ctx context.Context, sc Scope, q HomeQuery) (*Home, error) {
	db := s.db.Read.WithContext(ctx)
	h := &Home{}
	// Written as SQL: gorm's building of these three small reads cost as much as
	// running them.
	mine, mineArgs := homeScope(sc, "office_id", "assignee_id", q.AssignedTo)
	stages, err := collectRows(db.Raw("SELECT bucket, SUM(n) FROM home_tallies WHERE kind = 'stage'"+mine+
		" GROUP BY bucket HAVING SUM(n) > 0", mineArgs...),
		func(r *sql.Rows, v *StageCount) error { return r.Scan(&v.Status, &v.Count) })
	if err != nil {
		return nil, fmt.Errorf("home stages: %w", err)
	}
	slices.SortFunc(stages, func(a, b StageCount) int {
		return slices.Index(CaseStatuses, a.Status) - slices.Index(CaseStatuses, b.Status)
	})
	h.Stages = stages

	// Waiting: whole days before the cutoff's day from the tallies (summed below with
	// the other counts), the cutoff's own day from the index.
	cut := q.StaleSince.UTC()
	sameDay, dayStart, err := waitingOnCutDay(db, sc, q.AssignedTo, cut)
	if err != nil {
		return nil, err
	}
	homes, homesArgs := homeScope(sc, "h.office_id", "h.assignee_id", q.AssignedTo)
	// The counts over the tallies, in one statement.
	var before int64
	counts := []*int64{&before, &h.MonitoringDue, &h.AwaitingApproval, &h.AwaitingDelivery, &h.ReferralsOverdue}
	var t tallySums
	changedKinds.upTo(t.adder(0, sc, q.AssignedTo), "", DateOf(dayStart), false)
	monitoringKinds.upTo(t.adder(1, sc, 0), "", q.Today.AddDays(-MonitoringInterval), true)
	t.add(2, sc, 0, 1, "approval", "")
	t.add(3, sc, 0, 1, "delivery", "")
	referralKinds.upTo(t.adder(4, sc, 0), "", q.Today.AddDays(-ReferralOverdueDays), true)
	sums, err := t.sums(db)
	if err != nil {
		return nil, fmt.Errorf("home counts: %w", err)
	}
	for _, v := range sums {
		*counts[v[0]] += v[2]
	}
	h.WaitingTotal = before + sameDay
	if q.Shown > 0 && h.WaitingTotal > 0 {
		h.Waiting, err = collectRows(db.Raw("SELECT c.id, c.case_number, c.family_name, c.given_name, c.status, h.changed_at"+
			" FROM case_homes h JOIN cases c ON c.id = h.case_id WHERE h.changed_at < ?"+homes+
			" ORDER BY h.changed_at, h.case_id LIMIT ?", append(append([]any{cut}, homesArgs...), q.Shown)...),
			func(rows *sql.Rows, w *WaitingCase) error {
				return rows.Scan(&w.ID, &w.CaseNumber, &w.FamilyName, &w.GivenName, &w.Status, &w.Since)
			})
		if err != nil {
			return nil, fmt.Errorf("home waiting cases: %w", err)
		}
	}

	return h, nil
}

// waitingOnCutDay counts the open cases in scope (one assignee's when not 0) whose
// last status change is on cut's day but before cut, from case_homes' index; the whole
// days before, from dayStart back, are summed from the tallies (changedKinds).
func waitingOnCutDay(db *gorm.DB, sc Scope, assignee uint, cut time.Time) (n int64, dayStart time.Time, err error) {
	dayStart = time.Date(cut.Year(), cut.Month(), cut.Day(), 0, 0, 0, 0, time.UTC)
	homes, args := homeScope(sc, "h.office_id", "h.assignee_id", assignee)
	if err := db.Raw("SELECT COUNT(*) FROM case_homes h WHERE h.changed_at >= ? AND h.changed_at < ?"+homes,
		append([]any{dayStart, cut}, args...)...).Row().Scan(&n); err != nil {
		return 0, dayStart, fmt.Errorf("waiting cases: %w", err)
	}
	return n, dayStart, nil
}

// waitingCount counts the open cases in scope (one assignee's when not 0) whose status
// has not changed since cut, as the home counts them: the case list's stale filter
// reads its total so, where counting the cases themselves read every open case (80 ms
// for every office on the scale-40 demo).
func waitingCount(db *gorm.DB, sc Scope, assignee uint, cut time.Time) (int64, error) {
	cut = cut.UTC()
	n, dayStart, err := waitingOnCutDay(db, sc, assignee, cut)
	if err != nil {
		return 0, err
	}
	var t tallySums
	changedKinds.upTo(t.adder(0, sc, assignee), "", DateOf(dayStart), false)
	sums, err := t.sums(db)
	if err != nil {
		return 0, fmt.Errorf("waiting cases: %w", err)
	}
	for _, v := range sums {
		n += v[2]
	}
	return n, nil
}

// homeScope is the conditions, each after an AND, that keep a home's reads to the
// scope's office (none for every office) and to one assignee when not 0.
func homeScope(sc Scope, officeColumn, assigneeColumn string, assignee uint) (string, []any) {
	var cond string
	var args []any
	if sc.OfficeID != nil {
		cond, args = " AND "+officeColumn+" = ?", append(args, *sc.OfficeID)
	}
	if assignee != 0 {
		cond, args = cond+" AND "+assigneeColumn+" = ?", append(args, assignee)
	}
	return cond, args
}
