package models

import (
	"fmt"

	"gorm.io/gorm"
)

// migrateSummaryYears adds summary_years, the facts summed per year (year of prev,
// office and direction, as summary_totals per month). A summary of a calendar year, the
// one supervisors read most and the one their home shows for this year and the last,
// read twelve months of summary_totals: about 7,000 rows per request at 122,000 cases.
// A period that starts on 1 January now reads its whole years from summary_years (a
// person counts when their first day in the period is in it: prev's year before the
// period's first year), and only the months after them from summary_totals. The
// triggers move it with the others, in the same transaction as every write.
func migrateSummaryYears(tx *gorm.DB) error {
	pg := tx.Dialector.Name() == "postgres"
	withoutRowID := " WITHOUT ROWID"
	if pg {
		withoutRowID = ""
	}
	stmts := []string{`CREATE TABLE summary_years (
			ind VARCHAR(40) NOT NULL,
			year VARCHAR(4) NOT NULL,
			pyear VARCHAR(4) NOT NULL,
			k VARCHAR(80) NOT NULL,
			office_id BIGINT NOT NULL,
			direction VARCHAR(10) NOT NULL,
			n BIGINT NOT NULL,
			amount BIGINT NOT NULL,
			PRIMARY KEY (ind, year, pyear, k, office_id, direction)
		)` + withoutRowID, fillSummaryYears}
	if pg {
		// the triggers call the refresh function, made again with the new table
		stmts = append(stmts, summaryRefreshFunctionPostgres(genYears))
	} else {
		stmts = append(append(stmts, dropSummaryTriggersSQLite()...), summaryTriggersSQLite(genYears)...)
	}
	for _, s := range stmts {
		if err := tx.Exec(s).Error; err != nil {
			return fmt.Errorf("summary years: %w", err)
		}
	}
	return nil
}
