package models

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"gorm.io/gorm"
)

// CaseFile is everything the case file page shows about one case.
type CaseFile struct {
	// Case has its office, assignee, household, vulnerabilities and history.
	Case       *Case
	Support    []Support
	Totals     []CurrencyTotal
	Sessions   []AttendedSession
	Activities []Activity
	Referrals  []Referral
}

// File reads a case file: the case in scope (ErrNotFound otherwise) and all its
// casework. It is the most opened page, so the office scope is checked once, by the
// case's own query, and every part is one plain query by case id that names its
// people by a join. (gorm's relation joins and preloads cost four times the query
// itself here; the people are only ever shown by name.)
func (s *CaseStore) File(ctx context.Context, sc Scope, id uint) (*CaseFile, error) {
	db := s.db.Read.WithContext(ctx)
	cs, n, err := caseWithCounts(db, sc, id, true)
	if err != nil {
		return nil, err
	}
	f := &CaseFile{Case: cs}
	// A section the case has nothing in costs no query (most cases have no referral
	// or session yet, many no support).
	if n.Support > 0 {
		if f.Support, err = supportOfCase(db, id); err != nil {
			return nil, err
		}
		f.Totals = supportTotals(f.Support)
	}
	if n.Sessions > 0 {
		if f.Sessions, err = sessionsOfCase(db, id); err != nil {
			return nil, err
		}
	}
	if n.Activities > 0 {
		if f.Activities, err = activitiesOfCase(db, id); err != nil {
			return nil, err
		}
	}
	if n.Referrals > 0 {
		if f.Referrals, err = referralsOfCase(db, id); err != nil {
			return nil, err
		}
	}
	return f, nil
}

// caseCounts is how many rows a case has in each part of its file, read with the case.
type caseCounts struct {
	Household, Support, Sessions, Activities, Referrals int64
}

// person is someone named on a record: the id and the name are all a page shows.
func person(id *uint, name *string) *User {
	if id == nil || name == nil {
		return nil
	}
	return &User{ID: *id, Name: *name}
}

// caseWithDetails loads a case in scope with its office, assignee, household,
// vulnerabilities and history (each change with who made it).
func caseWithDetails(db *gorm.DB, sc Scope, id uint) (*Case, error) {
	c, _, err := caseWithCounts(db, sc, id, false)
	return c, err
}

// caseSelect reads a case with its office and assignee's names, its vulnerability
// codes (string_agg, the same on SQLite 3.44+ and PostgreSQL) and its household's size,
// in one query.
const caseSelect = `cases.*, o.code AS office_code, o.name AS office_name, u.name AS assignee_name,
	(SELECT string_agg(v.code, ',' ORDER BY v.code) FROM case_vulnerabilities v WHERE v.case_id = cases.id) AS vulnerability_codes,
	(SELECT COUNT(*) FROM household_members h WHERE h.case_id = cases.id) AS n_household`

// caseworkCounts adds how many rows the case has in each casework section: only the
// case file needs them (an edit reads the case inside its write transaction).
const caseworkCounts = `,
	(SELECT COUNT(*) FROM supports s WHERE s.case_id = cases.id) AS n_support,
	(SELECT COUNT(*) FROM session_attendances sa WHERE sa.case_id = cases.id) AS n_sessions,
	(SELECT COUNT(*) FROM activities a WHERE a.case_id = cases.id) AS n_activities,
	(SELECT COUNT(*) FROM referrals r WHERE r.case_id = cases.id) AS n_referrals`

// caseWithCounts is caseWithDetails that also returns the section counts when casework
// is set (zero otherwise).
func caseWithCounts(db *gorm.DB, sc Scope, id uint, casework bool) (*Case, caseCounts, error) {
	var rows []struct {
		Case
		OfficeCode         string
		OfficeName         string
		AssigneeName       *string
		VulnerabilityCodes *string
		NHousehold         int64 `gorm:"column:n_household"`
		NSupport           int64 `gorm:"column:n_support"`
		NSessions          int64 `gorm:"column:n_sessions"`
		NActivities        int64 `gorm:"column:n_activities"`
		NReferrals         int64 `gorm:"column:n_referrals"`
	}
	sel := caseSelect
	if casework {
		sel += caseworkCounts
	}
	q := db.Table("cases").Select(sel).
		Joins("JOIN offices o ON o.id = cases.office_id").Joins("LEFT JOIN users u ON u.id = cases.assigned_to_id").
		Where("cases.id = ?", id)
	if err := sc.Where(q, "cases.office_id").Limit(1).Find(&rows).Error; err != nil {
		return nil, caseCounts{}, fmt.Errorf("load case %d: %w", id, err)
	}
	if len(rows) == 0 {
		return nil, caseCounts{}, ErrNotFound
	}
	r := rows[0]
	n := caseCounts{Household: r.NHousehold, Support: r.NSupport, Sessions: r.NSessions, Activities: r.NActivities, Referrals: r.NReferrals}
	c := r.Case
	c.Office = &Office{ID: c.OfficeID, Code: r.OfficeCode, Name: r.OfficeName}
	c.AssignedTo = person(c.AssignedToID, r.AssigneeName)
	if r.VulnerabilityCodes != nil {
		for _, code := range strings.Split(*r.VulnerabilityCodes, ",") {
			c.VulnerabilityOf = append(c.VulnerabilityOf, CaseVulnerability{CaseID: c.ID, Code: code})
		}
	}
	if n.Household > 0 {
		if err := db.Raw("SELECT * FROM household_members WHERE case_id = ? ORDER BY id", id).Find(&c.Household).Error; err != nil {
			return nil, n, fmt.Errorf("household of case %d: %w", id, err)
		}
	}
	var history []struct {
		StatusChange
		UserName *string
	}
	if err := db.Raw(`SELECT sc.*, u.name AS user_name FROM status_changes sc LEFT JOIN users u ON u.id = sc.user_id
		WHERE sc.case_id = ? ORDER BY sc.created_at, sc.id`, id).Find(&history).Error; err != nil {
		return nil, n, fmt.Errorf("history of case %d: %w", id, err)
	}
	c.History = make([]StatusChange, len(history))
	for i, h := range history {
		c.History[i] = h.StatusChange
		c.History[i].User = person(&h.UserID, h.UserName)
	}
	return &c, n, nil
}

// supportOfCase is a case's support, newest first, with who planned, approved and
// delivered it.
func supportOfCase(db *gorm.DB, caseID uint) ([]Support, error) {
	var rows []struct {
		Support
		PlannedByName, ApprovedByName, DeliveredByName *string
	}
	if err := db.Raw(`SELECT s.*, p.name AS planned_by_name, a.name AS approved_by_name, d.name AS delivered_by_name
		FROM supports s LEFT JOIN users p ON p.id = s.planned_by_id
		LEFT JOIN users a ON a.id = s.approved_by_id LEFT JOIN users d ON d.id = s.delivered_by_id
		WHERE s.case_id = ? ORDER BY s.date DESC, s.id DESC`, caseID).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("list support of case %d: %w", caseID, err)
	}
	out := make([]Support, len(rows))
	for i, r := range rows {
		out[i] = r.Support
		out[i].PlannedBy = person(&r.PlannedByID, r.PlannedByName)
		out[i].ApprovedBy = person(r.ApprovedByID, r.ApprovedByName)
		out[i].DeliveredBy = person(r.DeliveredByID, r.DeliveredByName)
	}
	return out, nil
}

// supportTotals sums support per currency, never across currencies; cancelled support
// counts for nothing.
func supportTotals(support []Support) []CurrencyTotal {
	byCurrency := map[string]int{}
	var out []CurrencyTotal
	for _, sp := range support {
		if sp.Status == SupportCancelled {
			continue
		}
		i, ok := byCurrency[sp.Currency]
		if !ok {
			i = len(out)
			byCurrency[sp.Currency] = i
			out = append(out, CurrencyTotal{Currency: sp.Currency})
		}
		out[i].Total += sp.Amount
		out[i].Count++
		if sp.Status == SupportDelivered {
			out[i].Delivered += sp.Amount
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Currency < out[j].Currency })
	return out
}

// sessionsOfCase is the group sessions a case's person attended, newest first.
func sessionsOfCase(db *gorm.DB, caseID uint) ([]AttendedSession, error) {
	var out []AttendedSession
	if err := db.Raw(`SELECT g.id AS session_id, g.kind, g.title, g.date, g.place, u.name AS added_by_name
		FROM session_attendances sa JOIN group_sessions g ON g.id = sa.session_id JOIN users u ON u.id = sa.added_by_id
		WHERE sa.case_id = ? ORDER BY g.date DESC, g.id DESC`, caseID).Find(&out).Error; err != nil {
		return nil, fmt.Errorf("sessions of case %d: %w", caseID, err)
	}
	return out, nil
}

// activitiesOfCase is a case's counselling and monitoring, newest first, with who
// recorded each.
func activitiesOfCase(db *gorm.DB, caseID uint) ([]Activity, error) {
	var rows []struct {
		Activity
		CreatedByName *string
	}
	if err := db.Raw(`SELECT a.*, u.name AS created_by_name FROM activities a LEFT JOIN users u ON u.id = a.created_by_id
		WHERE a.case_id = ? ORDER BY a.date DESC, a.id DESC`, caseID).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("list activities of case %d: %w", caseID, err)
	}
	out := make([]Activity, len(rows))
	for i, r := range rows {
		out[i] = r.Activity
		out[i].CreatedBy = person(&r.CreatedByID, r.CreatedByName)
	}
	return out, nil
}

// referralsOfCase is a case's referrals, newest first, with who made each.
func referralsOfCase(db *gorm.DB, caseID uint) ([]Referral, error) {
	var rows []struct {
		Referral
		CreatedByName *string
	}
	if err := db.Raw(`SELECT r.*, u.name AS created_by_name FROM referrals r LEFT JOIN users u ON u.id = r.created_by_id
		WHERE r.case_id = ? ORDER BY r.date_sent DESC, r.id DESC`, caseID).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("list referrals of case %d: %w", caseID, err)
	}
	out := make([]Referral, len(rows))
	for i, r := range rows {
		out[i] = r.Referral
		out[i].CreatedBy = person(&r.CreatedByID, r.CreatedByName)
	}
	return out, nil
}
