package models

import (
	"context"

	"gorm.io/gorm"
)

// GroupOutcome is what one transaction of a group run by RunGroup came to.
type GroupOutcome struct {
	Err        error
	Panicked   bool
	PanicValue any
}

// RunGroup runs the transactions as one group of the grouped commit, on any database,
// without the queue: a test then knows they were grouped.
func RunGroup(db *DB, ctxs []context.Context, fns []func(tx *gorm.DB) error) []GroupOutcome {
	g := &groupCommit{write: db.Write}
	group := make([]*queuedTx, len(fns))
	for i, fn := range fns {
		group[i] = &queuedTx{ctx: ctxs[i], fn: fn, result: make(chan txOutcome, 1)}
	}
	g.run(group)
	out := make([]GroupOutcome, len(group))
	for i, q := range group {
		o := <-q.result
		out[i] = GroupOutcome{Err: o.err, Panicked: o.panicked, PanicValue: o.panicValue}
	}
	return out
}

// QueuedWrites is how many transactions wait for SQLite's writer (-1 on PostgreSQL).
func QueuedWrites(db *DB) int {
	if db.writes == nil {
		return -1
	}
	return len(db.writes.queue)
}
