package models

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
)

// LoginSession is a signed-in browser. The cookie carries a random token; the table
// keeps only its SHA-256, so sessions can be ended on the server at any time.
type LoginSession struct {
	ID         string
	UserID     uint
	User       *User
	CreatedAt  time.Time
	LastSeenAt time.Time
	RevokedAt  *time.Time
	// MFAPending is true between the password and the second factor: such a session
	// opens no page but the two-factor form.
	MFAPending bool `gorm:"column:mfa_pending"`
	IP         string
}

// SessionStore creates, finds and ends login sessions.
type SessionStore struct {
	db  *DB
	now func() time.Time
}

// NewSessionStore builds the store.
func NewSessionStore(db *DB, now func() time.Time) *SessionStore {
	return &SessionStore{db: db, now: now}
}

func hashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// Create starts a session for a user and returns the token for the cookie (256 bits).
func (s *SessionStore) Create(ctx context.Context, userID uint, ip string, mfaPending bool) (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("session token: %w", err)
	}
	token := hex.EncodeToString(b)
	now := s.now().UTC()
	row := LoginSession{ID: hashToken(token), UserID: userID, CreatedAt: now, LastSeenAt: now, MFAPending: mfaPending, IP: ip}
	if err := s.db.Write.WithContext(ctx).Create(&row).Error; err != nil {
		return "", fmt.Errorf("create session: %w", err)
	}
	return token, nil
}

// Lookup returns the live session for a token with its user, or ErrNotFound when the
// token is unknown, ended, idle for more than IdleTimeout, older than AbsoluteTimeout,
// or its user is deactivated. It records activity at most once a minute.
func (s *SessionStore) Lookup(ctx context.Context, token string) (*LoginSession, error) {
	if token == "" {
		return nil, ErrNotFound
	}
	var ls LoginSession
	err := s.db.Read.WithContext(ctx).Preload("User").Preload("User.Office").
		Where("id = ? AND revoked_at IS NULL", hashToken(token)).First(&ls).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("find session: %w", err)
	}
	now := s.now().UTC()
	if ls.User == nil || !ls.User.Active || now.Sub(ls.LastSeenAt) > IdleTimeout || now.Sub(ls.CreatedAt) > AbsoluteTimeout {
		return nil, ErrNotFound
	}
	if now.Sub(ls.LastSeenAt) >= time.Minute {
		if err := s.db.Write.WithContext(ctx).Model(&LoginSession{}).Where("id = ?", ls.ID).
			Update("last_seen_at", now).Error; err != nil {
			return nil, fmt.Errorf("touch session: %w", err)
		}
		ls.LastSeenAt = now
	}
	return &ls, nil
}

// CompleteMFA marks a session as fully signed in after the second factor.
func (s *SessionStore) CompleteMFA(ctx context.Context, token string) error {
	return s.db.Write.WithContext(ctx).Model(&LoginSession{}).Where("id = ?", hashToken(token)).
		Update("mfa_pending", false).Error
}

// Revoke ends one session.
func (s *SessionStore) Revoke(ctx context.Context, token string) error {
	return s.db.Write.WithContext(ctx).Model(&LoginSession{}).Where("id = ? AND revoked_at IS NULL", hashToken(token)).
		Update("revoked_at", s.now().UTC()).Error
}

// RevokeUser ends every session of a user.
func (s *SessionStore) RevokeUser(ctx context.Context, userID uint) error {
	return revokeUserSessions(s.db.Write.WithContext(ctx), userID, s.now().UTC())
}

func revokeUserSessions(tx *gorm.DB, userID uint, now time.Time) error {
	if err := tx.Model(&LoginSession{}).Where("user_id = ? AND revoked_at IS NULL", userID).
		Update("revoked_at", now).Error; err != nil {
		return fmt.Errorf("end sessions of user %d: %w", userID, err)
	}
	return nil
}
