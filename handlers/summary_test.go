package handlers

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"awda/models"
)

// sumData inserts summary rows straight into the database (the case and support
// stores live elsewhere), in batches.
type sumData struct {
	t    testing.TB
	app  *testApp
	user *models.User
	seq  int
}

func newSumData(app *testApp) *sumData {
	app.t.Helper()
	return &sumData{t: app.t, app: app, user: app.user("writer@example.org", models.RoleCaseworker, "RAB")}
}

func date(s string) models.Date {
	d, err := models.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d
}

// cases creates n cases of an office; edit may set each one's fields by its index.
func (d *sumData) cases(office string, n int, edit func(i int, c *models.Case)) []*models.Case {
	d.t.Helper()
	o := d.app.office(office)
	out := make([]*models.Case, n)
	for i := range out {
		d.seq++
		c := &models.Case{
			CaseNumber: fmt.Sprintf("%s-2021-%05d", office, d.seq), OfficeID: o.ID, Direction: models.Outbound,
			FamilyName: "Family", GivenName: fmt.Sprint("Given ", d.seq), Sex: models.SexM, Nationality: "CI",
			ReturnCountry: "CI", ConsentDate: date("2021-01-01"), Status: models.StatusRegistered, CreatedByID: d.user.ID,
		}
		if edit != nil {
			edit(i, c)
		}
		out[i] = c
	}
	if err := d.app.stores.DB.Write.CreateInBatches(out, 200).Error; err != nil {
		d.t.Fatalf("create cases: %v", err)
	}
	return out
}

func (d *sumData) supports(rows []*models.Support) {
	d.t.Helper()
	for _, s := range rows {
		s.PlannedByID, s.Version = d.user.ID, 1
		if s.Currency == "" {
			s.Currency = "MAD"
		}
		if s.Status == "" {
			s.Status = models.SupportDelivered
		}
	}
	if err := d.app.stores.DB.Write.CreateInBatches(rows, 300).Error; err != nil {
		d.t.Fatalf("create support: %v", err)
	}
}

// session creates a session attended by the cases.
func (d *sumData) session(kind models.SessionKind, day string, attendees []*models.Case) {
	d.t.Helper()
	g := &models.GroupSession{OfficeID: d.app.office("RAB").ID, Kind: kind, Title: "Session", Date: date(day), CreatedByID: d.user.ID}
	if err := d.app.stores.DB.Write.Create(g).Error; err != nil {
		d.t.Fatalf("create session: %v", err)
	}
	if len(attendees) == 0 {
		return
	}
	rows := make([]models.Attendance, len(attendees))
	for i, c := range attendees {
		rows[i] = models.Attendance{SessionID: g.ID, CaseID: c.ID, AddedByID: d.user.ID}
	}
	if err := d.app.stores.DB.Write.CreateInBatches(rows, 300).Error; err != nil {
		d.t.Fatalf("create attendance: %v", err)
	}
}

// dayOf2021 is the i-th day of 2021, cycling.
func dayOf2021(i int) models.Date { return date("2021-01-01").AddDays(i % 365) }

// numbers folds the spaces that group thousands, for comparing figures.
var numbers = strings.NewReplacer("\u202f", " ", "\u00a0", " ")

func figure(p *page, sel string) string { return numbers.Replace(p.text(sel)) }

// report2021 builds a dataset with the office's 2021 report figures, record by record.
func report2021(t *testing.T, app *testApp) {
	d := newSumData(app)
	nats := []string{"CI", "GN", "SN", "CM", "NG", "ML", "CG", "CD", "BF", "GM", "SL", "TD"}
	out := d.cases("RAB", 2377, func(i int, c *models.Case) {
		c.Status, c.DepartureDate = models.StatusReturned, dayOf2021(i)
		c.Nationality, c.ReturnCountry = nats[i%len(nats)], nats[i%len(nats)]
		if i%3 == 0 {
			c.Sex = models.SexF
		}
		if i%7 == 0 {
			c.BirthDate = date("2010-05-05")
		} else if i%11 == 0 {
			c.AgeEstimate = new(65)
		}
		if i%13 == 0 {
			c.VulnerabilityOf = []models.CaseVulnerability{{Code: "single_parent"}}
		}
	})
	// cases that do not count: returned the year before or after, not yet returned.
	d.cases("RAB", 20, func(i int, c *models.Case) {
		c.Status = models.StatusReturned
		c.DepartureDate = date("2020-12-31")
		if i%2 == 1 {
			c.DepartureDate = date("2022-01-01")
		}
	})
	d.cases("CAS", 30, nil)
	in := d.cases("CAS", 216, func(i int, c *models.Case) {
		c.Direction, c.Nationality, c.ReturnCountry = models.Inbound, "MA", "MA"
		c.Status = models.StatusReintegration
	})

	// support: 1,392 micro-projects, 888 cash, 96 medical, 24 training = 58/37/4/1 %.
	var rows []*models.Support
	var types []models.SupportType
	for k, n := range []int{1392, 888, 96, 24} {
		for range n {
			types = append(types, models.SupportTypes[k])
		}
	}
	for i, typ := range types {
		s := &models.Support{Type: typ, Amount: 500000, Date: dayOf2021(i)}
		if i < len(in) {
			s.CaseID = in[i].ID
		} else {
			j := i - len(in)
			s.CaseID = out[j].ID
			s.FundedByOffice = j < 156
		}
		rows = append(rows, s)
	}
	// excluded: cancelled support (office funded) and support of 2020.
	for j := 200; j < 210; j++ {
		rows = append(rows, &models.Support{CaseID: out[j].ID, Type: models.Cash, Amount: 1000, Date: date("2021-06-01"), FundedByOffice: true, Status: models.SupportCancelled})
		rows = append(rows, &models.Support{CaseID: out[j].ID, Type: models.Cash, Amount: 1000, Date: date("2020-12-31"), FundedByOffice: true})
	}
	d.supports(rows)

	// 1,925 people informed, 100 of them at two sessions; 664 trained.
	for k := range 50 {
		var who []*models.Case
		for i := k; i < 1925; i += 50 {
			who = append(who, out[i])
		}
		if k < 10 {
			for i := (k + 1) % 50; i < 1925; i += 50 {
				if len(who) < 48 {
					who = append(who, out[i])
				}
			}
		}
		d.session(models.InfoSession, dayOf2021(k*7).String(), uniqueCases(who))
	}
	d.session(models.InfoSession, "2020-12-31", out[2000:2100])
	for k := range 20 {
		var who []*models.Case
		for i := k; i < 664; i += 20 {
			who = append(who, out[i])
		}
		d.session(models.TrainingSession, dayOf2021(k*11).String(), who)
	}
	d.session(models.TrainingSession, "2021-12-31", out[:10]) // trained twice: counted once
}

func uniqueCases(cs []*models.Case) []*models.Case {
	seen := map[uint]bool{}
	var out []*models.Case
	for _, c := range cs {
		if !seen[c.ID] {
			seen[c.ID] = true
			out = append(out, c)
		}
	}
	return out
}

// TestSummaryShowsThe2021ReportFigures guards the definitions: a dataset built with the
// report's counts shows the report's figures on the rendered page, the period defaulting
// to 2021 (the latest year with data apart from the 1 January 2022 departures).
func TestSummaryShowsThe2021ReportFigures(t *testing.T) {
	app := newTestApp(t)
	report2021(t, app)
	c, _ := app.signedIn("sup@example.org", models.RoleSupervisor, "")
	p := c.get("/summary?from=2021-01-01&to=2021-12-31")
	wantStatus(t, p, http.StatusOK)
	for sel, want := range map[string]string{
		`[data-testid="ind-returns"]`:                  "2 377",
		`[data-testid="ind-informed"]`:                 "1 925",
		`[data-testid="ind-trained"]`:                  "664",
		`[data-testid="ind-office_funded"]`:            "156",
		`[data-testid="ind-inbound_supported"]`:        "216",
		`[data-testid="support-total"]`:                "2 400",
		`[data-testid="support-micro_project-share"]`:  "58 %",
		`[data-testid="support-cash-share"]`:           "37 %",
		`[data-testid="support-medical-share"]`:        "4 %",
		`[data-testid="support-training-share"]`:       "1 %",
		`[data-testid="support-micro_project-share1"]`: "58,0 %",
		`[data-testid="support-micro_project-count"]`:  "1 392",
	} {
		if got := figure(p, sel); got != want {
			t.Errorf("%s = %q, want %q", sel, got, want)
		}
	}
	// without a period, the latest year with data is 2022 (the January departures).
	p = c.get("/summary")
	if got := figure(p, `[data-testid="ind-returns"]`); got != "10" {
		t.Errorf("default period returns %q, want 10 (2022)", got)
	}
	if v, _ := p.Doc.Find(`input[name="from"]`).Attr("value"); v != "2022-01-01" {
		t.Errorf("default from %q", v)
	}
}

// TestSummaryDrillDownsMatchTheirFigures follows every figure link on the page: each
// list's count equals the figure.
func TestSummaryDrillDownsMatchTheirFigures(t *testing.T) {
	app := newTestApp(t)
	report2021(t, app)
	c, _ := app.signedIn("admin@example.org", models.RoleAdmin, "")
	p := c.get("/summary?from=2021-01-01&to=2021-12-31")
	wantStatus(t, p, http.StatusOK)
	links := p.Doc.Find(`a[href^="/summary/cases"]`)
	if links.Length() < 30 {
		t.Fatalf("only %d drill-down links", links.Length())
	}
	count := regexp.MustCompile(`^[0-9 ]+`)
	for i := range links.Length() {
		a := links.Eq(i)
		href, _ := a.Attr("href")
		want := numbers.Replace(strings.TrimSpace(a.Text()))
		list := c.get(href)
		wantStatus(t, list, http.StatusOK)
		got := count.FindString(figure(list, `[data-testid="drill-count"]`))
		if strings.TrimSpace(got) != want && !(want == "0" && list.has(`[data-testid="empty"]`)) {
			t.Errorf("%s: list says %q, figure %q", href, figure(list, `[data-testid="drill-count"]`), want)
		}
		if rows := list.Doc.Find(`[data-testid="drill-row"]`).Length(); rows > summaryPerPage {
			t.Errorf("%s: %d rows on a page", href, rows)
		}
	}
	// a list links each case to its file, and pages keep the filters.
	list := c.get("/summary/cases?from=2021-01-01&to=2021-12-31&indicator=returns")
	if href, _ := list.Doc.Find(`[data-testid="drill-row"] a`).First().Attr("href"); !strings.HasPrefix(href, "/cases/") {
		t.Errorf("row link %q", href)
	}
	next, _ := list.Doc.Find(`[data-testid="page-next"]`).Attr("href")
	if !strings.Contains(next, "from=2021-01-01") || !strings.Contains(next, "indicator=returns") || !strings.Contains(next, "page=2") {
		t.Errorf("next page link %q", next)
	}
	wantStatus(t, c.get("/summary/cases?indicator=nope"), http.StatusNotFound)
	wantStatus(t, c.get("/summary/cases?indicator=returns&from=2021-13-01"), http.StatusBadRequest)
}

func TestSummaryFiltersScopeAndAccess(t *testing.T) {
	app := newTestApp(t)
	d := newSumData(app)
	d.cases("RAB", 3, func(i int, c *models.Case) {
		c.Status, c.DepartureDate = models.StatusReturned, date("2021-04-01")
		if i == 0 {
			c.Sex = models.SexF
		}
	})
	d.cases("TNG", 2, func(i int, c *models.Case) { c.Status, c.DepartureDate = models.StatusReturned, date("2021-05-01") })

	cw, _ := app.signedIn("cw@example.org", models.RoleCaseworker, "RAB")
	wantStatus(t, cw.get("/summary"), http.StatusForbidden)
	wantStatus(t, cw.get("/summary/cases?indicator=returns"), http.StatusForbidden)

	admin, _ := app.signedIn("admin@example.org", models.RoleAdmin, "")
	p := admin.get("/summary")
	wantStatus(t, p, http.StatusOK)
	if got := figure(p, `[data-testid="ind-returns"]`); got != "5" {
		t.Errorf("admin returns %q", got)
	}
	if !p.has(`[data-testid="support-empty"]`) {
		t.Error("no support: the breakdown should show its empty state")
	}

	// filters are kept in the form and in every link.
	p = admin.get("/summary?from=2021-04-01&to=2021-04-30&office=rab&sex=F&direction=outbound&nationality=ci")
	wantStatus(t, p, http.StatusOK)
	if got := figure(p, `[data-testid="ind-returns"]`); got != "1" {
		t.Errorf("filtered returns %q", got)
	}
	for name, want := range map[string]string{"from": "2021-04-01", "to": "2021-04-30"} {
		if v, _ := p.Doc.Find(`input[name="` + name + `"]`).Attr("value"); v != want {
			t.Errorf("input %s = %q, want %q", name, v, want)
		}
	}
	for name, want := range map[string]string{"office": "RAB", "sex": "F", "direction": "outbound", "nationality": "CI"} {
		if v, _ := p.Doc.Find(`select[name="` + name + `"] option[selected]`).Attr("value"); v != want {
			t.Errorf("select %s = %q, want %q", name, v, want)
		}
	}
	href, _ := p.Doc.Find(`[data-testid="ind-returns"]`).Attr("href")
	u, _ := url.Parse(href)
	q := u.Query()
	if q.Get("office") != "RAB" || q.Get("sex") != "F" || q.Get("from") != "2021-04-01" || q.Get("nationality") != "CI" {
		t.Errorf("drill-down link drops filters: %s", href)
	}

	// invalid filters: 422 with the message beside the field.
	p = admin.get("/summary?from=2021-05-01&to=2021-04-01")
	wantStatus(t, p, http.StatusUnprocessableEntity)
	if !p.has(`[data-testid="to-error"]`) || p.has(`[data-testid="ind-returns"]`) {
		t.Error("a period ending before it starts should be refused beside the field")
	}
	p = admin.get("/summary?from=2021-02-30")
	wantStatus(t, p, http.StatusUnprocessableEntity)
	if !p.has(`[data-testid="from-error"]`) {
		t.Error("a bad date should be refused beside the field")
	}

	// an office-bound supervisor sees their office only, even when asking for another.
	sup, _ := app.signedIn("sup@example.org", models.RoleSupervisor, "TNG")
	p = sup.get("/summary?from=2021-01-01&to=2021-12-31")
	if got := figure(p, `[data-testid="ind-returns"]`); got != "2" {
		t.Errorf("Tanger supervisor returns %q", got)
	}
	if n := p.Doc.Find(`select[name="office"] option[value]`).Length(); n != 2 { // blank + TNG
		t.Errorf("office choices %d", n)
	}
	// asking for another office gives their own, and the page says which
	p = sup.get("/summary?from=2021-01-01&to=2021-12-31&office=RAB")
	if got := figure(p, `[data-testid="ind-returns"]`); got != "2" {
		t.Errorf("RAB through a Tanger scope: %q, want Tanger's 2", got)
	}
	if got := p.text(`[data-testid="meta-office"]`); !strings.Contains(got, "TNG") {
		t.Errorf("RAB through a Tanger scope: the page names the office %q", got)
	}
	p = sup.get("/summary/cases?from=2021-01-01&to=2021-12-31&indicator=returns")
	if n := p.Doc.Find(`[data-testid="drill-row"]`).Length(); n != 2 {
		t.Errorf("Tanger drill-down rows %d", n)
	}
}

func TestSummaryHomeBlock(t *testing.T) {
	app := newTestApp(t) // the clock is in 2021
	d := newSumData(app)
	d.cases("RAB", 3, func(i int, c *models.Case) { c.Status, c.DepartureDate = models.StatusReturned, date("2021-02-01") })
	d.cases("RAB", 1234, func(i int, c *models.Case) { c.Status, c.DepartureDate = models.StatusReturned, date("2020-02-01") })
	sup, _ := app.signedIn("sup@example.org", models.RoleSupervisor, "")
	p := sup.get("/")
	wantStatus(t, p, http.StatusOK)
	row := p.Doc.Find(`[data-testid="home-figure-returns"]`)
	if got := numbers.Replace(row.Find("th").Text() + " | " + row.Find(`[data-testid="this"]`).Text() + " | " + row.Find(`[data-testid="last"]`).Text()); got != "Retours | 3 pers. | 1 234 pers." {
		t.Errorf("home returns row %q", got)
	}
	if href, _ := p.Doc.Find(`[data-testid="home-year-last"] a`).Attr("href"); !strings.HasPrefix(href, "/summary?") || !strings.Contains(href, "2020") {
		t.Errorf("last year's link %q", href)
	}
	cw, _ := app.signedIn("cw@example.org", models.RoleCaseworker, "RAB")
	if cw.get("/").has(`[data-testid="home-summary"]`) {
		t.Error("caseworkers have no summary block")
	}
}

// TestSummaryChartsAreMirroredInArabicAndUseNoStyle renders the page in French and in
// Arabic: the charts are inline SVG with presentation attributes only, each with its
// table, and the bars start from the reading side.
func TestSummaryChartsAreMirroredInArabicAndUseNoStyle(t *testing.T) {
	app := newTestApp(t)
	d := newSumData(app)
	cs := d.cases("RAB", 4, func(i int, c *models.Case) { c.Status, c.DepartureDate = models.StatusReturned, date("2021-03-01") })
	d.supports([]*models.Support{
		{CaseID: cs[0].ID, Type: models.MicroProject, Amount: 150050, Date: date("2021-03-02")},
		{CaseID: cs[1].ID, Type: models.Cash, Amount: 7000, Currency: "EUR", Date: date("2021-03-02")},
		{CaseID: cs[2].ID, Type: models.Cash, Amount: 200000, Date: date("2021-03-02")},
	})
	c, _ := app.signedIn("sup@example.org", models.RoleSupervisor, "")
	barX := func(p *page) string {
		v, _ := p.Doc.Find(`svg.chart rect`).First().Attr("x")
		return v
	}
	fr := c.get("/summary?from=2021-01-01&to=2021-12-31")
	wantStatus(t, fr, http.StatusOK)
	if strings.Contains(fr.Body, "style=") {
		t.Error("the page has a style attribute")
	}
	if n := fr.Doc.Find("figure .chart-scroll + table caption").Length(); n != 2 {
		t.Errorf("%d charts with a captioned table, want 2", n)
	}
	if got := strings.Join(strings.Fields(figure(fr, `[data-testid="support-cash"] td:last-child`)), " "); got != "70,00 EUR · 2 000,00 MAD" {
		t.Errorf("cash amounts %q (per currency, never summed)", got)
	}
	if got := figure(fr, `[data-testid="support-micro_project-share1"]`); got != "33,3 %" {
		t.Errorf("one-decimal share %q", got)
	}
	if !fr.has(`[data-print]`) {
		t.Error("no print button")
	}
	c.post("/account/language", url.Values{"language": {"ar"}})
	ar := c.get("/summary?from=2021-01-01&to=2021-12-31")
	wantStatus(t, ar, http.StatusOK)
	if barX(fr) == barX(ar) {
		t.Errorf("the bars start at x=%s in French and in Arabic", barX(fr))
	}
	if dir, _ := ar.Doc.Find("html").Attr("dir"); dir != "rtl" {
		t.Errorf("Arabic page dir %q", dir)
	}
}
