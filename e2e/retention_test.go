package e2e

import (
	"strings"
	"testing"
)

// The retention journey: a supervisor produces everything held about a person (the
// printable record, in the person's language) and records the person's erasure
// request; she cannot approve it herself; a second supervisor approves it, and the case
// file then says the case is anonymised and no longer names the person.
func TestRetentionJourney(t *testing.T) {
	t.Parallel()
	const family, given = "Diallorétention", "Kadiatou"
	form := fixtureForm()
	form.Set("family_name", family)
	form.Set("given_name", given)
	form.Set("phone", "+212 6 70 11 22 99")
	form.Set("id_doc_number", "RT445566")
	casePath := newCase(t, "caseworker", form)

	sup := newTab(t)
	sup.login("retention-sup-1")
	if st := sup.get(casePath); st != 200 {
		t.Fatalf("case file: status %d", st)
	}
	if st := sup.get(casePath + "/record?lang=en"); st != 200 {
		t.Fatalf("record: status %d", st)
	}
	if lang := sup.attr("html", "lang"); lang != "en" {
		t.Errorf("the record is printed in %q, want en", lang)
	}
	person := sup.text(testSel("record-person"))
	for _, want := range []string{family, given, "RT445566"} {
		if !strings.Contains(person, want) {
			t.Errorf("the record's person table lacks %q: %q", want, person)
		}
	}
	if got := sup.text(testSel("record-household")); !strings.Contains(got, "Ibrahima Camara") {
		t.Errorf("household: %q", got)
	}
	if got := sup.text(testSel("record-access")); !strings.Contains(got, "case.view") {
		t.Errorf("the access log does not show the views: %q", got)
	}
	if href := sup.attr(`a[href$="/record.json"]`, "href"); href != casePath+"/record.json" {
		t.Errorf("JSON link %q", href)
	}

	sup.get(casePath)
	sup.click("erasure-open")
	sup.fill("erasure-reason", "Demande écrite de la personne, reçue au bureau")
	if st := sup.submit("erasure-submit"); st != 200 {
		t.Fatalf("erasure request: status %d at %s", st, sup.location())
	}
	if !sup.has(testSel("erasure-pending")) || !sup.has(testSel("erasure-own")) || sup.has(testSel("erasure-approve")) {
		t.Fatal("after her request the first supervisor is offered the approval, or the request is not shown")
	}

	second := newTab(t)
	second.login("retention-sup-2")
	second.get(casePath)
	if !second.has(testSel("erasure-approve")) {
		t.Fatal("the second supervisor is not offered the approval")
	}
	if st := second.submit("erasure-approve"); st != 200 {
		t.Fatalf("approval: status %d at %s", st, second.location())
	}
	if !second.has(testSel("anonymised")) {
		t.Error("the case file does not say the case is anonymised")
	}
	if body := second.text("main"); strings.Contains(body, family) || strings.Contains(body, "RT445566") {
		t.Error("the anonymised case file still names the person")
	}
}
