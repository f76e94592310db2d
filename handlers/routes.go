package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"awda/static"
	"awda/views"
)

// routes is the whole URL surface of the portal, each route with who may use it.
func (s *server) routes() {
	const get, post = http.MethodGet, http.MethodPost

	// Files and probes.
	s.handle(get, static.Prefix+"*", echo.WrapHandler(s.assets), anyone)
	s.handle(get, views.PathHealth, s.health, anyone)

	// Signing in and out, and the user's own account.
	s.handle(get, views.PathLogin, s.showLogin, anyone)
	s.handle(post, views.PathLogin, s.login, anyone)
	s.handle(post, views.PathLogout, s.logout, signedIn)
	s.handle(get, views.PathAccount, s.showAccount, signedIn)
	s.handle(post, views.PathPassword, s.changePassword, signedIn)
	s.handle(post, views.PathLanguage, s.setLanguage, signedIn)

	s.handle(get, views.PathHome, s.home, signedIn)

	// Cases (issue 3).

	// Support, sessions, activities, referrals and approvals (issue 4).

	// Summary (issue 5).
	s.handle(get, views.PathSummary, s.showSummary, summaryReaders)
	s.handle(get, views.PathSummaryCases, s.summaryCases, summaryReaders)

	// Administration (issue 6).
}
