package models_test

import (
	"fmt"
	"math/rand/v2"
	"net/url"
	"strings"
	"testing"
	"time"

	"awda/models"
	"awda/models/dbtest"
)

// sumFixture inserts rows directly, for the summary's definitions.
type sumFixture struct {
	t      testing.TB
	s      *models.Stores
	user   *models.User
	office map[string]*models.Office
	seq    int
}

func newSumFixture(t testing.TB) *sumFixture {
	t.Helper()
	s := dbtest.Stores(t, dbtest.NewClock(time.Date(2022, 3, 1, 9, 0, 0, 0, time.UTC)))
	f := &sumFixture{t: t, s: s, office: map[string]*models.Office{}}
	f.off("RAB")
	f.user = dbtest.MustUser(t, s, "writer@example.org", models.RoleCaseworker, "RAB", "a long test passphrase")
	return f
}

func (f *sumFixture) off(code string) *models.Office {
	if o := f.office[code]; o != nil {
		return o
	}
	o := dbtest.MustOffice(f.t, f.s, code, code)
	f.office[code] = o
	return o
}

func d(s string) models.Date {
	x, err := models.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return x
}

// person is a case with defaults; edit sets fields.
func (f *sumFixture) person(edit func(c *models.Case)) *models.Case {
	f.t.Helper()
	f.seq++
	c := &models.Case{
		CaseNumber: fmt.Sprintf("RAB-2021-%05d", f.seq), OfficeID: f.off("RAB").ID, Direction: models.Outbound,
		FamilyName: "Family", GivenName: fmt.Sprint("Given ", f.seq), Sex: models.SexM, Nationality: "CI",
		ReturnCountry: "CI", ConsentDate: d("2021-01-01"), Status: models.StatusRegistered, CreatedByID: f.user.ID,
	}
	if edit != nil {
		edit(c)
	}
	if err := f.s.DB.Write.Create(c).Error; err != nil {
		f.t.Fatalf("create case: %v", err)
	}
	return c
}

// returned is an outbound case that left on the date.
func (f *sumFixture) returned(date string, edit func(c *models.Case)) *models.Case {
	return f.person(func(c *models.Case) {
		c.Status, c.DepartureDate = models.StatusReturned, d(date)
		if edit != nil {
			edit(c)
		}
	})
}

func (f *sumFixture) support(c *models.Case, typ models.SupportType, date string, edit func(s *models.Support)) {
	f.t.Helper()
	s := &models.Support{CaseID: c.ID, Type: typ, Amount: 100000, Currency: "MAD", Date: d(date),
		Status: models.SupportDelivered, PlannedByID: f.user.ID, Version: 1}
	if edit != nil {
		edit(s)
	}
	if err := f.s.DB.Write.Create(s).Error; err != nil {
		f.t.Fatalf("create support: %v", err)
	}
}

func (f *sumFixture) session(kind models.SessionKind, date string, attendees ...*models.Case) *models.GroupSession {
	f.t.Helper()
	g := &models.GroupSession{OfficeID: f.off("RAB").ID, Kind: kind, Title: "Session", Date: d(date), CreatedByID: f.user.ID}
	if err := f.s.DB.Write.Create(g).Error; err != nil {
		f.t.Fatalf("create session: %v", err)
	}
	for _, c := range attendees {
		if err := f.s.DB.Write.Create(&models.Attendance{SessionID: g.ID, CaseID: c.ID, AddedByID: f.user.ID}).Error; err != nil {
			f.t.Fatalf("create attendance: %v", err)
		}
	}
	return g
}

func (f *sumFixture) referral(c *models.Case, partner string, status models.ReferralStatus, date string) {
	f.t.Helper()
	r := &models.Referral{CaseID: c.ID, Partner: partner, DateSent: d(date), Status: status, CreatedByID: f.user.ID, Version: 1}
	if err := f.s.DB.Write.Create(r).Error; err != nil {
		f.t.Fatalf("create referral: %v", err)
	}
}

func year(y int) models.SummaryFilter { return models.SummaryFilter{}.WithYear(y) }

var all = models.Scope{Role: models.RoleAdmin}

func (f *sumFixture) summary(scope models.Scope, flt models.SummaryFilter) *models.Summary {
	f.t.Helper()
	s, err := f.s.Summary.Summary(f.t.(*testing.T).Context(), scope, flt)
	if err != nil {
		f.t.Fatalf("summary: %v", err)
	}
	return s
}

// checkDrillDowns asserts that every figure of a summary equals its drill-down count.
func (f *sumFixture) checkDrillDowns(t *testing.T, scope models.Scope, s *models.Summary) {
	t.Helper()
	check := func(ind, key string, want int64) {
		_, n, err := f.s.Summary.Cases(t.Context(), scope, s.Filter, ind, key, 1, 10)
		if err != nil {
			t.Fatalf("cases %s %s: %v", ind, key, err)
		}
		if n != want {
			t.Errorf("drill-down %s %q lists %d cases, figure is %d", ind, key, n, want)
		}
	}
	for _, ind := range models.Indicators {
		if !models.IsKeyed(ind) {
			check(ind, "", s.Figure(ind))
			continue
		}
		for _, kc := range s.Breakdowns[ind] {
			check(ind, kc.Key, kc.Count)
		}
	}
	for _, row := range s.Support {
		check(models.IndSupportType, string(row.Type), row.People)
	}
}

func TestLargestRemainderProperties(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for range 20000 {
		n := 1 + r.IntN(8)
		counts := make([]int64, n)
		var total int64
		for i := range counts {
			switch r.IntN(4) {
			case 0:
				counts[i] = 0
			case 1:
				counts[i] = r.Int64N(5)
			default:
				counts[i] = r.Int64N(1_000_000)
			}
			total += counts[i]
		}
		shares := models.LargestRemainder(counts)
		sum := 0
		for i, s := range shares {
			sum += s
			if total == 0 {
				continue
			}
			exact := float64(counts[i]) * 100 / float64(total)
			if float64(s) < exact-1 || float64(s) > exact+1 {
				t.Fatalf("%v → %v: share %d is not within 1 of %.3f", counts, shares, s, exact)
			}
		}
		if total > 0 && sum != 100 || total == 0 && sum != 0 {
			t.Fatalf("%v → %v: sum %d", counts, shares, sum)
		}
	}
}

func TestLargestRemainderCases(t *testing.T) {
	for _, tc := range []struct {
		counts []int64
		want   []int
	}{
		{[]int64{0, 0, 0, 0}, []int{0, 0, 0, 0}},
		{nil, []int{}},
		{[]int64{0, 7, 0, 0}, []int{0, 100, 0, 0}},
		// three equal remainders and counts: the earlier positions get the points.
		{[]int64{1, 1, 1}, []int{34, 33, 33}},
		{[]int64{1, 1, 1, 0}, []int{34, 33, 33, 0}},
		// equal remainders (2/3 → 66.67 and 66.67): the tie goes to position order.
		{[]int64{2, 2, 2}, []int{34, 33, 33}},
		// larger remainder first: 1/6=16.67 (rem .67) beats 5/6=83.33 (rem .33).
		{[]int64{1, 5}, []int{17, 83}},
		// equal remainders, the larger count first: 1/8 = 12.5 and 3/8 = 37.5, 4/8 = 50.
		{[]int64{1, 3, 4}, []int{12, 38, 50}},
		// the report's 2021 shares.
		{[]int64{580, 370, 40, 10}, []int{58, 37, 4, 1}},
	} {
		got := models.LargestRemainder(tc.counts)
		if fmt.Sprint(got) != fmt.Sprint(tc.want) {
			t.Errorf("LargestRemainder(%v) = %v, want %v", tc.counts, got, tc.want)
		}
	}
}

func TestParseSummaryFilter(t *testing.T) {
	for _, tc := range []struct {
		q       string
		errs    string
		from    string
		to      string
		outcome string
	}{
		{q: "", from: "", to: ""},
		{q: "from=2021-01-01&to=2021-12-31&office=rab&direction=outbound&nationality=ci&sex=f", from: "2021-01-01", to: "2021-12-31"},
		{q: "from=2021-02-30", errs: "from=summary.error.date"},
		{q: "from=2021-05-01&to=2021-04-01", errs: "to=summary.error.range"},
		{q: "to=2020-06-30", from: "2020-01-01", to: "2020-06-30"},
		{q: "from=2020-06-01", from: "2020-06-01", to: "2020-12-31"},
		{q: "direction=sideways&sex=Q&nationality=CIV&office=R1", errs: "direction=summary.error.choice nationality=summary.error.nationality office=summary.error.office sex=summary.error.choice"},
	} {
		q, _ := url.ParseQuery(tc.q)
		f, fe := models.ParseSummaryFilter(q)
		var got []string
		for _, k := range []string{"direction", "from", "nationality", "office", "sex", "to"} {
			if fe[k] != "" {
				got = append(got, k+"="+fe[k])
			}
		}
		if strings.Join(got, " ") != tc.errs {
			t.Errorf("%q: errors %v, want %q", tc.q, got, tc.errs)
		}
		if tc.errs == "" && (f.From.String() != tc.from || f.To.String() != tc.to) {
			t.Errorf("%q: period %s..%s, want %s..%s", tc.q, f.From, f.To, tc.from, tc.to)
		}
	}
	f, _ := models.ParseSummaryFilter(url.Values{"office": {"rab"}, "nationality": {"ci"}, "sex": {"f"}})
	if f.Office != "RAB" || f.Nationality != "CI" || f.Sex != models.SexF {
		t.Errorf("normalised filter %+v", f)
	}
}

func TestSummaryPeriodBoundaries(t *testing.T) {
	f := newSumFixture(t)
	in := f.returned("2021-01-01", nil)
	last := f.returned("2021-12-31", nil)
	f.returned("2020-12-31", nil)
	f.returned("2022-01-01", nil)
	f.person(nil) // no departure yet
	inbound := f.person(func(c *models.Case) {
		c.Direction = models.Inbound
		c.Nationality = "MA"
		c.DepartureDate = d("2021-06-01")
	})

	// support: cancelled excluded; boundaries on the support date.
	f.support(in, models.MicroProject, "2021-01-01", func(s *models.Support) { s.FundedByOffice = true })
	f.support(in, models.Cash, "2021-12-31", func(s *models.Support) { s.FundedByOffice = true; s.Currency = "EUR"; s.Amount = 5000 })
	f.support(last, models.Cash, "2020-12-31", func(s *models.Support) { s.FundedByOffice = true })
	f.support(last, models.Medical, "2021-05-05", func(s *models.Support) { s.FundedByOffice = true; s.Status = models.SupportCancelled })
	f.support(last, models.Medical, "2022-01-01", nil)
	f.support(inbound, models.Training, "2021-03-03", func(s *models.Support) { s.Status = models.SupportPlanned })
	f.support(inbound, models.Training, "2021-03-04", func(s *models.Support) { s.Status = models.SupportCancelled })

	// sessions: a person attending two sessions counts once.
	f.session(models.InfoSession, "2021-01-01", in, last)
	f.session(models.InfoSession, "2021-12-31", in)
	f.session(models.InfoSession, "2020-12-31", inbound)
	f.session(models.TrainingSession, "2021-06-01", in)
	f.session(models.TrainingSession, "2022-01-01", last)
	f.referral(inbound, "ANAPEC", models.ReferralSent, "2021-12-31")
	f.referral(inbound, "OFPPT", models.ReferralCompleted, "2022-01-01")

	s := f.summary(all, year(2021))
	want := map[string]int64{
		models.IndReturns: 2, models.IndInformed: 2, models.IndTrained: 1,
		models.IndOfficeFunded: 1, models.IndInboundSupported: 1, models.IndVulnerable: 0,
	}
	for k, v := range want {
		if s.Figure(k) != v {
			t.Errorf("%s = %d, want %d", k, s.Figure(k), v)
		}
	}
	if s.SupportTotal != 3 {
		t.Errorf("support total %d, want 3 (micro-project, cash, planned training)", s.SupportTotal)
	}
	got := fmt.Sprint(s.Support[0].Count, s.Support[1].Count, s.Support[2].Count, s.Support[3].Count, " ",
		s.Support[0].Share, s.Support[1].Share, s.Support[2].Share, s.Support[3].Share, " ", s.Support[1].Amounts)
	if got != "1 1 0 1 34 33 0 33 [{EUR 5000}]" {
		t.Errorf("support breakdown %s", got)
	}
	if r := s.Breakdowns[models.IndReferrals]; fmt.Sprint(r) != "[{ANAPEC:sent 1}]" {
		t.Errorf("referrals %v", r)
	}
	months := s.Breakdowns[models.IndReturnsMonth]
	if len(months) != 12 || months[0] != (models.KeyCount{Key: "2021-01", Count: 1}) || months[11].Count != 1 {
		t.Errorf("months %v", months)
	}
	f.checkDrillDowns(t, all, s)

	// the next year sees the 1 January return and nothing of 2021.
	s22 := f.summary(all, year(2022))
	if s22.Figure(models.IndReturns) != 1 || s22.Figure(models.IndTrained) != 1 || s22.Figure(models.IndInformed) != 0 {
		t.Errorf("2022 figures %v", s22.Figures)
	}
	if y, ok, err := f.s.Summary.LatestYear(t.Context(), all); err != nil || !ok || y != 2022 {
		t.Errorf("latest year %d %v %v", y, ok, err)
	}

	// The home page's headline gives the summary's own figures, and only those.
	for _, full := range []*models.Summary{s, s22} {
		h, err := f.s.Summary.Headline(t.Context(), all, full.Filter)
		if err != nil {
			t.Fatal(err)
		}
		for _, ind := range models.HeadlineIndicators {
			if h.Figure(ind) != full.Figure(ind) {
				t.Errorf("%s headline %s = %d, summary %d", full.Filter.From, ind, h.Figure(ind), full.Figure(ind))
			}
		}
		if h.SupportTotal != full.SupportTotal {
			t.Errorf("%s headline support %d, summary %d", full.Filter.From, h.SupportTotal, full.SupportTotal)
		}
		for i, sh := range h.Support { // the people per type are the summary page's only
			if w := full.Support[i]; sh.Count != w.Count || sh.Share != w.Share || fmt.Sprint(sh.Amounts) != fmt.Sprint(w.Amounts) {
				t.Errorf("%s headline %+v, summary %+v", full.Filter.From, sh, w)
			}
		}
		if len(h.Breakdowns) != 0 || len(h.Figures) > len(models.HeadlineIndicators) {
			t.Errorf("headline computed more than its figures: %v %v", h.Figures, h.Breakdowns)
		}
	}
}

func TestSummaryBreakdownsFiltersAndScope(t *testing.T) {
	f := newSumFixture(t)
	tng := f.off("TNG")
	f.returned("2021-03-10", func(c *models.Case) {
		c.Sex, c.BirthDate = models.SexF, d("2003-03-11") // 17 the day before her 18th birthday
		c.VulnerabilityOf = []models.CaseVulnerability{{Code: "pregnant"}, {Code: "single_parent"}}
	})
	f.returned("2021-03-11", func(c *models.Case) { c.BirthDate = d("2003-03-11") }) // 18 on the day
	f.returned("2021-04-01", func(c *models.Case) { c.AgeEstimate = new(61); c.Nationality = "GN" })
	f.returned("2021-04-02", func(c *models.Case) {
		c.OfficeID, c.CaseNumber, c.Nationality, c.Sex = tng.ID, "TNG-2021-00001", "SN", models.SexF
		c.VulnerabilityOf = []models.CaseVulnerability{{Code: "pregnant"}}
	})
	for i := range 11 { // 11 more nationalities, so that one falls into "the rest"
		f.returned("2021-05-01", func(c *models.Case) { c.Nationality = fmt.Sprintf("X%c", 'A'+i) })
	}
	s := f.summary(all, year(2021))
	if s.Figure(models.IndReturns) != 15 {
		t.Fatalf("returns %d", s.Figure(models.IndReturns))
	}
	if got := fmt.Sprint(s.Breakdowns[models.IndReturnsAge]); got != "[{under_18 1} {18_59 1} {60_plus 1} {unknown 12}]" {
		t.Errorf("age groups %s", got)
	}
	if got := fmt.Sprint(s.Breakdowns[models.IndReturnsSex]); got != "[{F 2} {M 13} {X 0}]" {
		t.Errorf("sex %s", got)
	}
	if got := fmt.Sprint(s.Breakdowns[models.IndReturnsOffice]); got != "[{RAB 14} {TNG 1}]" {
		t.Errorf("offices %s", got)
	}
	if got := fmt.Sprint(s.Breakdowns[models.IndVulnerability]); got != "[{pregnant 2} {single_parent 1}]" || s.Figure(models.IndVulnerable) != 2 {
		t.Errorf("vulnerabilities %s, vulnerable %d", got, s.Figure(models.IndVulnerable))
	}
	nat := s.Breakdowns[models.IndReturnsNationality]
	if len(nat) != 11 || nat[0] != (models.KeyCount{Key: "CI", Count: 2}) || nat[10] != (models.KeyCount{Key: models.OtherKey, Count: 4}) {
		t.Errorf("nationalities %v", nat)
	}
	f.checkDrillDowns(t, all, s)

	// scope: an office-bound supervisor sees only Tanger.
	tngScope := models.Scope{Role: models.RoleSupervisor, OfficeID: &tng.ID}
	st := f.summary(tngScope, year(2021))
	if st.Figure(models.IndReturns) != 1 || fmt.Sprint(st.Breakdowns[models.IndReturnsOffice]) != "[{TNG 1}]" {
		t.Errorf("Tanger scope: %v %v", st.Figures, st.Breakdowns[models.IndReturnsOffice])
	}
	f.checkDrillDowns(t, tngScope, st)
	// asking for another office inside a scope gives nothing.
	other := year(2021)
	other.Office = "RAB"
	if n := f.summary(tngScope, other).Figure(models.IndReturns); n != 0 {
		t.Errorf("RAB seen from Tanger scope: %d", n)
	}

	// filters.
	for _, tc := range []struct {
		edit func(*models.SummaryFilter)
		want int64
	}{
		{func(x *models.SummaryFilter) { x.Office = "TNG" }, 1},
		{func(x *models.SummaryFilter) { x.Sex = models.SexF }, 2},
		{func(x *models.SummaryFilter) { x.Nationality = "GN" }, 1},
		{func(x *models.SummaryFilter) { x.Direction = models.Inbound }, 0},
		{func(x *models.SummaryFilter) { x.Direction = models.Outbound; x.Sex = models.SexF; x.Office = "RAB" }, 1},
	} {
		flt := year(2021)
		tc.edit(&flt)
		if got := f.summary(all, flt).Figure(models.IndReturns); got != tc.want {
			t.Errorf("filter %+v: returns %d, want %d", flt, got, tc.want)
		}
	}
}

func TestSummaryEmpty(t *testing.T) {
	f := newSumFixture(t)
	s := f.summary(all, year(2021))
	if s.SupportTotal != 0 || s.Support[0].Share != 0 || s.Support[0].Tenths != 0 || s.Figure(models.IndReturns) != 0 {
		t.Errorf("empty summary %+v", s)
	}
	if _, ok, err := f.s.Summary.LatestYear(t.Context(), all); ok || err != nil {
		t.Errorf("latest year of nothing: %v %v", ok, err)
	}
	if _, _, err := f.s.Summary.Cases(t.Context(), all, year(2021), "nope", "", 1, 10); err != models.ErrNotFound {
		t.Errorf("unknown indicator: %v", err)
	}
}

// TestSummaryQueryPlan checks that no part of the summary scans a whole table on SQLite.
func TestSummaryQueryPlan(t *testing.T) {
	if dbtest.Backend() != "sqlite" {
		t.Skip("EXPLAIN QUERY PLAN is SQLite's")
	}
	f := newSumFixture(t)
	for _, scope := range []models.Scope{all, {Role: models.RoleSupervisor, OfficeID: &f.off("RAB").ID}} {
		q, args := models.SummaryQuery(year(2021), scope)
		rows, err := f.s.DB.Read.Raw("EXPLAIN QUERY PLAN "+q, args...).Rows()
		if err != nil {
			t.Fatal(err)
		}
		var plan []string
		for rows.Next() {
			var id, parent, notused int
			var detail string
			rows.Scan(&id, &parent, &notused, &detail)
			plan = append(plan, detail)
		}
		rows.Close()
		for _, p := range plan {
			if strings.HasPrefix(p, "SCAN ") && !strings.HasPrefix(p, "SCAN d") && !strings.Contains(p, "USING") {
				t.Errorf("full scan: %s\n%s", p, strings.Join(plan, "\n"))
			}
		}
	}
}
