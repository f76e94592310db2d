package models

import "time"

// Partners are the services a case can be referred to.
var Partners = []string{"ANAPEC", "OFPPT", "health", "entraide_nationale", "ngo", "other"}

// ReferralStatus is where a referral stands.
type ReferralStatus string

const (
	ReferralSent      ReferralStatus = "sent"
	ReferralAccepted  ReferralStatus = "accepted"
	ReferralCompleted ReferralStatus = "completed"
	ReferralRejected  ReferralStatus = "rejected"
	ReferralCancelled ReferralStatus = "cancelled"
)

// Referral sends a beneficiary to a partner service.
type Referral struct {
	ID          uint
	CaseID      uint
	Partner     string
	PartnerName string
	Purpose     string
	DateSent    Date
	Status      ReferralStatus
	Outcome     string
	// Satisfaction is the beneficiary's rating from 1 to 5, when given.
	Satisfaction *int
	Reason       string
	CreatedByID  uint
	CreatedBy    *User
	Version      int
	CreatedAt    time.Time
	UpdatedAt    time.Time
}
