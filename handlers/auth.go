package handlers

import (
	"errors"
	"net/http"
	"net/url"

	"github.com/labstack/echo/v4"

	"awda/models"
	"awda/views"
)

// showLogin shows the sign-in form; a signed-in user goes home.
func (s *server) showLogin(c echo.Context) error {
	if currentUser(c) != nil {
		return redirect(c, views.PathHome)
	}
	return s.ok(c, views.Login(views.LoginForm{Next: localPath(c.QueryParam("next"))}))
}

// login checks the email and password. A failure says so without telling which was
// wrong, and keeps the email typed (and any form carried from an expired session).
func (s *server) login(c echo.Context) error {
	form := views.LoginForm{Email: c.FormValue("email"), Next: localPath(c.FormValue("next")), Carried: carriedFrom(c)}
	u, err := s.stores.Users.SignIn(c.Request().Context(), form.Email, c.FormValue("password"), c.RealIP())
	switch {
	case errors.Is(err, models.ErrThrottled):
		form.Error = "login.throttled"
		return s.render(c, http.StatusTooManyRequests, views.Login(form))
	case errors.Is(err, models.ErrBusy):
		// The form again, with what was typed and any carried form, to send in a moment.
		form.Error = "security.busy_text"
		retryLater(c)
		return s.render(c, http.StatusServiceUnavailable, views.Login(form))
	case errors.Is(err, models.ErrBadCredentials):
		form.Error = "login.failed"
		return s.render(c, http.StatusUnauthorized, views.Login(form))
	case err != nil:
		return err
	}
	if err := s.startSession(c, u, u.TOTPEnabled); err != nil {
		return err
	}
	if u.TOTPEnabled {
		if form.Carried.Any() {
			return s.secondStepHere(c, form.Carried)
		}
		return redirect(c, views.WithQuery(views.PathLoginTOTP, nextQuery(form.Next)))
	}
	return s.afterSignIn(c, u, form.Next, form.Carried)
}

// secondStepHere asks for the second factor in answer to the password, instead of a
// redirect that would lose the carried form.
func (s *server) secondStepHere(c echo.Context, carried views.CarriedForm) error {
	if err := s.reloadSession(c); err != nil {
		return err
	}
	return s.ok(c, views.LoginTOTP(views.LoginTOTPForm{Carried: carried}))
}

// reloadSession makes the request's state hold the session just started, so that a page
// rendered in the same answer (not after a redirect) knows whether it still waits for
// the second factor, and speaks the account's language.
func (s *server) reloadSession(c echo.Context) error {
	st := getState(c)
	ls, err := s.stores.Sessions.Lookup(c.Request().Context(), st.token)
	if err != nil {
		return err
	}
	st.session, st.lang = ls, s.pickLanguage(c, ls.User)
	return nil
}

func nextQuery(next string) url.Values {
	if next == "" {
		return nil
	}
	return url.Values{"next": {next}}
}

// afterSignIn sends a fully signed-in user on: to replace a one-time password, to send
// again a form carried from an expired session, back to the page asked for, or home.
func (s *server) afterSignIn(c echo.Context, u *models.User, next string, carried views.CarriedForm) error {
	if u.MustChangePassword {
		// The password comes first; the carried form is dropped.
		return redirect(c, views.PathAccount)
	}
	// An administrator who has not enrolled two-step sign-in must do so first (the guard
	// would turn the form away), so for them the form is dropped as for a password change.
	if carried.Any() && (u.TOTPEnabled || !u.Is(models.RoleAdmin)) {
		// The form is shown to be sent again by the user, with a fresh CSRF token: its
		// handler then validates and authorises it as any other request.
		if err := s.reloadSession(c); err != nil {
			return err
		}
		return s.ok(c, views.Resume(carried))
	}
	if next != "" {
		return redirect(c, next)
	}
	return redirect(c, views.PathHome)
}

// logout ends the session on the server, so a copy of the cookie is worthless.
func (s *server) logout(c echo.Context) error {
	ev := actor(c).Event("logout", "user", "")
	if err := s.endSession(c); err != nil {
		return err
	}
	if err := s.stores.Audit.Record(c.Request().Context(), ev); err != nil {
		return err
	}
	s.flash(c, "success", "flash.signed_out")
	return redirect(c, views.PathLogin)
}
