package models_test

import (
	"context"
	"strings"
	"testing"

	"awda/models"
	"awda/models/dbtest"
)

// exportFixture is two cases in two offices with one record of every kind.
func exportFixture(t *testing.T) (*models.Stores, *models.User) {
	t.Helper()
	s := dbtest.Stores(t, dbtest.NewClock(adminStart))
	rab := dbtest.MustOffice(t, s, "RAB", "Rabat")
	ouj := dbtest.MustOffice(t, s, "OUJ", "Oujda")
	u := dbtest.MustUser(t, s, "cw@example.org", models.RoleCaseworker, "RAB", "correct horse battery")
	a := dbtest.MustCase(t, s, rab.ID, u.ID, dbtest.Person{CaseNumber: "RAB-2021-00001", Family: "العلوي", Given: "Zoé",
		Birth: "2010-05-02", Phone: "+212600000001", DocNumber: "AB123456", Notes: "note"})
	b := dbtest.MustCase(t, s, ouj.ID, u.ID, dbtest.Person{CaseNumber: "OUJ-2021-00001", Family: "Diallo", Given: "Mamadou",
		Sex: "M", Nationality: "GN", Birth: "1990-01-01", RequestDate: "2021-06-01"})
	d := func(s string) models.Date { x, _ := models.ParseDate(s); return x }
	dbtest.MustInsert(t, s,
		&models.CaseVulnerability{CaseID: a.ID, Code: "unaccompanied_child"},
		&models.CaseVulnerability{CaseID: a.ID, Code: "medical_condition"},
		&models.HouseholdMember{CaseID: a.ID, Name: "Amine", Relation: "brother", Sex: "M", BirthDate: d("2012-01-01")},
		&models.Support{CaseID: a.ID, Type: models.Cash, Amount: 150050, Currency: "MAD", Date: d("2021-03-10"),
			Status: models.SupportApproved, PlannedByID: u.ID, Version: 1},
		&models.Activity{CaseID: a.ID, Kind: "counselling", Date: d("2021-03-05"), Note: "talked", CreatedByID: u.ID},
		&models.Referral{CaseID: b.ID, Partner: "ANAPEC", DateSent: d("2021-06-02"), Status: models.ReferralSent, CreatedByID: u.ID, Version: 1},
	)
	g := &models.GroupSession{OfficeID: rab.ID, Kind: models.InfoSession, Title: "Info", Date: d("2021-03-20"), CreatedByID: u.ID}
	dbtest.MustInsert(t, s, g)
	dbtest.MustInsert(t, s, &models.Attendance{SessionID: g.ID, CaseID: a.ID, AddedByID: u.ID},
		&models.Attendance{SessionID: g.ID, CaseID: b.ID, AddedByID: u.ID})
	return s, u
}

func collect(t *testing.T, s *models.Stores, kind string, f models.ExportFilter, pseudo bool) [][]string {
	t.Helper()
	var out [][]string
	n, err := s.Exports.Run(context.Background(), models.Actor{}, kind, f, pseudo, func(r []string) error {
		out = append(out, append([]string(nil), r...))
		return nil
	})
	if err != nil {
		t.Fatalf("export %s: %v", kind, err)
	}
	if n != len(out) {
		t.Fatalf("export %s: count %d, rows %d", kind, n, len(out))
	}
	for _, r := range out {
		if len(r) != len(models.ExportColumns[kind]) {
			t.Fatalf("export %s: row of %d cells, header of %d", kind, len(r), len(models.ExportColumns[kind]))
		}
	}
	return out
}

func TestExportsStreamEveryKindWithFilters(t *testing.T) {
	s, _ := exportFixture(t)
	want := map[string]int{"cases": 2, "support": 1, "activities": 1, "referrals": 1, "sessions": 2}
	for _, kind := range models.ExportKinds {
		if got := len(collect(t, s, kind, models.ExportFilter{}, false)); got != want[kind] {
			t.Errorf("%s: %d rows, want %d", kind, got, want[kind])
		}
	}
	rows := collect(t, s, "cases", models.ExportFilter{Office: "RAB"}, false)
	col := func(name string) int {
		for i, c := range models.ExportColumns["cases"] {
			if c == name {
				return i
			}
		}
		t.Fatalf("no column %s", name)
		return -1
	}
	r := rows[0]
	if len(rows) != 1 || r[col("family_name")] != "العلوي" || r[col("given_name")] != "Zoé" ||
		r[col("vulnerabilities")] != "medical_condition;unaccompanied_child" ||
		r[col("household")] != "Amine|brother|M|2012-01-01" || r[col("age_band")] != "0-17" ||
		r[col("birth_date")] != "2010-05-02" || r[col("consent_share")] != "true" {
		t.Fatalf("RAB cases: %q", rows)
	}
	if got := collect(t, s, "cases", models.ExportFilter{From: models.NewDate(2021, 5, 1)}, false); len(got) != 1 || got[0][0] != "OUJ-2021-00001" {
		t.Fatalf("period filter: %q", got)
	}
	sup := collect(t, s, "support", models.ExportFilter{}, false)
	if sup[0][10] != "1500.50" || sup[0][11] != "MAD" || sup[0][12] != "2021-03-10" {
		t.Fatalf("support row: %q", sup[0])
	}
	if got := collect(t, s, "sessions", models.ExportFilter{Sex: "M"}, false); len(got) != 1 || got[0][7] != "OUJ-2021-00001" {
		t.Fatalf("sessions filtered by sex: %q", got)
	}
	evs := dbtest.AuditEvents(t)(s.Audit.List(context.Background(), models.AuditFilter{Action: "export.cases"}))
	if len(evs) != 3 || evs[2].Details != "pseudonymise=false rows=2" || evs[1].Details != "office=RAB pseudonymise=false rows=1" {
		t.Fatalf("audit of exports: %+v", evs)
	}
}

func TestPseudonymisedExportsHoldNoPersonalData(t *testing.T) {
	s, _ := exportFixture(t)
	secrets := []string{"العلوي", "Zoé", "Diallo", "Mamadou", "Amine", "+212600000001", "AB123456", "2010-05-02", "1990-01-01", "2012-01-01"}
	for _, kind := range models.ExportKinds {
		for _, r := range collect(t, s, kind, models.ExportFilter{}, true) {
			line := strings.Join(r, ",")
			for _, sec := range secrets {
				if strings.Contains(line, sec) {
					t.Errorf("%s pseudonymised row holds %q: %s", kind, sec, line)
				}
			}
			if !strings.Contains(line, "-2021-0000") {
				t.Errorf("%s pseudonymised row lacks the case number: %s", kind, line)
			}
		}
	}
}

func TestExportsOfAnAdminWithAnOfficeStayInThatOffice(t *testing.T) {
	s, _ := exportFixture(t)
	o, _ := s.Offices.ByCode(context.Background(), "OUJ")
	admin := &models.User{ID: 99, Role: models.RoleAdmin, OfficeID: &o.ID}
	for kind, want := range map[string]int{"cases": 1, "support": 0, "referrals": 1, "sessions": 0} {
		n, err := s.Exports.Run(context.Background(), models.Actor{User: admin}, kind, models.ExportFilter{}, false,
			func([]string) error { return nil })
		if err != nil || n != want {
			t.Errorf("%s for an Oujda admin: %d rows (%v), want %d", kind, n, err, want)
		}
	}
}
