package handlers

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"awda/models/dbtest"
	"awda/views"
)

// Every cookie the portal sets is HttpOnly and SameSite=Lax, and Secure behind TLS;
// HSTS is sent behind TLS only; no response ever carries a CORS header.
func TestCookiesAndTransportHeaders(t *testing.T) {
	for _, secure := range []bool{false, true} {
		t.Run(map[bool]string{false: "plain", true: "behind TLS"}[secure], func(t *testing.T) {
			srv := newPortal(t, dbtest.Stores(t, dbtest.NewClock(testStart)), quietLogger())
			srv.cfg.SecureCookies = secure
			srv.cookies = newCookieStore(srv.cfg.SessionKey, secure)
			hs := httptest.NewServer(srv.e)
			defer hs.Close()
			req, _ := http.NewRequest(http.MethodGet, hs.URL+views.PathLogin, nil)
			req.Header.Set("Origin", "https://evil.example")
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			cookies := res.Cookies()
			if len(cookies) == 0 {
				t.Fatal("the sign-in page set no cookie")
			}
			for _, c := range cookies {
				if !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Secure != secure {
					t.Errorf("cookie %s: HttpOnly %v, SameSite %v, Secure %v (want Secure %v)", c.Name, c.HttpOnly, c.SameSite, c.Secure, secure)
				}
			}
			if hsts := res.Header.Get("Strict-Transport-Security"); (hsts != "") != secure {
				t.Errorf("HSTS %q with secure cookies %v", hsts, secure)
			}
			for name := range res.Header {
				if strings.HasPrefix(strings.ToLower(name), "access-control-") {
					t.Errorf("CORS header %s sent", name)
				}
			}
		})
	}
}
