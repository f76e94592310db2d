package models

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"
)

// ReferralOverdueDays is how long a referral may wait for an outcome before supervisors see it.
const ReferralOverdueDays = 60

// ReferralStatuses lists every status in form order.
var ReferralStatuses = []ReferralStatus{ReferralSent, ReferralAccepted, ReferralCompleted, ReferralRejected, ReferralCancelled}

// referralMoves is the follow-up machine: sent → accepted → completed, or rejected or
// cancelled while still open. Staying in the same status records an outcome or rating.
var referralMoves = map[ReferralStatus][]ReferralStatus{
	ReferralSent:     {ReferralAccepted, ReferralRejected, ReferralCancelled},
	ReferralAccepted: {ReferralCompleted, ReferralRejected, ReferralCancelled},
}

// CanMoveReferral reports whether a referral may go from one status to another.
func CanMoveReferral(from, to ReferralStatus) bool {
	return from == to || cwOneOf(to, referralMoves[from])
}

// ReferralStore refers beneficiaries to partner services and follows the referrals up.
type ReferralStore struct {
	db    *DB
	now   func() time.Time
	audit *AuditStore
}

// NewReferralStore builds the store.
func NewReferralStore(db *DB, now func() time.Time, audit *AuditStore) *ReferralStore {
	return &ReferralStore{db: db, now: now, audit: audit}
}

// ReferralInput is the new referral form.
type ReferralInput struct {
	Partner, PartnerName, Purpose, Date string

	date Date
}

// Validate checks the input; "other" partners need a name.
func (in *ReferralInput) Validate(today Date) FieldErrors {
	fe := FieldErrors{}
	in.PartnerName = strings.TrimSpace(in.PartnerName)
	in.Purpose = strings.TrimSpace(in.Purpose)
	if !cwOneOf(in.Partner, Partners) {
		fe.Add("partner", "error.choose_value")
	}
	if in.Partner == "other" && in.PartnerName == "" {
		fe.Add("partner_name", "casework.error.partner_name")
	}
	checkText(fe, "partner_name", in.PartnerName, false)
	checkText(fe, "purpose", in.Purpose, true)
	in.date = cwRequireDate(fe, "date", in.Date)
	if !in.date.IsZero() && in.date.After(today) {
		fe.Add("date", "casework.error.date_future")
	}
	return fe
}

// Create refers a case in scope; a case without consent to share data is refused
// with the field error "consent".
func (s *ReferralStore) Create(ctx context.Context, a Actor, scope Scope, caseID uint, in ReferralInput) (*Referral, error) {
	if err := cwCanWrite(a); err != nil {
		return nil, err
	}
	fe := in.Validate(DateOf(s.now()))
	r := &Referral{CaseID: caseID, Partner: in.Partner, PartnerName: in.PartnerName, Purpose: in.Purpose, DateSent: in.date,
		Status: ReferralSent, CreatedByID: a.User.ID, Version: 1, CreatedAt: s.now().UTC(), UpdatedAt: s.now().UTC()}
	err := s.db.Tx(ctx, func(tx *gorm.DB) error {
		cs, err := caseForWrite(tx, scope, caseID)
		if err != nil {
			return err
		}
		if !cs.ConsentShare {
			fe.Add("consent", "casework.error.no_consent")
		}
		if err := fe.Err(); err != nil {
			return err
		}
		if in.Partner != "other" {
			r.PartnerName = ""
		}
		if err := tx.Create(r).Error; err != nil {
			return fmt.Errorf("create referral: %w", err)
		}
		ev := a.Event("referral.create", "referral", fmt.Sprint(r.ID))
		ev.Fields = "partner,partner_name,purpose,date_sent"
		return s.audit.RecordTx(tx, ev)
	})
	if err != nil {
		return nil, err
	}
	return r, nil
}

// FollowUpInput is a referral's follow-up form.
type FollowUpInput struct {
	Status, Outcome, Satisfaction, Reason string
	Version                               int

	satisfaction *int
}

// Validate checks the input on its own; the move itself is checked against the record.
func (in *FollowUpInput) Validate() FieldErrors {
	fe := FieldErrors{}
	in.Outcome = strings.TrimSpace(in.Outcome)
	in.Reason = strings.TrimSpace(in.Reason)
	in.Satisfaction = strings.TrimSpace(in.Satisfaction)
	if !cwOneOf(ReferralStatus(in.Status), ReferralStatuses) {
		fe.Add("status", "error.choose_value")
	}
	if in.Status == string(ReferralRejected) && in.Reason == "" {
		fe.Add("reason", "casework.error.reason_required")
	}
	if in.Status == string(ReferralCompleted) && in.Outcome == "" {
		fe.Add("outcome", "casework.error.outcome_required")
	}
	checkText(fe, "outcome", in.Outcome, false)
	checkText(fe, "reason", in.Reason, false)
	if in.Satisfaction != "" {
		n, err := strconv.Atoi(in.Satisfaction)
		if err != nil || n < 1 || n > 5 {
			fe.Add("satisfaction", "casework.error.satisfaction")
		} else {
			in.satisfaction = &n
		}
	}
	return fe
}

// FollowUp moves a referral of a case in scope along and records its outcome.
func (s *ReferralStore) FollowUp(ctx context.Context, a Actor, scope Scope, caseID, id uint, in FollowUpInput) error {
	if err := cwCanWrite(a); err != nil {
		return err
	}
	fe := in.Validate()
	return s.db.Tx(ctx, func(tx *gorm.DB) error {
		r, err := s.load(tx, scope, caseID, id, true)
		if err != nil {
			return err
		}
		if err := fe.Err(); err != nil {
			return err
		}
		to := ReferralStatus(in.Status)
		if !CanMoveReferral(r.Status, to) {
			return fmt.Errorf("referral %d from %s to %s: %w", id, r.Status, to, ErrBadMove)
		}
		if in.Version != 0 && in.Version != r.Version {
			return ErrConflict
		}
		set := map[string]any{"status": to, "outcome": in.Outcome, "satisfaction": in.satisfaction, "reason": in.Reason,
			"version": r.Version + 1, "updated_at": s.now().UTC()}
		res := tx.Model(&Referral{}).Where("id = ? AND version = ?", r.ID, r.Version).Updates(set)
		if res.Error != nil {
			return fmt.Errorf("follow up referral %d: %w", id, res.Error)
		}
		if res.RowsAffected != 1 {
			return ErrConflict
		}
		var changed []string
		if to != r.Status {
			changed = append(changed, "status")
		}
		if in.Outcome != r.Outcome {
			changed = append(changed, "outcome")
		}
		if !cwSameInt(in.satisfaction, r.Satisfaction) {
			changed = append(changed, "satisfaction")
		}
		if in.Reason != r.Reason {
			changed = append(changed, "reason")
		}
		ev := a.Event("referral.update", "referral", fmt.Sprint(r.ID))
		ev.Fields = strings.Join(changed, ",")
		return s.audit.RecordTx(tx, ev)
	})
}

func cwSameInt(a, b *int) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}

func (s *ReferralStore) load(tx *gorm.DB, scope Scope, caseID, id uint, write bool) (*Referral, error) {
	find := caseInScope
	if write {
		find = caseForWrite
	}
	if _, err := find(tx, scope, caseID); err != nil {
		return nil, err
	}
	var r Referral
	err := tx.Where("id = ? AND case_id = ?", id, caseID).Take(&r).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("load referral %d: %w", id, err)
	}
	return &r, nil
}

// Get loads one referral of a case in scope.
func (s *ReferralStore) Get(ctx context.Context, scope Scope, caseID, id uint) (*Referral, error) {
	return s.load(s.db.Read.WithContext(ctx), scope, caseID, id, false)
}

// ForCase lists a case's referrals, newest first, with who made them.
func (s *ReferralStore) ForCase(ctx context.Context, scope Scope, caseID uint) ([]Referral, error) {
	db := s.db.Read.WithContext(ctx)
	if err := caseVisible(db, scope, caseID); err != nil {
		return nil, err
	}
	return referralsOfCase(db, caseID)
}

// OverdueReferral is a referral still without an outcome after ReferralOverdueDays.
type OverdueReferral struct {
	ID          uint
	CaseID      uint
	CaseNumber  string
	Partner     string
	PartnerName string
	Purpose     string
	Status      ReferralStatus
	DateSent    Date
}

// overdue selects the overdue referrals in the scope and the office filter.
func (s *ReferralStore) overdue(ctx context.Context, scope Scope, now time.Time, f QueueFilter) *gorm.DB {
	cutoff := DateOf(now).AddDays(-ReferralOverdueDays)
	q := s.db.Read.WithContext(ctx).Table("referrals AS r").Joins("JOIN cases AS c ON c.id = r.case_id").
		Where("r.outcome = '' AND r.status IN ? AND r.date_sent <= ?", []ReferralStatus{ReferralSent, ReferralAccepted}, cutoff)
	return f.where(q, scope, "c.office_id")
}

// OverdueShown is how many overdue referrals the approvals page lists. They are
// reminders whose action is on the case file, oldest (most urgent) first: following
// them up brings the next ones into the list, and the heading gives the true total.
const OverdueShown = 50

// Overdue is one page of the referrals in scope still open without an outcome 60 days
// or more after they were sent, oldest first, with how many there are in all.
func (s *ReferralStore) Overdue(ctx context.Context, scope Scope, now time.Time, f QueueFilter) (Paged[OverdueReferral], error) {
	out, err := readPage[OverdueReferral](func() *gorm.DB { return s.overdue(ctx, scope, now, f) }, f,
		"r.id, r.case_id, c.case_number, r.partner, r.partner_name, r.purpose, r.status, r.date_sent",
		"r.date_sent, r.id")
	if err != nil {
		return out, fmt.Errorf("overdue referrals: %w", err)
	}
	return out, nil
}

// CountOverdue counts the overdue referrals in scope.
func (s *ReferralStore) CountOverdue(ctx context.Context, scope Scope, now time.Time) (int64, error) {
	var n int64
	err := s.overdue(ctx, scope, now, QueueFilter{}).Count(&n).Error
	return n, err
}
