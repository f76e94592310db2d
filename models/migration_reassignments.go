package models

import (
	"fmt"
	"time"

	"gorm.io/gorm"
)

// m8Reassignment is case_reassignments as created by 0011_case_reassignments.
type m8Reassignment struct {
	ID         uint `gorm:"primaryKey"`
	CaseID     uint `gorm:"not null;index"`
	FromUserID *uint
	ToUserID   uint      `gorm:"not null"`
	Reason     string    `gorm:"type:text;not null;default:''"`
	UserID     uint      `gorm:"not null"`
	CreatedAt  time.Time `gorm:"not null"`
}

func (m8Reassignment) TableName() string { return "case_reassignments" }

// migrateCaseReassignments adds case_reassignments: a reassignment's reason is free text
// (it may name someone), so it is kept with the case's records, under the case's scope,
// and the audit event names the reassignment instead of copying the reason.
func migrateCaseReassignments(tx *gorm.DB) error {
	if err := tx.Migrator().CreateTable(&m8Reassignment{}); err != nil {
		return fmt.Errorf("case reassignments: %w", err)
	}
	return nil
}
