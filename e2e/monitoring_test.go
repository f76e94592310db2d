package e2e

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// returnedCase registers a case through HTTP and takes it to returned with a departure
// long ago, so that its 3-month follow-up falls due today.
func returnedCase(t *testing.T, departed string) string {
	t.Helper()
	cw, err := signIn("caseworker")
	if err != nil {
		t.Fatal(err)
	}
	form := fixtureForm()
	for k, v := range map[string]string{"family_name": "Sow", "given_name": "Aminata", "id_doc_number": "M7654321",
		"consent_date": daysAgo(130), "request_date": daysAgo(131)} {
		form.Set(k, v)
	}
	path, err := cw.register(form)
	if err != nil {
		t.Fatal(err)
	}
	sup, err := signIn("supervisor")
	if err != nil {
		t.Fatal(err)
	}
	for _, step := range []struct {
		p    *portal
		to   string
		more url.Values
	}{
		{cw, "counselled", nil},
		{sup, "approved", nil},
		{cw, "returned", url.Values{"departure_date": {departed}, "escort": {"none"}}},
	} {
		_, body, err := step.p.getBody(path)
		if err != nil {
			t.Fatal(err)
		}
		m := versionRE.FindStringSubmatch(body)
		if m == nil {
			t.Fatalf("%s: no version to move it to %s", path, step.to)
		}
		f := url.Values{"to": {step.to}, "version": {m[1]}}
		for k, v := range step.more {
			f[k] = v
		}
		if st, loc, err := step.p.post(path, path+"/status", f); err != nil || st != http.StatusSeeOther || loc != path {
			t.Fatalf("move %s to %s: %d → %q %v", path, step.to, st, loc, err)
		}
	}
	return path
}

// answer picks an answer of a question on the visit form by clicking its radio.
func (b *tab) answer(question, value string) {
	b.t.Helper()
	b.do(chromedp.Click(chromedp.CSS(`input[type="radio"][name="q_` + question + `"][value="` + value + `"]`)))
}

// economicWorst are the default instrument's economic questions with their worst answers.
var economicWorst = map[string]string{"income_regular": "none", "food_reduced": "often", "debt_level": "higher",
	"can_borrow": "no", "economic_satisfied": "very_dissatisfied"}

// The monitoring journey: a caseworker records a baseline before the return, then the
// 3-month follow-up, and sees the scores change on the case file (the composite from
// 0.67 to 1, the chart with two points, the 3-month follow-up done); a supervisor sees
// the means by support type on the summary, and the case behind the figure.
func TestMonitoringJourney(t *testing.T) {
	t.Parallel()
	casePath := returnedCase(t, daysAgo(95))
	cw := newTab(t)
	cw.login("caseworker")
	cw.get(casePath)
	if !cw.has(testSel("casework-monitoring") + " " + testSel("empty")) {
		t.Fatal("the case file has no empty monitoring section")
	}
	if st := eval[string](cw, `document.querySelector('[data-testid="followup-3"]').dataset.state`); st != "due" {
		t.Errorf("the 3-month follow-up is %q, want due", st)
	}

	record := func(kind, date string, worstEconomic bool) {
		t.Helper()
		if st := cw.submit("record-visit"); st != 200 {
			t.Fatalf("open the visit form: status %d", st)
		}
		cw.choose("kind", kind)
		cw.setDate("date", date)
		cw.choose("method", "in_person")
		for _, q := range []string{"income_regular", "food_reduced", "debt_level", "can_borrow", "economic_satisfied"} {
			if worstEconomic {
				cw.answer(q, economicWorst[q])
			} else {
				cw.answer(q, map[string]string{"income_regular": "regular", "food_reduced": "never", "debt_level": "no_debt",
					"can_borrow": "yes", "economic_satisfied": "very_satisfied"}[q])
			}
		}
		for q, a := range map[string]string{"housing_access": "very_good", "education_access": "very_good", "health_access": "very_good",
			"documents_held": "yes", "water_access": "dk", "can_rely": "yes", "community_activities": "often",
			"feels_discriminated": "no", "feels_distress": "never", "able_to_stay": "yes"} {
			cw.answer(q, a)
		}
		if st := cw.submit("save-visit"); st != 200 {
			t.Fatalf("save the %s: status %d at %s", kind, st, cw.location())
		}
		if !strings.HasPrefix(cw.location(), casePath) {
			t.Fatalf("after the %s: at %s (%s)", kind, cw.location(), cw.text("main"))
		}
	}
	record("baseline", daysAgo(100), true)
	if got := cw.text(testSel("visit-list") + " " + testSel("visit-composite")); got != "0,67" {
		t.Errorf("baseline composite %q, want 0,67", got)
	}
	if got := cw.text(testSel("monitoring-band")); !strings.Contains(got, "élevé") {
		t.Errorf("band after the baseline %q", got)
	}
	record("followup", daysAgo(0), false)
	composites := eval[[]string](cw, `[...document.querySelectorAll('[data-testid="visit-composite"]')].map(e => e.textContent.trim())`)
	if strings.Join(composites, " ") != "0,67 1,00" {
		t.Errorf("composites on the case file %v, want 0,67 then 1,00", composites)
	}
	economic := eval[[]string](cw, `[...document.querySelectorAll('[data-testid="visit-economic"]')].map(e => e.textContent.trim())`)
	if strings.Join(economic, " ") != "0,00 1,00" {
		t.Errorf("economic scores %v, want 0,00 then 1,00", economic)
	}
	if n := eval[int](cw, `document.querySelectorAll('[data-testid="monitoring-chart"] circle').length`); n != 2 {
		t.Errorf("%d points on the chart, want 2", n)
	}
	if st := eval[string](cw, `document.querySelector('[data-testid="followup-3"]').dataset.state`); st != "done" {
		t.Errorf("the 3-month follow-up is %q, want done", st)
	}
	if got := cw.testText("visit-interviewer"); got != accounts["caseworker"].Name {
		t.Errorf("interviewer on the case file %q, want the caseworker's name the form offered", got)
	}

	// Correcting the baseline (the economic answers were misheard): rescored with the
	// baseline's version, the form at the correction's own URL.
	if st := cw.submit("edit-visit"); st != 200 {
		t.Fatalf("open the correction form: status %d", st)
	}
	if !strings.Contains(cw.location(), "/visits/") || !cw.has(testSel("visit-rescored")) {
		t.Fatalf("not the correction form: %s", cw.location())
	}
	for q, a := range map[string]string{"income_regular": "regular", "food_reduced": "never", "debt_level": "no_debt",
		"can_borrow": "yes", "economic_satisfied": "very_satisfied"} {
		cw.answer(q, a)
	}
	cw.fill("interviewer", "Youssef El Idrissi")
	if st := cw.submit("save-visit"); st != 200 || !strings.HasPrefix(cw.location(), casePath) {
		t.Fatalf("save the correction: status %d at %s", st, cw.location())
	}
	composites = eval[[]string](cw, `[...document.querySelectorAll('[data-testid="visit-composite"]')].map(e => e.textContent.trim())`)
	if strings.Join(composites, " ") != "1,00 1,00" || cw.testText("visit-interviewer") != "Youssef El Idrissi" {
		t.Errorf("after the correction: composites %v, interviewer %q", composites, cw.testText("visit-interviewer"))
	}
	number := eval[string](cw, `document.querySelector('[data-testid="case-number"]').textContent.trim()`)

	// The supervisor's summary leads to the reintegration monitoring: the person counts
	// among those without support, and the figure's drill-down lists the case.
	sup := newTab(t)
	sup.login("supervisor")
	year := daysAgo(0)[:4]
	sup.get("/summary?office=RAB&from=" + year + "-01-01&to=" + year + "-12-31")
	if st := sup.submit("summary-reintegration-link"); st != 200 {
		t.Fatalf("the summary's link to the reintegration monitoring: status %d", st)
	}
	if !sup.has(testSel("mon-support")) {
		t.Fatalf("no means by support type on the summary: %q", sup.text("main"))
	}
	if got := sup.testText("mon-support-none"); got == "" || got == "0" {
		t.Errorf("people without support compared: %q", got)
	}
	if st := sup.submit("mon-support-none"); st != 200 {
		t.Fatalf("drill-down: status %d", st)
	}
	if got := sup.testText("drill-cases"); !strings.Contains(got, number) {
		t.Errorf("the drill-down does not list %s: %q", number, got)
	}
}
