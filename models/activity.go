package models

import "time"

// ActivityKind is a kind of individual follow-up with a beneficiary.
type ActivityKind string

// ActivityKinds lists every kind in form order.
var ActivityKinds = []ActivityKind{"counselling", "psychosocial", "monitoring"}

// Activity is a dated piece of individual casework.
type Activity struct {
	ID     uint
	CaseID uint
	Kind   ActivityKind
	// Mode says how a monitoring visit happened: in_person or phone.
	Mode        string
	Date        Date
	Note        string
	CreatedByID uint
	CreatedBy   *User
	CreatedAt   time.Time
}
