package models

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"
)

// SupportStore plans reintegration support and moves it along
// planned → approved → delivered, or to cancelled. Only a supervisor approves, never
// support they planned themselves (four eyes); nothing is delivered unapproved.
//
// Sending back: a supervisor may return planned support with a comment. It stays
// planned, carries the comment (shown on the case file) and leaves the approvals queue;
// the caseworker then cancels it and plans a corrected one, or a supervisor approves it
// from the case file after all (approval keeps the comment for the record).
type SupportStore struct {
	db    *DB
	now   func() time.Time
	audit *AuditStore
}

// NewSupportStore builds the store.
func NewSupportStore(db *DB, now func() time.Time, audit *AuditStore) *SupportStore {
	return &SupportStore{db: db, now: now, audit: audit}
}

// supportMoves is the status machine as data.
var supportMoves = map[SupportStatus][]SupportStatus{
	SupportPlanned:  {SupportApproved, SupportCancelled},
	SupportApproved: {SupportDelivered, SupportCancelled},
}

// CanMove reports whether support may go from one status to another.
func CanMoveSupport(from, to SupportStatus) bool { return cwOneOf(to, supportMoves[from]) }

// SupportInput is what a caseworker types to plan support.
type SupportInput struct {
	Type           string
	Description    string
	Amount         string
	Currency       string
	Date           string
	FundedByOffice bool

	amount int64
	date   Date
}

// Validate checks the input, parsing the amount in the chosen currency.
func (in *SupportInput) Validate() FieldErrors {
	fe := FieldErrors{}
	in.Description = strings.TrimSpace(in.Description)
	in.Currency = strings.ToUpper(strings.TrimSpace(in.Currency))
	if !cwOneOf(SupportType(in.Type), SupportTypes) {
		fe.Add("type", "error.choose_value")
	}
	checkText(fe, "description", in.Description, true)
	if !ValidCurrency(in.Currency) {
		fe.Add("currency", "error.choose_value")
	} else if v, err := ParseAmount(in.Amount, in.Currency); err != nil {
		var ae *AmountError
		if errors.As(err, &ae) {
			fe.Add("amount", ae.Key)
		}
	} else if v == 0 {
		fe.Add("amount", "casework.error.amount_zero")
	} else {
		in.amount = v
	}
	in.date = cwRequireDate(fe, "date", in.Date)
	return fe
}

// Plan records new support for a case, as planned.
func (s *SupportStore) Plan(ctx context.Context, a Actor, scope Scope, caseID uint, in SupportInput) (*Support, error) {
	if err := cwCanWrite(a); err != nil {
		return nil, err
	}
	if err := in.Validate().Err(); err != nil {
		return nil, err
	}
	sp := &Support{
		CaseID: caseID, Type: SupportType(in.Type), Description: in.Description, Amount: in.amount,
		Currency: in.Currency, Date: in.date, FundedByOffice: in.FundedByOffice, Status: SupportPlanned,
		PlannedByID: a.User.ID, Version: 1, CreatedAt: s.now().UTC(), UpdatedAt: s.now().UTC(),
	}
	err := s.db.Tx(ctx, func(tx *gorm.DB) error {
		if _, err := caseForWrite(tx, scope, caseID); err != nil {
			return err
		}
		if err := tx.Create(sp).Error; err != nil {
			return fmt.Errorf("plan support: %w", err)
		}
		ev := a.Event("support.plan", "support", fmt.Sprint(sp.ID))
		ev.Fields = "type,description,amount,currency,date,funded_by_office"
		return s.audit.RecordTx(tx, ev)
	})
	if err != nil {
		return nil, err
	}
	return sp, nil
}

// load reads one support of a case in scope, inside a transaction; writes refuse a
// closed case, reads (Get) do not.
func (s *SupportStore) load(tx *gorm.DB, scope Scope, caseID, id uint, write bool) (*Case, *Support, error) {
	find := caseInScope
	if write {
		find = caseForWrite
	}
	cs, err := find(tx, scope, caseID)
	if err != nil {
		return nil, nil, err
	}
	var sp Support
	err = tx.Where("id = ? AND case_id = ?", id, caseID).Take(&sp).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, nil, ErrNotFound
	}
	if err != nil {
		return nil, nil, fmt.Errorf("load support %d: %w", id, err)
	}
	return cs, &sp, nil
}

// move updates support from the status and version read, or reports a conflict.
func (s *SupportStore) move(tx *gorm.DB, sp *Support, version int, to SupportStatus, set map[string]any) error {
	if version != 0 && version != sp.Version {
		return ErrConflict
	}
	if !CanMoveSupport(sp.Status, to) {
		return fmt.Errorf("support %d from %s to %s: %w", sp.ID, sp.Status, to, ErrBadMove)
	}
	set["status"] = to
	set["version"] = sp.Version + 1
	set["updated_at"] = s.now().UTC()
	res := tx.Model(&Support{}).Where("id = ? AND version = ? AND status = ?", sp.ID, sp.Version, sp.Status).Updates(set)
	if res.Error != nil {
		return fmt.Errorf("update support %d: %w", sp.ID, res.Error)
	}
	if res.RowsAffected != 1 {
		return ErrConflict
	}
	return nil
}

func (s *SupportStore) approveTx(tx *gorm.DB, a Actor, scope Scope, caseID, id uint, version int) error {
	_, sp, err := s.load(tx, scope, caseID, id, true)
	if err != nil {
		return err
	}
	if sp.PlannedByID == a.User.ID {
		return ErrOwnSupport
	}
	now := s.now().UTC()
	if err := s.move(tx, sp, version, SupportApproved, map[string]any{"approved_by_id": a.User.ID, "approved_at": now}); err != nil {
		return err
	}
	ev := a.Event("support.approve", "support", fmt.Sprint(sp.ID))
	ev.Fields = "status,approved_by_id,approved_at"
	return s.audit.RecordTx(tx, ev)
}

// Approve moves planned support to approved: supervisors only, never their own.
// version 0 skips the version check (the status check still guards the move).
func (s *SupportStore) Approve(ctx context.Context, a Actor, scope Scope, caseID, id uint, version int) error {
	if a.User == nil || a.User.Role != RoleSupervisor {
		return ErrSupervisorOnly
	}
	return s.db.Tx(ctx, func(tx *gorm.DB) error { return s.approveTx(tx, a, scope, caseID, id, version) })
}

// ApproveMany approves a selection from the queue at once, all or nothing: a support
// out of scope is ErrNotFound, one the supervisor planned ErrOwnSupport, one no longer
// planned ErrBadMove. It returns how many were approved.
func (s *SupportStore) ApproveMany(ctx context.Context, a Actor, scope Scope, ids []uint) (int, error) {
	if a.User == nil || a.User.Role != RoleSupervisor {
		return 0, ErrSupervisorOnly
	}
	seen := map[uint]bool{}
	// In id order, whatever the order of the form: two supervisors approving
	// overlapping selections at once then lock the rows in the same order, and one
	// waits for the other instead of deadlocking on PostgreSQL.
	ids = slices.Sorted(slices.Values(ids))
	err := s.db.Tx(ctx, func(tx *gorm.DB) error {
		for _, id := range ids {
			if seen[id] {
				continue
			}
			seen[id] = true
			var caseID uint
			if err := tx.Model(&Support{}).Where("id = ?", id).Pluck("case_id", &caseID).Error; err != nil {
				return fmt.Errorf("find support %d: %w", id, err)
			}
			if caseID == 0 {
				return ErrNotFound
			}
			if err := s.approveTx(tx, a, scope, caseID, id, 0); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	return len(seen), nil
}

// SendBack returns planned support to its planner with a comment (supervisors only).
func (s *SupportStore) SendBack(ctx context.Context, a Actor, scope Scope, caseID, id uint, version int, comment string) error {
	if a.User == nil || a.User.Role != RoleSupervisor {
		return ErrSupervisorOnly
	}
	comment = strings.TrimSpace(comment)
	fe := FieldErrors{}
	if checkText(fe, "comment", comment, true); len(fe) > 0 {
		return fe.Err()
	}
	return s.db.Tx(ctx, func(tx *gorm.DB) error {
		_, sp, err := s.load(tx, scope, caseID, id, true)
		if err != nil {
			return err
		}
		if sp.Status != SupportPlanned {
			return fmt.Errorf("send back support %d in status %s: %w", id, sp.Status, ErrBadMove)
		}
		if version != 0 && version != sp.Version {
			return ErrConflict
		}
		res := tx.Model(&Support{}).Where("id = ? AND version = ?", sp.ID, sp.Version).
			Updates(map[string]any{"return_comment": comment, "version": sp.Version + 1, "updated_at": s.now().UTC()})
		if res.Error != nil {
			return fmt.Errorf("send back support %d: %w", id, res.Error)
		}
		if res.RowsAffected != 1 {
			return ErrConflict
		}
		ev := a.Event("support.send_back", "support", fmt.Sprint(sp.ID))
		ev.Fields = "return_comment"
		return s.audit.RecordTx(tx, ev)
	})
}

// Deliver records approved support as handed over on a date by the actor. The first
// delivery moves a returned case to reintegration, with its history and audit.
func (s *SupportStore) Deliver(ctx context.Context, a Actor, scope Scope, caseID, id uint, version int, date string) error {
	if err := cwCanWrite(a); err != nil {
		return err
	}
	fe := FieldErrors{}
	on := cwRequireDate(fe, "date", date)
	if err := fe.Err(); err != nil {
		return err
	}
	return s.db.Tx(ctx, func(tx *gorm.DB) error {
		cs, sp, err := s.load(tx, scope, caseID, id, true)
		if err != nil {
			return err
		}
		if err := receiptBeforeDelivery(tx, cs, sp); err != nil {
			return err
		}
		var delivered int64
		if err := tx.Model(&Support{}).Where("case_id = ? AND status = ?", caseID, SupportDelivered).Count(&delivered).Error; err != nil {
			return fmt.Errorf("count delivered support: %w", err)
		}
		if err := s.move(tx, sp, version, SupportDelivered, map[string]any{"delivered_by_id": a.User.ID, "delivered_on": on}); err != nil {
			return err
		}
		ev := a.Event("support.deliver", "support", fmt.Sprint(sp.ID))
		ev.Fields = "status,delivered_by_id,delivered_on"
		if err := s.audit.RecordTx(tx, ev); err != nil {
			return err
		}
		if delivered > 0 || cs.Status != StatusReturned {
			return nil
		}
		return s.startReintegration(tx, a, cs, on)
	})
}

// startReintegration moves a returned case to reintegration when its first support is delivered.
func (s *SupportStore) startReintegration(tx *gorm.DB, a Actor, cs *Case, on Date) error {
	res := tx.Model(&Case{}).Where("id = ? AND status = ?", cs.ID, StatusReturned).
		Updates(map[string]any{"status": StatusReintegration, "version": gorm.Expr("version + 1"), "updated_at": s.now().UTC()})
	if res.Error != nil {
		return fmt.Errorf("move case %d to reintegration: %w", cs.ID, res.Error)
	}
	if res.RowsAffected != 1 {
		return ErrConflict
	}
	sc := StatusChange{CaseID: cs.ID, From: StatusReturned, To: StatusReintegration, Date: on, UserID: a.User.ID,
		Note: NoteFirstSupport, CreatedAt: s.now().UTC()}
	if err := tx.Create(&sc).Error; err != nil {
		return fmt.Errorf("record status change: %w", err)
	}
	ev := a.Event("case.status", "case", fmt.Sprint(cs.ID))
	ev.Fields = "status"
	return s.audit.RecordTx(tx, ev)
}

// Cancel cancels planned or approved support with a reason; delivered support stays.
func (s *SupportStore) Cancel(ctx context.Context, a Actor, scope Scope, caseID, id uint, version int, reason string) error {
	if err := cwCanWrite(a); err != nil {
		return err
	}
	reason = strings.TrimSpace(reason)
	fe := FieldErrors{}
	if checkText(fe, "reason", reason, true); len(fe) > 0 {
		return fe.Err()
	}
	return s.db.Tx(ctx, func(tx *gorm.DB) error {
		_, sp, err := s.load(tx, scope, caseID, id, true)
		if err != nil {
			return err
		}
		if err := s.move(tx, sp, version, SupportCancelled, map[string]any{"cancel_reason": reason}); err != nil {
			return err
		}
		ev := a.Event("support.cancel", "support", fmt.Sprint(sp.ID))
		ev.Fields = "status,cancel_reason"
		return s.audit.RecordTx(tx, ev)
	})
}

// Get loads one support of a case in scope.
func (s *SupportStore) Get(ctx context.Context, scope Scope, caseID, id uint) (*Support, error) {
	_, sp, err := s.load(s.db.Read.WithContext(ctx), scope, caseID, id, false)
	return sp, err
}

// ForCase lists a case's support, newest first, with who planned, approved and delivered it.
func (s *SupportStore) ForCase(ctx context.Context, scope Scope, caseID uint) ([]Support, error) {
	db := s.db.Read.WithContext(ctx)
	if err := caseVisible(db, scope, caseID); err != nil {
		return nil, err
	}
	return supportOfCase(db, caseID)
}

// CurrencyTotal is the support of a case in one currency (cancelled support excluded).
type CurrencyTotal struct {
	Currency  string
	Total     int64
	Delivered int64
	Count     int64
}

// Totals sums a case's support per currency, never across currencies (supportTotals).
func (s *SupportStore) Totals(ctx context.Context, scope Scope, caseID uint) ([]CurrencyTotal, error) {
	support, err := s.ForCase(ctx, scope, caseID)
	if err != nil {
		return nil, err
	}
	return supportTotals(support), nil
}

// queue selects support of a status in the scope and the office filter, with its case
// and planner.
func (s *SupportStore) queue(ctx context.Context, scope Scope, f QueueFilter, status SupportStatus) *gorm.DB {
	q := s.db.Read.WithContext(ctx).Table("supports AS s").
		Joins("JOIN cases AS c ON c.id = s.case_id").
		Joins("JOIN users AS u ON u.id = s.planned_by_id").
		Where("s.status = ?", status)
	return f.where(q, scope, "c.office_id")
}

// CountAwaitingDelivery counts approved support not yet delivered, in scope.
func (s *SupportStore) CountAwaitingDelivery(ctx context.Context, scope Scope) (int64, error) {
	var n int64
	err := s.queue(ctx, scope, QueueFilter{}, SupportApproved).Count(&n).Error
	return n, err
}
