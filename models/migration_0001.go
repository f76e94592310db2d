package models

import "time"

// Frozen structs of migration 0001_initial: the schema as it was first shipped.

type m1Office struct {
	ID        uint   `gorm:"primaryKey"`
	Code      string `gorm:"size:3;not null;uniqueIndex"`
	Name      string `gorm:"size:100;not null"`
	City      string `gorm:"size:100;not null"`
	CreatedAt time.Time
	UpdatedAt time.Time
}

func (m1Office) TableName() string { return "offices" }

type m1User struct {
	ID                 uint      `gorm:"primaryKey"`
	Email              string    `gorm:"size:254;not null;uniqueIndex"`
	Name               string    `gorm:"size:200;not null"`
	Role               string    `gorm:"size:20;not null"`
	OfficeID           *uint     `gorm:"index"`
	Office             *m1Office `gorm:"constraint:OnDelete:RESTRICT"`
	Language           string    `gorm:"size:5;not null;default:fr"`
	PasswordHash       string    `gorm:"size:255;not null"`
	MustChangePassword bool      `gorm:"not null;default:false"`
	Active             bool      `gorm:"not null;default:true"`
	TOTPSecret         string    `gorm:"column:totp_secret;size:64;not null;default:''"`
	TOTPEnabled        bool      `gorm:"column:totp_enabled;not null;default:false"`
	TOTPLastStep       int64     `gorm:"column:totp_last_step;not null;default:0"`
	LastLoginAt        *time.Time
	PasswordChangedAt  *time.Time
	CreatedAt          time.Time
	UpdatedAt          time.Time
}

func (m1User) TableName() string { return "users" }

type m1RecoveryCode struct {
	ID        uint    `gorm:"primaryKey"`
	UserID    uint    `gorm:"not null;index"`
	User      *m1User `gorm:"constraint:OnDelete:CASCADE"`
	CodeHash  string  `gorm:"size:128;not null"`
	UsedAt    *time.Time
	CreatedAt time.Time
}

func (m1RecoveryCode) TableName() string { return "recovery_codes" }

type m1LoginSession struct {
	// ID is the SHA-256 of the random token in the cookie, so a stolen copy of the
	// table cannot be replayed as cookies.
	ID         string  `gorm:"primaryKey;size:64"`
	UserID     uint    `gorm:"not null;index"`
	User       *m1User `gorm:"constraint:OnDelete:CASCADE"`
	CreatedAt  time.Time
	LastSeenAt time.Time
	RevokedAt  *time.Time
	// MFAPending is true between the password and the second factor.
	MFAPending bool   `gorm:"column:mfa_pending;not null;default:false"`
	IP         string `gorm:"size:64;not null;default:''"`
}

func (m1LoginSession) TableName() string { return "login_sessions" }

type m1LoginAttempt struct {
	ID      uint      `gorm:"primaryKey"`
	Email   string    `gorm:"size:254;not null;index:idx_login_attempts_email_at,priority:1"`
	IP      string    `gorm:"size:64;not null;index:idx_login_attempts_ip_at,priority:1"`
	At      time.Time `gorm:"not null;index:idx_login_attempts_email_at,priority:2;index:idx_login_attempts_ip_at,priority:2"`
	Success bool      `gorm:"not null"`
	// Kind is password or totp.
	Kind string `gorm:"size:10;not null;default:password"`
}

func (m1LoginAttempt) TableName() string { return "login_attempts" }

type m1AuditEvent struct {
	ID         uint      `gorm:"primaryKey"`
	At         time.Time `gorm:"not null;index"`
	UserID     *uint     `gorm:"index"`
	UserEmail  string    `gorm:"size:254;not null;default:''"`
	IP         string    `gorm:"size:64;not null;default:''"`
	Action     string    `gorm:"size:40;not null;index"`
	RecordType string    `gorm:"size:40;not null;default:''"`
	RecordID   string    `gorm:"size:40;not null;default:'';index"`
	Fields     string    `gorm:"type:text;not null;default:''"`
	Details    string    `gorm:"type:text;not null;default:''"`
}

func (m1AuditEvent) TableName() string { return "audit_events" }

type m1CaseRow struct {
	ID               uint      `gorm:"primaryKey"`
	CaseNumber       string    `gorm:"size:20;not null;uniqueIndex"`
	OfficeID         uint      `gorm:"not null;index:idx_cases_office_status,priority:1"`
	Office           *m1Office `gorm:"constraint:OnDelete:RESTRICT"`
	Direction        string    `gorm:"size:10;not null;index"`
	FamilyName       string    `gorm:"size:200;not null"`
	GivenName        string    `gorm:"size:200;not null"`
	SearchKey        string    `gorm:"type:text;not null;default:''"`
	NameKey          string    `gorm:"size:400;not null;default:'';index"`
	Sex              string    `gorm:"size:1;not null"`
	BirthDate        Date
	AgeEstimate      *int
	Nationality      string `gorm:"size:2;not null;index"`
	ReturnCountry    string `gorm:"size:2;not null"`
	Phone            string `gorm:"size:40;not null;default:''"`
	Languages        string `gorm:"size:200;not null;default:''"`
	IDDocType        string `gorm:"column:id_doc_type;size:40;not null;default:''"`
	IDDocNumber      string `gorm:"column:id_doc_number;size:60;not null;default:''"`
	ConsentDate      Date   `gorm:"not null"`
	ConsentShare     bool   `gorm:"not null;default:false"`
	RequestDate      Date
	RequestReason    string  `gorm:"size:40;not null;default:''"`
	AssignedToID     *uint   `gorm:"index"`
	AssignedTo       *m1User `gorm:"constraint:OnDelete:SET NULL"`
	Notes            string  `gorm:"type:text;not null;default:''"`
	Status           string  `gorm:"size:20;not null;index:idx_cases_office_status,priority:2;index"`
	DepartureDate    Date    `gorm:"index"`
	ArrivalDate      Date
	TravelRoute      string  `gorm:"size:200;not null;default:''"`
	Escort           string  `gorm:"size:20;not null;default:''"`
	ReceivedBy       string  `gorm:"size:200;not null;default:''"`
	ClosureReason    string  `gorm:"size:40;not null;default:''"`
	DuplicateChecked bool    `gorm:"not null;default:false"`
	Version          int     `gorm:"not null;default:1"`
	CreatedByID      uint    `gorm:"not null"`
	CreatedBy        *m1User `gorm:"constraint:OnDelete:RESTRICT"`
	CreatedAt        time.Time
	UpdatedAt        time.Time
}

func (m1CaseRow) TableName() string { return "cases" }

type m1HouseholdMember struct {
	ID        uint       `gorm:"primaryKey"`
	CaseID    uint       `gorm:"not null;index"`
	Case      *m1CaseRow `gorm:"constraint:OnDelete:CASCADE"`
	Name      string     `gorm:"size:200;not null"`
	Relation  string     `gorm:"size:40;not null;default:''"`
	Sex       string     `gorm:"size:1;not null"`
	BirthDate Date
}

func (m1HouseholdMember) TableName() string { return "household_members" }

type m1CaseVulnerability struct {
	CaseID uint       `gorm:"primaryKey;autoIncrement:false"`
	Case   *m1CaseRow `gorm:"constraint:OnDelete:CASCADE"`
	Code   string     `gorm:"primaryKey;size:40;index"`
}

func (m1CaseVulnerability) TableName() string { return "case_vulnerabilities" }

type m1StatusChange struct {
	ID         uint       `gorm:"primaryKey"`
	CaseID     uint       `gorm:"not null;index"`
	Case       *m1CaseRow `gorm:"constraint:OnDelete:CASCADE"`
	FromStatus string     `gorm:"size:20;not null;default:''"`
	ToStatus   string     `gorm:"size:20;not null"`
	Date       Date       `gorm:"not null"`
	Reason     string     `gorm:"size:40;not null;default:''"`
	Note       string     `gorm:"type:text;not null;default:''"`
	UserID     uint       `gorm:"not null"`
	User       *m1User    `gorm:"constraint:OnDelete:RESTRICT"`
	CreatedAt  time.Time
}

func (m1StatusChange) TableName() string { return "status_changes" }

type m1CaseCounter struct {
	OfficeID uint `gorm:"primaryKey;autoIncrement:false"`
	Year     int  `gorm:"primaryKey;autoIncrement:false"`
	Last     int  `gorm:"not null"`
}

func (m1CaseCounter) TableName() string { return "case_counters" }

type m1Activity struct {
	ID          uint       `gorm:"primaryKey"`
	CaseID      uint       `gorm:"not null;index"`
	Case        *m1CaseRow `gorm:"constraint:OnDelete:CASCADE"`
	Kind        string     `gorm:"size:20;not null"`
	Mode        string     `gorm:"size:20;not null;default:''"`
	Date        Date       `gorm:"not null"`
	Note        string     `gorm:"type:text;not null;default:''"`
	CreatedByID uint       `gorm:"not null"`
	CreatedBy   *m1User    `gorm:"constraint:OnDelete:RESTRICT"`
	CreatedAt   time.Time
}

func (m1Activity) TableName() string { return "activities" }

type m1GroupSession struct {
	ID          uint      `gorm:"primaryKey"`
	OfficeID    uint      `gorm:"not null;index"`
	Office      *m1Office `gorm:"constraint:OnDelete:RESTRICT"`
	Kind        string    `gorm:"size:20;not null"`
	Title       string    `gorm:"size:200;not null"`
	Date        Date      `gorm:"not null;index"`
	Place       string    `gorm:"size:200;not null;default:''"`
	Facilitator string    `gorm:"size:200;not null;default:''"`
	CreatedByID uint      `gorm:"not null"`
	CreatedBy   *m1User   `gorm:"constraint:OnDelete:RESTRICT"`
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

func (m1GroupSession) TableName() string { return "group_sessions" }

type m1SessionAttendance struct {
	SessionID uint            `gorm:"primaryKey;autoIncrement:false"`
	Session   *m1GroupSession `gorm:"constraint:OnDelete:CASCADE"`
	CaseID    uint            `gorm:"primaryKey;autoIncrement:false;index"`
	Case      *m1CaseRow      `gorm:"constraint:OnDelete:CASCADE"`
	AddedByID uint            `gorm:"not null"`
	CreatedAt time.Time
}

func (m1SessionAttendance) TableName() string { return "session_attendances" }

type m1Referral struct {
	ID           uint       `gorm:"primaryKey"`
	CaseID       uint       `gorm:"not null;index"`
	Case         *m1CaseRow `gorm:"constraint:OnDelete:CASCADE"`
	Partner      string     `gorm:"size:40;not null"`
	PartnerName  string     `gorm:"size:200;not null;default:''"`
	Purpose      string     `gorm:"type:text;not null;default:''"`
	DateSent     Date       `gorm:"not null;index"`
	Status       string     `gorm:"size:20;not null"`
	Outcome      string     `gorm:"type:text;not null;default:''"`
	Satisfaction *int
	Reason       string  `gorm:"type:text;not null;default:''"`
	CreatedByID  uint    `gorm:"not null"`
	CreatedBy    *m1User `gorm:"constraint:OnDelete:RESTRICT"`
	Version      int     `gorm:"not null;default:1"`
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

func (m1Referral) TableName() string { return "referrals" }

type m1Support struct {
	ID             uint       `gorm:"primaryKey"`
	CaseID         uint       `gorm:"not null;index"`
	Case           *m1CaseRow `gorm:"constraint:OnDelete:CASCADE"`
	Type           string     `gorm:"size:20;not null"`
	Description    string     `gorm:"type:text;not null;default:''"`
	Amount         int64      `gorm:"not null;default:0"`
	Currency       string     `gorm:"size:3;not null"`
	Date           Date       `gorm:"not null"`
	FundedByOffice bool       `gorm:"not null;default:false"`
	Status         string     `gorm:"size:20;not null;index"`
	PlannedByID    uint       `gorm:"not null"`
	PlannedBy      *m1User    `gorm:"constraint:OnDelete:RESTRICT"`
	ApprovedByID   *uint
	ApprovedBy     *m1User `gorm:"constraint:OnDelete:RESTRICT"`
	ApprovedAt     *time.Time
	DeliveredByID  *uint
	DeliveredBy    *m1User `gorm:"constraint:OnDelete:RESTRICT"`
	DeliveredOn    Date
	CancelReason   string `gorm:"type:text;not null;default:''"`
	ReturnComment  string `gorm:"type:text;not null;default:''"`
	Version        int    `gorm:"not null;default:1"`
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

func (m1Support) TableName() string { return "supports" }
