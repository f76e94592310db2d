package models

import (
	"fmt"

	"gorm.io/gorm"
)

// migrateCaseTallies adds case_tallies: the number of cases per office and status, kept
// exact by triggers in the same transaction as every insert, delete and change of office
// or status. The case list shows its total on every page; counting 100,000 index entries
// for it was two thirds of the page's database time, and summing at most offices ×
// statuses rows costs nothing. Triggers rather than store code, so that every writer —
// the stores, the import, the demo, a bulk fill in a benchmark, an operator's SQL —
// keeps the tally right.
func migrateCaseTallies(tx *gorm.DB) error {
	stmts := []string{
		`CREATE TABLE case_tallies (
			office_id BIGINT NOT NULL,
			status TEXT NOT NULL,
			n BIGINT NOT NULL,
			PRIMARY KEY (office_id, status)
		)`,
		fillCaseTallies,
	}
	if tx.Dialector.Name() == "postgres" {
		stmts = append(stmts, caseTallyTriggersPostgres...)
	} else {
		stmts = append(stmts, caseTallyTriggersSQLite...)
	}
	for _, s := range stmts {
		if err := tx.Exec(s).Error; err != nil {
			return fmt.Errorf("case tallies: %w", err)
		}
	}
	return nil
}

// fillCaseTallies counts the cases into an empty case_tallies.
const fillCaseTallies = `INSERT INTO case_tallies (office_id, status, n)
			SELECT office_id, status, COUNT(*) FROM cases GROUP BY office_id, status`

// caseTallyTriggersSQLite: SQLite has a single writer, so the tally rows never make two
// transactions wait for each other.
var caseTallyTriggersSQLite = []string{
	`CREATE TRIGGER case_tally_insert AFTER INSERT ON cases BEGIN
		INSERT INTO case_tallies (office_id, status, n) VALUES (NEW.office_id, NEW.status, 1)
			ON CONFLICT (office_id, status) DO UPDATE SET n = case_tallies.n + 1;
	END`,
	`CREATE TRIGGER case_tally_delete AFTER DELETE ON cases BEGIN
		UPDATE case_tallies SET n = n - 1 WHERE office_id = OLD.office_id AND status = OLD.status;
	END`,
	`CREATE TRIGGER case_tally_update AFTER UPDATE OF office_id, status ON cases
		WHEN OLD.office_id IS NOT NEW.office_id OR OLD.status IS NOT NEW.status BEGIN
		UPDATE case_tallies SET n = n - 1 WHERE office_id = OLD.office_id AND status = OLD.status;
		INSERT INTO case_tallies (office_id, status, n) VALUES (NEW.office_id, NEW.status, 1)
			ON CONFLICT (office_id, status) DO UPDATE SET n = case_tallies.n + 1;
	END`,
}

// caseTallyTriggersPostgres: concurrent transactions lock the tally rows they change
// until they commit, so the triggers are deferred to the commit: a registration or a
// move holds an office's tally row for the commit only, not for its whole transaction
// (under the load tool, immediate triggers made moves queue behind registrations). A
// status move touches two rows; taking them always in key order means two moves in
// opposite directions (a case closed while another is reopened) wait for each other
// instead of deadlocking.
var caseTallyTriggersPostgres = []string{
	`CREATE FUNCTION case_tally_add(o BIGINT, st TEXT, d BIGINT) RETURNS void LANGUAGE plpgsql AS $$
	BEGIN
		INSERT INTO case_tallies (office_id, status, n) VALUES (o, st, d)
			ON CONFLICT (office_id, status) DO UPDATE SET n = case_tallies.n + d;
	END $$`,
	`CREATE FUNCTION case_tally() RETURNS trigger LANGUAGE plpgsql AS $$
	BEGIN
		IF TG_OP = 'INSERT' THEN
			PERFORM case_tally_add(NEW.office_id, NEW.status, 1);
		ELSIF TG_OP = 'DELETE' THEN
			PERFORM case_tally_add(OLD.office_id, OLD.status, -1);
		ELSIF (OLD.office_id, OLD.status) < (NEW.office_id, NEW.status) THEN
			PERFORM case_tally_add(OLD.office_id, OLD.status, -1);
			PERFORM case_tally_add(NEW.office_id, NEW.status, 1);
		ELSE
			PERFORM case_tally_add(NEW.office_id, NEW.status, 1);
			PERFORM case_tally_add(OLD.office_id, OLD.status, -1);
		END IF;
		RETURN NULL;
	END $$`,
	`CREATE CONSTRAINT TRIGGER case_tally_insert_delete AFTER INSERT OR DELETE ON cases
		DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION case_tally()`,
	`CREATE CONSTRAINT TRIGGER case_tally_update AFTER UPDATE OF office_id, status ON cases
		DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
		WHEN (OLD.office_id IS DISTINCT FROM NEW.office_id OR OLD.status IS DISTINCT FROM NEW.status)
		EXECUTE FUNCTION case_tally()`,
}
