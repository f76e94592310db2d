package models

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
)

// FollowupDueItem is a case with a follow-up due or overdue.
type FollowupDueItem struct {
	CaseID       uint
	CaseNumber   string
	AssignedToID uint
	Assignee     string
	PlannedFollowup
}

// FollowupsDue is what a home shows of the follow-up visits due on a day: the first
// few, the earliest planned first, and how many there are in all.
type FollowupsDue struct {
	Items []FollowupDueItem
	// Due counts the follow-ups due or overdue; Overdue those past their window.
	Due, Overdue int64
	// OverdueBy counts the overdue ones per assigned caseworker, the most first (for
	// every caseworker in scope only).
	OverdueBy []CaseworkerOverdue
}

// CaseworkerOverdue is the number of overdue follow-ups of one caseworker's cases
// (AssignedToID 0 for cases nobody is assigned).
type CaseworkerOverdue struct {
	AssignedToID uint
	Name         string
	Overdue      int64
}

// lastReturnFor is the latest return date whose follow-up m months later is planned on or
// before the day last. A planned date never goes back when the return date moves on
// (AddMonthsClamped is monotone), so the returns concerned are exactly those up to it.
func lastReturnFor(m int, last Date) Date {
	r := last.AddMonthsClamped(-m) // r + m months falls on or before last
	for i := 0; i < 31 && !r.AddDays(1).AddMonthsClamped(m).After(last); i++ {
		r = r.AddDays(1) // the end of a longer month clamps onto the same day
	}
	return r
}

// followupRanges gives, for each follow-up of the schedule, the cases whose next
// follow-up it is (followups_done = k) and whose planned date is on or before last: those
// returned up to a day.
func followupRanges(months []int, last Date) []Date {
	out := make([]Date, len(months))
	for k, m := range months {
		out[k] = lastReturnFor(m, last)
	}
	return out
}

// countFollowups counts, per assignee and for each set of limits upTo, the cases whose
// next follow-up (k done) comes from a return on or before upTo[k]: the whole years,
// months and days of returns before it from the follow-up tallies (followupKinds). So a
// count reads a few rows per year (and month of one year, and day of one month) and
// assignee, not one per case; and every set is counted in one statement.
func (s *MonitoringStore) countFollowups(ctx context.Context, scope Scope, assignedTo uint, sets ...[]Date) ([]map[uint]int64, error) {
	var t tallySums
	out := make([]map[uint]int64, len(sets))
	for i, upTo := range sets {
		out[i] = map[uint]int64{}
		for k, last := range upTo {
			followupKinds.upTo(t.adder(i, scope, assignedTo), fmt.Sprintf("%02d:", k), last, true)
		}
	}
	sums, err := t.sums(s.db.Read.WithContext(ctx))
	if err != nil {
		return nil, fmt.Errorf("follow-ups: %w", err)
	}
	for _, r := range sums {
		out[r[0]][uint(r[1])] += r[2]
	}
	return out, nil
}

func sumCounts(by map[uint]int64) int64 {
	var n int64
	for _, c := range by {
		n += c
	}
	return n
}

// DueFollowups lists the first shown follow-ups due or overdue on a day for the cases in
// scope that have returned and are not closed (assigned to one user when assignedTo is
// not 0), the earliest planned first, and counts them all. Each case counts once, with
// its next follow-up not yet done. Read from case_homes and home_tallies (migration
// 0017_followup_homes), so it costs the same at any number of cases.
func (s *MonitoringStore) DueFollowups(ctx context.Context, scope Scope, assignedTo uint, today Date, shown int) (*FollowupsDue, error) {
	cur, err := s.Current(ctx)
	if err != nil {
		return nil, err
	}
	months := cur.Instrument.Schedule()
	dueUpTo := followupRanges(months, today.AddDays(FollowupWindowDays))
	counts, err := s.countFollowups(ctx, scope, assignedTo, dueUpTo, followupRanges(months, today.AddDays(-FollowupWindowDays-1)))
	if err != nil {
		return nil, err
	}
	due, overdue := counts[0], counts[1]
	out := &FollowupsDue{Due: sumCounts(due), Overdue: sumCounts(overdue)}
	if assignedTo == 0 {
		if out.OverdueBy, err = s.nameOverdue(ctx, overdue); err != nil {
			return nil, err
		}
	}
	if shown <= 0 || out.Due == 0 {
		return out, nil
	}
	// The earliest planned of each follow-up number are the earliest returned: the
	// first shown of each (one index range each), merged, in one statement.
	cond, args := homeScope(scope, "office_id", "assignee_id", assignedTo)
	var firsts []string
	var vars []any
	for k, upTo := range dueUpTo {
		firsts = append(firsts, "SELECT * FROM (SELECT case_id, assignee_id, returned_on, followups_done FROM case_homes"+
			" WHERE followups_done = ? AND returned_on > '' AND returned_on <= ?"+cond+" ORDER BY returned_on, case_id LIMIT ?) f")
		vars = append(append(append(vars, k, upTo.String()), args...), shown)
	}
	q := "SELECT h.case_id, c.case_number, h.assignee_id, COALESCE(u.name, ''), h.returned_on, h.followups_done FROM (" +
		strings.Join(firsts, " UNION ALL ") + ") h JOIN cases c ON c.id = h.case_id LEFT JOIN users u ON u.id = h.assignee_id"
	items, err := collectRows(s.db.Read.WithContext(ctx).Raw(q, vars...), func(r *sql.Rows, v *FollowupDueItem) error {
		var returned Date
		var k int
		if err := r.Scan(&v.CaseID, &v.CaseNumber, &v.AssignedToID, &v.Assignee, &returned, &k); err != nil {
			return err
		}
		v.PlannedFollowup = FollowupSchedule(returned, months, k, today)[k]
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("follow-ups due: %w", err)
	}
	out.Items = items
	slices.SortFunc(out.Items, func(a, b FollowupDueItem) int {
		if c := a.Due.t.Compare(b.Due.t); c != 0 {
			return c
		}
		return int(a.CaseID) - int(b.CaseID)
	})
	out.Items = out.Items[:min(shown, len(out.Items))]
	return out, nil
}

// nameOverdue lists the overdue counts per assignee with the caseworkers' names, the
// most overdue first.
func (s *MonitoringStore) nameOverdue(ctx context.Context, by map[uint]int64) ([]CaseworkerOverdue, error) {
	var out []CaseworkerOverdue
	var ids []uint
	for id, n := range by {
		if n > 0 {
			out = append(out, CaseworkerOverdue{AssignedToID: id, Overdue: n})
			ids = append(ids, id)
		}
	}
	if len(ids) > 0 {
		// in order, so that the statement's text is the same for the same caseworkers:
		// each connection keeps its prepared statements by their text
		slices.Sort(ids)
		users, err := collectRows(s.db.Read.WithContext(ctx).Raw("SELECT id, name FROM users WHERE id IN ?", ids),
			func(r *sql.Rows, u *User) error { return r.Scan(&u.ID, &u.Name) })
		if err != nil {
			return nil, fmt.Errorf("overdue per caseworker: %w", err)
		}
		for i := range out {
			for _, u := range users {
				if u.ID == out[i].AssignedToID {
					out[i].Name = u.Name
				}
			}
		}
	}
	slices.SortFunc(out, func(a, b CaseworkerOverdue) int {
		if a.Overdue != b.Overdue {
			return int(b.Overdue - a.Overdue)
		}
		if c := strings.Compare(a.Name, b.Name); c != 0 {
			return c
		}
		return int(a.AssignedToID) - int(b.AssignedToID)
	})
	return out, nil
}
