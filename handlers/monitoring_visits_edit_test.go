package handlers

import (
	"encoding/csv"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"awda/models"
	"awda/views"
)

// publishReweighted publishes, as an admin, version 2 of the instrument: the default
// with the economic dimension weighing half.
func (a *testApp) publishReweighted() {
	a.t.Helper()
	var m map[string]any
	_ = json.Unmarshal(models.DefaultInstrumentJSON(), &m)
	delete(m, "default")
	for i, w := range []float64{0.5, 0.25, 0.25} {
		m["dimensions"].([]any)[i].(map[string]any)["weight"] = w
	}
	data, _ := json.Marshal(m)
	admin := a.user("admin-publish@example.org", models.RoleAdmin, "")
	if _, err := a.stores.Monitoring.Publish(a.t.Context(), models.Actor{User: admin}, data); err != nil {
		a.t.Fatal(err)
	}
}

// TestVisitCorrectionThroughTheForm: the new visit form offers the signed-in user as
// interviewer; a correction after version 2 is published is scored with version 1;
// a stale form is refused with the typed values kept; scope and CSRF hold.
func TestVisitCorrectionThroughTheForm(t *testing.T) {
	app := newTestApp(t)
	cw, u := app.signedIn("cw@example.org", models.RoleCaseworker, "RAB")
	cs := app.returnedCase("RAB", u, models.NewDate(2020, 11, 20))

	p := cw.get(views.NewVisitPath(cs.ID))
	if v, _ := p.Doc.Find(`input[name="interviewer"]`).Attr("value"); v != u.Name || v == "" {
		t.Errorf("interviewer offered %q, want the signed-in user's name %q", v, u.Name)
	}
	form := visitForm(t, "baseline", "2020-11-10", false)
	form.Set("interviewer", " ")
	p = cw.post(views.CaseVisitsPath(cs.ID), form)
	wantStatus(t, p, http.StatusUnprocessableEntity)
	if !p.has(`[data-testid="interviewer-error"]`) {
		t.Error("no error beside the empty interviewer")
	}
	wantStatus(t, cw.post(views.CaseVisitsPath(cs.ID), visitForm(t, "baseline", "2020-11-10", false)), http.StatusSeeOther)
	var v models.Visit
	if err := app.stores.DB.Read.Take(&v).Error; err != nil || v.Interviewer != "Amina Tazi" {
		t.Fatalf("recorded %+v, %v", v, err)
	}
	app.publishReweighted()

	p = cw.get(views.CasePath(cs.ID))
	if got := p.text(`[data-testid="visit-` + strconv.Itoa(int(v.ID)) + `"] [data-testid="visit-interviewer"]`); got != "Amina Tazi" {
		t.Errorf("interviewer on the case file %q", got)
	}
	edit, _ := p.Doc.Find(`[data-testid="edit-visit"]`).Attr("href")
	if edit != views.EditVisitPath(cs.ID, v.ID) {
		t.Fatalf("edit link %q", edit)
	}
	p = cw.get(edit)
	wantStatus(t, p, http.StatusOK)
	if iv, _ := p.Doc.Find(`input[name="instrument_version"]`).Attr("value"); iv != "1" {
		t.Errorf("correction form drawn with version %q, want the visit's 1", iv)
	}
	if ver, _ := p.Doc.Find(`input[name="version"]`).Attr("value"); ver != "1" || !p.has(`input[name="q_debt_level"][value="no_debt"][checked]`) ||
		p.has(`select[name="kind"]`) {
		t.Errorf("form version %q, or the stored answers not checked, or the kind editable", ver)
	}
	corrected := visitForm(t, "baseline", "2020-11-12", true)
	corrected.Set("version", "1")
	corrected.Set("interviewer", "Youssef El Idrissi")
	wantStatus(t, cw.postRaw(views.VisitPath(cs.ID, v.ID), corrected), http.StatusForbidden)
	p = cw.post(views.VisitPath(cs.ID, v.ID), corrected)
	wantStatus(t, p, http.StatusSeeOther)
	if p.location() != views.CasePath(cs.ID)+"#monitoring" {
		t.Errorf("redirected to %q", p.location())
	}
	p = cw.get(views.CasePath(cs.ID))
	row := `[data-testid="visit-` + strconv.Itoa(int(v.ID)) + `"] `
	// Version 1 (equal weights) gives 2/3; version 2 would give 0.50.
	if got := p.text(row + `[data-testid="visit-composite"]`); got != "0,67" {
		t.Errorf("composite after correction %q, want 0,67 (version 1)", got)
	}
	if got, _ := p.Doc.Find(row).Attr("data-version"); got != "1" || p.text(row+`[data-testid="visit-interviewer"]`) != "Youssef El Idrissi" {
		t.Errorf("version %q, interviewer %q", got, p.text(row+`[data-testid="visit-interviewer"]`))
	}

	// The same form again is stale: refused, typed values kept, the new version named.
	corrected.Set("notes", "Deuxième appel")
	p = cw.post(views.VisitPath(cs.ID, v.ID), corrected)
	wantStatus(t, p, http.StatusConflict)
	if !p.has(`[data-testid="visit-conflict"]`) || !strings.Contains(p.text(`[data-testid="visit-conflict"]`), "Conduite par") {
		t.Errorf("conflict message %q", p.text(`[data-testid="visit-conflict"]`))
	}
	if ver, _ := p.Doc.Find(`input[name="version"]`).Attr("value"); ver != "2" || p.text(`textarea[name="notes"]`) != "Deuxième appel" {
		t.Errorf("version %q or typed notes not kept", ver)
	}
	var after models.Visit
	app.stores.DB.Read.Take(&after, v.ID)
	if after.Notes != "Appel à Oujda" || after.Version != 2 {
		t.Errorf("a stale form wrote: %+v", after)
	}

	// Invalid: the form comes back with the error beside the field.
	bad := visitForm(t, "baseline", "2020-11-12", true)
	bad.Set("version", "2")
	bad.Del("q_water_access")
	p = cw.post(views.VisitPath(cs.ID, v.ID), bad)
	wantStatus(t, p, http.StatusUnprocessableEntity)
	if !p.has(`[data-testid="q_water_access-error"]`) {
		t.Error("no error beside the unanswered question")
	}

	other, _ := app.signedIn("cwcas@example.org", models.RoleCaseworker, "CAS")
	wantStatus(t, other.get(edit), http.StatusNotFound)
	wantStatus(t, other.post(views.VisitPath(cs.ID, v.ID), corrected), http.StatusNotFound)
	wantStatus(t, cw.get(views.EditVisitPath(cs.ID, 999999)), http.StatusNotFound)
	admin, _ := app.signedIn("admin@example.org", models.RoleAdmin, "")
	wantStatus(t, admin.get(edit), http.StatusForbidden)
	// An anonymised case (an approved erasure request) takes no correction.
	app.stores.DB.Write.Exec("UPDATE cases SET anonymised_at = CURRENT_TIMESTAMP WHERE id = ?", cs.ID)
	p = cw.get(edit)
	wantStatus(t, p, http.StatusSeeOther)
	if p = cw.get(p.location()); !strings.Contains(p.text(`.flash`), "anonymisé") {
		t.Errorf("anonymised case: message %q", p.text(`.flash`))
	}
	corrected.Set("version", "2")
	wantStatus(t, cw.post(views.VisitPath(cs.ID, v.ID), corrected), http.StatusSeeOther)
	var events int64
	app.stores.DB.Read.Model(&models.AuditEvent{}).Where("action = ?", "monitoring.visit.update").Count(&events)
	if events != 1 {
		t.Errorf("%d correction events, want 1", events)
	}
}

// TestCloseCompletedFromTheCaseFile: the button appears for a supervisor once the last
// planned follow-up is done; before, the action is refused with a message.
func TestCloseCompletedFromTheCaseFile(t *testing.T) {
	app := newTestApp(t)
	cw, u := app.signedIn("cw@example.org", models.RoleCaseworker, "RAB")
	sup, _ := app.signedIn("sup@example.org", models.RoleSupervisor, "RAB")
	cs := app.returnedCase("RAB", u, models.NewDate(2019, 12, 1))
	for _, d := range []string{"2020-03-02", "2020-06-01"} {
		wantStatus(t, cw.post(views.CaseVisitsPath(cs.ID), visitForm(t, "followup", d, false)), http.StatusSeeOther)
	}
	p := sup.get(views.CasePath(cs.ID))
	if p.has(`[data-testid="close-completed"]`) || !p.has(`[data-testid="close-completed-pending"]`) {
		t.Error("close offered with the 12-month follow-up missing")
	}
	close := url.Values{"version": {"1"}}
	p = sup.post(views.CloseCompletedPath(cs.ID), close)
	wantStatus(t, p, http.StatusSeeOther)
	p = sup.get(p.location())
	if !strings.Contains(p.text(`.flash`), "des suivis prévus n'ont pas eu lieu") {
		t.Errorf("refusal message %q", p.text(`.flash`))
	}
	wantStatus(t, cw.post(views.CaseVisitsPath(cs.ID), visitForm(t, "followup", "2020-12-01", false)), http.StatusSeeOther)
	if cw.get(views.CasePath(cs.ID)).has(`[data-testid="close-completed"]`) {
		t.Error("close offered to a caseworker")
	}
	wantStatus(t, cw.post(views.CloseCompletedPath(cs.ID), close), http.StatusForbidden)
	p = sup.get(views.CasePath(cs.ID))
	if v, _ := p.Doc.Find(`[data-testid="close-completed-form"] input[name="version"]`).Attr("value"); v != "1" {
		t.Fatalf("close form version %q", v)
	}
	wantStatus(t, sup.postRaw(views.CloseCompletedPath(cs.ID), close), http.StatusForbidden)
	supCas, _ := app.signedIn("supcas@example.org", models.RoleSupervisor, "CAS")
	wantStatus(t, supCas.post(views.CloseCompletedPath(cs.ID), close), http.StatusNotFound)
	p = sup.post(views.CloseCompletedPath(cs.ID), close)
	wantStatus(t, p, http.StatusSeeOther)
	var got models.Case
	app.stores.DB.Read.Take(&got, cs.ID)
	if got.Status != models.StatusClosed || got.ClosureReason != models.ClosureCompleted {
		t.Errorf("case %s (%s) after closing", got.Status, got.ClosureReason)
	}
	if p := sup.get(views.CasePath(cs.ID)); p.has(`[data-testid="close-completed-form"]`) || p.has(`[data-testid="edit-visit"]`) {
		t.Error("a closed case still offers closing or correcting visits")
	}
	var v models.Visit
	app.stores.DB.Read.Where("case_id = ?", cs.ID).Take(&v)
	wantStatus(t, cw.get(views.EditVisitPath(cs.ID, v.ID)), http.StatusSeeOther)
	wantStatus(t, cw.post(views.VisitPath(cs.ID, v.ID), url.Values{"version": {"1"}}), http.StatusSeeOther)
	var events int64
	app.stores.DB.Read.Model(&models.AuditEvent{}).Where("action = ? AND record_id = ?", "case.status", strconv.Itoa(int(cs.ID))).Count(&events)
	if events != 1 {
		t.Errorf("%d status events, want 1", events)
	}
}

// TestSummaryCSVCarriesMonitoringFigures: summary.csv's monitoring rows equal the
// reintegration monitoring page's figures for the same filters.
func TestSummaryCSVCarriesMonitoringFigures(t *testing.T) {
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
	q := "?from=2021-01-01&to=2021-12-31"
	page := sup.get(views.PathSummaryReintegration + q)
	wantStatus(t, page, http.StatusOK)
	file := sup.get(views.PathSummaryCSV + q)
	wantStatus(t, file, http.StatusOK)
	recs, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(file.Body, "\uFEFF"))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	rows := map[string][]string{}
	for _, r := range recs[1:] {
		rows[r[0]+"/"+r[1]] = r
	}
	// mean turns a CSV mean into the page's two decimals with a comma (French).
	mean := func(s string) string {
		x, err := strconv.ParseFloat(s, 64)
		if err != nil {
			t.Fatalf("mean %q: %v", s, err)
		}
		return strings.Replace(strconv.FormatFloat(x, 'f', 2, 64), ".", ",", 1)
	}
	checks := map[string]string{ // CSV row → page test id
		"monitoring/baselines": "mon-baselines", "monitoring/followups": "mon-followups", "monitoring/people": "mon-people",
		"monitoring_band/high": "mon-band-high", "monitoring_support/cash": "mon-support-cash", "monitoring_support/none": "mon-support-none",
		"monitoring_office/RAB": "mon-office-RAB",
	}
	for row, id := range checks {
		if r := rows[row]; r == nil || r[3] != page.text(`[data-testid="`+id+`"]`) {
			t.Errorf("%s = %v, page %s = %q", row, r, id, page.text(`[data-testid="`+id+`"]`))
		}
	}
	digits := func(s string) string {
		return strings.Map(func(r rune) rune {
			if r >= '0' && r <= '9' {
				return r
			}
			return -1
		}, s)
	}
	if r := rows["monitoring_band/high"]; r == nil || r[4] != digits(page.text(`[data-testid="mon-band-high-share"]`)) {
		t.Errorf("band share %v, page %q", r, page.text(`[data-testid="mon-band-high-share"]`))
	}
	means := map[string]string{
		"monitoring_support/cash.baseline": "mon-support-cash-baseline", "monitoring_support/cash.followup": "mon-support-cash-followup",
		"monitoring_support/none.followup": "mon-support-none-followup", "monitoring_office/RAB.followup": "mon-office-RAB-followup",
	}
	for row, id := range means {
		if r := rows[row]; r == nil || mean(r[3]) != page.text(`[data-testid="`+id+`"]`) {
			t.Errorf("%s = %v, page %s = %q", row, r, id, page.text(`[data-testid="`+id+`"]`))
		}
	}
	composite := page.Doc.Find(`[data-testid="mon-mean-composite"] td`)
	if r := rows["monitoring_mean/composite.followup"]; r == nil || mean(r[3]) != strings.TrimSpace(composite.Eq(1).Text()) {
		t.Errorf("composite follow-up %v, page %q", r, composite.Eq(1).Text())
	}
	if r := rows["monitoring_mean/economic.baseline"]; r == nil || r[2] == "" || mean(r[3]) != page.text(`[data-testid="mon-mean-economic"] td`) {
		t.Errorf("economic baseline %v, page %q", r, page.text(`[data-testid="mon-mean-economic"] td`))
	}
}
