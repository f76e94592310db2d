package models

import (
	"context"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"
)

// MonitoringModes are how a monitoring visit happens.
var MonitoringModes = []string{"in_person", "phone"}

// MonitoringInterval is how often a case in reintegration should get a monitoring
// visit; a case without one for longer is "monitoring due".
const MonitoringInterval = 90

// ActivityStore records counselling, psychosocial support and monitoring visits.
type ActivityStore struct {
	db    *DB
	now   func() time.Time
	audit *AuditStore
}

// NewActivityStore builds the store.
func NewActivityStore(db *DB, now func() time.Time, audit *AuditStore) *ActivityStore {
	return &ActivityStore{db: db, now: now, audit: audit}
}

// ActivityInput is the activity form.
type ActivityInput struct {
	Kind, Mode, Date, Note string

	date Date
}

// Validate checks the input: a monitoring visit says how it happened; nothing is
// recorded in the future.
func (in *ActivityInput) Validate(today Date) FieldErrors {
	fe := FieldErrors{}
	in.Note = strings.TrimSpace(in.Note)
	if !cwOneOf(ActivityKind(in.Kind), ActivityKinds) {
		fe.Add("kind", "error.choose_value")
	}
	if in.Kind == "monitoring" {
		if !cwOneOf(in.Mode, MonitoringModes) {
			fe.Add("mode", "casework.error.mode_required")
		}
	} else {
		in.Mode = ""
	}
	in.date = cwRequireDate(fe, "date", in.Date)
	if !in.date.IsZero() && in.date.After(today) {
		fe.Add("date", "casework.error.date_future")
	}
	checkText(fe, "note", in.Note, false)
	return fe
}

// Record adds an activity to a case in scope.
func (s *ActivityStore) Record(ctx context.Context, a Actor, scope Scope, caseID uint, in ActivityInput) (*Activity, error) {
	if err := cwCanWrite(a); err != nil {
		return nil, err
	}
	if err := in.Validate(DateOf(s.now())).Err(); err != nil {
		return nil, err
	}
	act := &Activity{CaseID: caseID, Kind: ActivityKind(in.Kind), Mode: in.Mode, Date: in.date, Note: in.Note, CreatedByID: a.User.ID,
		CreatedAt: s.now().UTC()}
	err := s.db.Tx(ctx, func(tx *gorm.DB) error {
		if _, err := caseForWrite(tx, scope, caseID); err != nil {
			return err
		}
		if err := tx.Create(act).Error; err != nil {
			return fmt.Errorf("record activity: %w", err)
		}
		ev := a.Event("activity.create", "activity", fmt.Sprint(act.ID))
		ev.Fields = "kind,mode,date,note"
		return s.audit.RecordTx(tx, ev)
	})
	if err != nil {
		return nil, err
	}
	return act, nil
}

// ForCase lists a case's activities, newest first, with who recorded them.
func (s *ActivityStore) ForCase(ctx context.Context, scope Scope, caseID uint) ([]Activity, error) {
	db := s.db.Read.WithContext(ctx)
	if err := caseVisible(db, scope, caseID); err != nil {
		return nil, err
	}
	return activitiesOfCase(db, caseID)
}

// CountMonitoringDue counts cases in reintegration, in scope, whose last monitoring
// visit is older than MonitoringInterval days on the given day (or that never had one).
func (s *ActivityStore) CountMonitoringDue(ctx context.Context, scope Scope, today Date) (int64, error) {
	cutoff := today.AddDays(-MonitoringInterval)
	recent := s.db.Read.Table("activities AS a").Select("1").
		Where("a.case_id = c.id AND a.kind = ? AND a.date > ?", "monitoring", cutoff)
	q := s.db.Read.WithContext(ctx).Table("cases AS c").Where("c.status = ?", StatusReintegration).
		Where("NOT EXISTS (?)", recent)
	var n int64
	err := scope.Where(q, "c.office_id").Count(&n).Error
	return n, err
}
