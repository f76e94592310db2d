package models_test

import (
	"context"
	"testing"
	"time"

	"awda/models"
	"awda/models/dbtest"
)

// BenchmarkSessionLookup is the per-request cost of finding the signed-in user.
func BenchmarkSessionLookup(b *testing.B) {
	ctx := context.Background()
	s := dbtest.Stores(b, dbtest.NewClock(time.Now()))
	dbtest.MustOffice(b, s, "RAB", "Rabat")
	u := dbtest.MustUser(b, s, "cw@example.org", models.RoleCaseworker, "RAB", "correct horse battery")
	token, err := s.Sessions.Create(ctx, u.ID, "", false)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := s.Sessions.Lookup(ctx, token); err != nil {
				b.Error(err)
				return
			}
		}
	})
}
