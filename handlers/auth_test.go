package handlers

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/gorilla/securecookie"
	"github.com/gorilla/sessions"
	"github.com/labstack/echo/v4"

	"awda/models"
	"awda/views"
)

func TestEachRoleSignsInAndLandsOnItsHome(t *testing.T) {
	app := newTestApp(t)
	for _, role := range models.Roles {
		t.Run(string(role), func(t *testing.T) {
			office := "RAB"
			if role == models.RoleAdmin {
				office = ""
			}
			c, u := app.signedIn(string(role)+"@example.org", role, office)
			home := c.get(views.PathHome)
			wantStatus(t, home, http.StatusOK)
			if got := home.text(`[data-testid="current-user"]`); got != u.Name {
				t.Fatalf("signed-in user shown as %q, want %q", got, u.Name)
			}
			nav := home.Doc.Find(`[data-testid="nav-summary"]`).Length() > 0
			if want := role != models.RoleCaseworker; nav != want {
				t.Fatalf("summary link shown: %v, want %v", nav, want)
			}
		})
	}
}

func TestWrongPasswordGivesOneMessageAndKeepsTheEmail(t *testing.T) {
	app := newTestApp(t)
	app.user("amina@example.org", models.RoleCaseworker, "OUJ")
	for _, email := range []string{"amina@example.org", "nobody@example.org"} {
		c := app.client()
		c.get(views.PathLogin)
		p := c.post(views.PathLogin, url.Values{"email": {email}, "password": {"not the password"}})
		wantStatus(t, p, http.StatusUnauthorized)
		if got := p.text(`[data-testid="login-error"]`); got != "Adresse e-mail ou mot de passe incorrect." {
			t.Fatalf("error message %q", got)
		}
		if v, _ := p.Doc.Find(`input[name="email"]`).Attr("value"); v != email {
			t.Fatalf("email kept as %q, want %q", v, email)
		}
	}
}

func TestSixthFailedAttemptIsRefusedEvenWithTheRightPasswordAndAForgedAddress(t *testing.T) {
	app := newTestApp(t)
	app.user("amina@example.org", models.RoleCaseworker, "OUJ")
	c := app.client()
	for i := range models.MaxEmailFailures {
		c.header.Set("X-Forwarded-For", "203.0.113."+string(rune('1'+i)))
		wantStatus(t, c.post(views.PathLogin, url.Values{"email": {"amina@example.org"}, "password": {"wrong wrong wrong"}}), http.StatusUnauthorized)
	}
	c.header.Set("X-Forwarded-For", "198.51.100.7")
	c.header.Set("X-Real-IP", "198.51.100.7")
	p := c.post(views.PathLogin, url.Values{"email": {"amina@example.org"}, "password": {testPassword}})
	wantStatus(t, p, http.StatusTooManyRequests)
	if !strings.Contains(p.text(`[data-testid="login-error"]`), "15 minutes") {
		t.Fatalf("throttle message %q", p.text(`[data-testid="login-error"]`))
	}
	app.clock.Advance(models.ThrottleWindow + time.Minute)
	wantStatus(t, c.post(views.PathLogin, url.Values{"email": {"amina@example.org"}, "password": {testPassword}}), http.StatusSeeOther)
}

func TestSessionIDChangesAtSignIn(t *testing.T) {
	app := newTestApp(t)
	app.user("amina@example.org", models.RoleCaseworker, "OUJ")
	c := app.client()
	c.login("amina@example.org", testPassword)
	first := c.sessionCookie().Value
	c.login("amina@example.org", testPassword)
	if second := c.sessionCookie().Value; second == first {
		t.Fatal("signing in again kept the same session cookie")
	}
}

// replay signs in, copies the cookie, does something, and checks the copy is refused.
func TestReplayedCookieIsRejected(t *testing.T) {
	cases := map[string]func(app *testApp, c *client, u *models.User){
		"after logout": func(app *testApp, c *client, u *models.User) {
			wantStatus(t, c.post(views.PathLogout, nil), http.StatusSeeOther)
		},
		"after a password change": func(app *testApp, c *client, u *models.User) {
			c.get(views.PathAccount)
			p := c.post(views.PathPassword, url.Values{"current": {testPassword}, "password": {"another long passphrase"}, "confirm": {"another long passphrase"}})
			wantStatus(t, p, http.StatusSeeOther)
		},
		"after deactivation": func(app *testApp, c *client, u *models.User) {
			if err := app.stores.DB.Write.Model(&models.User{}).Where("id = ?", u.ID).Update("active", false).Error; err != nil {
				t.Fatal(err)
			}
			if err := app.stores.Sessions.RevokeUser(t.Context(), u.ID); err != nil {
				t.Fatal(err)
			}
		},
		"after the idle timeout": func(app *testApp, c *client, u *models.User) {
			app.clock.Advance(models.IdleTimeout + time.Second)
		},
		"after the absolute timeout": func(app *testApp, c *client, u *models.User) {
			for range 12 * 3 {
				app.clock.Advance(20 * time.Minute)
				wantStatus(t, c.get(views.PathHome), http.StatusOK)
			}
			app.clock.Advance(time.Minute)
		},
	}
	for name, act := range cases {
		t.Run(name, func(t *testing.T) {
			app := newTestApp(t)
			c, u := app.signedIn("amina@example.org", models.RoleCaseworker, "OUJ")
			stolen := *c.sessionCookie()
			act(app, c, u)
			thief := app.client()
			base, _ := url.Parse(app.http.URL)
			thief.http.Jar.SetCookies(base, []*http.Cookie{&stolen})
			p := thief.get(views.PathHome)
			wantStatus(t, p, http.StatusSeeOther)
			if !strings.HasPrefix(p.location(), views.PathLogin) {
				t.Fatalf("replayed cookie redirected to %q, want the login page", p.location())
			}
		})
	}
}

func TestOneTimePasswordMustBeChangedFirst(t *testing.T) {
	app := newTestApp(t)
	app.office("RAB")
	u, pw, err := app.stores.Users.Create(t.Context(), models.Actor{}, models.UserInput{
		Email: "new@example.org", Name: "Salma Recrue", Role: models.RoleCaseworker, OfficeCode: "RAB",
	})
	if err != nil || pw == "" {
		t.Fatalf("create: %v, one-time password %q", err, pw)
	}
	c := app.client()
	p := c.login(u.Email, pw)
	if p.location() != views.PathAccount {
		t.Fatalf("first sign-in went to %q, want %q", p.location(), views.PathAccount)
	}
	if p := c.get(views.PathHome); p.location() != views.PathAccount {
		t.Fatalf("home before changing the password went to %q", p.location())
	}
	acc := c.get(views.PathAccount)
	if !acc.has(`[data-testid="must-change"]`) {
		t.Fatal("account page does not ask for a new password")
	}
	p = c.post(views.PathPassword, url.Values{"current": {pw}, "password": {"short"}, "confirm": {"short"}})
	wantStatus(t, p, http.StatusUnprocessableEntity)
	if p.text(`[data-testid="password-error"]`) == "" {
		t.Fatal("short password has no message beside the field")
	}
	p = c.post(views.PathPassword, url.Values{"current": {pw}, "password": {"ma nouvelle phrase secrète"}, "confirm": {"ma nouvelle phrase secrète"}})
	wantStatus(t, p, http.StatusSeeOther)
	wantStatus(t, c.get(views.PathHome), http.StatusOK)
}

func TestPostWithoutCSRFTokenIsRefusedAndChangesNothing(t *testing.T) {
	app := newTestApp(t)
	c, u := app.signedIn("amina@example.org", models.RoleCaseworker, "OUJ")
	for _, form := range []url.Values{
		{"language": {"ar"}},
		{"language": {"ar"}, "_csrf": {"forged-token-value"}},
	} {
		p := c.postRaw(views.PathLanguage, form)
		wantStatus(t, p, http.StatusForbidden)
		got, _ := app.stores.Users.Get(t.Context(), u.ID)
		if got.Language != "fr" {
			t.Fatalf("language changed to %q by a request without a valid token", got.Language)
		}
	}
	c.get(views.PathHome)
	wantStatus(t, c.post(views.PathLanguage, url.Values{"language": {"ar"}}), http.StatusSeeOther)
	if got, _ := app.stores.Users.Get(t.Context(), u.ID); got.Language != "ar" {
		t.Fatalf("language %q after a valid request, want ar", got.Language)
	}
}

func TestLanguageSwitchRendersArabicRightToLeft(t *testing.T) {
	app := newTestApp(t)
	c, _ := app.signedIn("amina@example.org", models.RoleCaseworker, "OUJ")
	c.get(views.PathHome)
	c.post(views.PathLanguage, url.Values{"language": {"ar"}, "next": {views.PathHome}})
	p := c.get(views.PathHome)
	html := p.Doc.Find("html")
	if lang, _ := html.Attr("lang"); lang != "ar" {
		t.Fatalf("lang=%q", lang)
	}
	if dir, _ := html.Attr("dir"); dir != "rtl" {
		t.Fatalf("dir=%q", dir)
	}
	anon := app.client()
	anon.header.Set("Accept-Language", "en-GB,en;q=0.9")
	if got := anon.get(views.PathLogin).text("h1"); got != "Sign in" {
		t.Fatalf("anonymous English page title %q", got)
	}
}

func TestSecurityHeadersOnEveryKindOfResponse(t *testing.T) {
	app := newTestApp(t)
	c := app.client()
	paths := []string{views.PathLogin, "/no-such-page", views.PathHealth, app.srv.assets.URL("css/app.css"), views.PathHome}
	for _, path := range paths {
		p := c.get(path)
		for _, h := range []string{"Content-Security-Policy", "X-Content-Type-Options", "Referrer-Policy"} {
			if p.Header.Get(h) == "" {
				t.Errorf("%s (%d): no %s header", path, p.StatusCode, h)
			}
		}
		if !strings.Contains(p.Header.Get("Content-Security-Policy"), "frame-ancestors 'none'") {
			t.Errorf("%s: CSP lacks frame-ancestors", path)
		}
	}
	s, _ := app.signedIn("amina@example.org", models.RoleCaseworker, "OUJ")
	if got := s.get(views.PathHome).Header.Get("Cache-Control"); got != "no-store" {
		t.Errorf("signed-in page Cache-Control %q", got)
	}
	if got := c.get(app.srv.assets.URL("css/app.css")).Header.Get("Cache-Control"); !strings.Contains(got, "immutable") {
		t.Errorf("asset Cache-Control %q", got)
	}
}

func TestNotFoundPageIsTranslated(t *testing.T) {
	app := newTestApp(t)
	c := app.client()
	c.header.Set("Accept-Language", "ar")
	p := c.get("/no-such-page")
	wantStatus(t, p, http.StatusNotFound)
	if got := p.text("h1"); got != "الصفحة غير موجودة" {
		t.Fatalf("404 title %q", got)
	}
}

func TestPanicGivesA500PageWithoutDetails(t *testing.T) {
	app := newTestApp(t)
	app.srv.e.GET("/test-panic", func(c echo.Context) error { panic("secret internal detail") })
	p := app.client().get("/test-panic")
	wantStatus(t, p, http.StatusInternalServerError)
	if strings.Contains(p.Body, "secret internal detail") || strings.Contains(p.Body, "goroutine") {
		t.Fatal("500 page shows the panic")
	}
	id := p.Header.Get(echo.HeaderXRequestID)
	if id == "" || !strings.Contains(p.Body, id) || !strings.Contains(app.logs.String(), id) {
		t.Fatal("500 page and log do not share the request id")
	}
}

func TestHealthz(t *testing.T) {
	app := newTestApp(t)
	p := app.client().get(views.PathHealth)
	wantStatus(t, p, http.StatusOK)
	if strings.TrimSpace(p.Body) != `{"status":"ok"}` {
		t.Fatalf("body %q", p.Body)
	}
	app.stores.DB.Close()
	wantStatus(t, app.client().get(views.PathHealth), http.StatusServiceUnavailable)
}

func TestLogsHoldNoPasswordOrName(t *testing.T) {
	app := newTestApp(t)
	const canaryName, canaryPassword = "Canaryname Zqxjv", "zebra-horizon-7781"
	app.office("RAB")
	if _, _, err := app.stores.Users.Create(t.Context(), models.Actor{}, models.UserInput{
		Email: "canary@example.org", Name: canaryName, Role: models.RoleCaseworker, OfficeCode: "RAB", Password: canaryPassword,
	}); err != nil {
		t.Fatal(err)
	}
	c := app.client()
	c.get(views.PathLogin + "?next=/cases?q=" + url.QueryEscape(canaryName))
	c.post(views.PathLogin, url.Values{"email": {"canary@example.org"}, "password": {"wrong " + canaryPassword}})
	c.login("canary@example.org", canaryPassword)
	c.get(views.PathHome)
	logs := app.logs.String()
	for _, secret := range []string{canaryName, "Canaryname", canaryPassword, "canary@example.org"} {
		if strings.Contains(logs, secret) {
			t.Fatalf("logs contain %q:\n%s", secret, logs)
		}
	}
	if !strings.Contains(logs, "route=/login") {
		t.Fatalf("request log missing: %s", logs)
	}
}

// The cookie's values travel as a JSON object of strings; anything else is refused when
// the cookie is written, not found garbled when it is read.
func TestCookieValuesAreStringsOnly(t *testing.T) {
	var sz stringValues
	b, err := sz.Serialize(map[any]any{"token": "abc", "flash": `[{"kind":"ok"}]`})
	if err != nil {
		t.Fatal(err)
	}
	got := map[any]any{}
	if err := sz.Deserialize(b, &got); err != nil {
		t.Fatal(err)
	}
	if got["token"] != "abc" || got["flash"] != `[{"kind":"ok"}]` || len(got) != 2 {
		t.Fatalf("round trip gave %v", got)
	}
	for _, bad := range []map[any]any{{"n": 1}, {1: "x"}} {
		if _, err := sz.Serialize(bad); err == nil {
			t.Errorf("%v was accepted", bad)
		}
	}
}

// A session cookie written by an earlier build (gob-encoded values under the same keys)
// signs the browser out instead of failing the request.
func TestCookieFromTheGobEraSignsOut(t *testing.T) {
	app := newTestApp(t)
	app.user("amina@example.org", models.RoleCaseworker, "OUJ")
	c := app.client()
	c.login("amina@example.org", testPassword)
	current := map[any]any{}
	if err := securecookie.DecodeMulti(cookieName, c.sessionCookie().Value, &current, app.srv.cookies.Codecs...); err != nil {
		t.Fatal(err)
	}
	if current["token"] == nil {
		t.Fatal("no token in the session cookie")
	}
	// The same keys with gorilla's default serialiser, as the earlier build wrote them.
	key := app.srv.cfg.SessionKey
	old := sessions.NewCookieStore(derivedKey(key, "cookie-hash"), derivedKey(key, "cookie-block"))
	value, err := securecookie.EncodeMulti(cookieName, map[any]any{"token": current["token"]}, old.Codecs...)
	if err != nil {
		t.Fatal(err)
	}
	base, _ := url.Parse(app.http.URL)
	c.http.Jar.SetCookies(base, []*http.Cookie{{Name: cookieName, Value: value, Path: "/"}})
	p := c.get(views.PathHome)
	wantStatus(t, p, http.StatusSeeOther)
	if !strings.HasPrefix(p.location(), views.PathLogin) {
		t.Fatalf("gob cookie redirected to %q, want the login page", p.location())
	}
	wantStatus(t, c.get(views.PathLogin), http.StatusOK)
}

// parallelPosts sends the same form n times at once from one browser (its cookies and
// CSRF token) and counts the answers by status.
func (c *client) parallelPosts(n int, path string, form url.Values) map[int]int {
	c.t.Helper()
	f := url.Values{}
	for k, v := range form {
		f[k] = v
	}
	f.Set("_csrf", c.csrf)
	body := f.Encode()
	var mu sync.Mutex
	counts := map[int]int{}
	var wg sync.WaitGroup
	start := make(chan struct{})
	for range n {
		wg.Go(func() {
			<-start
			req, _ := http.NewRequest(http.MethodPost, c.app.http.URL+path, strings.NewReader(body))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			resp, err := c.http.Do(req)
			status := 0
			if err == nil {
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				status = resp.StatusCode
			}
			mu.Lock()
			counts[status]++
			mu.Unlock()
		})
	}
	close(start)
	wg.Wait()
	return counts
}

// 100 wrong passwords for one email from one address, all at once: the throttle is
// reserved before the password is checked, so at most five are checked (401) and every
// other one is refused (429).
func TestLoginThrottleUnderConcurrency(t *testing.T) {
	app := newTestApp(t)
	app.user("amina@example.org", models.RoleCaseworker, "OUJ")
	c := app.client()
	c.get(views.PathLogin)
	counts := c.parallelPosts(100, views.PathLogin, url.Values{"email": {"amina@example.org"}, "password": {"wrong wrong wrong"}})
	t.Logf("answers by status: %v", counts)
	if counts[http.StatusUnauthorized] > models.MaxEmailFailures || counts[http.StatusUnauthorized]+counts[http.StatusTooManyRequests] != 100 {
		t.Fatalf("answers %v: want at most %d checked (401), the rest 429", counts, models.MaxEmailFailures)
	}
	var failures int64
	app.stores.DB.Read.Model(&models.AuditEvent{}).Where("action = ?", "login_failed").Count(&failures)
	if failures != 100 {
		t.Fatalf("%d failed sign-ins in the audit log, want every one of the 100", failures)
	}
	// The right password is refused too until the window has passed.
	wantStatus(t, c.post(views.PathLogin, url.Values{"email": {"amina@example.org"}, "password": {testPassword}}), http.StatusTooManyRequests)
	app.clock.Advance(models.ThrottleWindow + time.Second)
	wantStatus(t, c.post(views.PathLogin, url.Values{"email": {"amina@example.org"}, "password": {testPassword}}), http.StatusSeeOther)
}

// 60 wrong codes sent at once in one session waiting for its second step: at most five
// are checked.
func TestTOTPThrottleUnderConcurrency(t *testing.T) {
	app := newTestApp(t)
	u := app.user("cw@example.org", models.RoleCaseworker, "RAB")
	app.enrolTOTP(u)
	c := app.client()
	c.get(views.PathLogin)
	p := c.post(views.PathLogin, url.Values{"email": {u.Email}, "password": {testPassword}})
	if p.StatusCode != http.StatusSeeOther || !strings.HasPrefix(p.location(), views.PathLoginTOTP) {
		t.Fatalf("password step: %d %q", p.StatusCode, p.location())
	}
	c.get(views.PathLoginTOTP)
	counts := c.parallelPosts(60, views.PathLoginTOTP, url.Values{"code": {"000000"}})
	t.Logf("answers by status: %v", counts)
	if counts[http.StatusUnauthorized] > 5 || counts[http.StatusUnauthorized]+counts[http.StatusTooManyRequests] != 60 {
		t.Fatalf("answers %v: want at most 5 codes checked (401), the rest 429", counts)
	}
	// The right code is refused as well now.
	wantStatus(t, c.post(views.PathLoginTOTP, url.Values{"code": {app.totpCode(u.Email, testTOTPSecret)}}), http.StatusTooManyRequests)
}

// Checking the current password (to change it, or to turn two-step sign-in off) is
// throttled like signing in: five wrong guesses, and the next, right or wrong, is
// refused for the window; nothing changes meanwhile.
func TestCurrentPasswordThrottle(t *testing.T) {
	app := newTestApp(t)
	c, u := app.signedIn("cw@example.org", models.RoleCaseworker, "RAB")
	app.enrolTOTP(u)
	const next = "une toute nouvelle phrase"
	for i := range 5 {
		c.get(views.PathAccount)
		var p *page
		if i%2 == 0 {
			p = c.post(views.PathPassword, url.Values{"current": {fmt.Sprint("wrong guess ", i)}, "password": {next}, "confirm": {next}})
		} else {
			c.get(views.PathTOTP)
			p = c.post(views.PathTOTP, url.Values{"action": {"disable"}, "password": {fmt.Sprint("wrong guess ", i)}})
		}
		wantStatus(t, p, http.StatusUnprocessableEntity)
	}
	c.get(views.PathAccount)
	p := c.post(views.PathPassword, url.Values{"current": {testPassword}, "password": {next}, "confirm": {next}})
	wantStatus(t, p, http.StatusTooManyRequests)
	if got := p.text(`[data-testid="current-error"]`); got == "" {
		t.Fatal("no message beside the current password")
	}
	c.get(views.PathTOTP)
	wantStatus(t, c.post(views.PathTOTP, url.Values{"action": {"disable"}, "password": {testPassword}}), http.StatusTooManyRequests)
	got, _ := app.stores.Users.Get(t.Context(), u.ID)
	if ok, _ := models.VerifyPassword(testPassword, got.PasswordHash); !ok || !got.TOTPEnabled {
		t.Fatal("the password or two-step sign-in changed while throttled")
	}
	// Still signed in, and once the window has passed the right password works.
	wantStatus(t, c.get(views.PathHome), http.StatusOK)
	app.clock.Advance(models.ThrottleWindow + time.Second)
	c.get(views.PathAccount)
	wantStatus(t, c.post(views.PathPassword, url.Values{"current": {testPassword}, "password": {next}, "confirm": {next}}), http.StatusSeeOther)
}

// A new password whose confirmation differs is refused before anything is saved: the
// old password still works and the session goes on.
func TestPasswordChangeChecksConfirmationFirst(t *testing.T) {
	app := newTestApp(t)
	c, u := app.signedIn("cw@example.org", models.RoleCaseworker, "RAB")
	before := c.sessionCookie().Value
	c.get(views.PathAccount)
	p := c.post(views.PathPassword, url.Values{"current": {testPassword}, "password": {"une toute nouvelle phrase"}, "confirm": {"une autre phrase encore"}})
	wantStatus(t, p, http.StatusUnprocessableEntity)
	if p.text(`[data-testid="confirm-error"]`) == "" {
		t.Fatal("no message beside the confirmation")
	}
	got, _ := app.stores.Users.Get(t.Context(), u.ID)
	if ok, _ := models.VerifyPassword(testPassword, got.PasswordHash); !ok {
		t.Fatal("the new password was saved although its confirmation differs")
	}
	if c.sessionCookie().Value != before {
		t.Fatal("the session cookie changed")
	}
	wantStatus(t, c.get(views.PathHome), http.StatusOK)
}

// A path that starts with two slashes is a path of this site: the language links of its
// 404 page stay here instead of naming it as a host.
func TestNotFoundLanguageLinksStayOnSite(t *testing.T) {
	app := newTestApp(t)
	for _, path := range []string{"//evil.example/foo", "//evil.example/foo?x=1", "/\\evil.example/foo", "///evil.example"} {
		p := rawGet(t, app, path)
		if p.StatusCode != http.StatusNotFound {
			t.Fatalf("%s: status %d, want 404", path, p.StatusCode)
		}
		links := p.Doc.Find(`[data-testid^="lang-"]`)
		if links.Length() != 3 {
			t.Fatalf("%s: %d language links", path, links.Length())
		}
		links.Each(func(_ int, s *goquery.Selection) {
			href, _ := s.Attr("href")
			u, err := url.Parse(href)
			if err != nil || u.Host != "" || u.Scheme != "" || !strings.HasPrefix(href, "/") || strings.HasPrefix(href, "//") || strings.HasPrefix(href, "/\\") {
				t.Errorf("%s: language link %q leaves the site", path, href)
			}
			if u != nil && u.Query().Get("lang") == "" {
				t.Errorf("%s: language link %q has no lang", path, href)
			}
		})
	}
}

// rawGet sends a request line exactly as given (net/http would turn a path starting
// with // into an absolute URL), and parses the answer.
func rawGet(t *testing.T, app *testApp, target string) *page {
	t.Helper()
	u, _ := url.Parse(app.http.URL)
	conn, err := net.Dial("tcp", u.Host)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "GET %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n", target, u.Host)
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	doc, _ := goquery.NewDocumentFromReader(bytes.NewReader(b))
	return &page{Response: resp, Body: string(b), Doc: doc}
}

// The CSRF token belongs to the browser's session on the server: it changes at sign-in,
// a token of another session (or a cookie planted to match it) is refused, it is read
// from the form body or the X-CSRF-Token header but never from the query string, and a
// request from another origin is refused even with a valid token.
func TestCSRFBoundToSession(t *testing.T) {
	app := newTestApp(t)
	u := app.user("cw@example.org", models.RoleCaseworker, "RAB")
	c := app.client()
	c.get(views.PathLogin)
	signedOut := c.csrf
	if signedOut == "" {
		t.Fatal("the sign-in form has no CSRF token")
	}
	c.login(u.Email, testPassword)
	c.get(views.PathHome)
	if c.csrf == signedOut {
		t.Error("the CSRF token did not change at sign-in")
	}
	language := func(form url.Values, header http.Header) *page {
		req, _ := http.NewRequest(http.MethodPost, app.http.URL+views.PathLanguage+"?"+form.Get("query"), strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		for k, v := range header {
			req.Header[k] = v
		}
		return c.do(req)
	}
	refused := map[string]*page{
		"the token from before sign-in": language(url.Values{"language": {"en"}, "_csrf": {signedOut}}, nil),
		"the token in the query string": language(url.Values{"language": {"en"}, "query": {"_csrf=" + url.QueryEscape(c.csrf)}}, nil),
	}
	// Another browser's token, and a planted cookie matching a token of one's choosing
	// (the double-submit weakness).
	other := app.client()
	other.get(views.PathLogin)
	refused["another browser's token"] = language(url.Values{"language": {"en"}, "_csrf": {other.csrf}}, nil)
	base, _ := url.Parse(app.http.URL)
	c.http.Jar.SetCookies(base, []*http.Cookie{{Name: "awda_csrf", Value: "plantedplantedplantedplantedplan", Path: "/"}})
	refused["a planted cookie and its token"] = language(url.Values{"language": {"en"}, "_csrf": {"plantedplantedplantedplantedplan"}}, nil)
	token := c.csrf
	refused["another origin, no Sec-Fetch-Site"] = language(url.Values{"language": {"en"}, "_csrf": {token}},
		http.Header{"Origin": {"https://evil.example"}})
	refused["Origin null"] = language(url.Values{"language": {"en"}, "_csrf": {token}}, http.Header{"Origin": {"null"}})
	refused["Sec-Fetch-Site cross-site"] = language(url.Values{"language": {"en"}, "_csrf": {token}},
		http.Header{"Sec-Fetch-Site": {"cross-site"}, "Origin": {app.http.URL}})
	refused["Sec-Fetch-Site same-site"] = language(url.Values{"language": {"en"}, "_csrf": {token}},
		http.Header{"Sec-Fetch-Site": {"same-site"}})
	for name, p := range refused {
		if p.StatusCode != http.StatusForbidden {
			t.Errorf("%s: status %d, want 403", name, p.StatusCode)
		}
	}
	if got, _ := app.stores.Users.Get(t.Context(), u.ID); got.Language != "fr" {
		t.Fatalf("language changed to %q by a refused request", got.Language)
	}
	// This site's origin, the header instead of the body, and a browser without the
	// fetch metadata or Origin headers are accepted.
	wantStatus(t, language(url.Values{"language": {"en"}, "_csrf": {token}},
		http.Header{"Origin": {app.http.URL}}), http.StatusSeeOther)
	wantStatus(t, language(url.Values{"language": {"ar"}},
		http.Header{"X-CSRF-Token": {token}, "Sec-Fetch-Site": {"same-origin"}, "Origin": {app.http.URL}}), http.StatusSeeOther)
	wantStatus(t, language(url.Values{"language": {"fr"}, "_csrf": {token}}, nil), http.StatusSeeOther)
	// Signing out ends the token with the session.
	wantStatus(t, c.post(views.PathLogout, nil), http.StatusSeeOther)
	wantStatus(t, language(url.Values{"language": {"en"}, "_csrf": {token}}, nil), http.StatusForbidden)
}

// Two-step secrets are stored encrypted (AES-GCM, the key's id before the ciphertext):
// the column never holds the secret, a secret saved in clear by an earlier version is
// encrypted at its next use, a key can be replaced while the old one still decrypts,
// and a ciphertext copied onto another account does not decrypt.
func TestTOTPSecretsEncryptedAtRest(t *testing.T) {
	app := newTestApp(t)
	c, u := app.signedIn("cw@example.org", models.RoleCaseworker, "RAB")
	stored := func(id uint) string {
		var s string
		app.stores.DB.Read.Model(&models.User{}).Where("id = ?", id).Select("totp_secret").Scan(&s)
		return s
	}
	p := c.get(views.PathTOTP)
	secret := p.text(`[data-testid="totp-secret"]`)
	if secret == "" {
		t.Fatal("no secret on the enrolment page")
	}
	code, _ := models.TOTPCode(secret, app.clock.Now())
	wantStatus(t, c.post(views.PathTOTP, url.Values{"action": {"enable"}, "code": {code}}), http.StatusOK)
	raw := stored(u.ID)
	if strings.Contains(raw, secret) || !strings.HasPrefix(raw, "enc1:"+app.stores.Users.TOTPKeys.CurrentID()+":") {
		t.Fatalf("totp_secret column holds %q, want it encrypted (the secret is %q)", raw, secret)
	}
	app.clock.Advance(30 * time.Second)
	c.login(u.Email, testPassword) // the second step decrypts it

	// A secret in clear, as an earlier version saved it, works and is encrypted on use.
	legacy := app.user("legacy@example.org", models.RoleCaseworker, "RAB")
	app.enrolTOTP(legacy)
	if stored(legacy.ID) != testTOTPSecret {
		t.Fatal("the fixture did not store the secret in clear")
	}
	app.client().login(legacy.Email, testPassword)
	if raw := stored(legacy.ID); strings.Contains(raw, testTOTPSecret) || !strings.HasPrefix(raw, "enc1:") {
		t.Fatalf("a clear secret stayed clear after its use: %q", raw)
	}

	// Rotation: the new key encrypts, the old one still decrypts until every secret has
	// been encrypted again; without the old key a secret cannot be read.
	oldKeys := app.stores.Users.TOTPKeys
	rotated, err := models.NewSecretKeys("a brand new key for the two-step secrets!", testTOTPKey)
	if err != nil {
		t.Fatal(err)
	}
	app.stores.Users.TOTPKeys = rotated
	sealed, unreadable, err := app.stores.Users.SealTOTPSecrets(t.Context())
	if err != nil || sealed != 2 || unreadable != 0 {
		t.Fatalf("re-encrypted %d, unreadable %d, %v; want 2, 0", sealed, unreadable, err)
	}
	if raw := stored(u.ID); !strings.HasPrefix(raw, "enc1:"+rotated.CurrentID()+":") {
		t.Fatalf("after rotation the secret is %q, want under key %s", raw, rotated.CurrentID())
	}
	app.clock.Advance(30 * time.Second)
	c.login(u.Email, testPassword)
	newOnly, _ := models.NewSecretKeys("a brand new key for the two-step secrets!")
	if _, _, err := oldKeys.Open(u.ID, stored(u.ID)); err == nil {
		t.Fatal("the retired key still decrypts a secret encrypted again")
	}
	if got, _, err := newOnly.Open(u.ID, stored(u.ID)); err != nil || got != secret {
		t.Fatalf("the new key alone: %q, %v", got, err)
	}
	// Copied onto another account, the ciphertext does not decrypt.
	if _, _, err := newOnly.Open(legacy.ID, stored(u.ID)); err == nil {
		t.Fatal("a secret decrypted for another account")
	}
}
