package handlers

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/a-h/templ"
	"github.com/labstack/echo/v4"

	"awda/models"
	"awda/views"
)

var handlerCaseSeq atomic.Int64

// insertCase writes a case row directly (the cases feature is built elsewhere).
func (a *testApp) insertCase(officeCode string, creator *models.User, status models.CaseStatus, consentShare bool) *models.Case {
	a.t.Helper()
	o := a.office(officeCode)
	n := handlerCaseSeq.Add(1)
	cs := &models.Case{
		CaseNumber: fmt.Sprintf("%s-2021-%05d", o.Code, n), OfficeID: o.ID, Direction: models.Inbound,
		FamilyName: "Alaoui", GivenName: fmt.Sprintf("Karima %d", n), Sex: models.SexF, Nationality: "MA", ReturnCountry: "MA",
		ConsentDate: models.NewDate(2021, 1, 5), ConsentShare: consentShare, Status: status, Version: 1, CreatedByID: creator.ID,
	}
	if err := a.stores.DB.Write.Create(cs).Error; err != nil {
		a.t.Fatalf("insert case: %v", err)
	}
	return cs
}

func (a *testApp) caseStatus(id uint) models.CaseStatus {
	var cs models.Case
	a.stores.DB.Read.First(&cs, id)
	return cs.Status
}

func (a *testApp) supportStatus(id uint) models.SupportStatus {
	var sp models.Support
	a.stores.DB.Read.First(&sp, id)
	return sp.Status
}

func (a *testApp) plan(u *models.User, cs *models.Case, amount string) *models.Support {
	a.t.Helper()
	sp, err := a.stores.Support.Plan(a.t.Context(), models.Actor{User: u}, u.Scope(), cs.ID, models.SupportInput{
		Type: "cash", Description: "Rent for three months", Amount: amount, Currency: "MAD", Date: "2021-02-20"})
	if err != nil {
		a.t.Fatal(err)
	}
	return sp
}

// caseworkPage mounts a stand-in for the case file (built by the cases feature) that
// renders the casework sections, so the sections are tested through real requests.
func (a *testApp) caseworkPage() {
	a.srv.handle(http.MethodGet, "/test/casework/:id", func(c echo.Context) error {
		cs, err := a.srv.caseworkCase(c)
		if err != nil {
			return err
		}
		file, err := a.srv.stores.Cases.File(c.Request().Context(), currentUser(c).Scope(), cs.ID)
		if err != nil {
			return err
		}
		vm := a.srv.caseworkVM(c, file)
		page := templ.ComponentFunc(func(ctx context.Context, w io.Writer) error {
			return views.Layout(views.Page{Title: "home.title"}).Render(templ.WithChildren(ctx, views.CaseworkSections(vm)), w)
		})
		return a.srv.ok(c, page)
	}, signedIn)
}

func TestPlanSupportKeepsInputAndShowsErrorsBesideFields(t *testing.T) {
	app := newTestApp(t)
	cw, u := app.signedIn("cw@example.org", models.RoleCaseworker, "RAB")
	cs := app.insertCase("RAB", u, models.StatusReturned, true)
	cw.get(views.PathHome)
	p := cw.post(views.CaseSupportPath(cs.ID), url.Values{"type": {"micro_project"}, "description": {"Épicerie à Salé"},
		"amount": {"1,500"}, "currency": {"MAD"}, "date": {"2021-02-20"}, "funded_by_office": {"1"}})
	wantStatus(t, p, http.StatusUnprocessableEntity)
	if got := p.text(`[data-testid="amount-error"]`); !strings.Contains(got, "1500") {
		t.Errorf("amount error %q", got)
	}
	if v, _ := p.Doc.Find(`input[name="amount"]`).Attr("value"); v != "1,500" {
		t.Errorf("amount kept as %q", v)
	}
	if got := p.text(`textarea[name="description"]`); got != "Épicerie à Salé" {
		t.Errorf("description kept as %q", got)
	}
	if !p.has(`input[name="funded_by_office"][checked]`) || !p.has(`select[name="type"] option[value="micro_project"][selected]`) {
		t.Error("choices not kept")
	}
	p = cw.post(views.CaseSupportPath(cs.ID), url.Values{"type": {"micro_project"}, "description": {"Épicerie à Salé"},
		"amount": {"1 500,50"}, "currency": {"MAD"}, "date": {"2021-02-20"}})
	wantStatus(t, p, http.StatusSeeOther)
	if p.location() != views.CasePath(cs.ID)+"#support" {
		t.Errorf("redirect to %q", p.location())
	}
	var sp models.Support
	app.stores.DB.Read.Where("case_id = ?", cs.ID).First(&sp)
	if sp.Amount != 150050 || sp.Status != models.SupportPlanned || sp.FundedByOffice {
		t.Fatalf("saved %+v", sp)
	}
}

func TestSupportMovesThroughHandlersAndReintegration(t *testing.T) {
	app := newTestApp(t)
	app.caseworkPage()
	cw, cwUser := app.signedIn("cw@example.org", models.RoleCaseworker, "RAB")
	sup, supUser := app.signedIn("sup@example.org", models.RoleSupervisor, "RAB")
	cs := app.insertCase("RAB", cwUser, models.StatusReturned, true)
	sp := app.plan(cwUser, cs, "2000")
	own := app.plan(supUser, cs, "300")

	cw.get(views.PathHome)
	wantStatus(t, cw.post(views.SupportActionPath(cs.ID, sp.ID, "approve"), url.Values{"version": {"1"}}), http.StatusForbidden)
	p := cw.post(views.SupportActionPath(cs.ID, sp.ID, "deliver"), url.Values{"version": {"1"}, "date": {"2021-02-25"}})
	wantStatus(t, p, http.StatusSeeOther)
	if app.supportStatus(sp.ID) != models.SupportPlanned {
		t.Fatal("unapproved support delivered")
	}

	sup.get(views.PathHome)
	p = sup.post(views.SupportActionPath(cs.ID, own.ID, "approve"), url.Values{"version": {"1"}})
	wantStatus(t, p, http.StatusSeeOther)
	if app.supportStatus(own.ID) != models.SupportPlanned {
		t.Fatal("four eyes: own support approved")
	}
	p = sup.get("/test/casework/" + fmt.Sprint(cs.ID))
	if !strings.Contains(p.text(".flash"), "autre superviseur") {
		t.Errorf("four-eyes flash %q", p.text(".flash"))
	}
	if p.has(fmt.Sprintf(`[data-testid="support-%d"] [data-testid="approve"]`, own.ID)) || !p.has(fmt.Sprintf(`[data-testid="support-%d"] [data-testid="approve"]`, sp.ID)) {
		t.Error("approve buttons do not follow the four-eyes rule")
	}
	p = sup.post(views.SupportActionPath(cs.ID, sp.ID, "approve"), url.Values{"version": {"1"}})
	wantStatus(t, p, http.StatusSeeOther)
	if app.supportStatus(sp.ID) != models.SupportApproved {
		t.Fatal("not approved")
	}

	cw.get("/test/casework/" + fmt.Sprint(cs.ID))
	p = cw.post(views.SupportActionPath(cs.ID, sp.ID, "deliver"), url.Values{"version": {"2"}, "date": {""}})
	wantStatus(t, p, http.StatusUnprocessableEntity)
	if !p.has(`[data-testid="date-error"]`) {
		t.Error("no error beside the delivery date")
	}
	p = cw.post(views.SupportActionPath(cs.ID, sp.ID, "deliver"), url.Values{"version": {"2"}, "date": {"2021-02-25"}})
	wantStatus(t, p, http.StatusSeeOther)
	if app.supportStatus(sp.ID) != models.SupportDelivered || app.caseStatus(cs.ID) != models.StatusReintegration {
		t.Fatalf("support %s, case %s", app.supportStatus(sp.ID), app.caseStatus(cs.ID))
	}
	// The move the delivery made is written by the system: its note reads in the page's
	// language, never as the stored key or as English.
	if p := cw.get(views.CasePath(cs.ID)); !strings.Contains(p.text(`.timeline .notes`), "Première aide remise") ||
		strings.Contains(p.Body, "history.note") {
		t.Errorf("system note on the case file: %q", p.text(`.timeline .notes`))
	}
	p = cw.post(views.SupportActionPath(cs.ID, sp.ID, "cancel"), url.Values{"version": {"3"}, "reason": {"too late"}})
	wantStatus(t, p, http.StatusSeeOther)
	if app.supportStatus(sp.ID) != models.SupportDelivered {
		t.Fatal("delivered support cancelled")
	}
	p = cw.post(views.SupportActionPath(cs.ID, own.ID, "cancel"), url.Values{"version": {"1"}, "reason": {""}})
	wantStatus(t, p, http.StatusUnprocessableEntity)
	if !p.has(`[data-testid="reason-error"]`) {
		t.Error("no error beside the reason")
	}

	// The case file sections: totals per currency, timeline newest first with who.
	app.stores.Activities.Record(t.Context(), models.Actor{User: cwUser}, cwUser.Scope(), cs.ID, models.ActivityInput{Kind: "monitoring", Mode: "phone", Date: "2021-02-27", Note: "Shop opened"})
	p = cw.get("/test/casework/" + fmt.Sprint(cs.ID))
	wantStatus(t, p, http.StatusOK)
	if got := p.text(`[data-testid="total-MAD"] td`); !strings.Contains(got, "2 300,00 MAD") && !strings.Contains(got, "2 300,00 MAD") && !strings.Contains(got, "2 300,00 MAD") {
		t.Errorf("MAD total %q", got)
	}
	first := p.Doc.Find(`[data-testid="casework-timeline"] li`).First()
	if id, _ := first.Attr("data-testid"); !strings.HasPrefix(id, "timeline-activity-") || !strings.Contains(first.Text(), cwUser.Name) {
		t.Errorf("timeline starts with %q: %q", id, first.Text())
	}
}

func TestAnotherOfficesSubResourcesAreNotFound(t *testing.T) {
	app := newTestApp(t)
	cw, cwUser := app.signedIn("cw@example.org", models.RoleCaseworker, "RAB")
	sup, _ := app.signedIn("sup@example.org", models.RoleSupervisor, "RAB")
	casUser := app.user("cwcas@example.org", models.RoleCaseworker, "CAS")
	mine := app.insertCase("RAB", cwUser, models.StatusReturned, true)
	theirs := app.insertCase("CAS", casUser, models.StatusReturned, true)
	theirSupport := app.plan(casUser, theirs, "100")
	ref, err := app.stores.Referrals.Create(t.Context(), models.Actor{User: casUser}, casUser.Scope(), theirs.ID, models.ReferralInput{Partner: "ANAPEC", Purpose: "job", Date: "2021-02-01"})
	if err != nil {
		t.Fatal(err)
	}
	gs, err := app.stores.GroupSessions.Create(t.Context(), models.Actor{User: casUser}, casUser.Scope(), models.SessionInput{Kind: "training", Title: "Marketing", Date: "2021-02-10", Place: "Casa", Facilitator: "N."})
	if err != nil {
		t.Fatal(err)
	}
	cw.get(views.PathHome)
	sup.get(views.PathHome)
	posts := []struct {
		c    *client
		path string
		form url.Values
	}{
		{cw, views.CaseSupportPath(theirs.ID), url.Values{"type": {"cash"}, "description": {"x"}, "amount": {"1"}, "currency": {"MAD"}, "date": {"2021-02-01"}}},
		{cw, views.SupportActionPath(theirs.ID, theirSupport.ID, "cancel"), url.Values{"reason": {"x"}}},
		{cw, views.SupportActionPath(mine.ID, theirSupport.ID, "cancel"), url.Values{"reason": {"x"}}},
		{cw, views.SupportActionPath(mine.ID, theirSupport.ID, "deliver"), url.Values{"date": {"2021-02-01"}}},
		{sup, views.SupportActionPath(mine.ID, theirSupport.ID, "approve"), nil},
		{sup, views.SupportActionPath(theirs.ID, theirSupport.ID, "approve"), nil},
		{sup, views.SupportActionPath(mine.ID, theirSupport.ID, "send-back"), url.Values{"comment": {"x"}}},
		{cw, views.CaseActivitiesPath(theirs.ID), url.Values{"kind": {"counselling"}, "date": {"2021-02-01"}}},
		{cw, views.CaseReferralsPath(theirs.ID), url.Values{"partner": {"ANAPEC"}, "purpose": {"x"}, "date": {"2021-02-01"}}},
		{cw, views.ReferralPath(mine.ID, ref.ID), url.Values{"status": {"accepted"}}},
		{cw, views.ReferralPath(theirs.ID, ref.ID), url.Values{"status": {"accepted"}}},
		{cw, views.SessionAttendancePath(gs.ID), url.Values{"case_number": {mine.CaseNumber}}},
		{cw, views.SessionAttendancePath(gs.ID), url.Values{"remove": {fmt.Sprint(theirs.ID)}}},
		{cw, "/cases/abc/support", nil},
	}
	for _, tt := range posts {
		if p := tt.c.post(tt.path, tt.form); p.StatusCode != http.StatusNotFound {
			t.Errorf("POST %s: %d, want 404", tt.path, p.StatusCode)
		}
	}
	if p := cw.get(views.SessionPath(gs.ID)); p.StatusCode != http.StatusNotFound {
		t.Errorf("GET another office's session: %d", p.StatusCode)
	}
	if app.supportStatus(theirSupport.ID) != models.SupportPlanned {
		t.Error("another office's support changed")
	}
}

func TestAttendanceByCaseNumberThroughTheForm(t *testing.T) {
	app := newTestApp(t)
	cw, u := app.signedIn("cw@example.org", models.RoleCaseworker, "RAB")
	casUser := app.user("cwcas@example.org", models.RoleCaseworker, "CAS")
	a := app.insertCase("RAB", u, models.StatusRegistered, true)
	b := app.insertCase("RAB", u, models.StatusRegistered, true)
	other := app.insertCase("CAS", casUser, models.StatusRegistered, true)

	cw.get(views.PathNewSession)
	p := cw.post(views.PathSessions, url.Values{"kind": {"info_session"}, "title": {""}, "date": {"2021-03-03"}, "place": {"Rabat"}, "facilitator": {"Salma"}})
	wantStatus(t, p, http.StatusUnprocessableEntity)
	if !p.has(`[data-testid="title-error"]`) || p.has(`select[name="office"]`) {
		t.Error("session form: title error missing or office offered to a caseworker")
	}
	if v, _ := p.Doc.Find(`input[name="facilitator"]`).Attr("value"); v != "Salma" {
		t.Errorf("facilitator kept as %q", v)
	}
	p = cw.post(views.PathSessions, url.Values{"kind": {"info_session"}, "title": {"Retour : défis et opportunités"}, "date": {"2021-03-03"}, "place": {"Rabat"}, "facilitator": {"Salma"}})
	wantStatus(t, p, http.StatusSeeOther)
	var gs models.GroupSession
	app.stores.DB.Read.First(&gs)
	if p.location() != views.SessionPath(gs.ID) {
		t.Fatalf("redirect %q", p.location())
	}

	cw.get(views.SessionPath(gs.ID))
	typed := a.CaseNumber + "\n" + "RAB-2021-99999\n" + other.CaseNumber + "\n" + a.CaseNumber
	p = cw.post(views.SessionAttendancePath(gs.ID), url.Values{"case_number": {typed}})
	wantStatus(t, p, http.StatusUnprocessableEntity)
	for number, want := range map[string]string{"RAB-2021-99999": "RAB-2021-99999", other.CaseNumber: other.CaseNumber, a.CaseNumber: "deux fois"} {
		if got := p.text(`[data-testid="problem-` + number + `"]`); !strings.Contains(got, want) {
			t.Errorf("problem for %s: %q", number, got)
		}
	}
	if got := p.text(`textarea[name="case_number"]`); got != typed {
		t.Errorf("typed numbers kept as %q", got)
	}
	if p.has(`[data-testid="attendance-list"]`) {
		t.Error("attendance saved from a refused list")
	}
	p = cw.post(views.SessionAttendancePath(gs.ID), url.Values{"case_number": {a.CaseNumber, strings.ToLower(b.CaseNumber)}})
	wantStatus(t, p, http.StatusSeeOther)
	p = cw.get(views.SessionPath(gs.ID))
	if !p.has(`[data-testid="attendee-`+a.CaseNumber+`"]`) || !p.has(`[data-testid="attendee-`+b.CaseNumber+`"]`) {
		t.Fatal("attendees not listed")
	}
	p = cw.post(views.SessionAttendancePath(gs.ID), url.Values{"case_number": {b.CaseNumber}})
	wantStatus(t, p, http.StatusUnprocessableEntity)
	if got := p.text(`[data-testid="problem-` + b.CaseNumber + `"]`); !strings.Contains(got, "déjà") {
		t.Errorf("already attending: %q", got)
	}
	p = cw.get(views.PathSessions)
	if got := p.text(fmt.Sprintf(`[data-testid="session-%d"] [data-testid="attendee-count"]`, gs.ID)); got != "2" {
		t.Errorf("attendee count %q", got)
	}
}

func TestReferralRefusedWithoutConsentAndFollowedUp(t *testing.T) {
	app := newTestApp(t)
	cw, u := app.signedIn("cw@example.org", models.RoleCaseworker, "RAB")
	noConsent := app.insertCase("RAB", u, models.StatusReturned, false)
	cs := app.insertCase("RAB", u, models.StatusReturned, true)
	cw.get(views.PathHome)
	form := url.Values{"partner": {"OFPPT"}, "purpose": {"Formation en plomberie"}, "date": {"2021-02-15"}}
	p := cw.post(views.CaseReferralsPath(noConsent.ID), form)
	wantStatus(t, p, http.StatusUnprocessableEntity)
	if got := p.text(`[data-testid="consent-error"]`); !strings.Contains(got, "consenti") {
		t.Errorf("consent message %q", got)
	}
	if got := p.text(`textarea[name="purpose"]`); got != "Formation en plomberie" {
		t.Errorf("purpose kept as %q", got)
	}
	wantStatus(t, cw.post(views.CaseReferralsPath(cs.ID), form), http.StatusSeeOther)
	var r models.Referral
	app.stores.DB.Read.Where("case_id = ?", cs.ID).First(&r)
	p = cw.post(views.ReferralPath(cs.ID, r.ID), url.Values{"status": {"rejected"}, "version": {"1"}, "outcome": {"Liste d'attente"}})
	wantStatus(t, p, http.StatusUnprocessableEntity)
	if !p.has(`[data-testid="reason-error"]`) || p.text(`textarea[name="outcome"]`) != "Liste d'attente" {
		t.Error("rejection without a reason: error or input missing")
	}
	p = cw.post(views.ReferralPath(cs.ID, r.ID), url.Values{"status": {"accepted"}, "version": {"1"}, "satisfaction": {"4"}})
	wantStatus(t, p, http.StatusSeeOther)
	app.stores.DB.Read.First(&r, r.ID)
	if r.Status != models.ReferralAccepted || r.Satisfaction == nil || *r.Satisfaction != 4 {
		t.Fatalf("referral %+v", r)
	}
}

func TestApprovalsQueueInScopeAndBatchApprove(t *testing.T) {
	app := newTestApp(t)
	supUser := app.user("sup@example.org", models.RoleSupervisor, "RAB")
	cwUser := app.user("cw@example.org", models.RoleCaseworker, "RAB")
	casUser := app.user("cwcas@example.org", models.RoleCaseworker, "CAS")
	rab := app.insertCase("RAB", cwUser, models.StatusReturned, true)
	cas := app.insertCase("CAS", casUser, models.StatusReturned, true)
	week := []*models.Support{}
	for i := range 5 {
		week = append(week, app.plan(cwUser, rab, fmt.Sprint(1000+i)))
		app.clock.Advance(time.Hour)
	}
	theirs := app.plan(casUser, cas, "999")
	own := app.plan(supUser, rab, "50")
	ref, _ := app.stores.Referrals.Create(t.Context(), models.Actor{User: cwUser}, cwUser.Scope(), rab.ID, models.ReferralInput{Partner: "health", Purpose: "care", Date: "2020-12-01"})
	sup := app.client()
	sup.login("sup@example.org", testPassword)

	home := sup.get(views.PathHome)
	if got := home.text(`[data-testid="home-support-waiting"] .badge`); numbers.Replace(got) != "6 aides" {
		t.Errorf("home: support waiting %q, want 6 aides", got)
	}
	if !home.has(`[data-testid="home-referrals-overdue"]`) {
		t.Error("home: overdue referrals missing")
	}
	p := sup.get(views.PathApprovals)
	wantStatus(t, p, http.StatusOK)
	rows := p.Doc.Find(`[data-testid="approvals-table"] tbody tr`)
	if rows.Length() != 6 {
		t.Fatalf("queue has %d lines, want 6 (Rabat only)", rows.Length())
	}
	if id, _ := rows.First().Attr("data-testid"); id != fmt.Sprintf("queue-%d", week[0].ID) {
		t.Errorf("first line %s, want the oldest", id)
	}
	if p.has(fmt.Sprintf(`[data-testid="queue-%d"]`, theirs.ID)) || !p.has(fmt.Sprintf(`[data-testid="queue-%d"] [data-testid="own"]`, own.ID)) {
		t.Error("another office's support listed, or own support without the four-eyes note")
	}
	if !p.has(fmt.Sprintf(`[data-testid="overdue-%d"]`, ref.ID)) {
		t.Error("overdue referral not listed")
	}
	form := url.Values{}
	p.Doc.Find(`input[name="support_id"]`).Each(func(_ int, s *goquery.Selection) {
		v, _ := s.Attr("value")
		form.Add("support_id", v)
	})
	if len(form["support_id"]) != 5 {
		t.Fatalf("%d boxes, want 5", len(form["support_id"]))
	}
	p = sup.post(views.PathApprovals, form)
	wantStatus(t, p, http.StatusSeeOther)
	for _, sp := range week {
		if app.supportStatus(sp.ID) != models.SupportApproved {
			t.Errorf("support %d not approved", sp.ID)
		}
	}
	p = sup.get(views.PathApprovals)
	if got := p.text(".flash"); !strings.Contains(got, "5") {
		t.Errorf("flash %q", got)
	}
	// A selection with another office's support approves nothing.
	wantStatus(t, sup.post(views.PathApprovals, url.Values{"support_id": {fmt.Sprint(theirs.ID)}}), http.StatusSeeOther)
	if app.supportStatus(theirs.ID) != models.SupportPlanned {
		t.Error("another office's support approved")
	}
	// Send back from the queue: empty comment is refused beside the field.
	sup.get(views.PathApprovals)
	p = sup.post(views.SupportActionPath(rab.ID, own.ID, "send-back"), url.Values{"comment": {""}, "from": {"approvals"}})
	wantStatus(t, p, http.StatusUnprocessableEntity)
	if !p.has(`[data-testid="comment-error"]`) {
		t.Error("no error beside the comment")
	}
	p = sup.post(views.SupportActionPath(rab.ID, own.ID, "send-back"), url.Values{"comment": {"Devis manquant"}, "from": {"approvals"}})
	wantStatus(t, p, http.StatusSeeOther)
	if p.location() != views.PathApprovals {
		t.Errorf("send back from the queue returns to %q", p.location())
	}
	p = sup.get(views.PathApprovals)
	if p.has(fmt.Sprintf(`[data-testid="queue-%d"]`, own.ID)) {
		t.Error("sent-back support still in the queue")
	}
}

func TestCaseworkerHomeShowsDeliveriesMonitoringAndThisWeeksSessions(t *testing.T) {
	app := newTestApp(t) // Monday 1 March 2021
	cwUser := app.user("cw@example.org", models.RoleCaseworker, "RAB")
	supUser := app.user("sup@example.org", models.RoleSupervisor, "RAB")
	cs := app.insertCase("RAB", cwUser, models.StatusReintegration, true)
	sp := app.plan(cwUser, cs, "100")
	if err := app.stores.Support.Approve(t.Context(), models.Actor{User: supUser}, supUser.Scope(), cs.ID, sp.ID, 0); err != nil {
		t.Fatal(err)
	}
	for _, date := range []string{"2021-03-07", "2021-03-08"} {
		if _, err := app.stores.GroupSessions.Create(t.Context(), models.Actor{User: cwUser}, cwUser.Scope(), models.SessionInput{Kind: "info_session", Title: "Info", Date: date, Place: "Rabat", Facilitator: "S."}); err != nil {
			t.Fatal(err)
		}
	}
	cw := app.client()
	cw.login("cw@example.org", testPassword)
	p := cw.get(views.PathHome)
	for id, want := range map[string]string{"home-to-deliver": "1 aide", "home-monitoring-due": "1 dossier", "home-sessions-week": "1 séance"} {
		if got := numbers.Replace(p.text(`[data-testid="` + id + `"] .badge`)); got != want {
			t.Errorf("%s: %q, want %s", id, got, want)
		}
	}
	if p.has(`[data-testid="home-approvals"]`) {
		t.Error("a caseworker sees the approvals block")
	}
}

func TestActivityFormAndSessionOfficeChoice(t *testing.T) {
	app := newTestApp(t)
	cw, u := app.signedIn("cw@example.org", models.RoleCaseworker, "RAB")
	cs := app.insertCase("RAB", u, models.StatusReintegration, true)
	cw.get(views.PathHome)
	p := cw.post(views.CaseActivitiesPath(cs.ID), url.Values{"kind": {"monitoring"}, "date": {"2021-02-26"}, "note": {"Visite à Témara"}})
	wantStatus(t, p, http.StatusUnprocessableEntity)
	if !p.has(`[data-testid="mode-error"]`) || p.text(`textarea[name="note"]`) != "Visite à Témara" {
		t.Error("monitoring without a mode: error or note missing")
	}
	p = cw.post(views.CaseActivitiesPath(cs.ID), url.Values{"kind": {"monitoring"}, "mode": {"in_person"}, "date": {"2021-02-26"}, "note": {"Visite à Témara"}})
	wantStatus(t, p, http.StatusSeeOther)

	app.office("CAS")
	hq, _ := app.signedIn("hq@example.org", models.RoleSupervisor, "")
	p = hq.get(views.PathNewSession)
	if !p.has(`select[name="office"]`) {
		t.Fatal("an all-offices supervisor is not offered the office")
	}
	form := url.Values{"kind": {"training"}, "title": {"Entrepreneuriat"}, "date": {"2021-03-10"}, "place": {"Casablanca"}, "facilitator": {"Youssef"}}
	p = hq.post(views.PathSessions, form)
	wantStatus(t, p, http.StatusUnprocessableEntity)
	if !p.has(`[data-testid="office-error"]`) {
		t.Error("no error beside the office")
	}
	cas := app.office("CAS")
	form.Set("office", fmt.Sprint(cas.ID))
	wantStatus(t, hq.post(views.PathSessions, form), http.StatusSeeOther)
	var gs models.GroupSession
	app.stores.DB.Read.Where("title = ?", "Entrepreneuriat").First(&gs)
	if gs.OfficeID != cas.ID {
		t.Errorf("session in office %d, want %d", gs.OfficeID, cas.ID)
	}
}
