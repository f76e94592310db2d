package models

import "time"

// SupportType is a kind of reintegration support.
type SupportType string

const (
	MicroProject SupportType = "micro_project"
	Cash         SupportType = "cash"
	Medical      SupportType = "medical"
	Training     SupportType = "training"
)

// SupportTypes lists every type in the order of the annual report, which is also the
// documented tie order of the largest remainder method.
var SupportTypes = []SupportType{MicroProject, Cash, Medical, Training}

// SupportStatus is where a piece of support stands.
type SupportStatus string

const (
	SupportPlanned   SupportStatus = "planned"
	SupportApproved  SupportStatus = "approved"
	SupportDelivered SupportStatus = "delivered"
	SupportCancelled SupportStatus = "cancelled"
)

// Support is one piece of reintegration support given to a case.
type Support struct {
	ID          uint
	CaseID      uint
	Case        *Case
	Type        SupportType
	Description string
	// Amount is in minor units of Currency (centimes for MAD); never a float.
	Amount         int64
	Currency       string
	Date           Date
	FundedByOffice bool
	Status         SupportStatus
	PlannedByID    uint
	PlannedBy      *User
	ApprovedByID   *uint
	ApprovedBy     *User
	ApprovedAt     *time.Time
	DeliveredByID  *uint
	DeliveredBy    *User
	DeliveredOn    Date
	CancelReason   string
	// ReturnComment is the supervisor's comment when sending planned support back.
	ReturnComment string
	Version       int
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

// TableName keeps one table name for the aggregate.
func (Support) TableName() string { return "supports" }
