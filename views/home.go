package views

import "context"

// The units of the home figures: translation keys taking Count (for the plural) and N
// (the number, already formatted).
const (
	UnitDays      = "homes.unit.days"
	UnitCases     = "homes.unit.cases"
	UnitSupport   = "homes.unit.support"
	UnitReferrals = "homes.unit.referrals"
	UnitSessions  = "homes.unit.sessions"
	UnitPeople    = "homes.unit.people"
	UnitAccounts  = "homes.unit.accounts"
	UnitAttempts  = "homes.unit.attempts"
)

// HomeLink is one entry of a home page list: a translated label, a count with its unit
// and a link.
type HomeLink struct {
	Label string // already translated
	Count int64
	// Unit is the count's unit (one of the Unit constants); without one, no count is shown.
	Unit string
	Href string
	ID   string // data-testid
}

// HomeSection is one block of a role's home page, such as "cases waiting for a next step".
type HomeSection struct {
	Title string // translation key
	Links []HomeLink
	Empty string // translation key shown when Links is empty
	ID    string
	// Years, when set, is shown instead of Links: figures of this year beside last year's.
	Years *HomeYears
}

// HomeYears is the supervisor's key figures, this year and last year side by side.
type HomeYears struct {
	This, Last         int
	ThisHref, LastHref string
	Rows               []HomeYearRow
}

// HomeYearRow is one figure of HomeYears.
type HomeYearRow struct {
	Label      string // translation key
	Unit       string
	This, Last int64
	ID         string
}

// Figure is a count with its unit ("1 797 j"), kept together in either direction.
func Figure(ctx context.Context, n int64, unit string) string {
	return T(ctx, unit, "Count", n, "N", Int(ctx, n))
}
