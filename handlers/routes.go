package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"awda/models"
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
	s.handle(get, views.PathLoginTOTP, s.showLoginTOTP, signedIn)
	s.handle(post, views.PathLoginTOTP, s.loginTOTP, signedIn)
	s.handle(get, views.PathTOTP, s.showTOTP, signedIn)
	s.handle(post, views.PathTOTP, s.postTOTP, signedIn)

	s.handle(get, views.PathHome, s.home, signedIn)

	// Cases (issue 3).

	// Support, sessions, activities, referrals and approvals (issue 4).

	// Summary (issue 5).

	// Administration (issue 6).
	s.handle(get, views.PathAdminUsers, s.showUsers, admins)
	s.handle(post, views.PathAdminUsers, s.createUser, admins)
	s.handle(post, views.PathAdminUsers+"/:id", s.userAction, admins)
	s.handle(get, views.PathAdminOffices, s.showOffices, admins)
	s.handle(post, views.PathAdminOffices, s.createOffice, admins)
	s.handle(post, views.PathAdminOffices+"/:id", s.officeAction, admins)
	s.handle(get, views.PathAdminExports, s.showExports, admins)
	for _, kind := range models.ExportKinds {
		s.handle(get, views.ExportPath(kind+".csv", nil), s.exportCSV(kind), admins)
	}
	s.handle(get, views.PathAdminAudit, s.showAudit, admins)
	s.handle(get, views.PathAdminAuditCSV, s.auditCSV, admins)
}
