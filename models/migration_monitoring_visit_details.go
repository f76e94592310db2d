package models

import (
	"fmt"

	"gorm.io/gorm"
)

// migrateMonitoringVisitDetails adds to each visit who conducted it (a name as typed:
// visits are often held by a partner's staff who have no account) and a version
// counter, so that a correction made from a stale form is refused instead of silently
// overwriting someone else's. Visits recorded before were held, as far as anyone knows,
// by the user who recorded them: their name is copied in.
func migrateMonitoringVisitDetails(tx *gorm.DB) error {
	ts := "DATETIME"
	if tx.Dialector.Name() == "postgres" {
		ts = "TIMESTAMPTZ"
	}
	for _, s := range []string{
		"ALTER TABLE monitoring_visits ADD COLUMN interviewer VARCHAR(200) NOT NULL DEFAULT ''",
		"ALTER TABLE monitoring_visits ADD COLUMN version INTEGER NOT NULL DEFAULT 1",
		"ALTER TABLE monitoring_visits ADD COLUMN updated_at " + ts,
		`UPDATE monitoring_visits SET interviewer = COALESCE((SELECT u.name FROM users u
			WHERE u.id = monitoring_visits.interviewer_id), '')`,
	} {
		if err := tx.Exec(s).Error; err != nil {
			return fmt.Errorf("monitoring visit details: %w", err)
		}
	}
	return nil
}
