package models

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"gorm.io/gorm"
)

// StaleAfter is how long without signing in before an account is flagged on the admin pages.
const StaleAfter = 90 * 24 * time.Hour

// UserListRow is one account on the administrators' list.
type UserListRow struct {
	User
	// Stale is true when the user has not signed in for StaleAfter (or never).
	Stale bool
	// Throttled is true when sign-in is currently refused after too many failures.
	Throttled bool
}

// throttledEmails returns the emails refused right now, computed by one grouped query.
func (s *UserStore) throttledEmails(ctx context.Context) (map[string]bool, error) {
	var rows []struct {
		Email string
		N     int64
	}
	err := s.db.Read.WithContext(ctx).Model(&loginAttempt{}).Select("email, COUNT(*) AS n").
		Where("success = ? AND at > ?", false, s.now().UTC().Add(-ThrottleWindow)).
		Group("email").Having("COUNT(*) >= ?", MaxEmailFailures).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("throttled emails: %w", err)
	}
	out := map[string]bool{}
	for _, r := range rows {
		out[r.Email] = true
	}
	return out, nil
}

// AdminList returns every account in scope by name, with its stale and throttled flags.
func (s *UserStore) AdminList(ctx context.Context, scope Scope) ([]UserListRow, error) {
	var users []User
	if err := scope.Where(s.db.Read.WithContext(ctx), "office_id").Preload("Office").Order("name, id").Find(&users).Error; err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	thr, err := s.throttledEmails(ctx)
	if err != nil {
		return nil, err
	}
	cutoff := s.now().UTC().Add(-StaleAfter)
	out := make([]UserListRow, len(users))
	for i, u := range users {
		out[i] = UserListRow{User: u, Throttled: thr[u.Email],
			Stale: u.LastLoginAt == nil || u.LastLoginAt.Before(cutoff)}
	}
	return out, nil
}

// StaleCount counts active accounts without a sign-in for StaleAfter.
func (s *UserStore) StaleCount(ctx context.Context) (int64, error) {
	var n int64
	err := s.db.Read.WithContext(ctx).Model(&User{}).
		Where("active = ? AND (last_login_at IS NULL OR last_login_at < ?)", true, s.now().UTC().Add(-StaleAfter)).
		Count(&n).Error
	return n, err
}

// ThrottledCount counts emails whose sign-in is refused right now.
func (s *UserStore) ThrottledCount(ctx context.Context) (int64, error) {
	m, err := s.throttledEmails(ctx)
	return int64(len(m)), err
}

// FailedSignIns counts failed sign-in attempts (password or second factor) since t.
func (s *UserStore) FailedSignIns(ctx context.Context, since time.Time) (int64, error) {
	var n int64
	err := s.db.Read.WithContext(ctx).Model(&loginAttempt{}).Where("success = ? AND at > ?", false, since).Count(&n).Error
	return n, err
}

// UserEdit is what an administrator changes on an existing account.
type UserEdit struct {
	Name       string
	Role       Role
	OfficeCode string
	Language   string
	Sex        string // F, M or empty
}

// Validate checks the input and returns errors keyed by form field.
func (in *UserEdit) Validate() FieldErrors {
	fe := FieldErrors{}
	in.Name = strings.TrimSpace(in.Name)
	in.OfficeCode = strings.ToUpper(strings.TrimSpace(in.OfficeCode))
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
	if !ValidLanguage(in.Language) {
		fe.Add("language", "error.choose_value")
	}
	if !ValidUserSex(in.Sex) {
		fe.Add("sex", "error.choose_value")
	}
	return fe
}

// An administrator has no office: the role manages accounts, offices, imports and the
// audit log of the whole portal, and an administrator bound to one office would need
// every one of those pages scoped and audited separately. The user form and the command
// line refuse one. The stores still check the acting user's scope, so an account made
// before this rule (reported at migration) cannot reach past its office.

// actorScope is the acting user's scope; the command line and the system act on every office.
func actorScope(a Actor) Scope {
	if a.User == nil {
		return Scope{}
	}
	return a.User.Scope()
}

// checkOfficeInScope refuses to give an account an office outside the acting user's
// scope, or no office at all when the acting user is bound to one (an account without an
// office reads every office). An office outside the scope is "unknown", as if it did not exist.
func checkOfficeInScope(sc Scope, officeID *uint) error {
	switch {
	case sc.AllOffices():
		return nil
	case officeID == nil:
		return FieldErrors{"office": "limits.error.office_in_scope"}.Err()
	case !sc.Allows(*officeID):
		return FieldErrors{"office": "error.office_unknown"}.Err()
	}
	return nil
}

// InActorScope reports whether an account is one the acting user may change: any
// account for an all-offices user, only the accounts of their office otherwise.
func InActorScope(a Actor, u *User) bool {
	sc := actorScope(a)
	return sc.AllOffices() || (u.OfficeID != nil && sc.Allows(*u.OfficeID))
}

// ErrLastAdmin refuses a change that would leave the portal without an active administrator.
var ErrLastAdmin = errors.New("the portal would have no active administrator")

// lockAdmins locks the administrators' rows, in id order, at the start of a change that
// may touch the last-admin rule. On PostgreSQL this serialises such changes, so two
// admins demoting each other at the same moment cannot both succeed (and cannot
// deadlock); SQLite has one writer anyway.
func lockAdmins(tx *gorm.DB) error {
	if tx.Dialector.Name() != "postgres" {
		return nil
	}
	var ids []uint
	if err := tx.Raw("SELECT id FROM users WHERE role = ? ORDER BY id FOR UPDATE", RoleAdmin).Scan(&ids).Error; err != nil {
		return fmt.Errorf("lock admins: %w", err)
	}
	return nil
}

// ensureAnotherAdmin fails with ErrLastAdmin unless an active administrator other than
// userID exists. Call lockAdmins first in the same transaction.
func ensureAnotherAdmin(tx *gorm.DB, userID uint) error {
	var n int64
	if err := tx.Model(&User{}).Where("role = ? AND active = ? AND id <> ?", RoleAdmin, true, userID).Count(&n).Error; err != nil {
		return fmt.Errorf("count admins: %w", err)
	}
	if n == 0 {
		return ErrLastAdmin
	}
	return nil
}

// lockUser loads a user for a change, locking its row on PostgreSQL.
func lockUser(tx *gorm.DB, id uint) (*User, error) {
	var u User
	err := tx.Raw(lockUserSQL(tx), id).Scan(&u).Error
	if err != nil {
		return nil, fmt.Errorf("load user %d: %w", id, err)
	}
	if u.ID == 0 {
		return nil, ErrNotFound
	}
	return &u, nil
}

func lockUserSQL(tx *gorm.DB) string {
	if tx.Dialector.Name() == "postgres" {
		return "SELECT * FROM users WHERE id = ? FOR UPDATE"
	}
	return "SELECT * FROM users WHERE id = ?"
}

// Update changes an account's name, role, office and language. Demoting the last active
// administrator is refused (a validation error on role). The audit event names the fields.
func (s *UserStore) Update(ctx context.Context, actor Actor, id uint, in UserEdit) error {
	if err := in.Validate().Err(); err != nil {
		return err
	}
	return s.db.Tx(ctx, func(tx *gorm.DB) error {
		if err := lockAdmins(tx); err != nil {
			return err
		}
		u, err := lockUser(tx, id)
		if err != nil {
			return err
		}
		if !InActorScope(actor, u) {
			return ErrNotFound
		}
		var officeID *uint
		if in.OfficeCode != "" {
			var o Office
			if err := tx.Where("code = ?", in.OfficeCode).First(&o).Error; err != nil {
				if errors.Is(err, gorm.ErrRecordNotFound) {
					return FieldErrors{"office": "error.office_unknown"}.Err()
				}
				return err
			}
			officeID = &o.ID
		}
		if err := checkOfficeInScope(actorScope(actor), officeID); err != nil {
			return err
		}
		changes := map[string]any{}
		if u.Name != in.Name {
			changes["name"] = in.Name
		}
		if u.Role != in.Role {
			changes["role"] = in.Role
		}
		if !sameOffice(u.OfficeID, officeID) {
			changes["office_id"] = officeID
		}
		if u.Language != in.Language {
			changes["language"] = in.Language
		}
		if u.Sex != in.Sex {
			changes["sex"] = in.Sex
		}
		if len(changes) == 0 {
			return nil
		}
		if u.Role == RoleAdmin && in.Role != RoleAdmin && u.Active {
			if err := ensureAnotherAdmin(tx, id); err != nil {
				if errors.Is(err, ErrLastAdmin) {
					return FieldErrors{"role": "admin.error.last_admin"}.Err()
				}
				return err
			}
		}
		changes["updated_at"] = s.now().UTC()
		if err := tx.Model(&User{}).Where("id = ?", id).Updates(changes).Error; err != nil {
			return fmt.Errorf("update user: %w", err)
		}
		ev := actor.Event("user.update", "user", fmt.Sprint(id))
		ev.Fields = changedFields(changes)
		return s.audit.RecordTx(tx, ev)
	})
}

func sameOffice(a, b *uint) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return *a == *b
}

func changedFields(changes map[string]any) string {
	var names []string
	for k := range changes {
		if k == "updated_at" {
			continue
		}
		names = append(names, strings.TrimSuffix(k, "_id"))
	}
	sort.Strings(names)
	return strings.Join(names, ",")
}

// SetActive deactivates or reactivates an account. Deactivation ends all its sessions in
// the same transaction and is refused (ErrLastAdmin) for the last active administrator.
func (s *UserStore) SetActive(ctx context.Context, actor Actor, id uint, active bool) error {
	now := s.now().UTC()
	return s.db.Tx(ctx, func(tx *gorm.DB) error {
		if err := lockAdmins(tx); err != nil {
			return err
		}
		u, err := lockUser(tx, id)
		if err != nil {
			return err
		}
		if !InActorScope(actor, u) {
			return ErrNotFound
		}
		if u.Active == active {
			return nil
		}
		if !active && u.Role == RoleAdmin {
			if err := ensureAnotherAdmin(tx, id); err != nil {
				return err
			}
		}
		if err := tx.Model(&User{}).Where("id = ?", id).Updates(map[string]any{"active": active, "updated_at": now}).Error; err != nil {
			return fmt.Errorf("set active: %w", err)
		}
		action := "user.reactivate"
		if !active {
			action = "user.deactivate"
			if err := revokeUserSessions(tx, id, now); err != nil {
				return err
			}
		}
		ev := actor.Event(action, "user", fmt.Sprint(id))
		ev.Fields = "active"
		return s.audit.RecordTx(tx, ev)
	})
}
