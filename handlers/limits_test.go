package handlers

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"

	"awda/models"
	"awda/views"
)

// limitsForm is one form of the portal with its free-text fields.
type limitsForm struct {
	name   string
	fields []string
	// post sends the form with the values of over (field → value) over a valid base.
	post func(w *limitsWorld, over url.Values) *page
	// flash is true for a form that answers with a message at the top of the page it
	// came from (the reassignment dialog of the case list), not beside a field.
	flash bool
}

// limitsWorld is a portal with one of every record a form can change.
type limitsWorld struct {
	app           *testApp
	cw, sup, adm  *client
	cwUser        *models.User
	cw2           *models.User
	caseID        uint
	approvedID    uint
	supportID     uint
	referralID    uint
	officeID      uint
	editedUserID  uint
	supportForSup uint
	visit         url.Values // a valid baseline visit form
}

func newLimitsWorld(t *testing.T) *limitsWorld {
	w := &limitsWorld{app: newTestApp(t)}
	app := w.app
	rab := app.office("RAB")
	w.officeID = rab.ID
	w.cw, w.cwUser = app.signedIn("cw@example.org", models.RoleCaseworker, "RAB")
	w.sup, _ = app.signedIn("sup@example.org", models.RoleSupervisor, "RAB")
	w.adm, _ = app.signedIn("admin@example.org", models.RoleAdmin, "")
	w.cw2 = app.user("cw2@example.org", models.RoleCaseworker, "RAB")
	w.editedUserID = w.cw2.ID
	w.caseID = register(t, w.cw, caseForm("Sylla", "Kadiatou"))
	w.approvedID = register(t, w.cw, caseForm("Bah", "Oumou"))
	app.stores.DB.Write.Model(&models.Case{}).Where("id = ?", w.approvedID).Update("status", models.StatusApproved)
	ctx := context.Background()
	plan := func() uint {
		sp, err := app.stores.Support.Plan(ctx, models.Actor{User: w.cwUser}, w.cwUser.Scope(), w.caseID, models.SupportInput{
			Type: "cash", Description: "Train ticket", Amount: "100", Currency: "MAD", Date: "2021-02-27"})
		if err != nil {
			t.Fatal(err)
		}
		return sp.ID
	}
	w.supportID, w.supportForSup = plan(), plan()
	r, err := app.stores.Referrals.Create(ctx, models.Actor{User: w.cwUser}, w.cwUser.Scope(), w.caseID, models.ReferralInput{
		Partner: "ANAPEC", Purpose: "Training", Date: "2021-02-27"})
	if err != nil {
		t.Fatal(err)
	}
	w.referralID = r.ID
	w.visit = visitForm(t, "baseline", "2021-02-20", false)
	return w
}

func merge(base, over url.Values) url.Values {
	for k, v := range over {
		base[k] = v
	}
	return base
}

var limitsForms = []limitsForm{
	{name: "case registration", fields: []string{"family_name", "given_name", "phone", "languages", "id_doc_number", "notes", "household[0].name"},
		post: func(w *limitsWorld, over url.Values) *page {
			w.cw.get(views.PathNewCase)
			return w.cw.post(views.PathCases, merge(caseForm("Diallo", "Awa"), over))
		}},
	{name: "case edit", fields: []string{"family_name", "notes"},
		post: func(w *limitsWorld, over url.Values) *page {
			w.cw.get(views.CaseEditPath(w.caseID))
			return w.cw.post(views.CasePath(w.caseID), merge(withVersion(caseForm("Sylla", "Kadiatou"), 1), over))
		}},
	{name: "status note", fields: []string{"note"},
		post: func(w *limitsWorld, over url.Values) *page {
			w.cw.get(views.CasePath(w.caseID))
			return w.cw.post(views.CaseStatusPath(w.caseID), merge(url.Values{"to": {"counselled"}, "version": {"1"}}, over))
		}},
	{name: "return travel", fields: []string{"travel_route", "received_by"},
		post: func(w *limitsWorld, over url.Values) *page {
			w.cw.get(views.CasePath(w.approvedID))
			return w.cw.post(views.CaseStatusPath(w.approvedID), merge(url.Values{"to": {"returned"}, "version": {"1"},
				"departure_date": {"2021-02-27"}}, over))
		}},
	{name: "support plan", fields: []string{"description"},
		post: func(w *limitsWorld, over url.Values) *page {
			w.cw.get(views.CasePath(w.caseID))
			return w.cw.post(views.CaseSupportPath(w.caseID), merge(url.Values{"type": {"cash"}, "description": {"Ticket"},
				"amount": {"100"}, "currency": {"MAD"}, "date": {"2021-02-27"}}, over))
		}},
	{name: "support cancel", fields: []string{"reason"},
		post: func(w *limitsWorld, over url.Values) *page {
			w.cw.get(views.CasePath(w.caseID))
			return w.cw.post(views.SupportActionPath(w.caseID, w.supportID, "cancel"), merge(url.Values{"version": {"1"}}, over))
		}},
	{name: "support send back", fields: []string{"comment"},
		post: func(w *limitsWorld, over url.Values) *page {
			w.sup.get(views.CasePath(w.caseID))
			return w.sup.post(views.SupportActionPath(w.caseID, w.supportForSup, "send-back"), merge(url.Values{"version": {"1"}}, over))
		}},
	{name: "activity", fields: []string{"note"},
		post: func(w *limitsWorld, over url.Values) *page {
			w.cw.get(views.CasePath(w.caseID))
			return w.cw.post(views.CaseActivitiesPath(w.caseID), merge(url.Values{"kind": {"counselling"}, "date": {"2021-02-27"}}, over))
		}},
	{name: "referral", fields: []string{"partner_name", "purpose"},
		post: func(w *limitsWorld, over url.Values) *page {
			w.cw.get(views.CasePath(w.caseID))
			return w.cw.post(views.CaseReferralsPath(w.caseID), merge(url.Values{"partner": {"other"}, "partner_name": {"Cooperative"},
				"purpose": {"Job"}, "date": {"2021-02-27"}}, over))
		}},
	{name: "referral follow-up", fields: []string{"outcome", "reason"},
		post: func(w *limitsWorld, over url.Values) *page {
			w.cw.get(views.CasePath(w.caseID))
			return w.cw.post(views.ReferralPath(w.caseID, w.referralID), merge(url.Values{"status": {"in_progress"}, "version": {"1"}}, over))
		}},
	{name: "group session", fields: []string{"title", "place", "facilitator"},
		post: func(w *limitsWorld, over url.Values) *page {
			w.cw.get(views.PathNewSession)
			return w.cw.post(views.PathSessions, merge(url.Values{"kind": {"information"}, "title": {"Info"}, "date": {"2021-02-27"},
				"place": {"Office"}, "facilitator": {"Amina"}}, over))
		}},
	{name: "reassignment", fields: []string{"reason"}, flash: true,
		post: func(w *limitsWorld, over url.Values) *page {
			w.sup.get(views.PathCases)
			return w.sup.post(views.PathReassign, merge(url.Values{"case_id": {fmt.Sprint(w.caseID)}, "to_user": {fmt.Sprint(w.cw2.ID)}}, over))
		}},
	{name: "new user", fields: []string{"email", "name"},
		post: func(w *limitsWorld, over url.Values) *page {
			w.adm.get(views.PathAdminUsers)
			return w.adm.post(views.PathAdminUsers, merge(url.Values{"email": {"new@example.org"}, "name": {"New"}, "role": {"caseworker"},
				"office": {"RAB"}, "language": {"fr"}}, over))
		}},
	{name: "user edit", fields: []string{"name"},
		post: func(w *limitsWorld, over url.Values) *page {
			w.adm.get(views.PathAdminUsers)
			return w.adm.post(views.AdminUserPath(w.editedUserID), merge(url.Values{"action": {"update"}, "name": {"Agent"},
				"role": {"caseworker"}, "office": {"RAB"}, "language": {"fr"}}, over))
		}},
	{name: "monitoring visit", fields: []string{"interviewer", "notes"},
		post: func(w *limitsWorld, over url.Values) *page {
			w.cw.get(views.CasePath(w.caseID) + "/visits/new")
			return w.cw.post(views.CaseVisitsPath(w.caseID), merge(url.Values(maps.Clone(w.visit)), over))
		}},
	{name: "new office", fields: []string{"name", "city"},
		post: func(w *limitsWorld, over url.Values) *page {
			w.adm.get(views.PathAdminOffices)
			return w.adm.post(views.PathAdminOffices, merge(url.Values{"code": {"TNG"}, "name": {"Tanger"}, "city": {"Tanger"}}, over))
		}},
	{name: "office rename", fields: []string{"name", "city"},
		post: func(w *limitsWorld, over url.Values) *page {
			w.adm.get(views.PathAdminOffices)
			return w.adm.post(views.AdminOfficePath(w.officeID), merge(url.Values{"action": {"rename"}, "name": {"Rabat"}, "city": {"Rabat"}}, over))
		}},
}

// changes counts the audit events of changes: every saved change records one.
func (w *limitsWorld) changes(t *testing.T) int64 {
	t.Helper()
	if err := w.app.stores.Audit.Drain(t.Context()); err != nil {
		t.Fatal(err)
	}
	var n int64
	w.app.stores.DB.Read.Model(&models.AuditEvent{}).Where("action NOT IN ?", []string{"case.view", "login", "login.fail", "logout"}).
		Where("action NOT LIKE ?", "login%").Count(&n)
	return n
}

// TestEveryFreeTextFieldHasItsLimit posts, for every free-text field of every form, one
// character too many (an accented letter: the limit counts characters, not bytes), then
// bytes that are not UTF-8: each time the form is refused with the message beside the
// field and nothing is saved. Every field of models.TextLimits is met at least once.
func TestEveryFreeTextFieldHasItsLimit(t *testing.T) {
	w := newLimitsWorld(t)
	seen := map[string]bool{}
	for _, f := range limitsForms {
		for _, field := range f.fields {
			limit := models.TextLimit(field)
			if limit == 0 {
				t.Fatalf("%s: %s has no limit in models.TextLimits", f.name, field)
			}
			seen[field[strings.LastIndexByte(field, '.')+1:]] = true
			for _, tc := range []struct{ what, value, want string }{
				{"too long", strings.Repeat("é", limit+1), "Au plus"},
				{"not UTF-8", "ab\xff\xfecd", "illisibles"},
			} {
				before := w.changes(t)
				p := f.post(w, url.Values{field: {tc.value}})
				got := ""
				if f.flash {
					// The dialog's message names the field, not the rule.
					wantStatus(t, p, http.StatusSeeOther)
					got = w.sup.get(p.location()).text(`[data-testid="flash-error"]`)
					tc.want = "motif"
				} else {
					if p.StatusCode != http.StatusUnprocessableEntity {
						t.Errorf("%s, %s %s: status %d, want 422", f.name, field, tc.what, p.StatusCode)
						continue
					}
					got = p.text(`[data-testid="` + field + `-error"]`)
				}
				if !strings.Contains(got, tc.want) {
					t.Errorf("%s, %s %s: message %q, want %q", f.name, field, tc.what, got, tc.want)
				}
				if after := w.changes(t); after != before {
					t.Errorf("%s, %s %s: %d changes saved", f.name, field, tc.what, after-before)
				}
			}
		}
	}
	for field := range models.TextLimits {
		if !seen[field] {
			t.Errorf("no form of the test posts %s", field)
		}
	}
}

// A choice or hidden field is never typed: bytes that are not UTF-8 there are refused
// before any handler reads them.
func TestNonTextFieldsRefuseBytesThatAreNotUTF8(t *testing.T) {
	w := newLimitsWorld(t)
	before := w.changes(t)
	p := w.cw.post(views.CaseActivitiesPath(w.caseID), url.Values{"kind": {"counselling\xff"}, "date": {"2021-02-27"}})
	wantStatus(t, p, http.StatusBadRequest)
	if w.changes(t) != before {
		t.Error("saved")
	}
}

// TestEveryExportIsUTF8AndCasesReimport tries to save bytes that are not UTF-8 through
// the case form, then reads every export: each is valid UTF-8, and cases.csv passes the
// portal's own import (dry run) in a new portal.
func TestEveryExportIsUTF8AndCasesReimport(t *testing.T) {
	app := newTestApp(t)
	exportData(t, app)
	cw := app.client()
	cw.login("cw@example.org", testPassword)
	cw.get(views.PathNewCase)
	form := caseForm("\xff\xfeab", "Awa")
	wantStatus(t, cw.post(views.PathCases, form), http.StatusUnprocessableEntity)
	admin, _ := app.signedIn("admin@example.org", models.RoleAdmin, "")
	paths := map[string]string{"audit": views.PathAdminAuditCSV, "summary": views.ExportPath("summary.csv", nil)}
	for _, kind := range models.ExportKinds {
		paths[kind] = views.ExportPath(kind+".csv", nil)
	}
	for kind, path := range paths {
		p := admin.get(path)
		wantStatus(t, p, http.StatusOK)
		if !utf8.ValidString(p.Body) {
			t.Errorf("%s is not valid UTF-8", kind)
		}
		if len(parseCSV(t, p.Body)) < 2 {
			t.Errorf("%s has no rows", kind)
		}
	}
	// The import: cases registered through the form (the fixture above inserts rows
	// the registration would refuse), after a refused attempt with such bytes.
	src := newTestApp(t)
	scw, _ := src.signedIn("cw@example.org", models.RoleCaseworker, "RAB")
	scw.get(views.PathNewCase)
	wantStatus(t, scw.post(views.PathCases, caseForm("Awa\xff", "Diallo")), http.StatusUnprocessableEntity)
	register(t, scw, caseForm("Ñúñez-Çelik", "Zoé"))
	register(t, scw, caseForm("العلوي", "فاطمة الزهراء"))
	sadmin, _ := src.signedIn("admin@example.org", models.RoleAdmin, "")
	cases := sadmin.get(views.ExportPath("cases.csv", nil)).Body
	if !utf8.ValidString(cases) || strings.Count(cases, "\n") != 3 {
		t.Fatalf("cases.csv: %q", cases)
	}
	dst := newTestApp(t)
	dst.office("RAB")
	dst.user("cw@example.org", models.RoleCaseworker, "RAB")
	dadmin, _ := dst.signedIn("admin@example.org", models.RoleAdmin, "")
	dadmin.get(views.PathAdminImports)
	p := dadmin.upload(views.PathAdminImports, nil, []byte(cases))
	if !p.has(`form[data-testid="import-commit"]`) {
		t.Fatalf("the portal's own export does not import: %s", p.text(`main`))
	}
}
