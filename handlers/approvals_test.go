package handlers

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"awda/models"
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
	// The page sends only its own lines, with its place in the queue.
	form := batchForm(p)
	if !slices.Equal(form["support_id"], all[50:]) || form.Get("page") != "2" || form.Has("office") {
		t.Errorf("page 2's batch form sends %v", form)
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

	// The batch approval sends the page's own lines and returns to the page.
	p = f.hq.get(here)
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
