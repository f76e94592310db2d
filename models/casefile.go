package models

import (
	"context"
	"fmt"
	"sort"

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
// casework, eight queries in all. It is the most opened page: the office scope is
// checked once, by the case's own query, and each section names its people by a join
// instead of one more query per kind of person.
func (s *CaseStore) File(ctx context.Context, sc Scope, id uint) (*CaseFile, error) {
	db := s.db.Read.WithContext(ctx)
	cs, err := s.get(db, sc, id, true)
	if err != nil {
		return nil, err
	}
	f := &CaseFile{Case: cs}
	if f.Support, err = supportOfCase(db, id); err != nil {
		return nil, err
	}
	f.Totals = supportTotals(f.Support)
	if f.Sessions, err = sessionsOfCase(db, id); err != nil {
		return nil, err
	}
	if f.Activities, err = activitiesOfCase(db, id); err != nil {
		return nil, err
	}
	if f.Referrals, err = referralsOfCase(db, id); err != nil {
		return nil, err
	}
	return f, nil
}

// historyOfCase is a case's status changes, oldest first, each with who made it.
func historyOfCase(db *gorm.DB, caseID uint) ([]StatusChange, error) {
	var out []StatusChange
	if err := db.Joins("User").Where("status_changes.case_id = ?", caseID).
		Order("status_changes.created_at, status_changes.id").Find(&out).Error; err != nil {
		return nil, fmt.Errorf("history of case %d: %w", caseID, err)
	}
	return out, nil
}

// supportOfCase is a case's support, newest first, with who planned, approved and
// delivered it.
func supportOfCase(db *gorm.DB, caseID uint) ([]Support, error) {
	var out []Support
	err := db.Joins("PlannedBy").Joins("ApprovedBy").Joins("DeliveredBy").
		Where("supports.case_id = ?", caseID).Order("supports.date DESC, supports.id DESC").Find(&out).Error
	if err != nil {
		return nil, fmt.Errorf("list support of case %d: %w", caseID, err)
	}
	return out, nil
}

// supportTotals sums support per currency, never across currencies; cancelled support
// counts for nothing.
func supportTotals(support []Support) []CurrencyTotal {
	byCurrency := map[string]*CurrencyTotal{}
	var out []CurrencyTotal
	for _, sp := range support {
		if sp.Status == SupportCancelled {
			continue
		}
		t, ok := byCurrency[sp.Currency]
		if !ok {
			out = append(out, CurrencyTotal{Currency: sp.Currency})
			t = &out[len(out)-1]
			byCurrency[sp.Currency] = t
		}
		t.Total += sp.Amount
		t.Count++
		if sp.Status == SupportDelivered {
			t.Delivered += sp.Amount
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Currency < out[j].Currency })
	return out
}

// sessionsOfCase is the group sessions a case's person attended, newest first.
func sessionsOfCase(db *gorm.DB, caseID uint) ([]AttendedSession, error) {
	var out []AttendedSession
	err := db.Table("session_attendances AS sa").Joins("JOIN group_sessions AS g ON g.id = sa.session_id").
		Joins("JOIN users AS u ON u.id = sa.added_by_id").Where("sa.case_id = ?", caseID).
		Select("g.id AS session_id, g.kind, g.title, g.date, g.place, u.name AS added_by_name").
		Order("g.date DESC, g.id DESC").Scan(&out).Error
	if err != nil {
		return nil, fmt.Errorf("sessions of case %d: %w", caseID, err)
	}
	return out, nil
}

// activitiesOfCase is a case's counselling and monitoring, newest first, with who
// recorded each.
func activitiesOfCase(db *gorm.DB, caseID uint) ([]Activity, error) {
	var out []Activity
	if err := db.Joins("CreatedBy").Where("activities.case_id = ?", caseID).
		Order("activities.date DESC, activities.id DESC").Find(&out).Error; err != nil {
		return nil, fmt.Errorf("list activities of case %d: %w", caseID, err)
	}
	return out, nil
}

// referralsOfCase is a case's referrals, newest first, with who made each.
func referralsOfCase(db *gorm.DB, caseID uint) ([]Referral, error) {
	var out []Referral
	if err := db.Joins("CreatedBy").Where("referrals.case_id = ?", caseID).
		Order("referrals.date_sent DESC, referrals.id DESC").Find(&out).Error; err != nil {
		return nil, fmt.Errorf("list referrals of case %d: %w", caseID, err)
	}
	return out, nil
}
