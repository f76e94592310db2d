package handlers

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"awda/models"
	"awda/models/dbtest"
	"awda/views"
)

// goldenSummaryHeader is summary.csv's contract (README "CSV exports").
const goldenSummaryHeader = "section,key,label,count,share_percent,share_one_decimal,currency,amount"

// TestSummaryCSVHasTheGoldenHeaderAndThePagesFigures reads summary.csv for 2021 on the
// report dataset: every count, share and amount equals the one the page shows.
func TestSummaryCSVHasTheGoldenHeaderAndThePagesFigures(t *testing.T) {
	app := newTestApp(t)
	report2021(t, app)
	admin, _ := app.signedIn("admin@example.org", models.RoleAdmin, "")
	q := url.Values{"from": {"2021-01-01"}, "to": {"2021-12-31"}}
	p := admin.get(views.ExportPath("summary.csv", q))
	rows := readCSV(t, p)
	if got := strings.Join(rows[0], ","); got != goldenSummaryHeader {
		t.Fatalf("header:\n got %s\nwant %s", got, goldenSummaryHeader)
	}
	if cd := p.Header.Get("Content-Disposition"); cd != `attachment; filename="awda-summary-2021-03-01.csv"` {
		t.Errorf("disposition %q", cd)
	}
	if ct := p.Header.Get("Content-Type"); ct != "text/csv; charset=utf-8" {
		t.Errorf("content type %q", ct)
	}
	page := admin.get(views.WithQuery(views.PathSummary, q))
	wantStatus(t, page, http.StatusOK)
	// The monitoring and receipts figures are on pages of their own, same filters.
	reintegration := admin.get(views.WithQuery(views.PathSummaryReintegration, q))
	wantStatus(t, reintegration, http.StatusOK)
	receipts := admin.get(views.WithQuery(views.PathSummaryReceipts, q))
	wantStatus(t, receipts, http.StatusOK)
	on := page
	plain := func(sel string) string {
		if !on.has(sel) {
			t.Errorf("page has no %s", sel)
		}
		return strings.ReplaceAll(figure(on, sel), " ", "")
	}
	seen := map[string]int{}
	for _, r := range rows[1:] {
		if len(r) != 8 {
			t.Fatalf("row %q has %d cells", r, len(r))
		}
		sec, key, label, count := r[0], r[1], r[2], r[3]
		seen[sec]++
		if label == "" {
			t.Errorf("row %s/%s has no label", sec, key)
		}
		var sel string
		on = page
		switch sec {
		case models.SectionMeta:
			meta := map[string]string{"from": "2021-01-01", "to": "2021-12-31", "office": "", "direction": "", "nationality": "",
				"sex": "", "support": "not_cancelled", "produced_at": "2021-03-01T09:00:00Z", "source": "awda"}
			if want, ok := meta[key]; ok && count != want {
				t.Errorf("meta %s = %q, want %q", key, count, want)
			}
			if key == "produced_by" && count == "" {
				t.Error("the file does not say who produced it")
			}
			continue
		case models.SectionSupport:
			sel = `[data-testid="support-` + key + `-count"]`
			if key == models.SummaryTotalKey {
				sel = `[data-testid="support-total"]`
				break
			}
			if got := plain(`[data-testid="support-` + key + `-share"]`); got != r[4]+"%" {
				t.Errorf("%s share: page %q, csv %q", key, got, r[4])
			}
			if got := plain(`[data-testid="support-` + key + `-share1"]`); got != strings.ReplaceAll(r[5], ".", ",")+"%" {
				t.Errorf("%s share1: page %q, csv %q", key, got, r[5])
			}
		case models.SectionSupportAmount:
			if r[6] != "MAD" || count != "" {
				t.Errorf("amount row %q", r)
			}
			continue
		case models.SectionIndicator:
			sel = `[data-testid="ind-` + key + `"]`
		case models.IndSupportType:
			sel = `[data-testid="support-` + key + `-people"]`
		case models.SectionMonitoring:
			sel, on = `[data-testid="mon-`+key+`"]`, reintegration
		case models.SectionMonitoringMean, models.SectionMonitoringBand, models.SectionMonitoringSupport, models.SectionMonitoringOffice:
			continue // TestSummaryCSVCarriesMonitoringFigures compares them on a dataset with visits
		case models.SectionReceipts:
			sel, on = `[data-testid="receipts-`+key+`"]`, receipts
			if got := plain(`[data-testid="receipts-` + key + `-share"]`); r[5] != "" && got != strings.ReplaceAll(r[5], ".", ",")+"%" {
				t.Errorf("receipts %s share: page %q, csv %q", key, got, r[5])
			}
		default:
			sel = `[data-testid="bd-` + sec + `-` + key + `"]`
		}
		if got := plain(sel); got != count {
			t.Errorf("%s/%s: page %q, csv %q", sec, key, got, count)
		}
	}
	// the report's figures, as the file states them
	want := map[string]bool{
		"indicator,returns,2377": true, "indicator,informed,1925": true, "indicator,trained,664": true,
		"indicator,office_funded,156": true, "indicator,inbound_supported,216": true,
		"support,micro_project,1392,58,58.0": true, "support,cash,888,37,37.0": true, "support,medical,96,4,4.0": true,
		"support,training,24,1,1.0": true, "support,total,2400,100,100.0": true,
		"support_amount,micro_project,6960000.00": true,
	}
	for _, r := range rows[1:] {
		var k string
		switch r[0] {
		case models.SectionIndicator:
			k = strings.Join([]string{r[0], r[1], r[3]}, ",")
		case models.SectionSupport:
			k = strings.Join([]string{r[0], r[1], r[3], r[4], r[5]}, ",")
		case models.SectionSupportAmount:
			k = strings.Join([]string{r[0], r[1], r[7]}, ",")
		}
		delete(want, k)
	}
	if len(want) > 0 {
		t.Errorf("figures missing from the file: %v", want)
	}
	if seen[models.IndReturnsMonth] != 12 || seen[models.IndReturnsNationality] != 11 || seen[models.IndReturnsAge] != 4 {
		t.Errorf("breakdown rows: %v", seen)
	}
}

// TestSummaryCSVIsAuditedAndLinked: the download is an audit event with its filters and
// row count, pseudonymise=1 gives the same file, bad filters show the export page with
// 422, and admins (only) find the link on the summary and export pages.
func TestSummaryCSVIsAuditedAndLinked(t *testing.T) {
	app := newTestApp(t)
	d := newSumData(app)
	d.cases("RAB", 3, func(i int, c *models.Case) { c.Status, c.DepartureDate = models.StatusReturned, date("2021-02-01") })
	admin, me := app.signedIn("admin@example.org", models.RoleAdmin, "")
	q := url.Values{"from": {"2021-01-01"}, "to": {"2021-06-30"}, "office": {"rab"}, "sex": {"M"}}
	plain := admin.get(views.ExportPath("summary.csv", q))
	rows := readCSV(t, plain)
	q.Set("pseudonymise", "1")
	pseudo := admin.get(views.ExportPath("summary.csv", q))
	if pseudo.Body != plain.Body {
		t.Error("pseudonymised summary.csv differs from the plain one")
	}
	if cd := pseudo.Header.Get("Content-Disposition"); !strings.Contains(cd, `"awda-summary-2021-`) {
		t.Errorf("disposition %q", cd)
	}
	evs := dbtest.AuditEvents(t)(app.stores.Audit.List(t.Context(), models.AuditFilter{Action: "export.summary", UserID: &me.ID}))
	if len(evs) != 2 || evs[0].RecordType != "export" {
		t.Fatalf("audit events: %+v", evs)
	}
	details := map[string]bool{evs[0].Details: true, evs[1].Details: true}
	base := "from=2021-01-01 to=2021-06-30 office=RAB sex=M pseudonymise="
	for _, p := range []string{"true", "false"} {
		if want := base + p + " rows=" + strconv.Itoa(len(rows)-1); !details[want] {
			t.Errorf("no audit event %q in %v", want, details)
		}
	}
	// without a period: the latest year with data, as on the page
	def := readCSV(t, admin.get(views.ExportPath("summary.csv", nil)))
	for _, r := range def {
		if r[0] == models.SectionIndicator && r[1] == models.IndReturns && r[3] != "3" {
			t.Errorf("default period returns %q, want 3", r[3])
		}
	}

	bad := admin.get(views.ExportPath("summary.csv", url.Values{"from": {"2021-02-30"}, "sex": {"Q"}}))
	wantStatus(t, bad, http.StatusUnprocessableEntity)
	if !bad.has(`[data-testid="from-error"]`) || !bad.has(`[data-testid="sex-error"]`) {
		t.Fatal("invalid filters: no errors beside the fields")
	}

	page := admin.get(views.PathAdminExports)
	if !page.has(`[data-testid="export-summary"]`) {
		t.Error("export page has no summary button")
	}
	if !strings.Contains(page.text(`[data-testid="recent-exports"]`), "export.summary") {
		t.Error("recent exports do not list the summary")
	}
	sp := admin.get("/summary?from=2021-01-01&to=2021-06-30&office=RAB")
	href, _ := sp.Doc.Find(`[data-testid="summary-csv"]`).Attr("href")
	if href != views.ExportPath("summary.csv", url.Values{"from": {"2021-01-01"}, "to": {"2021-06-30"}, "office": {"RAB"}}) {
		t.Errorf("summary page CSV link %q", href)
	}
	sup, _ := app.signedIn("sup@example.org", models.RoleSupervisor, "")
	href, _ = sup.get("/summary?office=RAB").Doc.Find(`[data-testid="summary-csv"]`).Attr("href")
	if !strings.HasPrefix(href, views.PathSummaryCSV+"?") || !strings.Contains(href, "office=RAB") {
		t.Errorf("a supervisor's CSV link %q", href)
	}
	wantStatus(t, sup.get(views.ExportPath("summary.csv", nil)), http.StatusForbidden)
}

// TestSummaryNamesCountries: nationalities read as country names in the user's language
// in the table, the drill-down title and the CSV label; links keep the ISO code.
func TestSummaryNamesCountries(t *testing.T) {
	app := newTestApp(t)
	d := newSumData(app)
	d.cases("RAB", 2, func(i int, c *models.Case) {
		c.Status, c.DepartureDate, c.Nationality = models.StatusReturned, date("2021-02-01"), "GN"
	})
	admin, _ := app.signedIn("admin@example.org", models.RoleAdmin, "")
	p := admin.get("/summary?from=2021-01-01&to=2021-12-31")
	if got := p.text(`[data-testid="bd-returns_nationality"] tbody th`); got != "Guinée" {
		t.Errorf("nationality row %q, want Guinée", got)
	}
	href, _ := p.Doc.Find(`[data-testid="bd-returns_nationality-GN"]`).Attr("href")
	if !strings.Contains(href, "key=GN") {
		t.Fatalf("drill-down link %q lost the code", href)
	}
	list := admin.get(href)
	if got := list.text(`[data-testid="drill-title"]`); !strings.HasSuffix(got, "— Guinée") {
		t.Errorf("drill-down title %q", got)
	}
	if got := list.text(`[data-testid="drill-row"] td:nth-child(4)`); !strings.HasPrefix(got, "Guinée") {
		t.Errorf("drill-down nationality %q", got)
	}
	if v, _ := admin.get("/summary?from=2021-01-01&to=2021-12-31&nationality=gn").Doc.Find(`select[name="nationality"] option[selected]`).Attr("value"); v != "GN" {
		t.Errorf("nationality select keeps %q", v)
	}
	for _, r := range readCSV(t, admin.get(views.ExportPath("summary.csv", url.Values{"from": {"2021-01-01"}}))) {
		if r[0] == models.IndReturnsNationality && (r[1] != "GN" || r[2] != "Guinée") {
			t.Errorf("CSV nationality row %q", r)
		}
	}
}

// TestSupervisorSummaryCSV: a one-office supervisor downloads summary.csv at
// /summary.csv with the summary's filters and gets only their office's figures,
// whatever office the URL names; the file states its filters and author, the download
// is audited, and the delivered-only filter is honoured by the file and the drill-down.
func TestSupervisorSummaryCSV(t *testing.T) {
	app := newTestApp(t)
	d := newSumData(app)
	rab := d.cases("RAB", 3, func(i int, c *models.Case) {
		c.Status, c.DepartureDate = models.StatusReturned, date("2021-02-01")
	})
	d.cases("OUJ", 5, func(i int, c *models.Case) {
		c.Status, c.DepartureDate = models.StatusReturned, date("2021-02-01")
	})
	d.supports([]*models.Support{
		{CaseID: rab[0].ID, Type: models.Cash, Amount: 100, Date: date("2021-03-01"), Status: models.SupportDelivered},
		{CaseID: rab[1].ID, Type: models.Cash, Amount: 100, Date: date("2021-03-01"), Status: models.SupportPlanned},
	})
	sup, me := app.signedIn("sup.rab@example.org", models.RoleSupervisor, "RAB")
	rows := func(q string) map[string]string {
		p := sup.get(views.PathSummaryCSV + q)
		wantStatus(t, p, http.StatusOK)
		out := map[string]string{}
		for _, r := range readCSV(t, p)[1:] {
			out[r[0]+"/"+r[1]] = r[3]
		}
		return out
	}
	for _, q := range []string{"?from=2021-01-01&to=2021-12-31", "?from=2021-01-01&to=2021-12-31&office=OUJ"} {
		got := rows(q) // another office's figures never reach a one-office supervisor
		if got["indicator/returns"] != "3" || got["meta/office"] != "RAB" {
			t.Errorf("%s: returns %q in %q, want RAB's 3", q, got["indicator/returns"], got["meta/office"])
		}
		if got["returns_office/OUJ"] != "" {
			t.Errorf("%s: the file has OUJ's returns", q)
		}
		if got["meta/from"] != "2021-01-01" || got["meta/produced_by"] != me.Name || got["meta/support"] != "not_cancelled" {
			t.Errorf("%s: meta rows %v", q, got)
		}
	}
	if got := rows("?from=2021-01-01&to=2021-12-31"); got["support/cash"] != "2" {
		t.Errorf("support not cancelled: %q, want 2", got["support/cash"])
	}
	got := rows("?from=2021-01-01&to=2021-12-31&delivered=1")
	if got["support/cash"] != "1" || got["meta/support"] != "delivered" {
		t.Errorf("delivered only: %q (%q), want 1", got["support/cash"], got["meta/support"])
	}
	drill := sup.get(views.PathSummaryCases + "?from=2021-01-01&to=2021-12-31&delivered=1&indicator=support_type&key=cash")
	wantStatus(t, drill, http.StatusOK)
	if n := drill.Doc.Find(`[data-testid="drill-row"]`).Length(); n != 1 {
		t.Errorf("delivered-only drill-down lists %d cases, want 1", n)
	}
	evs := dbtest.AuditEvents(t)(app.stores.Audit.List(t.Context(), models.AuditFilter{Action: "export.summary", UserID: &me.ID}))
	if len(evs) != 4 || !strings.Contains(evs[0].Details, "delivered=1") {
		t.Errorf("audit events %+v", evs)
	}
	wantStatus(t, sup.get(views.PathSummaryCSV+"?from=nope"), http.StatusUnprocessableEntity)
	cw, _ := app.signedIn("cw@example.org", models.RoleCaseworker, "RAB")
	wantStatus(t, cw.get(views.PathSummaryCSV), http.StatusForbidden)
}
