package e2e

import (
	"strings"
	"testing"
)

// A form's errors: the summary lists each one with a link to a field that exists, and
// the date chosen is written out in the page's language as it changes.
func TestFormErrorLinksAndWrittenDates(t *testing.T) {
	t.Parallel()
	b := newTab(t)
	b.login("arabic")
	b.get("/sessions/new")
	// The server writes out the date it proposes (today).
	if v, got := b.value("date"), b.text("#field-date-written"); v != "" && !strings.HasSuffix(got, v[:4]) {
		t.Errorf("%s written as %q", v, got)
	}
	b.setDate("date", "2026-12-03")
	if got := b.text("#field-date-written"); got != "3 دجنبر 2026" {
		t.Errorf("date written as %q, want 3 دجنبر 2026", got)
	}
	b.setDate("date", "2027-06-30")
	if got := b.text("#field-date-written"); got != "30 يونيو 2027" {
		t.Errorf("date written as %q after a change, want 30 يونيو 2027", got)
	}
	b.fill("title", "")
	if st := b.submitCSS(`[data-testid="session-form"] button[type=submit]`); st != 422 {
		t.Fatalf("empty session form: status %d", st)
	}
	type link struct {
		Href   string
		Found  bool
		Text   string
		Labels string
	}
	links := eval[[]link](b, `[...document.querySelectorAll('[data-testid=form-errors] li a')].map(a => {
		const el = document.querySelector(a.getAttribute('href'));
		return {Href: a.getAttribute('href'), Found: !!el, Text: a.textContent.trim(), Labels: el && el.labels && el.labels[0] ? el.labels[0].textContent.replace('*', '').trim() : ''};
	})`)
	if len(links) < 3 {
		t.Fatalf("%d error links: %+v", len(links), links)
	}
	for _, l := range links {
		if !l.Found || l.Labels == "" || len(l.Text) <= len(l.Labels) || l.Text[:len(l.Labels)] != l.Labels {
			t.Errorf("error link %+v: no field, or not named by its label", l)
		}
	}
	// The date typed is kept, and written out by the server this time.
	if got := b.text("#field-date-written"); got != "30 يونيو 2027" {
		t.Errorf("after the error, date written as %q", got)
	}
}
