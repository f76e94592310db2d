package demo_test

import (
	"context"
	"io"
	"testing"

	"awda/models/dbtest"
	"awda/models/demo"
)

// BenchmarkDemoLoad loads the 2021 dataset (scale 1, about 3,000 cases) through the
// stores into a new database: the cost per case of every rule, audit entry and trigger
// a demo at scale pays, and the profile to read when it grows.
func BenchmarkDemoLoad(b *testing.B) {
	for range b.N {
		db := dbtest.Open(b)
		if _, err := demo.Load(context.Background(), db, demo.Options{Year: 2021, Scale: 1, Argon: dbtest.CheapArgon}, io.Discard); err != nil {
			b.Fatal(err)
		}
	}
}
