package e2e

import (
	"net/url"
	"strings"
	"testing"
	"time"
)

// daysAgo is a date n days before today, as a date input holds it.
func daysAgo(n int) string { return time.Now().AddDate(0, 0, -n).Format("2006-01-02") }

// A caseworker registers a migrant with an Arabic name, a household member added with
// the form's own button (no JavaScript needed), a vulnerability, the consent date and
// the two countries chosen from the French country list; the case file shows the new
// case number and the name exactly as typed.
func TestRegisterCaseJourney(t *testing.T) {
	t.Parallel()
	b := newTab(t)
	b.login("journey")
	b.submit("nav-cases")
	if loc := b.location(); loc != "/cases" {
		t.Fatalf("the cases entry of the navigation went to %s", loc)
	}
	if st := b.submit("new-case"); st != 200 {
		t.Fatalf("new case form: status %d", st)
	}
	if got := b.text("h1"); got != "Enregistrer une personne" {
		t.Errorf("h1 = %q", got)
	}
	const family, given = "الإدريسي", "فاطمة"
	b.fill("Nom de famille", family)
	b.fill("Prénom(s)", given)
	for _, name := range []string{"family_name", "given_name"} {
		if got := b.attr(`[name="`+name+`"]`, "dir"); got != "auto" {
			t.Errorf("%s: dir=%q, want auto (names may be Arabic or Latin)", name, got)
		}
	}
	b.choose("Sexe", "Féminin")
	b.setDate("Date de naissance", "1991-04-17")
	// The country list is in French: Guinée, Sénégal, Maroc…
	b.choose("Nationalité", "Guinée")
	b.choose("Pays de retour", "Guinée")
	for code, name := range map[string]string{"MA": "Maroc", "SN": "Sénégal", "CI": "Côte d’Ivoire"} {
		if got := eval[string](b, `document.querySelector('select[name="nationality"] option[value="`+code+`"]').textContent`); got != name {
			t.Errorf("country %s is named %q, want %q", code, got, name)
		}
	}
	b.fill("Téléphone", "+212 6 12 34 56 78")
	b.check("Parent seul", true)

	// The household row comes from the server: the add button submits the form.
	if b.has(testSel("household-row-0")) {
		t.Fatal("a household row before any was added")
	}
	if st := b.submit("add-household"); st != 200 {
		t.Fatalf("add a household member: status %d", st)
	}
	if !b.has(testSel("household-row-0")) {
		t.Fatal("no household row after the add button")
	}
	if got := b.value("family_name"); got != family {
		t.Errorf("after adding a row the family name is %q", got)
	}
	if !b.checked("vulnerabilities", "single_parent") || b.value("nationality") != "GN" {
		t.Error("after adding a row, the vulnerability or the nationality is lost")
	}
	b.fill("household[0].name", "يوسف الإدريسي")
	b.choose("household[0].relation", "Enfant")
	b.choose("household[0].sex", "Masculin")
	b.setDate("household[0].birth_date", "2018-09-03")
	b.setDate("Date du consentement éclairé", daysAgo(2))

	if st := b.submit("save-case"); st != 200 {
		t.Fatalf("save: status %d at %s", st, b.location())
	}
	path := b.location()
	if !strings.HasPrefix(path, "/cases/") || strings.HasSuffix(path, "/new") {
		t.Fatalf("after saving: at %s, want the case file", path)
	}
	number := b.testText("case-number")
	if !caseNumberRE.MatchString(number) {
		t.Errorf("case number %q is not OFFICE-YEAR-NNNNN", number)
	}
	if !strings.HasPrefix(number, "RAB-"+time.Now().Format("2006")+"-") {
		t.Errorf("case number %q: not of the office RAB this year", number)
	}
	if !b.has(testSel("case-number") + " bdi") {
		t.Error("the case number is not isolated in <bdi>")
	}
	if got := b.testText("flash-success"); !strings.Contains(got, number) {
		t.Errorf("flash %q does not give the number %s", got, number)
	}
	if got := b.testText("case-name"); got != family+" "+given {
		t.Errorf("name shown %q, want %q exactly as typed", got, family+" "+given)
	}
	if got := b.testText("case-nationality"); got != "Guinée" {
		t.Errorf("nationality shown %q", got)
	}
	if got := b.testText("household-member"); !strings.Contains(got, "يوسف الإدريسي") || !strings.Contains(got, "Enfant") {
		t.Errorf("household member shown %q", got)
	}
	if got := b.text(testSel("vulnerabilities") + " li"); got != "Parent seul" {
		t.Errorf("vulnerability shown %q", got)
	}
	if got := b.testText("case-status"); got != "Enregistré" {
		t.Errorf("status %q", got)
	}
	if got := b.testText("case-assigned"); got != accounts["journey"].Name {
		t.Errorf("assigned to %q, want the caseworker who registered it", got)
	}

	// The list finds it by its Arabic name.
	b.get("/cases?q=" + url.QueryEscape(family))
	if got := b.text(testSel("case-row")); !strings.Contains(got, number) || !strings.Contains(got, family+" "+given) {
		t.Errorf("search by the Arabic name: row %q", got)
	}
}

// A registration that fails validation answers 422 and keeps everything typed, each
// error beside its field and tied to it for screen readers; corrected, it saves.
func TestCaseFormErrorKeepsEverything(t *testing.T) {
	t.Parallel()
	b := newTab(t)
	b.login("form-errors")
	b.get("/cases/new")
	if st := b.submit("add-household"); st != 200 {
		t.Fatalf("add a household row: %d", st)
	}
	future := time.Now().AddDate(0, 1, 0).Format("2006-01-02")
	text := map[string]string{
		"family_name": "Ben Saïd", "given_name": "خديجة", "phone": "+212 5 37 00 11 22",
		"languages": "Darija, bambara", "id_doc_number": "ML-445566", "household[0].name": "Moussa Ben Saïd",
	}
	for name, v := range text {
		b.fill(name, v)
	}
	selects := map[string]string{
		"sex": "F", "nationality": "ML", "return_country": "ML", "id_doc_type": "passport",
		"request_reason": "lack_of_resources", "household[0].relation": "child", "household[0].sex": "M",
	}
	for name, v := range selects {
		b.choose(name, v)
	}
	b.setDate("birth_date", future) // in the future: an error
	b.setDate("request_date", daysAgo(10))
	// consent_date, required, left empty: another error.
	b.check("Femme enceinte", true)
	b.check("Parent seul", true)
	b.check("consent_share", true)
	b.fill("notes", "Première visite.\nRevient jeudi avec son passeport.")

	if st := b.submit("save-case"); st != 422 {
		t.Fatalf("invalid registration: status %d, want 422", st)
	}
	if loc := b.location(); loc != "/cases" {
		t.Errorf("the form with errors is at %s", loc)
	}
	for _, name := range []string{"birth_date", "consent_date"} {
		e := b.errorOf(name)
		if e.Invalid != "true" {
			t.Errorf("%s: aria-invalid=%q", name, e.Invalid)
		}
		if e.Message == "" {
			t.Errorf("%s: no error message tied by aria-describedby", name)
		}
		if !e.Beside {
			t.Errorf("%s: the error (%s) is not right after its field", name, e.ErrorID)
		}
		if !b.has(testSel(name + "-error")) {
			t.Errorf("no %s-error", name)
		}
	}
	if got := b.testText("birth_date-error"); !strings.Contains(strings.ToLower(got), "futur") {
		t.Errorf("birth date error %q does not say it is in the future", got)
	}
	if e := b.errorOf("family_name"); e.Invalid != "" || e.Message != "" {
		t.Errorf("family_name marked invalid: %+v", e)
	}
	if b.attr(testSel("form-errors"), "role") != "alert" || !strings.Contains(b.testText("form-errors"), "2") {
		t.Errorf("error summary %q (role %q), want 2 errors announced", b.testText("form-errors"), b.attr(testSel("form-errors"), "role"))
	}
	// Everything typed is still there.
	for name, want := range text {
		if got := b.value(name); got != want {
			t.Errorf("%s kept as %q, want %q", name, got, want)
		}
	}
	for name, want := range selects {
		if got := b.value(name); got != want {
			t.Errorf("select %s kept as %q, want %q", name, got, want)
		}
	}
	if got := b.value("birth_date"); got != future {
		t.Errorf("the wrong birth date is not kept to be corrected: %q", got)
	}
	if got := b.value("request_date"); got != daysAgo(10) {
		t.Errorf("request date kept as %q", got)
	}
	for _, v := range []string{"pregnant", "single_parent"} {
		if !b.checked("vulnerabilities", v) {
			t.Errorf("vulnerability %s unticked", v)
		}
	}
	if b.checked("vulnerabilities", "disability") {
		t.Error("a vulnerability not chosen is ticked")
	}
	if !b.checked("consent_share", "1") {
		t.Error("consent_share unticked")
	}
	if got := b.value("notes"); got != "Première visite.\nRevient jeudi avec son passeport." {
		t.Errorf("notes kept as %q", got)
	}
	if b.has(testSel("household-row-1")) {
		t.Error("a second household row appeared")
	}
	b.checkAxe("/cases/new with errors")

	// Corrected, it saves.
	b.setDate("birth_date", "1993-12-01")
	b.setDate("consent_date", daysAgo(1))
	if st := b.submit("save-case"); st != 200 {
		t.Fatalf("corrected registration: status %d", st)
	}
	if got := b.testText("case-name"); got != "Ben Saïd خديجة" {
		t.Errorf("saved name %q", got)
	}
	if got := b.testText("household-member"); !strings.Contains(got, "Moussa Ben Saïd") {
		t.Errorf("household member %q", got)
	}
}

// Two people edit the same case: the second to save sees a conflict page with both
// versions, nothing is overwritten, and saving again from that page applies their edit.
func TestCaseEditConflict(t *testing.T) {
	t.Parallel()
	form := fixtureForm()
	form.Set("family_name", "Diop")
	form.Set("given_name", "Awa")
	form.Set("nationality", "SN")
	form.Set("return_country", "SN")
	form.Set("birth_date", "1988-07-21")
	form.Set("phone", "+212 600 000 001")
	form.Set("languages", "Wolof")
	form.Set("notes", "")
	path := newCase(t, "editor-1", form)

	first, second := newTab(t), newTab(t)
	first.login("editor-1")
	second.login("editor-2")
	first.get(path + "/edit")
	second.get(path + "/edit")
	version := second.attr(`input[name="version"]`, "value")

	first.fill("phone", "+212 611 111 111")
	first.fill("languages", "Wolof, arabe")
	if st := first.submit("save-case"); st != 200 || first.location() != path {
		t.Fatalf("first save: status %d at %s", st, first.location())
	}

	second.fill("phone", "+212 622 222 222")
	second.fill("notes", "Rappeler lundi.")
	if st := second.submit("save-case"); st != 409 {
		t.Fatalf("second save from an old version: status %d, want 409", st)
	}
	if second.attr(testSel("conflict"), "role") != "alert" {
		t.Error("the conflict is not announced (role=alert)")
	}
	cells := func(field string) (now, mine string) {
		row := testSel("conflict-" + field)
		if !second.has(row) {
			t.Errorf("the conflict does not list %s", field)
			return "", ""
		}
		return second.text(row + " td:nth-of-type(1)"), second.text(row + " td:nth-of-type(2)")
	}
	if now, mine := cells("phone"); now != "+212 611 111 111" || mine != "+212 622 222 222" {
		t.Errorf("phone: saved meanwhile %q, yours %q", now, mine)
	}
	if now, mine := cells("languages"); now != "Wolof, arabe" || mine != "Wolof" {
		t.Errorf("languages: saved meanwhile %q, yours %q", now, mine)
	}
	if second.has(testSel("conflict-notes")) {
		t.Error("notes listed as changed meanwhile: only the other person's changes are")
	}
	// The form keeps what the second person typed, ready to be saved from the new version.
	if got := second.value("phone"); got != "+212 622 222 222" {
		t.Errorf("the form lost the typed phone: %q", got)
	}
	if got := second.value("notes"); got != "Rappeler lundi." {
		t.Errorf("the form lost the typed notes: %q", got)
	}
	if got := second.attr(`input[name="version"]`, "value"); got == version || got == "" {
		t.Errorf("the form still carries version %q", got)
	}
	second.checkAxe("the edit conflict page")

	// Nothing was overwritten: the first person's edit is what the case holds.
	first.get(path)
	profile := first.testText("profile")
	if !strings.Contains(profile, "+212 611 111 111") || !strings.Contains(profile, "Wolof, arabe") || strings.Contains(profile, "Rappeler") {
		t.Errorf("after the conflict the case shows %q", profile)
	}

	// The second person keeps the other's languages and saves their own phone and notes.
	second.fill("languages", second.text(testSel("conflict-languages")+" td:nth-of-type(1)"))
	if st := second.submit("save-case"); st != 200 || second.location() != path {
		t.Fatalf("save from the conflict page: status %d at %s", st, second.location())
	}
	if got := second.testText("flash-success"); got == "" {
		t.Error("no confirmation after saving from the conflict page")
	}
	profile = second.testText("profile")
	for _, want := range []string{"+212 622 222 222", "Wolof, arabe", "Rappeler lundi."} {
		if !strings.Contains(profile, want) {
			t.Errorf("after re-applying, the case misses %q: %q", want, profile)
		}
	}
}

// Without JavaScript, in Arabic, a caseworker registers a case with a household
// member: the add button, the country list in Arabic and the save all work.
func TestRegisterCaseWithoutJavaScript(t *testing.T) {
	t.Parallel()
	b := newTab(t)
	b.noScript()
	b.login("nojs-ar")
	if st := b.get("/cases/new"); st != 200 {
		t.Fatalf("form: %d", st)
	}
	if got := b.attr("html", "dir"); got != "rtl" {
		t.Errorf("dir %q", got)
	}
	b.fill("family_name", "Bah")
	b.fill("given_name", "Oumar")
	b.choose("sex", "M")
	b.setDate("birth_date", "1990-01-30")
	b.choose("nationality", "غينيا")
	b.choose("return_country", "GN")
	b.check("vulnerabilities", true) // the first one
	if st := b.submit("add-household"); st != 200 {
		t.Fatalf("add a household member without JavaScript: %d", st)
	}
	if got := b.selectedText("nationality"); got != "غينيا" {
		t.Errorf("nationality shown as %q after the add button", got)
	}
	b.fill("household[0].name", "Mariam Bah")
	b.choose("household[0].relation", "spouse")
	b.choose("household[0].sex", "F")
	b.setDate("consent_date", daysAgo(3))
	if st := b.submit("save-case"); st != 200 {
		t.Fatalf("save without JavaScript: %d at %s", st, b.location())
	}
	if got := b.testText("case-number"); !caseNumberRE.MatchString(got) {
		t.Errorf("case number %q", got)
	}
	// Arabic writes the given name first.
	if got := b.testText("case-name"); got != "Oumar Bah" {
		t.Errorf("name %q", got)
	}
	if got := b.testText("case-nationality"); got != "غينيا" {
		t.Errorf("nationality in Arabic: %q", got)
	}
	if got := b.testText("household-member"); !strings.Contains(got, "Mariam Bah") {
		t.Errorf("household %q", got)
	}
}

// The case list and the case file weigh little: under 60 KB on a first load with the
// assets, under 15 KB later (the assets cached), with no request leaving the portal.
func TestCasePageWeight(t *testing.T) {
	t.Parallel()
	b := newTab(t)
	b.login("weight")
	b.measure("first load", "/cases", firstLoadBudget)
	b.measure("later load", "/cases", laterLoadBudget)
	b.noAssetRefetched()
	b.measure("first load", fixtureCase, firstLoadBudget)
	b.measure("later load", fixtureCase, laterLoadBudget)
	b.noAssetRefetched()
	b.measure("later load", "/cases/new", laterLoadBudget)
}
