package models_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"awda/models"
	"awda/models/dbtest"
)

var caseSeq atomic.Int64

// insertCase writes a case row directly (the cases feature is built elsewhere).
func insertCase(t *testing.T, s *models.Stores, office *models.Office, creator *models.User, status models.CaseStatus, consentShare bool) *models.Case {
	t.Helper()
	n := caseSeq.Add(1)
	cs := &models.Case{
		CaseNumber: fmt.Sprintf("%s-2021-%05d", office.Code, n), OfficeID: office.ID, Direction: models.Inbound,
		FamilyName: "Benali", GivenName: fmt.Sprintf("Person %d", n), Sex: models.SexF, Nationality: "MA", ReturnCountry: "MA",
		ConsentDate: models.NewDate(2021, 1, 5), ConsentShare: consentShare, Status: status, Version: 1, CreatedByID: creator.ID,
	}
	if err := s.DB.Write.Create(cs).Error; err != nil {
		t.Fatalf("insert case: %v", err)
	}
	return cs
}

// caseworkFixture is two offices, a caseworker and a supervisor in Rabat, a caseworker
// in Casablanca, and a second Rabat supervisor for the four-eyes rule.
type caseworkFixture struct {
	s                    *models.Stores
	clock                *dbtest.Clock
	rab, cas             *models.Office
	cw, sup, sup2, cwCas *models.User
	hq                   *models.User // supervisor of all offices
	admin                *models.User
}

func newCaseworkFixture(t *testing.T) *caseworkFixture {
	t.Helper()
	clock := dbtest.NewClock(time.Date(2021, 6, 1, 9, 0, 0, 0, time.UTC))
	s := dbtest.Stores(t, clock)
	f := &caseworkFixture{s: s, clock: clock}
	f.rab = dbtest.MustOffice(t, s, "RAB", "Rabat")
	f.cas = dbtest.MustOffice(t, s, "CAS", "Casablanca")
	f.cw = dbtest.MustUser(t, s, "cw@example.org", models.RoleCaseworker, "RAB", "a long test passphrase")
	f.sup = dbtest.MustUser(t, s, "sup@example.org", models.RoleSupervisor, "RAB", "a long test passphrase")
	f.sup2 = dbtest.MustUser(t, s, "sup2@example.org", models.RoleSupervisor, "RAB", "a long test passphrase")
	f.cwCas = dbtest.MustUser(t, s, "cwcas@example.org", models.RoleCaseworker, "CAS", "a long test passphrase")
	f.hq = dbtest.MustUser(t, s, "hq@example.org", models.RoleSupervisor, "", "a long test passphrase")
	f.admin = dbtest.MustUser(t, s, "admin@example.org", models.RoleAdmin, "", "a long test passphrase")
	return f
}

func act(u *models.User) models.Actor { return models.Actor{User: u, IP: "10.0.0.1"} }

func (f *caseworkFixture) plan(t *testing.T, u *models.User, cs *models.Case, amount string) *models.Support {
	t.Helper()
	sp, err := f.s.Support.Plan(context.Background(), act(u), u.Scope(), cs.ID, models.SupportInput{
		Type: "micro_project", Description: "Grocery shop", Amount: amount, Currency: "MAD", Date: "2021-05-20", FundedByOffice: true,
	})
	if err != nil {
		t.Fatalf("plan support: %v", err)
	}
	return sp
}

func supportStatus(t *testing.T, s *models.Stores, cs *models.Case, id uint) models.SupportStatus {
	t.Helper()
	var sp models.Support
	if err := s.DB.Read.First(&sp, id).Error; err != nil {
		t.Fatal(err)
	}
	return sp.Status
}

func TestSupportPlanValidates(t *testing.T) {
	f := newCaseworkFixture(t)
	cs := insertCase(t, f.s, f.rab, f.cw, models.StatusReturned, true)
	_, err := f.s.Support.Plan(t.Context(), act(f.cw), f.cw.Scope(), cs.ID, models.SupportInput{
		Type: "bike", Amount: "1,500", Currency: "MAD", Date: "2021-02-30",
	})
	fe, ok := models.AsValidation(err)
	if !ok {
		t.Fatalf("got %v, want validation errors", err)
	}
	want := map[string]string{"type": "error.choose_value", "description": "error.required",
		"amount": "casework.error.amount_ambiguous", "date": "casework.error.date_invalid"}
	for k, v := range want {
		if fe[k] != v {
			t.Errorf("%s: %q, want %q", k, fe[k], v)
		}
	}
	sp := f.plan(t, f.cw, cs, "1 500,50")
	if sp.Amount != 150050 || sp.Status != models.SupportPlanned || sp.PlannedByID != f.cw.ID {
		t.Fatalf("planned %+v", sp)
	}
	if _, err := f.s.Support.Plan(t.Context(), act(f.admin), f.admin.Scope(), cs.ID, models.SupportInput{}); !errors.Is(err, models.ErrForbidden) {
		t.Fatalf("admin plans: %v, want forbidden", err)
	}
}

// TestSupportStatusMachine tries every move from every status by every role.
func TestSupportStatusMachine(t *testing.T) {
	f := newCaseworkFixture(t)
	ctx := t.Context()
	cs := insertCase(t, f.s, f.rab, f.cw, models.StatusReintegration, true)
	// setup brings a new support to a status, planned by the caseworker.
	setup := func(status models.SupportStatus) *models.Support {
		sp := f.plan(t, f.cw, cs, "100")
		switch status {
		case models.SupportApproved, models.SupportDelivered:
			if err := f.s.Support.Approve(ctx, act(f.sup), f.sup.Scope(), cs.ID, sp.ID, 0); err != nil {
				t.Fatal(err)
			}
			if status == models.SupportDelivered {
				if err := f.s.Support.Deliver(ctx, act(f.cw), f.cw.Scope(), cs.ID, sp.ID, 0, "2021-05-30"); err != nil {
					t.Fatal(err)
				}
			}
		case models.SupportCancelled:
			if err := f.s.Support.Cancel(ctx, act(f.cw), f.cw.Scope(), cs.ID, sp.ID, 0, "duplicate"); err != nil {
				t.Fatal(err)
			}
		}
		return sp
	}
	type move func(u *models.User, sp *models.Support) error
	moves := map[string]move{
		"approve": func(u *models.User, sp *models.Support) error {
			return f.s.Support.Approve(ctx, act(u), u.Scope(), cs.ID, sp.ID, 0)
		},
		"deliver": func(u *models.User, sp *models.Support) error {
			return f.s.Support.Deliver(ctx, act(u), u.Scope(), cs.ID, sp.ID, 0, "2021-05-31")
		},
		"cancel": func(u *models.User, sp *models.Support) error {
			return f.s.Support.Cancel(ctx, act(u), u.Scope(), cs.ID, sp.ID, 0, "the person moved away")
		},
	}
	target := map[string]models.SupportStatus{"approve": models.SupportApproved, "deliver": models.SupportDelivered, "cancel": models.SupportCancelled}
	roles := map[string]*models.User{"caseworker": f.cw, "supervisor": f.sup, "admin": f.admin}
	tests := []struct {
		from models.SupportStatus
		move string
		role string
		want error // nil: allowed
	}{
		{models.SupportPlanned, "approve", "caseworker", models.ErrForbidden},
		{models.SupportPlanned, "approve", "supervisor", nil},
		{models.SupportPlanned, "approve", "admin", models.ErrForbidden},
		{models.SupportPlanned, "deliver", "caseworker", models.ErrBadMove},
		{models.SupportPlanned, "deliver", "supervisor", models.ErrBadMove},
		{models.SupportPlanned, "deliver", "admin", models.ErrForbidden},
		{models.SupportPlanned, "cancel", "caseworker", nil},
		{models.SupportPlanned, "cancel", "supervisor", nil},
		{models.SupportPlanned, "cancel", "admin", models.ErrForbidden},
		{models.SupportApproved, "approve", "supervisor", models.ErrBadMove},
		{models.SupportApproved, "deliver", "caseworker", nil},
		{models.SupportApproved, "deliver", "supervisor", nil},
		{models.SupportApproved, "deliver", "admin", models.ErrForbidden},
		{models.SupportApproved, "cancel", "caseworker", nil},
		{models.SupportApproved, "cancel", "supervisor", nil},
		{models.SupportDelivered, "approve", "supervisor", models.ErrBadMove},
		{models.SupportDelivered, "deliver", "caseworker", models.ErrBadMove},
		{models.SupportDelivered, "cancel", "caseworker", models.ErrBadMove},
		{models.SupportDelivered, "cancel", "supervisor", models.ErrBadMove},
		{models.SupportCancelled, "approve", "supervisor", models.ErrBadMove},
		{models.SupportCancelled, "deliver", "supervisor", models.ErrBadMove},
		{models.SupportCancelled, "cancel", "caseworker", models.ErrBadMove},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s %s by %s", tt.from, tt.move, tt.role), func(t *testing.T) {
			sp := setup(tt.from)
			err := moves[tt.move](roles[tt.role], sp)
			got := supportStatus(t, f.s, cs, sp.ID)
			if tt.want == nil {
				if err != nil || got != target[tt.move] {
					t.Fatalf("err %v, status %s; want %s", err, got, target[tt.move])
				}
				return
			}
			if !errors.Is(err, tt.want) {
				t.Fatalf("err %v, want %v", err, tt.want)
			}
			if got != tt.from {
				t.Fatalf("status changed to %s on a refused move", got)
			}
		})
	}
}

func TestSupportFourEyes(t *testing.T) {
	f := newCaseworkFixture(t)
	ctx := t.Context()
	cs := insertCase(t, f.s, f.rab, f.cw, models.StatusReturned, true)
	sp := f.plan(t, f.sup, cs, "2000")
	err := f.s.Support.Approve(ctx, act(f.sup), f.sup.Scope(), cs.ID, sp.ID, sp.Version)
	if !errors.Is(err, models.ErrOwnSupport) || !errors.Is(err, models.ErrForbidden) {
		t.Fatalf("own approval: %v, want the four-eyes refusal", err)
	}
	if _, err := f.s.Support.ApproveMany(ctx, act(f.sup), f.sup.Scope(), []uint{sp.ID}); !errors.Is(err, models.ErrOwnSupport) {
		t.Fatalf("own approval from the queue: %v", err)
	}
	if err := f.s.Support.Approve(ctx, act(f.sup2), f.sup2.Scope(), cs.ID, sp.ID, sp.Version); err != nil {
		t.Fatalf("another supervisor approves: %v", err)
	}
	var got models.Support
	f.s.DB.Read.First(&got, sp.ID)
	if got.ApprovedByID == nil || *got.ApprovedByID != f.sup2.ID || got.ApprovedAt == nil || got.Version != 2 {
		t.Fatalf("approved %+v", got)
	}
}

func TestSupportOptimisticLocking(t *testing.T) {
	f := newCaseworkFixture(t)
	cs := insertCase(t, f.s, f.rab, f.cw, models.StatusReturned, true)
	sp := f.plan(t, f.cw, cs, "50")
	if err := f.s.Support.Approve(t.Context(), act(f.sup), f.sup.Scope(), cs.ID, sp.ID, sp.Version+1); !errors.Is(err, models.ErrConflict) {
		t.Fatalf("stale version: %v, want conflict", err)
	}
}

func TestFirstDeliveryMovesReturnedCaseToReintegration(t *testing.T) {
	f := newCaseworkFixture(t)
	ctx := t.Context()
	cs := insertCase(t, f.s, f.rab, f.cw, models.StatusReturned, true)
	a, b := f.plan(t, f.cw, cs, "100"), f.plan(t, f.cw, cs, "200")
	for _, sp := range []*models.Support{a, b} {
		if err := f.s.Support.Approve(ctx, act(f.sup), f.sup.Scope(), cs.ID, sp.ID, 0); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.s.Support.Deliver(ctx, act(f.cw), f.cw.Scope(), cs.ID, a.ID, 2, "2021-05-28"); err != nil {
		t.Fatal(err)
	}
	var got models.Case
	f.s.DB.Read.First(&got, cs.ID)
	if got.Status != models.StatusReintegration || got.Version != 2 {
		t.Fatalf("case status %s version %d, want reintegration 2", got.Status, got.Version)
	}
	var changes []models.StatusChange
	f.s.DB.Read.Where("case_id = ?", cs.ID).Find(&changes)
	if len(changes) != 1 || changes[0].From != models.StatusReturned || changes[0].To != models.StatusReintegration ||
		changes[0].UserID != f.cw.ID || changes[0].Date.String() != "2021-05-28" || changes[0].Note != models.NoteFirstSupport {
		t.Fatalf("history %+v", changes)
	}
	var sp models.Support
	f.s.DB.Read.First(&sp, a.ID)
	if sp.DeliveredByID == nil || *sp.DeliveredByID != f.cw.ID || sp.DeliveredOn.String() != "2021-05-28" {
		t.Fatalf("delivery not recorded: %+v", sp)
	}
	var audits int64
	f.s.DB.Read.Model(&models.AuditEvent{}).Where("action = ? AND record_id = ?", "case.status", fmt.Sprint(cs.ID)).Count(&audits)
	if audits != 1 {
		t.Fatalf("case.status audit events: %d", audits)
	}
	// The second delivery changes nothing more.
	if err := f.s.Support.Deliver(ctx, act(f.cw), f.cw.Scope(), cs.ID, b.ID, 0, "2021-05-29"); err != nil {
		t.Fatal(err)
	}
	f.s.DB.Read.Model(&models.StatusChange{}).Where("case_id = ?", cs.ID).Count(&audits)
	if audits != 1 {
		t.Fatalf("status changes after the second delivery: %d", audits)
	}
	// A case not yet returned does not move.
	early := insertCase(t, f.s, f.rab, f.cw, models.StatusApproved, true)
	c := f.plan(t, f.cw, early, "100")
	f.s.Support.Approve(ctx, act(f.sup), f.sup.Scope(), early.ID, c.ID, 0)
	if err := f.s.Support.Deliver(ctx, act(f.cw), f.cw.Scope(), early.ID, c.ID, 0, "2021-05-29"); err != nil {
		t.Fatal(err)
	}
	got = models.Case{}
	f.s.DB.Read.First(&got, early.ID)
	if got.Status != models.StatusApproved {
		t.Fatalf("approved case moved to %s", got.Status)
	}
}

func TestSupportTotalsPerCurrency(t *testing.T) {
	f := newCaseworkFixture(t)
	ctx := t.Context()
	cs := insertCase(t, f.s, f.rab, f.cw, models.StatusReturned, true)
	f.plan(t, f.cw, cs, "1 000,50")
	f.plan(t, f.cw, cs, "500")
	cancelled := f.plan(t, f.cw, cs, "9999")
	f.s.Support.Cancel(ctx, act(f.cw), f.cw.Scope(), cs.ID, cancelled.ID, 0, "mistake")
	f.s.Support.Plan(ctx, act(f.cw), f.cw.Scope(), cs.ID, models.SupportInput{Type: "cash", Description: "x", Amount: "250 000", Currency: "XOF", Date: "2021-05-01"})
	totals, err := f.s.Support.Totals(ctx, f.cw.Scope(), cs.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(totals) != 2 || totals[0].Currency != "MAD" || totals[0].Total != 150050 || totals[0].Count != 2 ||
		totals[1].Currency != "XOF" || totals[1].Total != 250000 {
		t.Fatalf("totals %+v", totals)
	}
}

func TestSendBackKeepsSupportPlannedOutOfTheQueue(t *testing.T) {
	f := newCaseworkFixture(t)
	ctx := t.Context()
	cs := insertCase(t, f.s, f.rab, f.cw, models.StatusReturned, true)
	sp := f.plan(t, f.cw, cs, "100")
	if err := f.s.Support.SendBack(ctx, act(f.cw), f.cw.Scope(), cs.ID, sp.ID, 0, "no"); !errors.Is(err, models.ErrForbidden) {
		t.Fatalf("caseworker sends back: %v", err)
	}
	if err := f.s.Support.SendBack(ctx, act(f.sup), f.sup.Scope(), cs.ID, sp.ID, 0, " "); err == nil {
		t.Fatal("send back without a comment accepted")
	}
	if err := f.s.Support.SendBack(ctx, act(f.sup), f.sup.Scope(), cs.ID, sp.ID, 1, "Quote missing"); err != nil {
		t.Fatal(err)
	}
	var got models.Support
	f.s.DB.Read.First(&got, sp.ID)
	if got.Status != models.SupportPlanned || got.ReturnComment != "Quote missing" {
		t.Fatalf("after send back %+v", got)
	}
	q, _ := f.s.Support.AwaitingApproval(ctx, f.sup.Scope(), models.QueueFilter{})
	if len(q.Items) != 0 || q.Total != 0 {
		t.Fatalf("sent-back support still queued: %+v", q)
	}
}

func TestApprovalsQueueInScopeOldestFirstAndBatchApprove(t *testing.T) {
	f := newCaseworkFixture(t)
	ctx := t.Context()
	rab := insertCase(t, f.s, f.rab, f.cw, models.StatusReturned, true)
	cas := insertCase(t, f.s, f.cas, f.cwCas, models.StatusReturned, true)
	first := f.plan(t, f.cw, rab, "100")
	f.clock.Advance(time.Hour)
	other := f.plan(t, f.cwCas, cas, "300")
	f.clock.Advance(time.Hour)
	second := f.plan(t, f.cw, rab, "200")
	page, err := f.s.Support.AwaitingApproval(ctx, f.sup.Scope(), models.QueueFilter{})
	if err != nil {
		t.Fatal(err)
	}
	q := page.Items
	if len(q) != 2 || page.Total != 2 || q[0].ID != first.ID || q[1].ID != second.ID || q[0].CaseNumber != rab.CaseNumber ||
		q[0].PlannedByName != f.cw.Name || q[0].Amount != 10000 || q[0].Type != models.MicroProject {
		t.Fatalf("Rabat queue %+v", q)
	}
	all, _ := f.s.Support.AwaitingApproval(ctx, f.hq.Scope(), models.QueueFilter{})
	if len(all.Items) != 3 || all.Total != 3 {
		t.Fatalf("all-offices queue has %d lines of %d, want 3", len(all.Items), all.Total)
	}
	if n, _ := f.s.Support.CountAwaitingApproval(ctx, f.sup.Scope()); n != 2 {
		t.Fatalf("count %d", n)
	}
	// Another office's support in the selection: nothing is approved.
	if _, err := f.s.Support.ApproveMany(ctx, act(f.sup), f.sup.Scope(), []uint{first.ID, other.ID}); !errors.Is(err, models.ErrNotFound) {
		t.Fatalf("batch with another office's support: %v", err)
	}
	if got := supportStatus(t, f.s, rab, first.ID); got != models.SupportPlanned {
		t.Fatalf("half-approved batch: %s", got)
	}
	n, err := f.s.Support.ApproveMany(ctx, act(f.sup), f.sup.Scope(), []uint{first.ID, second.ID})
	if err != nil || n != 2 {
		t.Fatalf("batch: %d, %v", n, err)
	}
	if n, _ := f.s.Support.CountAwaitingDelivery(ctx, f.cw.Scope()); n != 2 {
		t.Fatalf("awaiting delivery %d", n)
	}
}

func TestApprovalsQueuePagesWithTheTrueTotalInScopeAndOffice(t *testing.T) {
	f := newCaseworkFixture(t)
	ctx := t.Context()
	rab := insertCase(t, f.s, f.rab, f.cw, models.StatusReturned, true)
	cas := insertCase(t, f.s, f.cas, f.cwCas, models.StatusReturned, true)
	var order, rabOrder []uint // oldest first
	for i := range 8 {
		u, cs := f.cw, rab
		if i%3 == 1 {
			u, cs = f.cwCas, cas
		}
		sp := f.plan(t, u, cs, fmt.Sprint(100+i))
		order = append(order, sp.ID)
		if cs == rab {
			rabOrder = append(rabOrder, sp.ID)
		}
		f.clock.Advance(time.Minute)
	}
	ids := func(p models.Paged[models.SupportQueueItem]) []uint {
		var out []uint
		for _, it := range p.Items {
			out = append(out, it.ID)
		}
		return out
	}
	read := func(scope models.Scope, qf models.QueueFilter) models.Paged[models.SupportQueueItem] {
		t.Helper()
		p, err := f.s.Support.AwaitingApproval(ctx, scope, qf)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	// Every office, three a page: the pages follow one another, oldest first.
	var seen []uint
	for page := 1; page <= 3; page++ {
		p := read(f.hq.Scope(), models.QueueFilter{Page: page, PerPage: 3})
		if p.Total != 8 || p.Page != page || p.PerPage != 3 {
			t.Fatalf("page %d: total %d, page %d, per page %d", page, p.Total, p.Page, p.PerPage)
		}
		seen = append(seen, ids(p)...)
	}
	if fmt.Sprint(seen) != fmt.Sprint(order) {
		t.Fatalf("pages hold %v, want %v", seen, order)
	}
	if n, _ := f.s.Support.CountAwaitingApproval(ctx, f.hq.Scope()); n != 8 {
		t.Fatalf("count %d, want the queue's total 8", n)
	}
	// A page beyond the end is the last one; none or a negative one is the first.
	if p := read(f.hq.Scope(), models.QueueFilter{Page: 99, PerPage: 3}); p.Page != 3 || fmt.Sprint(ids(p)) != fmt.Sprint(order[6:]) {
		t.Fatalf("page 99: page %d, %v", p.Page, ids(p))
	}
	if p := read(f.hq.Scope(), models.QueueFilter{Page: -2, PerPage: 3}); p.Page != 1 || fmt.Sprint(ids(p)) != fmt.Sprint(order[:3]) {
		t.Fatalf("page -2: page %d, %v", p.Page, ids(p))
	}
	// The office filter narrows every office to one, its total with it.
	p := read(f.hq.Scope(), models.QueueFilter{OfficeCode: "rab", Page: 2, PerPage: 3})
	if p.Total != int64(len(rabOrder)) || fmt.Sprint(ids(p)) != fmt.Sprint(rabOrder[3:]) {
		t.Fatalf("Rabat's second page: total %d, %v, want %d and %v", p.Total, ids(p), len(rabOrder), rabOrder[3:])
	}
	// It cannot widen an office's scope: a Rabat supervisor asking for Casablanca gets nothing.
	if p := read(f.sup.Scope(), models.QueueFilter{OfficeCode: "CAS", PerPage: 3}); p.Total != 0 || len(p.Items) != 0 || p.Page != 1 {
		t.Fatalf("Rabat supervisor, Casablanca's code: %+v", p)
	}
	if p := read(f.sup.Scope(), models.QueueFilter{OfficeCode: "RAB"}); p.Total != int64(len(rabOrder)) {
		t.Fatalf("Rabat supervisor, Rabat's code: total %d", p.Total)
	}
	if p := read(f.hq.Scope(), models.QueueFilter{OfficeCode: "XYZ"}); p.Total != 0 || len(p.Items) != 0 {
		t.Fatalf("an unknown office: %+v", p)
	}
}

func TestCaseworkOutOfScopeIsNotFound(t *testing.T) {
	f := newCaseworkFixture(t)
	ctx := t.Context()
	cas := insertCase(t, f.s, f.cas, f.cwCas, models.StatusReturned, true)
	rab := insertCase(t, f.s, f.rab, f.cw, models.StatusReturned, true)
	sp := f.plan(t, f.cwCas, cas, "100")
	ref, err := f.s.Referrals.Create(ctx, act(f.cwCas), f.cwCas.Scope(), cas.ID, models.ReferralInput{Partner: "ANAPEC", Purpose: "job", Date: "2021-05-01"})
	if err != nil {
		t.Fatal(err)
	}
	checks := map[string]error{
		"plan": func() error {
			_, err := f.s.Support.Plan(ctx, act(f.cw), f.cw.Scope(), cas.ID, models.SupportInput{Type: "cash", Description: "x", Amount: "1", Currency: "MAD", Date: "2021-05-01"})
			return err
		}(),
		"approve":              f.s.Support.Approve(ctx, act(f.sup), f.sup.Scope(), cas.ID, sp.ID, 0),
		"approve via own case": f.s.Support.Approve(ctx, act(f.sup), f.sup.Scope(), rab.ID, sp.ID, 0),
		"deliver":              f.s.Support.Deliver(ctx, act(f.cw), f.cw.Scope(), cas.ID, sp.ID, 0, "2021-05-01"),
		"cancel via own case":  f.s.Support.Cancel(ctx, act(f.cw), f.cw.Scope(), rab.ID, sp.ID, 0, "x"),
		"activity": func() error {
			_, err := f.s.Activities.Record(ctx, act(f.cw), f.cw.Scope(), cas.ID, models.ActivityInput{Kind: "counselling", Date: "2021-05-01"})
			return err
		}(),
		"referral": func() error {
			_, err := f.s.Referrals.Create(ctx, act(f.cw), f.cw.Scope(), cas.ID, models.ReferralInput{Partner: "ANAPEC", Purpose: "x", Date: "2021-05-01"})
			return err
		}(),
		"follow-up via own case": f.s.Referrals.FollowUp(ctx, act(f.cw), f.cw.Scope(), rab.ID, ref.ID, models.FollowUpInput{Status: "accepted"}),
		"support list":           func() error { _, err := f.s.Support.ForCase(ctx, f.cw.Scope(), cas.ID); return err }(),
	}
	for name, err := range checks {
		if !errors.Is(err, models.ErrNotFound) {
			t.Errorf("%s: %v, want not found", name, err)
		}
	}
	if got := supportStatus(t, f.s, cas, sp.ID); got != models.SupportPlanned {
		t.Fatalf("support moved to %s", got)
	}
}

func TestActivities(t *testing.T) {
	f := newCaseworkFixture(t)
	ctx := t.Context()
	cs := insertCase(t, f.s, f.rab, f.cw, models.StatusReintegration, true)
	_, err := f.s.Activities.Record(ctx, act(f.cw), f.cw.Scope(), cs.ID, models.ActivityInput{Kind: "monitoring", Date: "2021-07-01"})
	fe, _ := models.AsValidation(err)
	if fe["mode"] != "casework.error.mode_required" || fe["date"] != "casework.error.date_future" {
		t.Fatalf("errors %v", fe)
	}
	if n, _ := f.s.Activities.CountMonitoringDue(ctx, f.cw.Scope(), models.DateOf(f.clock.Now())); n != 1 {
		t.Fatalf("monitoring due %d, want 1", n)
	}
	if _, err := f.s.Activities.Record(ctx, act(f.cw), f.cw.Scope(), cs.ID, models.ActivityInput{Kind: "monitoring", Mode: "phone", Date: "2021-05-20", Note: "Shop open"}); err != nil {
		t.Fatal(err)
	}
	list, _ := f.s.Activities.ForCase(ctx, f.cw.Scope(), cs.ID)
	if len(list) != 1 || list[0].Mode != "phone" || list[0].CreatedBy == nil || list[0].CreatedBy.ID != f.cw.ID {
		t.Fatalf("activities %+v", list)
	}
	if n, _ := f.s.Activities.CountMonitoringDue(ctx, f.cw.Scope(), models.DateOf(f.clock.Now())); n != 0 {
		t.Fatalf("monitoring due after a visit: %d", n)
	}
}

func TestReferralNeedsConsentAndFollowUp(t *testing.T) {
	f := newCaseworkFixture(t)
	ctx := t.Context()
	noConsent := insertCase(t, f.s, f.rab, f.cw, models.StatusReturned, false)
	_, err := f.s.Referrals.Create(ctx, act(f.cw), f.cw.Scope(), noConsent.ID, models.ReferralInput{Partner: "OFPPT", Purpose: "training", Date: "2021-05-01"})
	if fe, _ := models.AsValidation(err); fe["consent"] != "casework.error.no_consent" {
		t.Fatalf("referral without consent: %v", err)
	}
	var n int64
	f.s.DB.Read.Model(&models.Referral{}).Count(&n)
	if n != 0 {
		t.Fatal("referral saved without consent")
	}
	cs := insertCase(t, f.s, f.rab, f.cw, models.StatusReturned, true)
	_, err = f.s.Referrals.Create(ctx, act(f.cw), f.cw.Scope(), cs.ID, models.ReferralInput{Partner: "other", Purpose: "housing", Date: "2021-05-01"})
	if fe, _ := models.AsValidation(err); fe["partner_name"] != "casework.error.partner_name" {
		t.Fatalf("other without a name: %v", err)
	}
	r, err := f.s.Referrals.Create(ctx, act(f.cw), f.cw.Scope(), cs.ID, models.ReferralInput{Partner: "ANAPEC", Purpose: "job search", Date: "2021-05-01"})
	if err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		in   models.FollowUpInput
		want error
	}{
		{models.FollowUpInput{Status: "completed", Outcome: "hired"}, models.ErrBadMove},
		{models.FollowUpInput{Status: "rejected"}, nil}, // validation: reason required
		{models.FollowUpInput{Status: "accepted", Satisfaction: "6"}, nil},
		{models.FollowUpInput{Status: "accepted", Version: 1}, nil},
		{models.FollowUpInput{Status: "accepted", Version: 1}, models.ErrConflict},
		{models.FollowUpInput{Status: "completed", Outcome: "Hired as a baker", Satisfaction: "5", Version: 2}, nil},
		{models.FollowUpInput{Status: "cancelled"}, models.ErrBadMove},
	}
	for i, st := range steps {
		err := f.s.Referrals.FollowUp(ctx, act(f.cw), f.cw.Scope(), cs.ID, r.ID, st.in)
		switch {
		case i == 1 || i == 2:
			fe, _ := models.AsValidation(err)
			if len(fe) == 0 {
				t.Fatalf("step %d: %v, want field errors", i, err)
			}
		case st.want == nil && err != nil, st.want != nil && !errors.Is(err, st.want):
			t.Fatalf("step %d: %v, want %v", i, err, st.want)
		}
	}
	got, _ := f.s.Referrals.Get(ctx, f.cw.Scope(), cs.ID, r.ID)
	if got.Status != models.ReferralCompleted || got.Outcome != "Hired as a baker" || got.Satisfaction == nil || *got.Satisfaction != 5 {
		t.Fatalf("referral %+v", got)
	}
}

func TestOverdueReferralsAfterSixtyDays(t *testing.T) {
	f := newCaseworkFixture(t) // today is 2021-06-01
	ctx := t.Context()
	cs := insertCase(t, f.s, f.rab, f.cw, models.StatusReturned, true)
	cas := insertCase(t, f.s, f.cas, f.cwCas, models.StatusReturned, true)
	mk := func(u *models.User, c *models.Case, date string) *models.Referral {
		r, err := f.s.Referrals.Create(ctx, act(u), u.Scope(), c.ID, models.ReferralInput{Partner: "health", Purpose: "care", Date: date})
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	old := mk(f.cw, cs, "2021-04-02")      // exactly 60 days
	mk(f.cw, cs, "2021-04-03")             // 59 days
	done := mk(f.cw, cs, "2021-03-01")     // resolved
	rejected := mk(f.cw, cs, "2021-03-01") // rejected
	accepted := mk(f.cw, cs, "2021-01-15") // accepted, no outcome yet
	otherOffice := mk(f.cwCas, cas, "2021-01-01")
	f.s.Referrals.FollowUp(ctx, act(f.cw), f.cw.Scope(), cs.ID, done.ID, models.FollowUpInput{Status: "accepted", Outcome: "seen by a doctor"})
	f.s.Referrals.FollowUp(ctx, act(f.cw), f.cw.Scope(), cs.ID, rejected.ID, models.FollowUpInput{Status: "rejected", Reason: "full"})
	f.s.Referrals.FollowUp(ctx, act(f.cw), f.cw.Scope(), cs.ID, accepted.ID, models.FollowUpInput{Status: "accepted"})
	page, err := f.s.Referrals.Overdue(ctx, f.sup.Scope(), f.clock.Now(), models.QueueFilter{})
	if err != nil {
		t.Fatal(err)
	}
	list := page.Items
	if len(list) != 2 || page.Total != 2 || list[0].ID != accepted.ID || list[1].ID != old.ID || list[0].CaseNumber != cs.CaseNumber {
		t.Fatalf("Rabat overdue %+v", list)
	}
	all, _ := f.s.Referrals.Overdue(ctx, f.hq.Scope(), f.clock.Now(), models.QueueFilter{})
	if len(all.Items) != 3 || all.Total != 3 || all.Items[0].ID != otherOffice.ID {
		t.Fatalf("all offices overdue %+v", all)
	}
	// The office filter narrows an all-offices scope, and cannot widen an office's.
	cass, _ := f.s.Referrals.Overdue(ctx, f.hq.Scope(), f.clock.Now(), models.QueueFilter{OfficeCode: "cas"})
	if len(cass.Items) != 1 || cass.Total != 1 || cass.Items[0].ID != otherOffice.ID {
		t.Fatalf("Casablanca's overdue for all offices %+v", cass)
	}
	if got, _ := f.s.Referrals.Overdue(ctx, f.sup.Scope(), f.clock.Now(), models.QueueFilter{OfficeCode: "CAS"}); got.Total != 0 || len(got.Items) != 0 {
		t.Fatalf("a Rabat supervisor sees Casablanca's overdue referrals: %+v", got)
	}
	// A bounded list keeps the true total.
	oldest, _ := f.s.Referrals.Overdue(ctx, f.hq.Scope(), f.clock.Now(), models.QueueFilter{PerPage: 2})
	if len(oldest.Items) != 2 || oldest.Total != 3 || oldest.Items[0].ID != otherOffice.ID || oldest.Items[1].ID != accepted.ID {
		t.Fatalf("the two oldest of three %+v", oldest)
	}
	if n, _ := f.s.Referrals.CountOverdue(ctx, f.sup.Scope(), f.clock.Now()); n != 2 {
		t.Fatalf("count %d", n)
	}
}

func TestAttendanceByCaseNumber(t *testing.T) {
	f := newCaseworkFixture(t)
	ctx := t.Context()
	a := insertCase(t, f.s, f.rab, f.cw, models.StatusRegistered, true)
	b := insertCase(t, f.s, f.rab, f.cw, models.StatusRegistered, true)
	c := insertCase(t, f.s, f.rab, f.cw, models.StatusRegistered, true)
	other := insertCase(t, f.s, f.cas, f.cwCas, models.StatusRegistered, true)
	gs, err := f.s.GroupSessions.Create(ctx, act(f.cw), f.cw.Scope(), models.SessionInput{Kind: "info_session", Title: "Return: what to expect", Date: "2021-05-10", Place: "Rabat office", Facilitator: "S. Idrissi", Office: f.cas.ID})
	if err != nil {
		t.Fatal(err)
	}
	if gs.OfficeID != f.rab.ID {
		t.Fatalf("caseworker's session in office %d, want their own", gs.OfficeID)
	}
	if _, err := f.s.GroupSessions.AddAttendance(ctx, act(f.cw), f.cw.Scope(), gs.ID, models.SplitCaseNumbers(a.CaseNumber+"\n"+strings.ToLower(b.CaseNumber))); err != nil {
		t.Fatal(err)
	}
	_, err = f.s.GroupSessions.AddAttendance(ctx, act(f.cw), f.cw.Scope(), gs.ID,
		[]string{c.CaseNumber, "RAB-2021-99999", other.CaseNumber, a.CaseNumber, c.CaseNumber})
	var ae *models.AttendanceError
	if !errors.As(err, &ae) {
		t.Fatalf("got %v, want an attendance error", err)
	}
	want := []models.AttendanceProblem{
		{"RAB-2021-99999", "casework.error.attendance_unknown"},
		{other.CaseNumber, "casework.error.attendance_unknown"},
		{a.CaseNumber, "casework.error.attendance_already"},
		{c.CaseNumber, "casework.error.attendance_twice"},
	}
	if fmt.Sprint(ae.Problems) != fmt.Sprint(want) {
		t.Fatalf("problems %v, want %v", ae.Problems, want)
	}
	list, _ := f.s.GroupSessions.Attendees(ctx, f.cw.Scope(), gs.ID)
	if len(list) != 2 {
		t.Fatalf("attendees %d after a refused batch, want 2", len(list))
	}
	attended, _ := f.s.GroupSessions.ForCase(ctx, f.cw.Scope(), a.ID)
	if len(attended) != 1 || attended[0].Title != "Return: what to expect" || attended[0].AddedByName != f.cw.Name {
		t.Fatalf("sessions of the case %+v", attended)
	}
	if err := f.s.GroupSessions.RemoveAttendance(ctx, act(f.cw), f.cw.Scope(), gs.ID, a.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.GroupSessions.Get(ctx, f.cwCas.Scope(), gs.ID); !errors.Is(err, models.ErrNotFound) {
		t.Fatalf("another office's session: %v", err)
	}
	rows, total, _ := f.s.GroupSessions.List(ctx, f.cw.Scope(), models.SessionFilter{})
	if total != 1 || rows[0].Attendees != 1 || rows[0].OfficeCode != "RAB" {
		t.Fatalf("list %+v", rows)
	}
	if _, total, _ := f.s.GroupSessions.List(ctx, f.cwCas.Scope(), models.SessionFilter{}); total != 0 {
		t.Fatalf("Casablanca sees %d sessions", total)
	}
	hqs, err := f.s.GroupSessions.Create(ctx, act(f.hq), f.hq.Scope(), models.SessionInput{Kind: "training", Title: "Marketing", Date: "2021-05-11", Place: "Casa", Facilitator: "K.", Office: f.cas.ID})
	if err != nil || hqs.OfficeID != f.cas.ID {
		t.Fatalf("all-offices supervisor chooses the office: %v %+v", err, hqs)
	}
	_, err = f.s.GroupSessions.Create(ctx, act(f.hq), f.hq.Scope(), models.SessionInput{Kind: "training", Title: "Marketing", Date: "2021-05-11", Place: "Casa", Facilitator: "K."})
	if fe, _ := models.AsValidation(err); fe["office"] == "" {
		t.Fatalf("no office chosen: %v", err)
	}
}

func TestClosedCaseIsReadOnlyForCasework(t *testing.T) {
	f := newCaseworkFixture(t)
	ctx := t.Context()
	cs := insertCase(t, f.s, f.rab, f.cw, models.StatusReintegration, true)
	sp := f.plan(t, f.cw, cs, "100")
	if err := f.s.DB.Write.Model(&models.Case{}).Where("id = ?", cs.ID).Update("status", models.StatusClosed).Error; err != nil {
		t.Fatal(err)
	}
	_, planErr := f.s.Support.Plan(ctx, act(f.cw), f.cw.Scope(), cs.ID, models.SupportInput{Type: "cash", Description: "x", Amount: "1", Currency: "MAD", Date: "2021-05-01"})
	_, actErr := f.s.Activities.Record(ctx, act(f.cw), f.cw.Scope(), cs.ID, models.ActivityInput{Kind: "counselling", Date: "2021-05-01"})
	_, refErr := f.s.Referrals.Create(ctx, act(f.cw), f.cw.Scope(), cs.ID, models.ReferralInput{Partner: "ANAPEC", Purpose: "x", Date: "2021-05-01"})
	for name, err := range map[string]error{
		"plan": planErr, "activity": actErr, "referral": refErr,
		"approve": f.s.Support.Approve(ctx, act(f.sup), f.sup.Scope(), cs.ID, sp.ID, 0),
		"cancel":  f.s.Support.Cancel(ctx, act(f.cw), f.cw.Scope(), cs.ID, sp.ID, 0, "x"),
	} {
		if !errors.Is(err, models.ErrCaseClosed) {
			t.Errorf("%s on a closed case: %v", name, err)
		}
	}
	if _, err := f.s.Support.ForCase(ctx, f.cw.Scope(), cs.ID); err != nil {
		t.Errorf("reading a closed case's support: %v", err)
	}
}

// The home's count of the week's sessions takes the days from the first to the last
// included, and only the sessions of the office in scope (every office's for a national
// supervisor).
func TestSessionsCountedBetweenTwoDaysInScope(t *testing.T) {
	ctx := context.Background()
	f := newCaseworkFixture(t)
	for _, s := range []struct {
		date   string
		office uint
	}{{"2021-05-09", f.rab.ID}, {"2021-05-10", f.rab.ID}, {"2021-05-16", f.rab.ID}, {"2021-05-17", f.rab.ID}, {"2021-05-12", f.cas.ID}} {
		if _, err := f.s.GroupSessions.Create(ctx, act(f.hq), f.hq.Scope(), models.SessionInput{Kind: "info_session", Title: "Return",
			Date: s.date, Place: "Office", Facilitator: "S.", Office: s.office}); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		who  *models.User
		want int64
	}{{f.cw, 2}, {f.cwCas, 1}, {f.hq, 3}} {
		n, err := f.s.GroupSessions.CountBetween(ctx, tc.who.Scope(), models.NewDate(2021, 5, 10), models.NewDate(2021, 5, 16))
		if err != nil || n != tc.want {
			t.Errorf("%s: %d sessions (%v), want %d", tc.who.Email, n, err, tc.want)
		}
	}
}
