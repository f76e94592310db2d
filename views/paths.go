package views

import (
	"fmt"
	"net/url"
	"strconv"
)

// Paths is the one source of the portal's URLs, so a route and its links cannot drift apart.
const (
	PathHome         = "/"
	PathLogin        = "/login"
	PathLogout       = "/logout"
	PathAccount      = "/account"
	PathPassword     = "/account/password"
	PathLanguage     = "/account/language"
	PathTOTP         = "/account/totp"
	PathCases        = "/cases"
	PathNewCase      = "/cases/new"
	PathReassign     = "/cases/reassign"
	PathSessions     = "/sessions"
	PathNewSession   = "/sessions/new"
	PathApprovals    = "/approvals"
	PathSummary      = "/summary"
	PathAdminUsers   = "/admin/users"
	PathAdminOffices = "/admin/offices"
	PathAdminImports = "/admin/imports"
	PathAdminExports = "/admin/exports"
	PathAdminAudit   = "/admin/audit"
	PathHealth       = "/healthz"
)

// Paths of two-step sign-in and the audit log download.
const (
	PathLoginTOTP     = "/login/totp"
	PathAdminAuditCSV = "/admin/audit.csv"
)

// ApprovalsPath is the approvals queue of one office (every office in scope when
// empty) at a page; the defaults are left out, so the plain queue is PathApprovals.
func ApprovalsPath(office string, page int) string {
	q := url.Values{}
	if office != "" {
		q.Set("office", office)
	}
	if page > 1 {
		q.Set("page", strconv.Itoa(page))
	}
	return WithQuery(PathApprovals, q)
}

// CasePath is a case file's URL.
func CasePath(id uint) string { return fmt.Sprintf("/cases/%d", id) }

// CaseEditPath is the edit form of a case.
func CaseEditPath(id uint) string { return fmt.Sprintf("/cases/%d/edit", id) }

// CaseStatusPath receives workflow moves.
func CaseStatusPath(id uint) string { return fmt.Sprintf("/cases/%d/status", id) }

// CaseActivitiesPath receives new activities.
func CaseActivitiesPath(id uint) string { return fmt.Sprintf("/cases/%d/activities", id) }

// CaseReferralsPath receives new referrals.
func CaseReferralsPath(id uint) string { return fmt.Sprintf("/cases/%d/referrals", id) }

// ReferralPath receives a referral's follow-up.
func ReferralPath(caseID, id uint) string { return fmt.Sprintf("/cases/%d/referrals/%d", caseID, id) }

// CaseSupportPath receives new support.
func CaseSupportPath(id uint) string { return fmt.Sprintf("/cases/%d/support", id) }

// SupportActionPath moves support along: action is approve, deliver or cancel.
func SupportActionPath(caseID, id uint, action string) string {
	return fmt.Sprintf("/cases/%d/support/%d/%s", caseID, id, action)
}

// SessionPath is a group session's page.
func SessionPath(id uint) string { return fmt.Sprintf("/sessions/%d", id) }

// SessionAttendancePath receives attendance.
func SessionAttendancePath(id uint) string { return fmt.Sprintf("/sessions/%d/attendance", id) }

// AdminUserPath receives changes to one user.
func AdminUserPath(id uint) string { return fmt.Sprintf("/admin/users/%d", id) }

// AdminOfficePath receives changes to one office.
func AdminOfficePath(id uint) string { return fmt.Sprintf("/admin/offices/%d", id) }

// ExportPath is a CSV download with its query.
func ExportPath(name string, q url.Values) string {
	p := "/admin/exports/" + name
	if len(q) > 0 {
		p += "?" + q.Encode()
	}
	return p
}

// WithQuery appends a query to a path.
func WithQuery(path string, q url.Values) string {
	if len(q) == 0 {
		return path
	}
	return path + "?" + q.Encode()
}
