package e2e

import (
	"net/http"
	"strings"
	"testing"
)

// Two-step sign-in in the browser, in French and Arabic, with axe on each page: an
// administrator who has not enrolled is sent to the enrolment page whatever they ask
// for, enrols with the secret shown as text and sees the recovery codes once; an
// enrolled administrator gets the second step, where a wrong code is refused (401,
// announced) and a right one signs in.
func TestTwoStepAccessibility(t *testing.T) {
	for _, pair := range [][2]string{{"enrol-admin", "admin"}, {"enrol-admin-ar", "ar-admin"}} {
		newAdmin, enrolled := pair[0], pair[1]
		t.Run(newAdmin, func(t *testing.T) {
			t.Parallel()
			b := newTab(t)
			a := accounts[newAdmin]
			b.get("/login")
			b.fill("email", a.Email)
			b.fill("password", password)
			b.submit("login-submit")
			b.get("/admin/users")
			if loc := b.location(); loc != "/account/totp" {
				t.Fatalf("an administrator without two-step sign-in reached %s", loc)
			}
			if !b.has(testSel("totp-required")) || !b.has(testSel("totp-qr")) {
				t.Error("the enrolment page does not say it is required, or shows no QR code")
			}
			b.checkAxe("/account/totp (required) as " + newAdmin)
			// A wrong code: the error beside the field.
			b.fill("code", "000000")
			if st := b.submitCSS(testSel("totp-enable-form") + ` button[type="submit"]`); st != http.StatusUnprocessableEntity {
				t.Errorf("a wrong enrolment code: status %d, want 422", st)
			}
			b.checkAxe("/account/totp with an error as " + newAdmin)
			secret := b.testText("totp-secret")
			code, err := totpCodeNow(secret)
			if err != nil {
				t.Fatal(err)
			}
			b.fill("code", code)
			if st := b.submitCSS(testSel("totp-enable-form") + ` button[type="submit"]`); st != 200 {
				t.Fatalf("enrol: status %d", st)
			}
			if n := eval[int](b, `document.querySelectorAll('[data-testid="recovery-code"]').length`); n != 10 {
				t.Errorf("%d recovery codes shown, want 10", n)
			}
			b.checkAxe("the recovery codes as " + newAdmin)

			// The second step of an enrolled administrator.
			c := newTab(t)
			e := accounts[enrolled]
			c.get("/login")
			c.fill("email", e.Email)
			c.fill("password", password)
			c.submit("login-submit")
			if loc := c.location(); !strings.HasPrefix(loc, "/login/totp") {
				t.Fatalf("after the password: at %s, not the second step", loc)
			}
			c.checkAxe("/login/totp as " + enrolled)
			c.fill("code", "not-a-code")
			if st := c.submit("login-totp-submit"); st != http.StatusUnauthorized {
				t.Errorf("a wrong code: status %d, want 401", st)
			}
			if got := c.attr(testSel("totp-error"), "role"); got != "alert" {
				t.Errorf("the refusal is not announced (role %q)", got)
			}
			c.checkAxe("/login/totp refused as " + enrolled)
			code, err = secondFactor(enrolled)
			if err != nil {
				t.Fatal(err)
			}
			c.fill("code", code)
			c.submit("login-totp-submit")
			if loc := c.location(); loc != "/" {
				t.Errorf("after the second step: at %s", loc)
			}
		})
	}
}

// The pages of pages that need data have it, so that axe and the other checks see
// their tables: the session's attendance, the queue, the summary's support.
func TestPagesHaveData(t *testing.T) {
	t.Parallel()
	b := newTab(t)
	b.login("supervisor")
	b.get(fixtureSession)
	if !b.has(testSel("attendee-" + fixtureNumber())) {
		t.Errorf("%s does not list the fixture case %s", fixtureSession, fixtureNumber())
	}
	b.get("/approvals")
	if got := b.text(testSel("approvals-table")); !strings.Contains(got, fixtureNumber()) {
		t.Errorf("the queue does not hold the fixture's support: %q", got)
	}
	b.get("/summary")
	if !b.has(testSel("support-table")) {
		t.Error("the summary shows no support")
	}
	for _, p := range pages {
		if p.Name == "summary-cases" {
			b.get(p.Path)
			if got := b.text(testSel("drill-cases")); !strings.Contains(got, fixtureNumber()) {
				t.Errorf("the drill-down does not list the fixture case: %q", got)
			}
		}
	}
}
