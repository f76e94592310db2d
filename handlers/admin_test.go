package handlers

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"awda/models"
	"awda/models/dbtest"
	"awda/views"
)

func TestAdminCreatesAUserWhoseOneTimePasswordIsShownOnce(t *testing.T) {
	app := newTestApp(t)
	app.office("RAB")
	admin, me := app.signedIn("admin@example.org", models.RoleAdmin, "")
	admin.get(views.PathAdminUsers)
	bad := admin.post(views.PathAdminUsers, url.Values{"email": {"nadia@example.org"}, "name": {" "}, "role": {"caseworker"}, "language": {"ar"}})
	wantStatus(t, bad, http.StatusUnprocessableEntity)
	if !bad.has(`[data-testid="name-error"]`) || bad.has(`[data-testid="one-time-password"]`) {
		t.Fatal("missing name: no error beside the field")
	}
	if v, _ := bad.Doc.Find(`#new-email`).Attr("value"); v != "nadia@example.org" {
		t.Fatalf("email kept as %q", v)
	}
	if v, _ := bad.Doc.Find(`#new-language option[selected]`).Attr("value"); v != "ar" {
		t.Fatalf("language kept as %q", v)
	}
	p := admin.post(views.PathAdminUsers, url.Values{"email": {"nadia@example.org"}, "name": {"Nadia"}, "role": {"caseworker"},
		"office": {"RAB"}, "language": {"ar"}})
	wantStatus(t, p, http.StatusCreated)
	pw := p.text(`[data-testid="one-time-password-value"]`)
	if len(pw) < 12 {
		t.Fatalf("one-time password %q", pw)
	}
	if strings.Contains(admin.get(views.PathAdminUsers).Body, pw) {
		t.Fatal("the one-time password is shown again")
	}
	c := app.client()
	if got := c.login("nadia@example.org", pw).location(); got != views.PathAccount {
		t.Fatalf("first sign-in goes to %q, want the password change", got)
	}
	if evs := dbtest.AuditEvents(t)(app.stores.Audit.List(t.Context(), models.AuditFilter{Action: "user.create", UserID: &me.ID})); len(evs) != 1 {
		t.Fatalf("user.create events: %d", len(evs))
	}
}

func TestAdminEditsAUserAndCannotDemoteTheLastAdmin(t *testing.T) {
	app := newTestApp(t)
	app.office("RAB")
	admin, me := app.signedIn("admin@example.org", models.RoleAdmin, "")
	cw := app.user("cw@example.org", models.RoleCaseworker, "RAB")
	admin.get(views.PathAdminUsers + "?edit=" + idStr(cw.ID))
	p := admin.post(views.AdminUserPath(cw.ID), url.Values{"action": {"update"}, "name": {"Karim"}, "role": {"supervisor"}, "office": {""}, "language": {"en"}})
	wantStatus(t, p, http.StatusSeeOther)
	u, _ := app.stores.Users.Get(t.Context(), cw.ID)
	if u.Name != "Karim" || u.Role != models.RoleSupervisor || u.OfficeID != nil || u.Language != "en" {
		t.Fatalf("after edit: %+v", u)
	}
	evs := dbtest.AuditEvents(t)(app.stores.Audit.List(t.Context(), models.AuditFilter{Action: "user.update"}))
	if len(evs) != 1 || evs[0].Fields != "language,name,office,role" {
		t.Fatalf("audit: %+v", evs)
	}
	admin.get(views.PathAdminUsers + "?edit=" + idStr(me.ID))
	p = admin.post(views.AdminUserPath(me.ID), url.Values{"action": {"update"}, "name": {"Me"}, "role": {"supervisor"}, "language": {"fr"}})
	wantStatus(t, p, http.StatusUnprocessableEntity)
	if got := p.text(`[data-testid="role-error"]`); !strings.Contains(got, "administrateur actif") {
		t.Fatalf("role error %q", got)
	}
	if v, _ := p.Doc.Find(`#edit-name`).Attr("value"); v != "Me" {
		t.Fatalf("name kept as %q", v)
	}
}

func idStr(id uint) string { return strconv.FormatUint(uint64(id), 10) }

func TestDeactivationEndsTheUsersSessionsAtOnce(t *testing.T) {
	app := newTestApp(t)
	admin, _ := app.signedIn("admin@example.org", models.RoleAdmin, "")
	cw, u := app.signedIn("cw@example.org", models.RoleCaseworker, "RAB")
	stolen := cw.sessionCookie()
	wantStatus(t, cw.get(views.PathHome), http.StatusOK)
	admin.get(views.PathAdminUsers)
	wantStatus(t, admin.post(views.AdminUserPath(u.ID), url.Values{"action": {"deactivate"}}), http.StatusSeeOther)
	if p := cw.get(views.PathHome); p.StatusCode != http.StatusSeeOther || !strings.HasPrefix(p.location(), views.PathLogin) {
		t.Fatalf("deactivated user's page: %d %q", p.StatusCode, p.location())
	}
	replay := app.client()
	base, _ := url.Parse(app.http.URL)
	replay.http.Jar.SetCookies(base, []*http.Cookie{stolen})
	if p := replay.get(views.PathHome); p.StatusCode != http.StatusSeeOther {
		t.Fatalf("replayed cookie: %d", p.StatusCode)
	}
	wantStatus(t, admin.post(views.AdminUserPath(u.ID), url.Values{"action": {"reactivate"}}), http.StatusSeeOther)
	app.client().login("cw@example.org", testPassword)
}

func TestAdminResetsAPasswordAndUnlocksAThrottledAccount(t *testing.T) {
	app := newTestApp(t)
	admin, _ := app.signedIn("admin@example.org", models.RoleAdmin, "")
	u := app.user("cw@example.org", models.RoleCaseworker, "RAB")
	other := app.client()
	for range models.MaxEmailFailures {
		other.post(views.PathLogin, url.Values{"email": {"cw@example.org"}, "password": {"wrong wrong wrong"}})
	}
	list := admin.get(views.PathAdminUsers)
	if !list.has(`[data-testid="user-` + idStr(u.ID) + `"] [data-testid="throttled"]`) {
		t.Fatal("throttled account not flagged")
	}
	if !list.has(`[data-testid="user-` + idStr(u.ID) + `"] [data-testid="stale"]`) {
		t.Fatal("account never signed in not flagged as stale")
	}
	wantStatus(t, admin.post(views.AdminUserPath(u.ID), url.Values{"action": {"unlock"}}), http.StatusSeeOther)
	if evs := dbtest.AuditEvents(t)(app.stores.Audit.List(t.Context(), models.AuditFilter{Action: "user.unlock", RecordID: idStr(u.ID)})); len(evs) != 1 {
		t.Fatalf("unlock audit events: %d", len(evs))
	}
	if admin.get(views.PathAdminUsers).has(`[data-testid="user-` + idStr(u.ID) + `"] [data-testid="throttled"]`) {
		t.Fatal("still flagged as throttled after unlock")
	}
	p := admin.post(views.AdminUserPath(u.ID), url.Values{"action": {"reset_password"}})
	wantStatus(t, p, http.StatusOK)
	pw := p.text(`[data-testid="one-time-password-value"]`)
	if got := app.client().login("cw@example.org", pw).location(); got != views.PathAccount {
		t.Fatalf("sign-in with the reset password goes to %q", got)
	}
}

func TestOfficesAreCreatedRenamedAndKeptWhenInUse(t *testing.T) {
	app := newTestApp(t)
	admin, _ := app.signedIn("admin@example.org", models.RoleAdmin, "")
	admin.get(views.PathAdminOffices)
	p := admin.post(views.PathAdminOffices, url.Values{"code": {"fe"}, "name": {"Fès"}, "city": {"Fès"}})
	wantStatus(t, p, http.StatusUnprocessableEntity)
	if !p.has(`[data-testid="code-error"]`) {
		t.Fatal("bad code: no error")
	}
	if v, _ := p.Doc.Find(`#field-name`).Attr("value"); v != "Fès" {
		t.Fatalf("name kept as %q", v)
	}
	wantStatus(t, admin.post(views.PathAdminOffices, url.Values{"code": {"fes"}, "name": {"Fès"}, "city": {"Fès"}}), http.StatusSeeOther)
	o, _ := app.stores.Offices.ByCode(t.Context(), "FES")
	wantStatus(t, admin.post(views.AdminOfficePath(o.ID), url.Values{"action": {"rename"}, "name": {"Fès-Meknès"}, "city": {"Fès"}}), http.StatusSeeOther)
	cw := app.user("cw@example.org", models.RoleCaseworker, "FES")
	dbtest.MustCase(t, app.stores, o.ID, cw.ID, dbtest.Person{CaseNumber: "FES-2021-00001", Family: "A", Given: "B"})
	list := admin.get(views.PathAdminOffices)
	if got := list.text(`[data-testid="office-FES"] [data-testid="cases"]`); got != "1" {
		t.Fatalf("case count %q", got)
	}
	if v, _ := list.Doc.Find(`[data-testid="office-FES"] input[name="name"]`).Attr("value"); v != "Fès-Meknès" {
		t.Fatalf("renamed to %q", v)
	}
	admin.post(views.AdminOfficePath(o.ID), url.Values{"action": {"delete"}})
	if _, err := app.stores.Offices.Get(t.Context(), o.ID); err != nil {
		t.Fatal("an office with cases was deleted")
	}
}

func TestTwoStepSignInEnrolmentCodesOnceAndRecoveryCodes(t *testing.T) {
	app := newTestApp(t)
	c, u := app.signedIn("cw@example.org", models.RoleCaseworker, "RAB")
	p := c.get(views.PathTOTP)
	wantStatus(t, p, http.StatusOK)
	secret := p.text(`[data-testid="totp-secret"]`)
	if src, _ := p.Doc.Find(`[data-testid="totp-qr"]`).Attr("src"); !strings.HasPrefix(src, "data:image/png;base64,") || len(src) < 200 {
		t.Fatalf("QR code src %.60q", src)
	}
	wrong := c.post(views.PathTOTP, url.Values{"action": {"enable"}, "code": {"000000"}})
	wantStatus(t, wrong, http.StatusUnprocessableEntity)
	if !wrong.has(`[data-testid="code-error"]`) || wrong.text(`[data-testid="totp-secret"]`) != secret {
		t.Fatal("wrong first code: no error, or the secret changed")
	}
	code, _ := models.TOTPCode(secret, app.clock.Now())
	p = c.post(views.PathTOTP, url.Values{"action": {"enable"}, "code": {code}})
	wantStatus(t, p, http.StatusOK)
	var recovery []string
	p.Doc.Find(`[data-testid="recovery-code"]`).Each(func(_ int, s *goquery.Selection) { recovery = append(recovery, s.Text()) })
	if len(recovery) != 10 {
		t.Fatalf("%d recovery codes shown", len(recovery))
	}
	// Sign in again: the password leads to the second step only.
	b := app.client()
	b.get(views.PathLogin)
	p = b.post(views.PathLogin, url.Values{"email": {u.Email}, "password": {testPassword}, "next": {views.PathCases}})
	if p.StatusCode != http.StatusSeeOther || !strings.HasPrefix(p.location(), views.PathLoginTOTP) {
		t.Fatalf("password step: %d %q", p.StatusCode, p.location())
	}
	for _, path := range []string{views.PathHome, views.PathAccount, views.PathTOTP} {
		if p := b.get(path); p.StatusCode != http.StatusSeeOther || p.location() != views.PathLoginTOTP {
			t.Fatalf("MFA-pending %s: %d %q", path, p.StatusCode, p.location())
		}
	}
	if p := b.get(views.PathLoginTOTP); p.has(`[data-testid="nav-home"]`) || !p.has(`[data-testid="login-totp-form"]`) {
		t.Fatal("the second-step page shows the navigation, or no form")
	}
	// The enrolment code was used: replaying it in the same time step is refused.
	wantStatus(t, b.post(views.PathLoginTOTP, url.Values{"code": {code}}), http.StatusUnauthorized)
	app.clock.Advance(30 * time.Second)
	next, _ := models.TOTPCode(secret, app.clock.Now())
	p = b.post(views.PathLoginTOTP, url.Values{"code": {next}, "next": {views.PathAccount}})
	if p.StatusCode != http.StatusSeeOther || p.location() != views.PathAccount {
		t.Fatalf("second step: %d %q", p.StatusCode, p.location())
	}
	wantStatus(t, b.get(views.PathHome), http.StatusOK)
	// Another browser: the same code again is refused, a recovery code works once.
	d := app.client()
	d.get(views.PathLogin)
	d.post(views.PathLogin, url.Values{"email": {u.Email}, "password": {testPassword}})
	d.get(views.PathLoginTOTP)
	wantStatus(t, d.post(views.PathLoginTOTP, url.Values{"code": {next}}), http.StatusUnauthorized)
	wantStatus(t, d.post(views.PathLoginTOTP, url.Values{"code": {recovery[0]}}), http.StatusSeeOther)
	e := app.client()
	e.get(views.PathLogin)
	e.post(views.PathLogin, url.Values{"email": {u.Email}, "password": {testPassword}})
	e.get(views.PathLoginTOTP)
	wantStatus(t, e.post(views.PathLoginTOTP, url.Values{"code": {recovery[0]}}), http.StatusUnauthorized)
	// Turning it off needs the password.
	b.get(views.PathTOTP)
	wantStatus(t, b.post(views.PathTOTP, url.Values{"action": {"disable"}, "password": {"not my password"}}), http.StatusUnprocessableEntity)
	wantStatus(t, b.post(views.PathTOTP, url.Values{"action": {"disable"}, "password": {testPassword}}), http.StatusSeeOther)
	app.client().login(u.Email, testPassword)
}

func TestAnAdminWithoutTwoStepSignInIsSentToEnrolment(t *testing.T) {
	app := newTestApp(t)
	dbtest.MustUser(t, app.stores, "new-admin@example.org", models.RoleAdmin, "", testPassword)
	c := app.client()
	c.login("new-admin@example.org", testPassword)
	for _, path := range []string{views.PathHome, views.PathAdminUsers, views.ExportPath("cases.csv", nil)} {
		if p := c.get(path); p.StatusCode != http.StatusSeeOther || p.location() != views.PathTOTP {
			t.Fatalf("%s: %d %q, want enrolment", path, p.StatusCode, p.location())
		}
	}
	p := c.get(views.PathTOTP)
	wantStatus(t, p, http.StatusOK)
	if !p.has(`[data-testid="totp-required"]`) {
		t.Fatal("enrolment page does not say it is required")
	}
	code, _ := models.TOTPCode(p.text(`[data-testid="totp-secret"]`), app.clock.Now())
	wantStatus(t, c.post(views.PathTOTP, url.Values{"action": {"enable"}, "code": {code}}), http.StatusOK)
	wantStatus(t, c.get(views.PathAdminUsers), http.StatusOK)
}

func TestAdminHomeShowsAlertsAndLastExports(t *testing.T) {
	app := newTestApp(t)
	admin, _ := app.signedIn("admin@example.org", models.RoleAdmin, "")
	app.user("cw@example.org", models.RoleCaseworker, "RAB")
	app.client().post(views.PathLogin, url.Values{"email": {"cw@example.org"}, "password": {"wrong wrong wrong"}})
	admin.get(views.ExportPath("cases.csv", nil))
	home := admin.get(views.PathHome)
	wantStatus(t, home, http.StatusOK)
	if !home.has(`[data-testid="home-failed"]`) || !home.has(`[data-testid="home-stale-users"]`) {
		t.Fatalf("alerts missing: %s", excerpt(home.Doc.Find(`[data-testid="home-admin-alerts"]`).Text()))
	}
	if got := home.text(`[data-testid="home-export"]`); !strings.Contains(got, "export.cases") {
		t.Fatalf("last exports: %q", got)
	}
}

func TestAuditLogFiltersPaginatesAndExports(t *testing.T) {
	app := newTestApp(t)
	admin, me := app.signedIn("admin@example.org", models.RoleAdmin, "")
	for i := range 60 {
		app.stores.Audit.Record(t.Context(), models.AuditEvent{Action: "case.view", RecordType: "case", RecordID: idStr(uint(i + 1)), UserID: &me.ID, UserEmail: me.Email})
	}
	p := admin.get(views.PathAdminAudit + "?action=case.view")
	wantStatus(t, p, http.StatusOK)
	if n := p.Doc.Find(`[data-testid="audit-event"]`).Length(); n != 50 {
		t.Fatalf("first page: %d rows", n)
	}
	if got := p.text(`[data-testid="audit-event"] td:nth-child(5)`); got != "case 60" {
		t.Fatalf("newest first: %q", got)
	}
	if !p.has(`[data-testid="page-next"]`) {
		t.Fatal("no next page")
	}
	// A change's fields are listed with spaces, where a line may break: joined by
	// commas alone they made one word wider than the page.
	app.stores.Audit.Record(t.Context(), models.AuditEvent{Action: "case.status", RecordType: "case", RecordID: "7",
		UserID: &me.ID, UserEmail: me.Email, Fields: "status,departure_date,arrival_date"})
	p = admin.get(views.PathAdminAudit + "?action=case.status")
	if got := p.text(`[data-testid="audit-event"] [data-testid="fields"]`); got != "status, departure_date, arrival_date" {
		t.Fatalf("changed fields: %q", got)
	}
	p = admin.get(views.PathAdminAudit + "?action=case.view&record_type=case&record_id=7")
	if n := p.Doc.Find(`[data-testid="audit-event"]`).Length(); n != 1 {
		t.Fatalf("record filter: %d rows", n)
	}
	wantStatus(t, admin.get(views.PathAdminAudit+"?from=2021-13-01"), http.StatusUnprocessableEntity)
	csvPage := admin.get(views.PathAdminAuditCSV + "?action=case.view")
	rows := readCSV(t, csvPage)
	if len(rows) != 61 || strings.Join(rows[0], ",") != "at,user_id,user_email,ip,action,record_type,record_id,fields,details" {
		t.Fatalf("audit.csv: %d rows, header %q", len(rows), rows[0])
	}
	evs := dbtest.AuditEvents(t)(app.stores.Audit.List(t.Context(), models.AuditFilter{Action: "export.audit"}))
	if len(evs) != 1 || evs[0].Details != "action=case.view rows=60" {
		t.Fatalf("audit export event: %+v", evs)
	}
}

// A log too long to count whole says its pager is a lower bound ("sur plus de") and
// still offers the next page; the page past the bound counts to its end again.
func TestAuditLogPagerPastTheCountedEvents(t *testing.T) {
	app := newTestApp(t)
	admin, _ := app.signedIn("admin@example.org", models.RoleAdmin, "")
	err := app.stores.DB.Write.Exec(`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
		INSERT INTO audit_events (at, user_email, ip, action, record_type, record_id, fields, details)
		SELECT ?, '', '', 'case.view', 'case', CAST(i AS TEXT), '', '' FROM n`,
		models.AuditCountedEvents+1, time.Date(2021, 2, 1, 9, 0, 0, 0, time.UTC)).Error
	if err != nil {
		t.Fatal(err)
	}
	last := models.AuditCountedEvents/50 + 1
	for _, tt := range []struct {
		query, position string
		next            bool
	}{
		{"?action=case.view", fmt.Sprintf("Page 1 sur plus de %d", last-1), true},
		{fmt.Sprintf("?action=case.view&page=%d", last-1), fmt.Sprintf("Page %d sur plus de %d", last-1, last-1), true},
		{fmt.Sprintf("?action=case.view&page=%d", last), fmt.Sprintf("Page %d sur %d", last, last), false},
	} {
		p := admin.get(views.PathAdminAudit + tt.query)
		wantStatus(t, p, http.StatusOK)
		if got := p.text(`[data-testid="page-position"]`); got != tt.position || p.has(`[data-testid="page-next"]`) != tt.next {
			t.Errorf("%s: %q, next page %v; want %q, %v", tt.query, got, p.has(`[data-testid="page-next"]`), tt.position, tt.next)
		}
	}
}

// readCSV checks the BOM and parses a CSV download.
func readCSV(t *testing.T, p *page) [][]string {
	t.Helper()
	wantStatus(t, p, http.StatusOK)
	if !strings.HasPrefix(p.Body, "\xEF\xBB\xBF") {
		t.Fatalf("no UTF-8 BOM: %q", excerpt(p.Body))
	}
	rows, err := csv.NewReader(bytes.NewReader([]byte(p.Body[3:]))).ReadAll()
	if err != nil {
		t.Fatalf("parse CSV: %v", err)
	}
	return rows
}

// An administrator records a user's sex; the users' list and the user's own header then
// show the role in the matching form ("chargée de dossiers"), and a bad value is
// refused beside the field with the rest kept.
func TestAdminSetsAUsersSexForTheRoleLabel(t *testing.T) {
	app := newTestApp(t)
	app.office("RAB")
	admin, _ := app.signedIn("admin@example.org", models.RoleAdmin, "")
	cw := app.user("cw@example.org", models.RoleCaseworker, "RAB")
	admin.get(views.PathAdminUsers + "?edit=" + idStr(cw.ID))
	bad := admin.post(views.AdminUserPath(cw.ID), url.Values{"action": {"update"}, "name": {"Salma"}, "role": {"caseworker"}, "office": {"RAB"}, "language": {"fr"}, "sex": {"Z"}})
	wantStatus(t, bad, http.StatusUnprocessableEntity)
	if !bad.has(`[data-testid="sex-error"]`) || !bad.has(`[data-testid="error-link-sex"][href="#edit-sex"]`) {
		t.Fatal("bad sex: no error beside the field, or no link to it from the summary")
	}
	if v, _ := bad.Doc.Find(`#edit-name`).Attr("value"); v != "Salma" {
		t.Fatalf("name kept as %q", v)
	}
	p := admin.post(views.AdminUserPath(cw.ID), url.Values{"action": {"update"}, "name": {"Salma"}, "role": {"caseworker"}, "office": {"RAB"}, "language": {"fr"}, "sex": {"F"}})
	wantStatus(t, p, http.StatusSeeOther)
	list := admin.get(views.PathAdminUsers)
	found := false
	list.Doc.Find(`[data-testid="role"]`).Each(func(_ int, s *goquery.Selection) {
		if s.Text() == "chargée de dossiers" {
			found = true
		}
	})
	if !found {
		t.Fatal("the list does not show « chargée de dossiers »")
	}
	// Emails and office codes keep their own direction inside an Arabic page.
	if list.Doc.Find(`td bdi[dir="ltr"]:contains("cw@example.org")`).Length() != 1 || list.Doc.Find(`td bdi:contains("RAB")`).Length() == 0 {
		t.Fatal("the email or the office code is not isolated")
	}
	if v, _ := admin.get(views.PathAdminUsers + "?edit=" + idStr(cw.ID)).Doc.Find(`#edit-sex option[selected]`).Attr("value"); v != "F" {
		t.Fatalf("edit form sex %q", v)
	}
}
