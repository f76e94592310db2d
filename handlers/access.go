package handlers

import (
	"net/http"
	"net/url"

	"github.com/labstack/echo/v4"

	"awda/models"
	"awda/views"
)

// access is a route's rule: open to anyone, or to signed-in users of some roles.
type access struct {
	public bool
	roles  []models.Role
}

var (
	// anyone may call the route, signed in or not.
	anyone = access{public: true}
	// signedIn is every role.
	signedIn = access{roles: models.Roles}
	// casework is the roles that record casework; admins only read cases.
	casework = access{roles: []models.Role{models.RoleCaseworker, models.RoleSupervisor}}
	// supervisors approve, close and reassign.
	supervisors = access{roles: []models.Role{models.RoleSupervisor}}
	// readers of the summary pages.
	summaryReaders = access{roles: []models.Role{models.RoleSupervisor, models.RoleAdmin}}
	// admins manage users, offices, imports, exports and the audit log.
	admins = access{roles: []models.Role{models.RoleAdmin}}
)

func (a access) allows(u *models.User) bool {
	if a.public {
		return true
	}
	return u != nil && u.Is(a.roles...)
}

// handle registers a route with its access rule. Every route goes through here, so an
// unregistered rule cannot exist (deny by default; the route-table test checks it).
func (s *server) handle(method, path string, h echo.HandlerFunc, a access) {
	s.rules[method+" "+path] = a
	s.e.Add(method, path, s.guard(a, path, h))
}

// passwordChangeRoutes stay open to a user who must replace a one-time password.
var passwordChangeRoutes = map[string]bool{
	views.PathAccount: true, views.PathPassword: true, views.PathLogout: true, views.PathLanguage: true,
}

// mfaRoutes are all a browser may open between the password and the second factor.
var mfaRoutes = map[string]bool{views.PathLoginTOTP: true, views.PathLogout: true}

// totpEnrolRoutes stay open to an administrator who has not turned on two-step sign-in
// yet: administrators export data and manage users, so they must enrol first.
var totpEnrolRoutes = map[string]bool{
	views.PathAccount: true, views.PathPassword: true, views.PathTOTP: true, views.PathLogout: true, views.PathLanguage: true,
}

// guard checks the route's rule before its handler runs.
func (s *server) guard(a access, path string, h echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if a.public {
			return h(c)
		}
		u := currentUser(c)
		if u == nil {
			return s.toLogin(c)
		}
		if mfaPending(c) {
			if !mfaRoutes[path] {
				return redirect(c, views.PathLoginTOTP)
			}
			return h(c)
		}
		if u.MustChangePassword && !passwordChangeRoutes[path] {
			return redirect(c, views.PathAccount)
		}
		if u.Is(models.RoleAdmin) && !u.TOTPEnabled && !totpEnrolRoutes[path] {
			return redirect(c, views.PathTOTP)
		}
		if !a.allows(u) {
			return echo.NewHTTPError(http.StatusForbidden)
		}
		return h(c)
	}
}

// toLogin sends an anonymous visitor (or one whose session expired) to sign in, and
// brings them back to the page they asked for afterwards.
func (s *server) toLogin(c echo.Context) error {
	target := views.PathLogin
	if c.Request().Method == http.MethodGet {
		target += "?next=" + url.QueryEscape(c.Request().URL.RequestURI())
	} else if ref := localPath(refererPath(c)); ref != "" {
		target += "?next=" + url.QueryEscape(ref)
	}
	return redirect(c, target)
}

// refererPath is the path of the page a form was sent from, if it was this site.
func refererPath(c echo.Context) string {
	u, err := url.Parse(c.Request().Referer())
	if err != nil || (u.Host != "" && u.Host != c.Request().Host) {
		return ""
	}
	return u.RequestURI()
}
