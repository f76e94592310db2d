package models

import (
	"fmt"

	"gorm.io/gorm"
)

// migrateFollowupHomes prepares the homes' follow-up lists: case_homes gains the return
// date of a case that has returned (returned_on, ” otherwise) and its number of
// follow-up visits (followups_done), and home_tallies counts them per office, assignee,
// follow-ups done and month of return ("followup", bucket "02:2021-03" for two done and
// a return in March 2021).
//
// A follow-up's planned date grows with the return date, so "the next follow-up is due
// by day D" is "returned on or before a day the store computes from D": a sum over the
// whole months before that day's month, and an index range over the rest of it. The
// schedule (months after return) belongs to the instrument and can change with a new
// version, so it is applied when reading, never stored.
func migrateFollowupHomes(tx *gorm.DB) error {
	pg := tx.Dialector.Name() == "postgres"
	after := homeDialect{pg: pg, followups: true}
	stmts := append(after.dropTriggers(),
		`ALTER TABLE case_homes ADD COLUMN returned_on VARCHAR(10) NOT NULL DEFAULT ''`,
		`ALTER TABLE case_homes ADD COLUMN followups_done INTEGER NOT NULL DEFAULT 0`,
		`UPDATE case_homes SET
			returned_on = (SELECT `+returnedOn("c")+` FROM cases c WHERE c.id = case_homes.case_id),
			followups_done = `+followupsDone("case_homes.case_id"),
		`INSERT INTO home_tallies (kind, office_id, assignee_id, bucket, n)
			SELECT 'followup', office_id, assignee_id, `+after.followupBucket("case_homes")+`, COUNT(*) FROM case_homes
			WHERE returned_on <> '' GROUP BY office_id, assignee_id, `+after.followupBucket("case_homes"),
		// The lists: the next follow-ups of one caseworker, one office or every office,
		// the earliest return first.
		`CREATE INDEX idx_case_homes_followups ON case_homes (followups_done, returned_on, case_id)`,
		`CREATE INDEX idx_case_homes_office_followups ON case_homes (office_id, followups_done, returned_on, case_id)`,
		`CREATE INDEX idx_case_homes_assignee_followups ON case_homes (office_id, assignee_id, followups_done, returned_on, case_id)`,
	)
	stmts = append(stmts, after.triggers()...)
	for _, s := range stmts {
		if err := tx.Exec(s).Error; err != nil {
			return fmt.Errorf("follow-up homes: %w\n%s", err, s)
		}
	}
	return nil
}

// returnedOn is the return date of the case r while it is returned or in reintegration,
// ” otherwise: its arrival, else its departure, else the day it was marked returned (as
// MonitoringStore's caseReturnDate).
func returnedOn(r string) string {
	return `CASE WHEN ` + r + `.status IN ('returned', 'reintegration') THEN COALESCE(NULLIF(` + r + `.arrival_date, ''),
		NULLIF(` + r + `.departure_date, ''),
		(SELECT MIN(sc.date) FROM status_changes sc WHERE sc.case_id = ` + r + `.id AND sc.to_status = 'returned'), '') ELSE '' END`
}

// followupsDone counts the follow-up visits of the case with the given id.
func followupsDone(caseID string) string {
	return `(SELECT COUNT(*) FROM monitoring_visits v WHERE v.case_id = ` + caseID + ` AND v.kind = 'followup')`
}

// followupBucket is the tally bucket of the case_homes row r: follow-ups done, on two
// digits so that the buckets of one number sort by month, and the month of return.
func (d homeDialect) followupBucket(r string) string {
	return d.followupsDonePrefix(r) + "substr(" + r + ".returned_on, 1, 7)"
}

// followupDayBucket is followupBucket with the day of return ("02:2021-03-15"), for the
// "followup_d" tallies (migrateHomeMonthTallies).
func (d homeDialect) followupDayBucket(r string) string {
	return d.followupsDonePrefix(r) + r + ".returned_on"
}

func (d homeDialect) followupsDonePrefix(r string) string {
	done := "printf('%02d', " + r + ".followups_done)"
	if d.pg {
		done = "lpad(" + r + ".followups_done::text, 2, '0')"
	}
	return done + " || ':' || "
}

// returnFromStatusChange sets the return date of a case marked returned (NEW, a status
// change) when that is the date it goes by: a case with neither arrival nor departure.
func (d homeDialect) returnFromStatusChange() []string {
	if !d.followups {
		return nil
	}
	now := "(SELECT " + returnedOn("c") + " FROM cases c WHERE c.id = NEW.case_id)"
	return []string{"UPDATE case_homes SET returned_on = " + now +
		" WHERE case_id = NEW.case_id AND NEW.to_status = 'returned' AND returned_on <> " + now}
}

// followupTriggerDefs keep returned_on and followups_done current: the travel dates of a
// case, and its follow-up visits recorded, corrected or removed.
func (d homeDialect) followupTriggerDefs() []homeTrigger {
	if !d.followups {
		return nil
	}
	done := func(r string) string {
		return "UPDATE case_homes SET followups_done = " + followupsDone(r+".case_id") + " WHERE case_id = " + r + ".case_id"
	}
	return []homeTrigger{
		{"case_home_return", "UPDATE OF arrival_date, departure_date", "cases",
			"COALESCE(OLD.arrival_date, '') <> COALESCE(NEW.arrival_date, '') OR COALESCE(OLD.departure_date, '') <> COALESCE(NEW.departure_date, '')",
			[]string{"UPDATE case_homes SET returned_on = " + returnedOn("NEW") + " WHERE case_id = NEW.id AND returned_on <> " + returnedOn("NEW")}},
		{"visit_home_insert", "INSERT", "monitoring_visits", "NEW.kind = 'followup'", []string{done("NEW")}},
		{"visit_home_delete", "DELETE", "monitoring_visits", "OLD.kind = 'followup'", []string{done("OLD")}},
		{"visit_home_update", "UPDATE OF kind, case_id", "monitoring_visits",
			"OLD.kind <> NEW.kind OR OLD.case_id <> NEW.case_id", []string{done("OLD"), done("NEW")}},
	}
}

// migrateMonitoringVisitsByDate indexes the visits by kind and day, for the summary's
// monitoring section: it reads the period's baselines and follow-ups, not every visit.
func migrateMonitoringVisitsByDate(tx *gorm.DB) error {
	return tx.Exec(`CREATE INDEX idx_monitoring_visits_kind_date ON monitoring_visits (kind, date, case_id)`).Error
}

// migrateMonitoringVisitsByCaseKind indexes each case's visits by kind. A case's
// follow-ups are counted on every status change and every visit (case_homes'
// followups_done triggers), and its baseline looked for before a baseline is saved:
// with only the indexes by (case, day) and by (kind, day), SQLite (which keeps no
// statistics) read them through the second, every follow-up or baseline of every case,
// at each write; on the scale-40 demo a visit took six times as long as on the scale-4
// one. Two equal columns make this index the one it chooses.
func migrateMonitoringVisitsByCaseKind(tx *gorm.DB) error {
	return tx.Exec(`CREATE INDEX idx_monitoring_visits_case_kind ON monitoring_visits (case_id, kind, date)`).Error
}

// migrateCasesOfficeDeparture indexes the cases' departures per office: the latest one
// is where a one-office summary's default year starts.
func migrateCasesOfficeDeparture(tx *gorm.DB) error {
	return tx.Exec(`CREATE INDEX idx_cases_office_departure ON cases (office_id, departure_date)`).Error
}
