package models

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"gorm.io/gorm"
)

// groupCommit runs the write transactions queued for SQLite's one writer together.
// Under load a write waited its turn, then spent half of its time on the writer in its
// COMMIT (its WAL frames, the fsync, now and then a checkpoint): fifty busy users'
// saves queued for a quarter of a second. The transactions that queued while one group
// ran now run in the next group, each as a savepoint of one transaction, and share its
// COMMIT.
//
// Each transaction keeps its own outcome: one that fails or panics is rolled back to its
// savepoint alone, and the others commit. A caller hears of success only once the
// COMMIT is durable. If the group as a whole cannot commit, every transaction of it is
// reported unavailable (the user sends the form again): none of it was saved.
//
// A queued transaction whose request has already gone is skipped. One that has started
// runs to its end even if its request is cancelled meanwhile: interrupting a statement
// makes SQLite roll back the whole transaction, the others' work with it.
type groupCommit struct {
	write *gorm.DB
	queue chan *queuedTx
	// closing stops the loop; closed is closed when it has stopped.
	closing   chan struct{}
	closed    chan struct{}
	closeOnce sync.Once
}

// queuedTx is one caller's transaction, and where its result goes.
type queuedTx struct {
	ctx    context.Context
	fn     func(tx *gorm.DB) error
	result chan txOutcome
}

// txOutcome is what one transaction of a group came to: its error, or the value it
// panicked with (raised again in the caller's goroutine, as a transaction run there
// would have).
type txOutcome struct {
	err        error
	panicked   bool
	panicValue any
}

// maxGroupedTx bounds a group, so a long queue is committed in steps and the first
// callers hear back without waiting for the last.
const maxGroupedTx = 32

// groupSavepoint names each grouped transaction's savepoint. The transactions run one
// after another, so one name serves them all; a store's own nested transactions take
// savepoints of other names inside it.
const groupSavepoint = "awda_grouped_tx"

var errGroupBroken = errors.New("the grouped transaction was rolled back")

// errWriterClosed answers a transaction the closed database will not run.
var errWriterClosed = fmt.Errorf("%w: the database is closed", ErrUnavailable)

func newGroupCommit(write *gorm.DB) *groupCommit {
	g := &groupCommit{
		write:   write,
		queue:   make(chan *queuedTx, 4*maxGroupedTx),
		closing: make(chan struct{}),
		closed:  make(chan struct{}),
	}
	go g.loop()
	return g
}

// Tx queues fn and returns its outcome once its group has committed.
func (g *groupCommit) Tx(ctx context.Context, fn func(tx *gorm.DB) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	select {
	case <-g.closing:
		return errWriterClosed
	default:
	}
	q := &queuedTx{ctx: ctx, fn: fn, result: make(chan txOutcome, 1)}
	select {
	case g.queue <- q:
	case <-ctx.Done():
		return ctx.Err()
	case <-g.closing:
		return errWriterClosed
	}
	// Once queued, the transaction may run: wait for its outcome, whatever happens to
	// ctx, so a write that was saved is never reported as failed. Only a stopped loop,
	// which answered all it took, ends the wait without one.
	var out txOutcome
	select {
	case out = <-q.result:
	case <-g.closed:
		select {
		case out = <-q.result:
		default:
			return errWriterClosed
		}
	}
	if out.panicked {
		panic(out.panicValue)
	}
	return out.err
}

// close stops the loop after the group it is running; transactions still queued are
// reported unavailable.
func (g *groupCommit) close() {
	g.closeOnce.Do(func() { close(g.closing) })
	<-g.closed
}

func (g *groupCommit) loop() {
	defer close(g.closed)
	for {
		var first *queuedTx
		select {
		case first = <-g.queue:
		case <-g.closing:
			g.refuseQueued()
			return
		}
		group := []*queuedTx{first}
	gather:
		for len(group) < maxGroupedTx {
			select {
			case q := <-g.queue:
				group = append(group, q)
			default:
				break gather
			}
		}
		g.run(group)
	}
}

func (g *groupCommit) refuseQueued() {
	for {
		select {
		case q := <-g.queue:
			q.result <- txOutcome{err: errWriterClosed}
		default:
			return
		}
	}
}

// run commits one group. A transaction alone runs as it always did, under its own
// context.
func (g *groupCommit) run(group []*queuedTx) {
	live := make([]*queuedTx, 0, len(group))
	for _, q := range group {
		if err := q.ctx.Err(); err != nil {
			q.result <- txOutcome{err: err}
			continue
		}
		live = append(live, q)
	}
	switch len(live) {
	case 0:
		return
	case 1:
		q := live[0]
		q.result <- runCatching(func() error { return g.write.WithContext(q.ctx).Transaction(q.fn) })
		return
	}
	outcomes := make([]txOutcome, len(live))
	err := g.write.Transaction(func(tx *gorm.DB) error {
		for i, q := range live {
			out, err := runSavepoint(tx, q)
			if err != nil {
				return err
			}
			outcomes[i] = out
		}
		return nil
	})
	for i, q := range live {
		if err != nil {
			outcomes[i] = txOutcome{err: fmt.Errorf("%w: %w", ErrUnavailable, err)}
		}
		q.result <- outcomes[i]
	}
}

// runSavepoint runs one transaction of a group inside a savepoint of tx, and rolls
// back to it if the transaction fails. The error it returns is the group's: its
// transaction can no longer commit.
func runSavepoint(tx *gorm.DB, q *queuedTx) (txOutcome, error) {
	if err := tx.Exec("SAVEPOINT " + groupSavepoint).Error; err != nil {
		return txOutcome{}, fmt.Errorf("open savepoint: %w", err)
	}
	session := tx.Session(&gorm.Session{NewDB: true, Context: context.WithoutCancel(q.ctx)})
	out := runCatching(func() error { return q.fn(session) })
	if out.err != nil || out.panicked {
		if err := tx.Exec("ROLLBACK TO SAVEPOINT " + groupSavepoint).Error; err != nil {
			return txOutcome{}, fmt.Errorf("%w: %w", errGroupBroken, err)
		}
	}
	if err := tx.Exec("RELEASE SAVEPOINT " + groupSavepoint).Error; err != nil {
		return txOutcome{}, fmt.Errorf("%w: %w", errGroupBroken, err)
	}
	return out, nil
}

// runCatching runs fn, turning a panic into an outcome to raise again in the caller.
func runCatching(fn func() error) (out txOutcome) {
	defer func() {
		if v := recover(); v != nil {
			out = txOutcome{panicked: true, panicValue: v}
		}
	}()
	return txOutcome{err: fn()}
}
