package models

import (
	"context"
	"fmt"

	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// migrations is the ordered schema history. Each migration declares its own frozen
// structs, never the live models, so that replaying history always gives the same schema
// on SQLite and PostgreSQL. Never edit a migration that has shipped: append a new one.
func migrations() []*gormigrate.Migration {
	return []*gormigrate.Migration{
		{ID: "0001_initial", Migrate: migrateInitial},
		{ID: "0002_cases_indexes", Migrate: migrateCasesIndexes},
		{ID: "0003_summary_indexes", Migrate: migrateSummaryIndexes},
		{ID: "0004_case_tallies", Migrate: migrateCaseTallies},
		{ID: "0005_summary_prepared", Migrate: migrateSummaryPrepared},
		{ID: "0006_name_search", Migrate: migrateNameSearch},
		{ID: "0007_auth_hardening", Migrate: migrateAuthHardening},
		{ID: "0008_admin_without_office", Migrate: migrateAdminWithoutOffice},
		{ID: "0009_user_sex", Migrate: migrateUserSex},
		{ID: "0010_home_indexes", Migrate: migrateHomeIndexes},
		{ID: "0011_case_reassignments", Migrate: migrateCaseReassignments},
		{ID: "0012_monitoring", Migrate: migrateMonitoring},
		{ID: "0013_documents", Migrate: migrateDocuments},
		{ID: "0014_retention", Migrate: migrateRetention},
		{ID: "0015_summary_refresh_by_case", Migrate: migrateSummaryRefreshByCase},
		{ID: "0016_monitoring_visit_details", Migrate: migrateMonitoringVisitDetails},
		{ID: "0017_followup_homes", Migrate: migrateFollowupHomes},
		{ID: "0018_monitoring_visits_by_date", Migrate: migrateMonitoringVisitsByDate},
		{ID: "0019_cases_office_departure", Migrate: migrateCasesOfficeDeparture},
		{ID: "0020_summary_days_and_families", Migrate: migrateSummaryDaysAndFamilies},
		{ID: "0021_home_month_tallies", Migrate: migrateHomeMonthTallies},
		{ID: "0022_summary_years", Migrate: migrateSummaryYears},
		{ID: "0023_home_tallies_by_bucket", Migrate: migrateHomeTalliesByBucket},
		{ID: "0024_monitoring_visits_by_case_kind", Migrate: migrateMonitoringVisitsByCaseKind},
		{ID: "0025_queue_indexes", Migrate: migrateQueueIndexes},
		{ID: "0026_approvals_queue_index", Migrate: migrateApprovalsQueueIndex},
	}
}

// MigrationIDs lists the ids of every migration, in order (test databases are cached
// per list).
func MigrationIDs() []string {
	var ids []string
	for _, m := range migrations() {
		ids = append(ids, m.ID)
	}
	return ids
}

// Migrate brings the schema up to date. On PostgreSQL an advisory lock makes a second
// server that starts at the same moment wait until the first has finished. The lock is
// per schema: portals (and test runs) in other schemas of the database do not wait.
func Migrate(ctx context.Context, db *DB) error {
	return db.Write.WithContext(ctx).Connection(func(conn *gorm.DB) error {
		if db.Dialect == Postgres {
			if err := conn.Exec("SELECT pg_advisory_lock(hashtextextended(current_schema(), ?))", migrationLockKey).Error; err != nil {
				return fmt.Errorf("take migration lock: %w", err)
			}
			defer conn.Exec("SELECT pg_advisory_unlock(hashtextextended(current_schema(), ?))", migrationLockKey)
		}
		m := gormigrate.New(conn, &gormigrate.Options{
			TableName:                 "schema_migrations",
			IDColumnName:              "id",
			IDColumnSize:              255,
			UseTransaction:            true,
			ValidateUnknownMigrations: true,
		}, migrations())
		if err := m.Migrate(); err != nil {
			return fmt.Errorf("migrate: %w", err)
		}
		return nil
	})
}

// migrationLockKey is an arbitrary constant naming Awda's migration lock.
const migrationLockKey = 7_202_611_281

func migrateInitial(tx *gorm.DB) error {
	models := []any{
		&m1Office{}, &m1User{}, &m1RecoveryCode{}, &m1LoginSession{}, &m1LoginAttempt{},
		&m1AuditEvent{}, &m1CaseRow{}, &m1HouseholdMember{}, &m1CaseVulnerability{}, &m1StatusChange{},
		&m1CaseCounter{}, &m1Activity{}, &m1GroupSession{}, &m1SessionAttendance{}, &m1Referral{}, &m1Support{},
	}
	for _, m := range models {
		if err := tx.AutoMigrate(m); err != nil {
			return fmt.Errorf("create table for %T: %w", m, err)
		}
	}
	return nil
}
