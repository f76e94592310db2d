package models

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"
)

// AuditEvent is an append-only record of who did what, when and from where. It names
// the fields that changed, never their values.
type AuditEvent struct {
	ID         uint
	At         time.Time
	UserID     *uint
	UserEmail  string
	IP         string
	Action     string
	RecordType string
	RecordID   string
	// Fields is a comma-separated list of the names of the fields that changed.
	Fields string
	// Details holds non-personal context, such as an export's filters and row count.
	Details string
}

// Actor is who does something, for the audit log: the user (nil when anonymous) and
// the client address.
type Actor struct {
	User *User
	IP   string
}

// Event starts an audit event for this actor.
func (a Actor) Event(action, recordType, recordID string) AuditEvent {
	ev := AuditEvent{IP: a.IP, Action: action, RecordType: recordType, RecordID: recordID}
	if a.User != nil {
		id := a.User.ID
		ev.UserID = &id
		ev.UserEmail = a.User.Email
	}
	return ev
}

// AuditStore writes and reads the audit log. It has no update or delete method.
type AuditStore struct {
	db  *DB
	now func() time.Time
}

// NewAuditStore builds the store.
func NewAuditStore(db *DB, now func() time.Time) *AuditStore { return &AuditStore{db: db, now: now} }

// Record appends one event on its own.
func (s *AuditStore) Record(ctx context.Context, ev AuditEvent) error {
	return s.RecordTx(s.db.Write.WithContext(ctx), ev)
}

// RecordTx appends one event inside a caller's transaction, so the event and the
// change it describes are saved together or not at all.
func (s *AuditStore) RecordTx(tx *gorm.DB, ev AuditEvent) error {
	if ev.At.IsZero() {
		ev.At = s.now().UTC()
	}
	if err := tx.Create(&ev).Error; err != nil {
		return fmt.Errorf("record audit event %s: %w", ev.Action, err)
	}
	return nil
}

// AuditFilter selects audit events.
type AuditFilter struct {
	UserID     *uint
	Action     string
	RecordType string
	RecordID   string
	From, To   time.Time
	Page       int
	PerPage    int
}

// List returns events newest first, one page at a time, and the total count.
func (s *AuditStore) List(ctx context.Context, f AuditFilter) ([]AuditEvent, int64, error) {
	q := s.db.Read.WithContext(ctx).Model(&AuditEvent{})
	if f.UserID != nil {
		q = q.Where("user_id = ?", *f.UserID)
	}
	if f.Action != "" {
		q = q.Where("action = ?", f.Action)
	}
	if f.RecordType != "" {
		q = q.Where("record_type = ?", f.RecordType)
	}
	if f.RecordID != "" {
		q = q.Where("record_id = ?", f.RecordID)
	}
	if !f.From.IsZero() {
		q = q.Where("at >= ?", f.From)
	}
	if !f.To.IsZero() {
		q = q.Where("at < ?", f.To)
	}
	var total int64
	if err := q.Count(&total).Error; err != nil {
		return nil, 0, fmt.Errorf("count audit events: %w", err)
	}
	per := f.PerPage
	if per <= 0 {
		per = 50
	}
	page := max(f.Page, 1)
	var out []AuditEvent
	if err := q.Order("at DESC, id DESC").Limit(per).Offset((page - 1) * per).Find(&out).Error; err != nil {
		return nil, 0, fmt.Errorf("list audit events: %w", err)
	}
	return out, total, nil
}
