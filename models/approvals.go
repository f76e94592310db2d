package models

import (
	"context"
	"fmt"
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
func (s *SupportStore) AwaitingApproval(ctx context.Context, scope Scope, f QueueFilter) (Paged[SupportQueueItem], error) {
	out, err := readPage[SupportQueueItem](func() *gorm.DB { return s.awaitingApproval(ctx, scope, f) }, f,
		"s.id, s.case_id, c.case_number, s.type, s.description, s.amount, s.currency, s.date, s.planned_by_id, u.name AS planned_by_name, s.version, s.created_at",
		"s.created_at, s.id")
	if err != nil {
		return out, fmt.Errorf("approvals queue: %w", err)
	}
	return out, nil
}

// CountAwaitingApproval counts the approvals queue in scope.
func (s *SupportStore) CountAwaitingApproval(ctx context.Context, scope Scope) (int64, error) {
	var n int64
	err := s.awaitingApproval(ctx, scope, QueueFilter{}).Count(&n).Error
	return n, err
}
