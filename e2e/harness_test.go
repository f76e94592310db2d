package e2e

import (
	"net/url"
	"strings"
	"testing"
)

// The helpers that later journeys need work on a form of every kind of control.
func TestHarnessHelpers(t *testing.T) {
	t.Parallel()
	b := newTab(t)
	b.get("/login?lang=fr")
	// A form injected into a real page of the portal (the CSP allows no inline script,
	// so it is added from here).
	b.do(chromedpEval(`document.querySelector('main').insertAdjacentHTML('beforeend', ` + "`" + `
		<form id="h">
			<label for="n">Nom complet <span aria-hidden="true">*</span></label><input id="n" name="full_name">
			<label for="s">Pays</label><select id="s" name="country"><option value="">—</option><option value="MA">Maroc</option><option value="SN">Sénégal</option></select>
			<input type="checkbox" id="c" name="consent"><label for="c">Consentement</label>
			<input type="radio" id="r1" name="sex" value="f"><label for="r1">Femme</label>
			<input type="radio" id="r2" name="sex" value="m"><label for="r2">Homme</label>
			<button type="button" data-testid="h-button">OK</button>
		</form>` + "`" + `)`))
	b.fill("Nom complet", "فاطمة الزهراء")
	if got := b.value("full_name"); got != "فاطمة الزهراء" {
		t.Errorf("fill by label: %q", got)
	}
	b.fill("full_name", "Amina")
	if got := b.value("Nom complet"); got != "Amina" {
		t.Errorf("fill by name: %q", got)
	}
	b.choose("Pays", "Sénégal")
	if got := b.value("country"); got != "SN" {
		t.Errorf("choose: %q", got)
	}
	b.check("Consentement", true)
	b.check("Consentement", false)
	b.check("Homme", true)
	if got := eval[string](b, `new FormData(document.getElementById('h')).get('sex')`); got != "m" {
		t.Errorf("radio: %q", got)
	}
	if got := b.testText("h-button"); got != "OK" {
		t.Errorf("testText: %q", got)
	}
	st, body := b.fetch("/healthz")
	if st != 200 || body == "" {
		t.Errorf("fetch /healthz: %d %q", st, body)
	}
	// The keyboard reaches the injected button, with a visible focus all the way.
	b.tabTo(func(f focus) bool { return f.TestID == "h-button" })
	if u, _ := url.Parse(baseURL); !strings.HasPrefix(u.Host, "127.0.0.1:") {
		t.Errorf("the portal is not on the loopback address: %s", baseURL)
	}
}
