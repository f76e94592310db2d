package models_test

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"awda/models"
	"awda/models/dbtest"
)

// BenchmarkFollowupsDue times the homes' follow-up queries (a caseworker's list and
// counts, the supervisors' overdue per caseworker) at two numbers of returned cases, ten
// times apart, with return dates over five years and follow-ups done at random: the
// times should not grow with the cases.
//
//	go test -run '^$' -bench FollowupsDue ./models/
func BenchmarkFollowupsDue(b *testing.B) {
	for _, n := range []int{2_000, 20_000} {
		b.Run(fmt.Sprintf("cases=%d", n), func(b *testing.B) {
			clock := dbtest.NewClock(time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC))
			s := dbtest.Stores(b, clock)
			offices := []*models.Office{dbtest.MustOffice(b, s, "RAB", "Rabat"), dbtest.MustOffice(b, s, "CAS", "Casablanca")}
			var cws []*models.User
			for i := range 6 {
				cws = append(cws, dbtest.MustUser(b, s, fmt.Sprintf("cw%d@example.org", i), models.RoleCaseworker, offices[i%2].Code, "a long test passphrase"))
			}
			cur, err := s.Monitoring.Current(b.Context())
			if err != nil {
				b.Fatal(err)
			}
			rng := rand.New(rand.NewPCG(uint64(n), 7))
			first := models.NewDate(2021, 1, 1)
			batch := make([]models.Case, 0, 500)
			flush := func() {
				if len(batch) > 0 {
					if err := s.DB.Write.CreateInBatches(&batch, 500).Error; err != nil {
						b.Fatal(err)
					}
					var visits []models.Visit
					for _, cs := range batch {
						for range rng.IntN(4) {
							visits = append(visits, models.Visit{CaseID: cs.ID, Date: cs.ArrivalDate.AddDays(30), InstrumentID: cur.ID,
								InstrumentVersion: cur.Version, Kind: "followup", Method: "phone", InterviewerID: cws[0].ID, CreatedAt: clock.Now()})
						}
					}
					if len(visits) > 0 {
						if err := s.DB.Write.CreateInBatches(&visits, 500).Error; err != nil {
							b.Fatal(err)
						}
					}
					batch = batch[:0]
				}
			}
			for i := range n {
				cw := cws[rng.IntN(len(cws))]
				assigned := cw.ID
				batch = append(batch, models.Case{CaseNumber: fmt.Sprintf("B-%07d", i), OfficeID: *cw.OfficeID, Direction: models.Outbound,
					FamilyName: "Benali", GivenName: "Amina", Sex: models.SexF, Nationality: "MA", ReturnCountry: "MA",
					ConsentDate: first, Status: models.StatusReintegration, Version: 1, CreatedByID: cw.ID, AssignedToID: &assigned,
					ArrivalDate: first.AddDays(rng.IntN(5 * 365))})
				if len(batch) == cap(batch) {
					flush()
				}
			}
			flush()
			ctx, today := b.Context(), models.DateOf(clock.Now())
			b.Run("caseworker", func(b *testing.B) {
				for b.Loop() {
					if _, err := s.Monitoring.DueFollowups(ctx, cws[0].Scope(), cws[0].ID, today, 10); err != nil {
						b.Fatal(err)
					}
				}
			})
			b.Run("supervisor-all-offices", func(b *testing.B) {
				for b.Loop() {
					if _, err := s.Monitoring.DueFollowups(ctx, models.Scope{}, 0, today, 10); err != nil {
						b.Fatal(err)
					}
				}
			})
		})
	}
}
