package handlers

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"awda/models"
	"awda/views"
)

func (s *server) officesPage(c echo.Context, p views.OfficesPage) (views.OfficesPage, error) {
	rows, err := s.stores.Offices.ListWithCounts(c.Request().Context())
	p.Rows = rows
	return p, err
}

// showOffices lists offices with their counts.
func (s *server) showOffices(c echo.Context) error {
	p, err := s.officesPage(c, views.OfficesPage{})
	if err != nil {
		return err
	}
	return s.ok(c, views.AdminOffices(p))
}

// createOffice adds an office.
func (s *server) createOffice(c echo.Context) error {
	f := views.OfficeForm{Code: c.FormValue("code"), Name: c.FormValue("name"), City: c.FormValue("city")}
	_, err := s.stores.Offices.Create(c.Request().Context(), actor(c), models.OfficeInput{Code: f.Code, Name: f.Name, City: f.City})
	if fe, ok := models.AsValidation(err); ok {
		f.Errors = fe
		p, err := s.officesPage(c, views.OfficesPage{New: f})
		if err != nil {
			return err
		}
		return s.invalid(c, views.AdminOffices(p))
	}
	if err != nil {
		return err
	}
	s.flash(c, "success", "admin.offices.created")
	return redirect(c, views.PathAdminOffices)
}

// officeAction renames (action=rename) or deletes (action=delete) an office; the code
// never changes, and an office with records cannot be deleted.
func (s *server) officeAction(c echo.Context) error {
	ctx := c.Request().Context()
	id, err := strconv.ParseUint(c.Param("id"), 10, 64)
	if err != nil {
		return models.ErrNotFound
	}
	o, err := s.stores.Offices.Get(ctx, uint(id))
	if err != nil {
		return err
	}
	switch c.FormValue("action") {
	case "rename":
		f := views.OfficeForm{ID: o.ID, Code: o.Code, Name: c.FormValue("name"), City: c.FormValue("city")}
		err := s.stores.Offices.Rename(ctx, actor(c), o.ID, models.OfficeRename{Name: f.Name, City: f.City})
		if fe, ok := models.AsValidation(err); ok {
			f.Errors = fe
			p, err := s.officesPage(c, views.OfficesPage{Edit: &f})
			if err != nil {
				return err
			}
			return s.invalid(c, views.AdminOffices(p))
		}
		if err != nil {
			return err
		}
		s.flash(c, "success", "admin.offices.renamed")
	case "receipts":
		if err := s.stores.Documents.RequireReceipts(ctx, actor(c), o.ID, c.FormValue("receipt_required") == "1"); err != nil {
			return err
		}
		s.flash(c, "success", "documents.flash.receipt_rule")
	case "delete":
		err := s.stores.Offices.Delete(ctx, actor(c), o.ID)
		if errors.Is(err, models.ErrOfficeInUse) {
			s.flash(c, "error", "admin.offices.in_use")
			return redirect(c, views.PathAdminOffices)
		}
		if err != nil {
			return err
		}
		s.flash(c, "success", "admin.offices.deleted")
	default:
		return echo.NewHTTPError(http.StatusBadRequest)
	}
	return redirect(c, views.PathAdminOffices)
}
