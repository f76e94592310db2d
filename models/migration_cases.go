package models

import (
	"fmt"

	"gorm.io/gorm"
)

// migrateCasesIndexes adds the indexes the case list, search, home blocks and history
// need at 100,000 cases: the default order (newest first) with and without an office
// or a status, a caseworker's open cases, and a case's status history.
func migrateCasesIndexes(tx *gorm.DB) error {
	stmts := []string{
		// The default order, carrying search_key so a name search walks the index in
		// order and reads only the rows that match.
		"CREATE INDEX IF NOT EXISTS idx_cases_created_search ON cases (created_at, id, search_key)",
		"CREATE INDEX IF NOT EXISTS idx_cases_office_created_search ON cases (office_id, created_at, id, search_key)",
		"CREATE INDEX IF NOT EXISTS idx_cases_status_created ON cases (status, created_at, id)",
		"CREATE INDEX IF NOT EXISTS idx_cases_office_status_created ON cases (office_id, status, created_at, id)",
		"CREATE INDEX IF NOT EXISTS idx_cases_assigned_status ON cases (assigned_to_id, status)",
		"CREATE INDEX IF NOT EXISTS idx_cases_family_given ON cases (family_name, given_name, id)",
		"CREATE INDEX IF NOT EXISTS idx_status_changes_case_created ON status_changes (case_id, created_at)",
		"CREATE INDEX IF NOT EXISTS idx_case_vulnerabilities_code_case ON case_vulnerabilities (code, case_id)",
	}
	for _, s := range stmts {
		if err := tx.Exec(s).Error; err != nil {
			return fmt.Errorf("cases indexes: %w", err)
		}
	}
	return nil
}
