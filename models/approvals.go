package models

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"
)

// SupportQueueItem is one line of a supervisor's approvals queue.
type SupportQueueItem struct {
	ID            uint
	CaseID        uint
	CaseNumber    string
	Type          SupportType
	Description   string
	Amount        int64
	Currency      string
	Date          Date
	PlannedByID   uint
	PlannedByName string
	Version       int
	CreatedAt     time.Time
	// FamilyName and GivenName are the beneficiary's, as typed.
	FamilyName, GivenName string
	// Vulnerabilities, Approved and Delivered are what a supervisor weighs before
	// approving: the case's vulnerabilities in form order, and its support approved but
	// not yet delivered and already delivered, per currency (never summed across
	// currencies). They are read for the whole page at once (approvalContext).
	Vulnerabilities []Vulnerability `gorm:"-"`
	Approved        []Amount        `gorm:"-"`
	Delivered       []Amount        `gorm:"-"`
}

// ApprovalsPerPage is the approvals page's size: each line carries its own send-back
// form, and supervisors often work on a poor connection.
const ApprovalsPerPage = 50

// awaitingApproval selects the approvals queue: planned support not sent back, in the
// scope and the office filter. The page and the counts all use it, so a total cannot
// drift from the rows.
func (s *SupportStore) awaitingApproval(ctx context.Context, scope Scope, f QueueFilter) *gorm.DB {
	return s.queue(ctx, scope, f, SupportPlanned).Where("s.return_comment = ''")
}

// AwaitingApproval is one page of the approvals queue, oldest first, with the
// queue's true size.
//
// The queue grows with the casework (12,600 lines on the scale-40 demo): its size is
// read from the home's tallies, kept with the same conditions by the triggers on
// support (approvalTally), and the page through the index by status and creation
// (migration 0026), in order, so neither counts nor sorts the queue.
func (s *SupportStore) AwaitingApproval(ctx context.Context, scope Scope, f QueueFilter) (Paged[SupportQueueItem], error) {
	total, err := s.approvalTally(ctx, scope, f.OfficeCode)
	if err != nil {
		return Paged[SupportQueueItem]{}, fmt.Errorf("approvals queue: %w", err)
	}
	out, err := readCountedPage[SupportQueueItem](total, func() *gorm.DB { return s.awaitingApproval(ctx, scope, f) }, f,
		"s.id, s.case_id, c.case_number, c.family_name, c.given_name, s.type, s.description, s.amount, s.currency, s.date, s.planned_by_id, u.name AS planned_by_name, s.version, s.created_at",
		"s.created_at, s.id")
	if err != nil {
		return out, fmt.Errorf("approvals queue: %w", err)
	}
	if err := approvalContext(s.db.Read.WithContext(ctx), out.Items); err != nil {
		return out, fmt.Errorf("approvals queue: %w", err)
	}
	return out, nil
}

// approvalContext fills the page's vulnerabilities and earlier support with two
// queries for the whole page, whatever its length: the cases are already known to be
// in scope, as their support was selected in it.
func approvalContext(db *gorm.DB, items []SupportQueueItem) error {
	if len(items) == 0 {
		return nil
	}
	byCase := map[uint][]int{}
	var ids []uint
	for i, it := range items {
		if _, ok := byCase[it.CaseID]; !ok {
			ids = append(ids, it.CaseID)
		}
		byCase[it.CaseID] = append(byCase[it.CaseID], i)
	}
	// Scanned by hand: a page reads up to a few hundred of these small rows, and
	// gorm's reflection per row cost more than the queries.
	rows, err := db.Raw("SELECT case_id, code FROM case_vulnerabilities WHERE case_id IN ?", ids).Rows()
	if err != nil {
		return fmt.Errorf("vulnerabilities: %w", err)
	}
	var vulns []CaseVulnerability
	for rows.Next() {
		var v CaseVulnerability
		if err := rows.Scan(&v.CaseID, &v.Code); err != nil {
			rows.Close()
			return fmt.Errorf("vulnerabilities: %w", err)
		}
		vulns = append(vulns, v)
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return fmt.Errorf("vulnerabilities: %w", err)
	}
	rank := map[Vulnerability]int{}
	for i, v := range Vulnerabilities {
		rank[v] = i
	}
	// In form order, so that every line reads the same way.
	slices.SortFunc(vulns, func(a, b CaseVulnerability) int {
		return cmp.Or(cmp.Compare(rank[Vulnerability(a.Code)], rank[Vulnerability(b.Code)]), strings.Compare(a.Code, b.Code))
	})
	for _, v := range vulns {
		for _, i := range byCase[v.CaseID] {
			items[i].Vulnerabilities = append(items[i].Vulnerabilities, Vulnerability(v.Code))
		}
	}
	rows, err = db.Raw(`SELECT case_id, status, currency, SUM(amount) FROM supports
		WHERE case_id IN ? AND status IN ? GROUP BY case_id, status, currency ORDER BY currency`,
		ids, []SupportStatus{SupportApproved, SupportDelivered}).Rows()
	if err != nil {
		return fmt.Errorf("support of the cases: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			caseID uint
			status SupportStatus
			a      Amount
		)
		if err := rows.Scan(&caseID, &status, &a.Currency, &a.Minor); err != nil {
			return fmt.Errorf("support of the cases: %w", err)
		}
		for _, i := range byCase[caseID] {
			if status == SupportDelivered {
				items[i].Delivered = append(items[i].Delivered, a)
			} else {
				items[i].Approved = append(items[i].Approved, a)
			}
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("support of the cases: %w", err)
	}
	return nil
}

// approvalTally is the size of the approvals queue in scope and, when not "", one
// office (by code), from home_tallies: the rows of kind "approval" count, per office,
// the support that supportApprovalCond selects, as awaitingApproval does.
func (s *SupportStore) approvalTally(ctx context.Context, scope Scope, officeCode string) (int64, error) {
	q := whereOfficeCode(scope.Where(s.db.Read.WithContext(ctx).Table("home_tallies").Where("kind = ?", "approval"), "office_id"),
		"office_id", officeCode)
	var n int64
	if err := q.Select("COALESCE(SUM(n), 0)").Row().Scan(&n); err != nil {
		return 0, fmt.Errorf("count from tallies: %w", err)
	}
	return n, nil
}

// CountAwaitingApproval counts the approvals queue in scope.
func (s *SupportStore) CountAwaitingApproval(ctx context.Context, scope Scope) (int64, error) {
	var n int64
	err := s.awaitingApproval(ctx, scope, QueueFilter{}).Count(&n).Error
	return n, err
}
