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
	stmts = append(stmts, summaryRebuildSQL(genMonths)...)
	if pg {
		stmts = append(stmts, summaryTriggersPostgres(genMonths)...)
	} else {
		stmts = append(stmts, summaryTriggersSQLite(genMonths)...)
	}
	for _, s := range stmts {
		if err := tx.Exec(s).Error; err != nil {
			return fmt.Errorf("summary prepared data: %w", err)
		}
	}
	return nil
}

// factColumnDefs are the columns of summary_facts, and of the refresh's scratch table.
const factColumnDefs = `
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
			sex VARCHAR(1) NOT NULL`

func summaryPreparedTables(pg bool) []string {
	withoutRowID := " WITHOUT ROWID"
	if pg {
		withoutRowID = ""
	}
	return []string{
		`CREATE TABLE summary_facts (` + factColumnDefs + `,
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
	return summaryFactsSourceOf(in, factsAll)
}

// factFamily is the facts that the writes to one kind of record can change, refreshed
// together: a support record changes the support facts of its case and none of its
// returns, sessions or referrals. A case's own columns feed every fact (its filter
// columns are on each row), so its writes refresh them all.
type factFamily struct {
	name string
	// inds are the fact indicators of the family; none for every one.
	inds []string
}

var (
	factsAll           = factFamily{name: "all"}
	factsVulnerability = factFamily{name: "vulnerability", inds: []string{factVulnerable, factVulnerabilty}}
	factsSessions      = factFamily{name: "sessions", inds: []string{factInformed, factTrained}}
	factsReferrals     = factFamily{name: "referrals", inds: []string{factReferrals}}
	factsSupport       = factFamily{name: "support", inds: supportFactInds()}
	factFamilies       = []factFamily{factsAll, factsVulnerability, factsSessions, factsReferrals, factsSupport}
)

func supportFactInds() []string {
	var out []string
	for _, suffix := range []string{"", deliveredSuffix} {
		out = append(out, factRecords+suffix, factSupportType+suffix, factOfficeFunded+suffix, factInbound+suffix)
	}
	return out
}

// has reports whether the family includes the facts of another (every family includes
// itself, and all includes every one).
func (f factFamily) has(g factFamily) bool { return f.name == factsAll.name || f.name == g.name }

// indCond restricts summary_facts rows to the family's indicators ("" for all).
func (f factFamily) indCond() string {
	if f.inds == nil {
		return ""
	}
	return " AND ind IN ('" + strings.Join(f.inds, "', '") + "')"
}

// summaryFactsSourceOf is summaryFactsSource for one family of facts only.
func summaryFactsSourceOf(in func(col string) string, fam factFamily) string {
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
		if !fam.has(factsSupport) {
			continue
		}
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
	// The first select of the union names the columns: each family's first names them.
	var selects []string
	add := func(f factFamily, sel ...string) {
		if fam.has(f) {
			selects = append(selects, sel...)
		}
	}
	add(factsAll,
		"SELECT c.id AS case_id, '"+factReturns+"' AS ind, '' AS k, c.departure_date AS d, 0 AS amount"+returned,
		"SELECT c.id, '"+factReturnsNationality+"', c.nationality, c.departure_date, 0"+returned,
		"SELECT c.id, '"+factReturnsSex+"', c.sex, c.departure_date, 0"+returned,
		"SELECT c.id, '"+factReturnsAge+"', "+ageGroupSQL+", c.departure_date, 0"+returned)
	add(factsVulnerability,
		"SELECT c.id AS case_id, '"+factVulnerable+"' AS ind, '' AS k, c.departure_date AS d, 0 AS amount"+returned+
			" AND EXISTS (SELECT 1 FROM case_vulnerabilities v WHERE v.case_id = c.id)",
		"SELECT c.id, '"+factVulnerabilty+"', v.code, c.departure_date, 0 FROM cases c JOIN case_vulnerabilities v ON v.case_id = c.id"+
			" WHERE "+departed+where("v.case_id"))
	add(factsSessions,
		"SELECT a.case_id AS case_id, CASE g.kind WHEN 'info_session' THEN '"+factInformed+"' ELSE '"+factTrained+"' END AS ind, '' AS k, g.date AS d, 0 AS amount"+
			" FROM session_attendances a JOIN group_sessions g ON g.id = a.session_id WHERE "+plain("g.kind")+" IN ('info_session', 'training')"+where("a.case_id"))
	add(factsReferrals,
		"SELECT r.case_id AS case_id, '"+factReferrals+"' AS ind, r.partner || ':' || r.status AS k, r.date_sent AS d, 0 AS amount FROM referrals r WHERE "+plain("r.date_sent")+" IS NOT NULL"+where("r.case_id"))
	selects = append(selects, support...)
	src := strings.Join(selects, "\nUNION ALL ")
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
	dayKey       = "ind, d, pmonth, k, office_id, direction"
	dayColumns   = dayKey + ", n, amount"
	factDayKey   = "ind, d, COALESCE(substr(prev,1,7),''), k, office_id, direction"
	yearKey      = "ind, year, pyear, k, office_id, direction"
	yearColumns  = yearKey + ", n, amount"
	factYearKey  = "ind, substr(d,1,4), COALESCE(substr(prev,1,4),''), k, office_id, direction"
)

// summaryGen is a generation of the prepared tables and of the triggers that keep them:
// each migration that changed them makes its own generation's, so that replaying the
// history gives the same schema.
type summaryGen int

const (
	// genMonths: summary_facts, summary_tallies and summary_totals (migrations 0005
	// and 0015).
	genMonths summaryGen = iota
	// genDays adds summary_days, and triggers that refresh only the facts a write can
	// change (migration 0020).
	genDays
	// genYears adds summary_years (migration 0022).
	genYears
)

// summaryRebuildSQL empties and refills the prepared tables of a generation from the
// records.
func summaryRebuildSQL(gen summaryGen) []string {
	all := func(string) string { return "" }
	var out []string
	if gen >= genYears {
		out = append(out, "DELETE FROM summary_years")
	}
	if gen >= genDays {
		out = append(out, "DELETE FROM summary_days")
	}
	out = append(out,
		"DELETE FROM summary_totals",
		"DELETE FROM summary_tallies",
		"DELETE FROM summary_facts",
		"INSERT INTO summary_facts ("+factColumns+") "+summaryFactsSource(all),
		"INSERT INTO summary_tallies ("+tallyColumns+") SELECT "+factTallyKey+
			", SUM(n), CAST(SUM(amount) AS BIGINT) FROM summary_facts GROUP BY "+factTallyKey,
		"INSERT INTO summary_totals ("+totalColumns+") SELECT "+totalKey+
			", SUM(n), CAST(SUM(amount) AS BIGINT) FROM summary_tallies GROUP BY "+totalKey,
	)
	if gen >= genDays {
		out = append(out, fillSummaryDays)
	}
	if gen >= genYears {
		out = append(out, fillSummaryYears)
	}
	return out
}

// fillSummaryDays sums the facts into summary_days.
const fillSummaryDays = "INSERT INTO summary_days (" + dayColumns + ") SELECT " + factDayKey +
	", SUM(n), CAST(SUM(amount) AS BIGINT) FROM summary_facts GROUP BY " + factDayKey

// fillSummaryYears sums the facts into summary_years.
const fillSummaryYears = "INSERT INTO summary_years (" + yearColumns + ") SELECT " + factYearKey +
	", SUM(n), CAST(SUM(amount) AS BIGINT) FROM summary_facts GROUP BY " + factYearKey

// summaryRefreshSQL recomputes the facts of the cases whose id satisfies in(col) and
// moves the totals and tallies by the difference: first those (old facts subtracted,
// new ones added, in key order so that concurrent refreshes take their rows in the
// same order), then the facts replaced. Only the facts of one family are read and
// rewritten.
//
// With scratch (SQLite), the new facts are computed once into summary_refresh_rows,
// which the later statements read and the last one empties: computing them is most of
// a refresh's time, and SQLite's triggers have no variables. The table is empty between
// statements (a single writer, and a refresh fires no trigger). PostgreSQL computes
// them in each statement: concurrent transactions would share the table.
//
// The tables of the generation move: summary_days from genDays on, summary_years from
// genYears on.
func summaryRefreshSQL(in func(col string) string, fam factFamily, gen summaryGen, scratch bool) []string {
	old := in("case_id") + fam.indCond()
	newFacts := "(" + summaryFactsSourceOf(in, fam) + ")"
	if scratch {
		newFacts = "summary_refresh_rows"
	}
	delta := "SELECT ind, d, prev, k, office_id, direction, nationality, sex, -n AS n, -amount AS amount FROM summary_facts WHERE " + old +
		" UNION ALL SELECT ind, d, prev, k, office_id, direction, nationality, sex, n, amount FROM " + newFacts + " nf"
	move := func(table, key, factKey string) string {
		return "INSERT INTO " + table + " (" + key + ", n, amount) SELECT " + factKey + ", SUM(n), CAST(SUM(amount) AS BIGINT) FROM (" + delta +
			") z GROUP BY " + factKey + " HAVING SUM(n) <> 0 OR SUM(amount) <> 0 ORDER BY " + factKey +
			" ON CONFLICT (" + key + ") DO UPDATE SET n = " + table + ".n + excluded.n, amount = " + table + ".amount + excluded.amount"
	}
	stmts := []string{
		move("summary_totals", totalKey, factTotalKey),
		move("summary_tallies", tallyKey, factTallyKey),
	}
	if gen >= genDays {
		stmts = append(stmts, move("summary_days", dayKey, factDayKey))
	}
	if gen >= genYears {
		stmts = append(stmts, move("summary_years", yearKey, factYearKey))
	}
	stmts = append(stmts, "DELETE FROM summary_facts WHERE "+old)
	if !scratch {
		return append(stmts, "INSERT INTO summary_facts ("+factColumns+") "+summaryFactsSourceOf(in, fam))
	}
	return append(append([]string{"INSERT INTO summary_refresh_rows (" + factColumns + ") " + summaryFactsSourceOf(in, fam)}, stmts...),
		"INSERT INTO summary_facts ("+factColumns+") SELECT "+factColumns+" FROM summary_refresh_rows",
		"DELETE FROM summary_refresh_rows")
}

// summaryWatched are the writes that change a figure: per table, the case id column,
// the columns whose update matters and the facts its writes can change.
var summaryWatched = []struct {
	table, caseCol, columns string
	facts                   factFamily
}{
	{"cases", "id", "office_id, direction, nationality, sex, birth_date, age_estimate, departure_date", factsAll},
	{"case_vulnerabilities", "case_id", "case_id, code", factsVulnerability},
	{"session_attendances", "case_id", "case_id, session_id", factsSessions},
	{"supports", "case_id", "case_id, type, amount, currency, date, funded_by_office, status", factsSupport},
	{"referrals", "case_id", "case_id, partner, status, date_sent", factsReferrals},
}

// summaryUpdateChanges is the condition under which an update of a watched table's
// columns changes a fact: a column's value differs (an update that sets a column to its
// own value, as saving a form does, changes none), and a support record's status only
// counts when it enters or leaves cancelled or delivered (the two variants of
// summaryFactsSource): an approval changes no figure. distinct is the dialect's
// "differs, NULL included" operator.
func summaryUpdateChanges(table, columns, distinct string) string {
	var conds []string
	for _, col := range strings.Split(columns, ", ") {
		if table == "supports" && col == "status" {
			for _, st := range []string{"cancelled", "delivered"} {
				conds = append(conds, "(OLD.status = '"+st+"') "+distinct+" (NEW.status = '"+st+"')")
			}
			continue
		}
		conds = append(conds, "OLD."+col+" "+distinct+" NEW."+col)
	}
	return strings.Join(conds, " OR ")
}

// summaryInsertCounts is the condition under which a new row of a watched table can
// carry a fact: a new case only with a departure (its support, sessions and referrals
// come later, each with its own trigger).
func summaryInsertCounts(table string) string {
	if table == "cases" {
		return "NEW.departure_date IS NOT NULL AND NEW.departure_date <> ''"
	}
	return ""
}

// summaryTriggersSQLite: SQLite's triggers cannot call a procedure, so each one carries
// the refresh statements for its own case set and family of facts. A single writer: no
// lock ordering. From genDays on, the triggers fire only on a change that can move a
// figure and compute the new facts once (summary_refresh_rows); genMonths is the
// triggers migrations 0005 and 0015 made, which those migrations still make.
func summaryTriggersSQLite(gen summaryGen) []string {
	var out []string
	current := gen >= genDays
	trigger := func(name, event, set string, facts factFamily) {
		in := func(col string) string { return col + " IN (" + set + ")" }
		out = append(out, "CREATE TRIGGER "+name+" "+event+" BEGIN\n"+strings.Join(summaryRefreshSQL(in, facts, gen, current), ";\n")+";\nEND")
	}
	for _, w := range summaryWatched {
		insert, update := "AFTER INSERT ON "+w.table, "AFTER UPDATE OF "+w.columns+" ON "+w.table
		if current {
			if cond := summaryInsertCounts(w.table); cond != "" {
				insert += " WHEN " + cond
			}
			update += " WHEN " + summaryUpdateChanges(w.table, w.columns, "IS NOT")
		}
		trigger("summary_"+w.table+"_insert", insert, "NEW."+w.caseCol, w.facts)
		trigger("summary_"+w.table+"_delete", "AFTER DELETE ON "+w.table, "OLD."+w.caseCol, w.facts)
		trigger("summary_"+w.table+"_update", update, "OLD."+w.caseCol+", NEW."+w.caseCol, w.facts)
	}
	trigger("summary_group_sessions_update", "AFTER UPDATE OF kind, date ON group_sessions",
		"SELECT a.case_id FROM session_attendances a WHERE a.session_id = NEW.id", factsSessions)
	return out
}

// summaryTriggersPostgres: one refresh function, called at commit (deferred, like
// case_tallies) so that the tally rows stay locked for the commit only. The function
// first locks the cases it refreshes: two transactions refreshing the same case run
// one after the other, the second reading the facts the first committed.
func summaryTriggersPostgres(gen summaryGen) []string {
	out := []string{
		summaryRefreshFunctionPostgres(gen),
		`CREATE OR REPLACE FUNCTION summary_refresh_row() RETURNS trigger LANGUAGE plpgsql AS $$
		DECLARE ids BIGINT[] := '{}';
		BEGIN
			IF TG_OP <> 'INSERT' THEN ids := ids || (to_jsonb(OLD)->>TG_ARGV[0])::BIGINT; END IF;
			IF TG_OP <> 'DELETE' THEN ids := ids || (to_jsonb(NEW)->>TG_ARGV[0])::BIGINT; END IF;
			PERFORM summary_refresh(ids, TG_ARGV[1]);
			RETURN NULL;
		END $$`,
		`CREATE OR REPLACE FUNCTION summary_refresh_session() RETURNS trigger LANGUAGE plpgsql AS $$
		BEGIN
			PERFORM summary_refresh(ARRAY(SELECT a.case_id::BIGINT FROM session_attendances a WHERE a.session_id = NEW.id), '` + factsSessions.name + `');
			RETURN NULL;
		END $$`,
		`CREATE CONSTRAINT TRIGGER summary_group_sessions_update AFTER UPDATE OF kind, date ON group_sessions
			DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION summary_refresh_session()`,
	}
	for _, w := range summaryWatched {
		args := "('" + w.caseCol + "', '" + w.facts.name + "')"
		out = append(out,
			"CREATE CONSTRAINT TRIGGER summary_"+w.table+"_insert_delete AFTER INSERT OR DELETE ON "+w.table+
				" DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION summary_refresh_row"+args,
			"CREATE CONSTRAINT TRIGGER summary_"+w.table+"_update AFTER UPDATE OF "+w.columns+" ON "+w.table+
				" DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN ("+summaryUpdateChanges(w.table, w.columns, "IS DISTINCT FROM")+
				") EXECUTE FUNCTION summary_refresh_row"+args)
	}
	return out
}

// summaryRefreshFunctionPostgres is the function every PostgreSQL summary trigger calls,
// with the family of facts to refresh.
func summaryRefreshFunctionPostgres(gen summaryGen) string {
	in := func(col string) string { return col + " = ANY(ids)" }
	var body strings.Builder
	for i, fam := range factFamilies[1:] {
		if i > 0 {
			body.WriteString("ELS")
		}
		body.WriteString("IF fam = '" + fam.name + "' THEN\n" + strings.Join(summaryRefreshSQL(in, fam, gen, false), ";\n") + ";\n")
	}
	body.WriteString("ELSE\n" + strings.Join(summaryRefreshSQL(in, factsAll, gen, false), ";\n") + ";\nEND IF;\n")
	return "CREATE OR REPLACE FUNCTION summary_refresh(ids BIGINT[], fam TEXT) RETURNS void LANGUAGE plpgsql\n" +
		// Every statement here selects a few cases' rows by id (see plain in
		// summaryFactsSource), so the index on the case is always the right path.
		// Planning at each call cost a hundred times the refresh itself (the facts'
		// definition is planned three times): the plan is made once per connection
		// (generic), and with sequential scans off it is the index one even when made
		// while the tables were nearly empty (a new database, the demo), which
		// otherwise read them whole at every write for as long as the connection lived.
		"SET plan_cache_mode = force_generic_plan SET enable_seqscan = off AS $$\nBEGIN\n" +
		"PERFORM 1 FROM cases WHERE id = ANY(ids) ORDER BY id FOR UPDATE;\n" + body.String() + "END $$"
}

// migrateSummaryRefreshByCase brings a database made before the refresh statements
// selected the returns by case id first to today's statements: on SQLite the triggers
// are made again, on PostgreSQL the function they call. The prepared data is unchanged.
func migrateSummaryRefreshByCase(tx *gorm.DB) error {
	stmts := []string{summaryRefreshFunctionPostgres(genMonths)}
	if tx.Dialector.Name() != "postgres" {
		stmts = dropSummaryTriggersSQLite()
		stmts = append(stmts, summaryTriggersSQLite(genMonths)...)
	}
	for _, s := range stmts {
		if err := tx.Exec(s).Error; err != nil {
			return fmt.Errorf("summary refresh by case: %w", err)
		}
	}
	return nil
}

func dropSummaryTriggersSQLite() []string {
	var stmts []string
	for _, w := range summaryWatched {
		for _, ev := range []string{"insert", "delete", "update"} {
			stmts = append(stmts, "DROP TRIGGER IF EXISTS summary_"+w.table+"_"+ev)
		}
	}
	return append(stmts, "DROP TRIGGER IF EXISTS summary_group_sessions_update")
}

// migrateSummaryDaysAndFamilies adds summary_days, the facts summed per day (month of
// prev, office and direction, as summary_totals per month): the partial months at the
// ends of a period are read from it instead of from every fact of their days, which
// grew with the data.
//
// It also makes every summary trigger refresh only the facts its table's writes can
// change (a support record's, not the case's returns, sessions and referrals too), and
// only when a write can change one (not a new case without a departure, an approval,
// or a form saved with its values unchanged); on SQLite the new facts are computed once
// per refresh instead of three times. The refresh was most of a support write's time.
func migrateSummaryDaysAndFamilies(tx *gorm.DB) error {
	withoutRowID := " WITHOUT ROWID"
	if tx.Dialector.Name() == "postgres" {
		withoutRowID = ""
	}
	stmts := []string{`CREATE TABLE summary_days (
			ind VARCHAR(40) NOT NULL,
			d VARCHAR(10) NOT NULL,
			pmonth VARCHAR(7) NOT NULL,
			k VARCHAR(80) NOT NULL,
			office_id BIGINT NOT NULL,
			direction VARCHAR(10) NOT NULL,
			n BIGINT NOT NULL,
			amount BIGINT NOT NULL,
			PRIMARY KEY (ind, d, pmonth, k, office_id, direction)
		)` + withoutRowID, fillSummaryDays}
	if tx.Dialector.Name() == "postgres" {
		for _, w := range summaryWatched {
			stmts = append(stmts, "DROP TRIGGER IF EXISTS summary_"+w.table+"_insert_delete ON "+w.table,
				"DROP TRIGGER IF EXISTS summary_"+w.table+"_update ON "+w.table)
		}
		stmts = append(stmts, "DROP TRIGGER IF EXISTS summary_group_sessions_update ON group_sessions")
		stmts = append(stmts, summaryTriggersPostgres(genDays)...)
		stmts = append(stmts, "DROP FUNCTION IF EXISTS summary_refresh(BIGINT[])")
	} else {
		stmts = append(append(stmts, dropSummaryTriggersSQLite()...), "CREATE TABLE summary_refresh_rows ("+factColumnDefs+")")
		stmts = append(stmts, summaryTriggersSQLite(genDays)...)
	}
	for _, s := range stmts {
		if err := tx.Exec(s).Error; err != nil {
			return fmt.Errorf("summary days and families: %w", err)
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
			if err := tx.Exec("LOCK TABLE summary_facts, summary_tallies, summary_totals, summary_days, summary_years IN EXCLUSIVE MODE").Error; err != nil {
				return err
			}
		}
		for _, s := range summaryRebuildSQL(genYears) {
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
