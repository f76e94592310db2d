package handlers

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"awda/models"
	"awda/views"
)

// staleAfter is how long an open case may wait without a status change before the
// home page lists it.
const staleAfter = 14 * 24 * time.Hour

// caseListParams are the list's query parameters, kept in links.
var caseListParams = []string{"q", "status", "office", "nationality", "direction", "vulnerability", "assigned", "stale", "sort"}

// listCases searches and lists the cases in the user's scope.
func (s *server) listCases(c echo.Context) error {
	u := currentUser(c)
	q := url.Values{}
	for _, k := range caseListParams {
		if v := strings.TrimSpace(c.QueryParam(k)); v != "" {
			q.Set(k, v)
		}
	}
	page, _ := strconv.Atoi(c.QueryParam("page"))
	f := models.CaseFilter{
		Q: q.Get("q"), Status: q.Get("status"), OfficeCode: q.Get("office"), Nationality: q.Get("nationality"),
		Direction: q.Get("direction"), Vulnerability: q.Get("vulnerability"), Sort: q.Get("sort"),
		Page: max(page, 1), PerPage: models.DefaultPerPage,
	}
	if id, err := strconv.ParseUint(q.Get("assigned"), 10, 64); err == nil {
		f.AssignedTo = uint(id)
	}
	if q.Get("stale") != "" {
		f.StaleSince = s.stores.Now().Add(-staleAfter)
	}
	ctx := c.Request().Context()
	cases, total, err := s.stores.Cases.List(ctx, u.Scope(), f)
	if err != nil {
		return err
	}
	// One query for both assignee lists: the filter's (caseworkers and supervisors)
	// and the reassign form's (caseworkers only, shown to supervisors).
	users, err := s.stores.Cases.Caseworkers(ctx, u.Scope(), 0, false)
	if err != nil {
		return err
	}
	workers := s.userOptions(c, users, "")
	var caseworkers []views.Option
	if u.Is(models.RoleSupervisor) {
		caseworkers = s.userOptions(c, users, models.RoleCaseworker)
	}
	l := views.CaseList{
		Rows: caseRows(cases, s.stores.Now()), Total: total, Query: q, Page: f.Page, PerPage: f.PerPage, Workers: workers, Caseworkers: caseworkers,
		Statuses:    views.Options(s.labelCtx(c), "cases.status", statusValues()...),
		CanReassign: u.Is(models.RoleSupervisor), ShowOffice: u.OfficeID == nil,
	}
	if l.ShowOffice {
		offices, err := s.stores.Offices.List(ctx)
		if err != nil {
			return err
		}
		for _, o := range offices {
			l.Offices = append(l.Offices, views.Option{Value: o.Code, Label: o.Code + " — " + o.Name})
		}
	}
	return s.ok(c, views.CaseListPage(l))
}

// caseRows are the list's cases with the days each has waited since it last changed.
func caseRows(cases []models.Case, now time.Time) []views.CaseRow {
	rows := make([]views.CaseRow, len(cases))
	for i, cs := range cases {
		rows[i] = views.CaseRow{Case: cs, DaysWaiting: daysSince(cs.UpdatedAt, now), Waiting: cs.Status != models.StatusClosed}
	}
	return rows
}

func statusValues() []string {
	out := make([]string, len(models.CaseStatuses))
	for i, st := range models.CaseStatuses {
		out[i] = string(st)
	}
	return out
}

// workerOptions lists the caseworkers and supervisors a case can be given to: of one
// office, or of every office in the user's scope.
func (s *server) workerOptions(c echo.Context, officeID uint, onlyCaseworkers bool) ([]views.Option, error) {
	u := currentUser(c)
	users, err := s.stores.Cases.Caseworkers(c.Request().Context(), u.Scope(), officeID, onlyCaseworkers)
	if err != nil {
		return nil, err
	}
	return s.userOptions(c, users, ""), nil
}

// userOptions are the choices for users (only those of role, when set), labelled with
// their office code for a user who sees every office.
func (s *server) userOptions(c echo.Context, users []models.User, role models.Role) []views.Option {
	u := currentUser(c)
	out := make([]views.Option, 0, len(users))
	for _, w := range users {
		if role != "" && w.Role != role {
			continue
		}
		label := w.Name
		if u.OfficeID == nil && w.Office != nil {
			label += " (" + w.Office.Code + ")"
		}
		out = append(out, views.Option{Value: strconv.FormatUint(uint64(w.ID), 10), Label: label})
	}
	return out
}

// caseForm prepares the registration or edit form with its choices.
func (s *server) caseForm(c echo.Context, in models.CaseInput) (views.CaseForm, error) {
	u := currentUser(c)
	ctx := c.Request().Context()
	f := views.CaseForm{In: in, Errors: models.FieldErrors{}}
	if u.OfficeID != nil {
		o, err := s.stores.Offices.Get(ctx, *u.OfficeID)
		if err != nil {
			return f, err
		}
		f.OfficeName = o.Name
	} else {
		offices, err := s.stores.Offices.List(ctx)
		if err != nil {
			return f, err
		}
		for _, o := range offices {
			f.Offices = append(f.Offices, views.Option{Value: strconv.FormatUint(uint64(o.ID), 10), Label: o.Code + " — " + o.Name})
			if o.ID == in.OfficeID {
				f.OfficeName = o.Name
			}
		}
	}
	var err error
	f.Assignees, err = s.workerOptions(c, in.OfficeID, false)
	return f, err
}

// bindCase reads the case form. It also applies the household row buttons (add one
// empty row, remove a row) and reports whether one of them was pressed.
func bindCase(c echo.Context) (in models.CaseInput, rowsEdited bool, err error) {
	form, err := c.FormParams()
	if err != nil {
		return in, false, echo.NewHTTPError(http.StatusBadRequest)
	}
	in = models.CaseInput{
		Direction: form.Get("direction"), FamilyName: form.Get("family_name"), GivenName: form.Get("given_name"),
		Sex: form.Get("sex"), BirthDate: form.Get("birth_date"), AgeEstimate: form.Get("age_estimate"),
		Nationality: form.Get("nationality"), ReturnCountry: form.Get("return_country"), Phone: form.Get("phone"),
		Languages: form.Get("languages"), IDDocType: form.Get("id_doc_type"), IDDocNumber: form.Get("id_doc_number"),
		Vulnerabilities: form["vulnerabilities"], ConsentDate: form.Get("consent_date"),
		ConsentShare: form.Get("consent_share") == "1", RequestDate: form.Get("request_date"),
		RequestReason: form.Get("request_reason"), Notes: form.Get("notes"),
		ConfirmDifferent: form.Get("confirm_different") == "1",
	}
	if id, err := strconv.ParseUint(form.Get("office"), 10, 64); err == nil {
		in.OfficeID = uint(id)
	}
	if id, err := strconv.ParseUint(form.Get("assigned_to"), 10, 64); err == nil {
		in.AssignedToID = uint(id)
	}
	for i := range maxHouseholdRows {
		p := fmt.Sprintf("household[%d].", i)
		if _, ok := form[p+"name"]; !ok {
			if _, ok := form[p+"sex"]; !ok {
				continue
			}
		}
		in.Household = append(in.Household, models.HouseholdInput{
			Name: form.Get(p + "name"), Relation: form.Get(p + "relation"), Sex: form.Get(p + "sex"), BirthDate: form.Get(p + "birth_date"),
		})
	}
	if r, err := strconv.Atoi(form.Get("remove_household")); err == nil && r >= 0 && r < len(in.Household) {
		in.Household = append(in.Household[:r], in.Household[r+1:]...)
		rowsEdited = true
	}
	if form.Get("add_household") != "" && len(in.Household) < maxHouseholdRows {
		in.Household = append(in.Household, models.HouseholdInput{})
		rowsEdited = true
	}
	return in, rowsEdited, nil
}

// maxHouseholdRows bounds the household rows a form may carry.
const maxHouseholdRows = 30

// newCase shows the registration form; a caseworker's cases are assigned to them.
func (s *server) newCase(c echo.Context) error {
	u := currentUser(c)
	in := models.CaseInput{Direction: string(models.Outbound)}
	if u.OfficeID != nil {
		in.OfficeID = *u.OfficeID
	}
	if u.Is(models.RoleCaseworker) {
		in.AssignedToID = u.ID
	}
	f, err := s.caseForm(c, in)
	if err != nil {
		return err
	}
	return s.ok(c, views.CaseFormPage(f))
}

// createCase registers a case, or shows the form again with its errors or the
// possible duplicates, everything typed kept.
func (s *server) createCase(c echo.Context) error {
	u := currentUser(c)
	in, rowsEdited, err := bindCase(c)
	if err != nil {
		return err
	}
	if u.OfficeID != nil {
		in.OfficeID = *u.OfficeID
	}
	f, err := s.caseForm(c, in)
	if err != nil {
		return err
	}
	if rowsEdited {
		return s.ok(c, views.CaseFormPage(f))
	}
	cs, err := s.stores.Cases.Create(c.Request().Context(), actor(c), u.Scope(), in)
	var dups *models.DuplicatesError
	switch {
	case errors.As(err, &dups):
		f.Duplicates = dups.Cases
		return s.invalid(c, views.CaseFormPage(f))
	case err != nil:
		fe, ok := models.AsValidation(err)
		if !ok {
			return err
		}
		f.Errors = fe
		return s.invalid(c, views.CaseFormPage(f))
	}
	s.flash(c, "success", "cases.flash.created", "Number", cs.CaseNumber)
	return redirect(c, views.CasePath(cs.ID))
}

// caseID reads the :id parameter; a malformed id is simply not found.
func caseID(c echo.Context) (uint, error) {
	id, err := strconv.ParseUint(c.Param("id"), 10, 64)
	if err != nil || id == 0 {
		return 0, models.ErrNotFound
	}
	return uint(id), nil
}

// showCase shows the case file; each view is an audit event.
func (s *server) showCase(c echo.Context) error {
	id, err := caseID(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	file, err := s.stores.Cases.File(ctx, currentUser(c).Scope(), id)
	if err != nil {
		return err
	}
	s.stores.Cases.Viewed(actor(c), file.Case)
	vm, err := s.caseFileVM(c, file)
	if err != nil {
		return err
	}
	if err := s.addMonitoring(c, &vm); err != nil {
		return err
	}
	if sec, err := s.retentionSection(c, file.Case); err != nil {
		return err
	} else if sec != nil {
		vm.Sections = append(vm.Sections, views.RetentionSection(*sec))
	}
	return s.ok(c, views.CaseFilePage(vm))
}

// caseFileVM builds the case file's view model: the case, the moves this user may
// make, and the casework sections (support, sessions, activities, referrals).
func (s *server) caseFileVM(c echo.Context, file *models.CaseFile) (views.CaseFile, error) {
	u, cs := currentUser(c), file.Case
	vm := views.CaseFile{Case: cs, CanEdit: u.CanEditCases(), Closed: cs.Status == models.StatusClosed}
	for _, to := range models.StepsFor(cs, u.Role) {
		st := views.StepForm{To: to}
		switch models.CaseStatus(to) {
		case models.StatusReturned:
			st.Travel = cs.Status == models.StatusApproved
		case models.StatusClosed:
			st.Reasons = models.ClosureReasonsFrom(cs.Status)
		}
		vm.Steps = append(vm.Steps, st)
	}
	if open := c.QueryParam("open"); strings.HasPrefix(open, "step-") {
		for _, st := range vm.Steps {
			if "step-"+st.To == open {
				vm.OpenStep = st.To
			}
		}
	}
	vm.Head = views.CaseHead{Next: nextAction(cs, file, u)}
	ageOn := s.caseworkToday()
	if !cs.DepartureDate.IsZero() {
		ageOn, vm.Head.AgeAtReturn = cs.DepartureDate, true
	}
	vm.Head.Age = views.CaseAge(cs, ageOn)
	vm.Sections = append(vm.Sections, views.CaseworkSections(s.caseworkVM(c, file)))
	docs, err := s.documentsSection(c, cs)
	if err != nil {
		return vm, err
	}
	vm.Sections = append(vm.Sections, views.DocumentsSection(docs))
	return vm, nil
}

// editCase shows the edit form of an open case.
func (s *server) editCase(c echo.Context) error {
	id, err := caseID(c)
	if err != nil {
		return err
	}
	cs, err := s.stores.Cases.Get(c.Request().Context(), currentUser(c).Scope(), id)
	if err != nil {
		return err
	}
	if cs.Status == models.StatusClosed {
		s.flash(c, "error", "cases.closed_read_only")
		return redirect(c, views.CasePath(cs.ID))
	}
	f, err := s.caseForm(c, models.InputOf(cs))
	if err != nil {
		return err
	}
	f.ID, f.Number, f.Version = cs.ID, cs.CaseNumber, cs.Version
	return s.ok(c, views.CaseFormPage(f))
}

// updateCase saves an edit. If someone saved meanwhile, the form comes back with the
// user's values, what changed, and the new version, so they can re-apply.
func (s *server) updateCase(c echo.Context) error {
	id, err := caseID(c)
	if err != nil {
		return err
	}
	u := currentUser(c)
	ctx := c.Request().Context()
	cs, err := s.stores.Cases.Get(ctx, u.Scope(), id)
	if err != nil {
		return err
	}
	in, rowsEdited, err := bindCase(c)
	if err != nil {
		return err
	}
	in.OfficeID = cs.OfficeID
	version, _ := strconv.Atoi(c.FormValue("version"))
	f, err := s.caseForm(c, in)
	if err != nil {
		return err
	}
	f.ID, f.Number, f.Version = cs.ID, cs.CaseNumber, version
	if rowsEdited {
		return s.ok(c, views.CaseFormPage(f))
	}
	_, err = s.stores.Cases.Update(ctx, actor(c), u.Scope(), id, version, in)
	var conflict *models.ConflictError
	switch {
	case err == nil:
		s.flash(c, "success", "flash.saved")
		return redirect(c, views.CasePath(id))
	case errors.Is(err, models.ErrCaseClosed):
		s.flash(c, "error", "cases.closed_read_only")
		return redirect(c, views.CasePath(id))
	case errors.As(err, &conflict):
		f.Version = conflict.Current.Version
		f.Conflict = s.conflictRows(c, conflict, in)
		return s.render(c, http.StatusConflict, views.CaseFormPage(f))
	}
	fe, ok := models.AsValidation(err)
	if !ok {
		return err
	}
	f.Errors = fe
	return s.invalid(c, views.CaseFormPage(f))
}

// conflictRows lists, field by field, what was saved meanwhile beside what the user typed.
func (s *server) conflictRows(c echo.Context, ce *models.ConflictError, mine models.CaseInput) []views.ConflictRow {
	now := models.InputOf(ce.Current)
	ctx := s.labelCtx(c)
	show := func(in models.CaseInput, field string) string {
		switch field {
		case "status":
			return views.Label(ctx, "cases.status", string(ce.Current.Status))
		case "household":
			var names []string
			for _, h := range in.Members() {
				names = append(names, h.Name)
			}
			return strings.Join(names, ", ")
		case "vulnerabilities":
			var ls []string
			for _, v := range in.Vulnerabilities {
				ls = append(ls, views.Label(ctx, "cases.vulnerability", v))
			}
			return strings.Join(ls, ", ")
		case "assigned_to":
			if ce.Current.AssignedTo != nil && in.AssignedToID == ce.Current.AssignedTo.ID {
				return ce.Current.AssignedTo.Name
			}
			if in.AssignedToID != 0 {
				// Only a name the user may see: the id is typed by the client, and another
				// office's staff are no business of this page.
				w, err := s.stores.Users.Get(c.Request().Context(), in.AssignedToID)
				if err == nil && w.OfficeID != nil && *w.OfficeID == ce.Current.OfficeID && currentUser(c).Scope().Allows(*w.OfficeID) {
					return w.Name
				}
			}
			return ""
		}
		return models.CaseFieldValue(&in, field)
	}
	var rows []views.ConflictRow
	for _, field := range ce.Changed {
		r := views.ConflictRow{Field: field, Now: show(now, field)}
		if field != "status" {
			r.Mine = show(mine, field)
		}
		rows = append(rows, r)
	}
	return rows
}

// moveCase moves a case along the workflow; a refused move changes nothing and shows
// the case file again with the reason.
func (s *server) moveCase(c echo.Context) error {
	id, err := caseID(c)
	if err != nil {
		return err
	}
	u := currentUser(c)
	ctx := c.Request().Context()
	version, _ := strconv.Atoi(c.FormValue("version"))
	in := models.TransitionInput{
		To: c.FormValue("to"), Date: c.FormValue("date"), Reason: c.FormValue("reason"), Note: c.FormValue("note"),
		Version: version, DepartureDate: c.FormValue("departure_date"), ArrivalDate: c.FormValue("arrival_date"),
		TravelRoute: c.FormValue("travel_route"), Escort: c.FormValue("escort"), ReceivedBy: c.FormValue("received_by"),
	}
	_, err = s.stores.Cases.Move(ctx, actor(c), u.Scope(), id, in)
	if err == nil {
		s.flash(c, "success", "cases.flash.moved", "Status", s.t(c, "cases.status."+c.FormValue("to")))
		return redirect(c, views.CasePath(id))
	}
	if errors.Is(err, models.ErrNotFound) {
		return err
	}
	file, ferr := s.stores.Cases.File(ctx, u.Scope(), id)
	if ferr != nil {
		return ferr
	}
	vm, verr := s.caseFileVM(c, file)
	if verr != nil {
		return verr
	}
	if err := s.addMonitoring(c, &vm); err != nil {
		return err
	}
	vm.Move = in
	status := http.StatusUnprocessableEntity
	if key, ok := models.IsRefused(err); ok {
		vm.MoveError = key
	} else if errors.Is(err, models.ErrConflict) {
		vm.MoveError, status = "cases.conflict.moved", http.StatusConflict
	} else if fe, ok := models.AsValidation(err); ok {
		vm.MoveErrors = fe
	} else {
		return err
	}
	return s.render(c, status, views.CaseFilePage(vm))
}

// reassignCases gives selected cases, or all of a caseworker's open cases, to another
// caseworker of the same office.
func (s *server) reassignCases(c echo.Context) error {
	form, err := c.FormParams()
	if err != nil {
		return echo.NewHTTPError(http.StatusBadRequest)
	}
	in := models.ReassignInput{Reason: form.Get("reason")}
	for _, v := range form["case_id"] {
		if id, err := strconv.ParseUint(v, 10, 64); err == nil {
			in.CaseIDs = append(in.CaseIDs, uint(id))
		}
	}
	if id, err := strconv.ParseUint(form.Get("from_user"), 10, 64); err == nil && len(in.CaseIDs) == 0 {
		in.FromUser = uint(id)
	}
	if id, err := strconv.ParseUint(form.Get("to_user"), 10, 64); err == nil {
		in.ToUser = uint(id)
	}
	back := views.PathCases
	if ref := localPath(refererPath(c)); strings.HasPrefix(ref, views.PathCases) {
		back = ref
	}
	n, err := s.stores.Cases.Reassign(c.Request().Context(), actor(c), currentUser(c).Scope(), in)
	if fe, ok := models.AsValidation(err); ok {
		for _, key := range []string{"case_id", "to_user", "reason"} {
			if fe[key] != "" {
				s.flash(c, "error", "cases.reassign.error_"+key, "Message", s.t(c, fe[key]))
			}
		}
		return redirect(c, back)
	}
	if err != nil {
		return err
	}
	s.flash(c, "success", "cases.reassign.done", "Count", strconv.Itoa(n))
	return redirect(c, back)
}

// labelCtx is a context for translating labels in a handler. Unlike viewRequest it
// does not take the flashes, which must stay for the page being rendered.
func (s *server) labelCtx(c echo.Context) context.Context {
	return views.WithRequest(c.Request().Context(), &views.Request{Lang: getState(c).lang, Catalog: s.catalog})
}

// daysSince is the number of whole days from t to now.
func daysSince(t, now time.Time) int { return int(now.Sub(t).Hours() / 24) }
