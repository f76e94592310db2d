package models

import (
	"fmt"

	"gorm.io/gorm"
)

// dayKinds names the home_tallies kinds of one count bucketed by day, and the same
// count per month and per year of that day, so that a sum over every day before a
// cutoff reads the whole years, then the months of the cutoff's year, then the days of
// its month: a few dozen rows at most, however long the portal has been used.
type dayKinds struct {
	day, month, year string
	// prefix is the length of what precedes the date in a bucket ("02:" for the
	// follow-ups done).
	prefix int
}

var (
	// open cases per day of their last status change
	changedKinds = dayKinds{day: "changed", month: "changed_m", year: "changed_y"}
	// cases in reintegration per day of their last monitoring visit ('' for never)
	monitoringKinds = dayKinds{day: "monitoring", month: "monitoring_m", year: "monitoring_y"}
	// open referrals per day sent
	referralKinds = dayKinds{day: "referral", month: "referral_m", year: "referral_y"}
	// returned cases per follow-ups done and day of return (migrateFollowupHomes
	// made the month rows, "followup")
	followupKinds = dayKinds{day: "followup_d", month: "followup", year: "followup_y", prefix: 3}
)

// coarseBucket is a kind and the SQL of its bucket.
type coarseBucket struct{ kind, bucket string }

// coarser is the month and year kinds with their buckets, for the day bucket b (SQL).
func (k dayKinds) coarser(b string) []coarseBucket {
	return []coarseBucket{{k.month, k.monthOf(b)}, {k.year, k.yearOf(b)}}
}

func (k dayKinds) monthOf(b string) string { return fmt.Sprintf("substr(%s, 1, %d)", b, k.prefix+7) }
func (k dayKinds) yearOf(b string) string  { return fmt.Sprintf("substr(%s, 1, %d)", b, k.prefix+4) }

// upTo adds (kind, condition on bucket and its arguments) the home_tallies rows whose
// sum counts the buckets of prefix up to the day last (through it when through): the
// whole years before last's, then last's year and month, each from the shorter side.
// Last's year is the months before its month, or the year's row less the months
// after; last's month is its days up to last, or the month's row less the days after.
// The month and year rows are the day rows rolled up, so both sides give the same
// sum, and a cutoff late in a month or a year reads a few rows instead of every day or
// month before it.
func (k dayKinds) upTo(add tallyAdd, prefix string, last Date, through bool) {
	day := last.String()
	year, month := prefix+day[:4], prefix+day[:7]
	d, m := last.Time().Day(), int(last.Time().Month())
	daysBefore, daysAfter := d, monthEnd(last).Time().Day()-d
	if !through {
		daysBefore, daysAfter = d-1, daysAfter+1
	}
	monthLess := 1+daysAfter < daysBefore
	yearLess := 1+(12-m)+btoi(!monthLess) < (m-1)+btoi(monthLess)

	// the years before last's, and last's own when the months after are taken off
	if yearLess {
		add(1, k.year, "bucket >= ? AND bucket <= ?", prefix, year)
	} else {
		add(1, k.year, "bucket >= ? AND bucket < ?", prefix, year)
	}
	// last's year: its months before last's month (and that month's row when its days
	// after last are taken off), or the months after taken off the year (and last's
	// month too when its days up to last are added)
	switch {
	case yearLess && monthLess:
		add(-1, k.month, "bucket > ? AND bucket <= ?", month, year+"-12")
	case yearLess:
		add(-1, k.month, "bucket >= ? AND bucket <= ?", month, year+"-12")
	case monthLess:
		add(1, k.month, "bucket > ? AND bucket <= ?", year, month)
	default:
		add(1, k.month, "bucket > ? AND bucket < ?", year, month)
	}
	switch {
	case monthLess && through:
		add(-1, k.day, "bucket > ? AND bucket <= ?", prefix+day, month+"-31")
	case monthLess:
		add(-1, k.day, "bucket >= ? AND bucket <= ?", prefix+day, month+"-31")
	case through:
		add(1, k.day, "bucket >= ? AND bucket <= ?", month+"-01", prefix+day)
	default:
		add(1, k.day, "bucket >= ? AND bucket < ?", month+"-01", prefix+day)
	}
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// migrateHomeMonthTallies adds, beside each day-bucketed home count, the same count per
// month and per year (dayKinds). A home's "older than a day" count read one row per day
// and office and caseworker since the first case, so it grew with the years a portal
// has been used.
//
// The follow-ups due were counted per month of return, and the returns of the last
// month from case_homes, a case at a time (thousands of rows for a supervisor at
// 122,000 cases): they get the day and year rows too. The triggers keep every kind, in
// the same transaction as every write.
func migrateHomeMonthTallies(tx *gorm.DB) error {
	pg := tx.Dialector.Name() == "postgres"
	after := homeDialect{pg: pg, followups: true, months: true}
	stmts := after.dropTriggers()
	rollUp := func(from, kind, bucket string) string {
		return `INSERT INTO home_tallies (kind, office_id, assignee_id, bucket, n)
			SELECT '` + kind + `', office_id, assignee_id, ` + bucket + `, SUM(n) FROM home_tallies
			WHERE kind = '` + from + `' GROUP BY office_id, assignee_id, ` + bucket + ` HAVING SUM(n) <> 0`
	}
	for _, k := range []dayKinds{changedKinds, monitoringKinds, referralKinds} {
		for _, c := range k.coarser("bucket") {
			stmts = append(stmts, rollUp(k.day, c.kind, c.bucket))
		}
	}
	// A supervisor's sums, over every caseworker of an office, range over the buckets
	// of one kind and office.
	stmts = append(stmts, `CREATE INDEX idx_home_tallies_office_bucket ON home_tallies (kind, office_id, bucket)`)
	stmts = append(stmts, `INSERT INTO home_tallies (kind, office_id, assignee_id, bucket, n)
		SELECT '`+followupKinds.day+`', office_id, assignee_id, `+after.followupDayBucket("case_homes")+`, COUNT(*) FROM case_homes
		WHERE returned_on <> '' GROUP BY office_id, assignee_id, `+after.followupDayBucket("case_homes"),
		rollUp(followupKinds.month, followupKinds.year, followupKinds.yearOf("bucket")))
	stmts = append(stmts, after.triggers()...)
	for _, s := range stmts {
		if err := tx.Exec(s).Error; err != nil {
			return fmt.Errorf("home month tallies: %w\n%s", err, s)
		}
	}
	return nil
}
