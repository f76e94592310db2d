package models

import (
	"fmt"

	"gorm.io/gorm"
)

// migrateHomeTalliesByBucket adds an index of home_tallies by kind and bucket that holds
// the office, the assignee and the count too. A national supervisor's home sums every
// office's tallies: through the index by office, each of its few dozen selects was one
// range per office and a table read per tally row; through this one it is one range,
// read from the index alone (the supervisor's home sums took half the time on the
// scale-4 demo). The open cases by stage come out of it in bucket order, without a sort.
// The index by office stays for the offices' own homes.
func migrateHomeTalliesByBucket(tx *gorm.DB) error {
	if err := tx.Exec(`CREATE INDEX idx_home_tallies_bucket ON home_tallies (kind, bucket, office_id, assignee_id, n)`).Error; err != nil {
		return fmt.Errorf("home tallies by bucket: %w", err)
	}
	return nil
}
