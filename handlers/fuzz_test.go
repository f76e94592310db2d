package handlers

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"awda/models"
	"awda/models/dbtest"
	"awda/views"
)

// localPath returns "" or a path on this site, which a browser (that ignores tabs and
// newlines and reads '\' as '/') cannot take to another host.
func FuzzLocalPath(f *testing.F) {
	for _, s := range []string{"/", "/cases/12?tab=support", "//evil.example", "/\\evil.example", "https://evil.example/",
		"/\t/evil.example", "/%2F%2Fevil.example", "javascript:alert(1)", "/cases#x", "", "/\u202e/x", "/..//evil"} {
		f.Add(s)
	}
	base, _ := url.Parse("https://awda.example/home")
	f.Fuzz(func(t *testing.T, next string) {
		out := localPath(next)
		if out == "" {
			return
		}
		if out != next {
			t.Fatalf("localPath(%q) = %q: it must keep or refuse, never rewrite", next, out)
		}
		browser := strings.NewReplacer("\t", "", "\n", "", "\r", "", "\\", "/").Replace(out)
		if !strings.HasPrefix(browser, "/") || strings.HasPrefix(browser, "//") {
			t.Fatalf("localPath(%q) accepted %q, which a browser reads as %q", next, out, browser)
		}
		u, err := base.Parse(browser)
		if err != nil || u.Host != base.Host || u.Scheme != base.Scheme {
			t.Fatalf("localPath(%q) = %q leads to %v (%v)", next, out, u, err)
		}
	})
}

// fuzzServer is the portal for the form fuzzers and benchmarks: one user signed in,
// the session and CSRF cookies kept, the access log formatted (and discarded).
type fuzzServer struct {
	srv     *server
	cookies []*http.Cookie
	csrf    string
}

func newFuzzServer(f testing.TB) *fuzzServer {
	stores := dbtest.Stores(f, dbtest.NewClock(testStart))
	dbtest.MustOffice(f, stores, "RAB", "Rabat")
	dbtest.MustUser(f, stores, "fuzz@example.org", models.RoleCaseworker, "RAB", testPassword)
	srv := newPortal(f, stores, quietLogger())
	fs := &fuzzServer{srv: srv}
	// The CSRF token is bound to the browser's session: one for the signed-out cookie,
	// then the signed-in session's.
	fs.refresh(views.PathLogin)
	rec := fs.post(views.PathLogin, url.Values{"email": {"fuzz@example.org"}, "password": {testPassword}}.Encode())
	if rec.Code != http.StatusSeeOther {
		f.Fatalf("sign in: %d", rec.Code)
	}
	fs.keepCookies(rec)
	fs.refresh(views.PathHome)
	return fs
}

// refresh reads the page's CSRF token and keeps any new session cookie.
func (fs *fuzzServer) refresh(path string) {
	req := httptest.NewRequest(http.MethodGet, path, nil)
	for _, c := range fs.cookies {
		req.AddCookie(c)
	}
	rec := httptest.NewRecorder()
	fs.srv.e.ServeHTTP(rec, req)
	fs.keepCookies(rec)
	if m := regexp.MustCompile(`name="_csrf" value="([^"]+)"`).FindStringSubmatch(rec.Body.String()); m != nil {
		fs.csrf = m[1]
	}
}

func (fs *fuzzServer) keepCookies(rec *httptest.ResponseRecorder) {
	for _, c := range rec.Result().Cookies() {
		if c.Name == cookieName {
			fs.cookies = []*http.Cookie{c}
		}
	}
}

// post sends a raw form body with valid CSRF and session cookies.
func (fs *fuzzServer) post(path, body string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-CSRF-Token", fs.csrf)
	for _, c := range fs.cookies {
		req.AddCookie(c)
	}
	rec := httptest.NewRecorder()
	fs.srv.e.ServeHTTP(rec, req)
	return rec
}

// Any body posted to the sign-in form gives a page, a refusal or a redirect: never a
// server error.
func FuzzLoginForm(f *testing.F) {
	fs := newFuzzServer(f)
	for _, s := range []string{"email=fuzz%40example.org&password=wrong", "email=&password=", "email=%ZZ&password",
		"email=a&email=b&password=x&next=%2F%2Fevil", "password=" + strings.Repeat("x", 5000), "&&&==&", "next=/cases&email=x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		rec := fs.post(views.PathLogin, body)
		if rec.Code >= 500 {
			t.Fatalf("POST /login %q: %d", body, rec.Code)
		}
		if loc := rec.Header().Get("Location"); loc != "" && (strings.HasPrefix(loc, "//") || strings.Contains(loc, "://")) {
			t.Fatalf("POST /login %q redirects off-site to %q", body, loc)
		}
	})
}

// Any body posted to the password form gives 422 with its errors, 400, or a redirect;
// never a server error.
func FuzzPasswordForm(f *testing.F) {
	fs := newFuzzServer(f)
	for _, s := range []string{"current=x&password=y&confirm=y", "current=a+long+test+passphrase&password=short&confirm=short",
		"password=" + strings.Repeat("é", 200), "current=%00&password=%00%00%00%00%00%00%00%00%00%00%00%00&confirm=%00", "="} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		rec := fs.post(views.PathPassword, body)
		if rec.Code >= 500 {
			t.Fatalf("POST /account/password %q: %d", body, rec.Code)
		}
	})
}

// Any body posted to the registration form (the largest binding: dates, a household of
// indexed fields, repeated vulnerabilities) registers a case and redirects to it, or
// gives 422 with a summary of its errors or with the possible duplicates to confirm
// (the fuzzer registers the same person again and again), or 400: never a server error.
func FuzzCaseForm(f *testing.F) {
	fs := newFuzzServer(f)
	for _, v := range []url.Values{
		caseForm("Camara", "Aminata"),
		{"direction": {"sideways"}, "birth_date": {"2021-02-30"}, "household[99999999999].name": {"x"}},
		{"household[-1].name": {"x"}, "household[0].birth_date": {"0001-01-01"}, "vulnerabilities": {"", "nope", "minor"}},
		{"family_name": {strings.Repeat("é", 3000)}, "age_estimate": {"-4"}, "consent_date": {"2999-01-01"}},
	} {
		f.Add(v.Encode())
	}
	f.Add("household%5B0%5D.name=%ZZ&&=&family_name")
	f.Fuzz(func(t *testing.T, body string) {
		rec := fs.post(views.PathCases, body)
		switch rec.Code {
		case http.StatusSeeOther:
			if loc := rec.Header().Get("Location"); !strings.HasPrefix(loc, "/cases/") {
				t.Fatalf("POST /cases %q registered and redirected to %q", body, loc)
			}
		case http.StatusUnprocessableEntity:
			if b := rec.Body.String(); !strings.Contains(b, `data-testid="form-errors"`) && !strings.Contains(b, `data-testid="duplicates"`) {
				t.Fatalf("POST /cases %q: 422 without the error summary or the duplicates", body)
			}
		case http.StatusBadRequest:
		default:
			t.Fatalf("POST /cases %q: %d", body, rec.Code)
		}
	})
}

// Any body posted to the support form of a case (amounts as people type them, in any
// currency) plans the support, or gives 422 with its errors, or 400: never a server error.
func FuzzSupportForm(f *testing.F) {
	fs := newFuzzServer(f)
	rec := fs.post(views.PathCases, caseForm("Camara", "Aminata").Encode())
	if rec.Code != http.StatusSeeOther {
		f.Fatalf("register the case: %d", rec.Code)
	}
	path := rec.Header().Get("Location") + "/support"
	for _, v := range []url.Values{
		{"type": {"micro_project"}, "description": {"Épicerie"}, "amount": {"1 500,50"}, "currency": {"MAD"}, "date": {"2021-02-20"}},
		{"type": {"cash"}, "amount": {"1,500"}, "currency": {"XOF"}, "date": {"2021-02-31"}},
		{"type": {"gold"}, "amount": {"-3"}, "currency": {"EUR"}, "funded_by_office": {"maybe"}},
		{"amount": {"1e9999"}, "currency": {""}, "date": {""}},
	} {
		f.Add(v.Encode())
	}
	f.Fuzz(func(t *testing.T, body string) {
		rec := fs.post(path, body)
		switch rec.Code {
		case http.StatusSeeOther, http.StatusBadRequest:
		case http.StatusUnprocessableEntity:
			if !strings.Contains(rec.Body.String(), `data-testid="form-errors"`) {
				t.Fatalf("POST %s %q: 422 without the error summary", path, body)
			}
		default:
			t.Fatalf("POST %s %q: %d", path, body, rec.Code)
		}
	})
}
