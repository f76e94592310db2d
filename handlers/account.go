package handlers

import (
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	"awda/models"
	"awda/views"
)

// showAccount shows the user's own settings.
func (s *server) showAccount(c echo.Context) error {
	u := currentUser(c)
	return s.ok(c, views.Account(views.PasswordForm{Forced: u.MustChangePassword}, u.TOTPEnabled))
}

// changePassword replaces the user's password. Every session of the user ends, and
// this browser gets a fresh one, so a copied cookie stops working. A form with errors
// changes nothing and keeps the session.
func (s *server) changePassword(c echo.Context) error {
	u := currentUser(c)
	in := models.PasswordChange{Current: c.FormValue("current"), Password: c.FormValue("password"), Confirm: c.FormValue("confirm")}
	err := s.stores.Users.ChangePassword(c.Request().Context(), actor(c), u, in)
	if errors.Is(err, models.ErrThrottled) {
		fe := models.FieldErrors{"current": "security.current_throttled"}
		return s.render(c, http.StatusTooManyRequests, views.Account(views.PasswordForm{Errors: fe, Forced: u.MustChangePassword}, u.TOTPEnabled))
	}
	if fe, ok := models.AsValidation(err); ok {
		return s.invalid(c, views.Account(views.PasswordForm{Errors: fe, Forced: u.MustChangePassword}, u.TOTPEnabled))
	}
	if err != nil {
		return err
	}
	u.MustChangePassword = false
	if err := s.startSession(c, u, false); err != nil {
		return err
	}
	s.flash(c, "success", "account.password_changed")
	return redirect(c, views.PathHome)
}

// setLanguage remembers the language on the account and returns to the page.
func (s *server) setLanguage(c echo.Context) error {
	lang := c.FormValue("language")
	if err := s.stores.Users.SetLanguage(c.Request().Context(), currentUser(c).ID, lang); err != nil {
		if _, ok := models.AsValidation(err); ok {
			return redirect(c, views.PathAccount)
		}
		return err
	}
	getState(c).lang = lang
	s.flash(c, "success", "account.language_changed")
	if next := localPath(c.FormValue("next")); next != "" {
		return redirect(c, next)
	}
	return redirect(c, views.PathHome)
}
