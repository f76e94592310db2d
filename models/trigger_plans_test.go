package models_test

import (
	"regexp"
	"strings"
	"testing"

	"gorm.io/gorm"

	"awda/models"
	"awda/models/dbtest"
)

// TestTriggersReadOneCaseByItsIndex plans every statement of every SQLite trigger (the
// row's NEW and OLD values as parameters) and requires each read of a table the
// statement narrows to one case (case_id = a value of the row) to go through an index
// on that case: SQLite keeps no statistics, and an index on a few-valued column (the
// visits by kind, the cases by office) otherwise looks as good to it, and is read from
// end to end at every write, a cost that grows with the database.
func TestTriggersReadOneCaseByItsIndex(t *testing.T) {
	if dbtest.Backend() != "sqlite" {
		t.Skip("the plans are read from SQLite's EXPLAIN QUERY PLAN")
	}
	s := dbtest.Stores(t, nil)
	db := s.DB.Write
	var triggers []struct{ Name, SQL string }
	if err := db.Raw("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' ORDER BY name").Scan(&triggers).Error; err != nil {
		t.Fatal(err)
	}
	if len(triggers) < 20 {
		t.Fatalf("%d triggers", len(triggers))
	}
	rowValue := regexp.MustCompile(`\b(NEW|OLD)\.[a-z_]+\b`)
	// alias.case_id = a value of the row (or the cases' own id)
	byCase := regexp.MustCompile(`\b([a-z_]+)\.(case_id|id)\s*(=|IN \()\s*(NEW|OLD)\.`)
	planned := 0
	for _, tr := range triggers {
		_, body, ok := strings.Cut(tr.SQL, "BEGIN")
		if !ok {
			t.Fatalf("%s: no body", tr.Name)
		}
		body = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(body), "END"))
		for _, stmt := range strings.Split(body, ";\n") {
			stmt = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(stmt), ";"))
			if stmt == "" {
				continue
			}
			narrowed := map[string]bool{}
			for _, m := range byCase.FindAllStringSubmatch(stmt, -1) {
				narrowed[m[1]] = true
			}
			q := rowValue.ReplaceAllString(stmt, "?")
			args := make([]any, len(rowValue.FindAllString(stmt, -1)))
			plan := strings.Split(explain(t, db, q, args), "\n")
			planned++
			for _, d := range plan {
				f := strings.Fields(d)
				if len(f) < 2 || (f[0] != "SEARCH" && f[0] != "SCAN") || !narrowed[f[1]] {
					continue
				}
				if !strings.Contains(d, "case_id=?") && !strings.Contains(d, "rowid=?") && !strings.Contains(d, "case_id IN") && !strings.Contains(d, "rowid IN") {
					t.Errorf("trigger %s reads %s, narrowed to one case, otherwise than by the case:\n%s\n%s", tr.Name, f[1], stmt, strings.Join(plan, "\n"))
				}
			}
		}
	}
	t.Logf("%d trigger statements planned", planned)
}

// TestCaseworkWritesFindCasesByTheirIndex plans the reads of two writes a caseworker
// makes on the busy days: putting a list of people on a session (by case number) and
// recording a visit (a case's baseline looked for). Each must read the case's own rows
// through the index on the number or on the case, not the office's cases or every
// visit of a kind through an index that looks as good without statistics.
func TestCaseworkWritesFindCasesByTheirIndex(t *testing.T) {
	if dbtest.Backend() != "sqlite" {
		t.Skip("the plans are read from SQLite's EXPLAIN QUERY PLAN")
	}
	f := newCaseworkFixture(t)
	ctx := t.Context()
	var numbers []string
	for range 15 {
		numbers = append(numbers, insertCase(t, f.s, f.rab, f.cw, models.StatusRegistered, true).CaseNumber)
	}
	cs := returnedCase(t, f, f.rab, models.NewDate(2021, 2, 1))
	gs, err := f.s.GroupSessions.Create(ctx, act(f.cw), f.cw.Scope(), models.SessionInput{Kind: "info_session", Title: "Return: what to expect",
		Date: "2021-05-10", Place: "Rabat office", Facilitator: "S. Idrissi"})
	if err != nil {
		t.Fatal(err)
	}
	cur, err := f.s.Monitoring.Current(ctx)
	if err != nil {
		t.Fatal(err)
	}
	stmts, args := captureReads(t, f.s.DB.Write, func() {
		if n, err := f.s.GroupSessions.AddAttendance(ctx, act(f.cw), f.cw.Scope(), gs.ID, numbers); err != nil || n != len(numbers) {
			t.Fatalf("attendance: %d, %v", n, err)
		}
		if _, err := f.s.Monitoring.RecordVisit(ctx, act(f.cw), f.cw.Scope(), cs.ID, visitInput("baseline", "2021-01-20", midAnswers(cur.Instrument))); err != nil {
			t.Fatal(err)
		}
	})
	write := f.s.DB.Write
	want := map[string]string{
		"case_number IN": "SEARCH c USING INDEX idx_cases_case_number (case_number=?)",
		"kind = ?":       "(case_id=? AND kind=?)",
	}
	found := map[string]bool{}
	for i, q := range stmts {
		for cond, access := range want {
			if !strings.Contains(q, cond) {
				continue
			}
			found[cond] = true
			plan := explain(t, write, q, args[i])
			if !strings.Contains(plan, access) {
				t.Errorf("%s\nreads otherwise than %q:\n%s", q, access, plan)
			}
		}
	}
	for cond := range want {
		if !found[cond] {
			t.Errorf("no statement with %q among the writes' reads:\n%s", cond, strings.Join(stmts, "\n"))
		}
	}
}

// explain is SQLite's plan of q, one step a line.
func explain(t *testing.T, db *gorm.DB, q string, args []any) string {
	t.Helper()
	rows, err := db.Raw("EXPLAIN QUERY PLAN "+q, args...).Rows()
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, notused int
		var detail string
		if err := rows.Scan(&id, &parent, &notused, &detail); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, detail)
	}
	return strings.Join(plan, "\n")
}

// captureReads runs fn and returns the reads it made through db (gorm's queries and
// rows), with their arguments.
func captureReads(t *testing.T, db *gorm.DB, fn func()) ([]string, [][]any) {
	t.Helper()
	var stmts []string
	var args [][]any
	capture := func(tx *gorm.DB) {
		stmts = append(stmts, tx.Statement.SQL.String())
		args = append(args, tx.Statement.Vars)
	}
	if err := db.Callback().Query().After("gorm:query").Register("test:capture", capture); err != nil {
		t.Fatal(err)
	}
	if err := db.Callback().Row().After("gorm:row").Register("test:capture", capture); err != nil {
		t.Fatal(err)
	}
	defer db.Callback().Query().Remove("test:capture")
	defer db.Callback().Row().Remove("test:capture")
	fn()
	return stmts, args
}

// TestSupervisorQueuesReadByIndex plans the reads of the supervisors' pages that grow
// with every record ever kept: the approvals page (the earlier support of the page's
// cases, the delivered support without a receipt, for every office and for one) and a
// case's record (its audit entries among the whole log). Each must go through the index
// made for it; SQLite, without statistics, read them through an index on a few-valued
// column or in time order, every row, before.
func TestSupervisorQueuesReadByIndex(t *testing.T) {
	if dbtest.Backend() != "sqlite" {
		t.Skip("the plans are read from SQLite's EXPLAIN QUERY PLAN")
	}
	f := newCaseworkFixture(t)
	ctx := t.Context()
	var cases []*models.Case
	for range 15 {
		cs := insertCase(t, f.s, f.rab, f.cw, models.StatusReturned, true)
		sp := f.plan(t, f.cw, cs, "1500")
		if err := f.s.Support.Approve(ctx, act(f.sup), f.sup.Scope(), cs.ID, sp.ID, 0); err != nil {
			t.Fatal(err)
		}
		if err := f.s.Support.Deliver(ctx, act(f.cw), f.cw.Scope(), cs.ID, sp.ID, 0, "2021-05-25"); err != nil {
			t.Fatal(err)
		}
		f.plan(t, f.cw, cs, "800")
		cases = append(cases, cs)
	}
	read := f.s.DB.Read
	for _, tt := range []struct {
		name string
		run  func()
		// each statement containing the key must plan with each of its parts: a part
		// starting with ! must not be in the plan, one starting with ^ must begin it; no
		// statement may contain a key starting with !
		want map[string][]string
	}{
		{"approvals page", func() {
			if q, err := f.s.Support.AwaitingApproval(ctx, f.hq.Scope(), models.QueueFilter{}); err != nil || len(q.Items) != 15 || q.Total != 15 {
				t.Fatalf("queue %d of %d, %v", len(q.Items), q.Total, err)
			}
		}, map[string][]string{
			"SUM(amount)":             {"USING COVERING INDEX idx_supports_case_status (case_id=? AND status=?)"},
			"ORDER BY s.created_at":   {"^SEARCH s USING INDEX idx_supports_status_queue (status=?)", "!TEMP B-TREE"},
			"FROM `home_tallies`":     {"SEARCH home_tallies USING COVERING INDEX"},
			"!count(*) FROM supports": nil,
		}},
		{"approvals page, one office", func() {
			if q, err := f.s.Support.AwaitingApproval(ctx, f.sup.Scope(), models.QueueFilter{}); err != nil || len(q.Items) != 15 || q.Total != 15 {
				t.Fatalf("queue %d of %d, %v", len(q.Items), q.Total, err)
			}
		}, map[string][]string{
			"ORDER BY s.created_at":   {"^SEARCH s USING INDEX idx_supports_status_queue (status=?)", "!TEMP B-TREE"},
			"!count(*) FROM supports": nil,
		}},
		{"without receipt, every office", func() {
			if _, n, err := f.s.Documents.DeliveredWithoutReceipt(ctx, f.hq.Scope(), models.QueueFilter{}); err != nil || n != 15 {
				t.Fatalf("%d, %v", n, err)
			}
		}, map[string][]string{
			"count(*) FROM supports x": {"^SEARCH x USING COVERING INDEX", "(status=?)", "!SEARCH c"},
			"ORDER BY x.delivered_on":  {"^SEARCH x USING INDEX idx_supports_status_delivered (status=?)", "!TEMP B-TREE"},
		}},
		{"without receipt, one office", func() {
			if _, n, err := f.s.Documents.DeliveredWithoutReceipt(ctx, f.sup.Scope(), models.QueueFilter{}); err != nil || n != 15 {
				t.Fatalf("%d, %v", n, err)
			}
		}, map[string][]string{
			"(x.status || '')":        {"^SEARCH c USING", "(office_id=?)", "SEARCH x USING", "(case_id=?)", "!(status=?)"},
			"ORDER BY x.delivered_on": {"^SEARCH x USING INDEX idx_supports_status_delivered (status=?)", "!TEMP B-TREE"},
		}},
		{"a case's record", func() {
			if _, err := f.s.Retention.SubjectAccess(ctx, act(f.sup), f.s.Cases, cases[0].ID, "html"); err != nil {
				t.Fatal(err)
			}
		}, map[string][]string{"audit_events": {"SEARCH audit_events USING INDEX idx_audit_events_record (record_type=? AND record_id=?)", "!SCAN"}}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			stmts, args := captureReads(t, read, tt.run)
			found := map[string]bool{}
			for i, q := range stmts {
				for key, parts := range tt.want {
					if absent, ok := strings.CutPrefix(key, "!"); ok {
						if strings.Contains(q, absent) {
							t.Errorf("read %q:\n%s", absent, q)
						}
						continue
					}
					if !strings.Contains(q, key) {
						continue
					}
					found[key] = true
					plan := explain(t, read, q, args[i])
					for _, part := range parts {
						var ok bool
						switch {
						case strings.HasPrefix(part, "!"):
							ok = !strings.Contains(plan, part[1:])
						case strings.HasPrefix(part, "^"):
							ok = strings.HasPrefix(plan, part[1:])
						default:
							ok = strings.Contains(plan, part)
						}
						if !ok {
							t.Errorf("%s\nplan fails %q:\n%s", q, part, plan)
						}
					}
				}
			}
			for key := range tt.want {
				if !found[key] && !strings.HasPrefix(key, "!") {
					t.Errorf("no read with %q:\n%s", key, strings.Join(stmts, "\n"))
				}
			}
		})
	}
}
