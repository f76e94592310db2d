package models

import "context"

// SumUpTo sums, as a home does, the home_tallies rows of the "changed" kinds (or of
// the follow-up kinds, whose buckets start with prefix) up to the day last, through it
// when through, for every office and assignee.
func SumUpTo(ctx context.Context, db *DB, followups bool, prefix string, last Date, through bool) (int64, error) {
	kinds := changedKinds
	if followups {
		kinds = followupKinds
	}
	var t tallySums
	kinds.upTo(t.adder(0, Scope{}, 0), prefix, last, through)
	sums, err := t.sums(db.Read.WithContext(ctx))
	var n int64
	for _, v := range sums {
		n += v[2]
	}
	return n, err
}

// WithLiterals is withLiterals, for its own test.
var WithLiterals = withLiterals
