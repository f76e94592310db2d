package models_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"awda/models"
	"awda/models/dbtest"
)

var adminStart = time.Date(2021, 3, 1, 9, 0, 0, 0, time.UTC)

func TestLastActiveAdminCannotBeDemotedOrDeactivated(t *testing.T) {
	ctx := context.Background()
	s := dbtest.Stores(t, dbtest.NewClock(adminStart))
	dbtest.MustOffice(t, s, "RAB", "Rabat")
	a := dbtest.MustUser(t, s, "a@example.org", models.RoleAdmin, "", "correct horse battery")
	me := models.Actor{User: a}
	demote := models.UserEdit{Name: "A", Role: models.RoleSupervisor, Language: "fr"}
	err := s.Users.Update(ctx, me, a.ID, demote)
	if fe, ok := models.AsValidation(err); !ok || fe["role"] != "admin.error.last_admin" {
		t.Fatalf("demoting the only admin: %v, want a role error", err)
	}
	if err := s.Users.SetActive(ctx, me, a.ID, false); !errors.Is(err, models.ErrLastAdmin) {
		t.Fatalf("deactivating the only admin: %v, want ErrLastAdmin", err)
	}
	b := dbtest.MustUser(t, s, "b@example.org", models.RoleAdmin, "", "correct horse battery")
	if err := s.Users.Update(ctx, me, a.ID, demote); err != nil {
		t.Fatalf("demoting one of two admins: %v", err)
	}
	// b is now the last one: a (no longer admin) cannot remove b either.
	if err := s.Users.SetActive(ctx, me, b.ID, false); !errors.Is(err, models.ErrLastAdmin) {
		t.Fatalf("deactivating the new last admin: %v, want ErrLastAdmin", err)
	}
	evs := dbtest.AuditEvents(t)(s.Audit.List(ctx, models.AuditFilter{Action: "user.update"}))
	if len(evs) != 1 || evs[0].Fields != "name,role" || evs[0].RecordID != itoa(a.ID) {
		t.Fatalf("audit of the update: %+v", evs)
	}
}

func itoa(id uint) string { return fmt.Sprint(id) }

func TestDeactivationEndsSessionsAndReactivationRestoresSignIn(t *testing.T) {
	ctx := context.Background()
	s := dbtest.Stores(t, dbtest.NewClock(adminStart))
	dbtest.MustOffice(t, s, "RAB", "Rabat")
	a := dbtest.MustUser(t, s, "a@example.org", models.RoleAdmin, "", "correct horse battery")
	u := dbtest.MustUser(t, s, "cw@example.org", models.RoleCaseworker, "RAB", "correct horse battery")
	token, _ := s.Sessions.Create(ctx, u.ID, "10.0.0.1", false)
	if err := s.Users.SetActive(ctx, models.Actor{User: a}, u.ID, false); err != nil {
		t.Fatal(err)
	}
	if err := s.Users.SetActive(ctx, models.Actor{User: a}, u.ID, true); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Sessions.Lookup(ctx, token); !errors.Is(err, models.ErrNotFound) {
		t.Fatalf("session after deactivation and reactivation: %v, want not found", err)
	}
	if _, err := s.Users.SignIn(ctx, "cw@example.org", "correct horse battery", "10.0.0.1"); err != nil {
		t.Fatalf("sign in after reactivation: %v", err)
	}
}

func TestTOTPCodeWorksOnceAndRecoveryCodeOnce(t *testing.T) {
	ctx := context.Background()
	clock := dbtest.NewClock(adminStart)
	s := dbtest.Stores(t, clock)
	u := dbtest.MustUser(t, s, "a@example.org", models.RoleAdmin, "", "correct horse battery")
	s.Users.TOTPKeys, _ = models.NewSecretKeys("a key for the two-step secrets of this test")
	secret, err := s.Users.BeginTOTP(ctx, u.ID)
	if err != nil || secret == "" {
		t.Fatalf("begin: %q %v", secret, err)
	}
	if again, _ := s.Users.BeginTOTP(ctx, u.ID); again != secret {
		t.Fatal("reloading the enrolment changed the secret")
	}
	if _, err := s.Users.EnableTOTP(ctx, models.Actor{User: u}, u.ID, "000000"); err == nil {
		t.Fatal("a wrong first code enabled two-factor sign-in")
	}
	code, _ := models.TOTPCode(secret, clock.Now())
	codes, err := s.Users.EnableTOTP(ctx, models.Actor{User: u}, u.ID, code)
	if err != nil || len(codes) != models.RecoveryCodeCount {
		t.Fatalf("enable: %v %v", codes, err)
	}
	// The enrolment code cannot be replayed at sign-in.
	if err := s.Users.VerifySecondFactor(ctx, u.ID, "pending-session", code, "10.0.0.1"); !errors.Is(err, models.ErrBadCredentials) {
		t.Fatalf("replayed enrolment code: %v", err)
	}
	clock.Advance(30 * time.Second)
	next, _ := models.TOTPCode(secret, clock.Now())
	if err := s.Users.VerifySecondFactor(ctx, u.ID, "pending-session", next, "10.0.0.1"); err != nil {
		t.Fatalf("fresh code: %v", err)
	}
	if err := s.Users.VerifySecondFactor(ctx, u.ID, "pending-session", next, "10.0.0.1"); !errors.Is(err, models.ErrBadCredentials) {
		t.Fatalf("replayed code: %v, want refused", err)
	}
	if err := s.Users.VerifySecondFactor(ctx, u.ID, "pending-session", strings.ToUpper(codes[3]), "10.0.0.1"); err != nil {
		t.Fatalf("recovery code: %v", err)
	}
	if err := s.Users.VerifySecondFactor(ctx, u.ID, "pending-session", codes[3], "10.0.0.1"); !errors.Is(err, models.ErrBadCredentials) {
		t.Fatalf("reused recovery code: %v, want refused", err)
	}
	if n, _ := s.Users.RecoveryCodesLeft(ctx, u.ID); n != models.RecoveryCodeCount-1 {
		t.Fatalf("recovery codes left %d", n)
	}
	// Three failures so far: two more and the account is throttled, even for a good code.
	for range 2 {
		_ = s.Users.VerifySecondFactor(ctx, u.ID, "pending-session", "123456", "10.0.0.1")
	}
	clock.Advance(30 * time.Second)
	good, _ := models.TOTPCode(secret, clock.Now())
	if err := s.Users.VerifySecondFactor(ctx, u.ID, "pending-session", good, "10.0.0.1"); !errors.Is(err, models.ErrThrottled) {
		t.Fatalf("after five failures: %v, want throttled", err)
	}
	if err := s.Users.DisableTOTP(ctx, models.Actor{User: u}, u, "wrong password!"); err == nil {
		t.Fatal("disabled with a wrong password")
	}
	if err := s.Users.DisableTOTP(ctx, models.Actor{User: u}, u, "correct horse battery"); err != nil {
		t.Fatal(err)
	}
	for _, action := range []string{"totp.enable", "totp.disable", "login_totp_failed", "recovery_code.use"} {
		if evs := dbtest.AuditEvents(t)(s.Audit.List(ctx, models.AuditFilter{Action: action})); len(evs) == 0 {
			t.Errorf("no audit event %s", action)
		}
	}
}

func TestOfficeRenameKeepsCodeAndListCountsCases(t *testing.T) {
	ctx := context.Background()
	s := dbtest.Stores(t, dbtest.NewClock(adminStart))
	o := dbtest.MustOffice(t, s, "RAB", "Rabat")
	if err := s.Offices.Rename(ctx, models.Actor{}, o.ID, models.OfficeRename{Name: "Rabat centre", City: "Rabat"}); err != nil {
		t.Fatal(err)
	}
	u := dbtest.MustUser(t, s, "cw@example.org", models.RoleCaseworker, "RAB", "correct horse battery")
	dbtest.MustCase(t, s, o.ID, u.ID, dbtest.Person{CaseNumber: "RAB-2021-00001", Family: "Alaoui", Given: "Sara"})
	rows, err := s.Offices.ListWithCounts(ctx)
	if err != nil || len(rows) != 1 || rows[0].Code != "RAB" || rows[0].Name != "Rabat centre" || rows[0].Cases != 1 || rows[0].Users != 1 {
		t.Fatalf("offices: %+v %v", rows, err)
	}
	if err := s.Offices.Delete(ctx, models.Actor{}, o.ID); !errors.Is(err, models.ErrForbidden) {
		t.Fatalf("deleting an office with cases: %v", err)
	}
}

// TestTwoAdminsDeactivatingEachOtherAtOnceLeaveOne runs both changes concurrently: the
// guard holds inside the transactions, so exactly one succeeds.
func TestTwoAdminsDeactivatingEachOtherAtOnceLeaveOne(t *testing.T) {
	ctx := context.Background()
	s := dbtest.Stores(t, dbtest.NewClock(adminStart))
	a := dbtest.MustUser(t, s, "a@example.org", models.RoleAdmin, "", "correct horse battery")
	b := dbtest.MustUser(t, s, "b@example.org", models.RoleAdmin, "", "correct horse battery")
	errs := make(chan error, 2)
	go func() { errs <- s.Users.SetActive(ctx, models.Actor{User: a}, b.ID, false) }()
	go func() { errs <- s.Users.SetActive(ctx, models.Actor{User: b}, a.ID, false) }()
	e1, e2 := <-errs, <-errs
	if (e1 == nil) == (e2 == nil) {
		t.Fatalf("both or neither succeeded: %v / %v", e1, e2)
	}
	var n int64
	s.DB.Read.Model(&models.User{}).Where("role = ? AND active = ?", models.RoleAdmin, true).Count(&n)
	if n != 1 {
		t.Fatalf("%d active admins, want 1", n)
	}
}
