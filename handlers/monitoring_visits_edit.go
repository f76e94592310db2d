package handlers

import (
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	"awda/models"
	"awda/views"
)

// visitEditRefusal is the message of a correction the case no longer allows; "" when
// err is not one.
func visitEditRefusal(err error) string {
	switch {
	case errors.Is(err, models.ErrCaseClosed):
		return "monitoring.error.case_closed_edit"
	case errors.Is(err, models.ErrAnonymised):
		return "monitoring.error.case_anonymised"
	}
	return ""
}

// editVisit shows the correction form of a recorded visit, drawn with the visit's own
// instrument version.
func (s *server) editVisit(c echo.Context) error {
	cs, err := s.caseworkCase(c)
	if err != nil {
		return err
	}
	vid, err := caseworkParamID(c, "vid")
	if err != nil {
		return err
	}
	e, err := s.stores.Monitoring.VisitForEdit(c.Request().Context(), currentUser(c).Scope(), cs.ID, vid)
	if err != nil {
		return err
	}
	if key := visitEditRefusal(e.ReadOnly); key != "" {
		s.flash(c, "error", key)
		return redirect(c, views.CasePath(cs.ID)+"#monitoring")
	}
	return s.ok(c, views.VisitFormPage(views.VisitForm{CaseID: cs.ID, CaseNumber: cs.CaseNumber, In: e.Input(),
		Instrument: e.Instrument, VisitID: e.Visit.ID, Version: e.Visit.Version}))
}

// updateVisit saves a correction. A stale form (someone saved the visit meanwhile)
// comes back with what the user typed, the fields changed meanwhile and the new
// version, so that saving again is a deliberate choice.
func (s *server) updateVisit(c echo.Context) error {
	cs, err := s.caseworkCase(c)
	if err != nil {
		return err
	}
	vid, err := caseworkParamID(c, "vid")
	if err != nil {
		return err
	}
	in, err := visitInput(c)
	if err != nil {
		return err
	}
	ctx, scope := c.Request().Context(), currentUser(c).Scope()
	version := caseworkFormInt(c, "version")
	_, err = s.stores.Monitoring.UpdateVisit(ctx, actor(c), scope, cs.ID, vid, version, in)
	if err == nil {
		return s.caseworkDone(c, cs.ID, "monitoring", "monitoring.flash.visit_corrected")
	}
	if key := visitEditRefusal(err); key != "" {
		s.flash(c, "error", key)
		return redirect(c, views.CasePath(cs.ID)+"#monitoring")
	}
	var conflict *models.VisitConflictError
	fe, invalid := models.AsValidation(err)
	if !invalid && !errors.As(err, &conflict) {
		return err
	}
	e, err := s.stores.Monitoring.VisitForEdit(ctx, scope, cs.ID, vid)
	if err != nil {
		return err
	}
	in.Kind = e.Visit.Kind
	f := views.VisitForm{CaseID: cs.ID, CaseNumber: cs.CaseNumber, In: in, Errors: fe, Instrument: e.Instrument,
		VisitID: vid, Version: version}
	if conflict != nil {
		f.Version, f.Conflict, f.Conflicted = conflict.Current.Version, conflict.Changed, true
		return s.render(c, http.StatusConflict, views.VisitFormPage(f))
	}
	return s.invalid(c, views.VisitFormPage(f))
}

// closeCompleted closes a case in reintegration as reintegration completed, once its
// last planned follow-up is done; refused with a message before.
func (s *server) closeCompleted(c echo.Context) error {
	id, err := caseworkParamID(c, "id")
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	_, err = s.stores.Cases.CloseCompleted(ctx, actor(c), currentUser(c).Scope(), id, caseworkFormInt(c, "version"), "")
	target := views.CasePath(id) + "#monitoring"
	key, refused := models.IsRefused(err)
	switch {
	case err == nil:
		s.flash(c, "success", "monitoring.close.done")
		return redirect(c, views.CasePath(id))
	case errors.Is(err, models.ErrFollowupsMissing):
		key = "monitoring.close.error.followups_missing"
	case errors.Is(err, models.ErrNotInReintegration):
		key = "monitoring.close.error.not_reintegration"
	case errors.Is(err, models.ErrConflict):
		key = "cases.conflict.moved"
	case !refused:
		return err
	}
	s.flash(c, "error", key)
	return redirect(c, target)
}
