package models_test

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"awda/models"
	"awda/models/dbtest"
)

// randomSummaryData fills the fixture with random cases (offices, directions,
// nationalities, sexes, ages, departures, vulnerabilities), support of every type,
// status and currency, sessions with attendance, and referrals, across 2019–2022, then
// changes some of them in SQL as an operator would (statuses, offices, a session's
// date, deletions), so that the triggers see every kind of write.
func randomSummaryData(t *testing.T, f *sumFixture, r *rand.Rand) {
	t.Helper()
	offices := []string{"RAB", "OUJ", "TNG"}
	nats := []string{"CI", "SN", "GN", "MA"}
	// few distinct days, so that a person's days often fall on a period's first day
	// or in its first month
	day := func() string {
		return fmt.Sprintf("%d-%02d-%02d", 2019+r.IntN(4), 1+r.IntN(12), []int{1, 2, 14, 15, 28}[r.IntN(5)])
	}
	var cases []*models.Case
	for range 70 {
		c := f.person(func(c *models.Case) {
			c.OfficeID = f.off(offices[r.IntN(len(offices))]).ID
			c.Nationality = nats[r.IntN(len(nats))]
			c.Direction = models.Outbound
			if c.Nationality == "MA" || r.IntN(5) == 0 {
				c.Direction = models.Inbound
			}
			c.Sex = models.Sexes[r.IntN(len(models.Sexes))]
			switch r.IntN(3) {
			case 0:
				c.BirthDate = d(fmt.Sprintf("%d-%02d-%02d", 1950+r.IntN(60), 1+r.IntN(12), 1+r.IntN(28)))
			case 1:
				a := r.IntN(80)
				c.AgeEstimate = &a
			}
			if r.IntN(4) != 0 {
				c.DepartureDate, c.Status = d(day()), models.StatusReturned
			}
		})
		for _, v := range models.Vulnerabilities {
			if r.IntN(6) == 0 {
				dbExec(t, f, "INSERT INTO case_vulnerabilities (case_id, code) VALUES (?, ?)", c.ID, string(v))
			}
		}
		cases = append(cases, c)
	}
	statuses := []models.SupportStatus{models.SupportPlanned, models.SupportApproved, models.SupportDelivered, models.SupportCancelled}
	currencies := []string{"MAD", "EUR", "XOF"}
	for _, c := range cases {
		for range r.IntN(5) {
			date := day()
			if r.IntN(3) == 0 {
				// the same day twice (records add up, people don't), and days
				// following each other at a period's start
				date = []string{"2021-03-14", "2021-03-15", "2021-03-28"}[r.IntN(3)]
			}
			f.support(c, models.SupportTypes[r.IntN(len(models.SupportTypes))], date, func(s *models.Support) {
				s.Status = statuses[r.IntN(len(statuses))]
				s.Currency = currencies[r.IntN(len(currencies))]
				s.Amount = int64(r.IntN(500000))
				s.FundedByOffice = r.IntN(2) == 0
			})
		}
		for range r.IntN(3) {
			f.referral(c, models.Partners[r.IntN(len(models.Partners))], models.ReferralSent, day())
		}
	}
	var sessions []*models.GroupSession
	for range 25 {
		var who []*models.Case
		for _, c := range cases {
			if r.IntN(6) == 0 {
				who = append(who, c)
			}
		}
		sessions = append(sessions, f.session(models.SessionKinds[r.IntN(2)], day(), who...))
	}
	// changes after the fact
	for range 15 {
		c := cases[r.IntN(len(cases))]
		switch r.IntN(7) {
		case 0:
			dbExec(t, f, "UPDATE supports SET status = ? WHERE case_id = ?", string(statuses[r.IntN(4)]), c.ID)
		case 1:
			dbExec(t, f, "UPDATE cases SET office_id = ? WHERE id = ?", f.off(offices[r.IntN(3)]).ID, c.ID)
		case 2:
			dbExec(t, f, "UPDATE group_sessions SET date = ? WHERE id = ?", day(), sessions[r.IntN(len(sessions))].ID)
		case 3:
			dbExec(t, f, "DELETE FROM session_attendances WHERE case_id = ?", c.ID)
		case 4:
			dbExec(t, f, "UPDATE referrals SET status = ? WHERE case_id = ?", string(models.ReferralAccepted), c.ID)
		case 5:
			dbExec(t, f, "UPDATE cases SET departure_date = ?, sex = ? WHERE id = ?", day(), string(models.SexF), c.ID)
		case 6:
			for _, tbl := range []string{"supports", "referrals", "session_attendances", "case_vulnerabilities", "status_changes", "household_members"} {
				dbExec(t, f, "DELETE FROM "+tbl+" WHERE case_id = ?", c.ID)
			}
			dbExec(t, f, "DELETE FROM cases WHERE id = ?", c.ID)
		}
	}
}

func dbExec(t *testing.T, f *sumFixture, sql string, args ...any) {
	t.Helper()
	if err := f.s.DB.Write.Exec(sql, args...).Error; err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

// randomSummaryFilter is a random period (often a month boundary, sometimes a whole
// year, sometimes a few days) with random filters.
func randomSummaryFilter(r *rand.Rand, offices []string) models.SummaryFilter {
	date := func() models.Date {
		dd := models.NewDate(2019+r.IntN(4), 1, 1).AddMonths(r.IntN(12))
		if r.IntN(2) == 0 { // the busy months of the data
			dd = models.NewDate(2021, 1, 1).AddMonths(r.IntN(4))
		}
		if r.IntN(5) == 0 {
			return models.NewDate(2021, 3, 14)
		}
		switch r.IntN(3) {
		case 0:
			return dd
		case 1:
			return dd.AddMonths(1).AddDays(-1)
		}
		return dd.AddDays([]int{1, 13, 14, 27}[r.IntN(4)])
	}
	var f models.SummaryFilter
	switch r.IntN(5) {
	case 0:
		f = year(2019 + r.IntN(4))
	case 4:
		// from 1 January: whole years, then the months and days after them
		f.From = models.NewDate(2019+r.IntN(3), 1, 1)
		f.To = date()
		if f.To.Before(f.From) {
			f.To = models.NewDate(2022, 12, 31)
		}
	case 1:
		f.From = date()
		f.To = f.From.AddDays(r.IntN(20))
	default:
		a, b := date(), date()
		if a.After(b) {
			a, b = b, a
		}
		f.From, f.To = a, b
	}
	pick := func(xs ...string) string { return xs[r.IntN(len(xs))] }
	f.Office = pick(append([]string{"", ""}, offices...)...)
	f.Direction = models.Direction(pick("", "", string(models.Outbound), string(models.Inbound)))
	f.Nationality = pick("", "", "", "CI", "MA", "SN")
	f.Sex = models.Sex(pick("", "", "F", "M", "X"))
	f.Delivered = r.IntN(3) == 0
	return f
}

// The prepared figures equal the figures computed from the records for random periods
// and filter combinations on random data, distinct-person counts included, and every
// drill-down lists as many cases as its figure.
func TestSummaryPreparedMatchesDirect(t *testing.T) {
	for seed := range uint64(3) {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			r := rand.New(rand.NewPCG(seed, 42))
			f := newSumFixture(t)
			randomSummaryData(t, f, r)
			offices := []string{"RAB", "OUJ", "TNG"}
			for i := range 120 {
				flt := randomSummaryFilter(r, offices)
				scope := all
				if i%4 == 3 {
					id := f.off(offices[r.IntN(3)]).ID
					scope = models.Scope{OfficeID: &id, Role: models.RoleSupervisor}
				}
				got := f.summary(scope, flt)
				want, err := f.s.Summary.DirectSummary(t.Context(), scope, flt)
				if err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(got, want) {
					t.Fatalf("filter %+v scope %v:\nprepared %+v\n  direct %+v", flt, scope.OfficeID, got, want)
				}
				// the home's headline reads other rows (its returns by year)
				gotHead, err := f.s.Summary.Headline(t.Context(), scope, flt)
				if err != nil {
					t.Fatal(err)
				}
				wantHead, err := f.s.Summary.DirectHeadline(t.Context(), scope, flt)
				if err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(gotHead, wantHead) || gotHead.Figure(models.IndReturns) != got.Figure(models.IndReturns) {
					t.Fatalf("headline, filter %+v scope %v:\nprepared %+v\n  direct %+v", flt, scope.OfficeID, gotHead, wantHead)
				}
				if i%6 == 0 {
					f.checkDrillDowns(t, scope, got)
				}
			}
			requireRebuildSame(t, f)
		})
	}
}

// requireRebuildSame fails unless rebuilding the prepared tables from the records
// gives exactly what the triggers maintained (tally rows at zero aside).
func requireRebuildSame(t *testing.T, f *sumFixture) {
	t.Helper()
	read := func() (string, string, string, string, string) {
		dump := func(q string) string {
			rows, err := f.s.DB.Read.Raw(q).Rows()
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			cols, _ := rows.Columns()
			var out []string
			for rows.Next() {
				vals := make([]any, len(cols))
				ptrs := make([]any, len(cols))
				for i := range vals {
					ptrs[i] = &vals[i]
				}
				if err := rows.Scan(ptrs...); err != nil {
					t.Fatal(err)
				}
				var sb strings.Builder
				for _, v := range vals {
					if b, ok := v.([]byte); ok {
						v = string(b)
					}
					fmt.Fprintf(&sb, "%v|", v)
				}
				out = append(out, sb.String())
			}
			sort.Strings(out)
			return strings.Join(out, "\n")
		}
		return dump("SELECT * FROM summary_facts"), dump("SELECT * FROM summary_tallies WHERE n <> 0 OR amount <> 0"),
			dump("SELECT * FROM summary_totals WHERE n <> 0 OR amount <> 0"), dump("SELECT * FROM summary_days WHERE n <> 0 OR amount <> 0"),
			dump("SELECT * FROM summary_years WHERE n <> 0 OR amount <> 0")
	}
	facts, tallies, totals, days, years := read()
	if facts == "" {
		t.Fatal("no facts at all")
	}
	if f.s.DB.Dialect == models.SQLite {
		var left int64
		if err := f.s.DB.Read.Raw("SELECT COUNT(*) FROM summary_refresh_rows").Scan(&left).Error; err != nil || left != 0 {
			t.Errorf("the refresh left %d rows in its scratch table (%v)", left, err)
		}
	}
	if _, err := models.RebuildSummary(t.Context(), f.s.DB); err != nil {
		t.Fatal(err)
	}
	facts2, tallies2, totals2, days2, years2 := read()
	if facts != facts2 {
		t.Errorf("rebuilt facts differ:\nincremental\n%s\nrebuilt\n%s", facts, facts2)
	}
	if tallies != tallies2 {
		t.Errorf("rebuilt tallies differ:\nincremental\n%s\nrebuilt\n%s", tallies, tallies2)
	}
	if totals != totals2 {
		t.Errorf("rebuilt totals differ:\nincremental\n%s\nrebuilt\n%s", totals, totals2)
	}
	if days != days2 {
		t.Errorf("rebuilt days differ:\nincremental\n%s\nrebuilt\n%s", days, days2)
	}
	if years != years2 {
		t.Errorf("rebuilt years differ:\nincremental\n%s\nrebuilt\n%s", years, years2)
	}
}

// TestSummaryYearsFromEarlierRecords: records written before summary_years existed are
// summed into it by the migration that adds it, and the yearly figures read from it
// equal the direct ones.
func TestSummaryYearsFromEarlierRecords(t *testing.T) {
	ctx := t.Context()
	db := openMigratedTo(t, "0021_home_month_tallies")
	s := models.NewStores(db, dbtest.NewClock(time.Date(2022, 3, 1, 9, 0, 0, 0, time.UTC)).Now, dbtest.CheapArgon)
	f := &sumFixture{t: t, s: s, office: map[string]*models.Office{}}
	f.off("RAB")
	f.user = dbtest.MustUser(t, s, "writer@example.org", models.RoleCaseworker, "RAB", "a long test passphrase")
	randomSummaryData(t, f, rand.New(rand.NewPCG(22, 1)))
	if err := models.Migrate(ctx, db); err != nil {
		t.Fatal(err)
	}
	for y := 2019; y <= 2022; y++ {
		flt := year(y)
		want, err := s.Summary.DirectSummary(ctx, all, flt)
		if err != nil {
			t.Fatal(err)
		}
		if got := f.summary(all, flt); !reflect.DeepEqual(got, want) {
			t.Errorf("%d:\nprepared %+v\n  direct %+v", y, got, want)
		}
	}
	requireRebuildSame(t, f)
}
