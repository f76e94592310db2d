package handlers

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"awda/models"
	"awda/views"
)

// returnedCase is a case in reintegration that arrived on the given day, assigned to u.
func (a *testApp) returnedCase(officeCode string, u *models.User, arrival models.Date) *models.Case {
	a.t.Helper()
	cs := a.insertCase(officeCode, u, models.StatusReintegration, true)
	if err := a.stores.DB.Write.Model(cs).Updates(map[string]any{"arrival_date": arrival, "assigned_to_id": u.ID}).Error; err != nil {
		a.t.Fatal(err)
	}
	return cs
}

// visitForm is a complete visit: every question answered with its first option,
// except the economic ones, answered with their last (worst).
func visitForm(t *testing.T, kind, date string, worstEconomic bool) url.Values {
	t.Helper()
	ins, err := models.ParseInstrument(models.DefaultInstrumentJSON())
	if err != nil {
		t.Fatal(err)
	}
	f := url.Values{"kind": {kind}, "date": {date}, "method": {"phone"}, "interviewer": {"Amina Tazi"}, "notes": {"Appel à Oujda"}, "instrument_version": {"1"}}
	for di, d := range ins.Dimensions {
		for _, ind := range d.Indicators {
			q := ind.Questions[0]
			o := q.Options[0]
			if di == 0 && worstEconomic {
				o = q.Options[len(q.Options)-1]
			}
			f.Set(q.Field(), o.Code)
		}
	}
	return f
}

func TestVisitFormRecordsScoresOnTheCaseFile(t *testing.T) {
	app := newTestApp(t)
	cw, u := app.signedIn("cw@example.org", models.RoleCaseworker, "RAB")
	cs := app.returnedCase("RAB", u, models.NewDate(2020, 11, 20))

	p := cw.get(views.NewVisitPath(cs.ID))
	wantStatus(t, p, http.StatusOK)
	if n := p.Doc.Find(`form[data-testid="visit-form"] fieldset[data-testid^="q_"]`).Length(); n != 15 {
		t.Errorf("%d questions on the form, want 15", n)
	}
	if !p.has(`input[type="radio"][name="q_debt_level"][value="dk"]`) || !p.has(`input[type="radio"][name="q_debt_level"][value="refused"]`) {
		t.Error("no don't know or refused answer")
	}
	if v, _ := p.Doc.Find(`input[name="instrument_version"]`).Attr("value"); v != "1" {
		t.Errorf("instrument version %q, want 1", v)
	}
	if v, _ := p.Doc.Find(`select[name="kind"] option[selected]`).Attr("value"); v != "followup" {
		t.Errorf("kind offered %q, want followup for a case in reintegration", v)
	}

	// An unanswered question: the form comes back with the error beside it and every
	// answer kept; nothing is saved.
	form := visitForm(t, "baseline", "2020-11-10", true)
	form.Del("q_water_access")
	p = cw.post(views.CaseVisitsPath(cs.ID), form)
	wantStatus(t, p, http.StatusUnprocessableEntity)
	if !p.has(`[data-testid="q_water_access-error"]`) || !p.has(`a[href="#field-q_water_access"]`) {
		t.Error("no error beside the unanswered question, or no link to it")
	}
	if !p.has(`input[name="q_debt_level"][value="higher"][checked]`) || p.text(`textarea[name="notes"]`) != "Appel à Oujda" {
		t.Error("typed answers were not kept")
	}
	var n int64
	app.stores.DB.Read.Model(&models.Visit{}).Count(&n)
	if n != 0 {
		t.Fatalf("%d visits saved by a refused form", n)
	}

	// Without the CSRF token nothing is saved.
	raw := visitForm(t, "baseline", "2020-11-10", true)
	wantStatus(t, cw.postRaw(views.CaseVisitsPath(cs.ID), raw), http.StatusForbidden)

	p = cw.post(views.CaseVisitsPath(cs.ID), visitForm(t, "baseline", "2020-11-10", true))
	wantStatus(t, p, http.StatusSeeOther)
	if p.location() != views.CasePath(cs.ID)+"#monitoring" {
		t.Errorf("redirected to %q", p.location())
	}
	wantStatus(t, cw.post(views.CaseVisitsPath(cs.ID), visitForm(t, "followup", "2021-02-22", false)), http.StatusSeeOther)

	p = cw.get(views.CasePath(cs.ID))
	wantStatus(t, p, http.StatusOK)
	rows := p.Doc.Find(`[data-testid="visit-list"] tbody tr`)
	if rows.Length() != 2 {
		t.Fatalf("%d visits on the case file, want 2", rows.Length())
	}
	// Baseline: economic 0, social 1, psychosocial 1; follow-up: all 1.
	want := []struct{ kind, composite, economic string }{{"baseline", "0,67", "0,00"}, {"followup", "1,00", "1,00"}}
	rows.Each(func(i int, r *goquery.Selection) {
		kind, _ := r.Attr("data-kind")
		got := strings.TrimSpace(r.Find(`[data-testid="visit-composite"]`).Text())
		eco := strings.TrimSpace(r.Find(`[data-testid="visit-economic"]`).Text())
		if kind != want[i].kind || got != want[i].composite || eco != want[i].economic {
			t.Errorf("visit %d: %s %s economic %s, want %+v", i, kind, got, eco, want[i])
		}
	})
	if band, _ := p.Doc.Find(`[data-testid="monitoring-band"] [data-band]`).Attr("data-band"); band != "high" {
		t.Errorf("current band %q, want high", band)
	}
	if p.Doc.Find(`[data-testid="monitoring-chart"] circle`).Length() != 2 || !p.has(`[data-testid="monitoring-line"]`) {
		t.Error("the chart does not show two visits")
	}
	if st, _ := p.Doc.Find(`[data-testid="followup-3"]`).Attr("data-state"); st != "done" {
		t.Errorf("3-month follow-up %q, want done", st)
	}
	if p.has(`[data-testid="monitoring-mixed"]`) {
		t.Error("one version said to be mixed")
	}
	var events int64
	app.stores.DB.Read.Model(&models.AuditEvent{}).Where("action = ?", "monitoring.visit.create").Count(&events)
	if events != 2 {
		t.Errorf("%d audit events, want 2", events)
	}
}

func TestVisitRoutesAreScopedByOffice(t *testing.T) {
	app := newTestApp(t)
	_, u := app.signedIn("cw@example.org", models.RoleCaseworker, "RAB")
	cs := app.returnedCase("RAB", u, models.NewDate(2020, 11, 20))
	other, _ := app.signedIn("cwcas@example.org", models.RoleCaseworker, "CAS")
	wantStatus(t, other.get(views.NewVisitPath(cs.ID)), http.StatusNotFound)
	wantStatus(t, other.post(views.CaseVisitsPath(cs.ID), visitForm(t, "followup", "2021-02-22", false)), http.StatusNotFound)
	wantStatus(t, other.get(views.NewVisitPath(999999)), http.StatusNotFound)
	admin, _ := app.signedIn("admin@example.org", models.RoleAdmin, "")
	wantStatus(t, admin.get(views.NewVisitPath(cs.ID)), http.StatusForbidden)
	p := admin.get(views.CasePath(cs.ID))
	wantStatus(t, p, http.StatusOK)
	if !p.has(`[data-testid="casework-monitoring"]`) || p.has(`[data-testid="record-visit"]`) {
		t.Error("an admin should see the monitoring section without the record link")
	}
	var n int64
	app.stores.DB.Read.Model(&models.Visit{}).Count(&n)
	if n != 0 {
		t.Fatalf("%d visits saved from another office", n)
	}
}

// TestAdminPublishesAnInstrument uploads instruments through the page (the client's
// upload helper names every file cases.csv, which the page does not look at).
func TestAdminPublishesAnInstrument(t *testing.T) {
	app := newTestApp(t)
	cw, u := app.signedIn("cw@example.org", models.RoleCaseworker, "RAB")
	cs := app.returnedCase("RAB", u, models.NewDate(2020, 11, 20))
	wantStatus(t, cw.post(views.CaseVisitsPath(cs.ID), visitForm(t, "baseline", "2020-11-10", true)), http.StatusSeeOther)
	wantStatus(t, cw.get(views.PathAdminInstruments), http.StatusForbidden)

	admin, _ := app.signedIn("admin@example.org", models.RoleAdmin, "")
	p := admin.get(views.PathAdminInstruments)
	wantStatus(t, p, http.StatusOK)
	if !p.has(`[data-testid="instrument-default-notice"]`) || !p.has(`[data-testid="instrument-1"] [data-testid="instrument-is-default"]`) {
		t.Error("the default instrument is not labelled as a default to replace")
	}
	if !p.has(`nav a[href="` + views.PathAdminInstruments + `"]`) {
		t.Error("no link to the instrument in the admin navigation")
	}

	p = admin.upload(views.PathAdminInstruments, nil, nil)
	wantStatus(t, p, http.StatusUnprocessableEntity)
	if !p.has(`[data-testid="file-error"]`) {
		t.Error("no error beside the missing file")
	}
	bad := bytes.Replace(models.DefaultInstrumentJSON(), []byte(`"weight": 0.2`), []byte(`"weight": 0.3`), 1)
	bad = bytes.Replace(bad, []byte(`"ar": "الصحة"`), []byte(`"ar": ""`), 1)
	p = admin.upload(views.PathAdminInstruments, nil, bad)
	wantStatus(t, p, http.StatusUnprocessableEntity)
	probs := p.Doc.Find(`[data-testid="instrument-problem"]`)
	if probs.Length() != 2 || !strings.Contains(probs.Text(), "Les poids ne totalisent pas 1 (somme : 1.1)") ||
		!strings.Contains(probs.Text(), "La traduction (ar) manque.") || !strings.Contains(probs.Text(), "dimensions[1].indicators[2].label.ar") {
		t.Errorf("problems shown: %q", probs.Text())
	}

	var m map[string]any
	_ = json.Unmarshal(models.DefaultInstrumentJSON(), &m)
	delete(m, "default")
	for i, w := range []float64{0.5, 0.25, 0.25} {
		m["dimensions"].([]any)[i].(map[string]any)["weight"] = w
	}
	good, _ := json.Marshal(m)
	p = admin.upload(views.PathAdminInstruments, nil, good)
	wantStatus(t, p, http.StatusSeeOther)
	p = admin.get(views.PathAdminInstruments)
	if !p.has(`[data-testid="instrument-2"] [data-testid="instrument-current"]`) || p.has(`[data-testid="instrument-default-notice"]`) {
		t.Error("version 2 is not shown as the current one")
	}
	var events int64
	app.stores.DB.Read.Model(&models.AuditEvent{}).Where("action = ?", "monitoring.instrument.publish").Count(&events)
	if events != 1 {
		t.Errorf("%d publish events, want 1", events)
	}

	// The baseline keeps its version 1 score; a follow-up is scored with version 2
	// (0.5 × 1 + 0.25 × 1 + 0.25 × 1 = 1 with every answer best), and the case file says
	// the versions are mixed. A form drawn with version 1 is refused and shown again.
	form := visitForm(t, "followup", "2021-02-22", false)
	p = cw.post(views.CaseVisitsPath(cs.ID), form)
	wantStatus(t, p, http.StatusUnprocessableEntity)
	if !p.has(`[data-testid="instrument_version-error"]`) {
		t.Error("a form of version 1 was not refused after version 2")
	}
	form.Set("instrument_version", "2")
	wantStatus(t, cw.post(views.CaseVisitsPath(cs.ID), form), http.StatusSeeOther)
	p = cw.get(views.CasePath(cs.ID))
	rows := p.Doc.Find(`[data-testid="visit-list"] tbody tr`)
	if v, _ := rows.Eq(0).Attr("data-version"); v != "1" || strings.TrimSpace(rows.Eq(0).Find(`[data-testid="visit-composite"]`).Text()) != "0,67" {
		t.Errorf("baseline after version 2: version %s composite %q", v, rows.Eq(0).Find(`[data-testid="visit-composite"]`).Text())
	}
	if v, _ := rows.Eq(1).Attr("data-version"); v != "2" {
		t.Errorf("follow-up version %s, want 2", v)
	}
	if !p.has(`[data-testid="monitoring-mixed"]`) {
		t.Error("mixed versions not stated")
	}
}

func TestHomesListFollowupsDue(t *testing.T) {
	app := newTestApp(t)
	cw, u := app.signedIn("cw@example.org", models.RoleCaseworker, "RAB")
	due := app.returnedCase("RAB", u, models.NewDate(2020, 11, 20))    // 3 months: 2021-02-20, due until 03-06
	overdue := app.returnedCase("RAB", u, models.NewDate(2020, 10, 1)) // 2021-01-01: overdue
	app.returnedCase("RAB", u, models.NewDate(2021, 1, 10))            // 2021-04-10: not yet
	p := cw.get(views.PathHome)
	links := p.Doc.Find(`[data-testid="home-monitoring-due"] li a`)
	if links.Length() != 2 {
		t.Fatalf("%d follow-ups listed, want 2: %q", links.Length(), links.Text())
	}
	if h, _ := links.Eq(0).Attr("href"); h != views.CasePath(overdue.ID)+"#monitoring" || !strings.Contains(links.Eq(0).Text(), "en retard") {
		t.Errorf("first %q %q, want the overdue case", h, links.Eq(0).Text())
	}
	if h, _ := links.Eq(1).Attr("href"); h != views.CasePath(due.ID)+"#monitoring" || !strings.Contains(links.Eq(1).Text(), "à faire") {
		t.Errorf("second %q %q, want the due case", h, links.Eq(1).Text())
	}
	sup, _ := app.signedIn("sup@example.org", models.RoleSupervisor, "RAB")
	p = sup.get(views.PathHome)
	per := p.Doc.Find(`[data-testid="home-monitoring-overdue"] [data-testid="overdue-caseworker"]`)
	if per.Length() != 1 || !strings.Contains(per.Text(), u.Name) || !strings.Contains(per.Text(), "1") {
		t.Errorf("overdue per caseworker: %q", per.Text())
	}
	if p.has(`[data-testid="home-monitoring-overdue"] [data-testid="empty"]`) {
		t.Error("the supervisor's overdue list is empty")
	}

	// Beyond the ten listed, one line counts them all and leads to the cases.
	for i := range 11 {
		app.returnedCase("RAB", u, models.NewDate(2020, 9, 1+i))
	}
	p = cw.get(views.PathHome)
	if n := p.Doc.Find(`[data-testid="home-monitoring-due"] [data-testid^="followup-overdue"]`).Length(); n != 10 {
		t.Errorf("%d overdue follow-ups listed, want the first 10", n)
	}
	all := p.Doc.Find(`[data-testid="home-monitoring-due"] [data-testid="followup-all"]`)
	if txt := strings.Join(strings.Fields(all.Text()), " "); !strings.Contains(txt, "13") || !strings.Contains(txt, "dont 12 en retard") {
		t.Errorf("all follow-ups line %q, want 13 of which 12 overdue", txt)
	}
	if h, _ := all.Find("a").Attr("href"); !strings.Contains(h, "assigned=") {
		t.Errorf("all follow-ups link %q is not the caseworker's cases", h)
	}
}

func TestMonitoringCSV(t *testing.T) {
	app := newTestApp(t)
	cw, u := app.signedIn("cw@example.org", models.RoleCaseworker, "RAB")
	cs := app.returnedCase("RAB", u, models.NewDate(2020, 11, 20))
	wantStatus(t, cw.post(views.CaseVisitsPath(cs.ID), visitForm(t, "baseline", "2020-11-10", true)), http.StatusSeeOther)
	wantStatus(t, cw.get(views.ExportPath("monitoring.csv", nil)), http.StatusForbidden)

	admin, _ := app.signedIn("admin@example.org", models.RoleAdmin, "")
	if !admin.get(views.PathAdminExports).has(`[data-testid="export-monitoring"]`) {
		t.Error("no monitoring button on the export page")
	}
	for _, pseudo := range []string{"", "1"} {
		p := admin.get(views.ExportPath("monitoring.csv", url.Values{"pseudonymise": {pseudo}, "office": {"RAB"}}))
		wantStatus(t, p, http.StatusOK)
		if !strings.HasPrefix(p.Header.Get("Content-Type"), "text/csv") || !strings.HasPrefix(p.Body, "\uFEFF") {
			t.Fatalf("not a CSV with a BOM: %q", p.Header.Get("Content-Type"))
		}
		recs, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(p.Body, "\uFEFF"))).ReadAll()
		if err != nil || len(recs) != 2 {
			t.Fatalf("%d records, %v", len(recs), err)
		}
		row := map[string]string{}
		for i, h := range recs[0] {
			row[h] = recs[1][i]
		}
		wantName := cs.FamilyName
		if pseudo == "1" {
			wantName = ""
		}
		if row["case_number"] != cs.CaseNumber || row["composite"] != "0.6667" || row["q_debt_level"] != "higher" ||
			row["family_name"] != wantName || row["dimension_social"] != "1.0000" {
			t.Errorf("pseudonymise=%q row %v", pseudo, row)
		}
	}
	p := admin.get(views.ExportPath("monitoring.csv", url.Values{"from": {"2021-13-01"}}))
	wantStatus(t, p, http.StatusUnprocessableEntity)
}

// TestVisitImportThroughThePage exports a visit, removes it, then imports the file with
// a dry run first, as for cases.
func TestVisitImportThroughThePage(t *testing.T) {
	app := newTestApp(t)
	cw, u := app.signedIn("cw@example.org", models.RoleCaseworker, "RAB")
	cs := app.returnedCase("RAB", u, models.NewDate(2020, 11, 20))
	wantStatus(t, cw.post(views.CaseVisitsPath(cs.ID), visitForm(t, "baseline", "2020-11-10", true)), http.StatusSeeOther)
	admin, _ := app.signedIn("admin@example.org", models.RoleAdmin, "")
	file := []byte(admin.get(views.ExportPath("monitoring.csv", nil)).Body)
	for _, tbl := range []string{"monitoring_scores", "monitoring_answers", "monitoring_visits"} {
		app.stores.DB.Write.Exec("DELETE FROM " + tbl)
	}
	wantStatus(t, cw.upload(views.PathAdminVisitImport, nil, file), http.StatusForbidden)

	admin.get(views.PathAdminInstruments)
	p := admin.upload(views.PathAdminVisitImport, nil, nil)
	wantStatus(t, p, http.StatusUnprocessableEntity)
	if !p.has(`[data-testid="visit-file-error"]`) {
		t.Error("no error beside the missing file")
	}
	bad := bytes.Replace(file, []byte(cs.CaseNumber), []byte("RAB-2021-99999"), 1)
	p = admin.upload(views.PathAdminVisitImport, nil, bad)
	wantStatus(t, p, http.StatusUnprocessableEntity)
	if r, _ := p.Doc.Find(`[data-testid="visit-import-error"]`).Attr("data-column"); r != "case_number" || p.has(`[data-testid="visit-import-commit"]`) {
		t.Errorf("error column %q, or an import offered for a file with errors", r)
	}
	p = admin.upload(views.PathAdminVisitImport, nil, file)
	wantStatus(t, p, http.StatusOK)
	hash, ok := p.Doc.Find(`[data-testid="visit-import-commit"] input[name="sha256"]`).Attr("value")
	if !ok {
		t.Fatal("a clean dry run offers no import")
	}
	p = admin.upload(views.PathAdminVisitImport, map[string]string{"commit": "1", "sha256": hash}, file)
	wantStatus(t, p, http.StatusSeeOther)
	var v models.Visit
	if err := app.stores.DB.Read.Take(&v).Error; err != nil || v.CaseID != cs.ID || v.Composite == nil || *v.Composite < 0.666 || *v.Composite > 0.667 {
		t.Errorf("imported visit %+v, %v", v, err)
	}
}

// TestSummaryShowsMonitoringMeans: the supervisor's summary leads to the reintegration
// monitoring under its filters, which shows the means by support type, and each
// figure's drill-down lists as many cases as the figure.
func TestSummaryShowsMonitoringMeans(t *testing.T) {
	app := newTestApp(t)
	cw, u := app.signedIn("cw@example.org", models.RoleCaseworker, "RAB")
	a := app.returnedCase("RAB", u, models.NewDate(2020, 11, 20))
	b := app.returnedCase("RAB", u, models.NewDate(2020, 11, 20))
	wantStatus(t, cw.post(views.CaseSupportPath(a.ID), url.Values{"type": {"cash"}, "description": {"Arrivée"}, "amount": {"500"},
		"currency": {"MAD"}, "date": {"2021-01-10"}}), http.StatusSeeOther)
	for _, cs := range []*models.Case{a, b} {
		wantStatus(t, cw.post(views.CaseVisitsPath(cs.ID), visitForm(t, "baseline", "2020-11-10", true)), http.StatusSeeOther)
	}
	wantStatus(t, cw.post(views.CaseVisitsPath(a.ID), visitForm(t, "followup", "2021-02-22", false)), http.StatusSeeOther)
	wantStatus(t, cw.post(views.CaseVisitsPath(b.ID), visitForm(t, "followup", "2021-02-22", true)), http.StatusSeeOther)

	sup, _ := app.signedIn("sup@example.org", models.RoleSupervisor, "RAB")
	p := sup.get(views.PathSummary + "?from=2021-01-01&to=2021-12-31")
	wantStatus(t, p, http.StatusOK)
	// The summary leads to the monitoring under the same filters, and reads no visit.
	if p.has(`[data-testid="summary-monitoring"]`) {
		t.Error("the summary draws the monitoring figures itself")
	}
	href, _ := p.Doc.Find(`[data-testid="summary-reintegration-link"]`).Attr("href")
	if want := views.PathSummaryReintegration + "?"; !strings.HasPrefix(href, want) || !strings.Contains(href, "from=2021-01-01") {
		t.Fatalf("link to the reintegration monitoring %q", href)
	}
	p = sup.get(href)
	wantStatus(t, p, http.StatusOK)
	if action, _ := p.Doc.Find(`[data-testid="summary-filters"]`).Attr("action"); action != views.PathSummaryReintegration {
		t.Errorf("the filters of the monitoring page go to %q", action)
	}
	if got := p.text(`[data-testid="meta-period"] dd`); !strings.Contains(got, "2021") {
		t.Errorf("period stated %q", got)
	}
	for id, want := range map[string]string{"mon-baselines": "0", "mon-followups": "2", "mon-people": "2",
		"mon-support-cash": "1", "mon-support-cash-baseline": "0,67", "mon-support-cash-followup": "1,00",
		"mon-support-none": "1", "mon-support-none-followup": "0,67", "mon-office-RAB": "2"} {
		if got := p.text(`[data-testid="` + id + `"]`); got != want {
			t.Errorf("%s = %q, want %q", id, got, want)
		}
	}
	if !p.has(`[data-testid="mon-version"]`) || p.has(`[data-testid="mon-mixed"]`) {
		t.Error("the single version is not stated")
	}
	for _, id := range []string{"mon-followups", "mon-people", "mon-support-cash", "mon-support-none", "mon-band-high"} {
		href, _ := p.Doc.Find(`[data-testid="` + id + `"]`).Attr("href")
		figure := p.text(`[data-testid="` + id + `"]`)
		d := sup.get(href)
		wantStatus(t, d, http.StatusOK)
		if n := d.Doc.Find(`[data-testid="drill-row"]`).Length(); fmt.Sprint(n) != figure {
			t.Errorf("%s: %d cases listed, figure %s", id, n, figure)
		}
	}
	wantStatus(t, sup.get(views.PathSummaryMonitoring+"?from=2021-01-01&to=2021-12-31&group=support:bike"), http.StatusNotFound)
	wantStatus(t, cw.get(views.PathSummaryMonitoring+"?group=people"), http.StatusForbidden)
	wantStatus(t, cw.get(views.PathSummaryReintegration), http.StatusForbidden)
	// A wrong filter is said beside its field, on the same page.
	p = sup.get(views.PathSummaryReintegration + "?from=2021-13-01")
	wantStatus(t, p, http.StatusUnprocessableEntity)
	if !p.has(`[data-testid="from-error"]`) || p.has(`[data-testid="summary-monitoring"]`) {
		t.Error("a wrong date on the monitoring page is not said beside its field")
	}
}
