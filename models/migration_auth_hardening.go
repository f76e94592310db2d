package models

import (
	"fmt"
	"time"

	"gorm.io/gorm"
)

// m7LoginAttempt is login_attempts as 0007_auth_hardening leaves it: the throttles of
// the second step (per pending session) and of the current password (per user) count
// their own rows.
type m7LoginAttempt struct {
	ID        uint      `gorm:"primaryKey"`
	Email     string    `gorm:"size:254;not null"`
	IP        string    `gorm:"size:64;not null"`
	SessionID string    `gorm:"size:64;not null;default:'';index:idx_login_attempts_session_at,priority:1"`
	UserID    *uint     `gorm:"index:idx_login_attempts_user_at,priority:1"`
	At        time.Time `gorm:"index:idx_login_attempts_session_at,priority:2;index:idx_login_attempts_user_at,priority:2"`
}

func (m7LoginAttempt) TableName() string { return "login_attempts" }

// migrateAuthHardening adds the throttle columns and widens users.totp_secret for
// encrypted secrets ("enc1:KEYID:" and the AES-GCM ciphertext in base64, about 90
// characters; it was 64 on PostgreSQL). The secrets already saved in clear stay so
// here: a migration has no key. The server encrypts them when it starts
// (UserStore.SealTOTPSecrets), and any secret read in clear meanwhile is encrypted on
// use.
func migrateAuthHardening(tx *gorm.DB) error {
	m := tx.Migrator()
	for _, col := range []string{"SessionID", "UserID"} {
		if !m.HasColumn(&m7LoginAttempt{}, col) {
			if err := m.AddColumn(&m7LoginAttempt{}, col); err != nil {
				return fmt.Errorf("add login_attempts.%s: %w", col, err)
			}
		}
	}
	for _, idx := range []string{"idx_login_attempts_session_at", "idx_login_attempts_user_at"} {
		if !m.HasIndex(&m7LoginAttempt{}, idx) {
			if err := m.CreateIndex(&m7LoginAttempt{}, idx); err != nil {
				return fmt.Errorf("create index %s: %w", idx, err)
			}
		}
	}
	if tx.Dialector.Name() == "postgres" {
		if err := tx.Exec("ALTER TABLE users ALTER COLUMN totp_secret TYPE varchar(255)").Error; err != nil {
			return fmt.Errorf("widen users.totp_secret: %w", err)
		}
	}
	return nil
}
