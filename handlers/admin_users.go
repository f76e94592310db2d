package handlers

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"awda/models"
	"awda/views"
)

// usersPage gathers the users page's lists around the forms' state.
func (s *server) usersPage(c echo.Context, p views.UsersPage) (views.UsersPage, error) {
	ctx := c.Request().Context()
	scope := currentUser(c).Scope()
	rows, err := s.stores.Users.AdminList(ctx, scope)
	if err != nil {
		return p, err
	}
	offices, err := s.scopedOffices(c, scope)
	if err != nil {
		return p, err
	}
	p.Rows, p.Offices, p.SelfID = rows, offices, currentUser(c).ID
	if p.New.Language == "" {
		p.New.Language = models.Languages[0]
	}
	return p, nil
}

func editForm(u *models.User) *views.UserForm {
	f := &views.UserForm{ID: u.ID, Email: u.Email, Name: u.Name, Role: string(u.Role), Language: u.Language, Sex: u.Sex}
	if u.Office != nil {
		f.Office = u.Office.Code
	}
	return f
}

// showUsers lists accounts; ?edit=ID opens the edit form of one.
func (s *server) showUsers(c echo.Context) error {
	var p views.UsersPage
	if id, err := strconv.ParseUint(c.QueryParam("edit"), 10, 64); err == nil {
		u, err := s.stores.Users.Get(c.Request().Context(), uint(id))
		if err != nil {
			return err
		}
		if !models.InActorScope(actor(c), u) {
			return models.ErrNotFound
		}
		p.Edit = editForm(u)
	}
	p, err := s.usersPage(c, p)
	if err != nil {
		return err
	}
	return s.ok(c, views.AdminUsers(p))
}

// createUser adds an account and shows its one-time password once.
func (s *server) createUser(c echo.Context) error {
	f := views.UserForm{Email: c.FormValue("email"), Name: c.FormValue("name"), Role: c.FormValue("role"),
		Office: c.FormValue("office"), Language: c.FormValue("language"), Sex: c.FormValue("sex")}
	u, pw, err := s.stores.Users.Create(c.Request().Context(), actor(c), models.UserInput{
		Email: f.Email, Name: f.Name, Role: models.Role(f.Role), OfficeCode: f.Office, Language: f.Language, Sex: f.Sex})
	if fe, ok := models.AsValidation(err); ok {
		f.Errors = fe
		p, err := s.usersPage(c, views.UsersPage{New: f})
		if err != nil {
			return err
		}
		return s.invalid(c, views.AdminUsers(p))
	}
	if err != nil {
		return err
	}
	p, err := s.usersPage(c, views.UsersPage{OneTime: &views.OneTimePassword{Email: u.Email, Password: pw}})
	if err != nil {
		return err
	}
	return s.render(c, http.StatusCreated, views.AdminUsers(p))
}

// userAction changes one account: action is update, deactivate, reactivate,
// reset_password or unlock.
func (s *server) userAction(c echo.Context) error {
	ctx := c.Request().Context()
	id, err := strconv.ParseUint(c.Param("id"), 10, 64)
	if err != nil {
		return models.ErrNotFound
	}
	u, err := s.stores.Users.Get(ctx, uint(id))
	if err != nil {
		return err
	}
	a := actor(c)
	if !models.InActorScope(a, u) {
		return models.ErrNotFound
	}
	switch c.FormValue("action") {
	case "update":
		f := &views.UserForm{ID: u.ID, Email: u.Email, Name: c.FormValue("name"), Role: c.FormValue("role"),
			Office: c.FormValue("office"), Language: c.FormValue("language"), Sex: c.FormValue("sex")}
		err := s.stores.Users.Update(ctx, a, u.ID, models.UserEdit{Name: f.Name, Role: models.Role(f.Role),
			OfficeCode: f.Office, Language: f.Language, Sex: f.Sex})
		if fe, ok := models.AsValidation(err); ok {
			f.Errors = fe
			p, err := s.usersPage(c, views.UsersPage{Edit: f})
			if err != nil {
				return err
			}
			return s.invalid(c, views.AdminUsers(p))
		}
		if err != nil {
			return err
		}
		s.flash(c, "success", "admin.users.updated")
	case "deactivate":
		if u.ID == currentUser(c).ID {
			return echo.NewHTTPError(http.StatusForbidden)
		}
		err := s.stores.Users.SetActive(ctx, a, u.ID, false)
		if errors.Is(err, models.ErrLastAdmin) {
			s.flash(c, "error", "admin.error.last_admin")
			return redirect(c, views.PathAdminUsers)
		}
		if err != nil {
			return err
		}
		s.flash(c, "success", "admin.users.deactivated")
	case "reactivate":
		if err := s.stores.Users.SetActive(ctx, a, u.ID, true); err != nil {
			return err
		}
		s.flash(c, "success", "admin.users.reactivated")
	case "reset_password":
		pw, err := s.stores.Users.ResetPassword(ctx, a, u.ID)
		if err != nil {
			return err
		}
		p, err := s.usersPage(c, views.UsersPage{OneTime: &views.OneTimePassword{Email: u.Email, Password: pw}})
		if err != nil {
			return err
		}
		return s.ok(c, views.AdminUsers(p))
	case "unlock":
		if err := s.stores.Users.Unlock(ctx, a, u.Email); err != nil {
			return err
		}
		s.flash(c, "success", "admin.users.unlocked")
	default:
		return echo.NewHTTPError(http.StatusBadRequest)
	}
	return redirect(c, views.PathAdminUsers)
}
