package models

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"gorm.io/gorm"
)

// derivedTriggers are the prefixes of the triggers that keep the derived tables: the
// case tallies, the name search's suffixes, the homes' rows and tallies and the
// summary's prepared tables. None of them checks anything: each only counts what the
// records say, and refillDerived counts the same from the records at once.
var derivedTriggers = []string{"case_tally_", "case_search_", "case_home_", "home_tally_", "support_home_",
	"referral_home_", "visit_home_", "summary_"}

func isDerivedTrigger(name string) bool {
	for _, p := range derivedTriggers {
		if strings.HasPrefix(name, p) {
			return true
		}
	}
	return false
}

// LoadInBulk runs load (the demo's writes, through the stores) with the triggers that
// keep the derived tables switched off, then refills those tables from the records and
// switches the triggers back on, in one transaction. Per row written, the triggers cost
// more than half of a demo load (7 s of 15 at scale 1); the refill reads each table
// once. It is for a load before the portal is used: meanwhile the derived tables (the
// homes, the summary, the name search) do not show what is written, and a write by
// someone else is counted only by the refill. Every rule of the stores still runs; the
// refill gives the tables the triggers would have kept (a test compares them).
//
// On SQLite the triggers are dropped and made again from their own text; on
// PostgreSQL they are disabled and enabled. If load fails, the tables are still
// refilled and the triggers restored.
func LoadInBulk(ctx context.Context, db *DB, load func() error) (err error) {
	restore, err := switchOffDerived(ctx, db)
	if err != nil {
		return err
	}
	defer func() {
		// the database must get its triggers back even when the load was cancelled
		err = errors.Join(err, restore(context.WithoutCancel(ctx)))
	}()
	return load()
}

// switchOffDerived switches the derived tables' triggers off and returns what refills
// the tables and switches them on again.
func switchOffDerived(ctx context.Context, db *DB) (func(context.Context) error, error) {
	w := db.Write.WithContext(ctx)
	type trigger struct{ Name, Table, SQL string }
	var all, off []trigger
	if db.Dialect == Postgres {
		if err := w.Raw(`SELECT t.tgname AS name, c.relname AS "table" FROM pg_trigger t
			JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
			WHERE NOT t.tgisinternal AND n.nspname = current_schema() ORDER BY t.tgname`).Scan(&all).Error; err != nil {
			return nil, fmt.Errorf("list triggers: %w", err)
		}
	} else if err := w.Raw(`SELECT name, tbl_name AS "table", sql FROM sqlite_master WHERE type = 'trigger' ORDER BY name`).Scan(&all).Error; err != nil {
		return nil, fmt.Errorf("list triggers: %w", err)
	}
	for _, t := range all {
		if isDerivedTrigger(t.Name) {
			off = append(off, t)
		}
	}
	toggle := func(tx *gorm.DB, on bool) error {
		for _, t := range off {
			var s string
			switch {
			case db.Dialect == Postgres && on:
				s = "ALTER TABLE " + t.Table + " ENABLE TRIGGER " + t.Name
			case db.Dialect == Postgres:
				s = "ALTER TABLE " + t.Table + " DISABLE TRIGGER " + t.Name
			case on:
				s = t.SQL
			default:
				s = "DROP TRIGGER " + t.Name
			}
			if err := tx.Exec(s).Error; err != nil {
				return fmt.Errorf("trigger %s: %w", t.Name, err)
			}
		}
		return nil
	}
	if err := w.Transaction(func(tx *gorm.DB) error { return toggle(tx, false) }); err != nil {
		return nil, err
	}
	return func(ctx context.Context) error {
		return db.Write.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
			if db.Dialect == Postgres {
				// Another server's writes made during the load are in the records and
				// so refilled; none may be made during the refill, between its reads and
				// the triggers' return. (SQLite's refill is its only writer.)
				tables := map[string]bool{}
				for _, t := range off {
					if !tables[t.Table] {
						tables[t.Table] = true
						if err := tx.Exec("LOCK TABLE " + t.Table + " IN SHARE MODE").Error; err != nil {
							return fmt.Errorf("lock %s: %w", t.Table, err)
						}
					}
				}
			}
			if err := refillDerived(tx, db.Dialect == Postgres); err != nil {
				return err
			}
			return toggle(tx, true)
		})
	}, nil
}

// refillDerived empties the derived tables and fills them from the records, each with
// the definition its triggers keep.
func refillDerived(tx *gorm.DB, pg bool) error {
	stmts := []string{"DELETE FROM case_tallies", fillCaseTallies, "DELETE FROM case_search_suffixes", fillSearchSuffixes(pg)}
	stmts = append(stmts, homeDialect{pg: pg, followups: true, months: true}.refill()...)
	stmts = append(stmts, summaryRebuildSQL(genYears)...)
	for _, s := range stmts {
		if err := tx.Exec(s).Error; err != nil {
			return fmt.Errorf("refill derived tables: %w\n%s", err, s)
		}
	}
	return nil
}
