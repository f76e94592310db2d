package e2e

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
	// Cases (issue 3): the list with results and empty, the registration form, the
	// fixture case's file (registered by TestMain) and its edit form. The list and the
	// file differ by role; the forms and the empty list only by language.
	{Name: "cases", Path: "/cases", Who: signedIn},
	{Name: "cases-empty", Path: "/cases?q=zzz-personne", Who: []string{"caseworker", "arabic"}},
	{Name: "case-new", Path: "/cases/new", Who: []string{"caseworker", "arabic", "english"}},
	{Name: "case-file", Path: fixtureCase, Who: signedIn},
	{Name: "case-edit", Path: fixtureCase + "/edit", Who: []string{"supervisor", "arabic"}},
	// Later: {Name: "summary", Path: "/summary", Who: []string{"supervisor"}}.
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

// shots: adding the summary is one line, e.g.
// {Name: "summary", Path: "/summary", As: "supervisor"}.
var shots = []shotSpec{
	{Name: "login", Path: "/login", As: ""},
	{Name: "home", Path: "/", As: "caseworker"},
	{Name: "case-file", Path: fixtureCase, As: "caseworker"},
}
