package e2e

import (
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// Page-weight budgets: a page with its CSS and scripts on first load,
// and the same page later, its assets cached by their content hash.
const (
	firstLoadBudget = 60 * 1024
	laterLoadBudget = 15 * 1024
)

// Without JavaScript, a visitor signs in, switches language, reaches every page and
// signs out.
func TestWithoutJavaScript(t *testing.T) {
	t.Parallel()
	b := newTab(t)
	b.noScript()
	// Scripts are really off: a page whose script would set its title keeps it.
	b.do(chromedp.Navigate(`data:text/html,<title>off</title><script>document.title="ran"</script>`))
	if got := run(b, chromedp.Title()); got != "off" {
		t.Fatalf("JavaScript still runs (title %q)", got)
	}
	b.get("/login?lang=fr")
	b.login("nojs")
	if got := b.testText("current-user"); got != accounts["nojs"].Name {
		t.Errorf("signed in as %q", got)
	}
	noScriptPages(b, "supervisor")
	b.get("/")
	b.submit("lang-ar")
	if got := b.attr("html", "dir"); got != "rtl" {
		t.Errorf("language switch without JavaScript: dir %q", got)
	}
	b.submit("lang-fr")
	b.submit("logout")
	if loc := b.location(); !strings.HasPrefix(loc, "/login") {
		t.Errorf("sign-out without JavaScript: at %s", loc)
	}
}

// measure loads a page (a first load: with the browser's caches off) and checks the
// bytes it transferred against a budget, and that no request leaves the portal.
func (b *tab) measure(what, path string, budget float64) float64 {
	t := b.t
	t.Helper()
	base, _ := url.Parse(baseURL)
	b.cacheDisabled(what == "first load")
	defer b.cacheDisabled(false)
	b.net.reset()
	b.get(path)
	b.waitLoaded()
	reqs := b.net.requests()
	got := transferred(reqs)
	t.Logf("%s %s: %.1f KB in %d requests%s", what, path, got/1024, len(reqs), describeRequests(reqs))
	if got > budget {
		t.Errorf("%s of %s: %.1f KB transferred, budget %.0f KB%s", what, path, got/1024, budget/1024, describeRequests(reqs))
	}
	for _, r := range reqs {
		u, err := url.Parse(r.URL)
		if err != nil || (u.Scheme != "data" && u.Host != base.Host) {
			t.Errorf("a request leaves the portal: %s", r.URL)
		}
	}
	return got
}

// noAssetRefetched fails when the last page loaded downloaded an asset again.
func (b *tab) noAssetRefetched() {
	b.t.Helper()
	for _, r := range b.net.requests() {
		if strings.Contains(r.URL, "/static/") && r.Bytes > 0 {
			b.t.Errorf("asset downloaded again on a later load: %s (%.0f B)", r.URL, r.Bytes)
		}
	}
}

// The page weights, from the browser's network log, and no request leaves the portal.
func TestPageWeight(t *testing.T) {
	t.Parallel()
	b := newTab(t)
	b.measure("first load", "/login", firstLoadBudget)
	b.measure("later load", "/login", laterLoadBudget)

	b.login("weight")
	b.measure("first load", "/", firstLoadBudget)
	b.measure("later load", "/account", laterLoadBudget)
	b.measure("later load", "/", laterLoadBudget)
	// The assets of a later load come from the cache: none is fetched again.
	b.noAssetRefetched()
}

// noScriptPages loads every page of pages that role's account loads, in a tab with
// JavaScript off: each answers as expected and has its heading.
func noScriptPages(b *tab, role string) {
	b.t.Helper()
	for _, p := range pages {
		if !contains(p.Who, role) {
			continue
		}
		if st := b.get(p.Path); st != p.status() {
			b.t.Errorf("%s without JavaScript: status %d", p.Path, st)
		}
		if b.text("h1") == "" {
			b.t.Errorf("%s without JavaScript: no heading", p.Path)
		}
	}
}

// The caseworker's and the administrator's pages without JavaScript too, the
// administrator through the second sign-in step.
func TestWithoutJavaScriptOtherRoles(t *testing.T) {
	for _, who := range []string{"nojs-caseworker", "nojs-admin"} {
		t.Run(who, func(t *testing.T) {
			t.Parallel()
			b := newTab(t)
			b.noScript()
			b.login(who)
			noScriptPages(b, accounts[who].Role)
		})
	}
}
