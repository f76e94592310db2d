package models

import (
	"time"

	"gorm.io/gorm"
)

// Role is what a user may do in the portal.
type Role string

const (
	RoleCaseworker Role = "caseworker"
	RoleSupervisor Role = "supervisor"
	RoleAdmin      Role = "admin"
)

// Roles lists every role, in the order forms show them.
var Roles = []Role{RoleCaseworker, RoleSupervisor, RoleAdmin}

// Valid reports whether r is a known role.
func (r Role) Valid() bool {
	for _, x := range Roles {
		if r == x {
			return true
		}
	}
	return false
}

// UserSexes are the values of User.Sex besides empty, in the order forms show them.
var UserSexes = []string{"F", "M"}

// ValidUserSex reports whether s may be stored as a user's sex (empty included).
func ValidUserSex(s string) bool { return s == "" || s == "F" || s == "M" }

// Office is one of the agency's country offices.
type Office struct {
	ID        uint
	Code      string
	Name      string
	City      string
	CreatedAt time.Time
	UpdatedAt time.Time

	// ReceiptRequired: cash support of this office is marked delivered only once a
	// receipt (a document linked to it) is attached.
	ReceiptRequired bool
}

// User is a person who signs in to the portal.
type User struct {
	ID       uint
	Email    string
	Name     string
	Role     Role
	OfficeID *uint
	Office   *Office
	// Language is the user's chosen interface language: fr, en or ar.
	Language string
	// Sex is F, M or empty (not said): it picks the feminine or masculine form of the
	// role shown beside the user's name, the neutral form when empty.
	Sex                string
	PasswordHash       string `json:"-"`
	MustChangePassword bool
	Active             bool
	TOTPSecret         string `gorm:"column:totp_secret" json:"-"`
	TOTPEnabled        bool   `gorm:"column:totp_enabled"`
	// TOTPLastStep is the last time step accepted, so a code cannot be used twice.
	TOTPLastStep      int64 `gorm:"column:totp_last_step"`
	LastLoginAt       *time.Time
	PasswordChangedAt *time.Time
	CreatedAt         time.Time
	UpdatedAt         time.Time
}

// Scope is what records a user may see: all offices, or one.
func (u *User) Scope() Scope {
	return Scope{OfficeID: u.OfficeID, Role: u.Role, UserID: u.ID}
}

// Is reports whether the user has one of the roles.
func (u *User) Is(roles ...Role) bool {
	for _, r := range roles {
		if u.Role == r {
			return true
		}
	}
	return false
}

// CanEditCases is true for the roles that record casework (admins only read).
func (u *User) CanEditCases() bool { return u.Is(RoleCaseworker, RoleSupervisor) }

// Scope restricts queries to the records a user may see. A zero OfficeID means all
// offices. Stores apply it in SQL, so an out-of-scope row is never loaded.
type Scope struct {
	OfficeID *uint
	Role     Role
	UserID   uint
}

// AllOffices is true when the scope is not bound to one office.
func (s Scope) AllOffices() bool { return s.OfficeID == nil }

// Allows reports whether a record of the given office is in scope.
func (s Scope) Allows(officeID uint) bool { return s.OfficeID == nil || *s.OfficeID == officeID }

// Where restricts a query to the scope's office through the named office column (for
// example "cases.office_id" or "g.office_id"); an all-offices scope leaves it as is.
func (s Scope) Where(q *gorm.DB, column string) *gorm.DB {
	if s.OfficeID != nil {
		return q.Where(column+" = ?", *s.OfficeID)
	}
	return q
}
