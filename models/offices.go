package models

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"gorm.io/gorm"
)

// OfficeStore manages the agency's offices.
type OfficeStore struct {
	db    *DB
	audit *AuditStore
}

// NewOfficeStore builds the store.
func NewOfficeStore(db *DB, audit *AuditStore) *OfficeStore {
	return &OfficeStore{db: db, audit: audit}
}

var officeCodePattern = regexp.MustCompile(`^[A-Z]{3}$`)

// IsOfficeCode reports whether s has the shape of an office code (three capitals).
func IsOfficeCode(s string) bool { return officeCodePattern.MatchString(s) }

// OfficeInput is what can be set on an office.
type OfficeInput struct {
	Code, Name, City string
}

// Validate checks the input and returns errors keyed by form field.
func (in *OfficeInput) Validate() FieldErrors {
	fe := FieldErrors{}
	in.Code = strings.ToUpper(strings.TrimSpace(in.Code))
	in.Name = strings.TrimSpace(in.Name)
	in.City = strings.TrimSpace(in.City)
	if !officeCodePattern.MatchString(in.Code) {
		fe.Add("code", "error.office_code")
	}
	checkText(fe, "name", in.Name, true)
	checkText(fe, "city", in.City, true)
	return fe
}

// Create adds an office.
func (s *OfficeStore) Create(ctx context.Context, actor Actor, in OfficeInput) (*Office, error) {
	if err := in.Validate().Err(); err != nil {
		return nil, err
	}
	o := &Office{Code: in.Code, Name: in.Name, City: in.City}
	err := s.db.Tx(ctx, func(tx *gorm.DB) error {
		var n int64
		if err := tx.Model(&Office{}).Where("code = ?", in.Code).Count(&n).Error; err != nil {
			return err
		}
		if n > 0 {
			return FieldErrors{"code": "error.office_code_taken"}.Err()
		}
		if err := tx.Create(o).Error; err != nil {
			return fmt.Errorf("create office: %w", err)
		}
		ev := actor.Event("office.create", "office", fmt.Sprint(o.ID))
		ev.Fields = "code,name,city"
		return s.audit.RecordTx(tx, ev)
	})
	if err != nil {
		return nil, err
	}
	return o, nil
}

// List returns every office by code.
func (s *OfficeStore) List(ctx context.Context) ([]Office, error) {
	var out []Office
	if err := s.db.Read.WithContext(ctx).Order("code").Find(&out).Error; err != nil {
		return nil, fmt.Errorf("list offices: %w", err)
	}
	return out, nil
}

// Get loads one office.
func (s *OfficeStore) Get(ctx context.Context, id uint) (*Office, error) {
	var o Office
	err := s.db.Read.WithContext(ctx).First(&o, id).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, ErrNotFound
	}
	return &o, err
}

// ByCode loads one office by its code.
func (s *OfficeStore) ByCode(ctx context.Context, code string) (*Office, error) {
	var o Office
	err := s.db.Read.WithContext(ctx).Where("code = ?", strings.ToUpper(code)).First(&o).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, ErrNotFound
	}
	return &o, err
}

// Stores gathers every store, built once in main and handed to the handlers.
type Stores struct {
	DB       *DB
	Now      func() time.Time
	Audit    *AuditStore
	Users    *UserStore
	Sessions *SessionStore
	Offices  *OfficeStore
	Cases    *CaseStore
	// Casework on a case: support, activities, group sessions and referrals.
	Support       *SupportStore
	Activities    *ActivityStore
	GroupSessions *GroupSessionStore
	Referrals     *ReferralStore
	// Monitoring is the instrument's versions and the scored monitoring visits.
	Monitoring *MonitoringStore
	Summary    *SummaryStore
	Exports    *ExportStore
	Imports    *ImportStore
	Documents  *DocumentStore
	Retention  *RetentionStore
}

// NewStores builds every store over one database and clock.
func NewStores(db *DB, now func() time.Time, argon Argon2Params) *Stores {
	audit := NewAuditStore(db, now)
	return newStores(db, now, audit, NewUserStore(db, now, argon, audit))
}

// Bound returns the stores over s.DB.Bound(tx), for a bulk load that runs many store
// calls in one transaction (see DB.Bound). They keep the clock and the user store's
// password settings: building a user store hashes a password (its stand-in hash for
// unknown emails), which at the demo's thousands of transactions was a third of a
// large load's time.
func (s *Stores) Bound(tx *gorm.DB) *Stores {
	db := s.DB.Bound(tx)
	audit := NewAuditStore(db, s.Now)
	users := *s.Users
	users.db, users.audit = db, audit
	return newStores(db, s.Now, audit, &users)
}

func newStores(db *DB, now func() time.Time, audit *AuditStore, users *UserStore) *Stores {
	return &Stores{
		DB:       db,
		Now:      now,
		Audit:    audit,
		Users:    users,
		Sessions: NewSessionStore(db, now),
		Offices:  NewOfficeStore(db, audit),
		Cases:    NewCaseStore(db, now, audit),

		Support:       NewSupportStore(db, now, audit),
		Activities:    NewActivityStore(db, now, audit),
		GroupSessions: NewGroupSessionStore(db, now, audit),
		Referrals:     NewReferralStore(db, now, audit),
		Monitoring:    NewMonitoringStore(db, now, audit),
		Summary:       NewSummaryStore(db),
		Exports:       NewExportStore(db, audit),
		Imports:       NewImportStore(db, now, audit),
		Documents:     NewDocumentStore(db, now, audit, DefaultDocumentLimits()),
		Retention:     NewRetentionStore(db, now, audit),
	}
}
