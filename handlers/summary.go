package handlers

import (
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"awda/models"
	"awda/views"
)

// summaryPerPage is the length of a drill-down page.
const summaryPerPage = 50

// summaryFilter reads the filters; without a period it takes the latest calendar year
// with data in the user's scope (none: the current year). ok is false when the filters
// are invalid (the errors are in the view model).
func (s *server) summaryFilter(c echo.Context, scope models.Scope) (models.SummaryFilter, models.FieldErrors, error) {
	f, fe := models.ParseSummaryFilter(c.QueryParams())
	if scope.OfficeID != nil && fe["office"] == "" {
		// a one-office user's summary is always their office's: the filter says so
		// (on the page, the printed copy and summary.csv) whatever the URL named
		offices, err := s.scopedOffices(c, scope)
		if err != nil {
			return f, nil, err
		}
		if len(offices) == 1 {
			f.Office = offices[0].Code
		}
	}
	if len(fe) > 0 || f.HasPeriod() {
		return f, fe, nil
	}
	y, ok, err := s.stores.Summary.LatestYear(c.Request().Context(), scope)
	if err != nil {
		return f, nil, err
	}
	if !ok {
		y = s.stores.Now().Year()
	}
	return f.WithYear(y), nil, nil
}

// scopedOffices are the offices a user may filter by.
func (s *server) scopedOffices(c echo.Context, scope models.Scope) ([]models.Office, error) {
	all, err := s.stores.Offices.List(c.Request().Context())
	if err != nil {
		return nil, err
	}
	out := all[:0]
	for _, o := range all {
		if scope.Allows(o.ID) {
			out = append(out, o)
		}
	}
	return out, nil
}

// summaryView is what every summary page starts from: the filters (checked, the period
// defaulted) and the offices of the user's scope.
func (s *server) summaryView(c echo.Context) (views.SummaryView, error) {
	scope := currentUser(c).Scope()
	f, fe, err := s.summaryFilter(c, scope)
	if err != nil {
		return views.SummaryView{}, err
	}
	offices, err := s.scopedOffices(c, scope)
	if err != nil {
		return views.SummaryView{}, err
	}
	return views.SummaryView{Filter: f, Errors: fe, Offices: offices, ProducedAt: s.stores.Now(), ProducedBy: currentUser(c).Name}, nil
}

// showSummary is the summary page: the period's figures in the user's scope.
func (s *server) showSummary(c echo.Context) error {
	v, err := s.summaryView(c)
	if err != nil {
		return err
	}
	if len(v.Errors) > 0 {
		return s.invalid(c, views.SummaryPage(v))
	}
	u := currentUser(c)
	if v.Sum, err = s.stores.Summary.Summary(c.Request().Context(), u.Scope(), v.Filter); err != nil {
		return err
	}
	v.CSV = views.WithQuery(views.PathSummaryCSV, v.Filter.Query())
	if admins.allows(u) {
		v.CSV = views.SummaryCSVPath(v.Filter)
	}
	return s.ok(c, views.SummaryPage(v))
}

// summaryCases lists the cases behind one figure of the summary.
func (s *server) summaryCases(c echo.Context) error {
	scope := currentUser(c).Scope()
	f, fe, err := s.summaryFilter(c, scope)
	if err != nil {
		return err
	}
	if len(fe) > 0 {
		return echo.NewHTTPError(http.StatusBadRequest)
	}
	ind, key := c.QueryParam("indicator"), c.QueryParam("key")
	page, _ := strconv.Atoi(c.QueryParam("page"))
	page = max(page, 1)
	cases, total, err := s.stores.Summary.Cases(c.Request().Context(), scope, f, ind, key, page, summaryPerPage)
	if err != nil {
		return err
	}
	link := func(p int) string {
		q := f.Query()
		q.Set("indicator", ind)
		if key != "" {
			q.Set("key", key)
		}
		q.Set("page", strconv.Itoa(p))
		return views.WithQuery(views.PathSummaryCases, q)
	}
	return s.ok(c, views.SummaryCasesPage(views.SummaryCasesView{
		Filter: f, Indicator: ind, Key: key, Cases: cases,
		Pager: views.Pager{Page: page, PerPage: summaryPerPage, Total: total, Link: link},
	}))
}

// summaryCSV is summary.csv: the summary page's figures for the same filters (default
// period included) in the user's scope, one row per figure, after rows that state the
// filters, the period, who produced the file and when, and the source. pseudonymise=1
// is accepted and gives the same file: the summary holds no personal data. Served under
// the admins' exports and, for every summary reader, at PathSummaryCSV: a one-office
// supervisor's file holds that office's figures only, whatever office the URL names.
func (s *server) summaryCSV(c echo.Context) error {
	u := currentUser(c)
	scope := u.Scope()
	pseudo := c.QueryParam("pseudonymise") == "1"
	f, fe, err := s.summaryFilter(c, scope)
	if err != nil {
		return err
	}
	if len(fe) > 0 && c.Path() == views.PathSummaryCSV {
		offices, err := s.scopedOffices(c, scope)
		if err != nil {
			return err
		}
		return s.invalid(c, views.SummaryPage(views.SummaryView{Filter: f, Errors: fe, Offices: offices}))
	}
	if len(fe) > 0 {
		p, err := s.exportsPage(c, views.ExportsPage{Filter: exportFilterInput(c), Pseudo: pseudo, Errors: fe})
		if err != nil {
			return err
		}
		return s.invalid(c, views.AdminExports(p))
	}
	ctx := c.Request().Context()
	sum, err := s.stores.Summary.Summary(ctx, scope, f)
	if err != nil {
		return err
	}
	if err := s.addReceiptSummary(c, sum); err != nil {
		return err
	}
	offices, err := s.scopedOffices(c, scope)
	if err != nil {
		return err
	}
	// The monitoring section, as on the reintegration monitoring page (its own block of rows).
	if sum.Monitoring, err = s.stores.Summary.MonitoringSummary(ctx, scope, f); err != nil {
		return err
	}
	iv, err := s.stores.Monitoring.Current(ctx)
	if err != nil {
		return err
	}
	vctx := views.WithRequest(ctx, s.viewRequest(c)) // labels in the user's language
	label := func(section, key string) string {
		if l, ok := views.MonitoringCSVLabel(vctx, iv, section, key); ok {
			return l
		}
		return views.SummaryCSVLabel(vctx, section, key)
	}
	meta := views.SummaryCSVMeta(vctx, views.SummaryView{Filter: f, Offices: offices, ProducedAt: s.stores.Now(), ProducedBy: u.Name})
	st := s.startCSV(c, "summary", models.SummaryColumns)
	if _, err := s.stores.Exports.Summary(ctx, actor(c), sum, pseudo, meta, label, st.row); err != nil {
		return err
	}
	return st.finish()
}
