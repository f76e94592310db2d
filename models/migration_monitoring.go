package models

import (
	"fmt"
	"time"

	"gorm.io/gorm"
)

// m12Instrument is monitoring_instruments as created by 0012_monitoring: each published
// version of the instrument, its definition kept as uploaded.
type m12Instrument struct {
	ID            uint   `gorm:"primaryKey"`
	Version       int    `gorm:"not null;uniqueIndex"`
	Definition    string `gorm:"type:text;not null"`
	Checksum      string `gorm:"size:64;not null"`
	IsDefault     bool   `gorm:"not null;default:false"`
	PublishedByID *uint
	PublishedAt   time.Time `gorm:"not null"`
}

func (m12Instrument) TableName() string { return "monitoring_instruments" }

// m12Visit is monitoring_visits: a visit with its stored composite score and band, under
// the instrument version it was scored with.
type m12Visit struct {
	ID                uint   `gorm:"primaryKey"`
	CaseID            uint   `gorm:"not null;index:idx_monitoring_visits_case,priority:1"`
	Date              string `gorm:"type:varchar(10);not null;index:idx_monitoring_visits_case,priority:2"`
	InstrumentID      uint   `gorm:"not null"`
	InstrumentVersion int    `gorm:"not null"`
	Kind              string `gorm:"size:10;not null"`
	Method            string `gorm:"size:10;not null"`
	InterviewerID     uint   `gorm:"not null"`
	Notes             string `gorm:"type:text;not null;default:''"`
	Composite         *float64
	Band              string    `gorm:"size:10;not null;default:''"`
	CreatedAt         time.Time `gorm:"not null"`
}

func (m12Visit) TableName() string { return "monitoring_visits" }

// m12Answer is monitoring_answers: the answer to each question (an option code, a
// number, dk or refused) and its 0–1 code (none for dk and refused).
type m12Answer struct {
	VisitID  uint   `gorm:"primaryKey;autoIncrement:false"`
	Question string `gorm:"primaryKey;size:40"`
	Answer   string `gorm:"size:40;not null"`
	Value    *float64
}

func (m12Answer) TableName() string { return "monitoring_answers" }

// m12Score is monitoring_scores: a visit's score per dimension and per indicator.
type m12Score struct {
	VisitID uint   `gorm:"primaryKey;autoIncrement:false"`
	Level   string `gorm:"primaryKey;size:10"`
	Code    string `gorm:"primaryKey;size:40"`
	Score   *float64
}

func (m12Score) TableName() string { return "monitoring_scores" }

// migrateMonitoring adds the monitoring instrument's versions and the scored visits.
// Scores are stored, not recomputed, so that a visit keeps the scores of its version.
func migrateMonitoring(tx *gorm.DB) error {
	for _, m := range []any{&m12Instrument{}, &m12Visit{}, &m12Answer{}, &m12Score{}} {
		if err := tx.Migrator().CreateTable(m); err != nil {
			return fmt.Errorf("create table for %T: %w", m, err)
		}
	}
	return nil
}
