package views

import (
	"context"
	"time"

	"awda/models"
)

// CaseworkVM is everything the casework part of a case file shows: support with its
// totals, sessions attended, activities, referrals and one timeline. The handler
// prepares it (caseworkVM) and the case file renders it with CaseworkSections.
type CaseworkVM struct {
	CaseID     uint
	CaseNumber string
	// CanEdit is true for the roles that record casework (not admins).
	CanEdit bool
	// ConsentShare says whether referrals are possible.
	ConsentShare bool
	Support      []SupportRow
	Totals       []models.CurrencyTotal
	Sessions     []models.AttendedSession
	Activities   []models.Activity
	Referrals    []ReferralRow
	Timeline     []TimelineItem
	// TimelineKind is the kind the timeline is filtered to (empty for all), and
	// TimelineCounts how many entries of each kind the case has.
	TimelineKind   string
	TimelineCounts map[string]int
	// Open names the form shown open on arrival (support, counselling, monitoring,
	// psychosocial, referral), from the header's next action.
	Open string
	// Blank forms, with today's date filled in.
	SupportForm  SupportForm
	ActivityForm ActivityForm
	ReferralForm ReferralForm
	Today        string
}

// SupportRow is one support with the moves the user may make on it.
type SupportRow struct {
	models.Support
	CanApprove, CanDeliver, CanCancel bool
	// OwnPlanned explains why a supervisor sees no approve button.
	OwnPlanned bool
}

// ReferralRow is one referral with the statuses it may move to.
type ReferralRow struct {
	models.Referral
	Next []string
	Open bool
}

// TimelineItem is one dated entry of the case's story (a status change or casework),
// newest first.
type TimelineItem struct {
	Date models.Date
	// At is when the entry was recorded: it orders entries of the same date.
	At time.Time
	// Group is the entry's kind for the timeline filter (one of TimelineKinds).
	Group string
	// From, To and Reason are set for a status change.
	From, To, Reason string
	// Kind is a translation key (casework.timeline.support, …).
	Kind string
	// Sub is an optional second translation key (the support type, the partner).
	Sub string
	// Amount and Currency are set for support.
	Amount   int64
	Currency string
	Text     string
	By       string
	ID       string
}

// SupportForm is the plan-support form with its values and errors.
type SupportForm struct {
	CaseID     uint
	CaseNumber string
	In         models.SupportInput
	Errors     models.FieldErrors
}

// ActivityForm is the activity form.
type ActivityForm struct {
	CaseID     uint
	CaseNumber string
	In         models.ActivityInput
	Errors     models.FieldErrors
}

// ReferralForm is the new referral form.
type ReferralForm struct {
	CaseID     uint
	CaseNumber string
	In         models.ReferralInput
	Errors     models.FieldErrors
}

// FollowUpForm is a referral's follow-up form, shown alone when it fails.
type FollowUpForm struct {
	CaseID     uint
	CaseNumber string
	Referral   ReferralRow
	In         models.FollowUpInput
	Errors     models.FieldErrors
}

// SupportMoveForm is a deliver, cancel or send-back form shown alone when it fails.
type SupportMoveForm struct {
	CaseID     uint
	CaseNumber string
	Support    models.Support
	Action     string // deliver, cancel or send-back
	Value      string // the date, reason or comment typed
	Version    int
	From       string
	// Queue is the approvals page to return to, when From is "approvals".
	Queue  ApprovalsState
	Errors models.FieldErrors
}

// SessionForm is the new session form.
type SessionForm struct {
	In           models.SessionInput
	Errors       models.FieldErrors
	Offices      []models.Office
	ChooseOffice bool
}

// SessionsVM is the list of sessions.
type SessionsVM struct {
	Rows  []models.SessionRow
	Pager Pager
}

// SessionVM is one session with its attendance list and the form to add to it.
type SessionVM struct {
	Session   *models.GroupSession
	Attendees []models.Attendee
	// Numbers is what was typed in the attendance box, kept when it fails.
	Numbers  string
	Problems []models.AttendanceProblem
	Error    string
}

// ApprovalRow is one line of the approvals queue.
type ApprovalRow struct {
	models.SupportQueueItem
	// Own is support the supervisor planned: four eyes, no checkbox.
	Own bool
}

// ApprovalsState is where a supervisor is in the approvals queue: the office filter and
// the page. The page's links keep it, and its forms send it back (fields office and
// page) so that an approval or a send-back returns to the same place.
type ApprovalsState struct {
	Office string // an office code; empty for every office in scope
	Page   int
}

// Path is the queue at this office and page.
func (st ApprovalsState) Path() string { return ApprovalsPath(st.Office, st.Page) }

// ApprovalsVM is the supervisor's queue, one page of it.
type ApprovalsVM struct {
	Support []ApprovalRow
	// Total is the size of the whole queue in the office filter, not of this page.
	Total   int64
	PerPage int
	State   ApprovalsState
	// Offices are the office filter's choices, for supervisors of every office.
	Offices []models.Office
	// UnknownOffice says the office asked for is not one of the user's: the filter
	// ignored it.
	UnknownOffice bool
	// Overdue are the oldest overdue referrals, OverdueTotal how many there are in all.
	Overdue      []models.OverdueReferral
	OverdueTotal int64
	Today        models.Date
}

// Pager links the queue's pages, keeping the office filter.
func (vm ApprovalsVM) Pager() Pager {
	return Pager{Page: vm.State.Page, PerPage: vm.PerPage, Total: vm.Total, Link: func(p int) string {
		return ApprovalsPath(vm.State.Office, p)
	}}
}

// Rows are the positions in the queue of the page's first and last lines (1-based).
func (vm ApprovalsVM) Rows() (first, last int64) {
	first = int64(max(vm.State.Page-1, 0)*vm.PerPage) + 1
	return first, first + int64(len(vm.Support)) - 1
}

// officeFilterOptions are the office filter's choices, every office first.
func officeFilterOptions(ctx context.Context, offices []models.Office) []Option {
	return append([]Option{{Value: "", Label: T(ctx, "casework.approvals.all_offices")}}, officeOptions(offices)...)
}
