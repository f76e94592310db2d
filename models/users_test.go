package models_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"awda/models"
	"awda/models/dbtest"
)

func TestMigrateTwiceIsANoOp(t *testing.T) {
	db := dbtest.Open(t)
	if err := models.Migrate(context.Background(), db); err != nil {
		t.Fatalf("second migrate: %v", err)
	}
}

func TestSignInThrottlesAfterFiveFailures(t *testing.T) {
	ctx := context.Background()
	clock := dbtest.NewClock(time.Date(2021, 3, 1, 9, 0, 0, 0, time.UTC))
	s := dbtest.Stores(t, clock)
	dbtest.MustOffice(t, s, "RAB", "Rabat")
	dbtest.MustUser(t, s, "amina@example.org", models.RoleCaseworker, "RAB", "correct horse battery")
	for i := 0; i < models.MaxEmailFailures; i++ {
		if _, err := s.Users.SignIn(ctx, "amina@example.org", "wrong password!!", "10.0.0.1"); !errors.Is(err, models.ErrBadCredentials) {
			t.Fatalf("attempt %d: got %v, want bad credentials", i+1, err)
		}
	}
	if _, err := s.Users.SignIn(ctx, "Amina@Example.org", "correct horse battery", "10.0.0.2"); !errors.Is(err, models.ErrThrottled) {
		t.Fatalf("6th attempt with the right password: got %v, want throttled", err)
	}
	clock.Advance(models.ThrottleWindow + time.Second)
	if _, err := s.Users.SignIn(ctx, "amina@example.org", "correct horse battery", "10.0.0.2"); err != nil {
		t.Fatalf("after the window: %v", err)
	}
}

// A sign-in leaves its trace: the attempt marked as a success, a "login" event in the
// audit log and the user's last sign-in time; a wrong password, a "login_failed" event
// and none of the rest.
func TestSignInRecordsTheAttemptTheEventAndTheTime(t *testing.T) {
	ctx := context.Background()
	at := time.Date(2021, 3, 1, 9, 0, 0, 0, time.UTC)
	clock := dbtest.NewClock(at)
	s := dbtest.Stores(t, clock)
	dbtest.MustOffice(t, s, "RAB", "Rabat")
	u := dbtest.MustUser(t, s, "amina@example.org", models.RoleCaseworker, "RAB", "correct horse battery")
	events := dbtest.AuditEvents(t)
	type attempt struct {
		Success bool
		IP      string
	}
	for _, tc := range []struct {
		password, action string
		ok               bool
	}{
		{"wrong password!!", "login_failed", false},
		{"correct horse battery", "login", true},
	} {
		clock.Advance(time.Minute)
		_, err := s.Users.SignIn(ctx, "amina@example.org", tc.password, "10.0.0.7")
		if tc.ok != (err == nil) {
			t.Fatalf("sign-in with %q: %v", tc.password, err)
		}
		var last attempt
		if err := s.DB.Read.Table("login_attempts").Order("id DESC").Limit(1).Scan(&last).Error; err != nil {
			t.Fatal(err)
		}
		if last != (attempt{tc.ok, "10.0.0.7"}) {
			t.Errorf("sign-in with %q: attempt %+v", tc.password, last)
		}
		got := events(s.Audit.List(ctx, models.AuditFilter{Action: tc.action}))
		if len(got) != 1 || got[0].UserID == nil || *got[0].UserID != u.ID || got[0].IP != "10.0.0.7" || !got[0].At.Equal(clock.Now()) {
			t.Errorf("sign-in with %q: audit events %+v", tc.password, got)
		}
		var user models.User
		if err := s.DB.Read.First(&user, u.ID).Error; err != nil {
			t.Fatal(err)
		}
		if tc.ok != (user.LastLoginAt != nil) || tc.ok && !user.LastLoginAt.Equal(clock.Now()) {
			t.Errorf("sign-in with %q: last sign-in %v", tc.password, user.LastLoginAt)
		}
	}
}

func TestSessionTimeouts(t *testing.T) {
	ctx := context.Background()
	clock := dbtest.NewClock(time.Date(2021, 3, 1, 9, 0, 0, 0, time.UTC))
	s := dbtest.Stores(t, clock)
	u := dbtest.MustUser(t, s, "admin@example.org", models.RoleAdmin, "", "correct horse battery")
	idle, _ := s.Sessions.Create(ctx, u.ID, "127.0.0.1", false)
	clock.Advance(models.IdleTimeout + time.Second)
	if _, err := s.Sessions.Lookup(ctx, idle); !errors.Is(err, models.ErrNotFound) {
		t.Fatalf("idle session: got %v, want not found", err)
	}
	long, _ := s.Sessions.Create(ctx, u.ID, "127.0.0.1", false)
	for elapsed := time.Duration(0); elapsed < models.AbsoluteTimeout-20*time.Minute; elapsed += 20 * time.Minute {
		clock.Advance(20 * time.Minute)
		if _, err := s.Sessions.Lookup(ctx, long); err != nil {
			t.Fatalf("active session at %v: %v", elapsed, err)
		}
	}
	clock.Advance(40 * time.Minute)
	if _, err := s.Sessions.Lookup(ctx, long); !errors.Is(err, models.ErrNotFound) {
		t.Fatalf("session past the absolute timeout: got %v, want not found", err)
	}
}

func TestPasswordPolicy(t *testing.T) {
	if n := models.CommonPasswordCount(); n < 3000 {
		t.Fatalf("common password list has %d entries, want at least 3000", n)
	}
	cases := []struct {
		name, pw, want string
	}{
		{"11 characters", "abcdefghijk", "error.password_short"},
		{"12 characters", "zq8!mvw2kpla", ""},
		{"129 characters", strings.Repeat("x7", 64) + "y", "error.password_long"},
		{"128 characters", strings.Repeat("x7", 64), ""},
		{"common", "password1234", "error.password_common"},
		{"common, other case", "123QWEasdZXC", "error.password_common"},
		{"product name", "my-awda-secret-pw", "error.password_contains_name"},
		{"user name", "fatima-was-here-99", "error.password_contains_name"},
		{"64 Arabic characters", strings.Repeat("كلمة", 16), ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := models.CheckPassword(c.pw, "Fatima Zahra"); got != c.want {
				t.Fatalf("CheckPassword(%q) = %q, want %q", c.pw, got, c.want)
			}
		})
	}
}

func TestPasswordHashIsArgon2idWithProductionParameters(t *testing.T) {
	h, err := models.HashPassword("correct horse battery", models.DefaultArgon2)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Fatalf("hash %q is not argon2id with m=19456,t=2,p=1", h)
	}
	for pw, want := range map[string]bool{"correct horse battery": true, "correct horse batter": false, "Correct horse battery": false} {
		if ok, err := models.VerifyPassword(pw, h); err != nil || ok != want {
			t.Fatalf("VerifyPassword(%q) = %v, %v; want %v", pw, ok, err, want)
		}
	}
}
