package models

import "time"

// Direction says which way a person returns.
type Direction string

const (
	// Outbound is a migrant in Morocco returning to their country of origin.
	Outbound Direction = "outbound"
	// Inbound is a Moroccan national returning to Morocco and reintegrated here.
	Inbound Direction = "inbound"
)

// Directions lists every direction in form order.
var Directions = []Direction{Outbound, Inbound}

// Sex as recorded on the case.
type Sex string

const (
	SexF Sex = "F"
	SexM Sex = "M"
	SexX Sex = "X"
)

// Sexes lists every value in form order.
var Sexes = []Sex{SexF, SexM, SexX}

// CaseStatus is where a case stands in the return workflow.
type CaseStatus string

const (
	StatusRegistered    CaseStatus = "registered"
	StatusCounselled    CaseStatus = "counselled"
	StatusApproved      CaseStatus = "approved"
	StatusReturned      CaseStatus = "returned"
	StatusReintegration CaseStatus = "reintegration"
	StatusClosed        CaseStatus = "closed"
)

// CaseStatuses lists every status in workflow order.
var CaseStatuses = []CaseStatus{StatusRegistered, StatusCounselled, StatusApproved, StatusReturned, StatusReintegration, StatusClosed}

// Valid reports whether s is a known status.
func (s CaseStatus) Valid() bool {
	for _, x := range CaseStatuses {
		if s == x {
			return true
		}
	}
	return false
}

// Vulnerability is a reason a person needs particular protection.
type Vulnerability string

// Vulnerabilities lists every category in form order.
var Vulnerabilities = []Vulnerability{
	"unaccompanied_child", "separated_child", "trafficking_victim", "medical_condition", "disability",
	"elderly", "single_parent", "pregnant", "gbv_survivor", "mental_health",
}

// RequestReasons are the main reasons a person gives for asking to go home.
var RequestReasons = []string{"lack_of_resources", "family", "health", "insecurity", "failed_migration_project", "other"}

// Escorts are the ways a person can travel.
var Escorts = []string{"none", "escort", "medical_escort"}

// ClosureReasons are why a case was closed.
var ClosureReasons = []string{"reintegration_completed", "withdrawn", "not_eligible", "lost_contact", "re_migrated", "deceased", "transferred"}

// Case is one beneficiary, the principal applicant, and their return.
type Case struct {
	ID         uint
	CaseNumber string
	OfficeID   uint
	Office     *Office
	Direction  Direction
	FamilyName string
	GivenName  string
	// SearchKey is the normalised names, case number, document number and phone, for
	// accent- and case-insensitive search with LIKE on both databases.
	SearchKey string
	// NameKey is the normalised full name, for duplicate detection.
	NameKey       string
	Sex           Sex
	BirthDate     Date
	AgeEstimate   *int
	Nationality   string
	ReturnCountry string
	Phone         string
	Languages     string
	IDDocType     string `gorm:"column:id_doc_type"`
	IDDocNumber   string `gorm:"column:id_doc_number"`
	ConsentDate   Date
	ConsentShare  bool
	RequestDate   Date
	RequestReason string
	AssignedToID  *uint
	AssignedTo    *User
	Notes         string
	Status        CaseStatus
	// Return travel, recorded when the case moves to returned.
	DepartureDate Date
	ArrivalDate   Date
	TravelRoute   string
	Escort        string
	ReceivedBy    string
	ClosureReason string
	// DuplicateChecked records that the caseworker confirmed this is not a listed duplicate.
	DuplicateChecked bool
	Version          int
	CreatedByID      uint
	CreatedAt        time.Time
	UpdatedAt        time.Time
	// AnonymisedAt is when retention anonymised the case; it is then closed for good.
	AnonymisedAt *time.Time `gorm:"<-:false"`

	Household       []HouseholdMember   `gorm:"foreignKey:CaseID"`
	VulnerabilityOf []CaseVulnerability `gorm:"foreignKey:CaseID"`
	// History is the status changes, oldest first (loaded by CaseStore.Get).
	History []StatusChange `gorm:"foreignKey:CaseID"`
}

// HouseholdMember is a person returning with the principal applicant.
type HouseholdMember struct {
	ID        uint
	CaseID    uint
	Name      string
	Relation  string
	Sex       Sex
	BirthDate Date
}

// CaseVulnerability ties a case to one vulnerability category.
type CaseVulnerability struct {
	CaseID uint   `gorm:"primaryKey"`
	Code   string `gorm:"primaryKey"`
}

// StatusChange is one step of a case's history.
type StatusChange struct {
	ID        uint
	CaseID    uint
	From      CaseStatus `gorm:"column:from_status"`
	To        CaseStatus `gorm:"column:to_status"`
	Date      Date
	Reason    string
	Note      string
	UserID    uint
	User      *User
	CreatedAt time.Time
}

// CaseCounter allocates case numbers per office and year.
type CaseCounter struct {
	OfficeID uint `gorm:"primaryKey;autoIncrement:false"`
	Year     int  `gorm:"primaryKey;autoIncrement:false"`
	Last     int
}
