package models

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
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

// sessionRow is one row of the session lookup: the session, its user and the user's
// office (NULL columns for a user bound to no office), read by one joined query.
type sessionRow struct {
	ID                  string
	UserID              uint
	CreatedAt           time.Time
	LastSeenAt          time.Time
	MFAPending          bool `gorm:"column:mfa_pending"`
	IP                  string
	UEmail              string
	UName               string
	URole               Role
	UOfficeID           *uint
	ULanguage           string
	UPasswordHash       string
	UMustChangePassword bool
	UActive             bool
	UTOTPSecret         string `gorm:"column:u_totp_secret"`
	UTOTPEnabled        bool   `gorm:"column:u_totp_enabled"`
	UTOTPLastStep       int64  `gorm:"column:u_totp_last_step"`
	ULastLoginAt        *time.Time
	UPasswordChangedAt  *time.Time
	UCreatedAt          time.Time
	UUpdatedAt          time.Time
	OID                 *uint `gorm:"column:o_id"`
	OCode               *string
	OName               *string
	OCity               *string
	OCreatedAt          *time.Time
	OUpdatedAt          *time.Time
}

// lookupSQL finds a live session with its active user and office in one round trip
// (it runs on every request, so three queries there were most of a page's cost).
const lookupSQL = `SELECT s.id, s.user_id, s.created_at, s.last_seen_at, s.mfa_pending, s.ip,
	u.email AS u_email, u.name AS u_name, u.role AS u_role, u.office_id AS u_office_id,
	u.language AS u_language, u.password_hash AS u_password_hash,
	u.must_change_password AS u_must_change_password, u.active AS u_active,
	u.totp_secret AS u_totp_secret, u.totp_enabled AS u_totp_enabled, u.totp_last_step AS u_totp_last_step,
	u.last_login_at AS u_last_login_at, u.password_changed_at AS u_password_changed_at,
	u.created_at AS u_created_at, u.updated_at AS u_updated_at,
	o.id AS o_id, o.code AS o_code, o.name AS o_name, o.city AS o_city,
	o.created_at AS o_created_at, o.updated_at AS o_updated_at
FROM login_sessions s
JOIN users u ON u.id = s.user_id
LEFT JOIN offices o ON o.id = u.office_id
WHERE s.id = ? AND s.revoked_at IS NULL AND u.active = ?`

// scanSessionRow reads one row of lookupSQL, column by column in its order.
func scanSessionRow(rows *sql.Rows, r *sessionRow) error {
	return rows.Scan(&r.ID, &r.UserID, &r.CreatedAt, &r.LastSeenAt, &r.MFAPending, &r.IP,
		&r.UEmail, &r.UName, &r.URole, &r.UOfficeID, &r.ULanguage, &r.UPasswordHash,
		&r.UMustChangePassword, &r.UActive, &r.UTOTPSecret, &r.UTOTPEnabled, &r.UTOTPLastStep,
		&r.ULastLoginAt, &r.UPasswordChangedAt, &r.UCreatedAt, &r.UUpdatedAt,
		&r.OID, &r.OCode, &r.OName, &r.OCity, &r.OCreatedAt, &r.OUpdatedAt)
}

func (r *sessionRow) session() *LoginSession {
	u := &User{ID: r.UserID, Email: r.UEmail, Name: r.UName, Role: r.URole, OfficeID: r.UOfficeID,
		Language: r.ULanguage, PasswordHash: r.UPasswordHash, MustChangePassword: r.UMustChangePassword,
		Active: r.UActive, TOTPSecret: r.UTOTPSecret, TOTPEnabled: r.UTOTPEnabled, TOTPLastStep: r.UTOTPLastStep,
		LastLoginAt: r.ULastLoginAt, PasswordChangedAt: r.UPasswordChangedAt, CreatedAt: r.UCreatedAt, UpdatedAt: r.UUpdatedAt}
	if r.OID != nil {
		o := &Office{ID: *r.OID}
		if r.OCode != nil {
			o.Code = *r.OCode
		}
		if r.OName != nil {
			o.Name = *r.OName
		}
		if r.OCity != nil {
			o.City = *r.OCity
		}
		if r.OCreatedAt != nil {
			o.CreatedAt = *r.OCreatedAt
		}
		if r.OUpdatedAt != nil {
			o.UpdatedAt = *r.OUpdatedAt
		}
		u.Office = o
	}
	return &LoginSession{ID: r.ID, UserID: r.UserID, User: u, CreatedAt: r.CreatedAt, LastSeenAt: r.LastSeenAt,
		MFAPending: r.MFAPending, IP: r.IP}
}

// Lookup returns the live session for a token with its user and office, or ErrNotFound
// when the token is unknown, ended, idle for more than IdleTimeout, older than
// AbsoluteTimeout, or its user is deactivated. One query reads all three; activity is
// written at most once a minute.
func (s *SessionStore) Lookup(ctx context.Context, token string) (*LoginSession, error) {
	if token == "" {
		return nil, ErrNotFound
	}
	rows, err := collectRows(s.db.Read.WithContext(ctx).Raw(lookupSQL, hashToken(token), true), scanSessionRow)
	if err != nil {
		return nil, fmt.Errorf("find session: %w", err)
	}
	if len(rows) == 0 {
		return nil, ErrNotFound
	}
	ls := rows[0].session()
	now := s.now().UTC()
	if now.Sub(ls.LastSeenAt) > IdleTimeout || now.Sub(ls.CreatedAt) > AbsoluteTimeout {
		return nil, ErrNotFound
	}
	if now.Sub(ls.LastSeenAt) >= time.Minute {
		if err := s.db.Write.WithContext(ctx).Model(&LoginSession{}).Where("id = ?", ls.ID).
			Update("last_seen_at", now).Error; err != nil {
			return nil, fmt.Errorf("touch session: %w", err)
		}
		ls.LastSeenAt = now
	}
	return ls, nil
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
