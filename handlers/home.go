package handlers

import (
	"net/url"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"awda/models"
	"awda/views"
)

// homeWaitingShown is how many waiting cases a home lists, longest waiting first.
const homeWaitingShown = 10

// home shows the role's starting page: what needs doing, each line a link.
func (s *server) home(c echo.Context) error {
	sections, err := s.homeSections(c)
	if err != nil {
		return err
	}
	return s.ok(c, views.Home(sections))
}

// homeSections gathers the blocks of the signed-in user's home page. The case and
// casework blocks come from one read of prepared counts (CaseStore.Home), so a home
// costs the same at any number of cases.
func (s *server) homeSections(c echo.Context) ([]views.HomeSection, error) {
	var out []views.HomeSection
	for _, add := range []func(echo.Context) ([]views.HomeSection, error){
		s.caseHomeSections,
		s.monitoringHome,
		s.summaryHome,
		s.adminHome,
	} {
		sec, err := add(c)
		if err != nil {
			return nil, err
		}
		out = append(out, sec...)
	}
	return out, nil
}

// caseHomeSections are the blocks of those who work on cases: for supervisors the
// approvals queue and overdue referrals; open cases by stage (a caseworker's own);
// cases waiting longest for a next step; support to deliver, monitoring visits due and
// this week's sessions.
func (s *server) caseHomeSections(c echo.Context) ([]views.HomeSection, error) {
	u := currentUser(c)
	if !u.CanEditCases() {
		return nil, nil
	}
	ctx, scope, now := c.Request().Context(), u.Scope(), s.stores.Now()
	today := s.caseworkToday()
	var mine uint
	q := url.Values{}
	if u.Is(models.RoleCaseworker) {
		mine = u.ID
		q.Set("assigned", strconv.FormatUint(uint64(u.ID), 10))
	}
	h, err := s.stores.Cases.Home(ctx, scope, models.HomeQuery{
		AssignedTo: mine, StaleSince: now.Add(-staleAfter), Today: today, Shown: homeWaitingShown,
	})
	if err != nil {
		return nil, err
	}
	monday := today.AddDays(-((int(today.Time().Weekday()) + 6) % 7))
	sunday := monday.AddDays(6)
	week, err := s.stores.GroupSessions.CountBetween(ctx, scope, monday, sunday)
	if err != nil {
		return nil, err
	}
	vctx := s.labelCtx(c)
	with := func(k, v string) string {
		lq := url.Values{}
		for k, v := range q {
			lq[k] = v
		}
		lq.Set(k, v)
		return views.WithQuery(views.PathCases, lq)
	}

	var out []views.HomeSection
	if u.Role == models.RoleSupervisor {
		sec := views.HomeSection{Title: "casework.home.approvals", Empty: "casework.home.approvals_empty", ID: "approvals"}
		// The most overdue first: referrals already 60 days without an outcome, then
		// the queue waiting for this supervisor's decision.
		if n := h.ReferralsOverdue; n > 0 {
			sec.Links = append(sec.Links, views.HomeLink{Label: s.t(c, "casework.home.referrals_overdue", "Count", n), Count: n,
				Unit: views.UnitReferrals, Href: views.PathApprovals + "#overdue", ID: "home-referrals-overdue"})
		}
		if n := h.AwaitingApproval; n > 0 {
			sec.Links = append(sec.Links, views.HomeLink{Label: s.t(c, "casework.home.support_waiting", "Count", n), Count: n,
				Unit: views.UnitSupport, Href: views.PathApprovals + "#queue", ID: "home-support-waiting"})
		}
		out = append(out, sec)
	}

	waiting := views.HomeSection{Title: "cases.home.waiting", Empty: "cases.home.none_waiting", ID: "cases-waiting"}
	for _, w := range h.Waiting {
		waiting.Links = append(waiting.Links, views.HomeLink{
			Label: w.CaseNumber + " · " + w.FamilyName + " " + w.GivenName + " · " + views.Label(vctx, "cases.status", string(w.Status)),
			Count: daysWaiting(w.Since, now), Unit: views.UnitDays, Href: views.CasePath(w.ID), ID: "waiting-case",
		})
	}
	if h.WaitingTotal > int64(len(h.Waiting)) {
		waiting.Links = append(waiting.Links, views.HomeLink{
			Label: views.T(vctx, "cases.home.all_waiting"), Count: h.WaitingTotal, Unit: views.UnitCases,
			Href: with("stale", "1"), ID: "waiting-all",
		})
	}

	stages := views.HomeSection{Title: "cases.home.by_stage", Empty: "cases.home.none_open", ID: "cases-by-stage"}
	if mine == 0 {
		stages.Title = "cases.home.by_stage_all"
	}
	for _, sc := range h.Stages {
		stages.Links = append(stages.Links, views.HomeLink{
			Label: views.Label(vctx, "cases.status", string(sc.Status)), Count: sc.Count, Unit: views.UnitCases,
			Href: with("status", string(sc.Status)), ID: "stage-" + string(sc.Status),
		})
	}

	follow := views.HomeSection{Title: "casework.home.followup", Empty: "casework.home.followup_empty", ID: "casework"}
	if n := h.MonitoringDue; n > 0 {
		follow.Links = append(follow.Links, views.HomeLink{Label: s.t(c, "casework.home.monitoring_due", "Count", n), Count: n,
			Unit: views.UnitCases, Href: views.WithQuery(views.PathCases, url.Values{"status": {string(models.StatusReintegration)}}),
			ID: "home-monitoring-due"})
	}
	if n := h.AwaitingDelivery; n > 0 {
		follow.Links = append(follow.Links, views.HomeLink{Label: s.t(c, "casework.home.to_deliver", "Count", n), Count: n,
			Unit: views.UnitSupport, Href: views.WithQuery(views.PathCases, url.Values{"status": {string(models.StatusReturned)}}),
			ID: "home-to-deliver"})
	}
	if week > 0 {
		follow.Links = append(follow.Links, views.HomeLink{Label: s.t(c, "casework.home.sessions_week", "Count", week), Count: week,
			Unit: views.UnitSessions, Href: views.WithQuery(views.PathSessions, url.Values{"from": {monday.String()}, "to": {sunday.String()}}),
			ID: "home-sessions-week"})
	}
	return append(out, waiting, stages, follow), nil
}

// daysWaiting is the whole days since t.
func daysWaiting(t, now time.Time) int64 { return int64(now.Sub(t).Hours() / 24) }

// summaryHome is the supervisor's and admin's key figures: this year and last year side
// by side, each linking to the summary for its year.
func (s *server) summaryHome(c echo.Context) ([]views.HomeSection, error) {
	u := currentUser(c)
	if !summaryReaders.allows(u) {
		return nil, nil
	}
	ctx := c.Request().Context()
	y := s.stores.Now().Year()
	this, err := s.stores.Summary.Headline(ctx, u.Scope(), models.SummaryFilter{}.WithYear(y))
	if err != nil {
		return nil, err
	}
	last, err := s.stores.Summary.Headline(ctx, u.Scope(), models.SummaryFilter{}.WithYear(y-1))
	if err != nil {
		return nil, err
	}
	years := &views.HomeYears{This: y, Last: y - 1,
		ThisHref: views.SummaryLink(this.Filter), LastHref: views.SummaryLink(last.Filter)}
	for _, f := range []struct {
		key, id, unit string
		this, last    int64
	}{
		{"homes.figure.returns", "returns", views.UnitPeople, this.Figure(models.IndReturns), last.Figure(models.IndReturns)},
		{"homes.figure.informed", "informed", views.UnitPeople, this.Figure(models.IndInformed), last.Figure(models.IndInformed)},
		{"homes.figure.trained", "trained", views.UnitPeople, this.Figure(models.IndTrained), last.Figure(models.IndTrained)},
		{"homes.figure.support", "support", views.UnitSupport, this.SupportTotal, last.SupportTotal},
	} {
		years.Rows = append(years.Rows, views.HomeYearRow{Label: f.key, ID: "home-figure-" + f.id, Unit: f.unit, This: f.this, Last: f.last})
	}
	return []views.HomeSection{{Title: "summary.home.title", Empty: "summary.home.empty", ID: "summary", Years: years}}, nil
}
