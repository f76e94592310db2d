package handlers

import (
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"awda/models"
	"awda/views"
)

// addMonitoring appends the monitoring section to a case file read in the user's scope.
func (s *server) addMonitoring(c echo.Context, vm *views.CaseFile) error {
	m, err := s.stores.Monitoring.ForCase(c.Request().Context(), currentUser(c).Scope(), vm.Case.ID)
	if err != nil {
		return err
	}
	u := currentUser(c)
	vm.Sections = append(vm.Sections, views.MonitoringSection(views.MonitoringVM{
		CaseID: vm.Case.ID, CanRecord: u.CanEditCases() && vm.Case.Status != models.StatusClosed, M: m,
		CaseVersion: vm.Case.Version, CanClose: u.Is(models.RoleSupervisor) && vm.Case.Status == models.StatusReintegration,
	}))
	return nil
}

// newVisit shows the monitoring visit form, drawn with the current instrument.
func (s *server) newVisit(c echo.Context) error {
	cs, err := s.caseworkCase(c)
	if err != nil {
		return err
	}
	if cs.Status == models.StatusClosed {
		s.flash(c, "error", "monitoring.error.case_closed")
		return redirect(c, views.CasePath(cs.ID))
	}
	iv, err := s.stores.Monitoring.Current(c.Request().Context())
	if err != nil {
		return err
	}
	kind := "followup"
	if cs.Status != models.StatusReturned && cs.Status != models.StatusReintegration {
		kind = "baseline"
	}
	in := models.VisitInput{Kind: kind, Date: s.caseworkToday().String(), Method: "in_person", Interviewer: currentUser(c).Name}
	return s.ok(c, views.VisitFormPage(views.VisitForm{CaseID: cs.ID, CaseNumber: cs.CaseNumber, In: in, Instrument: iv}))
}

// visitInput reads the visit form: an answer per q_<question code> field.
func visitInput(c echo.Context) (models.VisitInput, error) {
	form, err := c.FormParams()
	if err != nil {
		return models.VisitInput{}, err
	}
	in := models.VisitInput{Kind: form.Get("kind"), Date: form.Get("date"), Method: form.Get("method"), Notes: form.Get("notes"),
		Interviewer: form.Get("interviewer"), InstrumentVersion: caseworkFormInt(c, "instrument_version"), Answers: map[string]string{}}
	for k, v := range form {
		if code, ok := strings.CutPrefix(k, "q_"); ok && len(v) > 0 {
			in.Answers[code] = v[0]
		}
	}
	return in, nil
}

// createVisit scores and records a monitoring visit; a refused form comes back with
// every answer kept, or with the new questions when a version was published meanwhile.
func (s *server) createVisit(c echo.Context) error {
	cs, err := s.caseworkCase(c)
	if err != nil {
		return err
	}
	in, err := visitInput(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	_, err = s.stores.Monitoring.RecordVisit(ctx, actor(c), currentUser(c).Scope(), cs.ID, in)
	if fe, ok := models.AsValidation(err); ok {
		iv, err := s.stores.Monitoring.Current(ctx)
		if err != nil {
			return err
		}
		return s.invalid(c, views.VisitFormPage(views.VisitForm{CaseID: cs.ID, CaseNumber: cs.CaseNumber, In: in, Errors: fe, Instrument: iv}))
	}
	if errors.Is(err, models.ErrCaseClosed) {
		s.flash(c, "error", "monitoring.error.case_closed")
		return redirect(c, views.CasePath(cs.ID))
	}
	if err != nil {
		return err
	}
	return s.caseworkDone(c, cs.ID, "monitoring", "monitoring.flash.visit_recorded")
}

// showInstruments lists the instrument's versions.
func (s *server) showInstruments(c echo.Context) error {
	return s.instrumentsPage(c, http.StatusOK, views.InstrumentsPage{})
}

func (s *server) instrumentsPage(c echo.Context, status int, p views.InstrumentsPage) error {
	vs, err := s.stores.Monitoring.Versions(c.Request().Context())
	if err != nil {
		return err
	}
	p.Versions = vs
	return s.render(c, status, views.AdminInstruments(p))
}

// maxInstrumentUpload bounds what is read of an uploaded instrument; the model refuses
// anything over its own, smaller limit with a clear message.
const maxInstrumentUpload = 1 << 20

// publishInstrument validates an uploaded instrument and publishes it as the next version.
func (s *server) publishInstrument(c echo.Context) error {
	fh, err := c.FormFile("file")
	if err != nil {
		return s.instrumentsPage(c, http.StatusUnprocessableEntity, views.InstrumentsPage{FileError: "monitoring.instruments.error.no_file"})
	}
	f, err := fh.Open()
	if err != nil {
		return err
	}
	data, err := io.ReadAll(io.LimitReader(f, maxInstrumentUpload))
	_ = f.Close()
	if err != nil {
		return err
	}
	iv, err := s.stores.Monitoring.Publish(c.Request().Context(), actor(c), data)
	if probs, ok := models.AsInstrumentError(err); ok {
		return s.instrumentsPage(c, http.StatusUnprocessableEntity, views.InstrumentsPage{Problems: probs})
	}
	if err != nil {
		return err
	}
	s.flash(c, "success", "monitoring.flash.instrument_published", "Version", iv.Version)
	return redirect(c, views.PathAdminInstruments)
}

// monitoringHome lists, for those who work on cases, the follow-up visits due and
// overdue (a caseworker's own cases); supervisors also see the overdue ones per
// caseworker.
func (s *server) monitoringHome(c echo.Context) ([]views.HomeSection, error) {
	u := currentUser(c)
	if !u.CanEditCases() {
		return nil, nil
	}
	ctx, scope, today := c.Request().Context(), u.Scope(), s.caseworkToday()
	var mine uint
	if u.Is(models.RoleCaseworker) {
		mine = u.ID
	}
	due, err := s.stores.Monitoring.DueFollowups(ctx, scope, mine, today, homeWaitingShown)
	if err != nil {
		return nil, err
	}
	vctx := s.labelCtx(c)
	sec := views.HomeSection{Title: "monitoring.home.due", Empty: "monitoring.home.due_empty", ID: "monitoring-due"}
	for _, it := range due.Items {
		days := int64(today.Time().Sub(it.Due.Time()).Hours() / 24)
		link := views.HomeLink{Label: s.t(c, "monitoring.home.item", "Number", it.CaseNumber, "Month", it.Month,
			"Date", views.FormatDate(vctx, it.Due), "State", views.Label(vctx, "monitoring.state", string(it.State))),
			Href: views.CasePath(it.CaseID) + "#monitoring", ID: "followup-" + string(it.State)}
		if days > 0 {
			link.Count, link.Unit = days, views.UnitDays
		}
		sec.Links = append(sec.Links, link)
	}
	if due.Due > int64(len(due.Items)) {
		q := url.Values{"status": {string(models.StatusReintegration)}}
		if mine != 0 {
			q.Set("assigned", strconv.FormatUint(uint64(mine), 10))
		}
		sec.Links = append(sec.Links, views.HomeLink{Label: s.t(c, "monitoring.home.all_due", "Overdue", due.Overdue),
			Count: due.Due, Unit: views.UnitCases, Href: views.WithQuery(views.PathCases, q), ID: "followup-all"})
	}
	out := []views.HomeSection{sec}
	if u.Is(models.RoleSupervisor) {
		by := views.HomeSection{Title: "monitoring.home.overdue_by_caseworker", Empty: "monitoring.home.overdue_empty", ID: "monitoring-overdue"}
		for _, p := range due.OverdueBy {
			name, q := p.Name, url.Values{"status": {string(models.StatusReintegration)}}
			if p.AssignedToID == 0 {
				name = s.t(c, "monitoring.home.unassigned")
			} else {
				q.Set("assigned", strconv.FormatUint(uint64(p.AssignedToID), 10))
			}
			by.Links = append(by.Links, views.HomeLink{Label: name, Count: p.Overdue, Unit: views.UnitCases,
				Href: views.WithQuery(views.PathCases, q), ID: "overdue-caseworker"})
		}
		out = append(out, by)
	}
	return out, nil
}

// monitoringCSV streams monitoring.csv: one row per visit, under the export filters.
func (s *server) monitoringCSV(c echo.Context) error {
	in := exportFilterInput(c)
	pseudo := c.QueryParam("pseudonymise") == "1"
	f, fe := in.Validate()
	if len(fe) > 0 {
		p, err := s.exportsPage(c, views.ExportsPage{Filter: in, Pseudo: pseudo, Errors: fe})
		if err != nil {
			return err
		}
		return s.invalid(c, views.AdminExports(p))
	}
	ctx := c.Request().Context()
	cols, err := s.stores.Monitoring.MonitoringColumns(ctx)
	if err != nil {
		return err
	}
	name := "monitoring"
	if pseudo {
		name += "-pseudonymised"
	}
	st := s.startCSV(c, name, cols)
	if _, err := s.stores.Monitoring.ExportMonitoring(ctx, actor(c), s.stores.Exports, f, cols, pseudo, st.row); err != nil {
		// The header is sent: the error can only be logged; the file ends short.
		return err
	}
	return st.finish()
}

// importVisits runs a dry run of a visit file, or with commit=1 and the dry run's
// hash, the import itself.
func (s *server) importVisits(c echo.Context) error {
	fh, err := c.FormFile("file")
	if err != nil {
		return s.instrumentsPage(c, http.StatusUnprocessableEntity, views.InstrumentsPage{ImportError: "monitoring.import.error.no_file"})
	}
	if fh.Size > models.ImportMaxBytes {
		return s.importTooLarge(c)
	}
	f, err := fh.Open()
	if err != nil {
		return err
	}
	data, err := io.ReadAll(io.LimitReader(f, models.ImportMaxBytes+1))
	_ = f.Close()
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	var res *models.ImportResult
	if c.FormValue("commit") == "1" {
		res, err = s.stores.Monitoring.ImportVisits(ctx, actor(c), data, c.FormValue("sha256"))
	} else {
		res, err = s.stores.Monitoring.DryRunVisits(ctx, actor(c), data)
	}
	if err != nil {
		return err
	}
	if res.Imported > 0 {
		s.flash(c, "success", "monitoring.import.done", "Count", res.Imported)
		return redirect(c, views.PathAdminInstruments)
	}
	status := http.StatusOK
	if !res.OK() {
		status = http.StatusUnprocessableEntity
	}
	return s.instrumentsPage(c, status, views.InstrumentsPage{Import: res})
}

// showSummaryReintegration is the reintegration monitoring under the summary's filters.
// It has a page of its own: it reads the period's visits and their scores, which the
// summary, answered from prepared tallies, never does.
func (s *server) showSummaryReintegration(c echo.Context) error {
	v, err := s.summaryView(c)
	if err != nil {
		return err
	}
	v.Action = views.PathSummaryReintegration
	const title = "monitoring.summary.title"
	if len(v.Errors) > 0 {
		return s.invalid(c, views.SummarySubPage(v, title, nil))
	}
	ctx := c.Request().Context()
	m, err := s.stores.Summary.MonitoringSummary(ctx, currentUser(c).Scope(), v.Filter)
	if err != nil {
		return err
	}
	iv, err := s.stores.Monitoring.Current(ctx)
	if err != nil {
		return err
	}
	return s.ok(c, views.SummarySubPage(v, title, views.MonitoringSummarySection(views.MonitoringSummaryVM{Filter: v.Filter, M: m, Instrument: iv})))
}

// summaryGroupDrill is what the drill-downs of a summary section's groups share: the
// summary's filters (a wrong one is a bad link: 400), the group and the page asked for,
// and the pager's links back to path with the same query.
type summaryGroupDrill struct {
	scope models.Scope
	f     models.SummaryFilter
	group string
	page  int
	path  string
}

func (s *server) summaryGroupDrill(c echo.Context, path string) (*summaryGroupDrill, error) {
	scope := currentUser(c).Scope()
	f, fe, err := s.summaryFilter(c, scope)
	if err != nil {
		return nil, err
	}
	if len(fe) > 0 {
		return nil, echo.NewHTTPError(http.StatusBadRequest)
	}
	page, _ := strconv.Atoi(c.QueryParam("page"))
	return &summaryGroupDrill{scope: scope, f: f, group: c.QueryParam("group"), page: max(page, 1), path: path}, nil
}

// pager pages total rows, each page a link with the same filters and group.
func (d *summaryGroupDrill) pager(total int64) views.Pager {
	link := func(p int) string { return views.SummaryGroupPath(d.path, d.f, d.group, p) }
	return views.Pager{Page: d.page, PerPage: summaryPerPage, Total: total, Link: link}
}

// summaryMonitoringCases lists the cases behind one monitoring figure of the summary.
func (s *server) summaryMonitoringCases(c echo.Context) error {
	d, err := s.summaryGroupDrill(c, views.PathSummaryMonitoring)
	if err != nil {
		return err
	}
	cases, total, err := s.stores.Summary.MonitoringCases(c.Request().Context(), d.scope, d.f, d.group, d.page, summaryPerPage)
	if err != nil {
		return err
	}
	return s.ok(c, views.MonitoringCasesPage(views.MonitoringCasesView{Filter: d.f, Group: d.group, Cases: cases, Pager: d.pager(total)}))
}
