package handlers

import (
	"mime"
	"net/http"
	"net/url"
	"path"
	"sort"
	"strings"
	"time"

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
	s.e.Add(method, path, s.guard(a, path, retryConflicts(h)))
}

// retryConflicts runs a request again when PostgreSQL rolled its transaction back to
// break a deadlock or a serialization conflict with another (write transactions take
// turns, see models.DB.Tx, but a write outside one can still meet them): nothing of it
// was kept, so the user is spared a 500 for sending a form at the same moment as a
// colleague. A streamed upload cannot be read twice and is not run again.
func retryConflicts(h echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		err := h(c)
		for attempt := 1; attempt <= 3 && models.IsRetryable(err) && !c.Response().Committed &&
			!strings.HasPrefix(c.Request().Header.Get(echo.HeaderContentType), echo.MIMEMultipartForm); attempt++ {
			select {
			case <-c.Request().Context().Done():
				return err
			case <-time.After(time.Duration(attempt*attempt) * 20 * time.Millisecond):
			}
			err = h(c)
		}
		return err
	}
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
			if f, ok := expiredForm(c); ok {
				// A redirect would lose what was typed: the sign-in form answers here,
				// carrying the form to send again once signed in.
				return s.render(c, http.StatusUnauthorized, views.Login(views.LoginForm{Carried: f}))
			}
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

// Bounds of a form carried through a sign-in: far above any form of the portal, and
// small enough that the pages that carry it stay light. A larger form is not carried.
const (
	maxCarriedFields = 500
	maxCarriedBytes  = 256 << 10
)

// notResumable are the routes whose forms are never carried through a sign-in: they
// hold passwords or codes, which are never sent back to the browser, or are the
// sign-in itself.
var notResumable = map[string]bool{
	views.PathLogin: true, views.PathLoginTOTP: true, views.PathLogout: true,
	views.PathPassword: true, views.PathTOTP: true, views.PathLanguage: true,
}

// expiredForm is the form of a POST that reached a signed-in route without a live
// session, to carry through the sign-in: an ordinary urlencoded form (not an upload)
// with something in it. The CSRF check has passed already, so this site's page sent it.
func expiredForm(c echo.Context) (views.CarriedForm, bool) {
	r := c.Request()
	if r.Method != http.MethodPost || isUpload(c) {
		return views.CarriedForm{}, false
	}
	if mt, _, err := mime.ParseMediaType(r.Header.Get(echo.HeaderContentType)); err != nil || mt != echo.MIMEApplicationForm {
		return views.CarriedForm{}, false
	}
	if err := r.ParseForm(); err != nil {
		return views.CarriedForm{}, false
	}
	names := make([]string, 0, len(r.PostForm))
	for name := range r.PostForm {
		names = append(names, name)
	}
	// The body's order across names is gone once parsed; repeated names keep theirs.
	sort.Strings(names)
	var fields []views.CarriedField
	for _, name := range names {
		for _, v := range r.PostForm[name] {
			fields = append(fields, views.CarriedField{Name: name, Value: v})
		}
	}
	return carried(r.URL.RequestURI(), fields)
}

// carriedFrom reads a form carried through the sign-in forms; anything malformed, too
// large or sent to a path that is not a resumable one of this site gives no form.
func carriedFrom(c echo.Context) views.CarriedForm {
	r := c.Request()
	if err := r.ParseForm(); err != nil {
		return views.CarriedForm{}
	}
	names, values := r.PostForm[views.ResumeName], r.PostForm[views.ResumeValue]
	if len(names) != len(values) {
		return views.CarriedForm{}
	}
	fields := make([]views.CarriedField, len(names))
	for i := range names {
		fields[i] = views.CarriedField{Name: names[i], Value: values[i]}
	}
	f, _ := carried(r.PostForm.Get(views.ResumeAction), fields)
	return f
}

// carried checks a form to carry: a local, resumable action; between one field and
// maxCarriedFields, maxCarriedBytes in all; the CSRF token dropped (the page that sends
// the form again has its own).
func carried(action string, fields []views.CarriedField) (views.CarriedForm, bool) {
	if action = resumeAction(action); action == "" {
		return views.CarriedForm{}, false
	}
	kept := make([]views.CarriedField, 0, min(len(fields), maxCarriedFields))
	size := 0
	for _, f := range fields {
		if f.Name == "_csrf" {
			continue
		}
		size += len(f.Name) + len(f.Value)
		if len(kept) == maxCarriedFields || size > maxCarriedBytes {
			return views.CarriedForm{}, false
		}
		kept = append(kept, f)
	}
	if len(kept) == 0 {
		return views.CarriedForm{}, false
	}
	return views.CarriedForm{Action: action, Fields: kept}, true
}

// resumeAction is the action if a form sent there may be carried and sent again: only
// a path on this site (localPath), and not one of the notResumable routes or an upload.
func resumeAction(action string) string {
	action = localPath(action)
	if action == "" {
		return ""
	}
	u, err := url.Parse(action)
	if err != nil {
		return ""
	}
	p := path.Clean(u.Path)
	if notResumable[p] || strings.HasPrefix(p, views.PathAdminImports) {
		return ""
	}
	return action
}
