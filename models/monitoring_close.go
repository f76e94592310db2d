package models

import (
	"context"
	"errors"
	"fmt"

	"gorm.io/gorm"
)

// ErrFollowupsMissing refuses to close a case as completed while follow-ups the
// schedule plans have not been done.
var ErrFollowupsMissing = errors.New("planned follow-ups not done")

// ErrNotInReintegration refuses to close as completed a case that is not in reintegration.
var ErrNotInReintegration = errors.New("case not in reintegration")

// ClosureCompleted is the closure reason of a reintegration brought to its end.
const ClosureCompleted = "reintegration_completed"

// FollowupsComplete reports whether a case has done every follow-up the current
// instrument's schedule plans (the k-th follow-up recorded counts as the k-th planned,
// as on the case file).
func followupsComplete(tx *gorm.DB, caseID uint) (bool, error) {
	months := DefaultScheduleMonths
	iv, err := latestInstrument(tx)
	switch {
	case err == nil:
		months = iv.Instrument.Schedule()
	case !errors.Is(err, ErrNotFound):
		return false, err
	}
	var done int64
	if err := tx.Model(&Visit{}).Where("case_id = ? AND kind = ?", caseID, "followup").Count(&done).Error; err != nil {
		return false, fmt.Errorf("count follow-ups: %w", err)
	}
	return done >= int64(len(months)), nil
}

// CloseCompleted closes a case in reintegration, in scope, as reintegration completed,
// through the workflow (supervisors only, the version the user saw, a status change and
// its audit event). It is refused with ErrNotInReintegration before reintegration and
// ErrFollowupsMissing while the last planned follow-up is not done.
func (s *CaseStore) CloseCompleted(ctx context.Context, actor Actor, sc Scope, id uint, version int, note string) (*Case, error) {
	var out *Case
	err := s.db.Tx(ctx, func(tx *gorm.DB) error {
		cs, err := s.get(tx, sc, id, false)
		if err != nil {
			return err
		}
		if cs.Status != StatusReintegration {
			return ErrNotInReintegration
		}
		ok, err := followupsComplete(tx, cs.ID)
		if err != nil {
			return err
		}
		if !ok {
			return ErrFollowupsMissing
		}
		in := TransitionInput{To: string(StatusClosed), Reason: ClosureCompleted, Note: note, Version: version}
		if err := s.Transition(tx, actor, cs, in); err != nil {
			return err
		}
		out = cs
		return nil
	})
	return out, err
}
