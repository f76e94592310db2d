package models

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"
)

// DefaultRetentionYears is how long a case is kept after its last activity (its
// closing or its last follow-up visit, whichever is later) when no policy says
// otherwise.
const DefaultRetentionYears = 5

// RetentionPolicy is the number of years a case is kept after its last activity: a
// default, and overrides per office.
type RetentionPolicy struct {
	DefaultYears int
	// Offices maps an office id to its own number of years.
	Offices map[uint]int
}

// YearsFor is the policy of one office.
func (p RetentionPolicy) YearsFor(officeID uint) int {
	if y, ok := p.Offices[officeID]; ok {
		return y
	}
	return p.DefaultYears
}

// RetentionStore applies the retention policy, legal holds and erasure requests.
type RetentionStore struct {
	db    *DB
	now   func() time.Time
	audit *AuditStore
}

// NewRetentionStore builds the store.
func NewRetentionStore(db *DB, now func() time.Time, audit *AuditStore) *RetentionStore {
	return &RetentionStore{db: db, now: now, audit: audit}
}

// Policy reads the retention policy.
func (s *RetentionStore) Policy(ctx context.Context) (RetentionPolicy, error) {
	p := RetentionPolicy{DefaultYears: DefaultRetentionYears, Offices: map[uint]int{}}
	var rows []struct {
		OfficeID uint
		Years    int
	}
	if err := s.db.Read.WithContext(ctx).Raw("SELECT office_id, years FROM retention_policies").Scan(&rows).Error; err != nil {
		return p, fmt.Errorf("read retention policy: %w", err)
	}
	for _, r := range rows {
		if r.OfficeID == 0 {
			p.DefaultYears = r.Years
		} else {
			p.Offices[r.OfficeID] = r.Years
		}
	}
	return p, nil
}

// Retention years accepted by SetPolicy.
const (
	MinRetentionYears = 1
	MaxRetentionYears = 50
)

// SetPolicy sets the years of one office (officeID 0: the default). years 0 removes
// an office's override; the default cannot be removed.
func (s *RetentionStore) SetPolicy(ctx context.Context, actor Actor, officeID uint, years int) error {
	if years == 0 && officeID == 0 || years != 0 && (years < MinRetentionYears || years > MaxRetentionYears) {
		return FieldErrors{"years": "retention.error.years"}.Err()
	}
	return s.db.Tx(ctx, func(tx *gorm.DB) error {
		if err := tx.Exec("DELETE FROM retention_policies WHERE office_id = ?", officeID).Error; err != nil {
			return err
		}
		if years != 0 {
			var by *uint
			if actor.User != nil {
				by = &actor.User.ID
			}
			if err := tx.Exec("INSERT INTO retention_policies (office_id, years, updated_by_id, updated_at) VALUES (?, ?, ?, ?)",
				officeID, years, by, s.now().UTC()).Error; err != nil {
				return err
			}
		}
		ev := actor.Event("retention.policy", "office", fmt.Sprint(officeID))
		ev.Details = fmt.Sprintf("years=%d", years)
		return s.audit.RecordTx(tx, ev)
	})
}

// lastActivitySQL is the date of a case's last activity for retention: the later of
// its closing and its last monitoring visit. A closed case without a recorded closing
// date has none and is never due.
const dueCondSQL = `c.status = 'closed' AND c.anonymised_at IS NULL AND c.office_id = ?
	AND NOT EXISTS (SELECT 1 FROM legal_holds h WHERE h.case_id = c.id AND h.released_at IS NULL)
	AND (SELECT MAX(sc.date) FROM status_changes sc WHERE sc.case_id = c.id AND sc.to_status = 'closed') <= ?
	AND COALESCE((SELECT MAX(a.date) FROM activities a WHERE a.case_id = c.id AND a.kind = 'monitoring'), '') <= ?`

// cutoff is the last day of activity of a case due on day at under years.
func cutoff(at Date, years int) string {
	return NewDate(at.Year()-years, at.Time().Month(), at.Time().Day()).String()
}

// DueCount is how many cases of an office fall due by a date.
type DueCount struct {
	OfficeID   uint
	OfficeCode string
	Years      int
	// Now: due today; ThisMonth: by the end of this month (Now included); NextMonth:
	// during next month.
	Now, ThisMonth, NextMonth int64
	// Held: closed cases kept by a legal hold.
	Held int64
}

// officeRef is an office's id and code.
type officeRef struct {
	ID   uint
	Code string
}

func (s *RetentionStore) offices(ctx context.Context) ([]officeRef, error) {
	var out []officeRef
	err := s.db.Read.WithContext(ctx).Raw("SELECT id, code FROM offices ORDER BY code").Scan(&out).Error
	return out, err
}

// DueCounts counts, per office, the cases due today, by the end of today's month and
// during the next month.
func (s *RetentionStore) DueCounts(ctx context.Context) ([]DueCount, error) {
	pol, err := s.Policy(ctx)
	if err != nil {
		return nil, err
	}
	offices, err := s.offices(ctx)
	if err != nil {
		return nil, fmt.Errorf("retention offices: %w", err)
	}
	today := DateOf(s.now())
	endMonth := monthEnd(today)
	endNext := monthEnd(endMonth.AddDays(1))
	db := s.db.Read.WithContext(ctx)
	count := func(officeID uint, at Date, years int) (int64, error) {
		c := cutoff(at, years)
		var n int64
		err := db.Raw("SELECT COUNT(*) FROM cases c WHERE "+dueCondSQL, officeID, c, c).Row().Scan(&n)
		return n, err
	}
	var out []DueCount
	for _, o := range offices {
		y := pol.YearsFor(o.ID)
		d := DueCount{OfficeID: o.ID, OfficeCode: o.Code, Years: y}
		if d.Now, err = count(o.ID, today, y); err != nil {
			return nil, fmt.Errorf("count due cases: %w", err)
		}
		if d.ThisMonth, err = count(o.ID, endMonth, y); err != nil {
			return nil, fmt.Errorf("count due cases: %w", err)
		}
		next, err := count(o.ID, endNext, y)
		if err != nil {
			return nil, fmt.Errorf("count due cases: %w", err)
		}
		d.NextMonth = next - d.ThisMonth
		if err := db.Raw(`SELECT COUNT(*) FROM cases c WHERE c.status = 'closed' AND c.anonymised_at IS NULL AND c.office_id = ?
			AND EXISTS (SELECT 1 FROM legal_holds h WHERE h.case_id = c.id AND h.released_at IS NULL)`, o.ID).Row().Scan(&d.Held); err != nil {
			return nil, fmt.Errorf("count held cases: %w", err)
		}
		out = append(out, d)
	}
	return out, nil
}

// dueIDs lists up to limit cases of an office due today, by id.
func (s *RetentionStore) dueIDs(db *gorm.DB, officeID uint, years, limit int) ([]uint, error) {
	c := cutoff(DateOf(s.now()), years)
	var ids []uint
	err := db.Raw("SELECT c.id FROM cases c WHERE "+dueCondSQL+" ORDER BY c.id LIMIT ?", officeID, c, c, limit).Scan(&ids).Error
	return ids, err
}

// RetentionRun is the outcome of a dry run or an apply.
type RetentionRun struct {
	Offices []DueCount
	// Due is the number of cases due today; Anonymised how many were anonymised
	// (0 on a dry run); Batches the transactions committed.
	Due, Anonymised int64
	Batches         int
}

// DefaultRetentionBatch is the number of cases anonymised per transaction.
const DefaultRetentionBatch = 100

// DryRun counts what an apply would anonymise today, changing nothing.
func (s *RetentionStore) DryRun(ctx context.Context) (*RetentionRun, error) {
	counts, err := s.DueCounts(ctx)
	if err != nil {
		return nil, err
	}
	run := &RetentionRun{Offices: counts}
	for _, c := range counts {
		run.Due += c.Now
	}
	return run, nil
}

// Apply anonymises every case due today, batch cases per transaction, each batch
// audited with its count. Each batch re-reads what is due inside its transaction, so
// a hold placed meanwhile is respected, and a run stopped at any point (a crash, a
// kill) leaves whole batches done and the rest untouched: running it again finishes.
// progress, when not nil, is told after each batch.
func (s *RetentionStore) Apply(ctx context.Context, actor Actor, batch int, progress func(done int64)) (*RetentionRun, error) {
	if batch <= 0 {
		batch = DefaultRetentionBatch
	}
	pol, err := s.Policy(ctx)
	if err != nil {
		return nil, err
	}
	offices, err := s.offices(ctx)
	if err != nil {
		return nil, fmt.Errorf("retention offices: %w", err)
	}
	run := &RetentionRun{}
	for _, o := range offices {
		years := pol.YearsFor(o.ID)
		for {
			var n int
			err := s.db.Tx(ctx, func(tx *gorm.DB) error {
				ids, err := s.dueIDs(tx, o.ID, years, batch)
				if err != nil {
					return fmt.Errorf("due cases: %w", err)
				}
				now := s.now().UTC()
				for _, id := range ids {
					if err := anonymiseCase(tx, id, now); err != nil {
						return err
					}
					ev := actor.Event("case.anonymise", "case", fmt.Sprint(id))
					ev.Details = "reason=retention"
					if err := s.audit.RecordTx(tx, ev); err != nil {
						return err
					}
				}
				n = len(ids)
				if n == 0 {
					return nil
				}
				ev := actor.Event("retention.apply", "office", o.Code)
				ev.Details = fmt.Sprintf("cases=%d years=%d", n, years)
				return s.audit.RecordTx(tx, ev)
			})
			if err != nil {
				return run, fmt.Errorf("anonymise a batch of %s: %w", o.Code, err)
			}
			if n == 0 {
				break
			}
			run.Anonymised += int64(n)
			run.Batches++
			if progress != nil {
				progress(run.Anonymised)
			}
		}
	}
	return run, nil
}

// retentionCase returns the office of a case the scope allows, or ErrNotFound, and
// whether it is anonymised.
func retentionCase(tx *gorm.DB, sc Scope, id uint) (officeID uint, anonymised bool, err error) {
	var row struct {
		OfficeID     uint
		AnonymisedAt *time.Time
	}
	res := tx.Raw("SELECT office_id, anonymised_at FROM cases WHERE id = ?", id).Scan(&row)
	if res.Error != nil {
		return 0, false, res.Error
	}
	if res.RowsAffected == 0 || !sc.Allows(row.OfficeID) {
		return 0, false, ErrNotFound
	}
	return row.OfficeID, row.AnonymisedAt != nil, nil
}

// maxReasonRunes bounds a hold's or a request's reason.
const maxReasonRunes = 2000

func validReason(reason string) (string, FieldErrors) {
	reason = strings.TrimSpace(reason)
	fe := FieldErrors{}
	switch {
	case reason == "":
		fe.Add("reason", "retention.error.reason")
	case utf8.RuneCountInString(reason) > maxReasonRunes:
		fe.Add("reason", "retention.error.reason_long")
	}
	return reason, fe
}

// LegalHold is a hold on a case.
type LegalHold struct {
	ID           uint
	CaseID       uint
	Reason       string
	PlacedByID   uint
	PlacedAt     time.Time
	ReleasedByID *uint
	ReleasedAt   *time.Time
}

// Errors of holds and erasure requests, shown as a message on the case file.
var (
	ErrAlreadyHeld     = errors.New("the case is already on legal hold")
	ErrNotHeld         = errors.New("the case is not on legal hold")
	ErrErasurePending  = errors.New("an erasure request is already waiting for approval")
	ErrNoErasure       = errors.New("no erasure request is waiting for approval")
	ErrSameSupervisor  = errors.New("the erasure request must be approved by another supervisor")
	ErrHeldForErasure  = errors.New("the case is on legal hold")
	errSupervisorsOnly = ErrForbidden
)

func supervisorOnly(actor Actor) error {
	if actor.User == nil || !actor.User.Is(RoleSupervisor) {
		return errSupervisorsOnly
	}
	return nil
}

// Hold puts a case on legal hold with a reason (supervisors).
func (s *RetentionStore) Hold(ctx context.Context, actor Actor, sc Scope, caseID uint, reason string) error {
	return s.recordWithReason(ctx, actor, sc, caseID, reason, reasonedRecord{
		lock: "hold", exists: ErrAlreadyHeld, action: "case.hold", detail: "hold",
		pending: func(tx *gorm.DB) (bool, error) {
			h, err := activeHold(tx, caseID)
			return h != nil, err
		},
		insert: func(tx *gorm.DB, reason string, by uint, at time.Time) (uint, error) {
			h := LegalHold{CaseID: caseID, Reason: reason, PlacedByID: by, PlacedAt: at}
			err := tx.Table("legal_holds").Create(&h).Error
			return h.ID, err
		},
	})
}

// reasonedRecord is a record a supervisor places on a case with a reason, one pending
// at a time: a legal hold, an erasure request.
type reasonedRecord struct {
	lock   string // the lock key's prefix, with the case id after it
	exists error  // the answer when one is pending already
	// action is the audit action; detail names the new record's id in its details.
	action, detail string
	pending        func(tx *gorm.DB) (bool, error)
	insert         func(tx *gorm.DB, reason string, by uint, at time.Time) (uint, error)
}

// recordWithReason places r on a case in scope that is not anonymised, under r's lock so
// that two supervisors at once make one, and audits it (the reason's text stays out of
// the log).
func (s *RetentionStore) recordWithReason(ctx context.Context, actor Actor, sc Scope, caseID uint, reason string, r reasonedRecord) error {
	if err := supervisorOnly(actor); err != nil {
		return err
	}
	reason, fe := validReason(reason)
	return s.db.Tx(ctx, func(tx *gorm.DB) error {
		if _, anon, err := retentionCase(tx, sc, caseID); err != nil {
			return err
		} else if anon {
			return ErrAnonymised
		}
		if err := fe.Err(); err != nil {
			return err
		}
		if err := s.db.lockKeys(tx, fmt.Sprintf("%s:%d", r.lock, caseID)); err != nil {
			return err
		}
		if pending, err := r.pending(tx); err != nil {
			return err
		} else if pending {
			return r.exists
		}
		id, err := r.insert(tx, reason, actor.User.ID, s.now().UTC())
		if err != nil {
			return err
		}
		ev := actor.Event(r.action, "case", fmt.Sprint(caseID))
		ev.Fields = "reason"
		ev.Details = fmt.Sprintf("%s=%d", r.detail, id)
		return s.audit.RecordTx(tx, ev)
	})
}

// Release ends a case's legal hold (supervisors).
func (s *RetentionStore) Release(ctx context.Context, actor Actor, sc Scope, caseID uint) error {
	if err := supervisorOnly(actor); err != nil {
		return err
	}
	return s.db.Tx(ctx, func(tx *gorm.DB) error {
		if _, _, err := retentionCase(tx, sc, caseID); err != nil {
			return err
		}
		if err := s.db.lockKeys(tx, fmt.Sprintf("hold:%d", caseID)); err != nil {
			return err
		}
		h, err := activeHold(tx, caseID)
		if err != nil {
			return err
		}
		if h == nil {
			return ErrNotHeld
		}
		now := s.now().UTC()
		if err := tx.Exec("UPDATE legal_holds SET released_by_id = ?, released_at = ? WHERE id = ?", actor.User.ID, now, h.ID).Error; err != nil {
			return err
		}
		ev := actor.Event("case.hold_release", "case", fmt.Sprint(caseID))
		ev.Details = fmt.Sprintf("hold=%d", h.ID)
		return s.audit.RecordTx(tx, ev)
	})
}

func activeHold(tx *gorm.DB, caseID uint) (*LegalHold, error) {
	var hs []LegalHold
	if err := tx.Table("legal_holds").Where("case_id = ? AND released_at IS NULL", caseID).Limit(1).Find(&hs).Error; err != nil {
		return nil, err
	}
	if len(hs) == 0 {
		return nil, nil
	}
	return &hs[0], nil
}

// ErasureRequest is a person's request to have their data erased.
type ErasureRequest struct {
	ID            uint
	CaseID        uint
	Reason        string
	RequestedByID uint
	RequestedAt   time.Time
	ApprovedByID  *uint
	ApprovedAt    *time.Time
}

// RetentionState is what the case file shows about holds and erasure.
type RetentionState struct {
	Hold       *LegalHold
	Erasure    *ErasureRequest
	Anonymised *time.Time
}

// State reads a case's hold, pending erasure request and anonymisation.
func (s *RetentionStore) State(ctx context.Context, sc Scope, caseID uint) (*RetentionState, error) {
	db := s.db.Read.WithContext(ctx)
	var st RetentionState
	var row struct{ AnonymisedAt *time.Time }
	if _, _, err := retentionCase(db, sc, caseID); err != nil {
		return nil, err
	}
	if err := db.Raw("SELECT anonymised_at FROM cases WHERE id = ?", caseID).Scan(&row).Error; err != nil {
		return nil, err
	}
	st.Anonymised = row.AnonymisedAt
	h, err := activeHold(db, caseID)
	if err != nil {
		return nil, err
	}
	st.Hold = h
	e, err := pendingErasure(db, caseID)
	if err != nil {
		return nil, err
	}
	st.Erasure = e
	return &st, nil
}

func pendingErasure(tx *gorm.DB, caseID uint) (*ErasureRequest, error) {
	var es []ErasureRequest
	if err := tx.Table("erasure_requests").Where("case_id = ? AND approved_at IS NULL", caseID).Limit(1).Find(&es).Error; err != nil {
		return nil, err
	}
	if len(es) == 0 {
		return nil, nil
	}
	return &es[0], nil
}

// RequestErasure records a person's request to have their data erased (supervisors);
// it waits for another supervisor's approval.
func (s *RetentionStore) RequestErasure(ctx context.Context, actor Actor, sc Scope, caseID uint, reason string) error {
	return s.recordWithReason(ctx, actor, sc, caseID, reason, reasonedRecord{
		lock: "erasure", exists: ErrErasurePending, action: "case.erasure_request", detail: "request",
		pending: func(tx *gorm.DB) (bool, error) {
			e, err := pendingErasure(tx, caseID)
			return e != nil, err
		},
		insert: func(tx *gorm.DB, reason string, by uint, at time.Time) (uint, error) {
			e := ErasureRequest{CaseID: caseID, Reason: reason, RequestedByID: by, RequestedAt: at}
			err := tx.Table("erasure_requests").Create(&e).Error
			return e.ID, err
		},
	})
}

// ApproveErasure approves a case's pending erasure request and anonymises the case
// now, in one transaction. The approver must be a supervisor other than the one who
// recorded the request, and the case must not be on legal hold.
func (s *RetentionStore) ApproveErasure(ctx context.Context, actor Actor, sc Scope, caseID uint) error {
	if err := supervisorOnly(actor); err != nil {
		return err
	}
	return s.db.Tx(ctx, func(tx *gorm.DB) error {
		if _, anon, err := retentionCase(tx, sc, caseID); err != nil {
			return err
		} else if anon {
			return ErrAnonymised
		}
		if err := s.db.lockKeys(tx, fmt.Sprintf("erasure:%d", caseID), fmt.Sprintf("hold:%d", caseID)); err != nil {
			return err
		}
		e, err := pendingErasure(tx, caseID)
		if err != nil {
			return err
		}
		if e == nil {
			return ErrNoErasure
		}
		if e.RequestedByID == actor.User.ID {
			return ErrSameSupervisor
		}
		if h, err := activeHold(tx, caseID); err != nil {
			return err
		} else if h != nil {
			return ErrHeldForErasure
		}
		now := s.now().UTC()
		if err := tx.Exec("UPDATE erasure_requests SET approved_by_id = ?, approved_at = ? WHERE id = ?", actor.User.ID, now, e.ID).Error; err != nil {
			return err
		}
		ev := actor.Event("case.erasure_approve", "case", fmt.Sprint(caseID))
		ev.Details = fmt.Sprintf("request=%d", e.ID)
		if err := s.audit.RecordTx(tx, ev); err != nil {
			return err
		}
		if err := anonymiseCase(tx, caseID, now); err != nil {
			return err
		}
		ev = actor.Event("case.anonymise", "case", fmt.Sprint(caseID))
		ev.Details = fmt.Sprintf("reason=erasure request=%d", e.ID)
		return s.audit.RecordTx(tx, ev)
	})
}

// AnonymiseCases anonymises the given cases now, batch cases per transaction, each
// audited (an operator's tool, the anonymised backup and the tests; people go through
// an erasure request or the policy). It returns how many were anonymised; cases
// already anonymised are skipped.
func (s *RetentionStore) AnonymiseCases(ctx context.Context, actor Actor, ids []uint, batch int, reason string) (int, error) {
	if batch <= 0 {
		batch = DefaultRetentionBatch
	}
	done := 0
	for start := 0; start < len(ids); start += batch {
		part := ids[start:min(start+batch, len(ids))]
		n := 0
		err := s.db.Tx(ctx, func(tx *gorm.DB) error {
			now := s.now().UTC()
			for _, id := range part {
				err := anonymiseCase(tx, id, now)
				if errors.Is(err, ErrAnonymised) {
					continue
				}
				if err != nil {
					return err
				}
				n++
				ev := actor.Event("case.anonymise", "case", fmt.Sprint(id))
				ev.Details = "reason=" + reason
				if err := s.audit.RecordTx(tx, ev); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return done, err
		}
		done += n
	}
	return done, nil
}
