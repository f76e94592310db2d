package handlers

import (
	"errors"
	"net/http"

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
// wrong, and keeps the email typed.
func (s *server) login(c echo.Context) error {
	form := views.LoginForm{Email: c.FormValue("email"), Next: localPath(c.FormValue("next"))}
	u, err := s.stores.Users.SignIn(c.Request().Context(), form.Email, c.FormValue("password"), c.RealIP())
	switch {
	case errors.Is(err, models.ErrThrottled):
		form.Error = "login.throttled"
		return s.render(c, http.StatusTooManyRequests, views.Login(form))
	case errors.Is(err, models.ErrBadCredentials):
		form.Error = "login.failed"
		return s.render(c, http.StatusUnauthorized, views.Login(form))
	case err != nil:
		return err
	}
	if err := s.startSession(c, u, false); err != nil {
		return err
	}
	if u.MustChangePassword {
		return redirect(c, views.PathAccount)
	}
	if form.Next != "" {
		return redirect(c, form.Next)
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
