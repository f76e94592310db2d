package models_test

import (
	"testing"

	"awda/models"
	"awda/models/dbtest"
)

// TestLatestYearPerOffice: a one-office summary starts at the latest year of that
// office's own returns, support records, sessions and referrals, whatever the other
// offices hold; an office without a case has no year.
func TestLatestYearPerOffice(t *testing.T) {
	f := newCaseworkFixture(t)
	ctx := t.Context()
	db := f.s.DB.Write
	latest := func(o *models.Office) (int, bool) {
		t.Helper()
		id := o.ID
		y, ok, err := f.s.Summary.LatestYear(ctx, models.Scope{OfficeID: &id})
		if err != nil {
			t.Fatal(err)
		}
		return y, ok
	}
	empty := dbtest.MustOffice(t, f.s, "OUJ", "Oujda")
	rab := returnedCase(t, f, f.rab, models.NewDate(2021, 3, 1))
	cas := returnedCase(t, f, f.cas, models.NewDate(2021, 3, 1))
	if err := db.Model(cas).Update("departure_date", models.NewDate(2024, 5, 1)).Error; err != nil {
		t.Fatal(err)
	}
	if err := db.Model(rab).Update("departure_date", models.NewDate(2021, 3, 1)).Error; err != nil {
		t.Fatal(err)
	}
	if y, ok := latest(f.rab); !ok || y != 2021 {
		t.Errorf("Rabat with a 2021 return: %d %v", y, ok)
	}
	for _, step := range []struct {
		name string
		add  any
		want int
	}{
		{"a 2022 support record", &models.Support{CaseID: rab.ID, Type: models.Cash, Amount: 1, Currency: "MAD",
			Date: models.NewDate(2022, 2, 1), Status: models.SupportPlanned, PlannedByID: f.cw.ID, Version: 1}, 2022},
		{"a 2023 referral", &models.Referral{CaseID: rab.ID, Partner: "health", DateSent: models.NewDate(2023, 1, 9),
			Status: models.ReferralSent, CreatedByID: f.cw.ID, Version: 1}, 2023},
		{"a 2025 session", &models.GroupSession{OfficeID: f.rab.ID, Kind: "information", Title: "Séance", Date: models.NewDate(2025, 6, 2),
			Place: "Bureau", Facilitator: "A", CreatedByID: f.cw.ID, CreatedAt: f.clock.Now()}, 2025},
	} {
		if err := db.Create(step.add).Error; err != nil {
			t.Fatal(err)
		}
		if y, ok := latest(f.rab); !ok || y != step.want {
			t.Errorf("Rabat after %s: %d %v, want %d", step.name, y, ok, step.want)
		}
	}
	if y, ok := latest(f.cas); !ok || y != 2024 {
		t.Errorf("Casablanca: %d %v, want its own 2024 return", y, ok)
	}
	if y, ok := latest(empty); ok {
		t.Errorf("an office without a case has year %d", y)
	}
}
