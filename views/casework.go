package views

import (
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
