package e2e

import "time"

// pageSpec is one page of the portal that the accessibility, no-JavaScript and
// screenshot checks go through. Adding a page to every check is one line in pages.
type pageSpec struct {
	Name   string // short, for test names and screenshot files
	Path   string
	Status int64 // the HTTP status expected (200 unless said)
	// Who loads it: "" is a visitor who has not signed in; otherwise a key of accounts.
	Who []string
}

// signedIn is every account that stands for a role, in the three languages: the French
// accounts of each role, and one account whose language is English and one Arabic.
var signedIn = []string{"caseworker", "supervisor", "admin", "english", "arabic"}

var pages = []pageSpec{
	{Name: "login-fr", Path: "/login?lang=fr", Who: []string{""}},
	{Name: "login-en", Path: "/login?lang=en", Who: []string{""}},
	{Name: "login-ar", Path: "/login?lang=ar", Who: []string{""}},
	{Name: "home", Path: "/", Who: signedIn},
	{Name: "account", Path: "/account", Who: signedIn},
	{Name: "not-found", Path: "/no-such-page", Status: 404, Who: append([]string{""}, signedIn...)},
	// Cases: the list with results and empty, the registration form, the
	// fixture case's file (registered by TestMain) and its edit form. The list and the
	// file differ by role; the forms and the empty list only by language.
	{Name: "cases", Path: "/cases", Who: signedIn},
	{Name: "cases-empty", Path: "/cases?q=zzz-personne", Who: []string{"caseworker", "arabic"}},
	{Name: "cases-filtered", Path: "/cases?status=registered&direction=outbound", Who: []string{"caseworker", "arabic"}},
	{Name: "case-new", Path: "/cases/new", Who: []string{"caseworker", "arabic", "english"}},
	{Name: "case-file", Path: fixtureCase, Who: signedIn},
	{Name: "case-edit", Path: fixtureCase + "/edit", Who: []string{"supervisor", "arabic"}},
	// The fixture case's first document (its signed consent) and its withdrawal form.
	{Name: "document-withdraw", Path: fixtureCase + "/documents/1/withdraw", Who: []string{"caseworker", "arabic"}},
	// Casework: the sessions (the fixture session is attended by the fixture
	// case) and the supervisor's queue (the fixture case's planned support).
	{Name: "sessions", Path: "/sessions", Who: []string{"caseworker", "supervisor", "arabic"}},
	{Name: "session-new", Path: "/sessions/new", Who: []string{"caseworker", "arabic"}},
	{Name: "session", Path: fixtureSession, Who: []string{"caseworker", "arabic"}},
	{Name: "approvals", Path: "/approvals", Who: []string{"supervisor", "ar-supervisor"}},
	{Name: "approvals-office", Path: "/approvals?office=RAB", Who: []string{"hq-supervisor", "ar-hq-supervisor"}},
	// The summary, with the fixture's support in it, and a drill-down.
	{Name: "summary", Path: "/summary", Who: []string{"supervisor", "ar-supervisor", "admin"}},
	{Name: "summary-cases", Path: "/summary/cases?indicator=support_type&key=micro_project&from=" + thisYear + "-01-01&to=" + thisYear + "-12-31", Who: []string{"supervisor", "ar-supervisor"}},
	{Name: "summary-reintegration", Path: "/summary/reintegration", Who: []string{"supervisor", "ar-supervisor"}},
	{Name: "summary-receipts", Path: "/summary/receipts", Who: []string{"supervisor", "ar-supervisor"}},
	// Administration.
	{Name: "admin-users", Path: "/admin/users", Who: []string{"admin", "ar-admin"}},
	{Name: "admin-offices", Path: "/admin/offices", Who: []string{"admin", "ar-admin"}},
	{Name: "admin-exports", Path: "/admin/exports", Who: []string{"admin", "ar-admin"}},
	{Name: "admin-audit", Path: "/admin/audit", Who: []string{"admin", "ar-admin"}},
	{Name: "admin-imports", Path: "/admin/imports", Who: []string{"admin", "ar-admin"}},
	// Monitoring: the visit form (every question of the instrument) and the instrument's
	// versions with the visit import.
	{Name: "visit-new", Path: fixtureCase + "/visits/new", Who: []string{"caseworker", "arabic"}},
	{Name: "visit-edit", Path: fixtureVisitEdit, Who: []string{"caseworker", "arabic"}},
	{Name: "summary-monitoring", Path: "/summary/monitoring?group=baselines&from=" + thisYear + "-01-01&to=" + thisYear + "-12-31", Who: []string{"supervisor", "ar-supervisor"}},
	{Name: "admin-instruments", Path: "/admin/instruments", Who: []string{"admin", "ar-admin"}},
	{Name: "admin-retention", Path: "/admin/retention", Who: []string{"admin", "ar-admin"}},
	{Name: "case-record", Path: fixtureCase + "/record", Who: []string{"supervisor", "ar-supervisor"}},
	// Two-step sign-in: the enrolment form (a caseworker may enrol) and the page of an
	// administrator who has enrolled. The second sign-in step and the forced enrolment
	// are checked by TestTwoStepAccessibility.
	{Name: "totp-enrol", Path: "/account/totp", Who: []string{"caseworker", "arabic"}},
	{Name: "totp-on", Path: "/account/totp", Who: []string{"admin", "ar-admin"}},
}

// thisYear is the year of the journeys' dates, for a summary period that holds them.
var thisYear = time.Now().Format("2006")

// pageUsers is every account that loads a page of pages (not "" the visitor).
func pageUsers() []string {
	var out []string
	for _, p := range pages {
		for _, w := range p.Who {
			if w != "" && !contains(out, w) {
				out = append(out, w)
			}
		}
	}
	return out
}

func (p pageSpec) status() int64 {
	if p.Status == 0 {
		return 200
	}
	return p.Status
}

func whoName(who string) string {
	if who == "" {
		return "visitor"
	}
	return who
}

// shotSpec is a page that `make screenshots` takes on screen and in its print view, in
// French and in Arabic, signed in as a role ("" for a visitor).
type shotSpec struct {
	Name, Path, As string
}

// shots: adding a page is one line.
var shots = []shotSpec{
	{Name: "login", Path: "/login", As: ""},
	{Name: "home", Path: "/", As: "caseworker"},
	{Name: "cases", Path: "/cases?status=registered", As: "caseworker"},
	{Name: "home-supervisor", Path: "/", As: "supervisor"},
	{Name: "case-file", Path: fixtureCase, As: "caseworker"},
	{Name: "summary", Path: "/summary", As: "supervisor"},
	{Name: "summary-reintegration", Path: "/summary/reintegration", As: "supervisor"},
	{Name: "summary-receipts", Path: "/summary/receipts", As: "supervisor"},
	{Name: "summary-monitoring", Path: "/summary/monitoring?group=baselines&from=" + thisYear + "-01-01&to=" + thisYear + "-12-31", As: "supervisor"},
	{Name: "visit-edit", Path: fixtureVisitEdit, As: "caseworker"},
}
