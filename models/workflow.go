package models

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"
)

// Transition is one allowed move of the return workflow.
type Transition struct {
	From, To CaseStatus
	// SupervisorOnly moves are approvals and closures.
	SupervisorOnly bool
}

// Transitions is the workflow graph, as data. Reopening a closed case is apart
// (Reopen): it goes back to the status the case had before it was closed.
var Transitions = []Transition{
	{StatusRegistered, StatusCounselled, false},
	{StatusCounselled, StatusApproved, true},
	{StatusApproved, StatusReturned, false},
	{StatusReturned, StatusReintegration, false},
	{StatusReintegration, StatusClosed, true},
	{StatusRegistered, StatusClosed, true},
	{StatusCounselled, StatusClosed, true},
	{StatusApproved, StatusClosed, true},
	{StatusReturned, StatusClosed, true},
}

// Reopen is the pseudo-target of the form that reopens a closed case.
const Reopen = "reopen"

// findTransition returns the move from one status to another, if the graph has it.
func findTransition(from, to CaseStatus) (Transition, bool) {
	for _, t := range Transitions {
		if t.From == from && t.To == to {
			return t, true
		}
	}
	return Transition{}, false
}

// StepsFor lists the moves a user of a role may make on a case from its status, with
// reopen for supervisors on a closed case unless it is anonymised: its person's details
// are gone for good, and an open case would take them typed back in.
func StepsFor(cs *Case, role Role) []string {
	from := cs.Status
	var out []string
	for _, t := range Transitions {
		if t.From == from && (!t.SupervisorOnly || role == RoleSupervisor) {
			out = append(out, string(t.To))
		}
	}
	if from == StatusClosed && role == RoleSupervisor && cs.AnonymisedAt == nil {
		out = append(out, Reopen)
	}
	return out
}

// ClosureReasonsFrom lists the closure reasons allowed from a status: before the return
// only withdrawn, not eligible and lost contact.
func ClosureReasonsFrom(from CaseStatus) []string {
	switch from {
	case StatusRegistered, StatusCounselled, StatusApproved:
		return closureBeforeReturn
	}
	return ClosureReasons
}

// TransitionInput is the status form: the target, its date and note, the version the
// user saw, and the travel fields for returned or the reason for closed.
type TransitionInput struct {
	To, Date, Reason, Note                  string
	Version                                 int
	DepartureDate, ArrivalDate, TravelRoute string
	Escort, ReceivedBy                      string
}

// Move applies a workflow move to a case in scope, in its own transaction.
func (s *CaseStore) Move(ctx context.Context, actor Actor, sc Scope, id uint, in TransitionInput) (*Case, error) {
	var out *Case
	err := s.db.Tx(ctx, func(tx *gorm.DB) error {
		cs, err := s.get(tx, sc, id, false)
		if err != nil {
			return err
		}
		if err := s.Transition(tx, actor, cs, in); err != nil {
			return err
		}
		out = cs
		return nil
	})
	return out, err
}

// Transition moves a loaded case inside the caller's transaction: it checks the
// graph, the role, the version and the fields, updates the case, records the status
// change and the audit event. A refused move changes nothing and returns a
// *TransitionError, a *ValidationError or a *ConflictError.
func (s *CaseStore) Transition(tx *gorm.DB, actor Actor, cs *Case, in TransitionInput) error {
	if actor.User == nil || !actor.User.CanEditCases() {
		return ErrForbidden
	}
	role := actor.User.Role
	today := s.Today()
	from := cs.Status
	to := CaseStatus(in.To)
	updates := map[string]any{}
	change := StatusChange{CaseID: cs.ID, From: from, UserID: actor.User.ID, Note: strings.TrimSpace(in.Note)}
	fe := FieldErrors{}
	checkText(fe, "note", change.Note, false)
	if in.To == Reopen {
		if from != StatusClosed {
			return &TransitionError{Key: "cases.refused.not_closed"}
		}
		if role != RoleSupervisor {
			return &TransitionError{Key: "cases.refused.reopen_supervisor"}
		}
		if cs.AnonymisedAt != nil {
			return &TransitionError{Key: "cases.refused.anonymised"}
		}
		var last StatusChange
		if err := tx.Where("case_id = ? AND to_status = ?", cs.ID, StatusClosed).Order("id DESC").First(&last).Error; err != nil {
			return fmt.Errorf("find closure: %w", err)
		}
		to = last.From
		if to == "" {
			to = StatusRegistered
		}
		if change.Note == "" {
			fe.Add("note", "cases.error.reopen_reason")
		}
		change.Reason = Reopen
		updates["closure_reason"] = ""
	} else {
		t, ok := findTransition(from, to)
		if !to.Valid() || !ok {
			return &TransitionError{Key: "cases.refused.not_in_graph"}
		}
		if t.SupervisorOnly && role != RoleSupervisor {
			return &TransitionError{Key: "cases.refused.supervisor_only"}
		}
	}
	date := today
	if strings.TrimSpace(in.Date) != "" {
		date = checkDate(fe, "date", in.Date, today, false)
	}
	change.Date = date
	changedFields := []string{"status"}
	switch to {
	case StatusReturned:
		if from == StatusApproved {
			dep, arr := Date{}, Date{}
			if strings.TrimSpace(in.DepartureDate) == "" {
				fe.Add("departure_date", "error.required")
			} else {
				dep = checkDate(fe, "departure_date", in.DepartureDate, today, false)
			}
			if strings.TrimSpace(in.ArrivalDate) != "" {
				arr = checkDate(fe, "arrival_date", in.ArrivalDate, today, false)
				if !arr.IsZero() && !dep.IsZero() && arr.Before(dep) {
					fe.Add("arrival_date", "cases.error.arrival_before_departure")
				}
			}
			escort := in.Escort
			if escort == "" {
				escort = "none"
			}
			if !slices.Contains(Escorts, escort) {
				fe.Add("escort", "error.choose_value")
			}
			checkText(fe, "travel_route", strings.TrimSpace(in.TravelRoute), false)
			checkText(fe, "received_by", strings.TrimSpace(in.ReceivedBy), false)
			updates["departure_date"], updates["arrival_date"] = dep, arr
			updates["travel_route"], updates["escort"] = strings.TrimSpace(in.TravelRoute), escort
			updates["received_by"] = strings.TrimSpace(in.ReceivedBy)
			changedFields = append(changedFields, "departure_date", "arrival_date", "travel_route", "escort", "received_by")
		}
	case StatusClosed:
		if !slices.Contains(ClosureReasonsFrom(from), in.Reason) {
			fe.Add("reason", "cases.error.closure_reason")
		}
		change.Reason = in.Reason
		updates["closure_reason"] = in.Reason
		changedFields = append(changedFields, "closure_reason")
	}
	if err := fe.Err(); err != nil {
		return err
	}
	if in.Version != cs.Version {
		return s.conflict(tx, cs, in.Version)
	}
	change.To = to
	change.CreatedAt = s.now().UTC()
	updates["status"] = to
	updates["version"] = cs.Version + 1
	updates["updated_at"] = s.now().UTC()
	res := tx.Model(&Case{}).Where("id = ? AND version = ?", cs.ID, cs.Version).Updates(updates)
	if res.Error != nil {
		return fmt.Errorf("move case: %w", res.Error)
	}
	if res.RowsAffected == 0 {
		return s.conflict(tx, cs, in.Version)
	}
	if err := tx.Create(&change).Error; err != nil {
		return fmt.Errorf("record status change: %w", err)
	}
	ev := actor.Event("case.status", "case", fmt.Sprint(cs.ID))
	ev.Fields = strings.Join(changedFields, ",")
	ev.Details = fmt.Sprintf("version=%d from=%s to=%s", cs.Version+1, from, to)
	if err := s.audit.RecordTx(tx, ev); err != nil {
		return err
	}
	cs.Status, cs.Version = to, cs.Version+1
	return nil
}

// IsRefused reports whether err is a refused move, and its message key.
func IsRefused(err error) (string, bool) {
	var te *TransitionError
	if errors.As(err, &te) {
		return te.Key, true
	}
	return "", false
}

// Reassignment records one case given to another caseworker, with the reason typed.
type Reassignment struct {
	ID         uint
	CaseID     uint
	FromUserID *uint
	ToUserID   uint
	Reason     string
	UserID     uint
	CreatedAt  time.Time
}

// TableName keeps the table's name short of the model's.
func (Reassignment) TableName() string { return "case_reassignments" }

// ReassignInput moves cases to another caseworker: the listed cases, or every open
// case of FromUser.
type ReassignInput struct {
	CaseIDs  []uint
	FromUser uint
	ToUser   uint
	Reason   string
}

// Reassign gives cases in scope to an active caseworker of the same office, with a
// reason; each case gets its own audit event. It returns how many cases moved.
func (s *CaseStore) Reassign(ctx context.Context, actor Actor, sc Scope, in ReassignInput) (int, error) {
	if actor.User == nil {
		return 0, ErrForbidden
	}
	fe := FieldErrors{}
	in.Reason = strings.TrimSpace(in.Reason)
	if in.ToUser == 0 {
		fe.Add("to_user", "error.required")
	}
	checkText(fe, "reason", in.Reason, true)
	if len(in.CaseIDs) == 0 && in.FromUser == 0 {
		fe.Add("case_id", "cases.error.no_cases")
	}
	if err := fe.Err(); err != nil {
		return 0, err
	}
	moved := 0
	err := s.db.Tx(ctx, func(tx *gorm.DB) error {
		var to User
		err := tx.Where("id = ? AND active = ? AND role = ?", in.ToUser, true, RoleCaseworker).First(&to).Error
		if errors.Is(err, gorm.ErrRecordNotFound) || (err == nil && (to.OfficeID == nil || !sc.Allows(*to.OfficeID))) {
			return FieldErrors{"to_user": "cases.error.assignee"}.Err()
		}
		if err != nil {
			return fmt.Errorf("load caseworker: %w", err)
		}
		q := sc.Where(tx.Model(&Case{}), "cases.office_id")
		if len(in.CaseIDs) > 0 {
			q = q.Where("cases.id IN ?", in.CaseIDs)
		} else {
			q = q.Where("cases.assigned_to_id = ? AND cases.status <> ?", in.FromUser, StatusClosed)
		}
		var cases []Case
		if err := q.Order("cases.id").Find(&cases).Error; err != nil {
			return fmt.Errorf("load cases: %w", err)
		}
		if len(in.CaseIDs) > 0 && len(cases) != len(in.CaseIDs) {
			return ErrNotFound
		}
		for _, cs := range cases {
			if cs.OfficeID != *to.OfficeID {
				return FieldErrors{"to_user": "cases.error.reassign_office"}.Err()
			}
			if cs.Status == StatusClosed {
				return FieldErrors{"case_id": "cases.error.closed_read_only"}.Err()
			}
			if cs.AssignedToID != nil && *cs.AssignedToID == to.ID {
				continue
			}
			res := tx.Model(&Case{}).Where("id = ? AND version = ?", cs.ID, cs.Version).
				Updates(map[string]any{"assigned_to_id": to.ID, "version": cs.Version + 1, "updated_at": s.now().UTC()})
			if res.Error != nil {
				return fmt.Errorf("reassign case: %w", res.Error)
			}
			if res.RowsAffected == 0 {
				return ErrConflict
			}
			ra := Reassignment{CaseID: cs.ID, FromUserID: cs.AssignedToID, ToUserID: to.ID, Reason: in.Reason,
				UserID: actor.User.ID, CreatedAt: s.now().UTC()}
			if err := tx.Create(&ra).Error; err != nil {
				return fmt.Errorf("record reassignment: %w", err)
			}
			// The event names the reassignment; its reason stays on the record.
			ev := actor.Event("case.reassign", "case", fmt.Sprint(cs.ID))
			ev.Fields = "assigned_to"
			ev.Details = fmt.Sprintf("version=%d to_user=%d reassignment=%d", cs.Version+1, to.ID, ra.ID)
			if err := s.audit.RecordTx(tx, ev); err != nil {
				return err
			}
			moved++
		}
		return nil
	})
	return moved, err
}

// Caseworkers lists the active caseworkers and supervisors of an office (or of every
// office in scope), for the assignee and reassignment choices.
func (s *CaseStore) Caseworkers(ctx context.Context, sc Scope, officeID uint, onlyCaseworkers bool) ([]User, error) {
	q := s.db.Read.WithContext(ctx).Table("users").Where("users.active = ?", true)
	roles := []Role{RoleCaseworker, RoleSupervisor}
	if onlyCaseworkers {
		roles = roles[:1]
	}
	q = q.Where("users.role IN ?", roles)
	switch {
	case officeID != 0:
		q = q.Where("users.office_id = ?", officeID)
	case sc.OfficeID != nil:
		q = q.Where("users.office_id = ?", *sc.OfficeID)
	default:
		q = q.Where("users.office_id IS NOT NULL")
	}
	// One query: the office code joined in, only the columns the lists show.
	out, err := collectRows(q.Select("users.id, users.name, users.role, users.office_id, o.code").
		Joins("LEFT JOIN offices o ON o.id = users.office_id").
		Order("users.name, users.id"), func(rows *sql.Rows, u *User) error {
		var code *string
		if err := rows.Scan(&u.ID, &u.Name, &u.Role, &u.OfficeID, &code); err != nil {
			return err
		}
		u.Active = true
		if u.OfficeID != nil && code != nil {
			u.Office = &Office{ID: *u.OfficeID, Code: *code}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list caseworkers: %w", err)
	}
	return out, nil
}

// StageCount is how many open cases stand at one status.
type StageCount struct {
	Status CaseStatus
	Count  int64
}

// OpenByStage counts the open cases in scope by status (of one assignee when given).
func (s *CaseStore) OpenByStage(ctx context.Context, sc Scope, assignedTo uint) ([]StageCount, error) {
	q := sc.Where(s.db.Read.WithContext(ctx).Model(&Case{}), "cases.office_id").Where("cases.status <> ?", StatusClosed)
	if assignedTo != 0 {
		q = q.Where("cases.assigned_to_id = ?", assignedTo)
	}
	var rows []StageCount
	if err := q.Select("cases.status AS status, COUNT(*) AS count").Group("cases.status").Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("count open cases: %w", err)
	}
	slices.SortFunc(rows, func(a, b StageCount) int {
		return slices.Index(CaseStatuses, a.Status) - slices.Index(CaseStatuses, b.Status)
	})
	return rows, nil
}
