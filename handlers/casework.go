package handlers

import (
	"errors"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"awda/models"
	"awda/views"
)

// caseworkParamID reads a numeric path parameter; anything else is a page that does not exist.
func caseworkParamID(c echo.Context, name string) (uint, error) {
	n, err := strconv.ParseUint(c.Param(name), 10, 64)
	if err != nil || n == 0 {
		return 0, models.ErrNotFound
	}
	return uint(n), nil
}

func caseworkFormInt(c echo.Context, name string) int {
	n, _ := strconv.Atoi(c.FormValue(name))
	return n
}

func (s *server) caseworkToday() models.Date { return models.DateOf(s.stores.Now()) }

// caseworkVM prepares the casework part of a case file already read in the user's
// scope. The case file renders it with views.CaseworkSections.
func (s *server) caseworkVM(c echo.Context, file *models.CaseFile) views.CaseworkVM {
	u, cs := currentUser(c), file.Case
	vm := views.CaseworkVM{CaseID: cs.ID, CaseNumber: cs.CaseNumber, CanEdit: u.CanEditCases() && cs.Status != models.StatusClosed, ConsentShare: cs.ConsentShare,
		Today: s.caseworkToday().String(), Totals: file.Totals, Sessions: file.Sessions, Activities: file.Activities}
	support, referrals := file.Support, file.Referrals
	supervisor := u.Role == models.RoleSupervisor
	for _, sp := range support {
		row := views.SupportRow{Support: sp}
		if vm.CanEdit {
			row.CanApprove = supervisor && sp.Status == models.SupportPlanned && sp.PlannedByID != u.ID
			row.OwnPlanned = supervisor && sp.Status == models.SupportPlanned && sp.PlannedByID == u.ID
			row.CanDeliver = models.CanMoveSupport(sp.Status, models.SupportDelivered)
			row.CanCancel = models.CanMoveSupport(sp.Status, models.SupportCancelled)
		}
		vm.Support = append(vm.Support, row)
		vm.Timeline = append(vm.Timeline, views.TimelineItem{Date: sp.Date, At: sp.CreatedAt, Group: "support", Kind: "casework.timeline.support",
			Sub: "casework.type." + string(sp.Type), Amount: sp.Amount, Currency: sp.Currency,
			Text: sp.Description, By: caseworkUserName(sp.PlannedBy), ID: "timeline-support-" + strconv.Itoa(int(sp.ID))})
	}
	for _, r := range referrals {
		row := views.ReferralRow{Referral: r, Open: r.Status == models.ReferralSent || r.Status == models.ReferralAccepted}
		for _, st := range models.ReferralStatuses {
			if models.CanMoveReferral(r.Status, st) {
				row.Next = append(row.Next, string(st))
			}
		}
		vm.Referrals = append(vm.Referrals, row)
		sub := "casework.partner." + r.Partner
		text := r.Purpose
		if r.Partner == "other" {
			text = r.PartnerName + " — " + r.Purpose
		}
		vm.Timeline = append(vm.Timeline, views.TimelineItem{Date: r.DateSent, At: r.CreatedAt, Group: "referral", Kind: "casework.timeline.referral", Sub: sub,
			Text: text, By: caseworkUserName(r.CreatedBy), ID: "timeline-referral-" + strconv.Itoa(int(r.ID))})
	}
	for _, a := range vm.Activities {
		vm.Timeline = append(vm.Timeline, views.TimelineItem{Date: a.Date, At: a.CreatedAt, Group: "activity", Kind: "casework.activity." + string(a.Kind),
			Text: a.Note, By: caseworkUserName(a.CreatedBy), ID: "timeline-activity-" + strconv.Itoa(int(a.ID))})
	}
	for _, g := range vm.Sessions {
		vm.Timeline = append(vm.Timeline, views.TimelineItem{Date: g.Date, Group: "session", Kind: "casework.session_kind." + string(g.Kind),
			Text: g.Title, By: g.AddedByName, ID: "timeline-session-" + strconv.Itoa(int(g.SessionID))})
	}
	for _, h := range cs.History {
		vm.Timeline = append(vm.Timeline, views.TimelineItem{Date: h.Date, At: h.CreatedAt, Group: "status", Kind: "cases.section.history",
			From: string(h.From), To: string(h.To), Reason: h.Reason, Text: h.Note, By: caseworkUserName(h.User), ID: "history-entry"})
	}
	vm.Timeline, vm.TimelineCounts, vm.TimelineKind = mergeTimeline(vm.Timeline, c.QueryParam("timeline"))
	today := vm.Today
	vm.Open = caseworkOpen(c.QueryParam("open"))
	vm.SupportForm = views.SupportForm{CaseID: cs.ID, CaseNumber: cs.CaseNumber, In: models.SupportInput{Currency: "MAD", Date: today}}
	vm.ActivityForm = views.ActivityForm{CaseID: cs.ID, CaseNumber: cs.CaseNumber, In: models.ActivityInput{Date: today}}
	if slices.Contains(models.ActivityKinds, models.ActivityKind(vm.Open)) {
		vm.ActivityForm.In.Kind = vm.Open
	}
	vm.ReferralForm = views.ReferralForm{CaseID: cs.ID, CaseNumber: cs.CaseNumber, In: models.ReferralInput{Date: today}}
	return vm
}

// mergeTimeline orders a case's story newest first (entries of one date by when they
// were recorded, newest first), counts each kind, and keeps only the kind asked for
// when it is one (an unknown kind shows everything).
func mergeTimeline(items []views.TimelineItem, kind string) ([]views.TimelineItem, map[string]int, string) {
	sort.SliceStable(items, func(i, j int) bool {
		a, b := items[i], items[j]
		if a.Date.After(b.Date) || a.Date.Before(b.Date) {
			return a.Date.After(b.Date)
		}
		return a.At.After(b.At)
	})
	counts := map[string]int{}
	for _, it := range items {
		counts[it.Group]++
	}
	if !slices.Contains(views.TimelineKinds, kind) {
		return items, counts, ""
	}
	out := items[:0:0]
	for _, it := range items {
		if it.Group == kind {
			out = append(out, it)
		}
	}
	return out, counts, kind
}

// caseworkOpen is the casework form to show open on arrival, when the link asked for one.
func caseworkOpen(open string) string {
	switch open {
	case "support", "referral":
		return open
	}
	if slices.Contains(models.ActivityKinds, models.ActivityKind(open)) {
		return open
	}
	return ""
}

func caseworkUserName(u *models.User) string {
	if u == nil {
		return ""
	}
	return u.Name
}

// caseworkCase loads the case of a casework form in scope (for its number on a form page).
func (s *server) caseworkCase(c echo.Context) (*models.Case, error) {
	id, err := caseworkParamID(c, "id")
	if err != nil {
		return nil, err
	}
	return s.stores.Support.CaseInScope(c.Request().Context(), currentUser(c).Scope(), id)
}

// caseworkDone is the success answer of every casework form: a message and the case file.
func (s *server) caseworkDone(c echo.Context, caseID uint, anchor, key string, args ...any) error {
	s.flash(c, "success", key, args...)
	return redirect(c, views.CasePath(caseID)+"#"+anchor)
}

// createSupport plans support for a case.
func (s *server) createSupport(c echo.Context) error {
	cs, err := s.caseworkCase(c)
	if err != nil {
		return err
	}
	in := models.SupportInput{Type: c.FormValue("type"), Description: c.FormValue("description"), Amount: c.FormValue("amount"),
		Currency: c.FormValue("currency"), Date: c.FormValue("date"), FundedByOffice: c.FormValue("funded_by_office") == "1"}
	_, err = s.stores.Support.Plan(c.Request().Context(), actor(c), currentUser(c).Scope(), cs.ID, in)
	if fe, ok := models.AsValidation(err); ok {
		return s.invalid(c, views.SupportFormPage(views.SupportForm{CaseID: cs.ID, CaseNumber: cs.CaseNumber, In: in, Errors: fe}))
	}
	if errors.Is(err, models.ErrCaseClosed) {
		s.flash(c, "error", "casework.error.case_closed")
		return redirect(c, views.CasePath(cs.ID))
	}
	if err != nil {
		return err
	}
	return s.caseworkDone(c, cs.ID, "support", "casework.flash.support_planned")
}

// moveSupport approves, delivers, cancels or sends back one support of a case.
func (s *server) moveSupport(action string) echo.HandlerFunc {
	return func(c echo.Context) error {
		cs, err := s.caseworkCase(c)
		if err != nil {
			return err
		}
		sid, err := caseworkParamID(c, "sid")
		if err != nil {
			return err
		}
		ctx, a, scope := c.Request().Context(), actor(c), currentUser(c).Scope()
		version := caseworkFormInt(c, "version")
		var value string
		switch action {
		case "approve":
			err = s.stores.Support.Approve(ctx, a, scope, cs.ID, sid, version)
		case "deliver":
			value = c.FormValue("date")
			err = s.stores.Support.Deliver(ctx, a, scope, cs.ID, sid, version, value)
		case "cancel":
			value = c.FormValue("reason")
			err = s.stores.Support.Cancel(ctx, a, scope, cs.ID, sid, version, value)
		case "send-back":
			value = c.FormValue("comment")
			err = s.stores.Support.SendBack(ctx, a, scope, cs.ID, sid, version, value)
		}
		from, queue := "", views.ApprovalsState{}
		if c.FormValue("from") == "approvals" {
			from = "approvals"
			queue = approvalsState(c)
		}
		if fe, ok := models.AsValidation(err); ok {
			sp, gerr := s.stores.Support.Get(ctx, scope, cs.ID, sid)
			if gerr != nil {
				return gerr
			}
			return s.invalid(c, views.SupportMovePage(views.SupportMoveForm{CaseID: cs.ID, CaseNumber: cs.CaseNumber, Support: *sp,
				Action: action, Value: value, Version: version, From: from, Queue: queue, Errors: fe}))
		}
		target := views.CasePath(cs.ID) + "#support"
		if from != "" {
			target = queue.Path()
		}
		if key := supportErrorKey(err); key != "" {
			s.flash(c, "error", key)
			return redirect(c, target)
		}
		if err != nil {
			return err
		}
		s.flash(c, "success", "casework.flash.support_"+strings.ReplaceAll(action, "-", "_"))
		return redirect(c, target)
	}
}

// supportErrorKey is the message for a refused move that the user can understand and
// act on; other errors (not found, unexpected) go to the error handler.
func supportErrorKey(err error) string {
	switch {
	case err == nil:
		return ""
	case errors.Is(err, models.ErrOwnSupport):
		return "casework.error.four_eyes"
	case errors.Is(err, models.ErrReceiptRequired):
		return "documents.error.receipt_required"
	case errors.Is(err, models.ErrCaseClosed):
		return "casework.error.case_closed"
	case errors.Is(err, models.ErrBadMove):
		return "casework.error.bad_move"
	case errors.Is(err, models.ErrConflict):
		return "casework.error.conflict"
	}
	return ""
}

// createActivity records counselling, psychosocial support or a monitoring visit.
func (s *server) createActivity(c echo.Context) error {
	cs, err := s.caseworkCase(c)
	if err != nil {
		return err
	}
	in := models.ActivityInput{Kind: c.FormValue("kind"), Mode: c.FormValue("mode"), Date: c.FormValue("date"), Note: c.FormValue("note")}
	_, err = s.stores.Activities.Record(c.Request().Context(), actor(c), currentUser(c).Scope(), cs.ID, in)
	if fe, ok := models.AsValidation(err); ok {
		return s.invalid(c, views.ActivityFormPage(views.ActivityForm{CaseID: cs.ID, CaseNumber: cs.CaseNumber, In: in, Errors: fe}))
	}
	if errors.Is(err, models.ErrCaseClosed) {
		s.flash(c, "error", "casework.error.case_closed")
		return redirect(c, views.CasePath(cs.ID))
	}
	if err != nil {
		return err
	}
	return s.caseworkDone(c, cs.ID, "activities", "casework.flash.activity_recorded")
}

// createReferral refers the case to a partner, if the person consented to sharing data.
func (s *server) createReferral(c echo.Context) error {
	cs, err := s.caseworkCase(c)
	if err != nil {
		return err
	}
	in := models.ReferralInput{Partner: c.FormValue("partner"), PartnerName: c.FormValue("partner_name"), Purpose: c.FormValue("purpose"), Date: c.FormValue("date")}
	_, err = s.stores.Referrals.Create(c.Request().Context(), actor(c), currentUser(c).Scope(), cs.ID, in)
	if fe, ok := models.AsValidation(err); ok {
		return s.invalid(c, views.ReferralFormPage(views.ReferralForm{CaseID: cs.ID, CaseNumber: cs.CaseNumber, In: in, Errors: fe}))
	}
	if errors.Is(err, models.ErrCaseClosed) {
		s.flash(c, "error", "casework.error.case_closed")
		return redirect(c, views.CasePath(cs.ID))
	}
	if err != nil {
		return err
	}
	return s.caseworkDone(c, cs.ID, "referrals", "casework.flash.referral_sent")
}

// followUpReferral records a referral's new status, outcome and satisfaction.
func (s *server) followUpReferral(c echo.Context) error {
	cs, err := s.caseworkCase(c)
	if err != nil {
		return err
	}
	rid, err := caseworkParamID(c, "rid")
	if err != nil {
		return err
	}
	ctx, scope := c.Request().Context(), currentUser(c).Scope()
	in := models.FollowUpInput{Status: c.FormValue("status"), Outcome: c.FormValue("outcome"), Satisfaction: c.FormValue("satisfaction"),
		Reason: c.FormValue("reason"), Version: caseworkFormInt(c, "version")}
	err = s.stores.Referrals.FollowUp(ctx, actor(c), scope, cs.ID, rid, in)
	if fe, ok := models.AsValidation(err); ok {
		r, gerr := s.stores.Referrals.Get(ctx, scope, cs.ID, rid)
		if gerr != nil {
			return gerr
		}
		row := views.ReferralRow{Referral: *r, Open: true}
		for _, st := range models.ReferralStatuses {
			if models.CanMoveReferral(r.Status, st) {
				row.Next = append(row.Next, string(st))
			}
		}
		return s.invalid(c, views.FollowUpFormPage(views.FollowUpForm{CaseID: cs.ID, CaseNumber: cs.CaseNumber, Referral: row, In: in, Errors: fe}))
	}
	if key := supportErrorKey(err); key != "" {
		s.flash(c, "error", key)
		return redirect(c, views.CasePath(cs.ID)+"#referrals")
	}
	if err != nil {
		return err
	}
	return s.caseworkDone(c, cs.ID, "referrals", "casework.flash.referral_updated")
}

// listSessions shows the group sessions in the user's scope, newest first.
func (s *server) listSessions(c echo.Context) error {
	f := models.SessionFilter{Page: max(1, caseworkFormInt(c, "page")), PerPage: 50}
	f.From, _ = models.ParseDate(c.QueryParam("from"))
	f.To, _ = models.ParseDate(c.QueryParam("to"))
	rows, total, err := s.stores.GroupSessions.List(c.Request().Context(), currentUser(c).Scope(), f)
	if err != nil {
		return err
	}
	q := c.QueryParams()
	pager := views.Pager{Page: f.Page, PerPage: f.PerPage, Total: total, Link: func(p int) string {
		q.Set("page", strconv.Itoa(p))
		return views.WithQuery(views.PathSessions, q)
	}}
	return s.ok(c, views.SessionsPage(views.SessionsVM{Rows: rows, Pager: pager}))
}

// sessionForm prepares the new session form; users of all offices choose the office.
func (s *server) sessionForm(c echo.Context, in models.SessionInput, fe models.FieldErrors) (views.SessionForm, error) {
	f := views.SessionForm{In: in, Errors: fe, ChooseOffice: currentUser(c).Scope().AllOffices()}
	if f.ChooseOffice {
		offices, err := s.stores.Offices.List(c.Request().Context())
		if err != nil {
			return f, err
		}
		f.Offices = offices
	}
	return f, nil
}

// newSession shows the new session form.
func (s *server) newSession(c echo.Context) error {
	f, err := s.sessionForm(c, models.SessionInput{Kind: string(models.InfoSession), Date: s.caseworkToday().String()}, nil)
	if err != nil {
		return err
	}
	return s.ok(c, views.SessionNewPage(f))
}

// createSession adds a group session.
func (s *server) createSession(c echo.Context) error {
	office, _ := strconv.ParseUint(c.FormValue("office"), 10, 64)
	in := models.SessionInput{Kind: c.FormValue("kind"), Title: c.FormValue("title"), Date: c.FormValue("date"),
		Place: c.FormValue("place"), Facilitator: c.FormValue("facilitator"), Office: uint(office)}
	gs, err := s.stores.GroupSessions.Create(c.Request().Context(), actor(c), currentUser(c).Scope(), in)
	if fe, ok := models.AsValidation(err); ok {
		f, ferr := s.sessionForm(c, in, fe)
		if ferr != nil {
			return ferr
		}
		return s.invalid(c, views.SessionNewPage(f))
	}
	if err != nil {
		return err
	}
	s.flash(c, "success", "casework.flash.session_created")
	return redirect(c, views.SessionPath(gs.ID))
}

// sessionVM loads a session in scope with its attendance list.
func (s *server) sessionVM(c echo.Context, id uint) (views.SessionVM, error) {
	ctx, scope := c.Request().Context(), currentUser(c).Scope()
	gs, err := s.stores.GroupSessions.Get(ctx, scope, id)
	if err != nil {
		return views.SessionVM{}, err
	}
	list, err := s.stores.GroupSessions.Attendees(ctx, scope, id)
	return views.SessionVM{Session: gs, Attendees: list}, err
}

// showSession shows one session and its attendance.
func (s *server) showSession(c echo.Context) error {
	id, err := caseworkParamID(c, "id")
	if err != nil {
		return err
	}
	vm, err := s.sessionVM(c, id)
	if err != nil {
		return err
	}
	return s.ok(c, views.SessionPage(vm))
}

// changeAttendance adds cases by number (all or nothing) or removes one (remove=case id).
func (s *server) changeAttendance(c echo.Context) error {
	id, err := caseworkParamID(c, "id")
	if err != nil {
		return err
	}
	ctx, a, scope := c.Request().Context(), actor(c), currentUser(c).Scope()
	if rm := c.FormValue("remove"); rm != "" {
		caseID, perr := strconv.ParseUint(rm, 10, 64)
		if perr != nil {
			return models.ErrNotFound
		}
		if err := s.stores.GroupSessions.RemoveAttendance(ctx, a, scope, id, uint(caseID)); err != nil {
			return err
		}
		s.flash(c, "success", "casework.flash.attendance_removed")
		return redirect(c, views.SessionPath(id))
	}
	form, _ := c.FormParams()
	typed := form["case_number"]
	n, err := s.stores.GroupSessions.AddAttendance(ctx, a, scope, id, models.SplitCaseNumbers(typed...))
	var ae *models.AttendanceError
	fe, invalid := models.AsValidation(err)
	if errors.As(err, &ae) || invalid {
		vm, verr := s.sessionVM(c, id)
		if verr != nil {
			return verr
		}
		vm.Numbers = caseworkLines(typed)
		if ae != nil {
			vm.Problems = ae.Problems
			vm.Error = "casework.error.attendance_refused"
		} else {
			vm.Error = fe["case_number"]
		}
		return s.invalid(c, views.SessionPage(vm))
	}
	if err != nil {
		return err
	}
	s.flash(c, "success", "casework.flash.attendance_added", "Count", strconv.Itoa(n))
	return redirect(c, views.SessionPath(id))
}

func caseworkLines(values []string) string {
	out := ""
	for i, v := range values {
		if i > 0 {
			out += "\n"
		}
		out += v
	}
	return out
}
