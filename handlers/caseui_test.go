package handlers

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"awda/models"
	"awda/views"
)

func TestNextActionFollowsTheWorkflowAndTheCasework(t *testing.T) {
	cw := &models.User{ID: 1, Role: models.RoleCaseworker}
	sup := &models.User{ID: 2, Role: models.RoleSupervisor}
	admin := &models.User{ID: 3, Role: models.RoleAdmin}
	support := func(status models.SupportStatus, plannedBy uint) models.Support {
		return models.Support{ID: 7, Status: status, PlannedByID: plannedBy}
	}
	counselling := []models.Activity{{Kind: "counselling"}}
	tests := []struct {
		name       string
		status     models.CaseStatus
		user       *models.User
		activities []models.Activity
		support    []models.Support
		want       string
		wait       bool
		href       string
	}{
		{"registered, not counselled yet", models.StatusRegistered, cw, nil, nil, "record-counselling", false, "/cases/9?open=counselling#activity-record"},
		{"registered, only a monitoring visit", models.StatusRegistered, cw, []models.Activity{{Kind: "monitoring"}}, nil, "record-counselling", false, ""},
		{"registered and counselled", models.StatusRegistered, cw, counselling, nil, "move-counselled", false, "/cases/9?open=step-counselled#step-counselled"},
		{"counselled, caseworker waits", models.StatusCounselled, cw, counselling, nil, "wait-counselled", true, ""},
		{"counselled, supervisor approves", models.StatusCounselled, sup, counselling, nil, "move-approved", false, "/cases/9?open=step-approved#step-approved"},
		{"approved", models.StatusApproved, cw, counselling, nil, "move-returned", false, "/cases/9?open=step-returned#step-returned"},
		{"returned without support", models.StatusReturned, cw, nil, nil, "plan-support", false, "/cases/9?open=support#support-plan"},
		{"returned, only cancelled support", models.StatusReturned, cw, nil, []models.Support{support(models.SupportCancelled, 1)}, "plan-support", false, ""},
		{"support planned, caseworker waits", models.StatusReturned, cw, nil, []models.Support{support(models.SupportPlanned, 1)}, "wait-support", true, ""},
		{"support planned, supervisor approves", models.StatusReturned, sup, nil, []models.Support{support(models.SupportPlanned, 1)}, "approve-support", false, "/cases/9#support-7"},
		{"own planned support, supervisor waits", models.StatusReturned, sup, nil, []models.Support{support(models.SupportPlanned, 2)}, "wait-support", true, ""},
		{"support approved", models.StatusReturned, cw, nil, []models.Support{support(models.SupportApproved, 1)}, "deliver-support", false, "/cases/9#support-7"},
		{"in reintegration, support delivered", models.StatusReintegration, cw, nil, []models.Support{support(models.SupportDelivered, 1)}, "record-monitoring", false, "/cases/9?open=monitoring#activity-record"},
		{"closed, caseworker", models.StatusClosed, cw, nil, nil, "", false, ""},
		{"closed, supervisor reopens", models.StatusClosed, sup, nil, nil, "move-reopen", false, "/cases/9?open=step-reopen#step-reopen"},
		{"administrator", models.StatusRegistered, admin, nil, nil, "", false, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cs := &models.Case{ID: 9, Status: tc.status}
			got := nextAction(cs, &models.CaseFile{Case: cs, Activities: tc.activities, Support: tc.support}, tc.user)
			if got.ID != tc.want || got.Wait != tc.wait {
				t.Fatalf("next action %q (wait %v), want %q (wait %v)", got.ID, got.Wait, tc.want, tc.wait)
			}
			if tc.href != "" && got.Href != tc.href {
				t.Errorf("href %q, want %q", got.Href, tc.href)
			}
			if tc.want != "" && got.Key == "" || got.Wait && got.Href != "" {
				t.Errorf("action %+v: no label, or a waiting note with a link", got)
			}
		})
	}
}

func TestCaseFileHeaderShowsThePersonStageAndNextAction(t *testing.T) {
	app := newTestApp(t)
	cw, u := app.signedIn("cw@example.org", models.RoleCaseworker, "RAB")
	form := caseForm("Camara", "Aïssatou")
	form.Set("assigned_to", fmt.Sprint(u.ID))
	form.Set("return_country", "SN")
	id := register(t, cw, form)
	p := cw.get(views.CasePath(id))
	wantStatus(t, p, http.StatusOK)
	head := p.Doc.Find(`[data-testid="case-header"]`)
	if head.Length() != 1 {
		t.Fatal("no case header")
	}
	checks := map[string]string{
		"case-name":        "Camara Aïssatou",
		"case-age":         "24 ans", // born 14 May 1996, seen on 1 March 2021
		"case-nationality": "Guinée",
		"case-status":      "Enregistré",
		"case-assigned":    u.Name,
		"case-office":      "RAB office",
		"next-action":      "Enregistrer l'entretien de conseil",
	}
	for id, want := range checks {
		if got := strings.TrimSpace(head.Find(`[data-testid="` + id + `"]`).First().Text()); !strings.Contains(got, want) {
			t.Errorf("header %s = %q, want %q", id, got, want)
		}
	}
	if got := head.Find(`[data-testid="case-nationality"]`).Text(); !strings.Contains(got, "Sénégal") {
		t.Errorf("no return country in %q", got)
	}
	if got := head.Find(`[data-testid="case-meta"]`).Text(); !strings.Contains(got, "Féminin") || !strings.Contains(got, "Départ du Maroc") {
		t.Errorf("meta %q lacks the sex or the direction", got)
	}
	if n := head.Find(`[data-testid="vulnerabilities"] li`).Length(); n != 2 {
		t.Errorf("%d vulnerabilities in the header, want 2", n)
	}
	next := head.Find(`a[data-testid="next-action"]`)
	if href, _ := next.Attr("href"); href != views.CasePath(id)+"?open=counselling#activity-record" {
		t.Errorf("next action leads to %q", href)
	}
	if role, _ := next.Attr("role"); role != "button" {
		t.Error("the next action is not a button")
	}
	// The header comes first, before the profile's fifteen rows.
	if p.Doc.Find(`main [data-testid="case-header"] ~ [id="profile"]`).Length() != 1 {
		t.Error("the profile does not come after the header")
	}
	// The section menu links to sections that exist.
	links := p.Doc.Find(`[data-testid="case-nav"] a`)
	if links.Length() != 7 {
		t.Errorf("%d section links, want 7", links.Length())
	}
	links.Each(func(_ int, a *goquery.Selection) {
		href, _ := a.Attr("href")
		if !strings.HasPrefix(href, "#") || p.Doc.Find(`[id="`+href[1:]+`"]`).Length() != 1 {
			t.Errorf("section link %q has no target", href)
		}
	})
	// The next action's link opens the activity form with counselling chosen.
	p = cw.get(views.CasePath(id) + "?open=counselling")
	if !p.has(`details#activity-record[open]`) || !p.has(`#activity-kind option[value="counselling"][selected]`) {
		t.Error("the counselling form is not open with its kind chosen")
	}
	if p = cw.get(views.CasePath(id) + "?open=step-counselled"); !p.has(`details#step-counselled[open]`) {
		t.Error("the move's form is not open")
	}
	// Every casework form opens from a button, not a text link.
	for _, sel := range []string{`#support-plan > summary`, `#activity-record > summary`} {
		if role, _ := p.Doc.Find(sel).Attr("role"); role != "button" {
			t.Errorf("%s is not styled as a button", sel)
		}
	}
}

func TestCaseFileTimelineIsOneListNewestFirstFilteredByKind(t *testing.T) {
	app := newTestApp(t)
	cw, u := app.signedIn("cw@example.org", models.RoleCaseworker, "RAB")
	id := register(t, cw, caseForm("Bah", "Oumou"))
	actor := models.Actor{User: u}
	if _, err := app.stores.Activities.Record(t.Context(), actor, u.Scope(), id, models.ActivityInput{Kind: "counselling", Date: "2021-02-26", Note: "First talk"}); err != nil {
		t.Fatal(err)
	}
	wantStatus(t, moveForm(t, app, cw, id, "counselled", url.Values{"date": {"2021-02-27"}}), http.StatusSeeOther)
	if _, err := app.stores.Activities.Record(t.Context(), actor, u.Scope(), id, models.ActivityInput{Kind: "psychosocial", Date: "2021-02-28", Note: "Second talk"}); err != nil {
		t.Fatal(err)
	}
	p := cw.get(views.CasePath(id))
	items := p.Doc.Find(`#history ol.timeline > li`)
	var kinds, dates []string
	items.Each(func(_ int, li *goquery.Selection) {
		k, _ := li.Attr("data-kind")
		d, _ := li.Find("time").Attr("datetime")
		kinds, dates = append(kinds, k), append(dates, d)
	})
	// Registered on the clock's day (1 March 2021), then the three dated entries.
	want := []string{"status", "activity", "status", "activity"}
	if strings.Join(kinds, ",") != strings.Join(want, ",") {
		t.Fatalf("timeline kinds %v (dates %v), want %v", kinds, dates, want)
	}
	for i := 1; i < len(dates); i++ {
		if dates[i] > dates[i-1] {
			t.Errorf("timeline not newest first: %v", dates)
		}
	}
	if p.Doc.Find(`[data-testid="history"]`).Length() != 0 || p.Doc.Find(`ol.timeline`).Length() != 1 {
		t.Error("more than one timeline on the case file")
	}
	if got := p.text(`[data-testid="timeline-status"]`); !strings.Contains(got, "(2)") {
		t.Errorf("status filter %q, want a count of 2", got)
	}
	if href, _ := p.Doc.Find(`[data-testid="timeline-activity"]`).Attr("href"); href != views.CasePath(id)+"?timeline=activity#history" {
		t.Errorf("activity filter links to %q", href)
	}
	if _, ok := p.Doc.Find(`[data-testid="timeline-all"]`).Attr("aria-current"); !ok {
		t.Error("the unfiltered timeline is not marked current")
	}
	p = cw.get(views.CasePath(id) + "?timeline=activity")
	items = p.Doc.Find(`#history ol.timeline > li`)
	if items.Length() != 2 || items.Filter(`[data-kind="activity"]`).Length() != 2 {
		t.Errorf("filtered to activities: %d entries", items.Length())
	}
	if !strings.Contains(items.First().Text(), "Second talk") {
		t.Errorf("filtered timeline starts with %q", items.First().Text())
	}
	if _, ok := p.Doc.Find(`[data-testid="timeline-activity"]`).Attr("aria-current"); !ok {
		t.Error("the chosen kind is not marked current")
	}
	// An unknown kind shows everything.
	if n := cw.get(views.CasePath(id) + "?timeline=nope").Doc.Find(`#history ol.timeline > li`).Length(); n != 4 {
		t.Errorf("unknown kind: %d entries, want 4", n)
	}
}

func TestCaseListShowsChipsCountClearAllAndCards(t *testing.T) {
	app := newTestApp(t)
	sup, u := app.signedIn("sup@example.org", models.RoleSupervisor, "RAB")
	a := app.insertCase("RAB", u, models.StatusRegistered, true)
	b := app.insertCase("RAB", u, models.StatusRegistered, true)
	app.insertCase("RAB", u, models.StatusCounselled, true)
	app.stores.DB.Write.Model(&models.Case{}).Where("id IN ?", []uint{a.ID, b.ID}).
		Updates(map[string]any{"assigned_to_id": u.ID, "updated_at": testStart.Add(-3 * 24 * time.Hour)})

	p := sup.get(views.PathCases)
	wantStatus(t, p, http.StatusOK)
	if p.has(`[role="search"]`) || !p.has(`search form[data-testid="case-filters"]`) {
		t.Error("the filters are still Pico's one-row search group")
	}
	if _, open := p.Doc.Find(`[data-testid="filter-fold"]`).Attr("open"); open || p.has(`[data-testid="active-filters"]`) {
		t.Error("no filter active, yet the fold is open or chips are shown")
	}
	if got := p.text(`[data-testid="case-total"]`); got != "3 dossiers" {
		t.Errorf("count %q", got)
	}

	p = sup.get(views.PathCases + "?status=registered&direction=inbound&sort=name&page=1")
	if got := p.text(`[data-testid="case-total"]`); got != "2 dossiers" {
		t.Errorf("filtered count %q", got)
	}
	if _, open := p.Doc.Find(`[data-testid="filter-fold"]`).Attr("open"); !open {
		t.Error("filters active, yet the fold is closed")
	}
	chip := p.Doc.Find(`[data-testid="chip-status"]`)
	if !strings.Contains(chip.Text(), "Étape") || !strings.Contains(chip.Text(), "Enregistré") {
		t.Errorf("status chip %q", chip.Text())
	}
	href, _ := chip.Attr("href")
	u1, _ := url.Parse(href)
	if u1.Path != views.PathCases || u1.Query().Has("status") || u1.Query().Get("direction") != "inbound" || u1.Query().Get("sort") != "name" || u1.Query().Has("page") {
		t.Errorf("removing the status leads to %q", href)
	}
	if got := p.text(`[data-testid="chip-direction"]`); !strings.Contains(got, "Retour d'un Marocain") {
		t.Errorf("direction chip %q", got)
	}
	if p.has(`[data-testid="chip-sort"]`) || p.has(`[data-testid="chip-page"]`) {
		t.Error("sort or page shown as a filter")
	}
	if clear, _ := p.Doc.Find(`[data-testid="clear-filters"]`).Attr("href"); clear != views.PathCases+"?sort=name" {
		t.Errorf("clear all leads to %q", clear)
	}
	if got := sup.get(href).text(`[data-testid="case-total"]`); got != "3 dossiers" {
		t.Errorf("after removing the status chip: %q", got)
	}

	// Each row carries what its card shows: number, name, stage, caseworker, wait.
	row := p.Doc.Find(`[data-testid="case-row"]`).First()
	for _, sel := range []string{`.c-num a bdi`, `.c-name`, `.c-stage .badge.registered`, `[data-testid="card-worker"]`, `[data-testid="card-waiting"]`} {
		if strings.TrimSpace(row.Find(sel).Text()) == "" {
			t.Errorf("card without %s", sel)
		}
	}
	if got := strings.TrimSpace(row.Find(`[data-testid="card-waiting"]`).Text()); got != "3 j" {
		t.Errorf("days waiting %q, want 3 j", got)
	}
	if !strings.Contains(row.Find(`[data-testid="card-worker"]`).Text(), u.Name) {
		t.Error("card without the caseworker")
	}
	if !p.has(`[data-testid="reassign-form"] input[name="case_id"]`) {
		t.Error("the supervisor lost the reassignment form")
	}
}

func TestCaseFormPutsConsentFirstAndMarksRequiredFields(t *testing.T) {
	app := newTestApp(t)
	cw, _ := app.signedIn("cw@example.org", models.RoleCaseworker, "RAB")
	p := cw.get(views.PathNewCase)
	wantStatus(t, p, http.StatusOK)
	first := p.Doc.Find(`form[data-testid="case-form"] fieldset`).First()
	if !first.Is(`[data-testid="consent-fields"]`) || first.Find(`[name="consent_date"]`).Length() != 1 || first.Find(`[name="consent_share"]`).Length() != 1 {
		t.Error("consent is not the form's first fieldset")
	}
	for _, name := range []string{"direction", "family_name", "given_name", "sex", "nationality", "return_country", "consent_date"} {
		if !p.has(`[name="` + name + `"][required]`) {
			t.Errorf("%s not marked required", name)
		}
	}
	if n := p.Doc.Find(`h1`).Length(); n != 1 {
		t.Errorf("%d titles on the form", n)
	}
}
