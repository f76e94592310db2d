package load

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"awda/models"
	"awda/models/dbtest"
)

// The case checks find a missing acknowledged registration or move, and accept an
// unacknowledged one whether or not it was saved.
func TestCaseChecks(t *testing.T) {
	ctx := context.Background()
	s := dbtest.Stores(t, dbtest.NewClock(time.Now()))
	if _, err := EnsureUsers(ctx, s, 1); err != nil {
		t.Fatal(err)
	}
	if err := EnsureCases(ctx, s, 2); err != nil {
		t.Fatal(err)
	}
	var ids []uint
	s.DB.Read.Raw("SELECT id FROM cases ORDER BY id").Scan(&ids)
	if len(ids) != 2 {
		t.Fatalf("%d seeded cases, want 2", len(ids))
	}
	good := []Write{
		{Kind: "case", User: "u", Value: "SEED000000", Acked: true},
		{Kind: "case", User: "u", Value: "NEVER-SAVED", Acked: false},
		{Kind: "move", User: "u", Value: fmt.Sprintf("%d:registered", ids[0]), Acked: true},
	}
	if err := Verify(ctx, s.DB, good); err != nil {
		t.Fatalf("good writes: %v", err)
	}
	bad := []Write{
		{Kind: "case", User: "u", Value: "LOST", Acked: true},
		{Kind: "move", User: "u", Value: fmt.Sprintf("%d:approved", ids[1]), Acked: true},
	}
	err := Verify(ctx, s.DB, bad)
	if err == nil || !strings.Contains(err.Error(), "LOST is missing") || !strings.Contains(err.Error(), "to approved is missing") {
		t.Fatalf("lost writes: %v", err)
	}
}

// The support checks find an acknowledged plan that is missing, saved twice, or saved
// with another case, amount or planner, and an acknowledged approval that did not happen,
// was made by someone else or happened twice; the global check finds support approved by
// its planner.
func TestSupportChecks(t *testing.T) {
	ctx := context.Background()
	s := dbtest.Stores(t, dbtest.NewClock(time.Now()))
	if _, err := EnsureUsers(ctx, s, 10); err != nil {
		t.Fatal(err)
	}
	if err := EnsureCases(ctx, s, 2); err != nil {
		t.Fatal(err)
	}
	var cases []uint
	s.DB.Read.Raw("SELECT id FROM cases ORDER BY id").Scan(&cases)
	user := func(email string) *models.User {
		var u models.User
		if err := s.DB.Read.Where("email = ?", email).First(&u).Error; err != nil {
			t.Fatal(err)
		}
		return &u
	}
	cw, sup, other := user("load000@load.test"), user("load004@load.test"), user("load009@load.test")
	plan := func(caseID uint, desc string) uint {
		sp, err := s.Support.Plan(ctx, models.Actor{User: cw}, cw.Scope(), caseID, models.SupportInput{Type: "cash",
			Description: desc, Amount: "1 500,50", Currency: "MAD", Date: time.Now().Format("2006-01-02")})
		if err != nil {
			t.Fatal(err)
		}
		return sp.ID
	}
	once := plan(cases[0], "Plan once")
	plan(cases[0], "Plan twice")
	twice := plan(cases[0], "Plan twice")
	if _, err := s.Support.ApproveMany(ctx, models.Actor{User: sup}, sup.Scope(), []uint{once}); err != nil {
		t.Fatal(err)
	}
	cwEmail, supEmail := cw.Email, sup.Email
	sp := func(caseID uint, minor int, desc string) string {
		return fmt.Sprintf("%d|%d|MAD|%s", caseID, minor, desc)
	}

	good := []Write{
		{Kind: "support", User: cwEmail, Value: sp(cases[0], 150050, "Plan once"), Acked: true},
		{Kind: "support", User: cwEmail, Value: sp(cases[0], 100, "Sent, never saved"), Acked: false},
		{Kind: "support-approval", User: supEmail, Value: fmt.Sprint(once), Acked: true},
		// Refused (another supervisor first): not acknowledged, whatever its state.
		{Kind: "support-approval", User: other.Email, Value: fmt.Sprintf("%d,%d", once, twice), Acked: false},
	}
	if err := Verify(ctx, s.DB, good); err != nil {
		t.Fatalf("good writes: %v", err)
	}

	for _, tc := range []struct {
		name string
		w    Write
		want string
	}{
		{"missing", Write{Kind: "support", User: cwEmail, Value: sp(cases[0], 150050, "Lost plan"), Acked: true}, `"Lost plan" is missing`},
		{"duplicated", Write{Kind: "support", User: cwEmail, Value: sp(cases[0], 150050, "Plan twice"), Acked: true}, `"Plan twice" saved 2 times`},
		{"duplicated unacknowledged", Write{Kind: "support", User: cwEmail, Value: sp(cases[0], 150050, "Plan twice")}, "saved 2 times"},
		{"other case", Write{Kind: "support", User: cwEmail, Value: sp(cases[1], 150050, "Plan once"), Acked: true},
			fmt.Sprintf("saved on case %d for 150050 MAD by %s, want case %d", cases[0], cwEmail, cases[1])},
		{"other amount", Write{Kind: "support", User: cwEmail, Value: sp(cases[0], 1500, "Plan once"), Acked: true}, "want case"},
		{"other planner", Write{Kind: "support", User: supEmail, Value: sp(cases[0], 150050, "Plan once"), Acked: true}, "by " + supEmail},
		{"not approved", Write{Kind: "support-approval", User: supEmail, Value: fmt.Sprint(twice), Acked: true},
			fmt.Sprintf("support %d: status planned", twice)},
		{"approved by another", Write{Kind: "support-approval", User: other.Email, Value: fmt.Sprint(once), Acked: true},
			fmt.Sprintf("support %d: approved by %q", once, supEmail)},
		{"no such support", Write{Kind: "support-approval", User: supEmail, Value: "99999", Acked: true}, "support 99999 is missing"},
		{"malformed", Write{Kind: "support", User: cwEmail, Value: "12|x", Acked: true}, "malformed"},
	} {
		err := Verify(ctx, s.DB, []Write{tc.w})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.want)
		}
	}

	// An approval applied twice leaves two audit events.
	if err := s.DB.Write.Create(&models.AuditEvent{At: time.Now(), UserID: &sup.ID, UserEmail: supEmail, Action: "support.approve",
		RecordType: "support", RecordID: fmt.Sprint(once)}).Error; err != nil {
		t.Fatal(err)
	}
	err := Verify(ctx, s.DB, good[2:3])
	if want := fmt.Sprintf("support %d approved 2 times", once); err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("approved twice: %v, want %q", err, want)
	}

	// Four eyes, whatever the load sent.
	if err := s.DB.Write.Exec("UPDATE supports SET status = 'approved', approved_by_id = planned_by_id WHERE id = ?", twice).Error; err != nil {
		t.Fatal(err)
	}
	err = Verify(ctx, s.DB, nil)
	if want := fmt.Sprintf("approved by its planner: [%d]", twice); err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("own approval: %v, want %q", err, want)
	}
}
