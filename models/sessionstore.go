package models

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"
)

// GroupSessionStore keeps an office's information sessions and trainings and their
// attendance lists.
type GroupSessionStore struct {
	db    *DB
	now   func() time.Time
	audit *AuditStore
}

// NewGroupSessionStore builds the store.
func NewGroupSessionStore(db *DB, now func() time.Time, audit *AuditStore) *GroupSessionStore {
	return &GroupSessionStore{db: db, now: now, audit: audit}
}

// SessionInput is the new session form. Office is an office id, chosen only by users
// who see all offices; others create sessions of their own office.
type SessionInput struct {
	Kind, Title, Date, Place, Facilitator string
	Office                                uint

	date Date
}

// Validate checks the input on its own.
func (in *SessionInput) Validate() FieldErrors {
	fe := FieldErrors{}
	in.Title = strings.TrimSpace(in.Title)
	in.Place = strings.TrimSpace(in.Place)
	in.Facilitator = strings.TrimSpace(in.Facilitator)
	if !cwOneOf(SessionKind(in.Kind), SessionKinds) {
		fe.Add("kind", "error.choose_value")
	}
	checkText(fe, "title", in.Title, true)
	checkText(fe, "place", in.Place, true)
	checkText(fe, "facilitator", in.Facilitator, true)
	in.date = cwRequireDate(fe, "date", in.Date)
	return fe
}

// Create adds a session in the user's office, or in the chosen one for all-offices users.
func (s *GroupSessionStore) Create(ctx context.Context, a Actor, scope Scope, in SessionInput) (*GroupSession, error) {
	if err := cwCanWrite(a); err != nil {
		return nil, err
	}
	fe := in.Validate()
	office := in.Office
	if scope.OfficeID != nil {
		office = *scope.OfficeID
	}
	gs := &GroupSession{OfficeID: office, Kind: SessionKind(in.Kind), Title: in.Title, Date: in.date, Place: in.Place,
		Facilitator: in.Facilitator, CreatedByID: a.User.ID, CreatedAt: s.now().UTC(), UpdatedAt: s.now().UTC()}
	err := s.db.Tx(ctx, func(tx *gorm.DB) error {
		var n int64
		if office != 0 {
			if err := tx.Model(&Office{}).Where("id = ?", office).Count(&n).Error; err != nil {
				return fmt.Errorf("check office: %w", err)
			}
		}
		if n == 0 {
			fe.Add("office", "error.office_unknown")
		}
		if err := fe.Err(); err != nil {
			return err
		}
		if err := tx.Create(gs).Error; err != nil {
			return fmt.Errorf("create session: %w", err)
		}
		ev := a.Event("session.create", "session", fmt.Sprint(gs.ID))
		ev.Fields = "kind,title,date,place,facilitator,office_id"
		return s.audit.RecordTx(tx, ev)
	})
	if err != nil {
		return nil, err
	}
	return gs, nil
}

// Get loads a session in scope with its office.
func (s *GroupSessionStore) Get(ctx context.Context, scope Scope, id uint) (*GroupSession, error) {
	var gs GroupSession
	err := scope.Where(s.db.Read.WithContext(ctx).Preload("Office").Where("id = ?", id), "office_id").Take(&gs).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("load session %d: %w", id, err)
	}
	return &gs, nil
}

// SessionRow is a session in a list, with its attendance counted by the database.
type SessionRow struct {
	ID          uint
	OfficeCode  string
	Kind        SessionKind
	Title       string
	Date        Date
	Place       string
	Facilitator string
	Attendees   int64
}

// SessionFilter selects sessions.
type SessionFilter struct {
	From, To Date
	Page     int
	PerPage  int
}

// List returns sessions in scope, newest first, a page at a time, with the total.
func (s *GroupSessionStore) List(ctx context.Context, scope Scope, f SessionFilter) ([]SessionRow, int64, error) {
	q := s.db.Read.WithContext(ctx).Table("group_sessions AS g").Joins("JOIN offices AS o ON o.id = g.office_id")
	q = scope.Where(q, "g.office_id")
	if !f.From.IsZero() {
		q = q.Where("g.date >= ?", f.From)
	}
	if !f.To.IsZero() {
		q = q.Where("g.date <= ?", f.To)
	}
	var total int64
	if err := q.Count(&total).Error; err != nil {
		return nil, 0, fmt.Errorf("count sessions: %w", err)
	}
	per := f.PerPage
	if per <= 0 {
		per = 50
	}
	page := max(f.Page, 1)
	var out []SessionRow
	err := q.Select("g.id, o.code AS office_code, g.kind, g.title, g.date, g.place, g.facilitator, " +
		"(SELECT COUNT(*) FROM session_attendances AS sa WHERE sa.session_id = g.id) AS attendees").
		Order("g.date DESC, g.id DESC").Limit(per).Offset((page - 1) * per).Scan(&out).Error
	if err != nil {
		return nil, 0, fmt.Errorf("list sessions: %w", err)
	}
	return out, total, nil
}

// Attendee is a case on a session's attendance list.
type Attendee struct {
	CaseID      uint
	CaseNumber  string
	FamilyName  string
	GivenName   string
	AddedByName string
}

// Attendees lists a session's attendance by case number.
func (s *GroupSessionStore) Attendees(ctx context.Context, scope Scope, id uint) ([]Attendee, error) {
	if _, err := s.Get(ctx, scope, id); err != nil {
		return nil, err
	}
	var out []Attendee
	err := s.db.Read.WithContext(ctx).Table("session_attendances AS sa").
		Joins("JOIN cases AS c ON c.id = sa.case_id").Joins("JOIN users AS u ON u.id = sa.added_by_id").
		Where("sa.session_id = ?", id).
		Select("c.id AS case_id, c.case_number, c.family_name, c.given_name, u.name AS added_by_name").
		Order("c.case_number").Scan(&out).Error
	if err != nil {
		return nil, fmt.Errorf("list attendance of session %d: %w", id, err)
	}
	return out, nil
}

// AttendanceProblem is one case number that cannot be added, with the message key.
type AttendanceProblem struct {
	Number string
	Key    string
}

// AttendanceError lists every case number refused; nothing was added.
type AttendanceError struct{ Problems []AttendanceProblem }

func (e *AttendanceError) Error() string {
	return fmt.Sprintf("%d case numbers refused", len(e.Problems))
}

// SplitCaseNumbers reads case numbers typed one per line, or separated by commas,
// semicolons or spaces, in upper case.
func SplitCaseNumbers(values ...string) []string {
	var out []string
	for _, v := range values {
		for _, f := range strings.FieldsFunc(v, func(r rune) bool {
			return r == ',' || r == ';' || r == '\n' || r == '\r' || r == ' ' || r == '\t'
		}) {
			out = append(out, strings.ToUpper(strings.TrimSpace(f)))
		}
	}
	return out
}

// AddAttendance adds cases to a session by case number, all or nothing. A number that
// is unknown, outside the user's scope or of another office than the session's, one
// given twice and one already on the list are each refused by name.
func (s *GroupSessionStore) AddAttendance(ctx context.Context, a Actor, scope Scope, sessionID uint, numbers []string) (int, error) {
	if err := cwCanWrite(a); err != nil {
		return 0, err
	}
	if len(numbers) == 0 {
		return 0, FieldErrors{"case_number": "error.required"}.Err()
	}
	var added int
	err := s.db.Tx(ctx, func(tx *gorm.DB) error {
		var gs GroupSession
		err := scope.Where(tx.Where("id = ?", sessionID), "office_id").Take(&gs).Error
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return ErrNotFound
		}
		if err != nil {
			return fmt.Errorf("load session %d: %w", sessionID, err)
		}
		type found struct {
			ID         uint
			CaseNumber string
			OfficeID   uint
			Attending  bool
		}
		// The cases are read by number alone and those of another office left out here:
		// with the office in the query too, SQLite (which keeps no statistics) read a
		// list of more than ten numbers through the office's index, every case of the
		// office, instead of looking up each number. The session is in the user's scope,
		// so a case of its office is too.
		var rows []found
		q := tx.Table("cases AS c").Where("c.case_number IN ?", numbers).
			Select("c.id, c.case_number, c.office_id, EXISTS (SELECT 1 FROM session_attendances AS sa WHERE sa.session_id = ? AND sa.case_id = c.id) AS attending", gs.ID)
		if err := q.Scan(&rows).Error; err != nil {
			return fmt.Errorf("find cases by number: %w", err)
		}
		byNumber := map[string]found{}
		for _, r := range rows {
			if r.OfficeID == gs.OfficeID {
				byNumber[r.CaseNumber] = r
			}
		}
		var problems []AttendanceProblem
		seen := map[string]bool{}
		var ids []uint
		for _, n := range numbers {
			r, ok := byNumber[n]
			switch {
			case seen[n]:
				problems = append(problems, AttendanceProblem{n, "casework.error.attendance_twice"})
			case !ok:
				problems = append(problems, AttendanceProblem{n, "casework.error.attendance_unknown"})
			case r.Attending:
				problems = append(problems, AttendanceProblem{n, "casework.error.attendance_already"})
			default:
				ids = append(ids, r.ID)
			}
			seen[n] = true
		}
		if len(problems) > 0 {
			return &AttendanceError{Problems: problems}
		}
		now := s.now().UTC()
		for _, id := range ids {
			if err := tx.Create(&Attendance{SessionID: gs.ID, CaseID: id, AddedByID: a.User.ID, CreatedAt: now}).Error; err != nil {
				return fmt.Errorf("add attendance: %w", err)
			}
		}
		added = len(ids)
		ev := a.Event("session.attendance_add", "session", fmt.Sprint(gs.ID))
		ev.Fields = "attendance"
		ev.Details = fmt.Sprintf("added=%d", added)
		return s.audit.RecordTx(tx, ev)
	})
	return added, err
}

// RemoveAttendance takes a case off a session's list.
func (s *GroupSessionStore) RemoveAttendance(ctx context.Context, a Actor, scope Scope, sessionID, caseID uint) error {
	if err := cwCanWrite(a); err != nil {
		return err
	}
	return s.db.Tx(ctx, func(tx *gorm.DB) error {
		var n int64
		if err := scope.Where(tx.Model(&GroupSession{}).Where("id = ?", sessionID), "office_id").Count(&n).Error; err != nil {
			return fmt.Errorf("load session %d: %w", sessionID, err)
		}
		if n == 0 {
			return ErrNotFound
		}
		res := tx.Where("session_id = ? AND case_id = ?", sessionID, caseID).Delete(&Attendance{})
		if res.Error != nil {
			return fmt.Errorf("remove attendance: %w", res.Error)
		}
		if res.RowsAffected == 0 {
			return ErrNotFound
		}
		ev := a.Event("session.attendance_remove", "session", fmt.Sprint(sessionID))
		ev.Fields = "attendance"
		return s.audit.RecordTx(tx, ev)
	})
}

// AttendedSession is a session a case attended, with who put it on the list.
type AttendedSession struct {
	SessionID   uint
	Kind        SessionKind
	Title       string
	Date        Date
	Place       string
	AddedByName string
}

// ForCase lists the sessions a case in scope attended, newest first.
func (s *GroupSessionStore) ForCase(ctx context.Context, scope Scope, caseID uint) ([]AttendedSession, error) {
	db := s.db.Read.WithContext(ctx)
	if err := caseVisible(db, scope, caseID); err != nil {
		return nil, err
	}
	return sessionsOfCase(db, caseID)
}

// CountBetween counts sessions in scope dated from..to inclusive (this week's sessions).
func (s *GroupSessionStore) CountBetween(ctx context.Context, scope Scope, from, to Date) (int64, error) {
	// Written as SQL: every caseworker's and supervisor's home counts this week's
	// sessions, and gorm's building was most of the count's time.
	cond, args := homeScope(scope, "office_id", "", 0)
	var n int64
	err := s.db.Read.WithContext(ctx).Raw("SELECT COUNT(*) FROM group_sessions WHERE date >= ? AND date <= ?"+cond,
		append([]any{from, to}, args...)...).Row().Scan(&n)
	return n, err
}
