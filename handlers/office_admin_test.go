package handlers

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"awda/models"
	"awda/models/dbtest"
	"awda/views"
)

// TestOfficeBoundAdminMatrix runs every administrator action that names an office for
// an administrator of every office and for one bound to RAB (an account made before
// administrators lost their office: only SQL can make one now). The bound one stays
// inside RAB whatever it sends.
func TestOfficeBoundAdminMatrix(t *testing.T) {
	type want struct{ all, bound int }
	type action struct {
		name string
		do   func(c *client, app *testApp) *page
		want want
		// leak is text that must not reach the bound administrator's page.
		leak string
	}
	actions := []action{
		{name: "create caseworker in another office", want: want{http.StatusCreated, http.StatusUnprocessableEntity},
			do: func(c *client, app *testApp) *page {
				c.get(views.PathAdminUsers)
				return c.post(views.PathAdminUsers, url.Values{"email": {"n1@example.org"}, "name": {"N One"}, "role": {"caseworker"}, "office": {"OUJ"}, "language": {"fr"}})
			}},
		{name: "create supervisor without office", want: want{http.StatusCreated, http.StatusUnprocessableEntity},
			do: func(c *client, app *testApp) *page {
				c.get(views.PathAdminUsers)
				return c.post(views.PathAdminUsers, url.Values{"email": {"n2@example.org"}, "name": {"N Two"}, "role": {"supervisor"}, "office": {""}, "language": {"fr"}})
			}},
		{name: "create caseworker in own office", want: want{http.StatusCreated, http.StatusCreated},
			do: func(c *client, app *testApp) *page {
				c.get(views.PathAdminUsers)
				return c.post(views.PathAdminUsers, url.Values{"email": {"n3@example.org"}, "name": {"N Three"}, "role": {"caseworker"}, "office": {"RAB"}, "language": {"fr"}})
			}},
		{name: "create admin with an office", want: want{http.StatusUnprocessableEntity, http.StatusUnprocessableEntity},
			do: func(c *client, app *testApp) *page {
				c.get(views.PathAdminUsers)
				return c.post(views.PathAdminUsers, url.Values{"email": {"n4@example.org"}, "name": {"N Four"}, "role": {"admin"}, "office": {"RAB"}, "language": {"fr"}})
			}},
		{name: "change another office's caseworker", want: want{http.StatusSeeOther, http.StatusNotFound},
			do: func(c *client, app *testApp) *page {
				u := app.userByEmail("ouj@example.org")
				c.get(views.PathAdminUsers)
				return c.post(views.PathAdminUsers+"/"+idStr(u.ID), url.Values{"action": {"update"}, "name": {"Renamed"}, "role": {"caseworker"}, "office": {"OUJ"}, "language": {"fr"}})
			}},
		{name: "open another office's caseworker", want: want{http.StatusOK, http.StatusNotFound},
			do: func(c *client, app *testApp) *page {
				return c.get(views.PathAdminUsers + "?edit=" + idStr(app.userByEmail("ouj@example.org").ID))
			}},
		{name: "move own caseworker to another office", want: want{http.StatusSeeOther, http.StatusUnprocessableEntity},
			do: func(c *client, app *testApp) *page {
				u := app.userByEmail("rab@example.org")
				c.get(views.PathAdminUsers)
				return c.post(views.PathAdminUsers+"/"+idStr(u.ID), url.Values{"action": {"update"}, "name": {"Agent"}, "role": {"caseworker"}, "office": {"OUJ"}, "language": {"fr"}})
			}},
		{name: "make own caseworker an all-offices supervisor", want: want{http.StatusSeeOther, http.StatusUnprocessableEntity},
			do: func(c *client, app *testApp) *page {
				u := app.userByEmail("rab@example.org")
				c.get(views.PathAdminUsers)
				return c.post(views.PathAdminUsers+"/"+idStr(u.ID), url.Values{"action": {"update"}, "name": {"Agent"}, "role": {"supervisor"}, "office": {""}, "language": {"fr"}})
			}},
		{name: "deactivate another office's caseworker", want: want{http.StatusSeeOther, http.StatusNotFound},
			do: func(c *client, app *testApp) *page {
				c.get(views.PathAdminUsers)
				return c.post(views.PathAdminUsers+"/"+idStr(app.userByEmail("ouj@example.org").ID), url.Values{"action": {"deactivate"}})
			}},
		{name: "reset another office's password", want: want{http.StatusOK, http.StatusNotFound},
			do: func(c *client, app *testApp) *page {
				c.get(views.PathAdminUsers)
				return c.post(views.PathAdminUsers+"/"+idStr(app.userByEmail("ouj@example.org").ID), url.Values{"action": {"reset_password"}})
			}},
		{name: "import a row of another office", want: want{http.StatusOK, http.StatusUnprocessableEntity},
			do: func(c *client, app *testApp) *page {
				c.get(views.PathAdminImports)
				return c.upload(views.PathAdminImports, nil, []byte(matrixImport("CAS", "Nouveau")))
			}},
		{name: "import with another office as default", want: want{http.StatusOK, http.StatusUnprocessableEntity},
			do: func(c *client, app *testApp) *page {
				c.get(views.PathAdminImports)
				return c.upload(views.PathAdminImports, map[string]string{"office": "OUJ"}, []byte(matrixImport("", "Nouveau")))
			}},
		{name: "commit an import of another office", want: want{http.StatusSeeOther, http.StatusUnprocessableEntity},
			do: func(c *client, app *testApp) *page {
				data := []byte(matrixImport("CAS", "Nouveau"))
				c.get(views.PathAdminImports)
				return c.upload(views.PathAdminImports, map[string]string{"commit": "1", "sha256": models.FileHash(data)}, data)
			}},
		{name: "dry-run duplicates of another office", want: want{http.StatusOK, http.StatusOK}, leak: "OUJ-2021-00007",
			do: func(c *client, app *testApp) *page {
				c.get(views.PathAdminImports)
				return c.upload(views.PathAdminImports, nil, []byte(matrixImport("RAB", "Secret")))
			}},
		{name: "recent imports", want: want{http.StatusOK, http.StatusOK}, leak: "OUJ-2021-00009",
			do: func(c *client, app *testApp) *page {
				app.stores.Audit.Record(context.Background(), models.AuditEvent{Action: "import.cases", RecordType: "import",
					RecordID: "x", Details: "rows=1 first=OUJ-2021-00009 last=OUJ-2021-00009"})
				return c.get(views.PathAdminImports)
			}},
		{name: "export cases", want: want{http.StatusOK, http.StatusOK}, leak: "OUJ-2021-00007",
			do: func(c *client, app *testApp) *page { return c.get(views.ExportPath("cases.csv", nil)) }},
		{name: "audit log", want: want{http.StatusOK, http.StatusForbidden},
			do: func(c *client, app *testApp) *page { return c.get(views.PathAdminAudit) }},
		{name: "audit CSV", want: want{http.StatusOK, http.StatusForbidden},
			do: func(c *client, app *testApp) *page { return c.get(views.PathAdminAuditCSV) }},
	}
	for _, a := range actions {
		for _, bound := range []bool{false, true} {
			name := a.name + "/all offices"
			if bound {
				name = a.name + "/bound to RAB"
			}
			t.Run(name, func(t *testing.T) {
				app := newTestApp(t)
				rab, ouj := app.office("RAB"), app.office("OUJ")
				app.office("CAS")
				cw := app.user("rab@example.org", models.RoleCaseworker, "RAB")
				app.user("ouj@example.org", models.RoleCaseworker, "OUJ")
				secret := dbtest.MustCase(t, app.stores, ouj.ID, cw.ID, dbtest.Person{CaseNumber: "OUJ-2021-00007", Family: "Secret", Given: "Person", Birth: "1990-01-01"})
				app.stores.DB.Write.Model(&models.Case{}).Where("id = ?", secret.ID).Update("name_key", models.NameKey("Secret", "Person"))
				admin := app.user("admin@example.org", models.RoleAdmin, "")
				// A second administrator, so that no change meets the last-admin rule.
				app.user("admin2@example.org", models.RoleAdmin, "")
				if bound {
					if err := app.stores.DB.Write.Model(&models.User{}).Where("id = ?", admin.ID).Update("office_id", rab.ID).Error; err != nil {
						t.Fatal(err)
					}
				}
				c := app.client()
				c.login("admin@example.org", testPassword)
				p := a.do(c, app)
				w := a.want.all
				if bound {
					w = a.want.bound
				}
				wantStatus(t, p, w)
				if bound && a.leak != "" && strings.Contains(p.Body, a.leak) {
					t.Errorf("the bound administrator sees %q", a.leak)
				}
				if !bound && a.leak != "" && !strings.Contains(p.Body, a.leak) {
					t.Errorf("the all-offices administrator does not see %q (the test proves nothing)", a.leak)
				}
				var n int64
				app.stores.DB.Read.Model(&models.Case{}).Where("case_number LIKE ?", "CAS-%").Count(&n)
				if bound && n > 0 {
					t.Errorf("the bound administrator created %d CAS cases", n)
				}
				var free int64
				app.stores.DB.Read.Model(&models.User{}).Where("role <> ? AND office_id IS NULL", models.RoleAdmin).Count(&free)
				if bound && free > 0 {
					t.Errorf("the bound administrator made %d all-offices accounts", free)
				}
			})
		}
	}
}

// matrixImport is a one-row import file (office may be empty: the form's default).
func matrixImport(office, family string) string {
	return "office,direction,family_name,given_name,sex,birth_date,nationality,return_country,consent_date\n" +
		office + ",outbound," + family + ",Person,F,1990-01-01,SN,SN,2021-02-01\n"
}

// userByEmail loads a user for a test.
func (a *testApp) userByEmail(email string) *models.User {
	a.t.Helper()
	var u models.User
	if err := a.stores.DB.Read.Where("email = ?", email).First(&u).Error; err != nil {
		a.t.Fatal(err)
	}
	return &u
}

func TestAdminWithAnOfficeIsRefusedBesideTheField(t *testing.T) {
	app := newTestApp(t)
	app.office("RAB")
	c, _ := app.signedIn("admin@example.org", models.RoleAdmin, "")
	c.get(views.PathAdminUsers)
	p := c.post(views.PathAdminUsers, url.Values{"email": {"x@example.org"}, "name": {"X"}, "role": {"admin"}, "office": {"RAB"}, "language": {"en"}})
	wantStatus(t, p, http.StatusUnprocessableEntity)
	if got := p.text(`[data-testid="office-error"]`); !strings.Contains(got, "aucun bureau") {
		t.Errorf("office error %q", got)
	}
	if v, _ := p.Doc.Find(`input[name="email"]`).First().Attr("value"); v != "x@example.org" {
		t.Errorf("typed email not kept: %q", v)
	}
}

// The edit-conflict page shows an assignee's name only for staff of the case's office:
// the posted assigned_to is any id the client likes.
func TestEditConflictShowsNoOtherOfficesStaff(t *testing.T) {
	app := newTestApp(t)
	sup, _ := app.signedIn("sup@example.org", models.RoleSupervisor, "RAB")
	b := app.user("b@example.org", models.RoleCaseworker, "RAB")
	app.office("OUJ")
	other := dbtest.MustUser(t, app.stores, "far@example.org", models.RoleCaseworker, "OUJ", testPassword)
	app.stores.DB.Write.Model(&models.User{}).Where("id = ?", other.ID).Update("name", "Faraway Colleague")
	form := caseForm("Sylla", "Kadiatou")
	id := register(t, sup, form)
	first := withVersion(caseForm("Sylla", "Kadiatou"), 1)
	first.Set("assigned_to", idStr(b.ID))
	wantStatus(t, sup.post(views.CasePath(id), first), http.StatusSeeOther)
	second := withVersion(caseForm("Sylla", "Kadiatou"), 1)
	second.Set("assigned_to", idStr(other.ID))
	p := sup.post(views.CasePath(id), second)
	wantStatus(t, p, http.StatusConflict)
	if !p.has(`[data-testid="conflict-assigned_to"]`) {
		t.Fatalf("no assignee row in the conflict:\n%s", excerpt(p.text(`[data-testid="conflict"]`)))
	}
	if strings.Contains(p.Body, "Faraway Colleague") {
		t.Error("the conflict page names another office's caseworker")
	}
}
