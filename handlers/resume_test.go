package handlers

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"awda/models"
	"awda/views"
)

// field is one name and value of a form, in the order a browser sends them.
type field struct{ name, value string }

// browserFields are the fields a browser sends for a form of the page, in document
// order: its enabled inputs (checkboxes and radios when checked), textareas and selects,
// with values from fill by name. Newlines become CRLF, as a browser's urlencoded
// serializer makes them.
func browserFields(t *testing.T, p *page, sel string, fill map[string]string) (action string, fields []field) {
	t.Helper()
	form := p.Doc.Find(sel)
	if form.Length() != 1 {
		t.Fatalf("%d forms %s on the page (status %d)\n%s", form.Length(), sel, p.StatusCode, excerpt(p.Body))
	}
	action, _ = form.Attr("action")
	crlf := strings.NewReplacer("\r\n", "\r\n", "\r", "\r\n", "\n", "\r\n")
	add := func(name, v string) {
		if f, ok := fill[name]; ok {
			v = f
		}
		fields = append(fields, field{name, crlf.Replace(v)})
	}
	form.Find("input[name]:not([disabled]), textarea[name], select[name]").Each(func(_ int, s *goquery.Selection) {
		name, _ := s.Attr("name")
		v, _ := s.Attr("value")
		switch typ, _ := s.Attr("type"); {
		case goquery.NodeName(s) == "textarea":
			add(name, s.Text())
		case goquery.NodeName(s) == "select":
			opts := s.Find("option[selected]")
			if opts.Length() == 0 {
				opts = s.Find("option").First()
			}
			opts.Each(func(_ int, o *goquery.Selection) {
				v, ok := o.Attr("value")
				if !ok {
					v = o.Text()
				}
				add(name, v)
			})
		case typ == "checkbox" || typ == "radio":
			if _, on := s.Attr("checked"); on {
				if _, ok := s.Attr("value"); !ok {
					v = "on"
				}
				add(name, v)
			}
		case typ == "submit" || typ == "button" || typ == "file":
		default:
			add(name, v)
		}
	})
	return action, fields
}

// submit sends a form of the page as a browser would, in document order.
func (c *client) submit(p *page, sel string, fill map[string]string) *page {
	c.t.Helper()
	action, fields := browserFields(c.t, p, sel, fill)
	return c.postOrdered(action, fields)
}

// postOrdered sends fields exactly in the order given (url.Values would sort the names).
func (c *client) postOrdered(path string, fields []field) *page {
	c.t.Helper()
	parts := make([]string, len(fields))
	for i, f := range fields {
		parts[i] = url.QueryEscape(f.name) + "=" + url.QueryEscape(f.value)
	}
	req, _ := http.NewRequest(http.MethodPost, c.app.http.URL+path, strings.NewReader(strings.Join(parts, "&")))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return c.do(req)
}

// carriedOf reads the form a sign-in page carries: its action and its fields in order.
func carriedOf(t *testing.T, p *page, sel string) (string, []field) {
	t.Helper()
	form := p.Doc.Find(sel)
	action, _ := form.Find(`input[name="` + views.ResumeAction + `"]`).Attr("value")
	var names, values []string
	form.Find(`input[name="` + views.ResumeName + `"]`).Each(func(_ int, s *goquery.Selection) {
		v, _ := s.Attr("value")
		names = append(names, v)
	})
	form.Find(`input[name="` + views.ResumeValue + `"]`).Each(func(_ int, s *goquery.Selection) {
		v, _ := s.Attr("value")
		values = append(values, v)
	})
	if len(names) != len(values) {
		t.Fatalf("%d names and %d values carried", len(names), len(values))
	}
	fields := make([]field, len(names))
	for i := range names {
		fields[i] = field{names[i], values[i]}
	}
	return action, fields
}

func sameFields(t *testing.T, what string, got, want []field) {
	t.Helper()
	if fmt.Sprintf("%q", got) != fmt.Sprintf("%q", want) {
		t.Fatalf("%s:\n got %q\nwant %q", what, got, want)
	}
}

// The note a caseworker types: Arabic, French, two lines, characters HTML cares about.
const typedNote = "زيارة منزلية في تمارة\r\nL'enfant va à l'école <b>&amp;</b> \"bien\""

// activityForm is the activity form as the case page sends it, with a field repeated
// (its values' order matters) that the handler ignores.
func activityForm(csrf string) []field {
	return []field{
		{"_csrf", csrf}, {"kind", "monitoring"}, {"mode", "in_person"}, {"date", "2021-02-26"},
		{"note", typedNote}, {"tag", "ثانياً"}, {"tag", "first"}, {"tag", "ثالثاً"},
	}
}

// wantCarried is activityForm as carried: without the token, names in order, each
// name's values in the order typed.
var wantCarried = []field{
	{"date", "2021-02-26"}, {"kind", "monitoring"}, {"mode", "in_person"}, {"note", typedNote},
	{"tag", "ثانياً"}, {"tag", "first"}, {"tag", "ثالثاً"},
}

// expire lets the session of every client lapse (idle for longer than allowed).
func (a *testApp) expire() { a.clock.Advance(models.IdleTimeout + time.Second) }

func (a *testApp) activityNotes(caseID uint) []string {
	a.t.Helper()
	var notes []string
	if err := a.stores.DB.Read.Model(&models.Activity{}).Where("case_id = ?", caseID).Order("id").Pluck("note", &notes).Error; err != nil {
		a.t.Fatal(err)
	}
	return notes
}

// wantLoginCarrying checks the answer to a form sent after the session expired: the
// sign-in form, not a redirect, carrying the form exactly.
func wantLoginCarrying(t *testing.T, p *page, action string, fields []field) {
	t.Helper()
	wantStatus(t, p, http.StatusUnauthorized)
	if !p.has(`[data-testid="login-form"] input[name="password"]`) || !p.has(`[data-testid="resume-login-notice"]`) {
		t.Fatalf("not the sign-in form with its notice:\n%s", excerpt(p.Body))
	}
	gotAction, got := carriedOf(t, p, `[data-testid="login-form"]`)
	if gotAction != action {
		t.Fatalf("carried action %q, want %q", gotAction, action)
	}
	// The browser's newlines (CRLF) are read back as LF from an attribute, as a browser
	// does too before sending them as CRLF again.
	sameFields(t, "carried fields", got, lfFields(fields))
}

// wantResumePage checks the page shown once signed in again and returns it.
func wantResumePage(t *testing.T, p *page, action string, fields []field) {
	t.Helper()
	wantStatus(t, p, http.StatusOK)
	if got := p.text(`[data-testid="resume-notice"]`); got != "Votre session avait expiré. Vos modifications ne sont pas encore enregistrées." {
		t.Fatalf("notice %q", got)
	}
	if got, _ := p.Doc.Find(`[data-testid="resume-form"]`).Attr("action"); got != action {
		t.Fatalf("resume form sent to %q, want %q", got, action)
	}
	var listed []field
	names := p.Doc.Find(`[data-testid="resume-name"]`)
	p.Doc.Find(`[data-testid="resume-value"]`).Each(func(i int, s *goquery.Selection) {
		listed = append(listed, field{names.Eq(i).Text(), s.Text()})
	})
	sameFields(t, "fields listed", listed, lfFields(fields))
	if strings.Contains(p.Body, "<b>&amp;</b>") {
		t.Fatal("a typed value is not escaped")
	}
	if !p.has(`[data-testid="nav-home"]`) {
		t.Fatal("the page has no navigation: the session is not shown as signed in")
	}
}

func TestExpiredSessionKeepsTheTypedFormThroughSignIn(t *testing.T) {
	app := newTestApp(t)
	cw, u := app.signedIn("cw@example.org", models.RoleCaseworker, "RAB")
	// The browser asks for English; the account's language (French) is the page's once
	// signed in, even without a redirect in between.
	cw.header.Set("Accept-Language", "en")
	cs := app.insertCase("RAB", u, models.StatusReintegration, true)
	cw.get(views.CasePath(cs.ID))
	app.expire()

	path := views.CaseActivitiesPath(cs.ID)
	p := cw.postOrdered(path, activityForm(cw.csrf))
	wantLoginCarrying(t, p, path, wantCarried)
	if got := p.text(`[data-testid="resume-login-notice"]`); !strings.HasPrefix(got, "Your session has expired.") {
		t.Fatalf("the sign-in page is not in the browser's language: %q", got)
	}
	if strings.Contains(app.logs.String(), "زيارة") || strings.Contains(app.logs.String(), "ثانياً") {
		t.Fatal("the log holds a typed value")
	}

	// A wrong password keeps the form too.
	p = cw.submit(p, `[data-testid="login-form"]`, map[string]string{"email": u.Email, "password": "not the password"})
	wantLoginCarrying(t, p, path, wantCarried)
	if !p.has(`[data-testid="login-error"]`) {
		t.Fatal("no error for the wrong password")
	}

	p = cw.submit(p, `[data-testid="login-form"]`, map[string]string{"email": u.Email, "password": testPassword})
	wantResumePage(t, p, path, wantCarried)
	if n := len(app.activityNotes(cs.ID)); n != 0 {
		t.Fatalf("%d activities saved before the user confirmed", n)
	}

	p = cw.submit(p, `[data-testid="resume-form"]`, nil)
	wantStatus(t, p, http.StatusSeeOther)
	if p.location() != views.CasePath(cs.ID)+"#activities" {
		t.Fatalf("saved and sent to %q", p.location())
	}
	if notes := app.activityNotes(cs.ID); len(notes) != 1 || notes[0] != typedNote {
		t.Fatalf("notes saved %q, want [%q]", notes, typedNote)
	}
	if logs := app.logs.String(); strings.Contains(logs, "زيارة") || strings.Contains(logs, "ثانياً") {
		t.Fatal("the log holds a typed value")
	}
}

func TestExpiredSessionKeepsTheFormThroughTheSecondStep(t *testing.T) {
	app := newTestApp(t)
	u := app.user("cw@example.org", models.RoleCaseworker, "RAB")
	app.enrolTOTP(u)
	cw := app.client()
	cw.header.Set("Accept-Language", "ar")
	cw.login(u.Email, testPassword)
	cs := app.insertCase("RAB", u, models.StatusReintegration, true)
	cw.get(views.CasePath(cs.ID))
	app.expire()

	path := views.CaseActivitiesPath(cs.ID)
	p := cw.postOrdered(path, activityForm(cw.csrf))
	wantLoginCarrying(t, p, path, wantCarried)
	p = cw.submit(p, `[data-testid="login-form"]`, map[string]string{"email": u.Email, "password": testPassword})
	wantStatus(t, p, http.StatusOK)
	if !p.has(`[data-testid="login-totp-form"]`) || p.has(`[data-testid="nav-home"]`) {
		t.Fatalf("not the second step alone:\n%s", excerpt(p.Body))
	}
	if lang, _ := p.Doc.Find("html").Attr("lang"); lang != "fr" {
		t.Fatalf("second step in %q, want the account's fr", lang)
	}
	sameFields(t, "carried to the second step", second(carriedOf(t, p, `[data-testid="login-totp-form"]`)), lfFields(wantCarried))
	// Nothing but the second step opens meanwhile.
	if g := cw.get(views.CasePath(cs.ID)); g.location() != views.PathLoginTOTP {
		t.Fatalf("case page before the second factor went to %q", g.location())
	}

	p = cw.submit(p, `[data-testid="login-totp-form"]`, map[string]string{"code": "000000"})
	wantStatus(t, p, http.StatusUnauthorized)
	sameFields(t, "carried after a wrong code", second(carriedOf(t, p, `[data-testid="login-totp-form"]`)), lfFields(wantCarried))

	p = cw.submit(p, `[data-testid="login-totp-form"]`, map[string]string{"code": app.totpCode(u.Email, testTOTPSecret)})
	wantResumePage(t, p, path, wantCarried)
	wantStatus(t, cw.submit(p, `[data-testid="resume-form"]`, nil), http.StatusSeeOther)
	if notes := app.activityNotes(cs.ID); len(notes) != 1 || notes[0] != typedNote {
		t.Fatalf("notes saved %q", notes)
	}
}

func second(_ string, f []field) []field { return f }

func lfFields(fields []field) []field {
	out := make([]field, len(fields))
	for i, f := range fields {
		out[i] = field{f.name, strings.ReplaceAll(f.value, "\r\n", "\n")}
	}
	return out
}

// The re-sent form meets the usual checks: a case changed meanwhile is a conflict, and
// a form of someone else's work is refused.
func TestResentFormIsValidatedAndAuthorisedAsUsual(t *testing.T) {
	app := newTestApp(t)
	a, ua := app.signedIn("a@example.org", models.RoleCaseworker, "RAB")
	b, _ := app.signedIn("b@example.org", models.RoleCaseworker, "RAB")
	id := register(t, a, caseForm("Sylla", "Kadiatou"))

	edit := a.get(views.CaseEditPath(id))
	wantStatus(t, edit, http.StatusOK)
	app.expire()
	mine := map[string]string{"notes": "Vue mardi.\nمتابعة يوم الثلاثاء"}
	p := a.submit(edit, `form[action="`+views.CasePath(id)+`"]`, mine)
	_, carried := carriedOf(t, p, `[data-testid="login-form"]`)
	if len(carried) < 10 {
		t.Fatalf("only %d fields of the case form carried", len(carried))
	}
	p = a.submit(p, `[data-testid="login-form"]`, map[string]string{"email": ua.Email, "password": testPassword})
	wantStatus(t, p, http.StatusOK)
	resume := p

	// Meanwhile a colleague saves a change.
	b.login("b@example.org", testPassword)
	wantStatus(t, b.get(views.CaseEditPath(id)), http.StatusOK)
	theirs := withVersion(caseForm("Sylla", "Kadiatou"), 1)
	theirs.Set("phone", "0611111111")
	wantStatus(t, b.post(views.CasePath(id), theirs), http.StatusSeeOther)

	p = a.submit(resume, `[data-testid="resume-form"]`, nil)
	wantStatus(t, p, http.StatusConflict)
	if got := p.text(`textarea[name="notes"]`); got != "Vue mardi.\nمتابعة يوم الثلاثاء" {
		t.Fatalf("the conflict page lost the typing: %q", got)
	}
	cs, _ := app.stores.Cases.Get(t.Context(), models.Scope{}, id)
	if cs.Phone != "0611111111" || cs.Notes != "Arrived from Oujda." {
		t.Fatalf("conflict applied the stale edit: %q %q", cs.Phone, cs.Notes)
	}

	// Without the conflict, the edit lands.
	edit = a.get(views.CaseEditPath(id))
	app.expire()
	p = a.submit(edit, `form[action="`+views.CasePath(id)+`"]`, mine)
	p = a.submit(p, `[data-testid="login-form"]`, map[string]string{"email": ua.Email, "password": testPassword})
	p = a.submit(p, `[data-testid="resume-form"]`, nil)
	wantStatus(t, p, http.StatusSeeOther)
	if cs, _ := app.stores.Cases.Get(t.Context(), models.Scope{}, id); cs.Notes != "Vue mardi.\r\nمتابعة يوم الثلاثاء" || cs.Phone != "0611111111" {
		t.Fatalf("re-sent edit saved notes %q phone %q", cs.Notes, cs.Phone)
	}

	// Another office's case, and a supervisor's route, stay closed to a caseworker who
	// signs in with a form carried there.
	other, _ := app.signedIn("other@example.org", models.RoleCaseworker, "OUJ")
	for _, tc := range []struct {
		action string
		status int
	}{
		{views.CaseActivitiesPath(id), http.StatusNotFound},
		{views.PathReassign, http.StatusForbidden},
	} {
		other.refreshCSRF()
		p := other.postOrdered(views.PathLogin, []field{{"_csrf", other.csrf}, {"email", "other@example.org"}, {"password", testPassword},
			{views.ResumeAction, tc.action}, {views.ResumeName, "note"}, {views.ResumeValue, "x"}})
		wantStatus(t, p, http.StatusOK)
		wantStatus(t, other.submit(p, `[data-testid="resume-form"]`, nil), tc.status)
	}
	if n := len(app.activityNotes(id)); n != 0 {
		t.Fatalf("%d activities saved on another office's case", n)
	}
}

// A form carried to anywhere but a path of this portal (or to the sign-in and password
// forms) is dropped: the sign-in goes on as a plain one.
func TestCarriedFormToABadActionIsRefused(t *testing.T) {
	app := newTestApp(t)
	u := app.user("cw@example.org", models.RoleCaseworker, "RAB")
	c := app.client()
	for _, action := range []string{
		"//evil.example/cases/1/activities", "https://evil.example/cases/1", "http:/evil.example", "/\\evil.example",
		"javascript:alert(1)", "cases/1/activities", "", views.PathLogin, views.PathPassword, "/cases/../account/password", views.PathAdminImports,
	} {
		c.refreshCSRF()
		p := c.postOrdered(views.PathLogin, []field{{"_csrf", c.csrf}, {"email", u.Email}, {"password", testPassword},
			{views.ResumeAction, action}, {views.ResumeName, "note"}, {views.ResumeValue, "x"}})
		if p.StatusCode != http.StatusSeeOther || p.location() != views.PathHome {
			t.Errorf("action %q: %d → %q, want a plain sign-in", action, p.StatusCode, p.location())
		}
	}
	// Names and values that do not pair up, or too many fields, are dropped too.
	for what, extra := range map[string][]field{
		"unpaired": {{views.ResumeName, "a"}, {views.ResumeName, "b"}, {views.ResumeValue, "1"}},
		"too many": func() []field {
			var f []field
			for i := range maxCarriedFields + 1 {
				f = append(f, field{views.ResumeName, fmt.Sprint("f", i)}, field{views.ResumeValue, "v"})
			}
			return f
		}(),
		"too large": {{views.ResumeName, "note"}, {views.ResumeValue, strings.Repeat("x", maxCarriedBytes)}},
	} {
		c.refreshCSRF()
		p := c.postOrdered(views.PathLogin, append([]field{{"_csrf", c.csrf}, {"email", u.Email}, {"password", testPassword},
			{views.ResumeAction, views.CaseActivitiesPath(1)}}, extra...))
		if p.StatusCode != http.StatusSeeOther || p.location() != views.PathHome {
			t.Errorf("%s: %d → %q, want a plain sign-in", what, p.StatusCode, p.location())
		}
	}
}

// What is not carried goes to the sign-in as before: a forged form (no valid token) is
// refused first; passwords, uploads, empty and oversized forms are redirected.
func TestFormsThatAreNotCarried(t *testing.T) {
	app := newTestApp(t)
	cw, u := app.signedIn("cw@example.org", models.RoleCaseworker, "RAB")
	cs := app.insertCase("RAB", u, models.StatusReintegration, true)
	cw.get(views.CasePath(cs.ID))
	app.expire()
	path := views.CaseActivitiesPath(cs.ID)

	for name, token := range map[string]string{"no token": "", "forged token": "forged-token-value"} {
		form := activityForm(token)
		if token == "" {
			form = form[1:]
		}
		p := cw.postOrdered(path, form)
		wantStatus(t, p, http.StatusForbidden)
		if strings.Contains(p.Body, "زيارة") || p.has(`[data-testid="login-form"]`) {
			t.Errorf("%s: the refusal shows the form or the sign-in", name)
		}
	}

	redirected := map[string]*page{
		"password change": cw.postOrdered(views.PathPassword, []field{{"_csrf", cw.csrf}, {"current", testPassword},
			{"password", "une phrase secrète toute neuve"}, {"confirm", "une phrase secrète toute neuve"}}),
		"empty form": cw.postOrdered(path, []field{{"_csrf", cw.csrf}}),
		"too many fields": cw.postOrdered(path, func() []field {
			f := []field{{"_csrf", cw.csrf}}
			for i := range maxCarriedFields + 1 {
				f = append(f, field{fmt.Sprint("f", i), "v"})
			}
			return f
		}()),
		"upload": cw.upload(views.PathAdminImports, nil, []byte(importFile)),
	}
	for name, p := range redirected {
		if p.StatusCode != http.StatusSeeOther || !strings.HasPrefix(p.location(), views.PathLogin) {
			t.Errorf("%s: %d → %q, want the redirect to sign in", name, p.StatusCode, p.location())
		}
		if strings.Contains(p.Body, "phrase secrète") {
			t.Errorf("%s: a password is sent back", name)
		}
	}
	if n := len(app.activityNotes(cs.ID)); n != 0 {
		t.Fatalf("%d activities saved", n)
	}
}

// A sign-in without a carried form is as before: to the page asked for, or home; an
// account that must change its password goes there first and the form is dropped.
func TestPlainSignInIsUnchanged(t *testing.T) {
	app := newTestApp(t)
	u := app.user("cw@example.org", models.RoleCaseworker, "RAB")
	c := app.client()
	c.get(views.PathLogin)
	p := c.post(views.PathLogin, url.Values{"email": {u.Email}, "password": {testPassword}, "next": {views.PathCases}})
	if p.StatusCode != http.StatusSeeOther || p.location() != views.PathCases {
		t.Fatalf("with next: %d → %q", p.StatusCode, p.location())
	}
	c = app.client()
	if p := c.login(u.Email, testPassword); p.location() != views.PathHome {
		t.Fatalf("without next: → %q", p.location())
	}
	// A GET after the session expired still comes back to the page asked for.
	app.expire()
	if p := c.get(views.PathCases + "?q=x"); p.location() != views.PathLogin+"?next="+url.QueryEscape(views.PathCases+"?q=x") {
		t.Fatalf("expired GET → %q", p.location())
	}

	fresh, pw, err := app.stores.Users.Create(t.Context(), models.Actor{}, models.UserInput{
		Email: "new@example.org", Name: "Salma Recrue", Role: models.RoleCaseworker, OfficeCode: "RAB",
	})
	if err != nil {
		t.Fatal(err)
	}
	c = app.client()
	c.get(views.PathLogin)
	p = c.postOrdered(views.PathLogin, []field{{"_csrf", c.csrf}, {"email", fresh.Email}, {"password", pw},
		{views.ResumeAction, views.CaseActivitiesPath(1)}, {views.ResumeName, "note"}, {views.ResumeValue, "x"}})
	if p.StatusCode != http.StatusSeeOther || p.location() != views.PathAccount {
		t.Fatalf("must change the password: %d → %q", p.StatusCode, p.location())
	}
}

// A form left open over a long weekend, its session long expired, still goes through
// sign-in with what was typed: its CSRF token is bound to that session, which the
// session cookie (kept as long as the browser, not a fixed time) still names.
func TestFormLeftOpenForDaysComesBackThroughSignIn(t *testing.T) {
	app := newTestApp(t)
	cw, u := app.signedIn("cw@example.org", models.RoleCaseworker, "RAB")
	cs := app.insertCase("RAB", u, models.StatusReintegration, true)
	p := cw.get(views.CasePath(cs.ID))
	for _, c := range p.Response.Cookies() {
		if c.Name == cookieName && (c.MaxAge != 0 || !c.Expires.IsZero()) {
			t.Fatalf("session cookie %v: it must last as long as the browser", c)
		}
		if c.Name == "awda_csrf" {
			t.Fatalf("a separate CSRF cookie %v", c)
		}
	}
	const fourDays = 4 * 24 * time.Hour
	app.clock.Advance(fourDays)
	path := views.CaseActivitiesPath(cs.ID)
	p = cw.postOrdered(path, activityForm(cw.csrf))
	wantLoginCarrying(t, p, path, wantCarried)
	p = cw.submit(p, `[data-testid="login-form"]`, map[string]string{"email": u.Email, "password": testPassword})
	wantResumePage(t, p, path, wantCarried)
	wantStatus(t, cw.submit(p, `[data-testid="resume-form"]`, nil), http.StatusSeeOther)
	if notes := app.activityNotes(cs.ID); len(notes) != 1 {
		t.Fatalf("notes saved %q", notes)
	}
}
