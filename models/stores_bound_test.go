package models_test

import (
	"context"
	"errors"
	"testing"

	"gorm.io/gorm"

	"awda/models"
)

// Stores bound to a transaction write in it: their reads see the earlier calls' writes,
// a rollback undoes every call, and a commit keeps them. They keep the password
// settings, so a password is still checked through them without a new stand-in hash.
func TestStoresBoundToATransaction(t *testing.T) {
	ctx := context.Background()
	f := newCaseFixture(t)
	errUndo := errors.New("undo the batch")
	var created uint
	err := f.s.DB.Tx(ctx, func(tx *gorm.DB) error {
		b := f.s.Bound(tx)
		if b.Users.Hashing != f.s.Users.Hashing {
			t.Error("bound stores have their own hashing limiter")
		}
		cs, err := b.Cases.Create(ctx, actorOf(f.cw), f.cw.Scope(), validInput())
		if err != nil {
			return err
		}
		created = cs.ID
		if _, err := b.Cases.Get(ctx, f.cw.Scope(), cs.ID); err != nil {
			t.Errorf("the bound stores do not read their own write: %v", err)
		}
		if ok, err := b.Users.CheckCurrentPassword(ctx, f.cw, "correct horse battery"); !ok || err != nil {
			t.Errorf("a password checked through bound stores: %v, %v", ok, err)
		}
		return errUndo
	})
	if !errors.Is(err, errUndo) {
		t.Fatalf("batch: %v", err)
	}
	if _, err := f.s.Cases.Get(ctx, f.cw.Scope(), created); !errors.Is(err, models.ErrNotFound) {
		t.Fatalf("a rolled-back batch left its case: %v", err)
	}

	if err := f.s.DB.Tx(ctx, func(tx *gorm.DB) error {
		cs, err := f.s.Bound(tx).Cases.Create(ctx, actorOf(f.cw), f.cw.Scope(), validInput())
		created = cs.ID
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.Cases.Get(ctx, f.cw.Scope(), created); err != nil {
		t.Fatalf("a committed batch lost its case: %v", err)
	}
}
