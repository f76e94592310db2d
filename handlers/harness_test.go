package handlers

import (
	"bytes"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/gorilla/securecookie"

	"awda/models"
	"awda/models/dbtest"
	"awda/static"
	"awda/views"
)

// testApp is the real portal on a fresh database, served over loopback HTTP.
type testApp struct {
	t      *testing.T
	srv    *server
	http   *httptest.Server
	stores *models.Stores
	clock  *dbtest.Clock
	logs   *dbtest.SyncBuffer
}

// testStart is the clock's start in every handler test: a Monday in the report's year.
var testStart = time.Date(2021, 3, 1, 9, 0, 0, 0, time.UTC)

func newTestApp(t *testing.T) *testApp {
	t.Helper()
	clock := dbtest.NewClock(testStart)
	stores := dbtest.Stores(t, clock)
	logs := &dbtest.SyncBuffer{}
	srv := newPortal(t, stores, slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
	hs := httptest.NewServer(srv.e)
	t.Cleanup(hs.Close)
	return &testApp{t: t, srv: srv, http: hs, stores: stores, clock: clock, logs: logs}
}

// newPortal builds the whole portal on stores (catalogue, assets, a test session key),
// as every test and benchmark of this package serves it; logger gets its logs, and
// each of configure may change its configuration.
func newPortal(tb testing.TB, stores *models.Stores, logger *slog.Logger, configure ...func(*Config)) *server {
	tb.Helper()
	catalog, err := views.LoadCatalog()
	if err != nil {
		tb.Fatal(err)
	}
	assets, err := static.New()
	if err != nil {
		tb.Fatal(err)
	}
	if stores.Users.TOTPKeys == nil {
		keys, err := models.NewSecretKeys(testTOTPKey)
		if err != nil {
			tb.Fatal(err)
		}
		stores.Users.TOTPKeys = keys
	}
	cfg := Config{SessionKey: []byte("test-session-key-of-at-least-32-bytes!"), Logger: logger}
	for _, c := range configure {
		c(&cfg)
	}
	srv, err := newServer(cfg, stores, catalog, assets)
	if err != nil {
		tb.Fatal(err)
	}
	return srv
}

// testTOTPKey encrypts the two-step secrets of the tests' portals.
const testTOTPKey = "test-totp-key-of-at-least-32-characters"

// quietLogger discards the logs, for tests and benchmarks that do not read them.
func quietLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// testPassword is the password of every user made by testApp.user.
const testPassword = "a long test passphrase"

// office returns the office with the code, creating it the first time.
func (a *testApp) office(code string) *models.Office {
	a.t.Helper()
	if o, err := a.stores.Offices.ByCode(a.t.Context(), code); err == nil {
		return o
	}
	return dbtest.MustOffice(a.t, a.stores, code, code+" office")
}

// user creates an active user of a role (in an office, when officeCode is not empty).
func (a *testApp) user(email string, role models.Role, officeCode string) *models.User {
	a.t.Helper()
	if officeCode != "" {
		a.office(officeCode)
	}
	u := dbtest.MustUser(a.t, a.stores, email, role, officeCode, testPassword)
	if role == models.RoleAdmin {
		a.enrolTOTP(u)
	}
	return u
}

// testTOTPSecret is the authenticator key of every administrator made by testApp.user:
// administrators must have two-step sign-in, and client.login completes it.
const testTOTPSecret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"

// enrolTOTP turns two-step sign-in on for a user with testTOTPSecret.
func (a *testApp) enrolTOTP(u *models.User) {
	a.t.Helper()
	if err := a.stores.DB.Write.Model(&models.User{}).Where("id = ?", u.ID).
		Updates(map[string]any{"totp_secret": testTOTPSecret, "totp_enabled": true}).Error; err != nil {
		a.t.Fatal(err)
	}
	u.TOTPSecret, u.TOTPEnabled = testTOTPSecret, true
}

// totpSecret is a user's two-step secret, decrypted.
func (a *testApp) totpSecret(email string) string {
	a.t.Helper()
	var u models.User
	if err := a.stores.DB.Read.Where("email = ?", email).First(&u).Error; err != nil {
		a.t.Fatal(err)
	}
	secret, _, err := a.stores.Users.TOTPKeys.Open(u.ID, u.TOTPSecret)
	if err != nil {
		a.t.Fatal(err)
	}
	return secret
}

// totpCode is a code for a user's secret that has not been used yet: when this time
// step's code was used already, the clock moves on to the next step.
func (a *testApp) totpCode(email, secret string) string {
	a.t.Helper()
	var last int64
	a.stores.DB.Read.Model(&models.User{}).Where("email = ?", email).Select("totp_last_step").Scan(&last)
	if step := a.clock.Now().Unix() / 30; step <= last {
		a.clock.Advance(time.Duration((last+1)*30-a.clock.Now().Unix()) * time.Second)
	}
	code, err := models.TOTPCode(secret, a.clock.Now())
	if err != nil {
		a.t.Fatal(err)
	}
	return code
}

// client is one browser: a cookie jar, no redirect following, and the last CSRF token.
type client struct {
	t    *testing.T
	app  *testApp
	http *http.Client
	csrf string
	// header is added to every request (for example a forged X-Forwarded-For).
	header http.Header
}

func (a *testApp) client() *client {
	jar, _ := cookiejar.New(nil)
	return &client{t: a.t, app: a, header: http.Header{}, http: &http.Client{
		Jar:           jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

// page is a response with its body read and parsed.
type page struct {
	*http.Response
	Body string
	Doc  *goquery.Document
}

// find returns the text of the first element matching a selector.
func (p *page) text(selector string) string {
	return strings.TrimSpace(p.Doc.Find(selector).First().Text())
}

// has reports whether the page has an element matching the selector.
func (p *page) has(selector string) bool { return p.Doc.Find(selector).Length() > 0 }

// location is the redirect target.
func (p *page) location() string { return p.Header.Get("Location") }

func (c *client) do(req *http.Request) *page {
	c.t.Helper()
	for k, vs := range c.header {
		for _, v := range vs {
			req.Header.Add(k, v)
		}
	}
	before := c.binding()
	resp, err := c.http.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	doc, _ := goquery.NewDocumentFromReader(bytes.NewReader(b))
	if v, ok := doc.Find(`input[name="_csrf"]`).First().Attr("value"); ok {
		c.csrf = v
	} else if c.binding() != before {
		// A new session (signed in or out) without a page: the token known is stale, as
		// a browser's would be; post fetches a page for the new one.
		c.csrf = ""
	}
	return &page{Response: resp, Body: string(b), Doc: doc}
}

// binding is what the browser's CSRF token is bound to: the session token or anonymous
// id in its session cookie.
func (c *client) binding() string {
	ck := c.sessionCookie()
	if ck == nil {
		return ""
	}
	values := map[any]any{}
	if err := securecookie.DecodeMulti(cookieName, ck.Value, &values, c.app.srv.cookies.Codecs...); err != nil {
		return ""
	}
	token, _ := values["token"].(string)
	anon, _ := values[anonKey].(string)
	return token + "|" + anon
}

// refreshCSRF fetches the page the browser lands on from the sign-in address (the
// sign-in form, the second step, or home once signed in) for the current token.
func (c *client) refreshCSRF() {
	c.t.Helper()
	path := views.PathLogin
	for range 5 {
		p := c.get(path)
		if p.StatusCode != http.StatusSeeOther {
			return
		}
		path = p.location()
	}
}

// get fetches a page.
func (c *client) get(path string) *page {
	c.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, c.app.http.URL+path, nil)
	return c.do(req)
}

// post sends a form with the CSRF token of the last page fetched (fetching a page first
// when no token is known yet, or the session changed since).
func (c *client) post(path string, form url.Values) *page {
	c.t.Helper()
	if c.csrf == "" {
		c.refreshCSRF()
	}
	f := url.Values{}
	for k, v := range form {
		f[k] = v
	}
	f.Set("_csrf", c.csrf)
	return c.postRaw(path, f)
}

// postRaw sends a form exactly as given, without adding a CSRF token.
func (c *client) postRaw(path string, form url.Values) *page {
	c.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, c.app.http.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return c.do(req)
}

// login signs in and fails the test unless it is redirected.
func (c *client) login(email, password string) *page {
	c.t.Helper()
	c.get(views.PathLogin)
	p := c.post(views.PathLogin, url.Values{"email": {email}, "password": {password}})
	if p.StatusCode != http.StatusSeeOther {
		c.t.Fatalf("login %s: status %d, want 303", email, p.StatusCode)
	}
	if strings.HasPrefix(p.location(), views.PathLoginTOTP) {
		secret := c.app.totpSecret(email)
		p = c.post(views.PathLoginTOTP, url.Values{"code": {c.app.totpCode(email, secret)}})
		if p.StatusCode != http.StatusSeeOther {
			c.t.Fatalf("login %s, second step: status %d, want 303", email, p.StatusCode)
		}
	}
	return p
}

// signedIn returns a client signed in as a new user of the role.
func (a *testApp) signedIn(email string, role models.Role, officeCode string) (*client, *models.User) {
	a.t.Helper()
	u := a.user(email, role, officeCode)
	c := a.client()
	c.login(email, testPassword)
	return c, u
}

// sessionCookie is the browser's current session cookie value.
func (c *client) sessionCookie() *http.Cookie {
	u, _ := url.Parse(c.app.http.URL)
	for _, ck := range c.http.Jar.Cookies(u) {
		if ck.Name == cookieName {
			return ck
		}
	}
	return nil
}

// wantStatus fails the test when the page has another status.
func wantStatus(t *testing.T, p *page, want int) {
	t.Helper()
	if p.StatusCode != want {
		t.Fatalf("%s %s: status %d, want %d\n%s", p.Request.Method, p.Request.URL.Path, p.StatusCode, want, excerpt(p.Body))
	}
}

func excerpt(s string) string {
	if len(s) > 600 {
		return s[:600] + "…"
	}
	return s
}
