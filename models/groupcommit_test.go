package models_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"

	"awda/models"
	"awda/models/dbtest"
)

// probeDB is a database with a one-column table the tests write to.
func probeDB(t *testing.T) *models.DB {
	t.Helper()
	db := dbtest.Open(t)
	if err := db.Write.Exec("CREATE TABLE group_probe (v TEXT PRIMARY KEY)").Error; err != nil {
		t.Fatal(err)
	}
	return db
}

func insertProbe(tx *gorm.DB, v string) error {
	return tx.Exec("INSERT INTO group_probe (v) VALUES (?)", v).Error
}

func probeValues(t *testing.T, db *models.DB) []string {
	t.Helper()
	var vs []string
	if err := db.Read.Raw("SELECT v FROM group_probe ORDER BY v").Scan(&vs).Error; err != nil {
		t.Fatal(err)
	}
	return vs
}

// Transactions committed together keep their own outcomes: a failed one and a panicking
// one are undone alone, one whose request has gone is not run, and the others are saved,
// each seeing the writes of those before it.
func TestGroupedTransactionsKeepTheirOwnOutcome(t *testing.T) {
	db := probeDB(t)
	refused := errors.New("refused")
	gone, cancel := context.WithCancel(t.Context())
	cancel()
	var sawA int64
	ctxs := []context.Context{t.Context(), t.Context(), t.Context(), gone, t.Context()}
	fns := []func(tx *gorm.DB) error{
		func(tx *gorm.DB) error { return insertProbe(tx, "a") },
		func(tx *gorm.DB) error {
			if err := insertProbe(tx, "b"); err != nil {
				return err
			}
			return refused
		},
		func(tx *gorm.DB) error {
			if err := insertProbe(tx, "c"); err != nil {
				return err
			}
			panic("boom")
		},
		func(tx *gorm.DB) error { return insertProbe(tx, "gone") },
		func(tx *gorm.DB) error {
			if err := tx.Raw("SELECT COUNT(*) FROM group_probe WHERE v = 'a'").Scan(&sawA).Error; err != nil {
				return err
			}
			// A store's own nested transaction is a savepoint inside the group's.
			return tx.Transaction(func(tx *gorm.DB) error { return insertProbe(tx, "d") })
		},
	}
	out := models.RunGroup(db, ctxs, fns)
	if out[0].Err != nil || out[4].Err != nil {
		t.Fatalf("the sound transactions failed: %v, %v", out[0].Err, out[4].Err)
	}
	if !errors.Is(out[1].Err, refused) {
		t.Errorf("the failed transaction's error = %v, want its own", out[1].Err)
	}
	if !out[2].Panicked || out[2].PanicValue != "boom" {
		t.Errorf("the panicking transaction = %+v, want its panic carried back", out[2])
	}
	if !errors.Is(out[3].Err, context.Canceled) {
		t.Errorf("the transaction whose request had gone = %v, want context.Canceled", out[3].Err)
	}
	if sawA != 1 {
		t.Errorf("a later transaction of the group saw %d rows of an earlier one, want 1", sawA)
	}
	if got, want := probeValues(t, db), []string{"a", "d"}; !slices.Equal(got, want) {
		t.Errorf("saved %v, want %v", got, want)
	}
}

// A group that cannot commit saves nothing, and every transaction of it is told the
// database is unavailable (the user sends the form again), none that it succeeded.
func TestGroupThatCannotCommitSavesNothing(t *testing.T) {
	db := probeDB(t)
	ctxs := []context.Context{t.Context(), t.Context(), t.Context()}
	fns := []func(tx *gorm.DB) error{
		func(tx *gorm.DB) error { return insertProbe(tx, "a") },
		// Ends the group's transaction under it, as SQLite does on an interrupted write.
		func(tx *gorm.DB) error { return tx.Exec("ROLLBACK").Error },
		func(tx *gorm.DB) error { return insertProbe(tx, "c") },
	}
	for i, o := range models.RunGroup(db, ctxs, fns) {
		if !errors.Is(o.Err, models.ErrUnavailable) {
			t.Errorf("transaction %d: %v, want ErrUnavailable", i, o.Err)
		}
	}
	if got := probeValues(t, db); len(got) != 0 {
		t.Errorf("saved %v, want nothing", got)
	}
	if err := db.Tx(t.Context(), func(tx *gorm.DB) error { return insertProbe(tx, "after") }); err != nil {
		t.Fatalf("the writer is unusable after a broken group: %v", err)
	}
}

// Concurrent writers through DB.Tx: every acknowledged transaction is saved, a failed
// one is not, a panic reaches its own caller, and one still queued when its request goes
// is neither run nor left waiting.
func TestConcurrentTransactionsThroughTheQueue(t *testing.T) {
	db := probeDB(t)
	release := make(chan struct{})
	holding := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		err := db.Tx(t.Context(), func(tx *gorm.DB) error {
			close(holding)
			<-release
			return insertProbe(tx, "first")
		})
		if err != nil {
			t.Errorf("first: %v", err)
		}
	}()
	<-holding

	const writers = 20
	errs := make([]error, writers)
	for i := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = db.Tx(t.Context(), func(tx *gorm.DB) error {
				if err := insertProbe(tx, fmt.Sprintf("w%02d", i)); err != nil {
					return err
				}
				if i%5 == 0 {
					return errors.New("refused")
				}
				return nil
			})
		}()
	}
	panicked := make(chan any, 1)
	wg.Add(1)
	go func() {
		defer wg.Done()
		defer func() { panicked <- recover() }()
		_ = db.Tx(t.Context(), func(tx *gorm.DB) error {
			if err := insertProbe(tx, "panic"); err != nil {
				return err
			}
			panic("boom")
		})
	}()
	gone, cancel := context.WithCancel(t.Context())
	goneErr := make(chan error, 1)
	queued := models.QueuedWrites(db) >= 0
	if queued {
		// SQLite: wait until everyone queues behind the first, then let one request go.
		deadline := time.Now().Add(10 * time.Second)
		for models.QueuedWrites(db) < writers+1 && time.Now().Before(deadline) {
			time.Sleep(time.Millisecond)
		}
		if n := models.QueuedWrites(db); n < writers+1 {
			t.Fatalf("%d transactions queued, want %d", n, writers+1)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			goneErr <- db.Tx(gone, func(tx *gorm.DB) error { return insertProbe(tx, "gone") })
		}()
		for models.QueuedWrites(db) < writers+2 && time.Now().Before(deadline) {
			time.Sleep(time.Millisecond)
		}
		cancel()
	}
	close(release)
	wg.Wait()
	cancel()

	want := []string{"first"}
	for i, err := range errs {
		switch {
		case i%5 == 0 && err == nil:
			t.Errorf("writer %d: refused transaction reported saved", i)
		case i%5 != 0 && err != nil:
			t.Errorf("writer %d: %v", i, err)
		case i%5 != 0:
			want = append(want, fmt.Sprintf("w%02d", i))
		}
	}
	if v := <-panicked; v != "boom" {
		t.Errorf("the panicking caller recovered %v, want its own panic", v)
	}
	if queued {
		if err := <-goneErr; !errors.Is(err, context.Canceled) {
			t.Errorf("the transaction whose request went while queued: %v, want context.Canceled", err)
		}
	}
	slices.Sort(want)
	if got := probeValues(t, db); !slices.Equal(got, want) {
		t.Errorf("saved %v, want %v", got, want)
	}
}

// Closing the database refuses the transactions still queued rather than leaving their
// callers waiting.
func TestCloseRefusesQueuedTransactions(t *testing.T) {
	db := probeDB(t)
	if models.QueuedWrites(db) < 0 {
		t.Skip("PostgreSQL queues no transactions")
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	err := db.Tx(t.Context(), func(tx *gorm.DB) error { return insertProbe(tx, "late") })
	if !errors.Is(err, models.ErrUnavailable) {
		t.Errorf("a transaction after Close: %v, want ErrUnavailable", err)
	}
}
