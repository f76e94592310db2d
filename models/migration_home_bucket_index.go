package models

import (
	"fmt"

	"gorm.io/gorm"
)

// migrateHomeTalliesByBucket adds an index of home_tallies by kind and bucket, with the
// office and the assignee. A national supervisor's home sums every office's tallies:
// through the index by office, each of its few dozen selects was one range per office;
// through this one it is one range (the supervisor's home sums took half the time on
// the scale-4 demo). The open cases by stage come out of it in bucket order, without a
// sort. The index by office stays for the offices' own homes.
//
// On SQLite the index holds the count too, so the sums read the index alone. Not on
// PostgreSQL: every write changes a count, and a count in an index makes each of those
// updates write a new entry in every index of the table (no heap-only update); building
// the scale-4 demo left 1.4 million dead entries for 11,000 rows, and the supervisor's
// home slowed instead. Without the count, the rows are read from the table by the index.
func migrateHomeTalliesByBucket(tx *gorm.DB) error {
	columns := "kind, bucket, office_id, assignee_id, n"
	if tx.Dialector.Name() == "postgres" {
		columns = "kind, bucket, office_id, assignee_id"
	}
	if err := tx.Exec(`CREATE INDEX idx_home_tallies_bucket ON home_tallies (` + columns + `)`).Error; err != nil {
		return fmt.Errorf("home tallies by bucket: %w", err)
	}
	return nil
}
