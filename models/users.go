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
)

// UserStore manages accounts and signing in.
type UserStore struct {
	db    *DB
	now   func() time.Time
	argon Argon2Params
	audit *AuditStore
	dummy string // a hash to verify against for unknown emails, so timing reveals nothing
}

// NewUserStore builds the store.
func NewUserStore(db *DB, now func() time.Time, argon Argon2Params, audit *AuditStore) *UserStore {
	dummy, _ := HashPassword(RandomPassword(), argon)
	return &UserStore{db: db, now: now, argon: argon, audit: audit, dummy: dummy}
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
	hash, err := HashPassword(password, s.argon)
	if err != nil {
		return nil, "", err
	}
	u := &User{Email: in.Email, Name: in.Name, Role: in.Role, Language: in.Language,
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
// a known one, and records the attempt and an audit event.
func (s *UserStore) SignIn(ctx context.Context, email, password, ip string) (*User, error) {
	email = NormaliseEmail(email)
	now := s.now().UTC()
	since := now.Add(-ThrottleWindow)
	var byEmail, byIP int64
	q := s.db.Read.WithContext(ctx).Model(&loginAttempt{})
	if err := q.Where("email = ? AND success = ? AND at > ?", email, false, since).Count(&byEmail).Error; err != nil {
		return nil, fmt.Errorf("count attempts: %w", err)
	}
	if err := s.db.Read.WithContext(ctx).Model(&loginAttempt{}).
		Where("ip = ? AND success = ? AND at > ?", ip, false, since).Count(&byIP).Error; err != nil {
		return nil, fmt.Errorf("count attempts: %w", err)
	}
	if byEmail >= MaxEmailFailures || byIP >= MaxIPFailures {
		s.recordAttempt(ctx, email, ip, false, nil)
		return nil, ErrThrottled
	}
	var u User
	err := s.db.Read.WithContext(ctx).Preload("Office").Where("email = ?", email).First(&u).Error
	if err != nil && !errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, fmt.Errorf("find user: %w", err)
	}
	found := err == nil
	hash := s.dummy
	if found {
		hash = u.PasswordHash
	}
	ok, verr := VerifyPassword(password, hash)
	if !found || !ok || verr != nil || !u.Active {
		var uid *uint
		if found {
			uid = &u.ID
		}
		s.recordAttempt(ctx, email, ip, false, uid)
		return nil, ErrBadCredentials
	}
	s.recordAttempt(ctx, email, ip, true, &u.ID)
	s.db.Write.WithContext(ctx).Model(&User{}).Where("id = ?", u.ID).Update("last_login_at", now)
	return &u, nil
}

func (s *UserStore) recordAttempt(ctx context.Context, email, ip string, ok bool, uid *uint) {
	at := s.now().UTC()
	s.db.Write.WithContext(ctx).Create(&loginAttempt{Email: email, IP: ip, At: at, Success: ok, Kind: "password"})
	action := "login_failed"
	if ok {
		action = "login"
	}
	ev := AuditEvent{At: at, UserID: uid, UserEmail: email, IP: ip, Action: action, RecordType: "user"}
	if uid != nil {
		ev.RecordID = fmt.Sprint(*uid)
	}
	_ = s.audit.Record(ctx, ev)
}

// IsThrottled reports whether an email is currently refused, for the admin's unlock page.
func (s *UserStore) IsThrottled(ctx context.Context, email string) (bool, error) {
	var n int64
	err := s.db.Read.WithContext(ctx).Model(&loginAttempt{}).
		Where("email = ? AND success = ? AND at > ?", NormaliseEmail(email), false, s.now().UTC().Add(-ThrottleWindow)).
		Count(&n).Error
	return n >= MaxEmailFailures, err
}

// Unlock forgets an email's recent failures, so its owner can try again at once.
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
		ev := actor.Event("user.unlock", "user", fmt.Sprint(id))
		ev.Fields = "throttle"
		return s.audit.RecordTx(tx, ev)
	})
}

// ChangePassword sets a new password after checking the current one, ends every
// session of the user (so a stolen cookie stops working) and records the change.
func (s *UserStore) ChangePassword(ctx context.Context, actor Actor, u *User, current, next string) error {
	fe := FieldErrors{}
	if ok, _ := VerifyPassword(current, u.PasswordHash); !ok {
		fe.Add("current", "error.password_wrong")
	}
	if current == next {
		fe.Add("password", "error.password_same")
	}
	if key := CheckPassword(next, u.Name, u.Email); key != "" {
		fe.Add("password", key)
	}
	if err := fe.Err(); err != nil {
		return err
	}
	return s.setPassword(ctx, actor, u.ID, next, false, "password_change")
}

// ResetPassword gives an account a new one-time password (returned once) that must be
// changed at the next sign-in, and ends its sessions.
func (s *UserStore) ResetPassword(ctx context.Context, actor Actor, userID uint) (string, error) {
	pw := RandomPassword()
	return pw, s.setPassword(ctx, actor, userID, pw, true, "user.password_reset")
}

func (s *UserStore) setPassword(ctx context.Context, actor Actor, userID uint, pw string, oneTime bool, action string) error {
	hash, err := HashPassword(pw, s.argon)
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
	return s.db.Write.WithContext(ctx).Model(&User{}).Where("id = ?", userID).Update("language", lang).Error
}

// loginAttempt is a row of the sign-in throttle.
type loginAttempt struct {
	ID      uint
	Email   string
	IP      string
	At      time.Time
	Success bool
	Kind    string
}

func (loginAttempt) TableName() string { return "login_attempts" }
