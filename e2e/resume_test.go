package e2e

import (
	"context"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// endSessionOnServer ends the tab's session on the server while the browser keeps its
// cookie, as when the session expires or an administrator ends it: the cookie is kept
// aside, the session is signed out from inside the page (the server revokes its token),
// and the old cookie is put back, now naming a revoked session.
func (b *tab) endSessionOnServer() {
	b.t.Helper()
	var session *network.Cookie
	b.do(chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		res, err := cdp.Call(ctx, t, network.GetCookies, network.GetCookiesParams{URLs: []string{baseURL}})
		if err != nil {
			return err
		}
		for _, c := range res.Cookies {
			if c.Name == "awda_session" {
				session = c
			}
		}
		return nil
	}))
	if session == nil {
		b.t.Fatal("the tab has no session cookie")
	}
	status := run(b, chromedp.Evaluate[int](`fetch('/logout', {method: 'POST', credentials: 'same-origin',
		headers: {'X-CSRF-Token': document.querySelector('input[name="_csrf"]').value}}).then(r => r.status)`, chromedp.EvalAwaitPromise))
	if status != 200 {
		b.t.Fatalf("sign-out from the page: status %d", status)
	}
	b.do(chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		httpOnly := true
		_, err := cdp.Call(ctx, t, network.SetCookie, network.SetCookieParams{
			Name: session.Name, Value: session.Value, URL: baseURL, Path: "/", HTTPOnly: &httpOnly, SameSite: network.CookieSameSiteLax,
		})
		return err
	}))
}

// A caseworker types notes into a case, the session ends before they save, and they
// sign in again from the page the save answers with: a page lists what they typed, one
// button saves it, and the case file shows the notes exactly as typed.
func TestResumeAfterTheSessionEnded(t *testing.T) {
	t.Parallel()
	form := fixtureForm()
	form.Set("family_name", "Keïta")
	form.Set("given_name", "Resume "+time.Now().Format("150405.000"))
	form.Set("notes", "")
	path := newCase(t, "journey", form)

	b := newTab(t)
	b.login("journey")
	if st := b.get(path + "/edit"); st != 200 {
		t.Fatalf("edit form: status %d", st)
	}
	const notes = "زيارة منزلية يوم الثلاثاء\nL'enfant va à l'école <bientôt> & \"sans retard\""
	b.fill("notes", notes)
	b.endSessionOnServer()

	if st := b.submit("save-case"); st != 401 {
		t.Fatalf("saving after the session ended: status %d, want the sign-in page (401)", st)
	}
	if !b.has(testSel("login-form")) || b.testText("resume-login-notice") == "" {
		t.Fatalf("not the sign-in page with its notice, at %s", b.location())
	}
	b.checkAxe("the sign-in page carrying a form")
	b.fill("email", accounts["journey"].Email)
	b.fill("password", password)
	if st := b.submit("login-submit"); st != 200 {
		t.Fatalf("sign in again: status %d", st)
	}
	if got := b.testText("resume-notice"); got != "Votre session avait expiré. Vos modifications ne sont pas encore enregistrées." {
		t.Fatalf("resume notice %q", got)
	}
	listed := eval[string](b, `(function () {
		const names = [...document.querySelectorAll('[data-testid="resume-name"]')].map(e => e.textContent);
		const i = names.indexOf('notes');
		return i < 0 ? '' : document.querySelectorAll('[data-testid="resume-value"]')[i].textContent;
	})()`)
	if listed != notes {
		t.Errorf("notes listed as %q, want %q", listed, notes)
	}
	b.checkAxe("the page to send a form again")

	if st := b.submit("resume-submit"); st != 200 {
		t.Fatalf("send again: status %d at %s", st, b.location())
	}
	if loc := b.location(); loc != path {
		t.Fatalf("saved and landed on %s, want the case file %s", loc, path)
	}
	if got := b.text(testSel("profile") + " dd.notes"); got != notes {
		t.Errorf("the case file shows notes %q, want %q", got, notes)
	}
	if got := b.testText("flash-success"); got != "Enregistré." {
		t.Errorf("confirmation %q, want Enregistré.", got)
	}
}
