package e2e

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// Each role signs in and lands on its home page, named and with its own navigation.
func TestSignInEachRole(t *testing.T) {
	navs := map[string][]string{ // entries each role must see, and must not see
		"caseworker": {"nav-cases", "nav-sessions", "!nav-approvals", "!nav-summary", "!nav-users"},
		"supervisor": {"nav-cases", "nav-approvals", "nav-summary", "!nav-users"},
		"admin":      {"nav-cases", "nav-summary", "nav-users", "nav-audit", "!nav-approvals"},
	}
	for _, role := range roles {
		t.Run(role, func(t *testing.T) {
			t.Parallel()
			b := newTab(t)
			b.login(role)
			if got := b.text("h1"); got != "Accueil" {
				t.Errorf("h1 = %q, want Accueil", got)
			}
			if got, want := b.testText("current-user"), accounts[role].Name; got != want {
				t.Errorf("current user %q, want %q", got, want)
			}
			for _, n := range navs[role] {
				want := !strings.HasPrefix(n, "!")
				if got := b.has(testSel(strings.TrimPrefix(n, "!"))); got != want {
					t.Errorf("%s: navigation entry %s shown=%v, want %v", role, strings.TrimPrefix(n, "!"), got, want)
				}
			}
			// Signing out ends on the sign-in page, and the home page asks to sign in again.
			b.submit("logout")
			if loc := b.location(); !strings.HasPrefix(loc, "/login") {
				t.Errorf("after sign-out: at %s", loc)
			}
			b.get("/")
			if loc := b.location(); !strings.HasPrefix(loc, "/login") {
				t.Errorf("home after sign-out: at %s, want the sign-in page", loc)
			}
		})
	}
}

// A failed sign-in says so, keeps the email typed, and never the password.
func TestFailedSignInKeepsEmail(t *testing.T) {
	t.Parallel()
	b := newTab(t)
	b.get("/login?lang=fr")
	b.fill("Adresse e-mail", accounts["failing"].Email)
	b.fill("Mot de passe", "not-the-password")
	if st := b.submit("login-submit"); st != 401 {
		t.Errorf("failed sign-in: status %d, want 401", st)
	}
	if loc := b.location(); !strings.HasPrefix(loc, "/login") {
		t.Fatalf("failed sign-in went to %s", loc)
	}
	if got := b.testText("login-error"); got == "" {
		t.Error("no error message")
	}
	if b.attr(testSel("login-error"), "role") != "alert" {
		t.Error("the error is not announced (role=alert)")
	}
	if got := b.value("email"); got != accounts["failing"].Email {
		t.Errorf("email kept = %q", got)
	}
	if got := b.value("password"); got != "" {
		t.Errorf("password sent back: %q", got)
	}
	b.checkAxe("/login with an error")
}

// layoutBox is where an element sits on the screen.
type layoutBox struct {
	Left, Right, Width float64
}

func (b *tab) box(sel string) layoutBox {
	b.t.Helper()
	return eval[layoutBox](b, `(function () {
		const r = document.querySelector(`+"`"+sel+"`"+`).getBoundingClientRect();
		return {Left: r.left, Right: r.right, Width: document.documentElement.clientWidth};
	})()`)
}

// The switch to Arabic renders the page right to left, its navigation mirrored;
// the switch back to French restores it. The choice is remembered on the account.
func TestLanguageSwitchRTL(t *testing.T) {
	t.Parallel()
	b := newTab(t)
	b.login("rtl")
	check := func(lang, dir string) {
		t.Helper()
		if got := b.attr("html", "lang"); got != lang {
			t.Errorf("html lang = %q, want %q", got, lang)
		}
		if got := b.attr("html", "dir"); got != dir {
			t.Errorf("html dir = %q, want %q", got, dir)
		}
		if got := eval[string](b, `getComputedStyle(document.body).direction`); got != dir {
			t.Errorf("computed direction = %q, want %q", got, dir)
		}
		brand, logout := b.box("header.site .brand"), b.box(testSel("logout"))
		mid := brand.Width / 2
		if dir == "rtl" {
			if brand.Left < mid || logout.Right > mid || brand.Left < logout.Right {
				t.Errorf("rtl: the brand (x %.0f–%.0f) should be at the right and sign-out (x %.0f–%.0f) at the left of %.0f px",
					brand.Left, brand.Right, logout.Left, logout.Right, brand.Width)
			}
		} else if brand.Right > mid || logout.Left < mid {
			t.Errorf("ltr: the brand (x %.0f–%.0f) should be at the left and sign-out (x %.0f–%.0f) at the right of %.0f px",
				brand.Left, brand.Right, logout.Left, logout.Right, brand.Width)
		}
	}
	check("fr", "ltr")
	b.get("/account")
	b.submit("lang-ar")
	if loc := b.location(); loc != "/account" {
		t.Errorf("after the switch: at %s, want to stay on /account", loc)
	}
	check("ar", "rtl")
	if got := b.text("h1"); got == "" || strings.ContainsAny(got, "abcdefghijklmnopqrstuvwxyz") {
		t.Errorf("Arabic h1 = %q", got)
	}
	// Remembered: another page, still Arabic.
	b.get("/")
	check("ar", "rtl")
	b.submit("lang-fr")
	check("fr", "ltr")
	if got := b.text("h1"); got != "Accueil" {
		t.Errorf("back in French: h1 = %q", got)
	}
}

// A visitor switches language with links, remembered by a cookie.
func TestVisitorLanguageLinks(t *testing.T) {
	t.Parallel()
	b := newTab(t)
	b.get("/login")
	for _, c := range []struct{ lang, dir, h1 string }{{"ar", "rtl", ""}, {"en", "ltr", "Sign in"}, {"fr", "ltr", "Connexion"}} {
		b.click("lang-" + c.lang)
		b.do(chromedp.WaitReady(chromedp.CSS(`html[lang="` + c.lang + `"]`)))
		if got := b.attr("html", "dir"); got != c.dir {
			t.Errorf("%s: dir %q", c.lang, got)
		}
		if c.h1 != "" {
			if got := b.text("h1"); got != c.h1 {
				t.Errorf("%s: h1 %q, want %q", c.lang, got, c.h1)
			}
		}
		b.get("/login") // the cookie keeps the choice
		if got := b.attr("html", "lang"); got != c.lang {
			t.Errorf("reloaded: lang %q, want %q", got, c.lang)
		}
	}
}

// The password form's errors are beside their fields, announced, and tied to them
// with aria-invalid and aria-describedby.
func TestPasswordChangeErrors(t *testing.T) {
	t.Parallel()
	b := newTab(t)
	b.login("password")
	b.get("/account")
	b.fill("current", "wrong-password")
	b.fill("password", "short")
	b.fill("confirm", "different")
	if st := b.submitCSS(`[data-testid="password-form"] button[type=submit]`); st != 422 {
		t.Errorf("status %d, want 422", st)
	}
	type field struct {
		Invalid, DescribedBy, Message, Value string
		Exists                               bool
	}
	invalid := 0
	for _, name := range []string{"current", "password", "confirm"} {
		f := eval[field](b, `(function () {
			const el = document.querySelector('[data-testid="password-form"] [name="`+name+`"]');
			const ids = (el.getAttribute('aria-describedby') || '').split(' ').filter(Boolean);
			const msg = ids.map(id => document.getElementById(id)).filter(Boolean).map(e => e.textContent.trim()).join(' | ');
			return {Invalid: el.getAttribute('aria-invalid') || '', DescribedBy: ids.join(' '), Message: msg, Value: el.value, Exists: true};
		})()`)
		if f.Value != "" {
			t.Errorf("%s: password value sent back", name)
		}
		if f.Invalid == "true" {
			invalid++
			if f.Message == "" {
				t.Errorf("%s: aria-invalid without an error message tied by aria-describedby (%q)", name, f.DescribedBy)
			}
			if !b.has(testSel(name + "-error")) {
				t.Errorf("%s: no %s-error beside the field", name, name)
			}
		}
	}
	if invalid == 0 {
		t.Fatal("no field marked aria-invalid")
	}
	// The error summary above the form is announced, and counts the errors.
	if b.attr(testSel("form-errors"), "role") != "alert" {
		t.Error("no error summary announced with role=alert")
	} else if got := b.testText("form-errors"); !strings.ContainsAny(got, "123") {
		t.Errorf("the error summary gives no count: %q", got)
	}
	b.checkAxe("/account with errors")
	// Still signed in with the old password: the form changed nothing.
	if b.location() != "/account/password" && b.location() != "/account" {
		t.Errorf("at %s", b.location())
	}
}

// The keyboard alone signs in, and the focus is visible on the way.
func TestKeyboardSignIn(t *testing.T) {
	t.Parallel()
	b := newTab(t)
	b.get("/login")
	focused := b.focused
	// The first Tab reaches the skip link, visible and outlined.
	b.do(chromedp.KeyEvent(kb.Tab))
	if f := focused(); f.Tag != "A" || f.Outline == "none" || f.Width < 2 {
		t.Errorf("first Tab: focus on %+v, want the skip link with a visible outline", f)
	}
	if left := b.box(".skip-link").Left; left < 0 {
		t.Errorf("the focused skip link is off screen (x %.0f)", left)
	}
	f := b.tabTo(func(f focus) bool { return f.Name == "email" })
	if f.Outline == "none" || f.Width < 2 {
		t.Errorf("the focused email field has no visible outline: %+v", f)
	}
	b.do(chromedp.KeyEvent(accounts["keyboard"].Email))
	b.do(chromedp.KeyEvent(kb.Tab))
	if f = focused(); f.Name != "password" {
		t.Fatalf("Tab after email: focus on %+v", f)
	}
	b.do(chromedp.KeyEvent(password))
	b.do(chromedp.KeyEvent(kb.Tab))
	if f = focused(); f.TestID != "login-submit" || f.Outline == "none" {
		t.Errorf("Tab after password: focus on %+v, want the visible submit button", f)
	}
	if _, err := chromedp.RunResponse(b.ctx, chromedp.KeyEvent(kb.Enter)); err != nil {
		t.Fatalf("Enter: %v", err)
	}
	if loc := b.location(); loc != "/" {
		t.Fatalf("after Enter: at %s, want the home page", loc)
	}
	if got := b.testText("current-user"); got != accounts["keyboard"].Name {
		t.Errorf("signed in as %q", got)
	}
}

// In print, the navigation, the language switch and the buttons disappear; the
// portal's name, the page's title and its content stay.
func TestPrintView(t *testing.T) {
	t.Parallel()
	b := newTab(t)
	b.login("supervisor")
	b.media("print")
	for _, sel := range []string{"header.site nav > ul:nth-child(2)", testSel("logout"), ".lang-switch", ".skip-link", ".actions"} {
		if b.has(sel) && b.rendered(sel) {
			t.Errorf("print: %s is shown", sel)
		}
	}
	for _, sel := range []string{"main h1", "header.site .brand"} {
		if !b.rendered(sel) {
			t.Errorf("print: %s is hidden", sel)
		}
	}
	b.media("")
	if !b.rendered(testSel("logout")) {
		t.Error("screen: the sign-out button is hidden")
	}
}
