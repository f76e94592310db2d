package e2e

import (
	"net/url"
	"strings"
	"testing"
)

// The case pages in their states that pages (loaded as is) does not reach: the
// registration form with errors, the edit conflict page, and the case file with its
// workflow forms unfolded; and the case pages for the supervisor and the admin in
// Arabic. TestAccessibility already checks the list (with results and empty), the
// form, the file and the edit form in French and Arabic as loaded.
func TestCasesAccessibility(t *testing.T) {
	type run struct {
		who    string
		errors bool // the registration form in its error state, and the conflict page
		pages  []string
	}
	runs := []run{
		{who: "caseworker", errors: true},
		{who: "arabic", errors: true},
		{who: "supervisor"},
		{who: "ar-supervisor", pages: []string{"/cases"}},
		{who: "ar-admin", pages: []string{"/cases"}},
	}
	for _, r := range runs {
		t.Run(r.who, func(t *testing.T) {
			t.Parallel()
			b := newTab(t)
			b.login(r.who)
			for _, p := range r.pages {
				if st := b.get(p); st != 200 {
					t.Errorf("%s: status %d", p, st)
					continue
				}
				b.checkAxe(p + " as " + r.who)
			}
			// The case file, each workflow form unfolded.
			b.get(fixtureCase)
			steps := eval[int](b, `(function () { const d = document.querySelectorAll('details.step'); d.forEach(e => e.open = true); return d.length; })()`)
			switch role := accounts[r.who].Role; {
			case role == "admin" && (steps > 0 || b.has(testSel("edit-case"))):
				t.Errorf("the admin sees %d workflow forms or the edit button: the file should be read-only", steps)
			case role == "supervisor" && steps < 2:
				t.Errorf("the supervisor sees %d workflow forms on a registered case, want counselling and closure", steps)
			case role == "caseworker" && steps != 1:
				t.Errorf("the caseworker sees %d workflow forms on a registered case, want counselling", steps)
			}
			b.checkAxe(fixtureCase + " unfolded as " + r.who)
			if !r.errors {
				return
			}
			// The registration form with errors: a future birth date, no consent date.
			b.get("/cases/new")
			b.fill("family_name", "Touré")
			b.fill("given_name", "Aminata")
			b.setDate("birth_date", daysAgo(-40))
			if st := b.submit("add-household"); st != 200 {
				t.Fatalf("add household: %d", st)
			}
			if st := b.submit("save-case"); st != 422 {
				t.Fatalf("invalid form: status %d", st)
			}
			b.checkAxe("/cases/new with errors as " + r.who)
			// The conflict page: the edit form is loaded, someone saves meanwhile, then
			// this tab saves.
			form := fixtureForm()
			form.Set("family_name", "Konaté-"+r.who)
			form.Set("notes", "")
			path := newCase(t, r.who, form)
			b.get(path + "/edit")
			b.fill("notes", "Vu au bureau.")
			other, err := signIn(r.who)
			if err != nil {
				t.Fatal(err)
			}
			if err := other.edit(path, func(v url.Values) { v.Set("phone", "+212 699 999 999") }); err != nil {
				t.Fatal(err)
			}
			if st := b.submit("save-case"); st != 409 {
				t.Fatalf("stale edit: status %d, want 409", st)
			}
			if got := b.text(testSel("conflict-phone")); !strings.Contains(got, "+212 699 999 999") {
				t.Errorf("conflict row %q", got)
			}
			b.checkAxe("the conflict page as " + r.who)
		})
	}
}
