package models

import (
	"fmt"

	"gorm.io/gorm"
)

// migrateUserSex adds users.sex: F, M or empty (not said). It only chooses the form of
// the role shown beside a name ("chargée de dossiers", "مشرفة"); empty keeps the
// neutral label, so existing accounts read as before.
func migrateUserSex(tx *gorm.DB) error {
	if err := tx.Exec(`ALTER TABLE users ADD COLUMN sex VARCHAR(1) NOT NULL DEFAULT ''`).Error; err != nil {
		return fmt.Errorf("users.sex: %w", err)
	}
	return nil
}
