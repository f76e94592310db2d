package models_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"awda/models"
	"awda/models/dbtest"
)

// Events recorded at once are saved in groups, each caller returning only once its
// own event is in the database.
func TestAuditRecordConcurrent(t *testing.T) {
	s := dbtest.Stores(t, dbtest.NewClock(time.Date(2021, 3, 1, 9, 0, 0, 0, time.UTC)))
	const n = 64
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			id := fmt.Sprint(i)
			if err := s.Audit.Record(context.Background(), models.Actor{IP: "10.0.0.1"}.Event("case.view", "case", id)); err != nil {
				t.Error(err)
				return
			}
			var got int64
			s.DB.Read.Model(&models.AuditEvent{}).Where("action = ? AND record_id = ?", "case.view", id).Count(&got)
			if got != 1 {
				t.Errorf("event %s: %d saved when Record returned, want 1", id, got)
			}
		}()
	}
	wg.Wait()
	var total int64
	s.DB.Read.Model(&models.AuditEvent{}).Where("action = ?", "case.view").Count(&total)
	if total != n {
		t.Fatalf("%d events saved, want %d", total, n)
	}
	// A caller whose context has ended gets its error, and the store keeps working.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := s.Audit.Record(ctx, models.Actor{}.Event("case.view", "case", "x")); err == nil {
		t.Log("a cancelled caller's event was saved before it gave up (allowed)")
	}
	if err := s.Audit.Record(context.Background(), models.Actor{}.Event("case.view", "case", "y")); err != nil {
		t.Fatal(err)
	}
}
