package models

import "time"

// RecoveryCode is a one-time code to sign in when the authenticator is lost; only its
// hash is kept.
type RecoveryCode struct {
	ID        uint
	UserID    uint
	CodeHash  string
	UsedAt    *time.Time
	CreatedAt time.Time
}
