package models

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
	"gorm.io/gorm"
)

// Two-factor sign-in with time-based one-time passwords (RFC 6238): 6 digits, SHA-1,
// 30-second steps, which every authenticator app understands.
const (
	TOTPIssuer        = "Awda"
	totpPeriod        = 30
	RecoveryCodeCount = 10
)

var totpOpts = totp.ValidateOpts{Period: totpPeriod, Skew: 0, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1}

// TOTPURL is the otpauth:// address an authenticator app reads from the QR code.
func TOTPURL(secret, email string) string {
	v := url.Values{}
	v.Set("secret", secret)
	v.Set("issuer", TOTPIssuer)
	v.Set("algorithm", "SHA1")
	v.Set("digits", "6")
	v.Set("period", fmt.Sprint(totpPeriod))
	return "otpauth://totp/" + url.PathEscape(TOTPIssuer+":"+email) + "?" + v.Encode()
}

// TOTPCode is the code an authenticator shows for a secret at time t (for tests and the
// command line).
func TOTPCode(secret string, t time.Time) (string, error) {
	return totp.GenerateCodeCustom(secret, t, totpOpts)
}

// BeginTOTP returns the secret being enrolled for a user who has not turned two-factor
// sign-in on yet, generating and saving a new one the first time.
func (s *UserStore) BeginTOTP(ctx context.Context, userID uint) (string, error) {
	u, err := s.Get(ctx, userID)
	if err != nil {
		return "", err
	}
	if u.TOTPEnabled {
		return "", fmt.Errorf("totp already on: %w", ErrForbidden)
	}
	if u.TOTPSecret != "" {
		return s.totpSecret(ctx, u.ID, u.TOTPSecret)
	}
	key, err := totp.Generate(totp.GenerateOpts{Issuer: TOTPIssuer, AccountName: u.Email, Period: totpPeriod,
		Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		return "", fmt.Errorf("generate totp secret: %w", err)
	}
	sealed, err := s.TOTPKeys.Seal(u.ID, key.Secret())
	if err != nil {
		return "", err
	}
	if err := s.db.Write.WithContext(ctx).Model(&User{}).Where("id = ? AND totp_enabled = ?", userID, false).
		Update("totp_secret", sealed).Error; err != nil {
		return "", fmt.Errorf("save totp secret: %w", err)
	}
	return key.Secret(), nil
}

// matchStep returns the time step (within one step of now, for clock drift) whose code
// is the one typed, or 0.
func matchStep(secret, code string, now time.Time) int64 {
	code = strings.TrimSpace(code)
	if len(code) != 6 || secret == "" {
		return 0
	}
	cur := now.Unix() / totpPeriod
	for _, step := range []int64{cur - 1, cur, cur + 1} {
		ok, err := totp.ValidateCustom(code, secret, time.Unix(step*totpPeriod, 0).UTC(), totpOpts)
		if err == nil && ok {
			return step
		}
	}
	return 0
}

// EnableTOTP confirms enrolment with a first code, turns two-factor sign-in on and
// returns the recovery codes, shown once (only their hashes are kept).
func (s *UserStore) EnableTOTP(ctx context.Context, actor Actor, userID uint, code string) ([]string, error) {
	codes := make([]string, RecoveryCodeCount)
	for i := range codes {
		codes[i] = newRecoveryCode()
	}
	now := s.now().UTC()
	err := s.db.Tx(ctx, func(tx *gorm.DB) error {
		u, err := lockUser(tx, userID)
		if err != nil {
			return err
		}
		if u.TOTPEnabled {
			return fmt.Errorf("totp already on: %w", ErrForbidden)
		}
		secret, _, err := s.TOTPKeys.Open(userID, u.TOTPSecret)
		if err != nil {
			return err
		}
		step := matchStep(secret, code, now)
		if step == 0 {
			return FieldErrors{"code": "totp.error_wrong"}.Err()
		}
		if err := tx.Model(&User{}).Where("id = ?", userID).Updates(map[string]any{
			"totp_enabled": true, "totp_last_step": step, "updated_at": now}).Error; err != nil {
			return fmt.Errorf("enable totp: %w", err)
		}
		if err := replaceRecoveryCodes(tx, userID, codes, now); err != nil {
			return err
		}
		ev := actor.Event("totp.enable", "user", fmt.Sprint(userID))
		ev.Fields = "totp"
		return s.audit.RecordTx(tx, ev)
	})
	if err != nil {
		return nil, err
	}
	return codes, nil
}

func replaceRecoveryCodes(tx *gorm.DB, userID uint, codes []string, now time.Time) error {
	if err := tx.Where("user_id = ?", userID).Delete(&RecoveryCode{}).Error; err != nil {
		return fmt.Errorf("drop recovery codes: %w", err)
	}
	if len(codes) == 0 {
		return nil
	}
	rows := make([]RecoveryCode, len(codes))
	for i, c := range codes {
		rows[i] = RecoveryCode{UserID: userID, CodeHash: hashRecoveryCode(c), CreatedAt: now}
	}
	if err := tx.Create(&rows).Error; err != nil {
		return fmt.Errorf("save recovery codes: %w", err)
	}
	return nil
}

// DisableTOTP turns two-factor sign-in off after checking the password (throttled as
// CheckCurrentPassword, and outside the write transaction: a hash holds no lock), and
// forgets the secret and the recovery codes.
func (s *UserStore) DisableTOTP(ctx context.Context, actor Actor, u *User, password string) error {
	ok, err := s.CheckCurrentPassword(ctx, u, password)
	if err != nil {
		return err
	}
	if !ok {
		return FieldErrors{"password": "error.password_wrong"}.Err()
	}
	userID := u.ID
	now := s.now().UTC()
	return s.db.Tx(ctx, func(tx *gorm.DB) error {
		if _, err := lockUser(tx, userID); err != nil {
			return err
		}
		if err := tx.Model(&User{}).Where("id = ?", userID).Updates(map[string]any{
			"totp_enabled": false, "totp_secret": "", "totp_last_step": 0, "updated_at": now}).Error; err != nil {
			return fmt.Errorf("disable totp: %w", err)
		}
		if err := replaceRecoveryCodes(tx, userID, nil, now); err != nil {
			return err
		}
		ev := actor.Event("totp.disable", "user", fmt.Sprint(userID))
		ev.Fields = "totp"
		return s.audit.RecordTx(tx, ev)
	})
}

// VerifySecondFactor checks a code from the authenticator or a recovery code after the
// password, in the session waiting for it (sessionID, the session's stored id). Each
// code works once: the accepted time step is remembered and an older or equal one is
// refused; a recovery code is marked used. The attempt is reserved before the code is
// checked (reserveAttempt): MaxTOTPFailures wrong codes per pending session, and the
// email's sign-in limit shared with passwords, then ErrThrottled. Each is recorded.
func (s *UserStore) VerifySecondFactor(ctx context.Context, userID uint, sessionID, code, ip string) error {
	now := s.now().UTC()
	u, err := s.Get(ctx, userID)
	if err != nil {
		return err
	}
	id, err := s.reserveAttempt(ctx, loginAttempt{Email: u.Email, IP: ip, SessionID: sessionID, Kind: attemptTOTP},
		throttleLimit{"session:" + sessionID, "session_id = ? AND kind = ?", []any{sessionID, attemptTOTP}, MaxTOTPFailures},
		throttleLimit{"email:" + u.Email, "email = ? AND kind IN ?", []any{u.Email, signInKinds}, MaxEmailFailures})
	if errors.Is(err, ErrThrottled) {
		s.auditTOTPAttempt(ctx, u, ip, "login_totp_failed")
		return ErrThrottled
	}
	if err != nil {
		return err
	}
	if !u.TOTPEnabled {
		return ErrBadCredentials
	}
	// A secret under a key the server no longer has (logged at start) makes the
	// authenticator's codes unusable, but recovery codes still work.
	secret, err := s.totpSecret(ctx, u.ID, u.TOTPSecret)
	if err != nil && !errors.Is(err, ErrNoTOTPKey) {
		s.releaseAttempt(ctx, id)
		return err
	}
	ok := false
	action := "login_totp"
	if step := matchStep(secret, code, now); step != 0 {
		res := s.db.Write.WithContext(ctx).Model(&User{}).
			Where("id = ? AND totp_last_step < ?", userID, step).Update("totp_last_step", step)
		if res.Error != nil {
			return fmt.Errorf("remember totp step: %w", res.Error)
		}
		ok = res.RowsAffected == 1
	} else if norm := normaliseRecoveryCode(code); len(norm) == 10 {
		res := s.db.Write.WithContext(ctx).Model(&RecoveryCode{}).
			Where("user_id = ? AND code_hash = ? AND used_at IS NULL", userID, hashRecoveryCode(norm)).Update("used_at", now)
		if res.Error != nil {
			return fmt.Errorf("use recovery code: %w", res.Error)
		}
		ok = res.RowsAffected == 1
		action = "recovery_code.use"
	}
	if !ok {
		s.auditTOTPAttempt(ctx, u, ip, "login_totp_failed")
		return ErrBadCredentials
	}
	if err := s.succeedAttempt(ctx, id); err != nil {
		return err
	}
	s.auditTOTPAttempt(ctx, u, ip, action)
	return nil
}

func (s *UserStore) auditTOTPAttempt(ctx context.Context, u *User, ip string, action string) {
	id := u.ID
	_ = s.audit.Record(ctx, AuditEvent{At: s.now().UTC(), UserID: &id, UserEmail: u.Email, IP: ip, Action: action,
		RecordType: "user", RecordID: fmt.Sprint(u.ID)})
}

// RecoveryCodesLeft counts a user's unused recovery codes.
func (s *UserStore) RecoveryCodesLeft(ctx context.Context, userID uint) (int64, error) {
	var n int64
	err := s.db.Read.WithContext(ctx).Model(&RecoveryCode{}).Where("user_id = ? AND used_at IS NULL", userID).Count(&n).Error
	return n, err
}

var recoveryEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

// newRecoveryCode is 10 random base32 characters (50 bits), written xxxxx-xxxxx.
func newRecoveryCode() string {
	b := make([]byte, 7)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	s := strings.ToLower(recoveryEncoding.EncodeToString(b))[:10]
	return s[:5] + "-" + s[5:]
}

func normaliseRecoveryCode(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	return strings.NewReplacer("-", "", " ", "").Replace(s)
}

// hashRecoveryCode: the codes are random and long enough that a fast hash suffices.
func hashRecoveryCode(code string) string {
	sum := sha256.Sum256([]byte("awda-recovery:" + normaliseRecoveryCode(code)))
	return hex.EncodeToString(sum[:])
}
