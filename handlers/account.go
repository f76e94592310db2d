package handlers

import (
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
// this browser gets a fresh one, so a copied cookie stops working.
func (s *server) changePassword(c echo.Context) error {
	u := currentUser(c)
	next := c.FormValue("password")
	err := s.stores.Users.ChangePassword(c.Request().Context(), actor(c), u, c.FormValue("current"), next)
	fe, isInvalid := models.AsValidation(err)
	if err != nil && !isInvalid {
		return err
	}
	if fe == nil {
		fe = models.FieldErrors{}
	}
	if c.FormValue("confirm") != next {
		fe.Add("confirm", "error.password_mismatch")
	}
	if len(fe) > 0 {
		return s.invalid(c, views.Account(views.PasswordForm{Errors: fe, Forced: u.MustChangePassword}, u.TOTPEnabled))
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
