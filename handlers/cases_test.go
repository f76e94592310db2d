package handlers

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"awda/models"
	"awda/models/dbtest"
	"awda/views"
)

// caseForm is a complete registration with a household member.
func caseForm(family, given string) url.Values {
	return url.Values{
		"direction": {"outbound"}, "family_name": {family}, "given_name": {given}, "sex": {"F"},
		"birth_date": {"1996-05-14"}, "nationality": {"GN"}, "return_country": {"GN"}, "phone": {"+212 6 61 22 33 44"},
		"languages": {"Soussou, français"}, "id_doc_type": {"passport"}, "id_doc_number": {"R0987654"},
		"vulnerabilities":   {"single_parent", "medical_condition"},
		"household[0].name": {"Ibrahima Camara"}, "household[0].relation": {"child"}, "household[0].sex": {"M"},
		"household[0].birth_date": {"2020-01-10"},
		"consent_date":            {"2021-02-25"}, "consent_share": {"1"}, "request_date": {"2021-02-20"},
		"request_reason": {"lack_of_resources"}, "notes": {"Arrived from Oujda."},
	}
}

// register posts a registration and returns the new case's id.
func register(t *testing.T, c *client, form url.Values) uint {
	t.Helper()
	c.get(views.PathNewCase)
	p := c.post(views.PathCases, form)
	wantStatus(t, p, http.StatusSeeOther)
	id, err := strconv.ParseUint(strings.TrimPrefix(p.location(), "/cases/"), 10, 64)
	if err != nil {
		t.Fatalf("redirect to %q", p.location())
	}
	return uint(id)
}

func TestRegisterACaseWithEveryFieldAndAHousehold(t *testing.T) {
	app := newTestApp(t)
	c, u := app.signedIn("cw@example.org", models.RoleCaseworker, "RAB")
	form := caseForm("الزهراء", "فاطمة")
	form.Set("assigned_to", fmt.Sprint(u.ID))
	id := register(t, c, form)
	p := c.get(views.CasePath(id))
	wantStatus(t, p, http.StatusOK)
	checks := map[string]string{
		`[data-testid="case-number"]`:      "RAB-2021-00001",
		`[data-testid="case-name"]`:        "الزهراء فاطمة",
		`[data-testid="case-nationality"]`: "Guinée",
		`[data-testid="case-status"]`:      "Enregistré",
		`[data-testid="household-member"]`: "Ibrahima Camara",
		`[data-testid="consent-share"]`:    "Oui",
		`[data-testid="case-assigned"]`:    u.Name,
		`[data-testid="history-entry"]`:    "Enregistré",
		`[data-testid="flash-success"]`:    "RAB-2021-00001",
	}
	for sel, want := range checks {
		if got := p.text(sel); !strings.Contains(got, want) {
			t.Errorf("%s = %q, want %q", sel, got, want)
		}
	}
	if !p.has(`[data-testid="case-number"] bdi`) || !p.has(`[data-print]`) {
		t.Error("case number without <bdi>, or no print button")
	}
	if got := p.Doc.Find(`[data-testid="vulnerabilities"] li`).Length(); got != 2 {
		t.Errorf("%d vulnerabilities shown, want 2", got)
	}
	evs := dbtest.AuditEvents(t)(app.stores.Audit.List(t.Context(), models.AuditFilter{Action: "case.view", RecordID: fmt.Sprint(id)}))
	if len(evs) != 1 {
		t.Errorf("%d case.view events, want 1", len(evs))
	}
	// An accented Latin name too, with an apostrophe, kept exactly as typed.
	id2 := register(t, c, caseForm("N'Diaye-Koné", "Aïssatou Éloïse"))
	if got := c.get(views.CasePath(id2)).text(`[data-testid="case-name"]`); got != "N'Diaye-Koné Aïssatou Éloïse" {
		t.Errorf("name shown as %q", got)
	}
}

func TestRegistrationErrorsShowBesideTheirFieldsWithEverythingKept(t *testing.T) {
	app := newTestApp(t)
	c, _ := app.signedIn("cw@example.org", models.RoleCaseworker, "RAB")
	tests := []struct {
		field, value, errField string
	}{
		{"family_name", "", "family_name"},
		{"given_name", "", "given_name"},
		{"sex", "", "sex"},
		{"birth_date", "1996-02-30", "birth_date"},
		{"birth_date", "2030-01-01", "birth_date"},
		{"birth_date", "1800-01-01", "birth_date"},
		{"nationality", "XX", "nationality"},
		{"return_country", "", "return_country"},
		{"consent_date", "", "consent_date"},
		{"phone", "not a phone", "phone"},
		{"household[0].name", "", "household[0].name"},
		{"household[0].birth_date", "2020-02-31", "household[0].birth_date"},
	}
	for _, tc := range tests {
		t.Run(tc.field+"="+tc.value, func(t *testing.T) {
			form := caseForm("Ben Saïd", "فاطمة")
			form.Set(tc.field, tc.value)
			c.get(views.PathNewCase)
			p := c.post(views.PathCases, form)
			wantStatus(t, p, http.StatusUnprocessableEntity)
			if !p.has(`[data-testid="` + tc.errField + `-error"]`) {
				t.Fatalf("no error beside %s", tc.errField)
			}
			for _, name := range []string{"family_name", "given_name", "phone", "id_doc_number", "household[0].name"} {
				if name == tc.field {
					continue
				}
				if got, _ := p.Doc.Find(`input[name="` + name + `"]`).Attr("value"); got != form.Get(name) {
					t.Errorf("%s kept as %q, want %q", name, got, form.Get(name))
				}
			}
			if got, _ := p.Doc.Find(`select[name="nationality"] option[selected]`).Attr("value"); tc.field != "nationality" && got != "GN" {
				t.Errorf("nationality kept as %q", got)
			}
			if p.Doc.Find(`input[name="vulnerabilities"][checked]`).Length() != 2 || p.text(`textarea[name="notes"]`) != "Arrived from Oujda." {
				t.Error("vulnerabilities or notes lost")
			}
		})
	}
	if n, _, _ := app.stores.Cases.List(t.Context(), models.Scope{}, models.CaseFilter{}); len(n) != 0 {
		t.Fatalf("%d cases saved by invalid forms", len(n))
	}
}

func TestHouseholdRowsAddAndRemoveWithoutJavaScript(t *testing.T) {
	app := newTestApp(t)
	c, _ := app.signedIn("cw@example.org", models.RoleCaseworker, "RAB")
	form := caseForm("Camara", "Mariama")
	form.Set("add_household", "1")
	c.get(views.PathNewCase)
	p := c.post(views.PathCases, form)
	wantStatus(t, p, http.StatusOK)
	if !p.has(`[data-testid="household-row-1"]`) || p.has(`[data-testid="field-error"]`) {
		t.Fatal("no second household row")
	}
	if got, _ := p.Doc.Find(`input[name="household[0].name"]`).Attr("value"); got != "Ibrahima Camara" {
		t.Fatalf("first row lost: %q", got)
	}
	form.Del("add_household")
	form.Set("household[1].name", "Aminata Camara")
	form.Set("household[1].sex", "F")
	form.Set("household[1].relation", "child")
	form.Set("remove_household", "0")
	p = c.post(views.PathCases, form)
	wantStatus(t, p, http.StatusOK)
	if got, _ := p.Doc.Find(`input[name="household[0].name"]`).Attr("value"); got != "Aminata Camara" || p.has(`[data-testid="household-row-1"]`) {
		t.Fatalf("after removing row 0, row 0 is %q", got)
	}
}

func TestDuplicatesAreShownFirstAndCanBeConfirmedDifferent(t *testing.T) {
	app := newTestApp(t)
	c, _ := app.signedIn("cw@example.org", models.RoleCaseworker, "RAB")
	first := register(t, c, caseForm("Diallo", "Mohammed Ousmane"))
	form := caseForm("DIALLO", "Muhammad Usman")
	c.get(views.PathNewCase)
	p := c.post(views.PathCases, form)
	wantStatus(t, p, http.StatusUnprocessableEntity)
	if href, _ := p.Doc.Find(`[data-testid="duplicate"] a`).Attr("href"); href != views.CasePath(first) {
		t.Fatalf("duplicate link %q, want %q", href, views.CasePath(first))
	}
	if got, _ := p.Doc.Find(`input[name="given_name"]`).Attr("value"); got != "Muhammad Usman" {
		t.Fatalf("typed name lost: %q", got)
	}
	form.Set("confirm_different", "1")
	p = c.post(views.PathCases, form)
	wantStatus(t, p, http.StatusSeeOther)
	second := c.get(p.location())
	if !second.has(`[data-testid="duplicate-checked"]`) {
		t.Fatal("confirmation not shown on the file")
	}
}

func TestSearchWithoutAccentsFindsAccentedNames(t *testing.T) {
	app := newTestApp(t)
	c, _ := app.signedIn("cw@example.org", models.RoleCaseworker, "RAB")
	register(t, c, caseForm("Koné", "Aïcha"))
	register(t, c, caseForm("Traoré", "Fatoumata"))
	p := c.get(views.PathCases + "?q=aisha+kone")
	wantStatus(t, p, http.StatusOK)
	rows := p.Doc.Find(`[data-testid="case-row"]`)
	if rows.Length() != 1 || !strings.Contains(rows.Text(), "Koné Aïcha") {
		t.Fatalf("search found %d rows: %q", rows.Length(), rows.Text())
	}
	p = c.get(views.PathCases + "?q=TRAORE&status=registered&sort=name")
	if got, _ := p.Doc.Find(`input[name="q"]`).Attr("value"); got != "TRAORE" || p.Doc.Find(`[data-testid="case-row"]`).Length() != 1 {
		t.Fatalf("filter not kept or wrong result: %q", got)
	}
}

func TestListPaginationKeepsFilters(t *testing.T) {
	app := newTestApp(t)
	c, u := app.signedIn("cw@example.org", models.RoleCaseworker, "RAB")
	for i := range models.DefaultPerPage + 2 {
		in := models.CaseInput{Direction: "outbound", FamilyName: fmt.Sprintf("Sow%c", 'a'+i), GivenName: "Awa", Sex: "F",
			AgeEstimate: "30", Nationality: "SN", ReturnCountry: "SN", ConsentDate: "2021-02-01", ConfirmDifferent: true}
		if _, err := app.stores.Cases.Create(t.Context(), models.Actor{User: u}, u.Scope(), in); err != nil {
			t.Fatal(err)
		}
	}
	p := c.get(views.PathCases + "?nationality=SN")
	next, _ := p.Doc.Find(`[data-testid="page-next"]`).Attr("href")
	if !strings.Contains(next, "nationality=SN") || !strings.Contains(next, "page=2") {
		t.Fatalf("next link %q", next)
	}
	if n := c.get(next).Doc.Find(`[data-testid="case-row"]`).Length(); n != 2 {
		t.Fatalf("page 2 has %d rows", n)
	}
}

// moveForm posts a status move with the case's current version.
func moveForm(t *testing.T, app *testApp, c *client, id uint, to string, extra url.Values) *page {
	t.Helper()
	cs, err := app.stores.Cases.Get(t.Context(), models.Scope{}, id)
	if err != nil {
		t.Fatal(err)
	}
	form := url.Values{"to": {to}, "version": {fmt.Sprint(cs.Version)}, "note": {"note " + to}}
	for k, v := range extra {
		form[k] = v
	}
	c.get(views.CasePath(id))
	return c.post(views.CaseStatusPath(id), form)
}

func TestWorkflowThroughThePagesByRole(t *testing.T) {
	app := newTestApp(t)
	cw, _ := app.signedIn("cw@example.org", models.RoleCaseworker, "RAB")
	sup, _ := app.signedIn("sup@example.org", models.RoleSupervisor, "RAB")
	id := register(t, cw, caseForm("Bah", "Oumou"))
	steps := []struct {
		who    *client
		to     string
		extra  url.Values
		status int
		now    models.CaseStatus
	}{
		{cw, "approved", nil, http.StatusUnprocessableEntity, models.StatusRegistered},
		{cw, "returned", nil, http.StatusUnprocessableEntity, models.StatusRegistered},
		{cw, "counselled", nil, http.StatusSeeOther, models.StatusCounselled},
		{cw, "approved", nil, http.StatusUnprocessableEntity, models.StatusCounselled},
		{sup, "approved", nil, http.StatusSeeOther, models.StatusApproved},
		{cw, "returned", nil, http.StatusUnprocessableEntity, models.StatusApproved},
		{cw, "returned", url.Values{"departure_date": {"2021-02-27"}, "escort": {"escort"}, "received_by": {"OIM Conakry"}}, http.StatusSeeOther, models.StatusReturned},
		{cw, "reintegration", nil, http.StatusSeeOther, models.StatusReintegration},
		{cw, "closed", url.Values{"reason": {"reintegration_completed"}}, http.StatusUnprocessableEntity, models.StatusReintegration},
		{sup, "closed", nil, http.StatusUnprocessableEntity, models.StatusReintegration},
		{sup, "closed", url.Values{"reason": {"reintegration_completed"}}, http.StatusSeeOther, models.StatusClosed},
		{cw, models.Reopen, nil, http.StatusUnprocessableEntity, models.StatusClosed},
		{sup, models.Reopen, url.Values{"note": {"Back in touch"}}, http.StatusSeeOther, models.StatusReintegration},
	}
	for i, st := range steps {
		p := moveForm(t, app, st.who, id, st.to, st.extra)
		if p.StatusCode != st.status {
			t.Fatalf("step %d (%s): status %d, want %d\n%s", i, st.to, p.StatusCode, st.status, excerpt(p.Body))
		}
		if st.status == http.StatusUnprocessableEntity && !p.has(`[data-testid="move-error"]`) && !p.has(`[data-testid="form-errors"]`) {
			t.Fatalf("step %d: refusal without a message", i)
		}
		cs, _ := app.stores.Cases.Get(t.Context(), models.Scope{}, id)
		if cs.Status != st.now {
			t.Fatalf("step %d: status %s, want %s", i, cs.Status, st.now)
		}
	}
	p := cw.get(views.CasePath(id))
	if n := p.Doc.Find(`[data-testid="history-entry"]`).Length(); n != 7 {
		t.Fatalf("%d history entries, want 7", n)
	}
	if !strings.Contains(p.text(`[data-testid="travel"]`), "OIM Conakry") {
		t.Fatal("travel not shown")
	}
	// A closed case is read-only.
	moveForm(t, app, sup, id, "closed", url.Values{"reason": {"lost_contact"}})
	p = cw.get(views.CaseEditPath(id))
	wantStatus(t, p, http.StatusSeeOther)
	p = cw.post(views.CasePath(id), withVersion(caseForm("Bah", "Oumou"), 10))
	wantStatus(t, p, http.StatusSeeOther)
	if cw.get(p.location()).text(`[data-testid="flash-error"]`) == "" {
		t.Fatal("edit of a closed case without a message")
	}
}

func withVersion(f url.Values, v int) url.Values {
	f.Set("version", fmt.Sprint(v))
	return f
}

func TestEditConflictKeepsBothSides(t *testing.T) {
	app := newTestApp(t)
	a, _ := app.signedIn("a@example.org", models.RoleCaseworker, "RAB")
	b, _ := app.signedIn("b@example.org", models.RoleCaseworker, "RAB")
	id := register(t, a, caseForm("Sylla", "Kadiatou"))
	wantStatus(t, a.get(views.CaseEditPath(id)), http.StatusOK)
	wantStatus(t, b.get(views.CaseEditPath(id)), http.StatusOK)
	first := withVersion(caseForm("Sylla", "Kadiatou"), 1)
	first.Set("phone", "0611111111")
	wantStatus(t, a.post(views.CasePath(id), first), http.StatusSeeOther)
	second := withVersion(caseForm("Sylla", "Kadiatou"), 1)
	second.Set("notes", "Seen again on Tuesday.")
	p := b.post(views.CasePath(id), second)
	wantStatus(t, p, http.StatusConflict)
	if !strings.Contains(p.text(`[data-testid="conflict-phone"]`), "0611111111") {
		t.Fatalf("conflict does not show the phone changed meanwhile: %q", p.text(`[data-testid="conflict"]`))
	}
	if p.text(`textarea[name="notes"]`) != "Seen again on Tuesday." {
		t.Fatal("the second user's typing is lost")
	}
	if v, _ := p.Doc.Find(`input[name="version"]`).Attr("value"); v != "2" {
		t.Fatalf("form carries version %q, want 2", v)
	}
	cs, _ := app.stores.Cases.Get(t.Context(), models.Scope{}, id)
	if cs.Phone != "0611111111" || cs.Notes != "Arrived from Oujda." {
		t.Fatalf("first edit lost or second applied: %q %q", cs.Phone, cs.Notes)
	}
	// Re-apply: submit again with the version the conflict page gave.
	second.Set("version", "2")
	second.Set("phone", "0611111111")
	wantStatus(t, b.post(views.CasePath(id), second), http.StatusSeeOther)
	cs, _ = app.stores.Cases.Get(t.Context(), models.Scope{}, id)
	if cs.Phone != "0611111111" || cs.Notes != "Seen again on Tuesday." || cs.Version != 3 {
		t.Fatalf("re-applied edit: %q %q v%d", cs.Phone, cs.Notes, cs.Version)
	}
	evs := dbtest.AuditEvents(t)(app.stores.Audit.List(t.Context(), models.AuditFilter{Action: "case.update", RecordID: fmt.Sprint(id)}))
	if len(evs) != 2 || evs[0].Fields != "notes" || evs[1].Fields != "phone" {
		t.Fatalf("audit of edits: %+v", evs)
	}
}

func TestAnotherOfficesCaseIsNotFoundOnEveryRoute(t *testing.T) {
	app := newTestApp(t)
	oud, _ := app.signedIn("oud@example.org", models.RoleCaseworker, "OUD")
	id := register(t, oud, caseForm("Keita", "Salif"))
	rab, _ := app.signedIn("rab@example.org", models.RoleCaseworker, "RAB")
	rabSup, _ := app.signedIn("rabsup@example.org", models.RoleSupervisor, "RAB")
	for _, c := range []*client{rab, rabSup} {
		wantStatus(t, c.get(views.CasePath(id)), http.StatusNotFound)
		wantStatus(t, c.get(views.CaseEditPath(id)), http.StatusNotFound)
		wantStatus(t, c.post(views.CasePath(id), withVersion(caseForm("X", "Y"), 1)), http.StatusNotFound)
		wantStatus(t, c.post(views.CaseStatusPath(id), url.Values{"to": {"counselled"}, "version": {"1"}}), http.StatusNotFound)
		wantStatus(t, c.get(views.CasePath(999999)), http.StatusNotFound)
		if n := c.get(views.PathCases + "?q=keita").Doc.Find(`[data-testid="case-row"]`).Length(); n != 0 {
			t.Fatalf("list shows %d cases of another office", n)
		}
	}
	p := rabSup.post(views.PathReassign, url.Values{"case_id": {fmt.Sprint(id)}, "to_user": {"1"}, "reason": {"x"}})
	if p.StatusCode != http.StatusNotFound && p.StatusCode != http.StatusSeeOther {
		t.Fatalf("reassign out of scope: %d", p.StatusCode)
	}
	cs, _ := app.stores.Cases.Get(t.Context(), models.Scope{}, id)
	if cs.Version != 1 {
		t.Fatal("out-of-scope case changed")
	}
}

func TestAdminsReadCasesButCannotChangeThem(t *testing.T) {
	app := newTestApp(t)
	cw, _ := app.signedIn("cw@example.org", models.RoleCaseworker, "RAB")
	id := register(t, cw, caseForm("Touré", "Binta"))
	admin, _ := app.signedIn("admin@example.org", models.RoleAdmin, "")
	p := admin.get(views.CasePath(id))
	wantStatus(t, p, http.StatusOK)
	if p.has(`[data-testid="edit-case"]`) || p.has(`[data-testid^="step-"]`) {
		t.Fatal("admin is offered changes")
	}
	wantStatus(t, admin.post(views.CaseStatusPath(id), url.Values{"to": {"counselled"}, "version": {"1"}}), http.StatusForbidden)
	wantStatus(t, admin.post(views.CasePath(id), withVersion(caseForm("X", "Y"), 1)), http.StatusForbidden)
}

func TestSupervisorReassignsACaseloadAudited(t *testing.T) {
	app := newTestApp(t)
	a, ua := app.signedIn("a@example.org", models.RoleCaseworker, "RAB")
	_, ub := app.signedIn("b@example.org", models.RoleCaseworker, "RAB")
	for _, n := range []string{"Barry", "Baldé", "Bangoura"} {
		f := caseForm(n, "Alpha")
		f.Set("assigned_to", fmt.Sprint(ua.ID))
		register(t, a, f)
	}
	sup, _ := app.signedIn("sup@example.org", models.RoleSupervisor, "RAB")
	p := sup.get(views.PathCases)
	if !p.has(`[data-testid="reassign-form"] input[name="case_id"]`) {
		t.Fatal("no reassignment form for the supervisor")
	}
	p = sup.post(views.PathReassign, url.Values{"from_user": {fmt.Sprint(ua.ID)}, "to_user": {fmt.Sprint(ub.ID)}, "reason": {"Amina is on leave"}})
	wantStatus(t, p, http.StatusSeeOther)
	if got := sup.get(p.location()); !strings.Contains(got.text(`[data-testid="flash-success"]`), "3") {
		t.Fatalf("flash %q", got.text(`[data-testid="flash-success"]`))
	}
	list, _, _ := app.stores.Cases.List(t.Context(), models.Scope{}, models.CaseFilter{AssignedTo: ub.ID})
	if len(list) != 3 {
		t.Fatalf("%d cases moved", len(list))
	}
	evs := dbtest.AuditEvents(t)(app.stores.Audit.List(t.Context(), models.AuditFilter{Action: "case.reassign"}))
	if len(evs) != 3 {
		t.Fatalf("%d audit events", len(evs))
	}
	p = sup.post(views.PathReassign, url.Values{"case_id": {fmt.Sprint(list[0].ID)}, "to_user": {fmt.Sprint(ua.ID)}})
	wantStatus(t, p, http.StatusSeeOther)
	if msg := sup.get(p.location()).text(`[data-testid="flash-error"]`); !strings.Contains(msg, "obligatoire") {
		t.Fatalf("reassignment without a reason: flash %q", msg)
	}
	// A reason over its limit is refused with the limit, not with "give a reason".
	p = sup.post(views.PathReassign, url.Values{"case_id": {fmt.Sprint(list[0].ID)}, "to_user": {fmt.Sprint(ua.ID)},
		"reason": {strings.Repeat("r", 4001)}})
	wantStatus(t, p, http.StatusSeeOther)
	if msg := sup.get(p.location()).text(`[data-testid="flash-error"]`); !strings.Contains(msg, "4") || !strings.Contains(msg, "caractères") {
		t.Fatalf("over-long reason: flash %q", msg)
	}
	if cw := a.get(views.PathCases); cw.has(`[data-testid="reassign-form"]`) {
		t.Fatal("caseworker offered reassignment")
	}
}

func TestHomeShowsOpenCasesByStageAndWaitingCases(t *testing.T) {
	app := newTestApp(t)
	c, u := app.signedIn("cw@example.org", models.RoleCaseworker, "RAB")
	f := caseForm("Sow", "Awa")
	f.Set("assigned_to", fmt.Sprint(u.ID))
	id := register(t, c, f)
	p := c.get(views.PathHome)
	href, _ := p.Doc.Find(`[data-testid="stage-registered"] a`).Attr("href")
	if !strings.Contains(href, "status=registered") || !strings.Contains(href, "assigned="+fmt.Sprint(u.ID)) {
		t.Fatalf("stage link %q", href)
	}
	if p.has(`[data-testid="waiting-case"]`) {
		t.Fatal("a new case is already waiting")
	}
	app.clock.Advance(15 * 24 * time.Hour)
	c.login("cw@example.org", testPassword)
	p = c.get(views.PathHome)
	if href, _ := p.Doc.Find(`[data-testid="waiting-case"] a`).Attr("href"); href != views.CasePath(id) {
		t.Fatalf("waiting link %q", href)
	}
}

// rawKey is a catalogue key shown instead of its text.
var rawKey = regexp.MustCompile(`\bcases\.[a-z_]+(\.[A-Za-z_]+)?`)

func TestCasePagesAreTranslatedInEveryLanguage(t *testing.T) {
	app := newTestApp(t)
	for _, lang := range views.Languages {
		t.Run(lang, func(t *testing.T) {
			sup, u := app.signedIn(lang+"@example.org", models.RoleSupervisor, "RAB")
			if err := app.stores.Users.SetLanguage(t.Context(), u.ID, lang); err != nil {
				t.Fatal(err)
			}
			id := register(t, sup, caseForm("Diallo "+lang, "Aïcha"))
			moveForm(t, app, sup, id, "counselled", nil)
			moveForm(t, app, sup, id, "approved", nil)
			bad := moveForm(t, app, sup, id, "returned", nil)
			wantStatus(t, bad, http.StatusUnprocessableEntity)
			pages := []*page{
				sup.get(views.PathCases), sup.get(views.PathNewCase), sup.get(views.CasePath(id)), sup.get(views.CaseEditPath(id)),
				sup.get(views.PathHome), bad,
			}
			invalid := caseForm("", "")
			invalid.Set("birth_date", "2099-01-01")
			sup.get(views.PathNewCase)
			pages = append(pages, sup.post(views.PathCases, invalid))
			for _, p := range pages {
				if m := rawKey.FindString(p.Doc.Find("body").Text()); m != "" {
					t.Errorf("%s: untranslated %q", p.Request.URL.Path, m)
				}
			}
		})
	}
}
