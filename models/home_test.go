package models_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"awda/models"
	"awda/models/dbtest"
)

// TestHomeMatchesDirectQueries writes random casework straight into the tables (as an
// import or an operator would, so only the triggers keep the home tallies), changes it
// at random (status, office, assignee, support and referral states, travel dates,
// follow-up visits), and checks after each round that every home figure and list equals
// the direct query's, in every scope and for several days.
func TestHomeMatchesDirectQueries(t *testing.T) {
	ctx := context.Background()
	clock := dbtest.NewClock(time.Date(2021, 6, 1, 9, 0, 0, 0, time.UTC))
	s := dbtest.Stores(t, clock)
	offices := []*models.Office{dbtest.MustOffice(t, s, "RAB", "Rabat"), dbtest.MustOffice(t, s, "CAS", "Casablanca")}
	cws := []*models.User{
		dbtest.MustUser(t, s, "cw1@example.org", models.RoleCaseworker, "RAB", "a long test passphrase"),
		dbtest.MustUser(t, s, "cw2@example.org", models.RoleCaseworker, "RAB", "a long test passphrase"),
		dbtest.MustUser(t, s, "cw3@example.org", models.RoleCaseworker, "CAS", "a long test passphrase"),
	}
	sup := dbtest.MustUser(t, s, "sup@example.org", models.RoleSupervisor, "RAB", "a long test passphrase")
	hq := dbtest.MustUser(t, s, "hq@example.org", models.RoleSupervisor, "", "a long test passphrase")
	rng := rand.New(rand.NewPCG(14, 2))
	base := time.Date(2021, 1, 1, 8, 0, 0, 0, time.UTC)
	at := func() time.Time { return base.Add(time.Duration(rng.IntN(340*24*60)) * time.Minute) }
	day := func() models.Date { return models.DateOf(at()) }
	db := s.DB.Write
	var cases []*models.Case
	for i := range 60 {
		cs := insertCase(t, s, offices[i%2], cws[0], models.CaseStatuses[rng.IntN(len(models.CaseStatuses))], true)
		if rng.IntN(4) > 0 {
			cw := cws[rng.IntN(len(cws))]
			if err := db.Model(cs).Update("assigned_to_id", cw.ID).Error; err != nil {
				t.Fatal(err)
			}
		}
		cases = append(cases, cs)
	}
	pick := func() *models.Case { return cases[rng.IntN(len(cases))] }
	instrument, err := s.Monitoring.Current(ctx)
	if err != nil {
		t.Fatal(err)
	}
	maybeDay := func() any {
		if rng.IntN(3) == 0 {
			return nil
		}
		return day()
	}
	supStatuses := []models.SupportStatus{models.SupportPlanned, models.SupportApproved, "delivered", "cancelled"}
	refStatuses := []models.ReferralStatus{models.ReferralSent, models.ReferralAccepted, "completed", "rejected"}
	mustCreate := func(v any) {
		t.Helper()
		if err := db.Create(v).Error; err != nil {
			t.Fatal(err)
		}
	}
	seen := map[string]bool{}
	for round := range 6 {
		for range 40 {
			cs := pick()
			switch rng.IntN(11) {
			case 0:
				mustCreate(&models.StatusChange{CaseID: cs.ID, From: cs.Status, To: cs.Status, Date: day(), UserID: cws[0].ID, CreatedAt: at()})
			case 1:
				kind := models.ActivityKind("monitoring")
				if rng.IntN(3) == 0 {
					kind = "counselling"
				}
				mustCreate(&models.Activity{CaseID: cs.ID, Kind: kind, Date: day(), CreatedByID: cws[0].ID})
			case 2:
				comment := ""
				if rng.IntN(4) == 0 {
					comment = "send back"
				}
				mustCreate(&models.Support{CaseID: cs.ID, Type: "cash", Amount: 100, Currency: "MAD", Date: day(),
					Status: supStatuses[rng.IntN(len(supStatuses))], PlannedByID: cws[0].ID, ReturnComment: comment, Version: 1})
			case 3:
				mustCreate(&models.Referral{CaseID: cs.ID, Partner: "health", DateSent: day(),
					Status: refStatuses[rng.IntN(len(refStatuses))], CreatedByID: cws[0].ID, Version: 1})
			case 4:
				st := models.CaseStatuses[rng.IntN(len(models.CaseStatuses))]
				if err := db.Model(cs).Update("status", st).Error; err != nil {
					t.Fatal(err)
				}
				cs.Status = st
			case 5:
				o := offices[rng.IntN(2)]
				if err := db.Model(cs).Update("office_id", o.ID).Error; err != nil {
					t.Fatal(err)
				}
			case 6:
				var cw any = cws[rng.IntN(len(cws))].ID
				if rng.IntN(3) == 0 {
					cw = nil
				}
				if err := db.Model(cs).Update("assigned_to_id", cw).Error; err != nil {
					t.Fatal(err)
				}
			case 7:
				if rng.IntN(2) == 0 {
					if err := db.Model(&models.Support{}).Where("case_id = ?", cs.ID).
						Updates(map[string]any{"status": supStatuses[rng.IntN(len(supStatuses))], "return_comment": ""}).Error; err != nil {
						t.Fatal(err)
					}
				} else if err := db.Model(&models.Referral{}).Where("case_id = ?", cs.ID).
					Updates(map[string]any{"status": refStatuses[rng.IntN(len(refStatuses))], "outcome": []string{"", "done"}[rng.IntN(2)]}).Error; err != nil {
					t.Fatal(err)
				}
			case 8:
				if err := db.Model(cs).Updates(map[string]any{"arrival_date": maybeDay(), "departure_date": maybeDay()}).Error; err != nil {
					t.Fatal(err)
				}
			case 9:
				kind := []string{"followup", "followup", "baseline"}[rng.IntN(3)]
				mustCreate(&models.Visit{CaseID: cs.ID, Date: day(), InstrumentID: instrument.ID, InstrumentVersion: instrument.Version,
					Kind: kind, Method: "phone", InterviewerID: cws[0].ID, CreatedAt: at()})
			case 10:
				if rng.IntN(2) == 0 {
					mustCreate(&models.StatusChange{CaseID: cs.ID, From: cs.Status, To: models.StatusReturned, Date: day(), UserID: cws[0].ID, CreatedAt: at()})
				} else if err := db.Where("id IN (?)", db.Model(&models.Visit{}).Select("MIN(id)").Where("case_id = ?", cs.ID)).
					Delete(&models.Visit{}).Error; err != nil {
					t.Fatal(err)
				}
			}
		}
		for _, u := range []*models.User{cws[0], cws[1], cws[2], sup, hq} {
			// random days, then a first of the month, the end of a month late in the year
			// (a home's sums then read the year's and month's rows less what follows the
			// cutoff), and the next year's spring
			for _, now := range []time.Time{at(), at(), base.AddDate(0, 7, 0), base.AddDate(0, 10, 28+rng.IntN(3)), base.AddDate(0, 13, rng.IntN(60))} {
				t.Run(fmt.Sprintf("round %d %s %s", round, u.Email, now.Format(time.DateTime)), func(t *testing.T) {
					compareHome(ctx, t, s, u, now, seen)
				})
			}
		}
		checkMonthTallies(t, s.DB.Read)
	}
	// The comparison means something only if every figure was not always zero.
	for _, k := range []string{"stages", "waiting", "monitoring due", "awaiting approval", "awaiting delivery", "referrals overdue",
		"follow-ups due", "follow-ups overdue", "follow-ups after the first"} {
		if !seen[k] {
			t.Errorf("%s: always zero in the random data", k)
		}
	}
}

func compareHome(ctx context.Context, t *testing.T, s *models.Stores, u *models.User, now time.Time, seen map[string]bool) {
	t.Helper()
	sc := u.Scope()
	var mine uint
	if u.Role == models.RoleCaseworker {
		mine = u.ID
	}
	stale := now.Add(-14 * 24 * time.Hour)
	today := models.DateOf(now)
	h, err := s.Cases.Home(ctx, sc, models.HomeQuery{AssignedTo: mine, StaleSince: stale, Today: today, Shown: 5})
	if err != nil {
		t.Fatal(err)
	}
	stages, err := s.Cases.OpenByStage(ctx, sc, mine)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(h.Stages, stages) {
		t.Errorf("stages: home %v, direct %v", h.Stages, stages)
	}
	list, total, err := s.Cases.List(ctx, sc, models.CaseFilter{AssignedTo: mine, StaleSince: stale, PerPage: 200})
	if err != nil {
		t.Fatal(err)
	}
	seen["stages"] = seen["stages"] || len(stages) > 0
	seen["waiting"] = seen["waiting"] || total > 0
	// The list's total is counted as the home's; its rows are selected by the filter
	// itself, the direct definition (fewer than a page here).
	if total >= 200 {
		t.Fatalf("%d waiting cases: more than a page", total)
	}
	if h.WaitingTotal != int64(len(list)) || total != int64(len(list)) {
		t.Errorf("waiting: home %d, case list total %d, cases listed %d", h.WaitingTotal, total, len(list))
	}
	listed := map[uint]bool{}
	for _, c := range list {
		listed[c.ID] = true
	}
	for i, w := range h.Waiting {
		if !listed[w.ID] {
			t.Errorf("waiting case %s is not in the case list's stale filter", w.CaseNumber)
		}
		if i > 0 && w.Since.Before(h.Waiting[i-1].Since) {
			t.Errorf("waiting cases not longest first: %v after %v", w.Since, h.Waiting[i-1].Since)
		}
	}
	if want := min(int(total), 5); len(h.Waiting) != want {
		t.Errorf("waiting shown: %d, want %d", len(h.Waiting), want)
	}
	for _, c := range []struct {
		name string
		got  int64
		want func() (int64, error)
	}{
		{"monitoring due", h.MonitoringDue, func() (int64, error) { return s.Activities.CountMonitoringDue(ctx, sc, today) }},
		{"awaiting approval", h.AwaitingApproval, func() (int64, error) { return s.Support.CountAwaitingApproval(ctx, sc) }},
		{"awaiting delivery", h.AwaitingDelivery, func() (int64, error) { return s.Support.CountAwaitingDelivery(ctx, sc) }},
		{"referrals overdue", h.ReferralsOverdue, func() (int64, error) { return s.Referrals.CountOverdue(ctx, sc, now) }},
	} {
		want, err := c.want()
		if err != nil {
			t.Fatal(err)
		}
		seen[c.name] = seen[c.name] || want > 0
		if c.got != want {
			t.Errorf("%s: home %d, direct %d", c.name, c.got, want)
		}
	}
	compareFollowups(ctx, t, s, sc, mine, today, seen)
}

// compareFollowups checks the homes' follow-up lists and counts against the schedule
// applied to every case in scope, one by one, from the records themselves.
func compareFollowups(ctx context.Context, t *testing.T, s *models.Stores, sc models.Scope, mine uint, today models.Date, seen map[string]bool) {
	t.Helper()
	cur, err := s.Monitoring.Current(ctx)
	if err != nil {
		t.Fatal(err)
	}
	months := cur.Instrument.Schedule()
	q := s.DB.Read.Table("cases AS c").Select(`c.id, COALESCE(c.assigned_to_id, 0),
			COALESCE(NULLIF(c.arrival_date, ''), NULLIF(c.departure_date, ''),
				(SELECT MIN(sc.date) FROM status_changes sc WHERE sc.case_id = c.id AND sc.to_status = 'returned'), ''),
			(SELECT COUNT(*) FROM monitoring_visits v WHERE v.case_id = c.id AND v.kind = 'followup')`).
		Where("c.status IN ?", []models.CaseStatus{models.StatusReturned, models.StatusReintegration})
	if mine != 0 {
		q = q.Where("c.assigned_to_id = ?", mine)
	}
	rows, err := sc.Where(q, "c.office_id").Rows()
	if err != nil {
		t.Fatal(err)
	}
	var want []models.FollowupDueItem
	var due, overdue int64
	perAssignee := map[uint]int64{}
	for rows.Next() {
		var it models.FollowupDueItem
		var returned string
		var done int
		if err := rows.Scan(&it.CaseID, &it.AssignedToID, &returned, &done); err != nil {
			t.Fatal(err)
		}
		r, err := models.ParseDate(returned)
		if err != nil || done >= len(months) {
			continue
		}
		it.PlannedFollowup = models.FollowupSchedule(r, months, done, today)[done]
		if it.State != models.FollowupDue && it.State != models.FollowupOverdue {
			continue
		}
		want = append(want, it)
		due++
		if it.State == models.FollowupOverdue {
			overdue++
			perAssignee[it.AssignedToID]++
		}
		seen["follow-ups after the first"] = seen["follow-ups after the first"] || done > 0
	}
	rows.Close()
	slices.SortFunc(want, func(a, b models.FollowupDueItem) int {
		if c := a.Due.Time().Compare(b.Due.Time()); c != 0 {
			return c
		}
		return int(a.CaseID) - int(b.CaseID)
	})
	const shown = 4
	got, err := s.Monitoring.DueFollowups(ctx, sc, mine, today, shown)
	if err != nil {
		t.Fatal(err)
	}
	seen["follow-ups due"] = seen["follow-ups due"] || due > 0
	seen["follow-ups overdue"] = seen["follow-ups overdue"] || overdue > 0
	if got.Due != due || got.Overdue != overdue {
		t.Errorf("follow-ups due/overdue: home %d/%d, direct %d/%d", got.Due, got.Overdue, due, overdue)
	}
	want = want[:min(shown, len(want))]
	if len(got.Items) != len(want) {
		t.Fatalf("follow-ups listed: %d, want %d", len(got.Items), len(want))
	}
	for i, w := range want {
		g := got.Items[i]
		if g.CaseID != w.CaseID || g.AssignedToID != w.AssignedToID || g.PlannedFollowup != w.PlannedFollowup {
			t.Errorf("follow-up %d: home %+v, direct %+v", i, g, w)
		}
	}
	if mine != 0 {
		if got.OverdueBy != nil {
			t.Errorf("overdue per caseworker on a caseworker's own home: %+v", got.OverdueBy)
		}
		return
	}
	per := got.OverdueBy
	if len(per) != len(perAssignee) {
		t.Errorf("overdue per caseworker: home %+v, direct %v", per, perAssignee)
	}
	for i, p := range per {
		if perAssignee[p.AssignedToID] != p.Overdue {
			t.Errorf("overdue of %d: home %d, direct %d", p.AssignedToID, p.Overdue, perAssignee[p.AssignedToID])
		}
		if i > 0 && p.Overdue > per[i-1].Overdue {
			t.Errorf("overdue per caseworker not the most first: %+v", per)
		}
	}
}

// TestHomeQueriesUseIndexes: every statement a home runs is answered from an index
// (SQLite's EXPLAIN QUERY PLAN says SEARCH, never SCAN of a table), in each scope; a
// national supervisor's tallies from the covering index by bucket.
func TestHomeQueriesUseIndexes(t *testing.T) {
	if dbtest.Backend() != "sqlite" {
		t.Skip("the plan is read from SQLite's EXPLAIN QUERY PLAN; PostgreSQL's plans are checked in the benchmarks' report")
	}
	ctx := context.Background()
	clock := dbtest.NewClock(time.Date(2021, 6, 1, 9, 0, 0, 0, time.UTC))
	s := dbtest.Stores(t, clock)
	rab := dbtest.MustOffice(t, s, "RAB", "Rabat")
	cw := dbtest.MustUser(t, s, "cw@example.org", models.RoleCaseworker, "RAB", "a long test passphrase")
	sup := dbtest.MustUser(t, s, "sup@example.org", models.RoleSupervisor, "RAB", "a long test passphrase")
	hq := dbtest.MustUser(t, s, "hq@example.org", models.RoleSupervisor, "", "a long test passphrase")
	// returned cases, some with a follow-up due, so that the lists are read too
	for i := range 40 {
		cs := insertCase(t, s, rab, cw, models.StatusReintegration, true)
		if err := s.DB.Write.Model(cs).Updates(map[string]any{"assigned_to_id": cw.ID,
			"arrival_date": models.NewDate(2021, 6, 1).AddDays(-10 * i)}).Error; err != nil {
			t.Fatal(err)
		}
	}
	var stmts []string
	var args [][]any
	read := s.DB.Read
	// the statements of the national supervisor's home, from the first of them
	var national int
	for _, u := range []*models.User{cw, sup, hq} {
		if u == hq {
			national = len(stmts)
		}
		var mine uint
		if u == cw {
			mine = u.ID
		}
		now := clock.Now()
		got, gotArgs := captureReads(t, read, func() {
			if _, err := s.Cases.Home(ctx, u.Scope(), models.HomeQuery{AssignedTo: mine, StaleSince: now.Add(-14 * 24 * time.Hour),
				Today: models.DateOf(now), Shown: 10}); err != nil {
				t.Fatal(err)
			}
			if _, err := s.GroupSessions.CountBetween(ctx, u.Scope(), models.NewDate(2021, 5, 31), models.NewDate(2021, 6, 6)); err != nil {
				t.Fatal(err)
			}
			due, err := s.Monitoring.DueFollowups(ctx, u.Scope(), mine, models.DateOf(now), 10)
			if err != nil {
				t.Fatal(err)
			}
			if len(due.Items) == 0 {
				t.Fatalf("%s: no follow-up due to list", u.Email)
			}
		})
		stmts, args = append(stmts, got...), append(args, gotArgs...)
	}
	if len(stmts) < 3*5 {
		t.Fatalf("captured %d statements", len(stmts))
	}
	for i, q := range stmts {
		plan := strings.Split(explain(t, read, q, args[i]), "\n")
		// a subquery's own rows, read as they come (a co-routine) or once, are no table
		subqueries := map[string]bool{}
		for _, d := range plan {
			for _, p := range []string{"CO-ROUTINE ", "MATERIALIZE "} {
				if name, ok := strings.CutPrefix(d, p); ok {
					subqueries["SCAN "+name] = true
				}
			}
		}
		for _, d := range plan {
			if strings.HasPrefix(d, "SCAN ") && !subqueries[d] && !strings.Contains(d, "USING INDEX") && !strings.Contains(d, "USING COVERING INDEX") {
				t.Errorf("a home query scans a table:\n%s\n%s", q, strings.Join(plan, "\n"))
			}
			// Every office's tallies are summed from the index alone, one range for all
			// offices, not a range per office and a table read per row.
			if i >= national && strings.HasPrefix(d, "SEARCH home_tallies ") && !strings.Contains(d, "USING COVERING INDEX idx_home_tallies_bucket") {
				t.Errorf("the national home reads home_tallies other than from the index by bucket:\n%s\n%s", q, strings.Join(plan, "\n"))
			}
		}
		t.Logf("%s\n  %s", q, strings.Join(plan, "\n  "))
	}
}

// A case registered through the store counts at once on its caseworker's home: open by
// stage, and waiting once its last status change is older than the cutoff.
func TestRegisteredCaseCountsOnItsCaseworkersHome(t *testing.T) {
	ctx := context.Background()
	f := newCaseFixture(t)
	in := validInput()
	in.AssignedToID = f.cw.ID
	cs, err := f.s.Cases.Create(ctx, actorOf(f.cw), f.cw.Scope(), in)
	if err != nil {
		t.Fatal(err)
	}
	h, err := f.s.Cases.Home(ctx, f.cw.Scope(), models.HomeQuery{AssignedTo: f.cw.ID, StaleSince: f.clock.Now().Add(time.Hour),
		Today: models.DateOf(f.clock.Now()), Shown: 5})
	if err != nil {
		t.Fatal(err)
	}
	if len(h.Stages) != 1 || h.Stages[0].Status != models.StatusRegistered || h.Stages[0].Count != 1 {
		t.Errorf("stages %+v, want one registered case", h.Stages)
	}
	if h.WaitingTotal != 1 || len(h.Waiting) != 1 || h.Waiting[0].ID != cs.ID {
		t.Errorf("waiting %d %+v, want the case", h.WaitingTotal, h.Waiting)
	}
}

// checkMonthTallies: every per-month and per-year home count equals the sum of its
// kind's day counts over the month or year, for every office and caseworker (the
// follow-ups per day of return, per month and per year too).
func checkMonthTallies(t *testing.T, db *gorm.DB) {
	t.Helper()
	read := func(q string) map[string]int64 {
		rows, err := db.Raw(q).Rows()
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		out := map[string]int64{}
		for rows.Next() {
			var kind, bucket string
			var office, assignee, n int64
			if err := rows.Scan(&kind, &office, &assignee, &bucket, &n); err != nil {
				t.Fatal(err)
			}
			out[fmt.Sprintf("%s %d %d %s", kind, office, assignee, bucket)] = n
		}
		return out
	}
	for _, c := range []struct{ day, coarse string }{
		{"changed", "changed_m"}, {"monitoring", "monitoring_m"}, {"referral", "referral_m"}, {"followup_d", "followup"},
		{"changed", "changed_y"}, {"monitoring", "monitoring_y"}, {"referral", "referral_y"}, {"followup_d", "followup_y"},
	} {
		width := 7 // 2021-03
		if strings.HasSuffix(c.coarse, "_y") {
			width = 4
		}
		if strings.HasPrefix(c.day, "followup") {
			width += 3 // 02:
		}
		byDay := read(fmt.Sprintf(`SELECT kind, office_id, assignee_id, substr(bucket, 1, %d), SUM(n) FROM home_tallies
			WHERE kind = '%s' GROUP BY kind, office_id, assignee_id, substr(bucket, 1, %d) HAVING SUM(n) <> 0`, width, c.day, width))
		coarse := read(fmt.Sprintf(`SELECT '%s', office_id, assignee_id, bucket, SUM(n) FROM home_tallies
			WHERE kind = '%s' GROUP BY office_id, assignee_id, bucket HAVING SUM(n) <> 0`, c.day, c.coarse))
		if len(byDay) == 0 {
			t.Fatalf("no %s counts to compare", c.day)
		}
		for k, n := range byDay {
			if coarse[k] != n {
				t.Errorf("%s: %d by day, %d in %s", k, n, coarse[k], c.coarse)
			}
		}
		for k, n := range coarse {
			if _, ok := byDay[k]; !ok {
				t.Errorf("%s: %d in %s, none by day", k, n, c.coarse)
			}
		}
	}
}

// TestHomeMonthTalliesFromEarlierCasework: casework recorded before the homes counted
// per month is counted by the migration that adds them, and the homes read from them
// agree with the direct queries.
func TestHomeMonthTalliesFromEarlierCasework(t *testing.T) {
	ctx := t.Context()
	db := openMigratedTo(t, "0020_summary_days_and_families")
	clock := dbtest.NewClock(time.Date(2021, 9, 1, 9, 0, 0, 0, time.UTC))
	s := models.NewStores(db, clock.Now, dbtest.CheapArgon)
	rab := dbtest.MustOffice(t, s, "RAB", "Rabat")
	cw := dbtest.MustUser(t, s, "cw@example.org", models.RoleCaseworker, "RAB", "a long test passphrase")
	sup := dbtest.MustUser(t, s, "sup@example.org", models.RoleSupervisor, "RAB", "a long test passphrase")
	rng := rand.New(rand.NewPCG(21, 3))
	day := func() time.Time {
		return time.Date(2021, 1, 1, 8, 0, 0, 0, time.UTC).AddDate(0, 0, rng.IntN(240))
	}
	for range 40 {
		cs := insertCase(t, s, rab, cw, []models.CaseStatus{models.StatusRegistered, models.StatusReintegration}[rng.IntN(2)], true)
		if err := db.Write.Model(cs).Updates(map[string]any{"assigned_to_id": cw.ID, "departure_date": models.DateOf(day())}).Error; err != nil {
			t.Fatal(err)
		}
		at := day()
		dbtest.MustInsert(t, s,
			&models.StatusChange{CaseID: cs.ID, From: cs.Status, To: cs.Status, Date: models.DateOf(at), UserID: cw.ID, CreatedAt: at},
			&models.Activity{CaseID: cs.ID, Kind: "monitoring", Date: models.DateOf(day()), CreatedByID: cw.ID},
			&models.Referral{CaseID: cs.ID, Partner: "health", DateSent: models.DateOf(day()), Status: models.ReferralSent, CreatedByID: cw.ID, Version: 1})
	}
	if err := models.Migrate(ctx, db); err != nil {
		t.Fatal(err)
	}
	checkMonthTallies(t, db.Read)
	seen := map[string]bool{}
	for _, u := range []*models.User{cw, sup} {
		for _, now := range []time.Time{clock.Now(), time.Date(2021, 5, 17, 9, 0, 0, 0, time.UTC)} {
			compareHome(ctx, t, s, u, now, seen)
		}
	}
	for _, k := range []string{"waiting", "monitoring due", "referrals overdue", "follow-ups due"} {
		if !seen[k] {
			t.Errorf("%s: always zero", k)
		}
	}
}

// TestHomeSumsFromEitherSide: a home sums the days before a cutoff from the year,
// month and day rows, reading each level from its shorter side (the buckets before the
// cutoff, or the bucket holding it less those after). On a count for every day of two
// years, in two offices and for two assignees, the sum up to each day of those years
// and around them, through it or not, must equal the day rows summed directly.
func TestHomeSumsFromEitherSide(t *testing.T) {
	ctx := context.Background()
	s := dbtest.Stores(t, dbtest.NewClock(time.Date(2021, 6, 1, 9, 0, 0, 0, time.UTC)))
	offices := []*models.Office{dbtest.MustOffice(t, s, "RAB", "Rabat"), dbtest.MustOffice(t, s, "CAS", "Casablanca")}
	db := s.DB.Write
	rng := rand.New(rand.NewPCG(7, 11))
	for _, k := range []struct{ day, month, year, prefix string }{
		{"changed", "changed_m", "changed_y", ""},
		{"followup_d", "followup", "followup_y", "01:"},
	} {
		for d := models.NewDate(2021, time.January, 1); d.Before(models.NewDate(2023, time.January, 1)); d = d.AddDays(1) {
			for _, o := range offices {
				for assignee := range 2 {
					// a day without a count now and then, as in real data
					if n := rng.IntN(5); n > 0 {
						if err := db.Exec("INSERT INTO home_tallies (kind, office_id, assignee_id, bucket, n) VALUES (?, ?, ?, ?, ?)",
							k.day, o.ID, assignee, k.prefix+d.String(), n).Error; err != nil {
							t.Fatal(err)
						}
					}
				}
			}
		}
		p := len(k.prefix)
		for _, c := range []struct {
			kind string
			size int
		}{{k.month, 7}, {k.year, 4}} {
			if err := db.Exec(fmt.Sprintf(`INSERT INTO home_tallies (kind, office_id, assignee_id, bucket, n)
				SELECT ?, office_id, assignee_id, substr(bucket, 1, %d), SUM(n) FROM home_tallies WHERE kind = ?
				GROUP BY office_id, assignee_id, substr(bucket, 1, %d)`, p+c.size, p+c.size), c.kind, k.day).Error; err != nil {
				t.Fatal(err)
			}
		}
		for last := models.NewDate(2020, time.December, 28); last.Before(models.NewDate(2023, time.January, 4)); last = last.AddDays(1) {
			for _, through := range []bool{true, false} {
				op := "<"
				if through {
					op = "<="
				}
				var want int64
				if err := s.DB.Read.Raw("SELECT COALESCE(SUM(n), 0) FROM home_tallies WHERE kind = ? AND bucket >= ? AND bucket "+op+" ?",
					k.day, k.prefix, k.prefix+last.String()).Scan(&want).Error; err != nil {
					t.Fatal(err)
				}
				got, err := models.SumUpTo(ctx, s.DB, k.prefix != "", k.prefix, last, through)
				if err != nil {
					t.Fatal(err)
				}
				if got != want {
					t.Fatalf("%s up to %s (through %v): %d, want %d", k.day, last, through, got, want)
				}
			}
		}
	}
}

// The PostgreSQL homes write their values into the statement: only the store's own
// kinds, buckets and ids may get there, and nothing that could end a quoted string.
func TestHomeWritesOnlySafeLiterals(t *testing.T) {
	for _, tc := range []struct {
		name, q string
		args    []any
		want    string
		err     bool
	}{
		{"kinds, buckets and ids", "kind = ? AND office_id = ? AND assignee_id = ? AND bucket > ? AND bucket <= ?",
			[]any{"followup_d", uint(7), uint(12), "02:2021-11-19", "02:2021-11-31"},
			"kind = 'followup_d' AND office_id = 7 AND assignee_id = 12 AND bucket > '02:2021-11-19' AND bucket <= '02:2021-11-31'", false},
		{"an empty prefix", "bucket >= ?", []any{""}, "bucket >= ''", false},
		{"signed numbers", "n = ? AND m = ?", []any{-3, int64(4)}, "n = (-3) AND m = 4", false},
		{"a negative number after a minus", "n - ?", []any{int64(-3)}, "n - (-3)", false},
		{"a quote", "bucket = ?", []any{"x' OR '1'='1"}, "", true},
		{"a space", "bucket = ?", []any{"2021 12"}, "", true},
		{"a time", "at < ?", []any{time.Now()}, "", true},
		{"a value missing", "a = ? AND b = ?", []any{1}, "", true},
		{"a value too many", "a = ?", []any{1, 2}, "", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := models.WithLiterals(tc.q, tc.args)
			if tc.err {
				if err == nil {
					t.Fatalf("wrote %q, want an error", got)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("got %q, %v; want %q", got, err, tc.want)
			}
		})
	}
}

// On PostgreSQL no index of home_tallies holds the count: every write changes counts,
// and an indexed one would make each such update write a new entry in every index of
// the table instead of updating the row in place.
func TestHomeTalliesCountNotIndexedOnPostgres(t *testing.T) {
	if dbtest.Backend() != "postgres" {
		t.Skip("SQLite updates an index entry in place: its index by bucket holds the count")
	}
	s := dbtest.Stores(t, dbtest.NewClock(time.Date(2021, 6, 1, 9, 0, 0, 0, time.UTC)))
	var defs []string
	if err := s.DB.Read.Raw("SELECT indexdef FROM pg_indexes WHERE tablename = 'home_tallies' AND schemaname = current_schema()").
		Scan(&defs).Error; err != nil {
		t.Fatal(err)
	}
	if len(defs) < 3 {
		t.Fatalf("home_tallies has %d indexes: %q", len(defs), defs)
	}
	for _, d := range defs {
		_, cols, _ := strings.Cut(d, "(")
		cols, _, _ = strings.Cut(cols, ")")
		for _, c := range strings.Split(cols, ",") {
			if strings.TrimSpace(c) == "n" {
				t.Errorf("an index holds the count: %s", d)
			}
		}
	}
}
