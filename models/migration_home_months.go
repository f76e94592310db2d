package models

import (
	"fmt"

	"gorm.io/gorm"
)

// monthlyHomeKinds are the home_tallies kinds bucketed by day that a home sums over
// every day before a cutoff: open cases by the day of their last status change,
// cases in reintegration by the day of their last monitoring visit, open referrals by
// the day they were sent.
var monthlyHomeKinds = []string{"changed", "monitoring", "referral"}

// monthKind is the home_tallies kind that counts a day-bucketed kind per month.
func monthKind(kind string) string { return kind + "_m" }

// followupDayKind counts the "followup" tallies per day of return instead of month.
const followupDayKind = "followup_d"

// migrateHomeMonthTallies adds, beside each day-bucketed home count, the same count per
// month ("changed_m", bucket "2021-03"). A home's "older than a day" count read one row
// per day and office and caseworker since the first case, so it grew with the years a
// portal has been used: it is now the whole months before the day's month from the
// month rows and that month's own days from the day rows, a few dozen rows at most.
//
// The follow-ups due were counted the other way round: the whole months of returns
// from the month-bucketed "followup" tallies, and the returns of the last month from
// case_homes, a case at a time (thousands of rows for a supervisor at 122,000 cases).
// "followup_d" counts them per day of return, so that last month is a few rows per
// day too. The triggers keep every kind, in the same transaction as every write.
func migrateHomeMonthTallies(tx *gorm.DB) error {
	pg := tx.Dialector.Name() == "postgres"
	after := homeDialect{pg: pg, followups: true, months: true}
	stmts := after.dropTriggers()
	for _, kind := range monthlyHomeKinds {
		stmts = append(stmts, `INSERT INTO home_tallies (kind, office_id, assignee_id, bucket, n)
			SELECT '`+monthKind(kind)+`', office_id, assignee_id, substr(bucket, 1, 7), SUM(n) FROM home_tallies
			WHERE kind = '`+kind+`' GROUP BY office_id, assignee_id, substr(bucket, 1, 7) HAVING SUM(n) <> 0`)
	}
	// A supervisor's sums, over every caseworker of an office, range over the buckets
	// of one kind and office.
	stmts = append(stmts, `CREATE INDEX idx_home_tallies_office_bucket ON home_tallies (kind, office_id, bucket)`)
	stmts = append(stmts, `INSERT INTO home_tallies (kind, office_id, assignee_id, bucket, n)
		SELECT '`+followupDayKind+`', office_id, assignee_id, `+after.followupDayBucket("case_homes")+`, COUNT(*) FROM case_homes
		WHERE returned_on <> '' GROUP BY office_id, assignee_id, `+after.followupDayBucket("case_homes"))
	stmts = append(stmts, after.triggers()...)
	for _, s := range stmts {
		if err := tx.Exec(s).Error; err != nil {
			return fmt.Errorf("home month tallies: %w\n%s", err, s)
		}
	}
	return nil
}
