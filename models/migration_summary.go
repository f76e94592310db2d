package models

import (
	"fmt"

	"gorm.io/gorm"
)

// summaryIndexes are the covering indexes of the summary queries (SummaryQuery): each
// indicator reads its rows from one index in period order, without touching the table.
var summaryIndexes = []string{
	// returns and their breakdowns: direction and departure date first, then what the
	// filters and breakdowns read.
	`CREATE INDEX idx_cases_summary_returns ON cases (direction, departure_date, office_id, nationality, sex, birth_date, age_estimate)`,
	// support breakdown and the supported-people indicators.
	`CREATE INDEX idx_supports_summary ON supports (date, status, type, currency, amount, funded_by_office, case_id)`,
	// sessions of a kind in the period, then their attendance.
	`CREATE INDEX idx_group_sessions_kind_date ON group_sessions (kind, date, id)`,
	`CREATE INDEX idx_session_attendances_case_session ON session_attendances (case_id, session_id)`,
	// referrals sent in the period, by partner and status.
	`CREATE INDEX idx_referrals_summary ON referrals (date_sent, partner, status, case_id)`,
}

// migrateSummaryIndexes is migration 0003_summary_indexes.
func migrateSummaryIndexes(tx *gorm.DB) error {
	for _, q := range summaryIndexes {
		if err := tx.Exec(q).Error; err != nil {
			return fmt.Errorf("summary index: %w", err)
		}
	}
	return nil
}
