package handlers

import (
	"net/url"
	"time"

	"github.com/labstack/echo/v4"

	"awda/models"
	"awda/views"
)

// adminHome is the administrators' home blocks: accounts to look at, sign-in alerts
// and the latest exports.
func (s *server) adminHome(c echo.Context) ([]views.HomeSection, error) {
	u := currentUser(c)
	if u == nil || !u.Is(models.RoleAdmin) {
		return nil, nil
	}
	ctx := c.Request().Context()
	stale, err := s.stores.Users.StaleCount(ctx)
	if err != nil {
		return nil, err
	}
	throttled, err := s.stores.Users.ThrottledCount(ctx)
	if err != nil {
		return nil, err
	}
	failed, err := s.stores.Users.FailedSignIns(ctx, s.stores.Now().UTC().Add(-24*time.Hour))
	if err != nil {
		return nil, err
	}
	alerts := views.HomeSection{Title: "admin.home.alerts", Empty: "admin.home.no_alerts", ID: "admin-alerts"}
	if stale > 0 {
		alerts.Links = append(alerts.Links, views.HomeLink{Label: s.t(c, "admin.home.stale", "Count", stale),
			Count: stale, Unit: views.UnitAccounts, Href: views.PathAdminUsers, ID: "home-stale-users"})
	}
	if throttled > 0 {
		alerts.Links = append(alerts.Links, views.HomeLink{Label: s.t(c, "admin.home.throttled", "Count", throttled),
			Count: throttled, Unit: views.UnitAccounts, Href: views.PathAdminUsers, ID: "home-throttled"})
	}
	if failed > 0 {
		alerts.Links = append(alerts.Links, views.HomeLink{Label: s.t(c, "admin.home.failed", "Count", failed),
			Count: failed, Unit: views.UnitAttempts, Href: views.WithQuery(views.PathAdminAudit, url.Values{"action": {"login_failed"}}), ID: "home-failed"})
	}
	exports := views.HomeSection{Title: "admin.home.exports", Empty: "admin.exports.none", ID: "admin-exports"}
	actions := []string{"export.audit"}
	for _, k := range models.ExportKinds {
		actions = append(actions, "export."+k)
	}
	recent, err := s.stores.Audit.Recent(ctx, 5, actions...)
	if err != nil {
		return nil, err
	}
	for _, e := range recent {
		exports.Links = append(exports.Links, views.HomeLink{
			Label: e.Action + " · " + e.UserEmail + " · " + e.At.UTC().Format("2006-01-02 15:04"),
			Href:  views.PathAdminExports, ID: "home-export"})
	}
	return []views.HomeSection{alerts, exports}, nil
}
