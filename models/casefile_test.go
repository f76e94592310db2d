package models_test

import (
	"errors"
	"fmt"
	"testing"

	"awda/models"
)

// One call reads the whole case file: the case in scope with its history, and every
// section with the people who recorded it; another office's case is not found.
func TestCaseFileReadsEverySectionInScope(t *testing.T) {
	f := newCaseworkFixture(t)
	ctx := t.Context()
	cs := insertCase(t, f.s, f.rab, f.cw, models.StatusReturned, true)
	other := insertCase(t, f.s, f.rab, f.cw, models.StatusReturned, true)

	planned := f.plan(t, f.cw, cs, "1 000,50")
	approved := f.plan(t, f.cw, cs, "500")
	if err := f.s.Support.Approve(ctx, act(f.sup), f.sup.Scope(), cs.ID, approved.ID, approved.Version); err != nil {
		t.Fatal(err)
	}
	delivered := f.plan(t, f.cw, cs, "200")
	if err := f.s.Support.Approve(ctx, act(f.sup2), f.sup2.Scope(), cs.ID, delivered.ID, delivered.Version); err != nil {
		t.Fatal(err)
	}
	if err := f.s.Support.Deliver(ctx, act(f.cw), f.cw.Scope(), cs.ID, delivered.ID, delivered.Version+1, "2021-05-25"); err != nil {
		t.Fatal(err)
	}
	cancelled := f.plan(t, f.cw, cs, "9999")
	if err := f.s.Support.Cancel(ctx, act(f.cw), f.cw.Scope(), cs.ID, cancelled.ID, cancelled.Version, "typed twice"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.Support.Plan(ctx, act(f.cw), f.cw.Scope(), cs.ID, models.SupportInput{Type: "cash", Description: "Travel money",
		Amount: "250 000", Currency: "XOF", Date: "2021-05-01"}); err != nil {
		t.Fatal(err)
	}
	f.plan(t, f.cw, other, "777") // another case's support must not appear

	if _, err := f.s.Activities.Record(ctx, act(f.cw), f.cw.Scope(), cs.ID,
		models.ActivityInput{Kind: "counselling", Date: "2021-05-02", Note: "Plans a shop"}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.Referrals.Create(ctx, act(f.sup), f.sup.Scope(), cs.ID,
		models.ReferralInput{Partner: "ANAPEC", Purpose: "Job search", Date: "2021-05-03"}); err != nil {
		t.Fatal(err)
	}
	gs, err := f.s.GroupSessions.Create(ctx, act(f.cw), f.cw.Scope(), models.SessionInput{Kind: "info_session",
		Title: "Return: what to expect", Date: "2021-05-10", Place: "Rabat office", Facilitator: "S. Idrissi"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.GroupSessions.AddAttendance(ctx, act(f.cw), f.cw.Scope(), gs.ID, []string{cs.CaseNumber}); err != nil {
		t.Fatal(err)
	}

	if _, err := f.s.Cases.File(ctx, f.cwCas.Scope(), cs.ID); !errors.Is(err, models.ErrNotFound) {
		t.Fatalf("another office's case file: %v, want not found", err)
	}
	if _, err := f.s.Cases.File(ctx, f.cw.Scope(), 999999); !errors.Is(err, models.ErrNotFound) {
		t.Fatalf("a missing case file: %v, want not found", err)
	}
	file, err := f.s.Cases.File(ctx, f.cw.Scope(), cs.ID)
	if err != nil {
		t.Fatal(err)
	}
	if file.Case.ID != cs.ID || file.Case.Office == nil || file.Case.Office.Code != "RAB" {
		t.Fatalf("case %+v", file.Case)
	}
	for _, h := range file.Case.History {
		if h.User == nil || h.User.ID != h.UserID {
			t.Fatalf("history without its user: %+v", h)
		}
	}

	byID := map[uint]models.Support{}
	for _, sp := range file.Support {
		if sp.CaseID != cs.ID {
			t.Fatalf("support %d of case %d in the file of case %d", sp.ID, sp.CaseID, cs.ID)
		}
		if sp.PlannedBy == nil || sp.PlannedBy.ID != f.cw.ID {
			t.Fatalf("support %d without its planner: %+v", sp.ID, sp.PlannedBy)
		}
		byID[sp.ID] = sp
	}
	if len(file.Support) != 5 {
		t.Fatalf("%d support records, want 5", len(file.Support))
	}
	if sp := byID[approved.ID]; sp.ApprovedBy == nil || sp.ApprovedBy.ID != f.sup.ID || sp.DeliveredBy != nil {
		t.Fatalf("approved support: approved by %+v, delivered by %+v", sp.ApprovedBy, sp.DeliveredBy)
	}
	if sp := byID[delivered.ID]; sp.ApprovedBy == nil || sp.ApprovedBy.ID != f.sup2.ID || sp.DeliveredBy == nil || sp.DeliveredBy.ID != f.cw.ID {
		t.Fatalf("delivered support: approved by %+v, delivered by %+v", sp.ApprovedBy, sp.DeliveredBy)
	}
	if sp := byID[planned.ID]; sp.ApprovedBy != nil || sp.DeliveredBy != nil {
		t.Fatalf("planned support has people it should not: %+v %+v", sp.ApprovedBy, sp.DeliveredBy)
	}

	// The totals, summed in Go from the rows, equal the database's own sums.
	var want []models.CurrencyTotal
	if err := f.s.DB.Read.Raw(`SELECT currency, SUM(amount) AS total,
		SUM(CASE WHEN status = 'delivered' THEN amount ELSE 0 END) AS delivered, COUNT(*) AS count
		FROM supports WHERE case_id = ? AND status <> 'cancelled' GROUP BY currency ORDER BY currency`, cs.ID).Scan(&want).Error; err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(file.Totals) != fmt.Sprint(want) || len(want) != 2 || want[0].Total != 170050 || want[0].Delivered != 20000 {
		t.Fatalf("totals %+v, want %+v", file.Totals, want)
	}

	if len(file.Activities) != 1 || file.Activities[0].CreatedBy == nil || file.Activities[0].CreatedBy.ID != f.cw.ID {
		t.Fatalf("activities %+v", file.Activities)
	}
	if len(file.Referrals) != 1 || file.Referrals[0].CreatedBy == nil || file.Referrals[0].CreatedBy.ID != f.sup.ID {
		t.Fatalf("referrals %+v", file.Referrals)
	}
	if len(file.Sessions) != 1 || file.Sessions[0].Title != "Return: what to expect" || file.Sessions[0].AddedByName != f.cw.Name {
		t.Fatalf("sessions %+v", file.Sessions)
	}

	// A case with little recorded: the empty sections are empty, not another case's.
	sparse, err := f.s.Cases.File(ctx, f.cw.Scope(), other.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(sparse.Support) != 1 || sparse.Support[0].CaseID != other.ID || len(sparse.Totals) != 1 ||
		len(sparse.Activities)+len(sparse.Referrals)+len(sparse.Sessions)+len(sparse.Case.Household) != 0 {
		t.Fatalf("sparse case file: %d support, %d activities, %d referrals, %d sessions, %d household",
			len(sparse.Support), len(sparse.Activities), len(sparse.Referrals), len(sparse.Sessions), len(sparse.Case.Household))
	}
}
