package models_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"

	"awda/models"
	"awda/models/dbtest"
)

func TestAnAdministratorHasNoOffice(t *testing.T) {
	ctx := context.Background()
	s := dbtest.Stores(t, dbtest.NewClock(adminStart))
	dbtest.MustOffice(t, s, "RAB", "Rabat")
	_, _, err := s.Users.Create(ctx, models.Actor{}, models.UserInput{Email: "a@example.org", Name: "A", Role: models.RoleAdmin, OfficeCode: "RAB"})
	if fe, ok := models.AsValidation(err); !ok || fe["office"] != "limits.error.admin_no_office" {
		t.Fatalf("create an admin with an office: %v", err)
	}
	a := dbtest.MustUser(t, s, "a@example.org", models.RoleAdmin, "", "correct horse battery")
	dbtest.MustUser(t, s, "b@example.org", models.RoleAdmin, "", "correct horse battery")
	err = s.Users.Update(ctx, models.Actor{}, a.ID, models.UserEdit{Name: "A", Role: models.RoleAdmin, OfficeCode: "RAB", Language: "fr"})
	if fe, ok := models.AsValidation(err); !ok || fe["office"] != "limits.error.admin_no_office" {
		t.Fatalf("give an admin an office: %v", err)
	}
}

func TestMigrationReportsOfficeBoundAdministratorsWithoutChangingThem(t *testing.T) {
	s := dbtest.Stores(t, dbtest.NewClock(adminStart))
	rab := dbtest.MustOffice(t, s, "RAB", "Rabat")
	a := dbtest.MustUser(t, s, "a@example.org", models.RoleAdmin, "", "correct horse battery")
	dbtest.MustUser(t, s, "b@example.org", models.RoleAdmin, "", "correct horse battery")
	dbtest.MustUser(t, s, "c@example.org", models.RoleCaseworker, "RAB", "correct horse battery")
	s.DB.Write.Model(&models.User{}).Where("id = ?", a.ID).Update("office_id", rab.ID)
	var buf bytes.Buffer
	ids, err := models.ReportOfficeBoundAdmins(s.DB.Write, slog.New(slog.NewTextHandler(&buf, nil)))
	if err != nil {
		t.Fatal(err)
	}
	if len(ids) != 1 || ids[0] != a.ID {
		t.Fatalf("reported %v, want [%d]", ids, a.ID)
	}
	if out := buf.String(); !strings.Contains(out, "level=WARN") || !strings.Contains(out, "user_id="+itoa(a.ID)) ||
		!strings.Contains(out, "Administration > Users") || strings.Contains(out, "a@example.org") {
		t.Errorf("warning %q: want the user id and what to do, no email", out)
	}
	got, err := s.Users.Get(context.Background(), a.ID)
	if err != nil || got.Role != models.RoleAdmin || got.OfficeID == nil || *got.OfficeID != rab.ID {
		t.Errorf("the migration changed the account: %+v %v", got, err)
	}
}

// An account bound to an office (an administrator from before the rule) changes only
// accounts of its office, and gives them its office.
func TestUserChangesStayInTheActingUsersOffice(t *testing.T) {
	ctx := context.Background()
	s := dbtest.Stores(t, dbtest.NewClock(adminStart))
	rab := dbtest.MustOffice(t, s, "RAB", "Rabat")
	dbtest.MustOffice(t, s, "OUJ", "Oujda")
	a := dbtest.MustUser(t, s, "a@example.org", models.RoleAdmin, "", "correct horse battery")
	dbtest.MustUser(t, s, "b@example.org", models.RoleAdmin, "", "correct horse battery")
	other := dbtest.MustUser(t, s, "o@example.org", models.RoleCaseworker, "OUJ", "correct horse battery")
	mine := dbtest.MustUser(t, s, "m@example.org", models.RoleCaseworker, "RAB", "correct horse battery")
	s.DB.Write.Model(&models.User{}).Where("id = ?", a.ID).Update("office_id", rab.ID)
	a.OfficeID = &rab.ID
	bound := models.Actor{User: a}
	cases := []struct {
		name  string
		err   error
		field string
		key   string
	}{
		{"create in another office", func() error {
			_, _, err := s.Users.Create(ctx, bound, models.UserInput{Email: "x@example.org", Name: "X", Role: models.RoleCaseworker, OfficeCode: "OUJ"})
			return err
		}(), "office", "error.office_unknown"},
		{"create without office", func() error {
			_, _, err := s.Users.Create(ctx, bound, models.UserInput{Email: "y@example.org", Name: "Y", Role: models.RoleSupervisor})
			return err
		}(), "office", "limits.error.office_in_scope"},
		{"change another office's user", s.Users.Update(ctx, bound, other.ID, models.UserEdit{Name: "Z", Role: models.RoleCaseworker, OfficeCode: "OUJ", Language: "fr"}), "", ""},
		{"move own user out", s.Users.Update(ctx, bound, mine.ID, models.UserEdit{Name: "M", Role: models.RoleCaseworker, OfficeCode: "OUJ", Language: "fr"}), "office", "error.office_unknown"},
		{"deactivate another office's user", s.Users.SetActive(ctx, bound, other.ID, false), "", ""},
	}
	for _, tc := range cases {
		if tc.field == "" {
			if !errors.Is(tc.err, models.ErrNotFound) {
				t.Errorf("%s: %v, want not found", tc.name, tc.err)
			}
			continue
		}
		if fe, ok := models.AsValidation(tc.err); !ok || fe[tc.field] != tc.key {
			t.Errorf("%s: %v, want %s on %s", tc.name, tc.err, tc.key, tc.field)
		}
	}
	rows, err := s.Users.AdminList(ctx, a.Scope())
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		if r.OfficeID == nil || *r.OfficeID != rab.ID {
			t.Errorf("the bound list shows %s", r.Email)
		}
	}
	if _, _, err := s.Users.Create(ctx, bound, models.UserInput{Email: "w@example.org", Name: "W", Role: models.RoleCaseworker, OfficeCode: "RAB"}); err != nil {
		t.Errorf("create in own office: %v", err)
	}
}

// The import's office codes, assignees and duplicates are the importing user's scope.
func TestImportDryRunIsScoped(t *testing.T) {
	ctx := context.Background()
	s := dbtest.Stores(t, dbtest.NewClock(adminStart))
	rab := dbtest.MustOffice(t, s, "RAB", "Rabat")
	ouj := dbtest.MustOffice(t, s, "OUJ", "Oujda")
	cw := dbtest.MustUser(t, s, "o@example.org", models.RoleCaseworker, "OUJ", "correct horse battery")
	c := dbtest.MustCase(t, s, ouj.ID, cw.ID, dbtest.Person{CaseNumber: "OUJ-2021-00007", Family: "Secret", Given: "Person", Birth: "1990-01-01"})
	s.DB.Write.Model(&models.Case{}).Where("id = ?", c.ID).Update("name_key", models.NameKey("Secret", "Person"))
	file := []byte("office,direction,family_name,given_name,sex,birth_date,nationality,return_country,consent_date,assigned_to\n" +
		"RAB,outbound,Secret,Person,F,1990-01-01,SN,SN,2021-02-01,\n" +
		"OUJ,outbound,Other,Person,F,1990-01-01,SN,SN,2021-02-01,\n" +
		"RAB,outbound,Third,Person,F,1990-01-01,SN,SN,2021-02-01,o@example.org\n")
	dup := []byte(strings.Join(strings.Split(string(file), "\n")[:2], "\n") + "\n")
	all, err := s.Imports.DryRun(ctx, models.Scope{}, dup, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(all.Duplicates) != 1 || all.Duplicates[0].OtherCase != "OUJ-2021-00007" {
		t.Fatalf("all offices: duplicates %+v", all.Duplicates)
	}
	sc := models.Scope{OfficeID: &rab.ID, Role: models.RoleAdmin}
	bound, err := s.Imports.DryRun(ctx, sc, dup, "")
	if err != nil {
		t.Fatal(err)
	}
	if !bound.OK() || len(bound.Duplicates) != 0 {
		t.Errorf("bound: duplicates %+v from another office (errors %+v)", bound.Duplicates, bound.Errors)
	}
	if bound, err = s.Imports.DryRun(ctx, sc, file, ""); err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, e := range bound.Errors {
		got[itoa(uint(e.Row))+":"+e.Column] = e.Key
	}
	if got["3:office"] != "error.office_unknown" || got["4:assigned_to"] != "cases.error.assignee" {
		t.Errorf("bound: errors %v", got)
	}
}

// Import rows meet the same limits as the forms.
func TestImportRowsMeetTheTextLimits(t *testing.T) {
	s := dbtest.Stores(t, dbtest.NewClock(adminStart))
	dbtest.MustOffice(t, s, "RAB", "Rabat")
	file := "office,direction,family_name,given_name,sex,birth_date,nationality,return_country,consent_date,notes\n" +
		"RAB,outbound," + strings.Repeat("é", 201) + ",Awa,F,1990-01-01,SN,SN,2021-02-01,\n" +
		"RAB,outbound,Diallo,Awa,F,1990-01-01,SN,SN,2021-02-01," + strings.Repeat("n", 5001) + "\n"
	res, err := s.Imports.DryRun(context.Background(), models.Scope{}, []byte(file), "")
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, e := range res.Errors {
		got[itoa(uint(e.Row))+":"+e.Column] = e.Key
	}
	if got["2:family_name"] != "limits.error.too_long_200" || got["3:notes"] != "limits.error.too_long_5000" {
		t.Errorf("errors %v", got)
	}
}
