package e2e

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp/kb"
)

// typeDate types an ISO date into the focused date input, digit by digit in the order
// of the browser's locale (month/day/year in en-US, day/month/year in fr), as a person
// would, and checks the value the input took.
func (b *tab) typeDate(iso string) {
	b.t.Helper()
	order := eval[[]string](b, `new Intl.DateTimeFormat(navigator.language, {year: 'numeric', month: '2-digit', day: '2-digit'})
		.formatToParts(new Date(2001, 10, 22)).filter(p => p.type !== 'literal').map(p => p.type)`)
	parts := map[string]string{"year": iso[:4], "month": iso[5:7], "day": iso[8:10]}
	for _, p := range order {
		b.press(parts[p])
	}
	if got := eval[string](b, `document.activeElement.value`); got != iso {
		b.t.Fatalf("typed the date %s (in the order %v): the input holds %q", iso, order, got)
	}
}

// The whole registration with the keyboard alone: Tab and Shift+Tab to move, typing,
// typeahead in the selects, Space to tick, Enter to press the buttons and follow
// links; the focus visible at every stop (tabTo checks it).
func TestRegisterCaseKeyboard(t *testing.T) {
	t.Parallel()
	b := newTab(t)
	b.login("keyboard-cases")
	// From the home page: the navigation's cases entry, then the new-case button.
	b.tabTo(func(f focus) bool { return f.TestID == "nav-cases" })
	if st := b.pressSubmit(kb.Enter); st != 200 || b.location() != "/cases" {
		t.Fatalf("Enter on the cases entry: %d at %s", st, b.location())
	}
	b.tabTo(func(f focus) bool { return f.TestID == "new-case" })
	if st := b.pressSubmit(kb.Enter); st != 200 || b.location() != "/cases/new" {
		t.Fatalf("Enter on new case: %d at %s", st, b.location())
	}
	is := func(name string) func(focus) bool { return func(f focus) bool { return f.Name == name } }
	expectNext := func(name string) {
		t.Helper()
		b.press(kb.Tab)
		if f := b.focused(); f.Name != name {
			t.Fatalf("Tab: focus on %+v, want %s", f, name)
		}
	}

	b.tabTo(is("family_name"))
	b.press("العلوي")
	expectNext("given_name")
	b.press("خديجة")
	expectNext("sex")
	b.press("f") // typeahead: Féminin
	if got := b.focused().Value; got != "F" {
		t.Errorf("sex typed: %q", got)
	}
	expectNext("birth_date")
	b.typeDate("1989-11-05")
	b.tabTo(is("nationality"))
	b.press("Guinée")
	if got := b.focused().Value; got != "GN" {
		t.Errorf("nationality typed: %q, want GN", got)
	}
	expectNext("return_country")
	b.press("Guinée")
	if got := b.focused().Value; got != "GN" {
		t.Errorf("return country typed: %q, want GN", got)
	}
	expectNext("phone")
	b.press("+212 6 70 80 90 10")

	// A vulnerability: Space ticks it; Shift+Tab goes back, Tab forward again.
	f := b.tabTo(func(f focus) bool { return f.Name == "vulnerabilities" && f.Value == "single_parent" })
	b.press(" ")
	if !b.checked("vulnerabilities", "single_parent") {
		t.Error("Space did not tick single_parent")
	}
	if back := b.shiftTab(); back.Name != "vulnerabilities" || back.Value == f.Value {
		t.Errorf("Shift+Tab: focus on %+v, want the previous vulnerability", back)
	}
	if again := b.tabTo(func(f focus) bool { return f.Name == "vulnerabilities" }); again.Value != "single_parent" {
		t.Errorf("Tab after Shift+Tab: focus on %+v", again)
	}

	// The add button of the household: Enter submits; the page comes back with a row
	// and everything typed.
	b.tabTo(func(f focus) bool { return f.TestID == "add-household" })
	if st := b.pressSubmit(kb.Enter); st != 200 {
		t.Fatalf("Enter on add household: %d", st)
	}
	if got := b.value("family_name"); got != "العلوي" {
		t.Fatalf("after adding a row the family name is %q", got)
	}
	// The skip link first, then straight to the new row.
	b.press(kb.Tab)
	if f := b.focused(); f.Tag != "A" || !strings.Contains(b.attr(".skip-link", "href"), "#main") {
		t.Errorf("first Tab after the reload: %+v, want the skip link", f)
	}
	b.press(kb.Enter)
	b.tabTo(is("household[0].name"))
	b.press("سعيد العلوي")
	expectNext("household[0].relation")
	b.press("e") // Enfant
	if got := b.focused().Value; got != "child" {
		t.Errorf("relation typed: %q", got)
	}
	expectNext("household[0].sex")
	b.press("m")
	if got := b.focused().Value; got != "M" {
		t.Errorf("member's sex typed: %q", got)
	}

	b.tabTo(is("consent_date"))
	b.typeDate(daysAgo(4))
	b.tabTo(is("consent_share")) // past the date's calendar button
	b.press(" ")
	if !b.checked("consent_share", "1") {
		t.Error("Space did not tick consent_share")
	}
	b.tabTo(func(f focus) bool { return f.TestID == "save-case" })
	if st := b.pressSubmit(kb.Enter); st != 200 {
		t.Fatalf("Enter on save: %d at %s", st, b.location())
	}
	if got := b.testText("case-number"); !caseNumberRE.MatchString(got) {
		t.Fatalf("no case file after saving with the keyboard (at %s): number %q", b.location(), got)
	}
	if got := b.testText("case-name"); got != "العلوي خديجة" {
		t.Errorf("name %q", got)
	}
	if got := b.testText("household-member"); !strings.Contains(got, "سعيد العلوي") {
		t.Errorf("household %q", got)
	}
	if got := b.testText("consent-share"); got != "Oui" {
		t.Errorf("consent share %q", got)
	}
	// The case file's own controls are reached with a visible focus too.
	b.tabTo(func(f focus) bool { return f.TestID == "edit-case" })
}
