package models

import (
	"fmt"
	"strings"

	"gorm.io/gorm"
)

// migrateHomeIndexes prepares what the home pages show, so that no home reads more
// than a few index entries however many cases there are:
//
//   - case_homes: one row per open case with its office, assignee, status, the time of
//     its last status change and the day of its last monitoring visit. The "waiting
//     longest" list is the first rows of an index on that time.
//   - home_tallies: counts per office, assignee, kind and bucket, summed by the homes:
//     open cases per stage ("stage", bucket the status), open cases per day of their
//     last status change ("changed"), cases in reintegration per day of their last
//     monitoring visit ("monitoring", ” for never), support awaiting approval
//     ("approval") or delivery ("delivery"), referrals open without an outcome per day
//     sent ("referral"). A count "older than a day" is then a sum over at most one row
//     per day, not a count over every matching case.
//
// Both are kept exact by triggers in the same transaction as every write that changes
// them, like case_tallies, so that every writer (the stores, the import, the demo, an
// operator's SQL) keeps them right. The definitions mirror the direct queries
// (CaseStore.List's stale filter, ActivityStore.CountMonitoringDue,
// SupportStore.CountAwaitingApproval and CountAwaitingDelivery,
// ReferralStore.CountOverdue), and a test compares them on random casework.
func migrateHomeIndexes(tx *gorm.DB) error {
	// The triggers as they were before case_homes knew the follow-ups
	// (migrateFollowupHomes makes them again with them).
	d := homeDialect{pg: tx.Dialector.Name() == "postgres"}
	stmts := []string{
		`CREATE TABLE case_homes (
			case_id BIGINT PRIMARY KEY,
			office_id BIGINT NOT NULL,
			assignee_id BIGINT NOT NULL,
			status VARCHAR(20) NOT NULL,
			changed_at ` + d.timestamp() + ` NOT NULL,
			monitored_on VARCHAR(10) NOT NULL
		)`,
		`CREATE INDEX idx_case_homes_changed ON case_homes (changed_at, case_id)`,
		`CREATE INDEX idx_case_homes_office_changed ON case_homes (office_id, changed_at, case_id)`,
		`CREATE INDEX idx_case_homes_assignee_changed ON case_homes (office_id, assignee_id, changed_at, case_id)`,
		`CREATE TABLE home_tallies (
			kind VARCHAR(12) NOT NULL,
			office_id BIGINT NOT NULL,
			assignee_id BIGINT NOT NULL,
			bucket VARCHAR(20) NOT NULL,
			n BIGINT NOT NULL,
			PRIMARY KEY (kind, office_id, assignee_id, bucket)
		)`,
		// The other home queries: this week's sessions of an office, failed sign-ins of
		// the last day, the accounts not used for a while.
		`CREATE INDEX idx_group_sessions_office_date ON group_sessions (office_id, date)`,
		`CREATE INDEX idx_login_attempts_success_at ON login_attempts (success, at)`,
		`CREATE INDEX idx_users_active_login ON users (active, last_login_at)`,
		// What exists already, before the triggers (which would count it twice).
		`INSERT INTO case_homes (case_id, office_id, assignee_id, status, changed_at, monitored_on)
			SELECT c.id, c.office_id, COALESCE(c.assigned_to_id, 0), c.status,
				COALESCE((SELECT MAX(sc.created_at) FROM status_changes sc WHERE sc.case_id = c.id), ` + d.never() + `),
				COALESCE((SELECT MAX(a.date) FROM activities a WHERE a.case_id = c.id AND a.kind = 'monitoring'), '')
			FROM cases c WHERE c.status <> 'closed'`,
		`INSERT INTO home_tallies (kind, office_id, assignee_id, bucket, n)
			SELECT 'stage', office_id, assignee_id, status, COUNT(*) FROM case_homes GROUP BY office_id, assignee_id, status`,
		`INSERT INTO home_tallies (kind, office_id, assignee_id, bucket, n)
			SELECT 'changed', office_id, assignee_id, ` + d.day("changed_at") + `, COUNT(*) FROM case_homes
			GROUP BY office_id, assignee_id, ` + d.day("changed_at"),
		`INSERT INTO home_tallies (kind, office_id, assignee_id, bucket, n)
			SELECT 'monitoring', office_id, assignee_id, monitored_on, COUNT(*) FROM case_homes
			WHERE status = 'reintegration' GROUP BY office_id, assignee_id, monitored_on`,
		`INSERT INTO home_tallies (kind, office_id, assignee_id, bucket, n)
			SELECT 'approval', c.office_id, 0, '', COUNT(*) FROM supports s JOIN cases c ON c.id = s.case_id
			WHERE ` + supportApprovalCond("s") + ` GROUP BY c.office_id`,
		`INSERT INTO home_tallies (kind, office_id, assignee_id, bucket, n)
			SELECT 'delivery', c.office_id, 0, '', COUNT(*) FROM supports s JOIN cases c ON c.id = s.case_id
			WHERE ` + supportDeliveryCond("s") + ` GROUP BY c.office_id`,
		`INSERT INTO home_tallies (kind, office_id, assignee_id, bucket, n)
			SELECT 'referral', c.office_id, 0, r.date_sent, COUNT(*) FROM referrals r JOIN cases c ON c.id = r.case_id
			WHERE ` + referralOpenCond("r") + ` GROUP BY c.office_id, r.date_sent`,
	}
	stmts = append(stmts, d.triggers()...)
	for _, s := range stmts {
		if err := tx.Exec(s).Error; err != nil {
			return fmt.Errorf("home indexes: %w\n%s", err, s)
		}
	}
	return nil
}

// The conditions of the counted records, one definition for the backfill and the
// triggers (r is the row: an alias, NEW or OLD).
func supportApprovalCond(r string) string {
	return r + ".status = 'planned' AND " + r + ".return_comment = ''"
}

func supportDeliveryCond(r string) string { return r + ".status = 'approved'" }

func referralOpenCond(r string) string {
	return r + ".outcome = '' AND " + r + ".status IN ('sent', 'accepted')"
}

// homeDialect writes the few expressions that differ between SQLite and PostgreSQL, and
// the triggers with or without what later migrations added: the follow-up columns of
// case_homes (returned_on, followups_done), and the per-month and per-year tallies
// (months).
type homeDialect struct{ pg, followups, months bool }

func (d homeDialect) timestamp() string {
	if d.pg {
		return "TIMESTAMPTZ"
	}
	return "TIMESTAMP"
}

// never is the last status change of a case that has none: older than any, so such a
// case waits (as CaseStore.List's stale filter says: no change since the cutoff).
func (d homeDialect) never() string {
	if d.pg {
		return "TIMESTAMPTZ '0001-01-01 00:00:00+00'"
	}
	return "'0001-01-01 00:00:00+00:00'"
}

// day is the UTC day of a timestamp, as text (status changes are written in UTC).
func (d homeDialect) day(x string) string {
	if d.pg {
		return "to_char(" + x + " AT TIME ZONE 'UTC', 'YYYY-MM-DD')"
	}
	return "substr(" + x + ", 1, 10)"
}

// tally adds delta to one home_tallies row, for each row the select gives (none when
// from/where exclude it).
func tally(kind, office, assignee, bucket, delta, from, where string) string {
	return `INSERT INTO home_tallies (kind, office_id, assignee_id, bucket, n)
		SELECT '` + kind + `', ` + office + `, ` + assignee + `, ` + bucket + `, ` + delta + from + ` WHERE ` + where + `
		ON CONFLICT (kind, office_id, assignee_id, bucket) DO UPDATE SET n = home_tallies.n + excluded.n`
}

// tallyDef is one count of home_tallies over a row r: its kind, and the office,
// assignee and bucket (SQL over r and what from joins) it is counted under when where
// holds. The triggers add or take one row's count (apply); a refill counts every row
// (fill).
type tallyDef struct{ kind, office, assignee, bucket, where string }

func (t tallyDef) apply(sign, from string) string {
	return tally(t.kind, t.office, t.assignee, t.bucket, sign, from, t.where)
}

// fill counts every row that from gives into home_tallies, grouped by the office,
// assignee and bucket that are not constants (which neither database groups by).
func (t tallyDef) fill(from string) string {
	var group []string
	for _, x := range []string{t.office, t.assignee, t.bucket} {
		if x != "0" && x != "''" {
			group = append(group, x)
		}
	}
	return `INSERT INTO home_tallies (kind, office_id, assignee_id, bucket, n)
		SELECT '` + t.kind + `', ` + t.office + `, ` + t.assignee + `, ` + t.bucket + `, COUNT(*)` + from + ` WHERE ` + t.where +
		` GROUP BY ` + strings.Join(group, ", ")
}

// homeOf (re)writes the case_homes row of the case r (NEW), if it is open.
func (d homeDialect) homeOf(r string) string { return d.homesOf(r, "") }

// homesOf writes the case_homes rows of the cases r that from gives, those open.
func (d homeDialect) homesOf(r, from string) string {
	cols, vals := "", ""
	if d.followups {
		cols, vals = ", returned_on, followups_done", ", "+returnedOn(r)+", "+followupsDone(r+".id")
	}
	return `INSERT INTO case_homes (case_id, office_id, assignee_id, status, changed_at, monitored_on` + cols + `)
		SELECT ` + r + `.id, ` + r + `.office_id, COALESCE(` + r + `.assigned_to_id, 0), ` + r + `.status,
			COALESCE((SELECT MAX(sc.created_at) FROM status_changes sc WHERE sc.case_id = ` + r + `.id), ` + d.never() + `),
			COALESCE((SELECT MAX(a.date) FROM activities a WHERE a.case_id = ` + r + `.id AND a.kind = 'monitoring'), '')` + vals + from + `
		WHERE ` + r + `.status <> 'closed'`
}

// applyAll is the statements that add (sign "1") or take off ("-1") one row's counts.
func applyAll(defs []tallyDef, sign, from string) []string {
	var out []string
	for _, t := range defs {
		out = append(out, t.apply(sign, from))
	}
	return out
}

// homeTallyDefs is what a case_homes row r counts.
func (d homeDialect) homeTallyDefs(r string) []tallyDef {
	out := []tallyDef{
		{"stage", r + ".office_id", r + ".assignee_id", r + ".status", "1 = 1"},
		{"changed", r + ".office_id", r + ".assignee_id", d.day(r + ".changed_at"), "1 = 1"},
		{"monitoring", r + ".office_id", r + ".assignee_id", r + ".monitored_on", r + ".status = 'reintegration'"},
	}
	if d.months {
		for _, c := range changedKinds.coarser(d.day(r + ".changed_at")) {
			out = append(out, tallyDef{c.kind, r + ".office_id", r + ".assignee_id", c.bucket, "1 = 1"})
		}
		for _, c := range monitoringKinds.coarser(r + ".monitored_on") {
			out = append(out, tallyDef{c.kind, r + ".office_id", r + ".assignee_id", c.bucket, r + ".status = 'reintegration'"})
		}
	}
	if d.followups {
		out = append(out, tallyDef{"followup", r + ".office_id", r + ".assignee_id", d.followupBucket(r), r + ".returned_on <> ''"})
	}
	if d.followups && d.months {
		// the day rows, and the year rows ("followup" is the month rows)
		out = append(out, tallyDef{followupKinds.day, r + ".office_id", r + ".assignee_id", d.followupDayBucket(r), r + ".returned_on <> ''"},
			tallyDef{followupKinds.year, r + ".office_id", r + ".assignee_id", followupKinds.yearOf(d.followupDayBucket(r)), r + ".returned_on <> ''"})
	}
	return out
}

// homeTally counts the case_homes row r in or out (sign "1" or "-1").
func (d homeDialect) homeTally(r, sign string) []string {
	return applyAll(d.homeTallyDefs(r), sign, "")
}

// supportTallyDefs is what a support record r counts in its case c's office's queues.
func supportTallyDefs(r string) []tallyDef {
	return []tallyDef{
		{"approval", "c.office_id", "0", "''", "c.id = " + r + ".case_id AND " + supportApprovalCond(r)},
		{"delivery", "c.office_id", "0", "''", "c.id = " + r + ".case_id AND " + supportDeliveryCond(r)},
	}
}

// supportTally counts the support record r in or out of its case's office's queues.
func supportTally(r, sign string) []string {
	return applyAll(supportTallyDefs(r), sign, " FROM cases c")
}

// referralTallyDefs is what a referral r counts in its case c's office.
func (d homeDialect) referralTallyDefs(r string) []tallyDef {
	out := []tallyDef{{"referral", "c.office_id", "0", r + ".date_sent", "c.id = " + r + ".case_id AND " + referralOpenCond(r)}}
	if d.months {
		for _, c := range referralKinds.coarser(r + ".date_sent") {
			out = append(out, tallyDef{c.kind, "c.office_id", "0", c.bucket, "c.id = " + r + ".case_id AND " + referralOpenCond(r)})
		}
	}
	return out
}

func (d homeDialect) referralTally(r, sign string) []string {
	return applyAll(d.referralTallyDefs(r), sign, " FROM cases c")
}

// refill empties case_homes and home_tallies and fills them again from the records,
// as the triggers keep them (with the triggers off: each row would be counted twice).
func (d homeDialect) refill() []string {
	out := []string{"DELETE FROM home_tallies", "DELETE FROM case_homes", d.homesOf("c", " FROM cases c")}
	for _, t := range d.homeTallyDefs("h") {
		out = append(out, t.fill(" FROM case_homes h"))
	}
	for _, t := range supportTallyDefs("s") {
		out = append(out, t.fill(" FROM supports s, cases c"))
	}
	for _, t := range d.referralTallyDefs("r") {
		out = append(out, t.fill(" FROM referrals r, cases c"))
	}
	return out
}

// officeMove carries a case's support and referral counts from its old office to its
// new one.
func (d homeDialect) officeMove() []string {
	var out []string
	for _, m := range []struct{ office, sign string }{{"OLD.office_id", "-"}, {"NEW.office_id", ""}} {
		out = append(out,
			tally("approval", m.office, "0", "''", m.sign+"COUNT(*)", " FROM supports s", "s.case_id = NEW.id AND "+supportApprovalCond("s")),
			tally("delivery", m.office, "0", "''", m.sign+"COUNT(*)", " FROM supports s", "s.case_id = NEW.id AND "+supportDeliveryCond("s")),
			tally("referral", m.office, "0", "r.date_sent", m.sign+"COUNT(*)", " FROM referrals r",
				"r.case_id = NEW.id AND "+referralOpenCond("r")+" GROUP BY r.date_sent"),
		)
		if d.months {
			for _, c := range referralKinds.coarser("r.date_sent") {
				out = append(out, tally(c.kind, m.office, "0", c.bucket, m.sign+"COUNT(*)", " FROM referrals r",
					"r.case_id = NEW.id AND "+referralOpenCond("r")+" GROUP BY "+c.bucket))
			}
		}
	}
	return out
}

// homeTrigger is one trigger: its table, event, condition (on NEW/OLD) and body.
type homeTrigger struct {
	name, event, table, when string
	body                     []string
}

func (d homeDialect) triggerDefs() []homeTrigger {
	officeChanged := "OLD.office_id <> NEW.office_id"
	caseChanged := "OLD.office_id <> NEW.office_id OR OLD.status <> NEW.status OR " +
		"COALESCE(OLD.assigned_to_id, 0) <> COALESCE(NEW.assigned_to_id, 0)"
	return append([]homeTrigger{
		{"case_home_insert", "INSERT", "cases", "", []string{d.homeOf("NEW")}},
		{"case_home_update", "UPDATE OF office_id, status, assigned_to_id", "cases", caseChanged,
			[]string{"DELETE FROM case_homes WHERE case_id = OLD.id", d.homeOf("NEW")}},
		{"case_home_office", "UPDATE OF office_id", "cases", officeChanged, d.officeMove()},
		// Cases are not deleted by the portal; a deletion (by hand) drops the row, and
		// its casework's counts follow their own deletion.
		{"case_home_delete", "DELETE", "cases", "", []string{"DELETE FROM case_homes WHERE case_id = OLD.id"}},
		{"case_home_status_change", "INSERT", "status_changes", "",
			append([]string{"UPDATE case_homes SET changed_at = NEW.created_at WHERE case_id = NEW.case_id AND changed_at < NEW.created_at"},
				d.returnFromStatusChange()...)},
		{"case_home_monitoring", "INSERT", "activities", "NEW.kind = 'monitoring'",
			[]string{"UPDATE case_homes SET monitored_on = NEW.date WHERE case_id = NEW.case_id AND monitored_on < NEW.date"}},
		{"home_tally_insert", "INSERT", "case_homes", "", d.homeTally("NEW", "1")},
		{"home_tally_delete", "DELETE", "case_homes", "", d.homeTally("OLD", "-1")},
		{"home_tally_update", "UPDATE", "case_homes", "", append(d.homeTally("OLD", "-1"), d.homeTally("NEW", "1")...)},
		{"support_home_insert", "INSERT", "supports", "", supportTally("NEW", "1")},
		{"support_home_update", "UPDATE OF status, return_comment, case_id", "supports", "",
			append(supportTally("OLD", "-1"), supportTally("NEW", "1")...)},
		{"support_home_delete", "DELETE", "supports", "", supportTally("OLD", "-1")},
		{"referral_home_insert", "INSERT", "referrals", "", d.referralTally("NEW", "1")},
		{"referral_home_update", "UPDATE OF status, outcome, date_sent, case_id", "referrals", "",
			append(d.referralTally("OLD", "-1"), d.referralTally("NEW", "1")...)},
		{"referral_home_delete", "DELETE", "referrals", "", d.referralTally("OLD", "-1")},
	}, d.followupTriggerDefs()...)
}

// dropTriggers drops the triggers (and on PostgreSQL their functions) of triggerDefs,
// for a migration that makes them again: their names include every earlier one's.
func (d homeDialect) dropTriggers() []string {
	var out []string
	for _, t := range d.triggerDefs() {
		if d.pg {
			out = append(out, "DROP TRIGGER IF EXISTS "+t.name+" ON "+t.table, "DROP FUNCTION IF EXISTS "+t.name+"()")
		} else {
			out = append(out, "DROP TRIGGER IF EXISTS "+t.name)
		}
	}
	return out
}

func (d homeDialect) triggers() []string {
	var out []string
	for _, t := range d.triggerDefs() {
		body := strings.Join(t.body, ";\n") + ";"
		if !d.pg {
			when := ""
			if t.when != "" {
				when = " WHEN " + t.when
			}
			out = append(out, "CREATE TRIGGER "+t.name+" AFTER "+t.event+" ON "+t.table+" FOR EACH ROW"+when+" BEGIN\n"+body+"\nEND")
			continue
		}
		when := ""
		if t.when != "" {
			when = " WHEN (" + t.when + ")"
		}
		out = append(out,
			"CREATE FUNCTION "+t.name+"() RETURNS trigger LANGUAGE plpgsql SET plan_cache_mode = force_custom_plan AS $$\nBEGIN\n"+body+"\nRETURN NULL;\nEND $$",
			"CREATE TRIGGER "+t.name+" AFTER "+t.event+" ON "+t.table+" FOR EACH ROW"+when+" EXECUTE FUNCTION "+t.name+"()")
	}
	return out
}
