package models

import "time"

// SessionKind is a kind of group event.
type SessionKind string

const (
	InfoSession     SessionKind = "info_session"
	TrainingSession SessionKind = "training"
)

// SessionKinds lists every kind in form order.
var SessionKinds = []SessionKind{InfoSession, TrainingSession}

// GroupSession is an information session or a training held by an office
// (called "session" in the routes; GroupSession here to keep it apart from sign-in sessions).
type GroupSession struct {
	ID          uint
	OfficeID    uint
	Office      *Office
	Kind        SessionKind
	Title       string
	Date        Date
	Place       string
	Facilitator string
	CreatedByID uint
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// Attendance records that a case's principal attended a group session.
type Attendance struct {
	SessionID uint `gorm:"primaryKey;autoIncrement:false"`
	CaseID    uint `gorm:"primaryKey;autoIncrement:false"`
	AddedByID uint
	CreatedAt time.Time
}

// TableName keeps the table name explicit.
func (Attendance) TableName() string { return "session_attendances" }
