package models

import (
	"context"
	"fmt"
	"strings"

	"gorm.io/gorm"
)

// The summary is answered from two prepared tables instead of scanning the cases,
// support, attendance and referrals at every request.
//
// summary_facts holds, for every case, one row per (indicator, key, day) on which the
// case counts: its departure for the returns, each day it attended an info or training
// session, each day it received non-cancelled (or delivered) support of a type, each day
// a referral was sent. Every row carries the case's filter columns, and prev: the
// previous day of the same case, indicator and key (NULL for the first). A case counts
// in a distinct-person figure for a period [from, to] exactly when it has a day in the
// period, and its first day in the period is the one row whose prev is NULL or before
// from; so a distinct count is a plain count of the rows with d in the period and
// (prev IS NULL OR prev < from), for any period and any filter. The support records
// ("records") are additive: one row per case, key and day with the count and amount
// of the records, and no prev.
//
// summary_tallies sums the facts per month of d, month of prev and filter columns. A
// period made of whole months reads only tallies (prev's month before from's month);
// the days of a partial month at either end, and the rows whose prev falls in from's
// own month when from is not a first of the month, are read from the facts (see
// preparedSQL). Both tables are kept exact by triggers in the same transaction as
// every write that changes a figure, whoever writes (stores, import, demo, an
// operator's SQL); RebuildSummary refills them from the records.
func migrateSummaryPrepared(tx *gorm.DB) error {
	pg := tx.Dialector.Name() == "postgres"
	stmts := summaryPreparedTables(pg)
	stmts = append(stmts, summaryRebuildSQL()...)
	if pg {
		stmts = append(stmts, summaryTriggersPostgres()...)
	} else {
		stmts = append(stmts, summaryTriggersSQLite()...)
	}
	for _, s := range stmts {
		if err := tx.Exec(s).Error; err != nil {
			return fmt.Errorf("summary prepared data: %w", err)
		}
	}
	return nil
}

func summaryPreparedTables(pg bool) []string {
	withoutRowID := " WITHOUT ROWID"
	if pg {
		withoutRowID = ""
	}
	return []string{
		`CREATE TABLE summary_facts (
			case_id BIGINT NOT NULL,
			ind VARCHAR(40) NOT NULL,
			k VARCHAR(80) NOT NULL,
			d VARCHAR(10) NOT NULL,
			prev VARCHAR(10),
			n BIGINT NOT NULL,
			amount BIGINT NOT NULL,
			office_id BIGINT NOT NULL,
			direction VARCHAR(10) NOT NULL,
			nationality VARCHAR(2) NOT NULL,
			sex VARCHAR(1) NOT NULL,
			PRIMARY KEY (case_id, ind, k, d)
		)` + withoutRowID,
		// the period's days of one indicator (edges of a period, drill-down lists)
		`CREATE INDEX idx_summary_facts_ind_d ON summary_facts (ind, d, prev, k, office_id, direction, nationality, sex, n, amount, case_id)`,
		// the rows whose prev falls in the first, partial month of a period
		`CREATE INDEX idx_summary_facts_ind_prev ON summary_facts (ind, prev, d)`,
		`CREATE TABLE summary_tallies (
			ind VARCHAR(40) NOT NULL,
			month VARCHAR(7) NOT NULL,
			pmonth VARCHAR(7) NOT NULL,
			k VARCHAR(80) NOT NULL,
			office_id BIGINT NOT NULL,
			direction VARCHAR(10) NOT NULL,
			nationality VARCHAR(2) NOT NULL,
			sex VARCHAR(1) NOT NULL,
			n BIGINT NOT NULL,
			amount BIGINT NOT NULL,
			PRIMARY KEY (ind, month, pmonth, k, office_id, direction, nationality, sex)
		)` + withoutRowID,
		// summary_tallies without nationality and sex: what a summary with neither filter
		// reads (a sixth of the rows at the demo's scale)
		`CREATE TABLE summary_totals (
			ind VARCHAR(40) NOT NULL,
			month VARCHAR(7) NOT NULL,
			pmonth VARCHAR(7) NOT NULL,
			k VARCHAR(80) NOT NULL,
			office_id BIGINT NOT NULL,
			direction VARCHAR(10) NOT NULL,
			n BIGINT NOT NULL,
			amount BIGINT NOT NULL,
			PRIMARY KEY (ind, month, pmonth, k, office_id, direction)
		)` + withoutRowID,
	}
}

// Fact indicators (summary_facts.ind). The ".delivered" variants count delivered
// support only (the summary's "delivered support only" filter).
const (
	factReturns = "returns"
	// the returns again, keyed by nationality, sex and age group at departure: the
	// breakdowns read them from summary_totals, which has no such columns
	factReturnsNationality = "returns_nationality"
	factReturnsSex         = "returns_sex"
	factReturnsAge         = "returns_age"
	factVulnerable         = "vulnerable"
	factVulnerabilty       = "vulnerability"
	factInformed           = "informed"
	factTrained            = "trained"
	factOfficeFunded       = "office_funded"
	factInbound            = "inbound_supported"
	factSupportType        = "support_type"
	factReferrals          = "referrals"
	factRecords            = "records"
	deliveredSuffix        = ".delivered"
)

// summaryFactsSource is THE definition of every figure of the summary: the facts of the
// cases whose id satisfies in(column) (in returns "" for all cases), as the columns of
// summary_facts. The summary's direct SQL (indicatorSQL) states the same definitions
// over the records; the property test holds the two equal.
func summaryFactsSource(in func(col string) string) string {
	where := func(col string) string {
		if c := in(col); c != "" {
			return " AND " + c
		}
		return ""
	}
	// A refresh selects its cases by id, and that must be the only way in: planned
	// without the ids' values (an SQLite trigger; a PostgreSQL plan kept for the
	// connection, made while the tables were small), a condition an index serves,
	// such as the returns index on (direction, departure_date), led the plan to read
	// every departed case at each write. In a refresh the conditions compare
	// plain(column), a value no index serves, so the case ids lead.
	plain := func(col string) string { return col }
	if in("c.id") != "" {
		plain = func(col string) string { return "(" + col + " || '')" }
	}
	// support rows: one select per variant (non-cancelled, delivered)
	var support []string
	for _, v := range []struct{ suffix, cond string }{
		{"", plain("s.status") + " <> 'cancelled'"},
		{deliveredSuffix, plain("s.status") + " = 'delivered'"},
	} {
		base := " FROM supports s JOIN cases c ON c.id = s.case_id WHERE " + v.cond + where("s.case_id")
		support = append(support,
			"SELECT s.case_id AS case_id, '"+factRecords+v.suffix+"' AS ind, s.type || ':' || s.currency AS k, s.date AS d, s.amount AS amount"+base,
			"SELECT s.case_id, '"+factSupportType+v.suffix+"', s.type, s.date, 0"+base,
			"SELECT s.case_id, '"+factOfficeFunded+v.suffix+"', '', s.date, 0"+base+" AND "+plain("c.direction")+" = 'outbound' AND s.funded_by_office = TRUE",
			"SELECT s.case_id, '"+factInbound+v.suffix+"', '', s.date, 0"+base+" AND "+plain("c.direction")+" = 'inbound'",
		)
	}
	// (a NULL departure fails the comparison with '' too: IS NOT NULL only lets the
	// rebuild use the returns index)
	departed := plain("c.direction") + " = 'outbound' AND " + plain("c.departure_date") + " <> ''"
	if in("c.id") == "" {
		departed = "c.direction = 'outbound' AND c.departure_date IS NOT NULL AND c.departure_date <> ''"
	}
	returned := " FROM cases c WHERE " + departed + where("c.id")
	src := strings.Join(append([]string{
		"SELECT c.id AS case_id, '" + factReturns + "' AS ind, '' AS k, c.departure_date AS d, 0 AS amount" + returned,
		"SELECT c.id, '" + factReturnsNationality + "', c.nationality, c.departure_date, 0" + returned,
		"SELECT c.id, '" + factReturnsSex + "', c.sex, c.departure_date, 0" + returned,
		"SELECT c.id, '" + factReturnsAge + "', " + ageGroupSQL + ", c.departure_date, 0" + returned,
		"SELECT c.id, '" + factVulnerable + "', '', c.departure_date, 0" + returned +
			" AND EXISTS (SELECT 1 FROM case_vulnerabilities v WHERE v.case_id = c.id)",
		"SELECT c.id, '" + factVulnerabilty + "', v.code, c.departure_date, 0 FROM cases c JOIN case_vulnerabilities v ON v.case_id = c.id" +
			" WHERE " + departed + where("v.case_id"),
		"SELECT a.case_id, CASE g.kind WHEN 'info_session' THEN '" + factInformed + "' ELSE '" + factTrained + "' END, '', g.date, 0" +
			" FROM session_attendances a JOIN group_sessions g ON g.id = a.session_id WHERE " + plain("g.kind") + " IN ('info_session', 'training')" + where("a.case_id"),
		"SELECT r.case_id, '" + factReferrals + "', r.partner || ':' || r.status, r.date_sent, 0 FROM referrals r WHERE " + plain("r.date_sent") + " IS NOT NULL" + where("r.case_id"),
	}, support...), "\nUNION ALL ")
	records := "('" + factRecords + "', '" + factRecords + deliveredSuffix + "')"
	return `SELECT f.case_id AS case_id, f.ind AS ind, f.k AS k, f.d AS d,
		CASE WHEN f.ind IN ` + records + ` THEN NULL ELSE LAG(f.d) OVER (PARTITION BY f.case_id, f.ind, f.k ORDER BY f.d) END AS prev,
		f.n AS n, f.amount AS amount, c.office_id AS office_id, c.direction AS direction, c.nationality AS nationality, c.sex AS sex
		FROM (SELECT u.case_id AS case_id, u.ind AS ind, u.k AS k, u.d AS d,
				CASE WHEN u.ind IN ` + records + ` THEN COUNT(*) ELSE 1 END AS n, CAST(SUM(u.amount) AS BIGINT) AS amount
			FROM (` + src + `) u GROUP BY u.case_id, u.ind, u.k, u.d) f
		JOIN cases c ON c.id = f.case_id`
}

const (
	factColumns  = "case_id, ind, k, d, prev, n, amount, office_id, direction, nationality, sex"
	tallyKey     = "ind, month, pmonth, k, office_id, direction, nationality, sex"
	tallyColumns = tallyKey + ", n, amount"
	// factTallyKey is tallyKey computed from a row of summary_facts.
	factTallyKey = "ind, substr(d,1,7), COALESCE(substr(prev,1,7),''), k, office_id, direction, nationality, sex"
	totalKey     = "ind, month, pmonth, k, office_id, direction"
	totalColumns = totalKey + ", n, amount"
	factTotalKey = "ind, substr(d,1,7), COALESCE(substr(prev,1,7),''), k, office_id, direction"
)

// summaryRebuildSQL empties and refills both tables from the records.
func summaryRebuildSQL() []string {
	all := func(string) string { return "" }
	return []string{
		"DELETE FROM summary_totals",
		"DELETE FROM summary_tallies",
		"DELETE FROM summary_facts",
		"INSERT INTO summary_facts (" + factColumns + ") " + summaryFactsSource(all),
		"INSERT INTO summary_tallies (" + tallyColumns + ") SELECT " + factTallyKey +
			", SUM(n), CAST(SUM(amount) AS BIGINT) FROM summary_facts GROUP BY " + factTallyKey,
		"INSERT INTO summary_totals (" + totalColumns + ") SELECT " + totalKey +
			", SUM(n), CAST(SUM(amount) AS BIGINT) FROM summary_tallies GROUP BY " + totalKey,
	}
}

// summaryRefreshSQL recomputes the facts of the cases whose id satisfies in(col) and
// moves the totals and tallies by the difference: first those (old facts subtracted,
// new ones added, in key order so that concurrent refreshes take their rows in the
// same order), then the facts replaced.
func summaryRefreshSQL(in func(col string) string) []string {
	delta := "SELECT ind, d, prev, k, office_id, direction, nationality, sex, -n AS n, -amount AS amount FROM summary_facts WHERE " + in("case_id") +
		" UNION ALL SELECT ind, d, prev, k, office_id, direction, nationality, sex, n, amount FROM (" + summaryFactsSource(in) + ") nf"
	move := func(table, key, factKey string) string {
		return "INSERT INTO " + table + " (" + key + ", n, amount) SELECT " + factKey + ", SUM(n), CAST(SUM(amount) AS BIGINT) FROM (" + delta +
			") z GROUP BY " + factKey + " HAVING SUM(n) <> 0 OR SUM(amount) <> 0 ORDER BY " + factKey +
			" ON CONFLICT (" + key + ") DO UPDATE SET n = " + table + ".n + excluded.n, amount = " + table + ".amount + excluded.amount"
	}
	return []string{
		move("summary_totals", totalKey, factTotalKey),
		move("summary_tallies", tallyKey, factTallyKey),
		"DELETE FROM summary_facts WHERE " + in("case_id"),
		"INSERT INTO summary_facts (" + factColumns + ") " + summaryFactsSource(in),
	}
}

// summaryWatched are the writes that change a figure: per table, the case id column
// and the columns whose update matters.
var summaryWatched = []struct{ table, caseCol, columns string }{
	{"cases", "id", "office_id, direction, nationality, sex, birth_date, age_estimate, departure_date"},
	{"case_vulnerabilities", "case_id", "case_id, code"},
	{"session_attendances", "case_id", "case_id, session_id"},
	{"supports", "case_id", "case_id, type, amount, currency, date, funded_by_office, status"},
	{"referrals", "case_id", "case_id, partner, status, date_sent"},
}

// summaryTriggersSQLite: SQLite's triggers cannot call a procedure, so each one carries
// the refresh statements for its own case set. A single writer: no lock ordering.
func summaryTriggersSQLite() []string {
	var out []string
	trigger := func(name, event, set string) {
		in := func(col string) string { return col + " IN (" + set + ")" }
		out = append(out, "CREATE TRIGGER "+name+" "+event+" BEGIN\n"+strings.Join(summaryRefreshSQL(in), ";\n")+";\nEND")
	}
	for _, w := range summaryWatched {
		trigger("summary_"+w.table+"_insert", "AFTER INSERT ON "+w.table, "NEW."+w.caseCol)
		trigger("summary_"+w.table+"_delete", "AFTER DELETE ON "+w.table, "OLD."+w.caseCol)
		trigger("summary_"+w.table+"_update", "AFTER UPDATE OF "+w.columns+" ON "+w.table, "OLD."+w.caseCol+", NEW."+w.caseCol)
	}
	trigger("summary_group_sessions_update", "AFTER UPDATE OF kind, date ON group_sessions",
		"SELECT a.case_id FROM session_attendances a WHERE a.session_id = NEW.id")
	return out
}

// summaryTriggersPostgres: one refresh function, called at commit (deferred, like
// case_tallies) so that the tally rows stay locked for the commit only. The function
// first locks the cases it refreshes: two transactions refreshing the same case run
// one after the other, the second reading the facts the first committed.
func summaryTriggersPostgres() []string {
	out := []string{
		summaryRefreshFunctionPostgres(),
		`CREATE FUNCTION summary_refresh_row() RETURNS trigger LANGUAGE plpgsql AS $$
		DECLARE ids BIGINT[] := '{}';
		BEGIN
			IF TG_OP <> 'INSERT' THEN ids := ids || (to_jsonb(OLD)->>TG_ARGV[0])::BIGINT; END IF;
			IF TG_OP <> 'DELETE' THEN ids := ids || (to_jsonb(NEW)->>TG_ARGV[0])::BIGINT; END IF;
			PERFORM summary_refresh(ids);
			RETURN NULL;
		END $$`,
		`CREATE FUNCTION summary_refresh_session() RETURNS trigger LANGUAGE plpgsql AS $$
		BEGIN
			PERFORM summary_refresh(ARRAY(SELECT a.case_id::BIGINT FROM session_attendances a WHERE a.session_id = NEW.id));
			RETURN NULL;
		END $$`,
		`CREATE CONSTRAINT TRIGGER summary_group_sessions_update AFTER UPDATE OF kind, date ON group_sessions
			DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION summary_refresh_session()`,
	}
	for _, w := range summaryWatched {
		out = append(out,
			"CREATE CONSTRAINT TRIGGER summary_"+w.table+"_insert_delete AFTER INSERT OR DELETE ON "+w.table+
				" DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION summary_refresh_row('"+w.caseCol+"')",
			"CREATE CONSTRAINT TRIGGER summary_"+w.table+"_update AFTER UPDATE OF "+w.columns+" ON "+w.table+
				" DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION summary_refresh_row('"+w.caseCol+"')")
	}
	return out
}

// summaryRefreshFunctionPostgres is the function every PostgreSQL summary trigger calls.
func summaryRefreshFunctionPostgres() string {
	in := func(col string) string { return col + " = ANY(ids)" }
	return "CREATE OR REPLACE FUNCTION summary_refresh(ids BIGINT[]) RETURNS void LANGUAGE plpgsql\n" +
		// Every statement here selects a few cases' rows by id (see plain in
		// summaryFactsSource), so the index on the case is always the right path.
		// Planning at each call cost a hundred times the refresh itself (the facts'
		// definition is planned three times): the plan is made once per connection
		// (generic), and with sequential scans off it is the index one even when made
		// while the tables were nearly empty (a new database, the demo), which
		// otherwise read them whole at every write for as long as the connection lived.
		"SET plan_cache_mode = force_generic_plan SET enable_seqscan = off AS $$\nBEGIN\n" +
		"PERFORM 1 FROM cases WHERE id = ANY(ids) ORDER BY id FOR UPDATE;\n" +
		strings.Join(summaryRefreshSQL(in), ";\n") + ";\nEND $$"
}

// migrateSummaryRefreshByCase brings a database made before the refresh statements
// selected the returns by case id first to today's statements: on SQLite the triggers
// are made again, on PostgreSQL the function they call. The prepared data is unchanged.
func migrateSummaryRefreshByCase(tx *gorm.DB) error {
	stmts := []string{summaryRefreshFunctionPostgres()}
	if tx.Dialector.Name() != "postgres" {
		stmts = nil
		for _, w := range summaryWatched {
			for _, ev := range []string{"insert", "delete", "update"} {
				stmts = append(stmts, "DROP TRIGGER IF EXISTS summary_"+w.table+"_"+ev)
			}
		}
		stmts = append(append(stmts, "DROP TRIGGER IF EXISTS summary_group_sessions_update"), summaryTriggersSQLite()...)
	}
	for _, s := range stmts {
		if err := tx.Exec(s).Error; err != nil {
			return fmt.Errorf("summary refresh by case: %w", err)
		}
	}
	return nil
}

// RebuildSummary refills the summary's prepared tables from the records, in one
// transaction: for an operator who changed records in a way the triggers could not see
// (triggers dropped, a restore of some tables only). It returns the number of facts.
func RebuildSummary(ctx context.Context, db *DB) (int64, error) {
	var n int64
	err := db.Write.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if db.Dialect == Postgres {
			// no summary write may interleave with the refill
			if err := tx.Exec("LOCK TABLE summary_facts, summary_tallies, summary_totals IN EXCLUSIVE MODE").Error; err != nil {
				return err
			}
		}
		for _, s := range summaryRebuildSQL() {
			if err := tx.Exec(s).Error; err != nil {
				return err
			}
		}
		return tx.Raw("SELECT COUNT(*) FROM summary_facts").Row().Scan(&n)
	})
	if err != nil {
		return 0, fmt.Errorf("rebuild summary: %w", err)
	}
	return n, nil
}
