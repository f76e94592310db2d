package views

import (
	"fmt"

	"awda/models"
)

// PathAdminRetention is the retention page.
const PathAdminRetention = "/admin/retention"

// PathAdminRetentionPolicy sets the retention policy.
const PathAdminRetentionPolicy = "/admin/retention/policy"

// CaseHoldPath and the others are the case's retention actions.
func CaseHoldPath(id uint) string           { return fmt.Sprintf("/cases/%d/hold", id) }
func CaseHoldReleasePath(id uint) string    { return fmt.Sprintf("/cases/%d/hold/release", id) }
func CaseErasurePath(id uint) string        { return fmt.Sprintf("/cases/%d/erasure", id) }
func CaseErasureApprovePath(id uint) string { return fmt.Sprintf("/cases/%d/erasure/approve", id) }
func CaseRecordPath(id uint) string         { return fmt.Sprintf("/cases/%d/record", id) }
func CaseRecordJSONPath(id uint) string     { return fmt.Sprintf("/cases/%d/record.json", id) }

// RetentionVM is the case file's retention section, for supervisors.
type RetentionVM struct {
	CaseID     uint
	CaseNumber string
	State      *models.RetentionState
	// OwnRequest: the pending erasure request is this supervisor's (another approves).
	OwnRequest bool
}

// RetentionReasonForm is the hold or erasure form alone, shown again when it fails.
type RetentionReasonForm struct {
	CaseID     uint
	CaseNumber string
	// Kind is "hold" or "erasure".
	Kind   string
	Reason string
	Errors models.FieldErrors
}

func (f RetentionReasonForm) action() string {
	if f.Kind == "erasure" {
		return CaseErasurePath(f.CaseID)
	}
	return CaseHoldPath(f.CaseID)
}

// RetentionAdminPage is the administrator's retention page.
type RetentionAdminPage struct {
	Policy  models.RetentionPolicy
	Offices []models.DueCount
	// DryRun is the result of a dry run just made: the apply form is shown with it.
	DryRun *models.RetentionRun
	Errors models.FieldErrors
	// PolicyOffice and PolicyYears are the policy form as typed.
	PolicyOffice, PolicyYears string
}
