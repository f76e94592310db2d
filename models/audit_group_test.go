package models_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"strings"
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

// Events queued without waiting (case views) are all saved by Drain, are seen by a
// reading of the log made after they were queued, and a group that fails is logged
// (without personal data) instead of blocking or vanishing silently.
func TestAuditEnqueueAndDrain(t *testing.T) {
	s := dbtest.Stores(t, dbtest.NewClock(time.Date(2021, 3, 1, 9, 0, 0, 0, time.UTC)))
	ctx := t.Context()
	const n = 300 // more than one group
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s.Audit.Enqueue(models.Actor{IP: "10.0.0.1"}.Event("case.view", "case", fmt.Sprint(i)))
		}()
	}
	wg.Wait()
	if err := s.Audit.Drain(ctx); err != nil {
		t.Fatal(err)
	}
	var total int64
	s.DB.Read.Model(&models.AuditEvent{}).Where("action = ?", "case.view").Count(&total)
	if total != n {
		t.Fatalf("%d queued events saved after Drain, want %d", total, n)
	}

	s.Audit.Enqueue(models.Actor{IP: "10.0.0.1"}.Event("case.view", "case", "last"))
	list, err := s.Audit.List(ctx, models.AuditFilter{Action: "case.view", RecordID: "last"})
	evs := list.Events
	if err != nil || len(evs) != 1 {
		t.Fatalf("the log read after queuing: %d events (%v), want 1", len(evs), err)
	}

	var logged bytes.Buffer
	s.Audit.Log = slog.New(slog.NewTextHandler(&logged, nil))
	if err := s.DB.Write.Exec("ALTER TABLE audit_events RENAME TO audit_events_away").Error; err != nil {
		t.Fatal(err)
	}
	s.Audit.Enqueue(models.Actor{IP: "10.0.0.1"}.Event("case.view", "case", "lost"))
	if err := s.Audit.Drain(ctx); err == nil {
		t.Fatal("Drain reported no error for a group that could not be saved")
	}
	if !strings.Contains(logged.String(), "queued audit events lost") || strings.Contains(logged.String(), "10.0.0.1") {
		t.Fatalf("log: %q", logged.String())
	}
	if err := s.DB.Write.Exec("ALTER TABLE audit_events_away RENAME TO audit_events").Error; err != nil {
		t.Fatal(err)
	}
	if err := s.Audit.Record(ctx, models.Actor{}.Event("case.view", "case", "after")); err != nil {
		t.Fatalf("the store after a failed group: %v", err)
	}
}

// A queued event whose group failed before anyone drained (its hold ran out, nobody
// waiting) is still reported by the next Drain, once: shutdown must not say all was
// saved when views were lost.
func TestDrainReportsEventsLostBeforeIt(t *testing.T) {
	s := dbtest.Stores(t, dbtest.NewClock(time.Date(2021, 3, 1, 9, 0, 0, 0, time.UTC)))
	logged := &dbtest.SyncBuffer{}
	s.Audit.Log = slog.New(slog.NewTextHandler(logged, nil))
	if err := s.DB.Write.Exec("ALTER TABLE audit_events RENAME TO audit_events_away").Error; err != nil {
		t.Fatal(err)
	}
	s.Audit.Enqueue(models.Actor{IP: "10.0.0.1"}.Event("case.view", "case", "lost"))
	for deadline := time.Now().Add(30 * time.Second); !strings.Contains(logged.String(), "queued audit events lost"); {
		if time.Now().After(deadline) {
			t.Fatal("the queued event's group was not saved (nor failed) within 30 s")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err := s.DB.Write.Exec("ALTER TABLE audit_events_away RENAME TO audit_events").Error; err != nil {
		t.Fatal(err)
	}
	if err := s.Audit.Drain(t.Context()); err == nil {
		t.Fatal("Drain reported nothing for an event lost before it")
	}
	if err := s.Audit.Drain(t.Context()); err != nil {
		t.Fatalf("a second Drain reported the same loss again: %v", err)
	}
}
