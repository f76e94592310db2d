package handlers

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"awda/models"
	"awda/models/dbtest"
	"awda/views"
)

// approvalsFixture is a queue of 60 support plans, oldest first: 55 in Rabat, then 5 in
// Casablanca; a supervisor of every office, one of Rabat, and the order of the plans.
type approvalsFixture struct {
	app        *testApp
	hq, rabSup *client
	rab, cas   []*models.Support
	rabCase    *models.Case
}

func newApprovalsFixture(t *testing.T) *approvalsFixture {
	app := newTestApp(t)
	cw := app.user("cw@example.org", models.RoleCaseworker, "RAB")
	cwCas := app.user("cwcas@example.org", models.RoleCaseworker, "CAS")
	f := &approvalsFixture{app: app, rabCase: app.insertCase("RAB", cw, models.StatusReturned, true)}
	casCase := app.insertCase("CAS", cwCas, models.StatusReturned, true)
	for i := range 60 {
		if i < 55 {
			f.rab = append(f.rab, app.plan(cw, f.rabCase, fmt.Sprint(100+i)))
		} else {
			f.cas = append(f.cas, app.plan(cwCas, casCase, fmt.Sprint(100+i)))
		}
		app.clock.Advance(time.Minute)
	}
	f.hq, _ = app.signedIn("hq@example.org", models.RoleSupervisor, "")
	f.rabSup, _ = app.signedIn("sup@example.org", models.RoleSupervisor, "RAB")
	return f
}

// queueIDs are the support ids of a queue page's lines, in order.
func queueIDs(p *page) []string {
	var out []string
	p.Doc.Find(`[data-testid="approvals-table"] tbody tr`).Each(func(_ int, s *goquery.Selection) {
		id, _ := s.Attr("data-testid")
		out = append(out, strings.TrimPrefix(id, "queue-"))
	})
	return out
}

// queueBoxes are the values of a queue page's boxes, ticked or not.
func queueBoxes(p *page) []string {
	var out []string
	p.Doc.Find(`input[form="batch-approve"][name="support_id"]`).Each(func(_ int, s *goquery.Selection) {
		out = append(out, s.AttrOr("value", ""))
	})
	return out
}

func supportIDs(list []*models.Support) []string {
	out := make([]string, len(list))
	for i, sp := range list {
		out[i] = fmt.Sprint(sp.ID)
	}
	return out
}

// bdiTexts are the values isolated in <bdi> inside the element matched by selector.
func bdiTexts(p *page, selector string) []string {
	var out []string
	p.Doc.Find(selector + " bdi").Each(func(_ int, s *goquery.Selection) { out = append(out, s.Text()) })
	return out
}

// batchForm is what the page's approve button sends: its hidden fields and the ticked
// boxes tied to the batch form (the CSRF token is added by post).
func batchForm(p *page) url.Values {
	form := url.Values{}
	p.Doc.Find(`#batch-approve input[type="hidden"], input[form="batch-approve"][checked]`).Each(func(_ int, s *goquery.Selection) {
		name, _ := s.Attr("name")
		value, _ := s.Attr("value")
		if name != "_csrf" {
			form.Add(name, value)
		}
	})
	return form
}

func TestApprovalsPagesShowTheTrueTotal(t *testing.T) {
	f := newApprovalsFixture(t)
	all := append(supportIDs(f.rab), supportIDs(f.cas)...)

	p := f.hq.get(views.PathApprovals)
	wantStatus(t, p, http.StatusOK)
	if got := queueIDs(p); !slices.Equal(got, all[:50]) {
		t.Fatalf("page 1 has %d lines %v, want the 50 oldest", len(got), got)
	}
	if got := p.text(`[data-testid="approvals-total"]`); !strings.Contains(got, "60") {
		t.Errorf("heading %q, want the whole queue's 60", got)
	}
	if got := bdiTexts(p, `[data-testid="approvals-rows"]`); !slices.Equal(got, []string{"1", "50", "60"}) {
		t.Errorf("rows %v, want 1 to 50 of 60", got)
	}
	if p.has(`[data-testid="page-prev"]`) {
		t.Error("page 1 links to a previous page")
	}
	next, _ := p.Doc.Find(`[data-testid="page-next"]`).Attr("href")
	if next != "/approvals?page=2" {
		t.Fatalf("next page link %q", next)
	}

	p = f.hq.get(next)
	if got := queueIDs(p); !slices.Equal(got, all[50:]) {
		t.Fatalf("page 2 has %v, want the 10 newest", got)
	}
	if got := bdiTexts(p, `[data-testid="approvals-rows"]`); !slices.Equal(got, []string{"51", "60", "60"}) {
		t.Errorf("rows %v, want 51 to 60 of 60", got)
	}
	if prev, _ := p.Doc.Find(`[data-testid="page-prev"]`).Attr("href"); prev != views.PathApprovals || p.has(`[data-testid="page-next"]`) {
		t.Errorf("page 2: previous %q, or a next page", prev)
	}
	// The page offers only its own lines, none ticked, and sends its place in the queue.
	form := batchForm(p)
	if got := queueBoxes(p); !slices.Equal(got, all[50:]) || form.Has("support_id") || form.Get("page") != "2" || form.Has("office") {
		t.Errorf("page 2's boxes %v, batch form sends %v", got, form)
	}

	// A page that is not a number, or before the first, is the first; one past the
	// end is the last.
	for query, want := range map[string][]string{
		"?page=abc": all[:50], "?page=0": all[:50], "?page=-3": all[:50], "?page=1.5": all[:50],
		"?page=3": all[50:], "?page=99999999999999999999": all[50:], "?page=999999": all[50:],
	} {
		p := f.hq.get(views.PathApprovals + query)
		wantStatus(t, p, http.StatusOK)
		if got := queueIDs(p); !slices.Equal(got, want) {
			t.Errorf("%s shows %d lines, want %d", query, len(got), len(want))
		}
	}
}

func TestApprovalsOfficeFilterNarrowsTheScope(t *testing.T) {
	f := newApprovalsFixture(t)

	p := f.hq.get(views.PathApprovals)
	var offices []string
	p.Doc.Find(`[data-testid="approvals-filter"] select[name="office"] option`).Each(func(_ int, s *goquery.Selection) {
		v, _ := s.Attr("value")
		offices = append(offices, v)
	})
	if !slices.Equal(offices, []string{"", "CAS", "RAB"}) {
		t.Fatalf("office choices %v", offices)
	}

	p = f.hq.get(views.ApprovalsPath("CAS", 1))
	if got := queueIDs(p); !slices.Equal(got, supportIDs(f.cas)) {
		t.Fatalf("Casablanca's queue %v", got)
	}
	if got := p.text(`[data-testid="approvals-total"]`); !strings.Contains(got, "5") || strings.Contains(got, "60") {
		t.Errorf("Casablanca's heading %q", got)
	}
	if v, _ := p.Doc.Find(`select[name="office"] option[selected]`).Attr("value"); v != "CAS" || p.has(`[data-testid="approvals-rows"]`) {
		t.Errorf("filter shows %q selected, or rows of one page", v)
	}

	// A lower-case code works; the pages keep the office.
	p = f.hq.get("/approvals?office=rab")
	if got := queueIDs(p); !slices.Equal(got, supportIDs(f.rab[:50])) {
		t.Fatalf("Rabat's first page %d lines", len(got))
	}
	if got := bdiTexts(p, `[data-testid="approvals-rows"]`); !slices.Equal(got, []string{"1", "50", "55"}) {
		t.Errorf("Rabat's rows %v", got)
	}
	next, _ := p.Doc.Find(`[data-testid="page-next"]`).Attr("href")
	if next != "/approvals?office=RAB&page=2" {
		t.Fatalf("Rabat's next page %q", next)
	}
	if got := queueIDs(f.hq.get(next)); !slices.Equal(got, supportIDs(f.rab[50:])) {
		t.Errorf("Rabat's second page %v", got)
	}

	// An unknown code is ignored with a message: the whole queue is shown.
	p = f.hq.get("/approvals?office=ZZZ")
	wantStatus(t, p, http.StatusOK)
	if !p.has(`[data-testid="office-unknown"]`) || !strings.Contains(p.text(`[data-testid="approvals-total"]`), "60") {
		t.Errorf("unknown office: message %v, heading %q", p.has(`[data-testid="office-unknown"]`), p.text(`[data-testid="approvals-total"]`))
	}
	wantStatus(t, f.hq.get("/approvals?office=%3Cscript%3E&page=%00"), http.StatusOK)
}

func TestOneOfficeSupervisorCannotFilterAnotherOffice(t *testing.T) {
	f := newApprovalsFixture(t)
	p := f.rabSup.get(views.PathApprovals)
	if p.has(`[data-testid="approvals-filter"]`) {
		t.Error("a supervisor of one office is offered the office filter")
	}
	for _, path := range []string{views.ApprovalsPath("CAS", 1), "/approvals?office=cas&page=2"} {
		p := f.rabSup.get(path)
		wantStatus(t, p, http.StatusOK)
		for _, id := range supportIDs(f.cas) {
			if p.has(`[data-testid="queue-` + id + `"]`) {
				t.Fatalf("%s shows Casablanca's support %s to a Rabat supervisor", path, id)
			}
		}
		if !p.has(`[data-testid="office-unknown"]`) || !strings.Contains(p.text(`[data-testid="approvals-total"]`), "55") {
			t.Errorf("%s: message %v, heading %q", path, p.has(`[data-testid="office-unknown"]`), p.text(`[data-testid="approvals-total"]`))
		}
		if p.has(`input[name="office"]`) {
			t.Errorf("%s: the forms carry the refused office", path)
		}
	}
	// Their own office's code is accepted.
	if p := f.rabSup.get(views.ApprovalsPath("RAB", 2)); p.has(`[data-testid="office-unknown"]`) || len(queueIDs(p)) != 5 {
		t.Errorf("Rabat's own code: message %v, %d lines", p.has(`[data-testid="office-unknown"]`), len(queueIDs(p)))
	}
}

func TestApprovalsActionsReturnToTheSameOfficeAndPage(t *testing.T) {
	f := newApprovalsFixture(t)
	here := views.ApprovalsPath("RAB", 2)

	// Send back from page 2 of Rabat: an empty comment shows the form alone, which keeps
	// the place; a comment returns there.
	p := f.hq.get(here)
	sp := f.rab[51]
	p = f.hq.post(views.SupportActionPath(f.rabCase.ID, sp.ID, "send-back"), url.Values{
		"comment": {""}, "from": {"approvals"}, "office": {"RAB"}, "page": {"2"}, "version": {"1"}})
	wantStatus(t, p, http.StatusUnprocessableEntity)
	office, _ := p.Doc.Find(`[data-testid="support-move-form"] input[name="office"]`).Attr("value")
	page, _ := p.Doc.Find(`[data-testid="support-move-form"] input[name="page"]`).Attr("value")
	if office != "RAB" || page != "2" {
		t.Errorf("the send-back form alone carries office %q, page %q", office, page)
	}
	p = f.hq.post(views.SupportActionPath(f.rabCase.ID, sp.ID, "send-back"), url.Values{
		"comment": {"Devis manquant"}, "from": {"approvals"}, "office": {"RAB"}, "page": {"2"}, "version": {"1"}})
	wantStatus(t, p, http.StatusSeeOther)
	if p.location() != here {
		t.Errorf("send back returns to %q, want %q", p.location(), here)
	}

	// Every line of the page ticked at once (the way without JavaScript): the batch
	// approval sends the page's own lines and returns to the page.
	p = f.hq.get(here)
	link, _ := p.Doc.Find(`[data-testid="select-all-link"]`).Attr("href")
	if link != here+"&select=all" {
		t.Fatalf("select-all link %q", link)
	}
	p = f.hq.get(link)
	form := batchForm(p)
	if want := []string{fmt.Sprint(f.rab[50].ID), fmt.Sprint(f.rab[52].ID), fmt.Sprint(f.rab[53].ID), fmt.Sprint(f.rab[54].ID)}; !slices.Equal(form["support_id"], want) {
		t.Fatalf("page 2 of Rabat sends %v, want %v", form["support_id"], want)
	}
	p = f.hq.post(views.PathApprovals, form)
	wantStatus(t, p, http.StatusSeeOther)
	if p.location() != here {
		t.Errorf("batch approval returns to %q, want %q", p.location(), here)
	}
	for _, sp := range f.rab[:50] {
		if f.app.supportStatus(sp.ID) != models.SupportPlanned {
			t.Fatalf("support %d of page 1 approved from page 2", sp.ID)
		}
	}
	// Rabat now fits on one page: its page 2 shows the last page, the first.
	p = f.hq.get(p.location())
	wantStatus(t, p, http.StatusOK)
	if got := queueIDs(p); !slices.Equal(got, supportIDs(f.rab[:50])) || !p.has(`[data-testid="flash-success"]`) {
		t.Errorf("after the approval: %d lines, flash %q", len(got), p.text(".flash"))
	}

	// Nothing ticked: a message, same place.
	p = f.hq.post(views.PathApprovals, url.Values{"office": {"CAS"}, "page": {"1"}})
	if p.location() != views.ApprovalsPath("CAS", 1) {
		t.Errorf("empty selection returns to %q", p.location())
	}
	// What is posted back is checked: only an office code and a page number, and the
	// answer is always the queue on this site.
	for _, bad := range []url.Values{
		{"office": {"//evil.example"}, "page": {"2"}},
		{"office": {"https://evil.example/"}, "page": {"-1"}},
		{"office": {"RAB\r\nX: y"}, "page": {"2x"}},
		{},
	} {
		want := views.PathApprovals
		if bad.Get("page") == "2" {
			want = "/approvals?page=2"
		}
		bad.Set("support_id", fmt.Sprint(f.cas[0].ID))
		p := f.hq.post(views.PathApprovals, bad)
		if p.StatusCode != http.StatusSeeOther || p.location() != want {
			t.Errorf("posted %v: %d to %q, want %q", bad, p.StatusCode, p.location(), want)
		}
	}
}

// Nothing is ticked on arrival; three lines chosen on a page of fifty are approved, and
// only they; a line approved alone with its own button keeps its version check.
func TestApprovalsApproveExactlyTheChosenLines(t *testing.T) {
	f := newApprovalsFixture(t)
	p := f.hq.get(views.PathApprovals)
	wantStatus(t, p, http.StatusOK)
	if n := p.Doc.Find(`[checked]`).Length(); n != 0 {
		t.Fatalf("%d elements checked on arrival", n)
	}
	if strings.Contains(p.Body, " checked") {
		t.Error("the page's HTML has a checked attribute")
	}
	if got := p.text(`[data-testid="bar-count"]`); got != "0" {
		t.Errorf("bar count %q on arrival", got)
	}
	chosen := []*models.Support{f.rab[3], f.rab[17], f.rab[42]}
	form := batchForm(p)
	for _, sp := range chosen {
		form.Add("support_id", fmt.Sprint(sp.ID))
	}
	p = f.hq.post(views.PathApprovals, form)
	wantStatus(t, p, http.StatusSeeOther)
	approved := 0
	for _, sp := range append(append([]*models.Support{}, f.rab...), f.cas...) {
		st := f.app.supportStatus(sp.ID)
		want := models.SupportPlanned
		if slices.Contains(chosen, sp) {
			want = models.SupportApproved
		}
		if st != want {
			t.Errorf("support %d is %s, want %s", sp.ID, st, want)
		}
		if st == models.SupportApproved {
			approved++
		}
	}
	p = f.hq.get(p.location())
	if approved != 3 || !strings.Contains(p.text(`[data-testid="flash-success"]`), "3") {
		t.Errorf("%d approved, flash %q", approved, p.text(".flash"))
	}
	if got := queueIDs(p); len(got) != 50 || slices.Contains(got, fmt.Sprint(chosen[0].ID)) {
		t.Errorf("queue after approving: %d lines", len(got))
	}

	// One line, with its own button: its form approves that support alone.
	sp := f.rab[5]
	one := p.Doc.Find(fmt.Sprintf(`[data-testid="queue-%d"] [data-testid="approve-one-form"]`, sp.ID))
	action, _ := one.Attr("action")
	vals := url.Values{}
	one.Find(`input[type="hidden"]`).Each(func(_ int, s *goquery.Selection) {
		if n := s.AttrOr("name", ""); n != "_csrf" {
			vals.Add(n, s.AttrOr("value", ""))
		}
	})
	if action != views.SupportActionPath(f.rabCase.ID, sp.ID, "approve") || vals.Get("version") != "1" || vals.Get("from") != "approvals" {
		t.Fatalf("approve form %q sends %v", action, vals)
	}
	p = f.hq.post(action, vals)
	wantStatus(t, p, http.StatusSeeOther)
	if p.location() != views.PathApprovals || f.app.supportStatus(sp.ID) != models.SupportApproved || f.app.supportStatus(f.rab[6].ID) != models.SupportPlanned {
		t.Errorf("approve one: to %q, status %s", p.location(), f.app.supportStatus(sp.ID))
	}
	// The same form sent again (a stale page): refused, nothing changes.
	p = f.hq.post(action, vals)
	wantStatus(t, p, http.StatusSeeOther)
	if p = f.hq.get(p.location()); !p.has(`[data-testid="flash-error"]`) {
		t.Errorf("a stale approval is not refused: %q", p.text(".flash"))
	}
}

// The whole page ticked at once shows the count and the totals per currency in the
// bar, never summed across currencies.
func TestApprovalsSelectAllTotalsPerCurrency(t *testing.T) {
	app := newTestApp(t)
	cw := app.user("cw@example.org", models.RoleCaseworker, "RAB")
	cs := app.insertCase("RAB", cw, models.StatusReturned, true)
	app.plan(cw, cs, "1 000,50")
	app.plan(cw, cs, "500")
	if _, err := app.stores.Support.Plan(t.Context(), models.Actor{User: cw}, cw.Scope(), cs.ID, models.SupportInput{
		Type: "cash", Description: "Loyer", Amount: "250 000", Currency: "XOF", Date: "2021-02-20"}); err != nil {
		t.Fatal(err)
	}
	sup, supUser := app.signedIn("sup@example.org", models.RoleSupervisor, "RAB")
	app.plan(supUser, cs, "70") // their own: never ticked, never counted
	p := sup.get(views.PathApprovals + "?select=all")
	wantStatus(t, p, http.StatusOK)
	if n := p.Doc.Find(`input[name="support_id"][checked]`).Length(); n != 3 {
		t.Errorf("%d ticked, want 3", n)
	}
	if got := p.text(`[data-testid="bar-count"]`); got != "3" {
		t.Errorf("bar count %q", got)
	}
	if got := bdiTexts(p, `[data-testid="bar-totals"]`); !slices.Equal(got, []string{"1\u00a0500,50 MAD", "250\u00a0000 XOF"}) {
		t.Errorf("bar totals %q", got)
	}
}

// The four-eyes rule holds on the queue's buttons, and another office's support is
// still a page that does not exist.
func TestApprovalsFourEyesAndScope(t *testing.T) {
	f := newApprovalsFixture(t)
	own := f.app.plan(f.app.user("sup2@example.org", models.RoleSupervisor, "RAB"), f.rabCase, "10")
	sup2 := f.app.client()
	sup2.login("sup2@example.org", testPassword)
	p := sup2.get(views.ApprovalsPath("RAB", 2))
	line := p.Doc.Find(fmt.Sprintf(`[data-testid="queue-%d"]`, own.ID))
	if line.Length() != 1 || line.Find(`input[name="support_id"], [data-testid="approve-one"]`).Length() != 0 {
		t.Fatalf("own support: %d lines, with a box or an approve button", line.Length())
	}
	// Sent anyway, by hand: refused both ways, with the four-eyes message.
	for _, send := range []func() *page{
		func() *page { return sup2.post(views.PathApprovals, url.Values{"support_id": {fmt.Sprint(own.ID)}}) },
		func() *page {
			return sup2.post(views.SupportActionPath(f.rabCase.ID, own.ID, "approve"), url.Values{"version": {"1"}, "from": {"approvals"}})
		},
	} {
		p := send()
		wantStatus(t, p, http.StatusSeeOther)
		if f.app.supportStatus(own.ID) != models.SupportPlanned {
			t.Fatal("own support approved")
		}
		if got := sup2.get(p.location()).text(`[data-testid="flash-error"]`); got == "" {
			t.Error("no four-eyes message")
		}
	}
	// A Rabat supervisor approving Casablanca's support: not found, nothing approved.
	cas := f.cas[0]
	var casCase uint
	f.app.stores.DB.Read.Model(&models.Support{}).Where("id = ?", cas.ID).Pluck("case_id", &casCase)
	wantStatus(t, f.rabSup.post(views.SupportActionPath(casCase, cas.ID, "approve"), url.Values{"version": {"1"}, "from": {"approvals"}}), http.StatusNotFound)
	if f.app.supportStatus(cas.ID) != models.SupportPlanned {
		t.Error("another office's support approved")
	}
}

// BenchmarkApprovalsPage requests a full page of the queue (50 lines over 50 cases, each
// case with two vulnerabilities and three delivered support in two currencies, and
// 200 other cases with support), one request at a time, as a supervisor of every office.
func BenchmarkApprovalsPage(b *testing.B) {
	stores := dbtest.Stores(b, dbtest.NewClock(testStart))
	office := dbtest.MustOffice(b, stores, "RAB", "Rabat")
	cw := dbtest.MustUser(b, stores, "cw@example.org", models.RoleCaseworker, "RAB", testPassword)
	dbtest.MustUser(b, stores, "hq@example.org", models.RoleSupervisor, "", dbtest.BenchPassword)
	for i := range 250 {
		cs := &models.Case{CaseNumber: fmt.Sprintf("RAB-2021-%05d", i+1), OfficeID: office.ID, Direction: models.Inbound,
			FamilyName: "Alaoui", GivenName: fmt.Sprintf("Karima %d", i), Sex: models.SexF, Nationality: "MA", ReturnCountry: "MA",
			ConsentDate: models.NewDate(2021, 1, 5), Status: models.StatusReturned, Version: 1, CreatedByID: cw.ID}
		dbtest.MustInsert(b, stores, cs)
		dbtest.MustInsert(b, stores,
			&models.CaseVulnerability{CaseID: cs.ID, Code: "single_parent"}, &models.CaseVulnerability{CaseID: cs.ID, Code: "medical_condition"})
		var rows []any
		for j, cur := range []string{"MAD", "XOF", "MAD"} {
			rows = append(rows, &models.Support{CaseID: cs.ID, Type: models.Cash, Description: "Loyer", Amount: int64(1000 * (j + 1)), Currency: cur,
				Date: models.NewDate(2021, 2, 1), Status: models.SupportDelivered, PlannedByID: cw.ID, Version: 3})
		}
		status := models.SupportPlanned
		if i >= 50 {
			status = models.SupportApproved
		}
		rows = append(rows, &models.Support{CaseID: cs.ID, Type: models.MicroProject, Description: "Atelier", Amount: 1200000, Currency: "MAD",
			Date: models.NewDate(2021, 2, 20), Status: status, PlannedByID: cw.ID, Version: 1})
		dbtest.MustInsert(b, stores, rows...)
	}
	srv := httptest.NewServer(newPortal(b, stores, quietLogger()).e)
	b.Cleanup(srv.Close)
	cookies := benchSignIn(b, srv, stores, "hq@example.org", "", "")
	cl := &http.Client{}
	b.ReportAllocs()
	for b.Loop() {
		req, _ := http.NewRequestWithContext(b.Context(), http.MethodGet, srv.URL+views.PathApprovals, nil)
		for _, c := range cookies {
			req.AddCookie(c)
		}
		resp, err := cl.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || strings.Count(string(body), `<tr data-testid="queue-`) != 50 {
			b.Fatalf("%d, %d lines", resp.StatusCode, strings.Count(string(body), `<tr data-testid="queue-`))
		}
	}
}
