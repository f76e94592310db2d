package models

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"strings"

	"gorm.io/gorm"
)

// A recorded visit can be corrected (a wrong date, a misheard answer) while its case is
// open. The correction is scored again with the visit's own instrument version, never
// the current one: a visit recorded under version 1 stays comparable with the other
// version 1 visits, whatever was published since.

// VisitEdit is a recorded visit as its correction form needs it.
type VisitEdit struct {
	Visit      Visit
	CaseNumber string
	// Answers are the stored answers by question code.
	Answers map[string]string
	// Instrument is the version the visit was scored with.
	Instrument *InstrumentVersion
	// ReadOnly is ErrCaseClosed or ErrAnonymised when the case no longer takes
	// corrections, else nil.
	ReadOnly error
}

// Input is the visit as a form's values.
func (e *VisitEdit) Input() VisitInput {
	return VisitInput{Kind: e.Visit.Kind, Date: e.Visit.Date.String(), Method: e.Visit.Method, Notes: e.Visit.Notes,
		Interviewer: e.Visit.Interviewer, InstrumentVersion: e.Visit.InstrumentVersion, Answers: maps.Clone(e.Answers)}
}

// VisitConflictError is a correction made from a version of the visit that someone has
// changed since: Changed names the fields they changed, Current is the visit now.
type VisitConflictError struct {
	Current *Visit
	Changed []string
}

func (e *VisitConflictError) Error() string { return "visit edited by someone else meanwhile" }

// Is makes errors.Is(err, ErrConflict) true.
func (e *VisitConflictError) Is(target error) bool { return target == ErrConflict }

// VisitFieldOrder is the order the fields of a visit are named in (audit, conflict).
var VisitFieldOrder = []string{"date", "method", "interviewer", "answers", "notes"}

// instrumentByVersion loads one published version with its definition parsed.
func instrumentByVersion(tx *gorm.DB, version int) (*InstrumentVersion, error) {
	var iv InstrumentVersion
	err := tx.Where("version = ?", version).Take(&iv).Error
	if err != nil {
		return nil, fmt.Errorf("load instrument version %d: %w", version, err)
	}
	return &iv, iv.parse()
}

// loadVisit loads a visit of a case; another case's visit is not found.
func loadVisit(tx *gorm.DB, caseID, visitID uint) (*Visit, error) {
	var v Visit
	err := tx.Where("id = ? AND case_id = ?", visitID, caseID).Take(&v).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("load visit %d: %w", visitID, err)
	}
	return &v, nil
}

func loadAnswers(tx *gorm.DB, visitID uint) (map[string]string, error) {
	var rows []VisitAnswer
	if err := tx.Where("visit_id = ?", visitID).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("load answers: %w", err)
	}
	out := map[string]string{}
	for _, r := range rows {
		out[r.Question] = r.Answer
	}
	return out, nil
}

// checkEditable refuses casework on a case that is closed or anonymised.
func checkEditable(tx *gorm.DB, scope Scope, caseID uint) (*Case, error) {
	cs, err := caseForWrite(tx, scope, caseID)
	if err != nil {
		return nil, err
	}
	if cs.AnonymisedAt != nil {
		return nil, ErrAnonymised
	}
	return cs, nil
}

// VisitForEdit loads a visit of a case in scope, with its answers and its version of
// the instrument, for the correction form.
func (s *MonitoringStore) VisitForEdit(ctx context.Context, scope Scope, caseID, visitID uint) (*VisitEdit, error) {
	db := s.db.Read.WithContext(ctx)
	cs, err := caseInScope(db, scope, caseID)
	if err != nil {
		return nil, err
	}
	v, err := loadVisit(db, cs.ID, visitID)
	if err != nil {
		return nil, err
	}
	e := &VisitEdit{Visit: *v, CaseNumber: cs.CaseNumber}
	if _, err := checkEditable(db, scope, cs.ID); errors.Is(err, ErrCaseClosed) || errors.Is(err, ErrAnonymised) {
		e.ReadOnly = err
	} else if err != nil {
		return nil, err
	}
	if e.Answers, err = loadAnswers(db, v.ID); err != nil {
		return nil, err
	}
	if e.Instrument, err = instrumentByVersion(db, v.InstrumentVersion); err != nil {
		return nil, err
	}
	return e, nil
}

// UpdateVisit saves a correction of a visit made from version: date, method,
// interviewer, answers and notes (the kind stays). The scores are computed again with
// the visit's own instrument version. A correction from a stale version writes nothing
// and returns a *VisitConflictError; a closed or anonymised case is read-only.
func (s *MonitoringStore) UpdateVisit(ctx context.Context, a Actor, scope Scope, caseID, visitID uint, version int, in VisitInput) (*Visit, error) {
	if err := cwCanWrite(a); err != nil {
		return nil, err
	}
	var out *Visit
	err := s.db.Tx(ctx, func(tx *gorm.DB) error {
		cs, err := checkEditable(tx, scope, caseID)
		if err != nil {
			return err
		}
		v, err := loadVisit(tx, cs.ID, visitID)
		if err != nil {
			return err
		}
		iv, err := instrumentByVersion(tx, v.InstrumentVersion)
		if err != nil {
			return err
		}
		in.Kind, in.InstrumentVersion = v.Kind, v.InstrumentVersion
		fe := in.Validate(DateOf(s.now()), iv)
		if v.Kind == "followup" && !in.date.IsZero() {
			ret, err := caseReturnDate(tx, cs)
			if err != nil {
				return fmt.Errorf("return date: %w", err)
			}
			if in.date.Before(ret) {
				fe.Add("date", "monitoring.error.followup_before_return")
			}
		}
		if err := fe.Err(); err != nil {
			return err
		}
		if v.Version != version {
			return visitConflict(tx, v, version)
		}
		old, err := loadAnswers(tx, v.ID)
		if err != nil {
			return err
		}
		changed := visitChanges(v, old, &in, iv.Instrument)
		if len(changed) == 0 {
			out = v
			return nil
		}
		sc, err := iv.Instrument.Score(in.Answers)
		if err != nil {
			return err
		}
		now := s.now().UTC()
		band := iv.Instrument.Band(sc.Composite)
		res := tx.Model(&Visit{}).Where("id = ? AND version = ?", v.ID, version).Updates(map[string]any{
			"date": in.date, "method": in.Method, "interviewer": in.Interviewer, "notes": in.Notes,
			"composite": sc.Composite, "band": band, "version": version + 1, "updated_at": now,
		})
		if res.Error != nil {
			return fmt.Errorf("update visit: %w", res.Error)
		}
		if res.RowsAffected == 0 {
			return visitConflict(tx, v, version)
		}
		for _, tbl := range []string{"monitoring_answers", "monitoring_scores"} {
			if err := tx.Exec("DELETE FROM "+tbl+" WHERE visit_id = ?", v.ID).Error; err != nil {
				return fmt.Errorf("replace %s: %w", tbl, err)
			}
		}
		v.Date, v.Method, v.Interviewer, v.Notes = in.date, in.Method, in.Interviewer, in.Notes
		v.Composite, v.Band, v.Version, v.UpdatedAt = sc.Composite, band, version+1, &now
		v.Dimensions, v.Indicators = sc.Dimensions, sc.Indicators
		if err := saveVisitRows(tx, v, iv.Instrument, in.Answers, sc); err != nil {
			return err
		}
		// Field names only: the answers and notes are the person's.
		ev := a.Event("monitoring.visit.update", "monitoring_visit", fmt.Sprint(v.ID))
		ev.Fields = strings.Join(changed, ",")
		ev.Details = fmt.Sprintf("version=%d case=%d instrument_version=%d", v.Version, cs.ID, iv.Version)
		out = v
		return s.audit.RecordTx(tx, ev)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// visitChanges names the fields a correction changes, in VisitFieldOrder.
func visitChanges(v *Visit, old map[string]string, in *VisitInput, ins *Instrument) []string {
	var out []string
	if in.date.String() != v.Date.String() {
		out = append(out, "date")
	}
	if in.Method != v.Method {
		out = append(out, "method")
	}
	if in.Interviewer != v.Interviewer {
		out = append(out, "interviewer")
	}
	for _, q := range ins.Questions() {
		if strings.TrimSpace(in.Answers[q.Code]) != old[q.Code] {
			out = append(out, "answers")
			break
		}
	}
	if in.Notes != v.Notes {
		out = append(out, "notes")
	}
	return out
}

// visitConflict builds the error for a correction from an old version: the fields named
// by the corrections saved since.
func visitConflict(tx *gorm.DB, cur *Visit, from int) error {
	changed, err := fieldsChangedSince(tx, "monitoring_visit", cur.ID, []string{"monitoring.visit.update"}, from, VisitFieldOrder)
	if err != nil {
		return err
	}
	return &VisitConflictError{Current: cur, Changed: changed}
}
