package models_test

import (
	"fmt"
	"testing"
	"time"

	"awda/models"
	"awda/models/dbtest"
)

// BenchmarkDailyWrites times the writes a caseworker and a supervisor make all day, each
// through its store with every rule, audit entry and trigger, on a database that already
// holds 2,000 cases with casework: a registration, a move along the workflow, a support
// plan and its approval. On SQLite every write waits for the one writer, so their cost
// is the portal's write capacity under load.
//
//	go test -run '^$' -bench DailyWrites ./models/
func BenchmarkDailyWrites(b *testing.B) {
	clock := dbtest.NewClock(time.Date(2021, 6, 1, 9, 0, 0, 0, time.UTC))
	s := dbtest.Stores(b, clock)
	dbtest.MustOffice(b, s, "RAB", "Rabat")
	cw := dbtest.MustUser(b, s, "cw@example.org", models.RoleCaseworker, "RAB", "a long test passphrase")
	sup := dbtest.MustUser(b, s, "sup@example.org", models.RoleSupervisor, "RAB", "a long test passphrase")
	ctx := b.Context()
	n := 0
	register := func() *models.Case {
		n++
		cs, err := s.Cases.Create(ctx, act(cw), cw.Scope(), models.CaseInput{
			Direction: "outbound", FamilyName: fmt.Sprintf("Diallo%d", n), GivenName: "Awa", Sex: "F", BirthDate: "1990-04-12",
			Nationality: "SN", ReturnCountry: "SN", ConsentDate: "2021-05-02", RequestDate: "2021-05-03",
			RequestReason: "family", ConfirmDifferent: true,
		})
		if err != nil {
			b.Fatal(err)
		}
		return cs
	}
	move := func(cs *models.Case, who *models.User, to string) {
		if _, err := s.Cases.Move(ctx, act(who), who.Scope(), cs.ID, models.TransitionInput{To: to, Date: "2021-05-20", Version: cs.Version}); err != nil {
			b.Fatal(err)
		}
		cs.Version++
	}
	plan := func(cs *models.Case) *models.Support {
		sp, err := s.Support.Plan(ctx, act(cw), cw.Scope(), cs.ID, models.SupportInput{
			Type: "micro_project", Description: "Grocery shop", Amount: "5000", Currency: "MAD", Date: "2021-05-20", FundedByOffice: true,
		})
		if err != nil {
			b.Fatal(err)
		}
		return sp
	}
	for i := range 2_000 {
		cs := register()
		if i%2 == 0 {
			move(cs, cw, "counselled")
			plan(cs)
		}
	}
	b.Run("register", func(b *testing.B) {
		for b.Loop() {
			register()
		}
	})
	b.Run("move", func(b *testing.B) {
		for b.Loop() {
			b.StopTimer()
			cs := register()
			b.StartTimer()
			move(cs, cw, "counselled")
		}
	})
	b.Run("plan_support", func(b *testing.B) {
		for b.Loop() {
			b.StopTimer()
			cs := register()
			b.StartTimer()
			plan(cs)
		}
	})
	b.Run("approve_support", func(b *testing.B) {
		for b.Loop() {
			b.StopTimer()
			sp := plan(register())
			b.StartTimer()
			if _, err := s.Support.ApproveMany(ctx, act(sup), sup.Scope(), []uint{sp.ID}); err != nil {
				b.Fatal(err)
			}
		}
	})
}
