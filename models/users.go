package models

import (
	"context"
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"time"

	"gorm.io/gorm"
)

// Languages the interface is available in; the first is the default.
var Languages = []string{"fr", "en", "ar"}

// ValidLanguage reports whether lang is one of Languages.
func ValidLanguage(lang string) bool {
	for _, l := range Languages {
		if l == lang {
			return true
		}
	}
	return false
}

// Sign-in limits.
const (
	IdleTimeout      = 30 * time.Minute
	AbsoluteTimeout  = 12 * time.Hour
	ThrottleWindow   = 15 * time.Minute
	MaxEmailFailures = 5
	// MaxIPFailures is higher than the per-email limit: an office shares one address.
	MaxIPFailures = 30
	// MaxTOTPFailures is the wrong codes allowed to one session waiting for its second step.
	MaxTOTPFailures = 5
	// MaxCurrentPasswordFailures is the wrong current passwords allowed to one account
	// (to change the password or turn two-step sign-in off) per ThrottleWindow.
	MaxCurrentPasswordFailures = 5
)

// Kinds of rows in login_attempts.
const (
	attemptPassword = "password" // the sign-in form
	attemptTOTP     = "totp"     // the second step
	attemptCurrent  = "current"  // the current password of a signed-in user
)

// UserStore manages accounts and signing in.
type UserStore struct {
	db    *DB
	now   func() time.Time
	argon Argon2Params
	audit *AuditStore
	dummy string // a hash to verify against for unknown emails, so timing reveals nothing
	// Hashing caps the password hashes computed at once (DefaultHashLimiter).
	Hashing *HashLimiter
	// TOTPKeys encrypt two-step secrets at rest; the server sets them from its
	// configuration. Without keys a secret can be neither saved nor read.
	TOTPKeys *SecretKeys
}

// NewUserStore builds the store.
func NewUserStore(db *DB, now func() time.Time, argon Argon2Params, audit *AuditStore) *UserStore {
	dummy, _ := HashPassword(RandomPassword(), argon)
	return &UserStore{db: db, now: now, argon: argon, audit: audit, dummy: dummy, Hashing: DefaultHashLimiter()}
}

// NormaliseEmail trims and lower-cases an email address.
func NormaliseEmail(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// UserInput is what an administrator or the command line sets on an account.
type UserInput struct {
	Email      string
	Name       string
	Role       Role
	OfficeCode string
	Language   string
	Sex        string // F, M or empty
	// Password is optional: empty means a random one-time password is generated.
	Password string
}

// Validate checks the input and returns errors keyed by form field.
func (in *UserInput) Validate() FieldErrors {
	fe := FieldErrors{}
	// Lower-casing would turn bytes that are not UTF-8 into replacement characters.
	checkText(fe, "email", in.Email, false)
	in.Email = NormaliseEmail(in.Email)
	in.Name = strings.TrimSpace(in.Name)
	in.OfficeCode = strings.ToUpper(strings.TrimSpace(in.OfficeCode))
	if a, err := mail.ParseAddress(in.Email); err != nil || a.Address != in.Email {
		fe.Add("email", "error.email_invalid")
	}
	if in.Name == "" {
		fe.Add("name", "error.required")
	}
	if !in.Role.Valid() {
		fe.Add("role", "error.choose_value")
	}
	checkText(fe, "name", in.Name, false)
	if in.Role == RoleCaseworker && in.OfficeCode == "" {
		fe.Add("office", "error.caseworker_needs_office")
	}
	if in.Role == RoleAdmin && in.OfficeCode != "" {
		fe.Add("office", "limits.error.admin_no_office")
	}
	if in.Language == "" {
		in.Language = Languages[0]
	}
	if !ValidLanguage(in.Language) {
		fe.Add("language", "error.choose_value")
	}
	if !ValidUserSex(in.Sex) {
		fe.Add("sex", "error.choose_value")
	}
	if in.Password != "" {
		if key := CheckPassword(in.Password, in.Name, in.Email); key != "" {
			fe.Add("password", key)
		}
	}
	return fe
}

// Create adds an account. When no password is given, a one-time password is generated,
// returned once, and must be changed at first sign-in.
func (s *UserStore) Create(ctx context.Context, actor Actor, in UserInput) (*User, string, error) {
	if err := in.Validate().Err(); err != nil {
		return nil, "", err
	}
	password, oneTime := in.Password, in.Password == ""
	if oneTime {
		password = RandomPassword()
	}
	hash, err := s.hash(ctx, password)
	if err != nil {
		return nil, "", err
	}
	u := &User{Email: in.Email, Name: in.Name, Role: in.Role, Language: in.Language, Sex: in.Sex,
		PasswordHash: hash, MustChangePassword: oneTime, Active: true}
	err = s.db.Tx(ctx, func(tx *gorm.DB) error {
		if in.OfficeCode != "" {
			var o Office
			if err := tx.Where("code = ?", in.OfficeCode).First(&o).Error; err != nil {
				if errors.Is(err, gorm.ErrRecordNotFound) {
					return FieldErrors{"office": "error.office_unknown"}.Err()
				}
				return err
			}
			u.OfficeID = &o.ID
		}
		if err := checkOfficeInScope(actorScope(actor), u.OfficeID); err != nil {
			return err
		}
		var n int64
		if err := tx.Model(&User{}).Where("email = ?", in.Email).Count(&n).Error; err != nil {
			return err
		}
		if n > 0 {
			return FieldErrors{"email": "error.email_taken"}.Err()
		}
		if err := tx.Create(u).Error; err != nil {
			return fmt.Errorf("create user: %w", err)
		}
		ev := actor.Event("user.create", "user", fmt.Sprint(u.ID))
		ev.Fields = "email,name,role,office,language"
		return s.audit.RecordTx(tx, ev)
	})
	if err != nil {
		return nil, "", err
	}
	if !oneTime {
		password = ""
	}
	return u, password, nil
}

// Get loads an account with its office.
func (s *UserStore) Get(ctx context.Context, id uint) (*User, error) {
	var u User
	err := s.db.Read.WithContext(ctx).Preload("Office").First(&u, id).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("get user %d: %w", id, err)
	}
	return &u, nil
}

// Count returns how many accounts exist, to know whether the portal is new.
func (s *UserStore) Count(ctx context.Context) (int64, error) {
	var n int64
	err := s.db.Read.WithContext(ctx).Model(&User{}).Count(&n).Error
	return n, err
}

// SignIn checks an email and password. It refuses an email or an address with too many
// recent failures whatever the password, spends the same time on an unknown email as on
// a known one, and records the attempt and an audit event. The attempt is recorded as a
// failure before the password is checked (reserveAttempt), so concurrent attempts cannot
// all pass the count; it becomes a success if the password is right.
func (s *UserStore) SignIn(ctx context.Context, email, password, ip string) (*User, error) {
	email = NormaliseEmail(email)
	id, err := s.reserveAttempt(ctx, loginAttempt{Email: email, IP: ip, Kind: attemptPassword},
		throttleLimit{"email:" + email, "email = ? AND kind IN ?", []any{email, signInKinds}, MaxEmailFailures},
		throttleLimit{"ip:" + ip, "ip = ? AND kind IN ?", []any{ip, signInKinds}, MaxIPFailures})
	if errors.Is(err, ErrThrottled) {
		s.auditAttempt(ctx, email, ip, false, nil)
		return nil, ErrThrottled
	}
	if err != nil {
		return nil, err
	}
	var u User
	err = s.db.Read.WithContext(ctx).Preload("Office").Where("email = ?", email).First(&u).Error
	if err != nil && !errors.Is(err, gorm.ErrRecordNotFound) {
		s.releaseAttempt(ctx, id)
		return nil, fmt.Errorf("find user: %w", err)
	}
	found := err == nil
	hash := s.dummy
	if found {
		hash = u.PasswordHash
	}
	ok, verr := s.verify(ctx, password, hash)
	if errors.Is(verr, ErrBusy) || ctx.Err() != nil {
		// Nothing was checked: the attempt does not count.
		s.releaseAttempt(ctx, id)
		return nil, errors.Join(verr, ctx.Err())
	}
	var uid *uint
	if found {
		uid = &u.ID
	}
	if !found || !ok || verr != nil || !u.Active {
		s.auditAttempt(ctx, email, ip, false, uid)
		return nil, ErrBadCredentials
	}
	// The attempt's success, its audit event and the time of the sign-in in one write:
	// each write waits its turn for the one write connection, and a busy office's
	// sign-ins waited three times.
	if err := s.db.Tx(ctx, func(tx *gorm.DB) error {
		if err := tx.Model(&loginAttempt{}).Where("id = ?", id).Update("success", true).Error; err != nil {
			return fmt.Errorf("record attempt: %w", err)
		}
		if err := s.audit.RecordTx(tx, attemptEvent(s.now(), email, ip, true, uid)); err != nil {
			return err
		}
		return tx.Model(&User{}).Where("id = ?", u.ID).Update("last_login_at", s.now().UTC()).Error
	}); err != nil {
		return nil, err
	}
	return &u, nil
}

// signInKinds are the attempts that count towards the sign-in limits of an email and an
// address: passwords and second-step codes, not a signed-in user's current password.
var signInKinds = []string{attemptPassword, attemptTOTP}

// throttleLimit is one count of recent failures an attempt must stay under.
type throttleLimit struct {
	// key names the lock taken while counting (PostgreSQL), e.g. "email:x".
	key string
	// where selects the rows that count, besides failed and recent.
	where string
	args  []any
	max   int64
}

// reserveAttempt records an attempt as a failure before its check, unless one of the
// limits is reached already (ErrThrottled). Counting and recording happen in one write
// transaction that holds the counted keys: on SQLite the one writer connection takes
// the database's write lock first (BEGIN IMMEDIATE), on PostgreSQL an advisory lock per
// key. So a hundred attempts at once see the rows of the ones before them, and at most
// max of them are checked. It returns the row, which succeedAttempt marks when the
// check passes and releaseAttempt forgets when the check could not be made.
func (s *UserStore) reserveAttempt(ctx context.Context, a loginAttempt, limits ...throttleLimit) (uint, error) {
	a.At = s.now().UTC()
	since := a.At.Add(-ThrottleWindow)
	keys := make([]string, len(limits))
	for i, l := range limits {
		keys[i] = "throttle:" + l.key
	}
	err := s.db.Tx(ctx, func(tx *gorm.DB) error {
		if err := s.db.lockKeys(tx, keys...); err != nil {
			return err
		}
		for _, l := range limits {
			var n int64
			if err := tx.Model(&loginAttempt{}).Where("success = ? AND at > ?", false, since).
				Where(l.where, l.args...).Count(&n).Error; err != nil {
				return fmt.Errorf("count attempts: %w", err)
			}
			if n >= l.max {
				return ErrThrottled
			}
		}
		if err := tx.Create(&a).Error; err != nil {
			return fmt.Errorf("record attempt: %w", err)
		}
		return nil
	})
	return a.ID, err
}

// succeedAttempt marks a reserved attempt as successful: it no longer counts.
func (s *UserStore) succeedAttempt(ctx context.Context, id uint) error {
	if err := s.db.Write.WithContext(ctx).Model(&loginAttempt{}).Where("id = ?", id).
		Update("success", true).Error; err != nil {
		return fmt.Errorf("record attempt: %w", err)
	}
	return nil
}

// releaseAttempt forgets a reserved attempt whose check was not made (the server was
// busy, the client went away), even when the request's context has ended.
func (s *UserStore) releaseAttempt(ctx context.Context, id uint) {
	s.db.Write.WithContext(context.WithoutCancel(ctx)).Where("id = ?", id).Delete(&loginAttempt{})
}

// auditAttempt records a sign-in, failed or not, in the audit log.
func (s *UserStore) auditAttempt(ctx context.Context, email, ip string, ok bool, uid *uint) {
	_ = s.audit.Record(ctx, attemptEvent(s.now(), email, ip, ok, uid))
}

// attemptEvent is the audit event of a sign-in at now, failed or not.
func attemptEvent(now time.Time, email, ip string, ok bool, uid *uint) AuditEvent {
	action := "login_failed"
	if ok {
		action = "login"
	}
	ev := AuditEvent{At: now.UTC(), UserID: uid, UserEmail: email, IP: ip, Action: action, RecordType: "user"}
	if uid != nil {
		ev.RecordID = fmt.Sprint(*uid)
	}
	return ev
}

// CheckCurrentPassword checks a signed-in user's password before a sensitive change,
// under its own throttle: MaxCurrentPasswordFailures wrong ones per ThrottleWindow, then
// ErrThrottled whatever the password. It answers whether the password is right.
func (s *UserStore) CheckCurrentPassword(ctx context.Context, u *User, password string) (bool, error) {
	id, err := s.reserveAttempt(ctx, loginAttempt{UserID: &u.ID, Kind: attemptCurrent},
		throttleLimit{fmt.Sprint("user:", u.ID), "user_id = ? AND kind = ?", []any{u.ID, attemptCurrent}, MaxCurrentPasswordFailures})
	if err != nil {
		return false, err
	}
	var hash string
	if err := s.db.Read.WithContext(ctx).Model(&User{}).Where("id = ?", u.ID).Select("password_hash").Scan(&hash).Error; err != nil {
		s.releaseAttempt(ctx, id)
		return false, fmt.Errorf("read password: %w", err)
	}
	ok, err := s.verify(ctx, password, hash)
	if errors.Is(err, ErrBusy) || ctx.Err() != nil {
		s.releaseAttempt(ctx, id)
		return false, errors.Join(err, ctx.Err())
	}
	if !ok || err != nil {
		return false, nil
	}
	return true, s.succeedAttempt(ctx, id)
}

// IsThrottled reports whether an email is currently refused, for the admin's unlock page.
func (s *UserStore) IsThrottled(ctx context.Context, email string) (bool, error) {
	var n int64
	err := s.db.Read.WithContext(ctx).Model(&loginAttempt{}).
		Where("email = ? AND kind IN ? AND success = ? AND at > ?", NormaliseEmail(email), signInKinds, false, s.now().UTC().Add(-ThrottleWindow)).
		Count(&n).Error
	return n >= MaxEmailFailures, err
}

// Unlock forgets an email's recent failures (and its account's wrong current
// passwords), so its owner can try again at once.
func (s *UserStore) Unlock(ctx context.Context, actor Actor, email string) error {
	email = NormaliseEmail(email)
	return s.db.Tx(ctx, func(tx *gorm.DB) error {
		if err := tx.Where("email = ? AND success = ?", email, false).Delete(&loginAttempt{}).Error; err != nil {
			return fmt.Errorf("unlock: %w", err)
		}
		var id uint
		if err := tx.Model(&User{}).Where("email = ?", email).Select("id").Scan(&id).Error; err != nil {
			return fmt.Errorf("unlock: %w", err)
		}
		if err := tx.Where("user_id = ? AND kind = ? AND success = ?", id, attemptCurrent, false).Delete(&loginAttempt{}).Error; err != nil {
			return fmt.Errorf("unlock: %w", err)
		}
		ev := actor.Event("user.unlock", "user", fmt.Sprint(id))
		ev.Fields = "throttle"
		return s.audit.RecordTx(tx, ev)
	})
}

// PasswordChange is the password form: the current password, the new one and its
// confirmation.
type PasswordChange struct {
	Current, Password, Confirm string
}

// Validate checks the new password and its confirmation, without the current password
// (which costs a hash and a throttled attempt).
func (in PasswordChange) Validate(u *User) FieldErrors {
	fe := FieldErrors{}
	if in.Current == in.Password {
		fe.Add("password", "error.password_same")
	}
	if key := CheckPassword(in.Password, u.Name, u.Email); key != "" {
		fe.Add("password", key)
	}
	if in.Confirm != in.Password {
		fe.Add("confirm", "error.password_mismatch")
	}
	return fe
}

// ChangePassword sets a new password after checking the current one, ends every
// session of the user (so a stolen cookie stops working) and records the change. The
// new password and its confirmation are checked first: nothing is saved, and the
// current password is not tried, unless they are right. ErrThrottled after too many
// wrong current passwords.
func (s *UserStore) ChangePassword(ctx context.Context, actor Actor, u *User, in PasswordChange) error {
	if err := in.Validate(u).Err(); err != nil {
		return err
	}
	ok, err := s.CheckCurrentPassword(ctx, u, in.Current)
	if err != nil {
		return err
	}
	if !ok {
		return FieldErrors{"current": "error.password_wrong"}.Err()
	}
	return s.setPassword(ctx, actor, u.ID, in.Password, false, "password_change")
}

// ResetPassword gives an account a new one-time password (returned once) that must be
// changed at the next sign-in, and ends its sessions.
func (s *UserStore) ResetPassword(ctx context.Context, actor Actor, userID uint) (string, error) {
	pw := RandomPassword()
	return pw, s.setPassword(ctx, actor, userID, pw, true, "user.password_reset")
}

func (s *UserStore) setPassword(ctx context.Context, actor Actor, userID uint, pw string, oneTime bool, action string) error {
	hash, err := s.hash(ctx, pw)
	if err != nil {
		return err
	}
	now := s.now().UTC()
	return s.db.Tx(ctx, func(tx *gorm.DB) error {
		res := tx.Model(&User{}).Where("id = ?", userID).Updates(map[string]any{
			"password_hash": hash, "must_change_password": oneTime, "password_changed_at": now, "updated_at": now,
		})
		if res.Error != nil {
			return fmt.Errorf("set password: %w", res.Error)
		}
		if res.RowsAffected == 0 {
			return ErrNotFound
		}
		if err := revokeUserSessions(tx, userID, now); err != nil {
			return err
		}
		ev := actor.Event(action, "user", fmt.Sprint(userID))
		ev.Fields = "password"
		return s.audit.RecordTx(tx, ev)
	})
}

// SetLanguage remembers the user's interface language.
func (s *UserStore) SetLanguage(ctx context.Context, userID uint, lang string) error {
	if !ValidLanguage(lang) {
		return FieldErrors{"language": "error.choose_value"}.Err()
	}
	// Through Tx, so the change joins the writes queued for SQLite's writer (one
	// commit for them all) rather than waiting on its own for the writer between them.
	return s.db.Tx(ctx, func(tx *gorm.DB) error {
		return tx.Model(&User{}).Where("id = ?", userID).Update("language", lang).Error
	})
}

// loginAttempt is a row of the throttles: a sign-in (email and address), a second-step
// code (its pending session) or a signed-in user's current password (the user).
type loginAttempt struct {
	ID        uint
	Email     string
	IP        string
	At        time.Time
	Success   bool
	Kind      string
	SessionID string
	UserID    *uint
}

func (loginAttempt) TableName() string { return "login_attempts" }
