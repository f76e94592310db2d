package models

import (
	"fmt"
	"log/slog"

	"gorm.io/gorm"
)

// migrateAdminWithoutOffice reports the administrators bound to an office, now that an
// administrator has none. It changes nothing: taking the office away would widen the
// account to every office, and changing the role would lock someone out; a person
// decides. Until then the stores keep such an account inside its office and the audit
// log is refused to it. A migration has no logger of its own (gormigrate passes only the
// transaction), so the warning goes to the process's default logger, which is standard
// error: the terminal or the service's journal of whoever runs the upgrade.
func migrateAdminWithoutOffice(tx *gorm.DB) error {
	_, err := ReportOfficeBoundAdmins(tx, slog.Default())
	return err
}

// ReportOfficeBoundAdmins logs one warning per administrator with an office and returns their ids.
func ReportOfficeBoundAdmins(tx *gorm.DB, log *slog.Logger) ([]uint, error) {
	var ids []uint
	if err := tx.Table("users").Where("role = ? AND office_id IS NOT NULL", "admin").Order("id").Pluck("id", &ids).Error; err != nil {
		return nil, fmt.Errorf("find office-bound administrators: %w", err)
	}
	for _, id := range ids {
		log.Warn("an administrator is bound to an office; administrators now have none: in Administration > Users, "+
			"empty the account's office (it will then see every office) or give it another role", "user_id", id)
	}
	return ids, nil
}
