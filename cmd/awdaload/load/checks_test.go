package load

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

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
