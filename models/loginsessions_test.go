package models_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"awda/models"
	"awda/models/dbtest"
)

// The joined lookup returns the same user and office as loading them one by one.
func TestSessionLookupReturnsUserAndOffice(t *testing.T) {
	ctx := context.Background()
	clock := dbtest.NewClock(time.Date(2021, 3, 1, 9, 0, 0, 0, time.UTC))
	s := dbtest.Stores(t, clock)
	dbtest.MustOffice(t, s, "RAB", "Rabat")
	for _, tc := range []struct{ email, office string }{{"cw@example.org", "RAB"}, {"admin@example.org", ""}} {
		role := models.RoleCaseworker
		if tc.office == "" {
			role = models.RoleAdmin
		}
		u := dbtest.MustUser(t, s, tc.email, role, tc.office, "correct horse battery")
		token, err := s.Sessions.Create(ctx, u.ID, "10.0.0.7", true)
		if err != nil {
			t.Fatal(err)
		}
		ls, err := s.Sessions.Lookup(ctx, token)
		if err != nil {
			t.Fatal(err)
		}
		want, err := s.Users.Get(ctx, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		got := ls.User
		if got.ID != want.ID || got.Email != want.Email || got.Name != want.Name || got.Role != want.Role ||
			got.Language != want.Language || got.PasswordHash != want.PasswordHash || !got.Active ||
			got.MustChangePassword != want.MustChangePassword || got.TOTPEnabled != want.TOTPEnabled ||
			!got.CreatedAt.Equal(want.CreatedAt) || !got.UpdatedAt.Equal(want.UpdatedAt) {
			t.Errorf("%s: lookup user %+v, want %+v", tc.email, got, want)
		}
		if !ls.MFAPending || ls.IP != "10.0.0.7" || ls.UserID != u.ID || !ls.CreatedAt.Equal(clock.Now()) {
			t.Errorf("%s: session %+v", tc.email, ls)
		}
		switch {
		case tc.office == "" && (got.OfficeID != nil || got.Office != nil):
			t.Errorf("%s: office %v, want none", tc.email, got.Office)
		case tc.office != "" && (got.Office == nil || got.Office.Code != "RAB" || got.Office.Name != "Rabat" ||
			got.OfficeID == nil || *got.OfficeID != got.Office.ID):
			t.Errorf("%s: office %+v, want RAB", tc.email, got.Office)
		}
	}
}

// Revoked sessions, deactivated users and unknown tokens are not found; activity is
// written at most once a minute.
func TestSessionLookupRefusesAndTouches(t *testing.T) {
	ctx := context.Background()
	start := time.Date(2021, 3, 1, 9, 0, 0, 0, time.UTC)
	clock := dbtest.NewClock(start)
	s := dbtest.Stores(t, clock)
	dbtest.MustOffice(t, s, "RAB", "Rabat")
	u := dbtest.MustUser(t, s, "cw@example.org", models.RoleCaseworker, "RAB", "correct horse battery")
	token, _ := s.Sessions.Create(ctx, u.ID, "", false)
	lastSeen := func() time.Time {
		var ls models.LoginSession
		if err := s.DB.Read.Where("user_id = ?", u.ID).First(&ls).Error; err != nil {
			t.Fatal(err)
		}
		return ls.LastSeenAt.UTC()
	}
	clock.Advance(59 * time.Second)
	if _, err := s.Sessions.Lookup(ctx, token); err != nil {
		t.Fatal(err)
	}
	if got := lastSeen(); !got.Equal(start) {
		t.Errorf("last seen written after 59s: %v", got)
	}
	clock.Advance(time.Second)
	ls, err := s.Sessions.Lookup(ctx, token)
	if err != nil {
		t.Fatal(err)
	}
	if got := lastSeen(); !got.Equal(start.Add(time.Minute)) || !ls.LastSeenAt.Equal(got) {
		t.Errorf("last seen after a minute: stored %v, returned %v", got, ls.LastSeenAt)
	}
	if _, err := s.Sessions.Lookup(ctx, "not-a-token"); !errors.Is(err, models.ErrNotFound) {
		t.Errorf("unknown token: %v", err)
	}
	if _, err := s.Sessions.Lookup(ctx, ""); !errors.Is(err, models.ErrNotFound) {
		t.Errorf("empty token: %v", err)
	}
	if err := s.DB.Write.Exec("UPDATE users SET active = ? WHERE id = ?", false, u.ID).Error; err != nil {
		t.Fatal(err)
	}
	if _, err := s.Sessions.Lookup(ctx, token); !errors.Is(err, models.ErrNotFound) {
		t.Errorf("deactivated user: %v, want not found", err)
	}
	if err := s.DB.Write.Exec("UPDATE users SET active = ? WHERE id = ?", true, u.ID).Error; err != nil {
		t.Fatal(err)
	}
	if _, err := s.Sessions.Lookup(ctx, token); err != nil {
		t.Errorf("reactivated user: %v", err)
	}
	if err := s.Sessions.Revoke(ctx, token); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Sessions.Lookup(ctx, token); !errors.Is(err, models.ErrNotFound) {
		t.Errorf("revoked session: %v, want not found", err)
	}
}
