package handlers

import (
	"net/http"
	"strings"
	"testing"

	"awda/models"
	"awda/views"
)

// TestEveryRouteHasAnAccessRule walks echo's route table: a route added without going
// through s.handle has no rule and fails here (deny by default).
func TestEveryRouteHasAnAccessRule(t *testing.T) {
	app := newTestApp(t)
	for _, r := range app.srv.e.Routes() {
		if _, ok := app.srv.rules[r.Method+" "+r.Path]; !ok {
			t.Errorf("%s %s has no access rule", r.Method, r.Path)
		}
	}
}

// concretePath fills a route's parameters with an id that need not exist.
func concretePath(path string) string {
	parts := strings.Split(path, "/")
	for i, p := range parts {
		if strings.HasPrefix(p, ":") {
			parts[i] = "1"
		}
		if p == "*" {
			parts[i] = "x"
		}
	}
	return strings.Join(parts, "/")
}

// TestEveryRouteAnswersEachRoleAsItsRuleSays calls every route anonymously and as each
// role: anonymous visitors are sent to sign in, other roles are refused with 403, and
// the allowed roles get through the guard.
func TestEveryRouteAnswersEachRoleAsItsRuleSays(t *testing.T) {
	app := newTestApp(t)
	app.user("cw@example.org", models.RoleCaseworker, "RAB")
	app.user("sup@example.org", models.RoleSupervisor, "")
	app.user("admin@example.org", models.RoleAdmin, "")
	who := map[models.Role]string{models.RoleCaseworker: "cw@example.org", models.RoleSupervisor: "sup@example.org", models.RoleAdmin: "admin@example.org"}
	for _, r := range app.srv.e.Routes() {
		rule := app.srv.rules[r.Method+" "+r.Path]
		path := concretePath(r.Path)
		if rule.public {
			continue
		}
		t.Run(r.Method+" "+r.Path, func(t *testing.T) {
			anon := app.client()
			p := anon.send(r.Method, path)
			if p.StatusCode != http.StatusSeeOther || !strings.HasPrefix(p.location(), views.PathLogin) {
				t.Errorf("anonymous: %d %q, want 303 to the login page", p.StatusCode, p.location())
			}
			for _, role := range models.Roles {
				c := app.client()
				c.login(who[role], testPassword)
				p := c.send(r.Method, path)
				refused := p.StatusCode == http.StatusForbidden
				if rule.allows(&models.User{Role: role}) == refused {
					t.Errorf("%s: status %d, allowed by rule: %v", role, p.StatusCode, !refused)
				}
			}
		})
	}
}

// send makes a request of any method, with the CSRF token for unsafe ones.
func (c *client) send(method, path string) *page {
	c.t.Helper()
	if method == http.MethodGet {
		return c.get(path)
	}
	c.get(views.PathLogin)
	return c.post(path, nil)
}
