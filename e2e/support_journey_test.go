package e2e

import (
	"encoding/csv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// The support journey, in the office OUJ that no other test uses:
// a caseworker registers a migrant (Arabic name, a household member, a vulnerability),
// counsels her, records her attendance at an information session and plans a
// micro-project; a supervisor approves the case and then the micro-project from the
// queue; the caseworker records the return and marks the micro-project delivered, which
// moves the case to reintegration; the supervisor's summary counts it (100 % of the
// office's support) and its drill-down lists the case; an administrator's support.csv
// holds the record.
func TestSupportJourney(t *testing.T) {
	t.Parallel()
	today := daysAgo(0)
	cw := newTab(t)
	cw.login("support-cw")

	// Registration, in the browser.
	cw.get("/cases/new")
	const family, given = "البوعزاوي", "خديجة"
	cw.fill("Nom de famille", family)
	cw.fill("Prénom(s)", given)
	cw.choose("Sexe", "Féminin")
	cw.setDate("Date de naissance", "1988-11-02")
	cw.choose("Nationalité", "Sénégal")
	cw.choose("Pays de retour", "Sénégal")
	cw.check("Parent seul", true)
	if st := cw.submit("add-household"); st != 200 {
		t.Fatalf("add a household member: status %d", st)
	}
	cw.fill("household[0].name", "آمنة البوعزاوي")
	cw.choose("household[0].relation", "Enfant")
	cw.choose("household[0].sex", "Féminin")
	cw.setDate("household[0].birth_date", "2020-05-14")
	cw.setDate("Date du consentement éclairé", daysAgo(1))
	if st := cw.submit("save-case"); st != 200 {
		t.Fatalf("save the case: status %d at %s", st, cw.location())
	}
	casePath := cw.location()
	number := cw.testText("case-number")
	if !caseNumberRE.MatchString(number) || !strings.HasPrefix(number, "OUJ-") {
		t.Fatalf("case number %q at %s", number, casePath)
	}
	cw.move("counselled", nil)

	// An information session, and her attendance by case number.
	cw.get("/sessions/new")
	cw.choose("kind", "info_session")
	cw.fill("title", "Séance d'information — Oujda")
	cw.setDate("date", today)
	cw.fill("place", "Bureau d'Oujda")
	cw.fill("facilitator", "Hajar Oujda")
	if st := cw.submitCSS(testSel("session-form") + ` button[type="submit"]`); st != 200 {
		t.Fatalf("create the session: status %d at %s", st, cw.location())
	}
	sessionPath := cw.location()
	if !strings.HasPrefix(sessionPath, "/sessions/") || strings.HasSuffix(sessionPath, "/new") {
		t.Fatalf("after creating the session: at %s", sessionPath)
	}
	cw.fill("case_number", number)
	if st := cw.submitCSS(testSel("attendance-form") + ` button[type="submit"]`); st != 200 {
		t.Fatalf("add the attendance: status %d", st)
	}
	if !cw.has(testSel("attendee-" + number)) {
		t.Fatalf("the session does not list %s as attending", number)
	}
	cw.get(casePath)
	if got := cw.testText("casework-sessions"); !strings.Contains(got, "Séance d'information — Oujda") {
		t.Errorf("the case file's sessions: %q", got)
	}

	// The micro-project, with the form in its fold.
	cw.open("support-form")
	cw.choose("support-type", "micro_project")
	cw.fill("support-description", "Atelier de couture à Dakar")
	cw.fill("support-amount", "15000")
	cw.choose("support-currency", "MAD")
	cw.setDate("support-date", today)
	if st := cw.submitCSS(testSel("support-form") + ` button[type="submit"]`); st != 200 {
		t.Fatalf("plan the micro-project: status %d at %s", st, cw.location())
	}
	if got := cw.text(testSel("support-list") + " " + testSel("support-status")); got != "Prévu" && !strings.Contains(strings.ToLower(got), "prévu") {
		t.Errorf("support status after planning: %q", got)
	}

	// The supervisor approves the case, then the micro-project from the queue.
	sup := newTab(t)
	sup.login("support-sup")
	sup.get(casePath)
	sup.move("approved", nil)
	sup.get("/approvals")
	row := sup.text(testSel("approvals-table"))
	if !strings.Contains(row, number) || !strings.Contains(row, "Atelier de couture à Dakar") {
		t.Fatalf("the queue does not hold the micro-project of %s: %q", number, row)
	}
	sup.click("select-all") // nothing is ticked on arrival
	if st := sup.submit("approve-selected"); st != 200 {
		t.Fatalf("approve the selection: status %d", st)
	}
	if sup.has(testSel("approvals-table")) && strings.Contains(sup.text(testSel("approvals-table")), number) {
		t.Error("the micro-project is still in the queue after its approval")
	}

	// The caseworker records the return, then delivers the micro-project: the case moves
	// to reintegration.
	cw.get(casePath)
	cw.move("returned", func() { cw.setDate("departure_date", today) })
	if got := cw.testText("case-status"); got != "Rentré" {
		t.Errorf("status after the return: %q", got)
	}
	cw.do(chromedp.WaitVisible(chromedp.CSS(testSel("deliver"))))
	if st := cw.submit("deliver"); st != 200 {
		t.Fatalf("deliver: status %d at %s", st, cw.location())
	}
	if got := cw.text(testSel("support-list") + " " + testSel("support-status")); got != "Remise" {
		t.Errorf("support status after delivery: %q", got)
	}
	if got := cw.testText("case-status"); !strings.Contains(strings.ToLower(got), "réintégration") {
		t.Errorf("status after the delivery: %q, want the reintegration", got)
	}

	// The supervisor's summary for the office and this year.
	year := today[:4]
	sup.get("/summary?office=OUJ&from=" + year + "-01-01&to=" + year + "-12-31")
	if got := sup.testText("support-micro_project-count"); got != "1" {
		t.Errorf("micro-projects counted: %q, want 1", got)
	}
	if got := sup.testText("support-micro_project-share"); !strings.HasPrefix(got, "100") {
		t.Errorf("micro-project share: %q, want 100 %%", got)
	}
	if got := sup.testText("support-total"); got != "1" {
		t.Errorf("support total: %q, want 1", got)
	}
	if st := sup.submit("support-micro_project-people"); st != 200 {
		t.Fatalf("drill-down: status %d", st)
	}
	if !strings.HasPrefix(sup.location(), "/summary/cases") {
		t.Errorf("the drill-down is at %s", sup.location())
	}
	if got := sup.testText("drill-cases"); !strings.Contains(got, number) {
		t.Errorf("the drill-down does not list %s: %q", number, got)
	}

	// The administrator's export.
	adm := newTab(t)
	adm.login("support-admin")
	adm.get("/admin/exports")
	st, body := adm.fetch("/admin/exports/support.csv?office=OUJ")
	if st != 200 {
		t.Fatalf("support.csv: status %d", st)
	}
	if !strings.HasPrefix(body, "\uFEFF") {
		t.Error("support.csv does not start with the UTF-8 byte order mark")
	}
	rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(body, "\uFEFF"))).ReadAll()
	if err != nil || len(rows) < 2 {
		t.Fatalf("support.csv: %v, %d rows:\n%s", err, len(rows), body)
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		col[h] = i
	}
	found := false
	for _, r := range rows[1:] {
		if r[col["case_number"]] == number {
			found = true
			for k, want := range map[string]string{"type": "micro_project", "amount": "15000.00", "currency": "MAD",
				"status": "delivered", "family_name": family, "date": today} {
				if got := r[col[k]]; got != want {
					t.Errorf("support.csv %s = %q, want %q", k, got, want)
				}
			}
		}
	}
	if !found {
		t.Errorf("support.csv has no row for %s:\n%s", number, body)
	}
}

// open unfolds the <details> that holds the element with that data-testid.
func (b *tab) open(testid string) {
	b.t.Helper()
	sel := testSel(testid)
	if !b.has(sel + "") {
		b.t.Fatalf("no %s on %s", testid, b.location())
	}
	b.do(chromedpEval(`(function (d) { if (d && !d.open) d.querySelector('summary').click(); })(document.querySelector('` + sel + `').closest('details'))`))
}

// move takes the case shown to another status with its step form on the case file
// (opening its fold first); fill, when given, fills the step's own fields.
func (b *tab) move(to string, fill func()) {
	b.t.Helper()
	step := testSel("step-" + to)
	if !b.has(step) {
		b.t.Fatalf("no step to %s on %s", to, b.location())
	}
	b.do(chromedp.Click(chromedp.CSS(step + " summary")))
	if fill != nil {
		fill()
	}
	if st := b.submit("move-" + to); st != 200 {
		b.t.Fatalf("move to %s: status %d at %s", to, st, b.location())
	}
	if b.has(testSel("move-error")) {
		b.t.Fatalf("move to %s refused: %s", to, b.testText("move-error"))
	}
}
