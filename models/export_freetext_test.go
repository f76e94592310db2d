package models_test

import (
	"slices"
	"strings"
	"testing"

	"awda/models"
	"awda/models/dbtest"
)

// TestPseudonymisedExportsEmptyEveryFreeTextColumn types the marker in every free-text
// field of every record, then checks each file: the plain export has it in exactly the
// free-text columns (so the list is complete), the pseudonymised one nowhere, with the
// same header and row count.
func TestPseudonymisedExportsEmptyEveryFreeTextColumn(t *testing.T) {
	s := dbtest.Stores(t, dbtest.NewClock(adminStart))
	rab := dbtest.MustOffice(t, s, "RAB", "Rabat")
	u := dbtest.MustUser(t, s, "cw@example.org", models.RoleCaseworker, "RAB", "correct horse battery")
	cs := dbtest.MustCase(t, s, rab.ID, u.ID, dbtest.Person{CaseNumber: "RAB-2021-00001", Family: "F", Given: "G",
		Birth: "1990-01-01", Notes: marker})
	s.DB.Write.Model(&models.Case{}).Where("id = ?", cs.ID).Updates(map[string]any{
		"languages": marker, "travel_route": marker, "received_by": marker})
	d := func(v string) models.Date { x, _ := models.ParseDate(v); return x }
	dbtest.MustInsert(t, s,
		&models.Support{CaseID: cs.ID, Type: models.Cash, Description: marker, CancelReason: marker, Amount: 100, Currency: "MAD",
			Date: d("2021-03-10"), Status: models.SupportCancelled, PlannedByID: u.ID, Version: 1},
		&models.Activity{CaseID: cs.ID, Kind: "counselling", Date: d("2021-03-05"), Note: marker, CreatedByID: u.ID},
		&models.Referral{CaseID: cs.ID, Partner: "other", PartnerName: marker, Purpose: marker, Outcome: marker, Reason: marker,
			DateSent: d("2021-03-02"), Status: models.ReferralRejected, CreatedByID: u.ID, Version: 1},
	)
	g := &models.GroupSession{OfficeID: rab.ID, Kind: models.InfoSession, Title: marker, Place: marker, Facilitator: marker,
		Date: d("2021-03-20"), CreatedByID: u.ID}
	dbtest.MustInsert(t, s, g)
	dbtest.MustInsert(t, s, &models.Attendance{SessionID: g.ID, CaseID: cs.ID, AddedByID: u.ID})
	for _, kind := range models.ExportKinds {
		t.Run(kind, func(t *testing.T) {
			plain := collect(t, s, kind, models.ExportFilter{}, false)
			pseudo := collect(t, s, kind, models.ExportFilter{}, true)
			if len(plain) != 1 || len(pseudo) != 1 {
				t.Fatalf("rows: %d plain, %d pseudonymised", len(plain), len(pseudo))
			}
			var holding []string
			for i, v := range plain[0] {
				if strings.Contains(v, marker) {
					holding = append(holding, models.ExportColumns[kind][i])
				}
			}
			want := slices.Clone(models.FreeTextColumns[kind])
			slices.Sort(want)
			slices.Sort(holding)
			if !slices.Equal(holding, want) {
				t.Errorf("free text in %v, the list says %v", holding, want)
			}
			for i, v := range pseudo[0] {
				if strings.Contains(v, marker) {
					t.Errorf("pseudonymised %s keeps %s", kind, models.ExportColumns[kind][i])
				}
			}
			if pseudo[0][slices.Index(models.ExportColumns[kind], "case_number")] != "RAB-2021-00001" {
				t.Errorf("pseudonymised %s lost the case number: %q", kind, pseudo[0])
			}
		})
	}
}
