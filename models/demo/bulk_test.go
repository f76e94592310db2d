package demo_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"awda/models"
	"awda/models/dbtest"
)

// derivedQueries read every derived table in a fixed order. Tally rows counted down to
// zero are left by the triggers and never written by a refill: both read as nothing.
var derivedQueries = []string{
	"SELECT office_id, status, n FROM case_tallies WHERE n <> 0 ORDER BY 1, 2",
	"SELECT suffix, office_id, case_id FROM case_search_suffixes ORDER BY 1, 2, 3",
	"SELECT case_id, office_id, assignee_id, status, changed_at, monitored_on, returned_on, followups_done FROM case_homes ORDER BY 1",
	"SELECT kind, office_id, assignee_id, bucket, n FROM home_tallies WHERE n <> 0 ORDER BY 1, 2, 3, 4",
	"SELECT * FROM summary_facts ORDER BY 1, 2, 3, 4, 5, 6, 7, 8",
	"SELECT * FROM summary_tallies WHERE n <> 0 ORDER BY 1, 2, 3, 4, 5, 6, 7",
	"SELECT * FROM summary_totals WHERE n <> 0 ORDER BY 1, 2, 3, 4, 5",
	"SELECT * FROM summary_days WHERE n <> 0 ORDER BY 1, 2, 3, 4, 5, 6",
	"SELECT * FROM summary_years WHERE n <> 0 ORDER BY 1, 2, 3, 4, 5",
}

// derivedTables is the derived tables' rows, one string per row, per query.
func derivedTables(t *testing.T, db *models.DB) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	for _, q := range derivedQueries {
		rows, err := db.Read.Raw(q).Rows()
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		cols, _ := rows.Columns()
		vals, ptrs := make([]any, len(cols)), make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		for rows.Next() {
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			out[q] = append(out[q], fmt.Sprint(vals...))
		}
		if err := rows.Close(); err != nil {
			t.Fatal(err)
		}
		// in full: the ORDER BY leaves ties between rows alike in their first columns
		slices.Sort(out[q])
		if len(out[q]) == 0 {
			t.Fatalf("%s: empty, nothing is compared", q)
		}
	}
	return out
}

// triggers lists the database's triggers, with whether each is enabled.
func triggers(t *testing.T, db *models.DB) string {
	t.Helper()
	var names []string
	q := "SELECT name FROM sqlite_master WHERE type = 'trigger' ORDER BY name"
	if db.Dialect == models.Postgres {
		q = "SELECT tgname || ':' || tgenabled::text FROM pg_trigger WHERE NOT tgisinternal ORDER BY 1"
	}
	if err := db.Read.Raw(q).Scan(&names).Error; err != nil {
		t.Fatal(err)
	}
	return strings.Join(names, " ")
}

// checkRefillMatchesTheTriggers refills the derived tables of db, loaded row by row
// (the triggers on), and compares them with what the triggers kept. The demo refills
// them once at the end of its load (models.LoadInBulk) instead: the summary's prepared
// tables, the homes' rows and tallies, the case tallies and the name search's suffixes
// must come out exactly as the triggers keep them. It also checks that the triggers
// are back afterwards, and work.
func checkRefillMatchesTheTriggers(t *testing.T, db *models.DB) {
	t.Helper()
	ctx := context.Background()
	before := triggers(t, db)
	kept := derivedTables(t, db)
	loaded := false
	if err := models.LoadInBulk(ctx, db, func() error { loaded = true; return nil }); err != nil || !loaded {
		t.Fatalf("refill: %v (load run: %v)", err, loaded)
	}
	refilled := derivedTables(t, db)
	for _, q := range derivedQueries {
		a, b := kept[q], refilled[q]
		if len(a) != len(b) {
			t.Errorf("%s: %d rows kept by the triggers, %d refilled", q, len(a), len(b))
			continue
		}
		for i := range a {
			if a[i] != b[i] {
				t.Errorf("%s: row %d kept as %q, refilled as %q", q, i, a[i], b[i])
				break
			}
		}
	}
	if after := triggers(t, db); after != before {
		t.Errorf("triggers after the refill:\n%s\nbefore:\n%s", after, before)
	}
	// The triggers work again: a case closed is counted so.
	closed := func() (n int64) {
		db.Read.Raw("SELECT COALESCE(SUM(n), 0) FROM case_tallies WHERE status = 'closed'").Scan(&n)
		return n
	}
	n := closed()
	if err := db.Write.Exec(`UPDATE cases SET status = 'closed' WHERE id = (SELECT MIN(id) FROM cases WHERE status <> 'closed')`).Error; err != nil {
		t.Fatal(err)
	}
	if m := closed(); m != n+1 {
		t.Errorf("%d closed cases in the tallies after closing one, want %d", m, n+1)
	}
}

// A load that fails still leaves the triggers on and the tables refilled.
func TestBulkLoadRestoresTheTriggersAfterAFailure(t *testing.T) {
	ctx := context.Background()
	db := dbtest.Open(t)
	before := triggers(t, db)
	boom := fmt.Errorf("load failed")
	if err := models.LoadInBulk(ctx, db, func() error { return boom }); err == nil || !strings.Contains(err.Error(), "load failed") {
		t.Fatalf("error %v, want the load's", err)
	}
	if after := triggers(t, db); after != before {
		t.Errorf("triggers after a failed load:\n%s\nbefore:\n%s", after, before)
	}
}
