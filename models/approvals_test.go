package models_test

import (
	"slices"
	"testing"

	"awda/models"
)

// Each line of the queue carries what a supervisor weighs before approving: who the
// person is, their vulnerabilities in form order, and what the case already received
// or was granted, per currency; another case's support and cancelled support stay out.
func TestApprovalsQueueLinesCarryTheCaseContext(t *testing.T) {
	f := newCaseworkFixture(t)
	ctx := t.Context()
	cs := insertCase(t, f.s, f.rab, f.cw, models.StatusReturned, true)
	bare := insertCase(t, f.s, f.rab, f.cw, models.StatusReturned, true)
	other := insertCase(t, f.s, f.rab, f.cw, models.StatusReturned, true)
	// Written out of form order, to show the lines put them back in it.
	for _, code := range []string{"single_parent", "trafficking_victim"} {
		if err := f.s.DB.Write.Create(&models.CaseVulnerability{CaseID: cs.ID, Code: code}).Error; err != nil {
			t.Fatal(err)
		}
	}
	if err := f.s.DB.Write.Create(&models.CaseVulnerability{CaseID: other.ID, Code: "elderly"}).Error; err != nil {
		t.Fatal(err)
	}
	plan := func(c *models.Case, amount, currency string) *models.Support {
		t.Helper()
		sp, err := f.s.Support.Plan(ctx, act(f.cw), f.cw.Scope(), c.ID, models.SupportInput{
			Type: "cash", Description: "Loyer", Amount: amount, Currency: currency, Date: "2021-05-20"})
		if err != nil {
			t.Fatal(err)
		}
		return sp
	}
	approve := func(c *models.Case, sp *models.Support) {
		t.Helper()
		if err := f.s.Support.Approve(ctx, act(f.sup), f.sup.Scope(), c.ID, sp.ID, 0); err != nil {
			t.Fatal(err)
		}
	}
	deliver := func(c *models.Case, sp *models.Support) {
		t.Helper()
		approve(c, sp)
		if err := f.s.Support.Deliver(ctx, act(f.cw), f.cw.Scope(), c.ID, sp.ID, 0, "2021-05-28"); err != nil {
			t.Fatal(err)
		}
	}
	deliver(cs, plan(cs, "1 000,50", "MAD"))
	deliver(cs, plan(cs, "500", "MAD"))
	deliver(cs, plan(cs, "250 000", "XOF"))
	approve(cs, plan(cs, "300", "MAD"))
	cancelled := plan(cs, "9999", "MAD")
	if err := f.s.Support.Cancel(ctx, act(f.cw), f.cw.Scope(), cs.ID, cancelled.ID, 0, "erreur"); err != nil {
		t.Fatal(err)
	}
	deliver(other, plan(other, "777", "EUR"))
	waiting := plan(cs, "2 000", "MAD")
	second := plan(cs, "40 000", "XOF")
	alone := plan(bare, "100", "MAD")

	page, err := f.s.Support.AwaitingApproval(ctx, f.sup.Scope(), models.QueueFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Items) != 3 || page.Items[0].ID != waiting.ID || page.Items[1].ID != second.ID || page.Items[2].ID != alone.ID {
		t.Fatalf("queue %+v", page.Items)
	}
	for _, it := range page.Items[:2] {
		if it.FamilyName != cs.FamilyName || it.GivenName != cs.GivenName || it.PlannedByName != f.cw.Name || it.PlannedByID != f.cw.ID {
			t.Errorf("line %d: person %q %q, planner %q", it.ID, it.FamilyName, it.GivenName, it.PlannedByName)
		}
		if want := []models.Vulnerability{"trafficking_victim", "single_parent"}; !slices.Equal(it.Vulnerabilities, want) {
			t.Errorf("line %d: vulnerabilities %v, want %v", it.ID, it.Vulnerabilities, want)
		}
		if want := []models.Amount{{Currency: "MAD", Minor: 150050}, {Currency: "XOF", Minor: 250000}}; !slices.Equal(it.Delivered, want) {
			t.Errorf("line %d: delivered %v, want %v", it.ID, it.Delivered, want)
		}
		if want := []models.Amount{{Currency: "MAD", Minor: 30000}}; !slices.Equal(it.Approved, want) {
			t.Errorf("line %d: approved %v, want %v", it.ID, it.Approved, want)
		}
	}
	last := page.Items[2]
	if last.GivenName != bare.GivenName || last.Vulnerabilities != nil || last.Delivered != nil || last.Approved != nil {
		t.Errorf("a case with nothing yet: %+v", last)
	}
}
