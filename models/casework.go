package models

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"gorm.io/gorm"
)

// Errors of the casework stores (support, referrals, sessions). They wrap the shared
// sentinels so handlers can map them with errors.Is, and carry a clear message.
var (
	// ErrOwnSupport is the four-eyes rule: nobody approves support they planned.
	ErrOwnSupport = fmt.Errorf("%w: support you planned must be approved by another supervisor", ErrForbidden)
	// ErrSupervisorOnly is an approval or send-back by someone who is not a supervisor.
	ErrSupervisorOnly = fmt.Errorf("%w: only a supervisor approves support", ErrForbidden)
	// ErrReadOnly is a write by a role that only reads cases (admins).
	ErrReadOnly = fmt.Errorf("%w: this role only reads cases", ErrForbidden)
	// ErrBadMove is a status change the record's current status does not allow.
	ErrBadMove = errors.New("this step is not allowed from the current status")
	// ErrCaseClosed is casework recorded on a closed case, which is read-only until a
	// supervisor reopens it (the published figures must not shift silently).
	ErrCaseClosed = fmt.Errorf("%w: the case is closed", ErrBadMove)
)

// caseVisible is ErrNotFound when the case is not in scope; it reads only the id (the
// casework sections of a case file each check it).
func caseVisible(tx *gorm.DB, scope Scope, caseID uint) error {
	q := scope.Where(tx.Table("cases").Select("id").Where("id = ?", caseID), "office_id")
	var ids []uint
	if err := q.Limit(1).Pluck("id", &ids).Error; err != nil {
		return fmt.Errorf("load case %d: %w", caseID, err)
	}
	if len(ids) == 0 {
		return ErrNotFound
	}
	return nil
}

// caseInScope loads one case inside a transaction or query, applying the user's office
// scope in SQL: a missing case and another office's case are both ErrNotFound.
func caseInScope(tx *gorm.DB, scope Scope, caseID uint) (*Case, error) {
	var cs Case
	q := scope.Where(tx.Where("id = ?", caseID), "office_id")
	err := q.Take(&cs).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("load case %d: %w", caseID, err)
	}
	return &cs, nil
}

// caseForWrite loads a case in scope that casework may still be added to: not closed.
func caseForWrite(tx *gorm.DB, scope Scope, caseID uint) (*Case, error) {
	cs, err := caseInScope(tx, scope, caseID)
	if err == nil && cs.Status == StatusClosed {
		return nil, ErrCaseClosed
	}
	return cs, err
}

// cwCanWrite refuses casework writes by roles that only read (admins) or by nobody.
func cwCanWrite(a Actor) error {
	if a.User == nil || !a.User.CanEditCases() {
		return ErrReadOnly
	}
	return nil
}

// cwRequireDate parses a required date field into fe.
func cwRequireDate(fe FieldErrors, field, value string) Date {
	value = strings.TrimSpace(value)
	if value == "" {
		fe.Add(field, "error.required")
		return Date{}
	}
	d, err := ParseDate(value)
	if err != nil {
		fe.Add(field, "casework.error.date_invalid")
	}
	return d
}

func cwOneOf[T ~string](v T, list []T) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// CaseInScope loads one case in the user's scope for the casework pages (support,
// referral and activity forms shown alone); ErrNotFound when missing or out of scope.
func (s *SupportStore) CaseInScope(ctx context.Context, scope Scope, caseID uint) (*Case, error) {
	return caseInScope(s.db.Read.WithContext(ctx), scope, caseID)
}

// QueueFilter selects one page of a supervisor's queue (support to approve, overdue
// referrals).
type QueueFilter struct {
	// OfficeCode keeps one office's rows. It is applied after the scope, so it narrows
	// the scope and can never widen it: another office's code gives nothing.
	OfficeCode string
	// Page counts from 1; PerPage 0 (or more than maxPerPage) reads maxPerPage.
	Page, PerPage int
}

// where restricts q to the scope and the office filter through the office column.
func (f QueueFilter) where(q *gorm.DB, scope Scope, column string) *gorm.DB {
	return whereOfficeCode(scope.Where(q, column), column, f.OfficeCode)
}

// Paged is one page of a list with the size of the whole list.
type Paged[T any] struct {
	Items []T
	// Total is counted with the same conditions that select the page.
	Total int64
	// Page is the page read: the one asked for, brought within the pages there are, so
	// a page beyond the end (after approving the last rows) shows the last one.
	Page, PerPage int
}

// maxPerPage bounds a page, whatever a caller asks.
const maxPerPage = 200

// readPage counts the rows selected(), then reads the page f asks for (within the
// pages there are) in order, with the columns. selected builds a fresh query each time,
// as a gorm query cannot be run twice.
func readPage[T any](selected func() *gorm.DB, f QueueFilter, columns, order string) (Paged[T], error) {
	var total int64
	if err := selected().Count(&total).Error; err != nil {
		return Paged[T]{}, fmt.Errorf("count: %w", err)
	}
	return readCountedPage[T](total, selected, f, columns, order)
}

// readCountedPage is readPage for a list whose size is known without counting its
// rows (from a tally kept with the same conditions).
func readCountedPage[T any](total int64, selected func() *gorm.DB, f QueueFilter, columns, order string) (Paged[T], error) {
	out := Paged[T]{PerPage: f.PerPage, Total: total}
	if out.PerPage <= 0 || out.PerPage > maxPerPage {
		out.PerPage = maxPerPage
	}
	pages := max(1, int((out.Total+int64(out.PerPage)-1)/int64(out.PerPage)))
	out.Page = min(max(f.Page, 1), pages)
	if out.Total == 0 {
		return out, nil
	}
	err := selected().Select(columns).Order(order).Limit(out.PerPage).Offset((out.Page - 1) * out.PerPage).Find(&out.Items).Error
	if err != nil {
		return out, fmt.Errorf("read page %d: %w", out.Page, err)
	}
	return out, nil
}
