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
	// Later: {Name: "case-file", Path: "/cases/1", Who: []string{"caseworker"}},
	// and {Name: "summary", Path: "/summary", Who: []string{"supervisor"}}.
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

// shots: adding the case file or the summary is one line each, e.g.
// {Name: "case-file", Path: "/cases/1", As: "caseworker"} or
// {Name: "summary", Path: "/summary", As: "supervisor"}.
var shots = []shotSpec{
	{Name: "login", Path: "/login", As: ""},
	{Name: "home", Path: "/", As: "caseworker"},
}
