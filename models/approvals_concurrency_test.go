package models_test

import (
	"errors"
	"slices"
	"sync"
	"testing"

	"awda/models"
)

// Two supervisors approving overlapping selections at the same moment, ticked in
// opposite orders: one batch wins, the other is refused cleanly, and neither fails on
// a deadlock (PostgreSQL locks each record as it approves it; SQLite has one writer).
func TestOverlappingBatchApprovalsDoNotDeadlock(t *testing.T) {
	f := newCaseworkFixture(t)
	ctx := t.Context()
	cs := insertCase(t, f.s, f.rab, f.cw, models.StatusReturned, true)
	for round := range 10 {
		var ids []uint
		for range 5 {
			ids = append(ids, f.plan(t, f.cw, cs, "100").ID)
		}
		reversed := slices.Clone(ids)
		slices.Reverse(reversed)
		var wg sync.WaitGroup
		errs := make([]error, 2)
		for i, batch := range [][]uint{ids, reversed} {
			sup := []*models.User{f.sup, f.sup2}[i]
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, errs[i] = f.s.Support.ApproveMany(ctx, act(sup), sup.Scope(), batch)
			}()
		}
		wg.Wait()
		won := 0
		for _, err := range errs {
			switch {
			case err == nil:
				won++
			case errors.Is(err, models.ErrBadMove) || errors.Is(err, models.ErrConflict):
			default:
				t.Fatalf("round %d: %v", round, err)
			}
		}
		if won != 1 {
			t.Fatalf("round %d: %d batches went through, want exactly one (errors %v)", round, won, errs)
		}
	}
}
