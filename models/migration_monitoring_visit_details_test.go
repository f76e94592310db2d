package models_test

import (
	"testing"
	"time"

	"awda/models"
)

// TestVisitDetailsMigrationNamesEarlierInterviewers: visits recorded before 0016 get
// the name of the user who recorded them as interviewer, and version 1.
func TestVisitDetailsMigrationNamesEarlierInterviewers(t *testing.T) {
	ctx := t.Context()
	db := openMigratedTo(t, "0015_summary_refresh_by_case")
	office := models.Office{Code: "RAB", Name: "Rabat", City: "Rabat"}
	if err := db.Write.Create(&office).Error; err != nil {
		t.Fatal(err)
	}
	user := models.User{Email: "cw@example.org", Name: "Salma Benali", Role: models.RoleCaseworker, OfficeID: &office.ID, Active: true, Language: "fr"}
	if err := db.Write.Create(&user).Error; err != nil {
		t.Fatal(err)
	}
	cs := models.Case{CaseNumber: "RAB-2021-00001", OfficeID: office.ID, Direction: models.Inbound, FamilyName: "Benali", GivenName: "Amina",
		Sex: models.SexF, Nationality: "MA", ReturnCountry: "MA", ConsentDate: models.NewDate(2021, 1, 5), Status: models.StatusReintegration,
		Version: 1, CreatedByID: user.ID}
	if err := db.Write.Create(&cs).Error; err != nil {
		t.Fatal(err)
	}
	for _, interviewer := range []uint{user.ID, 999} {
		if err := db.Write.Exec(`INSERT INTO monitoring_visits (case_id, date, instrument_id, instrument_version, kind, method,
			interviewer_id, notes, band, created_at) VALUES (?, '2021-02-01', 1, 1, 'followup', 'phone', ?, '', '', ?)`,
			cs.ID, interviewer, time.Now().UTC()).Error; err != nil {
			t.Fatal(err)
		}
	}
	if err := models.Migrate(ctx, db); err != nil {
		t.Fatal(err)
	}
	var visits []models.Visit
	if err := db.Read.Order("id").Find(&visits).Error; err != nil {
		t.Fatal(err)
	}
	if len(visits) != 2 || visits[0].Interviewer != "Salma Benali" || visits[0].Version != 1 || visits[0].UpdatedAt != nil ||
		visits[1].Interviewer != "" || visits[1].Version != 1 {
		t.Errorf("after 0016: %+v", visits)
	}
}
