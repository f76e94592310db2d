package models_test

import (
	"context"
	"testing"
	"time"

	"awda/models"
	"awda/models/dbtest"
)

// A user's sex (F, M or not said) is stored at creation and changed by an edit; any
// other value is a field error and changes nothing.
func TestUserSexIsStoredAndEdited(t *testing.T) {
	ctx := context.Background()
	s := dbtest.Stores(t, dbtest.NewClock(time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC)))
	dbtest.MustOffice(t, s, "RAB", "Rabat")
	admin := models.Actor{IP: "test"}
	u, _, err := s.Users.Create(ctx, admin, models.UserInput{Email: "salma@example.org", Name: "Salma", Role: models.RoleCaseworker, OfficeCode: "RAB", Sex: "F"})
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Users.Get(ctx, u.ID); got.Sex != "F" {
		t.Fatalf("sex after create: %q", got.Sex)
	}
	if _, _, err := s.Users.Create(ctx, admin, models.UserInput{Email: "x@example.org", Name: "X", Role: models.RoleSupervisor, Sex: "X"}); err == nil {
		t.Fatal("sex X accepted")
	} else if fe, ok := models.AsValidation(err); !ok || fe["sex"] == "" {
		t.Fatalf("sex X: %v", err)
	}
	edit := models.UserEdit{Name: "Salma", Role: models.RoleCaseworker, OfficeCode: "RAB", Language: "fr", Sex: "M"}
	if err := s.Users.Update(ctx, admin, u.ID, edit); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Users.Get(ctx, u.ID); got.Sex != "M" {
		t.Fatalf("sex after edit: %q", got.Sex)
	}
	edit.Sex = "female"
	if _, ok := models.AsValidation(s.Users.Update(ctx, admin, u.ID, edit)); !ok {
		t.Fatal("sex female accepted")
	}
	edit.Sex = ""
	if err := s.Users.Update(ctx, admin, u.ID, edit); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Users.Get(ctx, u.ID); got.Sex != "" {
		t.Fatalf("sex after clearing: %q", got.Sex)
	}
}
