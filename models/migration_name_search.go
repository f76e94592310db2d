package models

import (
	"fmt"

	"gorm.io/gorm"
)

// maxSearchKeyRunes bounds the positions the search index reads in a case's search key:
// the numbers table below has this many rows. Every field that goes into the key has a
// length limit far below it, so no key is ever longer.
const maxSearchKeyRunes = 4096

// migrateNameSearch adds case_search_suffixes: every suffix of three or more letters of
// every word of each case's search key, with the case's office. A name search matched
// each word of the query anywhere in the key (`search_key LIKE '%fatima%'`), which
// reads every case in scope to count the results: 10 ms for one search at 122,000
// cases, and it grows with the cases. A word of the query is inside a word of the key
// exactly when it begins one of that word's suffixes, so the same search becomes a
// range of an index (`suffix BETWEEN 'fatima' AND 'fatima' || U+10FFFF`), with the same
// results on both databases. Words of one or two letters still use LIKE.
//
// Triggers keep the table, as case_tallies, so that every writer — registration,
// edits, numbering, the import, the demo, an operator's SQL, anonymisation — keeps it
// exact in its own transaction. The suffixes are cut by SQL string functions that count
// characters on both databases, so Arabic and accented keys index alike. On PostgreSQL
// the functions plan each statement for its call: a plan cached while the table was
// small would read it whole on every edit.
func migrateNameSearch(tx *gorm.DB) error {
	var stmts []string
	if tx.Dialector.Name() == "postgres" {
		stmts = []string{
			// COLLATE "C": the prefix range must follow byte order, as SQLite's does.
			`CREATE TABLE case_search_suffixes (
				suffix TEXT COLLATE "C" NOT NULL,
				office_id BIGINT NOT NULL,
				case_id BIGINT NOT NULL,
				PRIMARY KEY (suffix, office_id, case_id)
			)`,
			`CREATE INDEX idx_case_search_suffixes_case ON case_search_suffixes (case_id)`,
			`CREATE FUNCTION case_search_index() RETURNS trigger LANGUAGE plpgsql SET plan_cache_mode = force_custom_plan AS $$
			BEGIN
				IF TG_OP = 'UPDATE' THEN
					DELETE FROM case_search_suffixes WHERE case_id = OLD.id;
				END IF;
				INSERT INTO case_search_suffixes (suffix, office_id, case_id)
					SELECT DISTINCT w, NEW.office_id, NEW.id FROM (
						SELECT substr(NEW.search_key, p, strpos(substr(NEW.search_key, p) || ' ', ' ') - 1) AS w
						FROM generate_series(1, LEAST(length(NEW.search_key), ` + fmt.Sprint(maxSearchKeyRunes) + `)) AS p
						WHERE substr(NEW.search_key, p, 1) <> ' '
					) s WHERE length(w) >= 3;
				RETURN NULL;
			END $$`,
			`CREATE TRIGGER case_search_insert AFTER INSERT ON cases
				FOR EACH ROW EXECUTE FUNCTION case_search_index()`,
			`CREATE TRIGGER case_search_update AFTER UPDATE OF search_key, office_id ON cases
				FOR EACH ROW WHEN (OLD.search_key IS DISTINCT FROM NEW.search_key OR OLD.office_id IS DISTINCT FROM NEW.office_id)
				EXECUTE FUNCTION case_search_index()`,
			`CREATE TRIGGER case_search_delete AFTER DELETE ON cases
				FOR EACH ROW EXECUTE FUNCTION case_search_unindex()`,
			fillSearchSuffixes(true),
			`ANALYZE case_search_suffixes`,
		}
		stmts = append([]string{`CREATE FUNCTION case_search_unindex() RETURNS trigger LANGUAGE plpgsql SET plan_cache_mode = force_custom_plan AS $$
			BEGIN
				DELETE FROM case_search_suffixes WHERE case_id = OLD.id;
				RETURN NULL;
			END $$`}, stmts...)
	} else {
		// The suffix of the word at position p of key k: from p to the next space.
		word := func(k string) string {
			return fmt.Sprintf(`substr(%[1]s, p.n, instr(substr(%[1]s, p.n) || ' ', ' ') - 1)`, k)
		}
		at := func(k string) string {
			return fmt.Sprintf(`FROM search_positions p WHERE p.n <= length(%[1]s) AND substr(%[1]s, p.n, 1) <> ' '
				AND instr(substr(%[1]s, p.n) || ' ', ' ') - 1 >= 3`, k)
		}
		stmts = []string{
			`CREATE TABLE search_positions (n INTEGER PRIMARY KEY)`,
			fmt.Sprintf(`WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < %d)
				INSERT INTO search_positions (n) SELECT n FROM s`, maxSearchKeyRunes),
			`CREATE TABLE case_search_suffixes (
				suffix TEXT NOT NULL,
				office_id INTEGER NOT NULL,
				case_id INTEGER NOT NULL,
				PRIMARY KEY (suffix, office_id, case_id)
			) WITHOUT ROWID`,
			`CREATE INDEX idx_case_search_suffixes_case ON case_search_suffixes (case_id)`,
			`CREATE TRIGGER case_search_insert AFTER INSERT ON cases BEGIN
				INSERT OR IGNORE INTO case_search_suffixes (suffix, office_id, case_id)
					SELECT ` + word("NEW.search_key") + `, NEW.office_id, NEW.id ` + at("NEW.search_key") + `;
			END`,
			`CREATE TRIGGER case_search_update AFTER UPDATE OF search_key, office_id ON cases
				WHEN OLD.search_key IS NOT NEW.search_key OR OLD.office_id IS NOT NEW.office_id BEGIN
				DELETE FROM case_search_suffixes WHERE case_id = OLD.id;
				INSERT OR IGNORE INTO case_search_suffixes (suffix, office_id, case_id)
					SELECT ` + word("NEW.search_key") + `, NEW.office_id, NEW.id ` + at("NEW.search_key") + `;
			END`,
			`CREATE TRIGGER case_search_delete AFTER DELETE ON cases BEGIN
				DELETE FROM case_search_suffixes WHERE case_id = OLD.id;
			END`,
			fillSearchSuffixes(false),
		}
	}
	for _, s := range stmts {
		if err := tx.Exec(s).Error; err != nil {
			return fmt.Errorf("name search index: %w", err)
		}
	}
	return nil
}

// fillSearchSuffixes cuts every case's search key into an empty case_search_suffixes,
// as the triggers cut each case's.
func fillSearchSuffixes(pg bool) string {
	if pg {
		return `INSERT INTO case_search_suffixes (suffix, office_id, case_id)
				SELECT DISTINCT w, office_id, id FROM (
					SELECT c.id, c.office_id, substr(c.search_key, p, strpos(substr(c.search_key, p) || ' ', ' ') - 1) AS w
					FROM cases c, generate_series(1, LEAST(length(c.search_key), ` + fmt.Sprint(maxSearchKeyRunes) + `)) AS p
					WHERE substr(c.search_key, p, 1) <> ' '
				) s WHERE length(w) >= 3`
	}
	// In the index's order: a million cases' suffixes inserted at random places rewrite
	// pages all over the index; sorted, each page is written once.
	return `INSERT OR IGNORE INTO case_search_suffixes (suffix, office_id, case_id)
				SELECT substr(c.search_key, p.n, instr(substr(c.search_key, p.n) || ' ', ' ') - 1), c.office_id, c.id FROM cases c, search_positions p
				WHERE p.n <= length(c.search_key) AND substr(c.search_key, p.n, 1) <> ' '
				AND instr(substr(c.search_key, p.n) || ' ', ' ') - 1 >= 3
				ORDER BY 1, 2, 3`
}
