package handlers

import (
	"errors"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"awda/models"
	"awda/views"
)

// retentionErrors are the store's refusals shown as a message on the case file.
var retentionErrors = []struct {
	err error
	key string
}{
	{models.ErrAlreadyHeld, "retention.error.already_held"},
	{models.ErrNotHeld, "retention.error.not_held"},
	{models.ErrAnonymised, "retention.error.anonymised"},
	{models.ErrErasurePending, "retention.error.erasure_pending"},
	{models.ErrNoErasure, "retention.error.no_erasure"},
	{models.ErrSameSupervisor, "retention.error.same_supervisor"},
	{models.ErrHeldForErasure, "retention.error.held"},
}

// retentionDone answers a retention action on a case: the reason form again with its
// error beside the field, a refusal as a message on the case file, or success.
func (s *server) retentionDone(c echo.Context, id uint, kind string, err error, success string) error {
	if fe, ok := models.AsValidation(err); ok {
		cs, gerr := s.stores.Cases.Get(c.Request().Context(), currentUser(c).Scope(), id)
		if gerr != nil {
			return gerr
		}
		return s.invalid(c, views.RetentionReasonPage(views.RetentionReasonForm{CaseID: id, CaseNumber: cs.CaseNumber,
			Kind: kind, Reason: c.FormValue("reason"), Errors: fe}))
	}
	for _, e := range retentionErrors {
		if errors.Is(err, e.err) {
			s.flash(c, "error", e.key)
			return redirect(c, views.CasePath(id)+"#retention")
		}
	}
	if err != nil {
		return err
	}
	s.flash(c, "success", success)
	return redirect(c, views.CasePath(id)+"#retention")
}

// holdCase puts a case on legal hold (supervisors).
func (s *server) holdCase(c echo.Context) error {
	id, err := caseID(c)
	if err != nil {
		return err
	}
	err = s.stores.Retention.Hold(c.Request().Context(), actor(c), currentUser(c).Scope(), id, c.FormValue("reason"))
	return s.retentionDone(c, id, "hold", err, "retention.flash.held")
}

// releaseCase ends a case's legal hold (supervisors).
func (s *server) releaseCase(c echo.Context) error {
	id, err := caseID(c)
	if err != nil {
		return err
	}
	err = s.stores.Retention.Release(c.Request().Context(), actor(c), currentUser(c).Scope(), id)
	return s.retentionDone(c, id, "hold", err, "retention.flash.released")
}

// requestErasure records a person's erasure request (supervisors).
func (s *server) requestErasure(c echo.Context) error {
	id, err := caseID(c)
	if err != nil {
		return err
	}
	err = s.stores.Retention.RequestErasure(c.Request().Context(), actor(c), currentUser(c).Scope(), id, c.FormValue("reason"))
	return s.retentionDone(c, id, "erasure", err, "retention.flash.erasure_requested")
}

// approveErasure approves an erasure request and anonymises the case now (a second
// supervisor).
func (s *server) approveErasure(c echo.Context) error {
	id, err := caseID(c)
	if err != nil {
		return err
	}
	err = s.stores.Retention.ApproveErasure(c.Request().Context(), actor(c), currentUser(c).Scope(), id)
	return s.retentionDone(c, id, "erasure", err, "retention.flash.erased")
}

// retentionSection is the case file's retention section for a supervisor, nil for
// anyone else.
func (s *server) retentionSection(c echo.Context, cs *models.Case) (*views.RetentionVM, error) {
	u := currentUser(c)
	if !u.Is(models.RoleSupervisor) {
		return nil, nil
	}
	st, err := s.stores.Retention.State(c.Request().Context(), u.Scope(), cs.ID)
	if err != nil {
		return nil, err
	}
	return &views.RetentionVM{CaseID: cs.ID, CaseNumber: cs.CaseNumber, State: st,
		OwnRequest: st.Erasure != nil && st.Erasure.RequestedByID == u.ID}, nil
}

// retentionPage reads what the admin page shows.
func (s *server) retentionPage(c echo.Context, p views.RetentionAdminPage) (views.RetentionAdminPage, error) {
	ctx := c.Request().Context()
	var err error
	if p.Policy, err = s.stores.Retention.Policy(ctx); err != nil {
		return p, err
	}
	p.Offices, err = s.stores.Retention.DueCounts(ctx)
	return p, err
}

// showRetention shows the policy and what falls due (admins).
func (s *server) showRetention(c echo.Context) error {
	p, err := s.retentionPage(c, views.RetentionAdminPage{})
	if err != nil {
		return err
	}
	return s.ok(c, views.AdminRetention(p))
}

// postRetention runs a dry run, or with apply=1 and confirm=1 anonymises what is due
// (admins). Nothing is anonymised without the confirmation.
func (s *server) postRetention(c echo.Context) error {
	ctx := c.Request().Context()
	if c.FormValue("apply") != "1" {
		run, err := s.stores.Retention.DryRun(ctx)
		if err != nil {
			return err
		}
		ev := actor(c).Event("retention.dry_run", "retention", "")
		ev.Details = "due=" + strconv.FormatInt(run.Due, 10)
		if err := s.stores.Audit.Record(ctx, ev); err != nil {
			return err
		}
		p, err := s.retentionPage(c, views.RetentionAdminPage{DryRun: run})
		if err != nil {
			return err
		}
		return s.ok(c, views.AdminRetention(p))
	}
	if c.FormValue("confirm") != "1" {
		run, err := s.stores.Retention.DryRun(ctx)
		if err != nil {
			return err
		}
		p, err := s.retentionPage(c, views.RetentionAdminPage{DryRun: run, Errors: models.FieldErrors{"confirm": "retention.error.confirm"}})
		if err != nil {
			return err
		}
		return s.invalid(c, views.AdminRetention(p))
	}
	run, err := s.stores.Retention.Apply(ctx, actor(c), models.DefaultRetentionBatch, nil)
	if err != nil {
		return err
	}
	s.flash(c, "success", "retention.flash.applied", "Count", run.Anonymised)
	return redirect(c, views.PathAdminRetention)
}

// setRetentionPolicy sets the default or an office's retention years (admins).
func (s *server) setRetentionPolicy(c echo.Context) error {
	ctx := c.Request().Context()
	code := strings.ToUpper(strings.TrimSpace(c.FormValue("office")))
	yearsText := strings.TrimSpace(c.FormValue("years"))
	fe := models.FieldErrors{}
	var officeID uint
	if code != "" {
		o, err := s.stores.Offices.ByCode(ctx, code)
		if errors.Is(err, models.ErrNotFound) {
			fe.Add("office", "retention.error.office")
		} else if err != nil {
			return err
		} else {
			officeID = o.ID
		}
	}
	years, err := strconv.Atoi(yearsText)
	if err != nil {
		fe.Add("years", "retention.error.years")
	}
	if len(fe) == 0 {
		err = s.stores.Retention.SetPolicy(ctx, actor(c), officeID, years)
		if vfe, ok := models.AsValidation(err); ok {
			fe = vfe
		} else if err != nil {
			return err
		}
	}
	if len(fe) > 0 {
		p, err := s.retentionPage(c, views.RetentionAdminPage{Errors: fe, PolicyOffice: code, PolicyYears: yearsText})
		if err != nil {
			return err
		}
		return s.invalid(c, views.AdminRetention(p))
	}
	s.flash(c, "success", "retention.flash.policy")
	return redirect(c, views.PathAdminRetention)
}
