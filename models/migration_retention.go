package models

import (
	"fmt"
	"time"

	"gorm.io/gorm"
)

// Frozen structs of 0014_retention.

// m14RetentionPolicy is retention_policies: how many years after a case's last
// activity (its closing or its last follow-up) it is anonymised. office_id 0 is the
// default; a row per office overrides it.
type m14RetentionPolicy struct {
	OfficeID    uint `gorm:"primaryKey;autoIncrement:false"`
	Years       int  `gorm:"not null"`
	UpdatedByID *uint
	UpdatedAt   time.Time
}

func (m14RetentionPolicy) TableName() string { return "retention_policies" }

// m14LegalHold is legal_holds: while a case has a hold without released_at it is never
// anonymised. Released holds stay as the case's history.
type m14LegalHold struct {
	ID           uint      `gorm:"primaryKey"`
	CaseID       uint      `gorm:"not null;index"`
	Reason       string    `gorm:"type:text;not null;default:''"`
	PlacedByID   uint      `gorm:"not null"`
	PlacedAt     time.Time `gorm:"not null"`
	ReleasedByID *uint
	ReleasedAt   *time.Time
}

func (m14LegalHold) TableName() string { return "legal_holds" }

// m14ErasureRequest is erasure_requests: a person's request to have their data
// erased, recorded by one supervisor and approved by another (four eyes).
type m14ErasureRequest struct {
	ID            uint      `gorm:"primaryKey"`
	CaseID        uint      `gorm:"not null;index"`
	Reason        string    `gorm:"type:text;not null;default:''"`
	RequestedByID uint      `gorm:"not null"`
	RequestedAt   time.Time `gorm:"not null"`
	ApprovedByID  *uint
	ApprovedAt    *time.Time
}

func (m14ErasureRequest) TableName() string { return "erasure_requests" }

// migrateRetention adds what retention needs: the policy, legal holds, erasure
// requests, the mark of an anonymised case, and the indexes the due query reads.
//
// The due query starts from the closed cases not yet anonymised (cases.status index)
// and reads, per case, the date of its closing and of its last monitoring visit: two
// index seeks each with the covering indexes below, instead of reading every status
// change and activity of the database.
func migrateRetention(tx *gorm.DB) error {
	for _, m := range []any{&m14RetentionPolicy{}, &m14LegalHold{}, &m14ErasureRequest{}} {
		if err := tx.Migrator().CreateTable(m); err != nil {
			return fmt.Errorf("retention: create %T: %w", m, err)
		}
	}
	ts := "DATETIME"
	if tx.Dialector.Name() == "postgres" {
		ts = "TIMESTAMPTZ"
	}
	for _, s := range []string{
		"ALTER TABLE cases ADD COLUMN anonymised_at " + ts,
		"CREATE INDEX idx_status_changes_case_to_date ON status_changes (case_id, to_status, date)",
		"CREATE INDEX idx_activities_case_kind_date ON activities (case_id, kind, date)",
		"CREATE INDEX idx_cases_status_anonymised ON cases (status, anonymised_at, office_id, id)",
	} {
		if err := tx.Exec(s).Error; err != nil {
			return fmt.Errorf("retention: %w", err)
		}
	}
	return nil
}
