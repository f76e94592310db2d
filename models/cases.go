package models

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// IDDocTypes are the identity documents a person may hold.
var IDDocTypes = []string{"passport", "national_id", "consular_card", "travel_document", "residence_permit", "other"}

// Relations are how a household member is related to the principal applicant.
var Relations = []string{"spouse", "child", "parent", "sibling", "other"}

// closureBeforeReturn are the closure reasons allowed before the person has returned.
var closureBeforeReturn = []string{"withdrawn", "not_eligible", "lost_contact"}

// HouseholdInput is one household row of the case form.
type HouseholdInput struct {
	Name, Relation, Sex, BirthDate string
	// Remove marks a row the user asked to take out.
	Remove bool
}

func (h HouseholdInput) blank() bool {
	return strings.TrimSpace(h.Name+h.Relation+h.Sex+h.BirthDate) == ""
}

// CaseInput is every user-settable field of a case, as typed in the form.
type CaseInput struct {
	Direction, FamilyName, GivenName, Sex    string
	BirthDate, AgeEstimate                   string
	Nationality, ReturnCountry               string
	Phone, Languages, IDDocType, IDDocNumber string
	Vulnerabilities                          []string
	Household                                []HouseholdInput
	ConsentDate                              string
	ConsentShare                             bool
	RequestDate, RequestReason               string
	// OfficeID is the case's office; a user bound to an office always gets theirs.
	OfficeID     uint
	AssignedToID uint
	Notes        string
	// ConfirmDifferent records that the listed possible duplicates are other people.
	ConfirmDifferent bool

	birth, consent, request Date
	age                     *int
}

// Validate checks the input against today's date and returns errors keyed by form field.
func (in *CaseInput) Validate() FieldErrors { return in.ValidateAt(DateOf(time.Now())) }

// ValidateAt checks the input; today bounds the dates.
func (in *CaseInput) ValidateAt(today Date) FieldErrors {
	fe := FieldErrors{}
	in.FamilyName, in.GivenName = strings.TrimSpace(in.FamilyName), strings.TrimSpace(in.GivenName)
	in.Nationality = strings.ToUpper(strings.TrimSpace(in.Nationality))
	in.ReturnCountry = strings.ToUpper(strings.TrimSpace(in.ReturnCountry))
	in.Phone, in.IDDocNumber = strings.TrimSpace(in.Phone), strings.TrimSpace(in.IDDocNumber)
	in.Languages, in.Notes = strings.TrimSpace(in.Languages), strings.TrimSpace(in.Notes)
	if !slices.Contains(Directions, Direction(in.Direction)) {
		fe.Add("direction", "error.choose_value")
	}
	checkText(fe, "family_name", in.FamilyName, true)
	checkText(fe, "given_name", in.GivenName, true)
	if !slices.Contains(Sexes, Sex(in.Sex)) {
		fe.Add("sex", "error.choose_value")
	}
	in.age = nil
	switch {
	case strings.TrimSpace(in.BirthDate) != "":
		in.birth = checkDate(fe, "birth_date", in.BirthDate, today, true)
	case strings.TrimSpace(in.AgeEstimate) != "":
		n, err := strconv.Atoi(strings.TrimSpace(in.AgeEstimate))
		if err != nil || n < 0 || n > 120 {
			fe.Add("age_estimate", "cases.error.age_range")
		} else {
			in.age = &n
		}
		in.birth = Date{}
	default:
		fe.Add("birth_date", "cases.error.birth_or_age")
	}
	if !ValidCountry(in.Nationality) {
		fe.Add("nationality", "cases.error.country")
	}
	if in.ReturnCountry == "" && Direction(in.Direction) == Inbound {
		in.ReturnCountry = Morocco
	}
	if !ValidCountry(in.ReturnCountry) {
		fe.Add("return_country", "cases.error.country")
	} else if Direction(in.Direction) == Inbound && in.ReturnCountry != Morocco {
		fe.Add("return_country", "cases.error.inbound_morocco")
	}
	checkText(fe, "phone", in.Phone, false)
	if in.Phone != "" && (len(in.Phone) > 40 || strings.ContainsFunc(in.Phone, func(r rune) bool {
		return !unicode.IsDigit(r) && !strings.ContainsRune(" +-().", r)
	})) {
		fe.Add("phone", "cases.error.phone")
	}
	checkText(fe, "languages", in.Languages, false)
	if in.IDDocType != "" && !slices.Contains(IDDocTypes, in.IDDocType) {
		fe.Add("id_doc_type", "error.choose_value")
	}
	checkText(fe, "id_doc_number", in.IDDocNumber, false)
	var vulns []string
	for _, v := range in.Vulnerabilities {
		if !slices.Contains(Vulnerabilities, Vulnerability(v)) {
			fe.Add("vulnerabilities", "error.choose_value")
		} else if !slices.Contains(vulns, v) {
			vulns = append(vulns, v)
		}
	}
	in.Vulnerabilities = vulns
	for i := range in.Household {
		h := &in.Household[i]
		h.Name, h.Relation = strings.TrimSpace(h.Name), strings.TrimSpace(h.Relation)
		if h.Remove || h.blank() {
			continue
		}
		p := fmt.Sprintf("household[%d].", i)
		checkText(fe, p+"name", h.Name, true)
		if !slices.Contains(Relations, h.Relation) {
			fe.Add(p+"relation", "error.choose_value")
		}
		if !slices.Contains(Sexes, Sex(h.Sex)) {
			fe.Add(p+"sex", "error.choose_value")
		}
		if strings.TrimSpace(h.BirthDate) != "" {
			checkDate(fe, p+"birth_date", h.BirthDate, today, true)
		}
	}
	if strings.TrimSpace(in.ConsentDate) == "" {
		fe.Add("consent_date", "error.required")
	} else {
		in.consent = checkDate(fe, "consent_date", in.ConsentDate, today, false)
	}
	in.request = Date{}
	if strings.TrimSpace(in.RequestDate) != "" {
		in.request = checkDate(fe, "request_date", in.RequestDate, today, false)
	}
	if in.RequestReason != "" && !slices.Contains(RequestReasons, in.RequestReason) {
		fe.Add("request_reason", "error.choose_value")
	}
	checkText(fe, "notes", in.Notes, false)
	return fe
}

// Members returns the household rows to store: not removed, not blank.
func (in *CaseInput) Members() []HouseholdInput {
	var out []HouseholdInput
	for _, h := range in.Household {
		if !h.Remove && !h.blank() {
			out = append(out, h)
		}
	}
	return out
}

// checkDate parses a date that must be real, not in the future and, for a birth date,
// not absurdly old.
func checkDate(fe FieldErrors, field, v string, today Date, birth bool) Date {
	d, err := ParseDate(v)
	switch {
	case err != nil:
		fe.Add(field, "cases.error.date_invalid")
	case d.After(today):
		fe.Add(field, "cases.error.date_future")
	case birth && d.Year() < today.Year()-120:
		fe.Add(field, "cases.error.date_too_old")
	case !birth && d.Year() < 1990:
		fe.Add(field, "cases.error.date_too_old")
	default:
		return d
	}
	return Date{}
}

// DuplicatesError is a registration that matches existing cases; the user must open
// one of them or confirm that this is a different person.
type DuplicatesError struct{ Cases []Case }

func (e *DuplicatesError) Error() string { return fmt.Sprintf("%d possible duplicates", len(e.Cases)) }

// ConflictError is an edit from a version someone else has changed since; it carries
// the case as it is now and the fields changed meanwhile.
type ConflictError struct {
	Current *Case
	Changed []string
}

func (e *ConflictError) Error() string { return "edited by someone else meanwhile" }

// Is makes errors.Is(err, ErrConflict) true.
func (e *ConflictError) Is(target error) bool { return target == ErrConflict }

// TransitionError is a workflow move that is not allowed; Key is the message to show.
type TransitionError struct{ Key string }

func (e *TransitionError) Error() string { return "transition refused: " + e.Key }

// CaseStore manages cases, their household, vulnerabilities and workflow.
type CaseStore struct {
	db    *DB
	now   func() time.Time
	audit *AuditStore
}

// NewCaseStore builds the store.
func NewCaseStore(db *DB, now func() time.Time, audit *AuditStore) *CaseStore {
	return &CaseStore{db: db, now: now, audit: audit}
}

// Today is the store clock's date.
func (s *CaseStore) Today() Date { return DateOf(s.now()) }

// caseSearchKey is the normalised text a case is found by.
func caseSearchKey(c *Case) string {
	return SearchKey(c.FamilyName, c.GivenName, c.CaseNumber, c.IDDocNumber, c.Phone)
}

// applyInput copies validated input onto a case.
func applyInput(c *Case, in *CaseInput) {
	c.Direction, c.FamilyName, c.GivenName = Direction(in.Direction), in.FamilyName, in.GivenName
	c.Sex, c.BirthDate, c.AgeEstimate = Sex(in.Sex), in.birth, in.age
	c.Nationality, c.ReturnCountry, c.Phone, c.Languages = in.Nationality, in.ReturnCountry, in.Phone, in.Languages
	c.IDDocType, c.IDDocNumber = in.IDDocType, in.IDDocNumber
	c.ConsentDate, c.ConsentShare, c.RequestDate, c.RequestReason = in.consent, in.ConsentShare, in.request, in.RequestReason
	c.Notes = in.Notes
	c.AssignedToID = nil
	if in.AssignedToID != 0 {
		id := in.AssignedToID
		c.AssignedToID = &id
	}
	c.NameKey = NameKey(c.FamilyName, c.GivenName)
	c.SearchKey = caseSearchKey(c)
}

// checkOfficeAndAssignee resolves the office (a bound user's own) and checks the
// assignee is an active caseworker or supervisor of it.
func checkOfficeAndAssignee(tx *gorm.DB, sc Scope, in *CaseInput) (*Office, error) {
	if sc.OfficeID != nil {
		in.OfficeID = *sc.OfficeID
	}
	if in.OfficeID == 0 {
		return nil, FieldErrors{"office": "error.required"}.Err()
	}
	var o Office
	if err := tx.First(&o, in.OfficeID).Error; err != nil {
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return nil, FieldErrors{"office": "error.office_unknown"}.Err()
		}
		return nil, fmt.Errorf("load office: %w", err)
	}
	if in.AssignedToID != 0 {
		var n int64
		err := tx.Model(&User{}).Where("id = ? AND office_id = ? AND active = ? AND role IN ?",
			in.AssignedToID, o.ID, true, []Role{RoleCaseworker, RoleSupervisor}).Count(&n).Error
		if err != nil {
			return nil, fmt.Errorf("check assignee: %w", err)
		}
		if n == 0 {
			return nil, FieldErrors{"assigned_to": "cases.error.assignee"}.Err()
		}
	}
	return &o, nil
}

// provisionalCaseNumber is a case's unique stand-in number inside the transaction that
// registers it: 64 random bits, within the column's 20 characters.
func provisionalCaseNumber() (string, error) {
	b := make([]byte, 8)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("provisional case number: %w", err)
	}
	return "~" + hex.EncodeToString(b), nil
}

// NextCaseNumber allocates the next number of an office's year inside tx. The upsert
// takes a row lock, so concurrent registrations never share a number.
func NextCaseNumber(tx *gorm.DB, office *Office, year int) (string, error) {
	var last int
	err := tx.Raw(`INSERT INTO case_counters (office_id, year, last) VALUES (?, ?, 1)
		ON CONFLICT (office_id, year) DO UPDATE SET last = case_counters.last + 1 RETURNING last`,
		office.ID, year).Scan(&last).Error
	if err != nil {
		return "", fmt.Errorf("allocate case number: %w", err)
	}
	return fmt.Sprintf("%s-%d-%05d", office.Code, year, last), nil
}

// Create registers a case with its household, vulnerabilities and first status, in one
// transaction. Unless the input confirms a different person, possible duplicates
// stop the registration with a *DuplicatesError.
func (s *CaseStore) Create(ctx context.Context, actor Actor, sc Scope, in CaseInput) (*Case, error) {
	today := s.Today()
	if err := in.ValidateAt(today).Err(); err != nil {
		return nil, err
	}
	if !in.ConfirmDifferent {
		dups, err := s.PossibleDuplicates(ctx, sc, in)
		if err != nil {
			return nil, err
		}
		if len(dups) > 0 {
			return nil, &DuplicatesError{Cases: dups}
		}
	}
	cs := &Case{}
	err := s.db.Tx(ctx, func(tx *gorm.DB) error {
		office, err := checkOfficeAndAssignee(tx, sc, &in)
		if err != nil {
			return err
		}
		// The number is taken last, just before the commit: taking it locks the office's
		// counter until the commit, and every registration of the office waits for that
		// lock (on PostgreSQL). Until then the case carries a unique provisional number
		// that no one else can see.
		if cs.CaseNumber, err = provisionalCaseNumber(); err != nil {
			return err
		}
		applyInput(cs, &in)
		cs.OfficeID = office.ID
		cs.Status = StatusRegistered
		if cs.Direction == Inbound {
			cs.Status = StatusReturned
		}
		cs.DuplicateChecked = in.ConfirmDifferent
		cs.Version = 1
		cs.CreatedAt = s.now().UTC()
		cs.UpdatedAt = cs.CreatedAt
		if actor.User != nil {
			cs.CreatedByID = actor.User.ID
		}
		if err := tx.Omit(clause.Associations).Create(cs).Error; err != nil {
			return fmt.Errorf("create case: %w", err)
		}
		if err := writeChildren(tx, cs.ID, &in, false); err != nil {
			return err
		}
		if err := tx.Create(&StatusChange{CaseID: cs.ID, To: cs.Status, Date: today, UserID: cs.CreatedByID, CreatedAt: cs.CreatedAt}).Error; err != nil {
			return fmt.Errorf("record first status: %w", err)
		}
		ev := actor.Event("case.create", "case", fmt.Sprint(cs.ID))
		ev.Fields = strings.Join(setFields(&in), ",")
		if in.ConfirmDifferent {
			ev.Details = "duplicate_checked"
		}
		if err := s.audit.RecordTx(tx, ev); err != nil {
			return err
		}
		if cs.CaseNumber, err = NextCaseNumber(tx, office, today.Year()); err != nil {
			return err
		}
		cs.SearchKey = caseSearchKey(cs)
		if err := tx.Model(&Case{}).Where("id = ?", cs.ID).
			UpdateColumns(map[string]any{"case_number": cs.CaseNumber, "search_key": cs.SearchKey}).Error; err != nil {
			return fmt.Errorf("number case: %w", err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return cs, nil
}

// writeChildren replaces a case's household and vulnerabilities.
// writeChildren saves a case's household and vulnerabilities, replacing any it had
// (a new case has none to clear). Each list is one INSERT: a registration holds the
// office's case-number counter until it commits, so every statement saved here is
// time the office's other registrations do not wait (on PostgreSQL).
func writeChildren(tx *gorm.DB, caseID uint, in *CaseInput, replace bool) error {
	if replace {
		if err := tx.Where("case_id = ?", caseID).Delete(&HouseholdMember{}).Error; err != nil {
			return fmt.Errorf("clear household: %w", err)
		}
		if err := tx.Where("case_id = ?", caseID).Delete(&CaseVulnerability{}).Error; err != nil {
			return fmt.Errorf("clear vulnerabilities: %w", err)
		}
	}
	var members []HouseholdMember
	for _, h := range in.Members() {
		bd, _ := ParseDate(h.BirthDate)
		if strings.TrimSpace(h.BirthDate) == "" {
			bd = Date{}
		}
		members = append(members, HouseholdMember{CaseID: caseID, Name: h.Name, Relation: h.Relation, Sex: Sex(h.Sex), BirthDate: bd})
	}
	if len(members) > 0 {
		if err := tx.Create(&members).Error; err != nil {
			return fmt.Errorf("add household: %w", err)
		}
	}
	var vulns []CaseVulnerability
	for _, v := range in.Vulnerabilities {
		vulns = append(vulns, CaseVulnerability{CaseID: caseID, Code: v})
	}
	if len(vulns) > 0 {
		if err := tx.Create(&vulns).Error; err != nil {
			return fmt.Errorf("add vulnerabilities: %w", err)
		}
	}
	return nil
}

// InputOf turns a stored case back into form input, for the edit form.
func InputOf(c *Case) CaseInput {
	in := CaseInput{
		Direction: string(c.Direction), FamilyName: c.FamilyName, GivenName: c.GivenName, Sex: string(c.Sex),
		BirthDate: c.BirthDate.String(), Nationality: c.Nationality, ReturnCountry: c.ReturnCountry,
		Phone: c.Phone, Languages: c.Languages, IDDocType: c.IDDocType, IDDocNumber: c.IDDocNumber,
		ConsentDate: c.ConsentDate.String(), ConsentShare: c.ConsentShare, RequestDate: c.RequestDate.String(),
		RequestReason: c.RequestReason, OfficeID: c.OfficeID, Notes: c.Notes,
	}
	if c.AgeEstimate != nil {
		in.AgeEstimate = strconv.Itoa(*c.AgeEstimate)
	}
	if c.AssignedToID != nil {
		in.AssignedToID = *c.AssignedToID
	}
	for _, v := range c.VulnerabilityOf {
		in.Vulnerabilities = append(in.Vulnerabilities, v.Code)
	}
	slices.Sort(in.Vulnerabilities)
	for _, h := range c.Household {
		in.Household = append(in.Household, HouseholdInput{Name: h.Name, Relation: h.Relation, Sex: string(h.Sex), BirthDate: h.BirthDate.String()})
	}
	return in
}

// caseFields maps form field names to their values, to name what changed.
func caseFields(in *CaseInput) map[string]string {
	vulns := slices.Clone(in.Vulnerabilities)
	slices.Sort(vulns)
	var hh []string
	for _, h := range in.Members() {
		hh = append(hh, h.Name+"|"+h.Relation+"|"+h.Sex+"|"+strings.TrimSpace(h.BirthDate))
	}
	return map[string]string{
		"direction": in.Direction, "family_name": in.FamilyName, "given_name": in.GivenName, "sex": in.Sex,
		"birth_date": strings.TrimSpace(in.BirthDate), "age_estimate": strings.TrimSpace(in.AgeEstimate),
		"nationality": in.Nationality, "return_country": in.ReturnCountry, "phone": in.Phone,
		"languages": in.Languages, "id_doc_type": in.IDDocType, "id_doc_number": in.IDDocNumber,
		"vulnerabilities": strings.Join(vulns, ","), "household": strings.Join(hh, ";"),
		"consent_date": strings.TrimSpace(in.ConsentDate), "consent_share": strconv.FormatBool(in.ConsentShare),
		"request_date": strings.TrimSpace(in.RequestDate), "request_reason": in.RequestReason,
		"assigned_to": strconv.FormatUint(uint64(in.AssignedToID), 10), "notes": in.Notes,
	}
}

// CaseFieldOrder is the order fields are listed in (audit, conflict page).
var CaseFieldOrder = []string{"direction", "family_name", "given_name", "sex", "birth_date", "age_estimate",
	"nationality", "return_country", "phone", "languages", "id_doc_type", "id_doc_number", "vulnerabilities",
	"household", "consent_date", "consent_share", "request_date", "request_reason", "assigned_to", "notes"}

// ChangedFields names the fields whose values differ between two inputs.
func ChangedFields(a, b *CaseInput) []string {
	fa, fb := caseFields(a), caseFields(b)
	var out []string
	for _, k := range CaseFieldOrder {
		if fa[k] != fb[k] {
			out = append(out, k)
		}
	}
	return out
}

func setFields(in *CaseInput) []string {
	var out []string
	f := caseFields(in)
	for _, k := range CaseFieldOrder {
		if v := f[k]; v != "" && v != "0" && v != "false" {
			out = append(out, k)
		}
	}
	return out
}

// PossibleDuplicates lists cases in scope with the same normalised name (any word
// order) and the same birth year or nationality.
func (s *CaseStore) PossibleDuplicates(ctx context.Context, sc Scope, in CaseInput) ([]Case, error) {
	key := NameKey(in.FamilyName, in.GivenName)
	if key == "" {
		return nil, nil
	}
	q := sc.Where(s.db.Read.WithContext(ctx).Model(&Case{}), "cases.office_id").Where("cases.name_key = ?", key)
	year := ""
	if d, err := ParseDate(in.BirthDate); err == nil {
		year = strconv.Itoa(d.Year())
	} else if n, err := strconv.Atoi(strings.TrimSpace(in.AgeEstimate)); err == nil {
		year = strconv.Itoa(s.Today().Year() - n)
	}
	nat := strings.ToUpper(strings.TrimSpace(in.Nationality))
	q = q.Where("(substr(cases.birth_date, 1, 4) = ? OR cases.nationality = ?)", year, nat)
	var out []Case
	if err := q.Preload("Office").Order("cases.id").Limit(20).Find(&out).Error; err != nil {
		return nil, fmt.Errorf("find duplicates: %w", err)
	}
	return out, nil
}

// Get loads one case in scope with everything its file shows; out of scope is ErrNotFound.
func (s *CaseStore) Get(ctx context.Context, sc Scope, id uint) (*Case, error) {
	return s.get(s.db.Read.WithContext(ctx), sc, id, true)
}

func (s *CaseStore) get(db *gorm.DB, sc Scope, id uint, full bool) (*Case, error) {
	if full {
		return caseWithDetails(db, sc, id)
	}
	var c Case
	if err := sc.Where(db.Model(&Case{}), "cases.office_id").Where("cases.id = ?", id).First(&c).Error; err != nil {
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return nil, ErrNotFound
		}
		return nil, fmt.Errorf("load case %d: %w", id, err)
	}
	return &c, nil
}

// Viewed records that the actor opened a case file. The event is queued, not waited
// for (AuditStore.Enqueue): under an office's write load, waiting for it made a case
// file ten times slower than the list.
func (s *CaseStore) Viewed(actor Actor, c *Case) {
	s.audit.Enqueue(actor.Event("case.view", "case", fmt.Sprint(c.ID)))
}

// CaseFilter selects cases for the list.
type CaseFilter struct {
	Q             string
	Status        string
	OfficeCode    string
	Nationality   string
	Direction     string
	Vulnerability string
	AssignedTo    uint
	// Open keeps only cases that are not closed.
	Open bool
	// StaleSince keeps open cases whose status has not changed since this time.
	StaleSince time.Time
	Sort       string
	Page       int
	PerPage    int
}

// whereOfficeAndStatus applies the scope and the office and status filters to q, whose
// office_id and status columns carry prefix: the same conditions select the listed
// cases and sum their tallies, so the total cannot drift from the rows.
func (f CaseFilter) whereOfficeAndStatus(q *gorm.DB, sc Scope, prefix string) *gorm.DB {
	q = sc.Where(q, prefix+"office_id")
	if f.Status != "" {
		q = q.Where(prefix+"status = ?", f.Status)
	}
	if f.Open {
		q = q.Where(prefix+"status <> ?", StatusClosed)
	}
	return whereOfficeCode(q, prefix+"office_id", f.OfficeCode)
}

// whereOfficeCode keeps the rows of the office with that code (all when empty) through
// column, an office id. Applied after the scope, it can only narrow it: another
// office's code gives nothing.
func whereOfficeCode(q *gorm.DB, column, code string) *gorm.DB {
	if code == "" {
		return q
	}
	return q.Where(column+" IN (SELECT id FROM offices WHERE code = ?)", strings.ToUpper(code))
}

// onlyOfficeAndStatus reports whether the filter selects by nothing but office and
// status (the order and the page do not change the count). A filter added later counts
// rows until it is taught otherwise, so a new filter can never get a wrong total.
func (f CaseFilter) onlyOfficeAndStatus() bool {
	rest := f
	rest.Status, rest.Open, rest.OfficeCode = "", false, ""
	rest.Sort, rest.Page, rest.PerPage = "", 0, 0
	return rest == CaseFilter{}
}

// onlyStale reports whether the filter selects the open cases waiting since a time and
// nothing else but their assignee (the order and the page do not change the count), as
// onlyOfficeAndStatus does for the tallies by status.
func (f CaseFilter) onlyStale() bool {
	rest := f
	rest.StaleSince, rest.Open, rest.AssignedTo = time.Time{}, false, 0
	rest.Sort, rest.Page, rest.PerPage = "", 0, 0
	return !f.StaleSince.IsZero() && rest == CaseFilter{}
}

// CaseSorts are the list orders a user may choose; every one ends with the id, so
// pages are stable.
var CaseSorts = map[string]string{
	"-created": "cases.created_at DESC, cases.id DESC",
	"created":  "cases.created_at, cases.id",
	"number":   "cases.case_number, cases.id",
	"-number":  "cases.case_number DESC, cases.id DESC",
	"name":     "cases.family_name, cases.given_name, cases.id",
	"-updated": "cases.updated_at DESC, cases.id DESC",
	"status":   "cases.status, cases.id",
}

// CaseSortKeys lists the sort choices in form order.
var CaseSortKeys = []string{"-created", "created", "number", "-number", "name", "-updated", "status"}

// DefaultPerPage is the list's page size.
const DefaultPerPage = 25

// List returns one page of the cases in scope matching the filter, and their total.
func (s *CaseStore) List(ctx context.Context, sc Scope, f CaseFilter) ([]Case, int64, error) {
	prefix := "cases."
	if s.db.Dialect == SQLite && indexedSearch(f.Q) {
		// SQLite keeps no statistics, so it guesses that an office's or a status's
		// cases are few and walks their index, testing each case against the search:
		// 5 ms for a caseworker's search at 122,000 cases. Unary plus keeps those
		// columns out of index choice, so the search's matches drive the query (0.5 ms).
		prefix = "+cases."
	}
	q := f.whereOfficeAndStatus(s.db.Read.WithContext(ctx).Model(&Case{}), sc, prefix)
	q = whereSearch(q, sc, f.Q)
	if f.Nationality != "" {
		q = q.Where("cases.nationality = ?", strings.ToUpper(f.Nationality))
	}
	if f.Direction != "" {
		q = q.Where("cases.direction = ?", f.Direction)
	}
	if f.Vulnerability != "" {
		q = q.Where("EXISTS (SELECT 1 FROM case_vulnerabilities v WHERE v.case_id = cases.id AND v.code = ?)", f.Vulnerability)
	}
	if f.AssignedTo != 0 {
		q = q.Where("cases.assigned_to_id = ?", f.AssignedTo)
	}
	if !f.StaleSince.IsZero() {
		q = q.Where("cases.status <> ?", StatusClosed).
			Where("NOT EXISTS (SELECT 1 FROM status_changes sc WHERE sc.case_id = cases.id AND sc.created_at >= ?)", f.StaleSince)
	}
	total, err := s.count(ctx, q, sc, f)
	if err != nil {
		return nil, 0, err
	}
	order, ok := CaseSorts[f.Sort]
	if !ok {
		order = CaseSorts["-created"]
	}
	per := f.PerPage
	if per <= 0 || per > 200 {
		per = DefaultPerPage
	}
	page := max(f.Page, 1)
	// Only the columns a list shows, with the office code and the assignee's name
	// joined in the same query (no SELECT *, no preload queries).
	rows, err := collectRows(q.Select(`cases.id, cases.case_number, cases.office_id, cases.family_name, cases.given_name,
		cases.nationality, cases.status, cases.assigned_to_id, cases.created_at, cases.updated_at,
		o.code AS office_code, u.name AS assignee_name`).
		Joins("LEFT JOIN offices o ON o.id = cases.office_id").
		Joins("LEFT JOIN users u ON u.id = cases.assigned_to_id").
		Order(order).Limit(per).Offset((page-1)*per), func(rows *sql.Rows, r *caseListRow) error {
		return rows.Scan(&r.ID, &r.CaseNumber, &r.OfficeID, &r.FamilyName, &r.GivenName, &r.Nationality, &r.Status,
			&r.AssignedToID, &r.CreatedAt, &r.UpdatedAt, &r.OfficeCode, &r.AssigneeName)
	})
	if err != nil {
		return nil, 0, fmt.Errorf("list cases: %w", err)
	}
	out := make([]Case, len(rows))
	offices := make([]Office, len(rows))
	users := make([]User, len(rows))
	for i := range rows {
		r := &rows[i]
		out[i] = Case{ID: r.ID, CaseNumber: r.CaseNumber, OfficeID: r.OfficeID, FamilyName: r.FamilyName,
			GivenName: r.GivenName, Nationality: r.Nationality, Status: r.Status, AssignedToID: r.AssignedToID,
			CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}
		if r.OfficeCode != nil {
			offices[i] = Office{ID: r.OfficeID, Code: *r.OfficeCode}
			out[i].Office = &offices[i]
		}
		if r.AssignedToID != nil && r.AssigneeName != nil {
			users[i] = User{ID: *r.AssignedToID, Name: *r.AssigneeName}
			out[i].AssignedTo = &users[i]
		}
	}
	return out, total, nil
}

// indexedSearch reports whether a query has a word the suffix index looks up.
func indexedSearch(text string) bool {
	for _, term := range SearchTerms(text) {
		if utf8.RuneCountInString(term) >= 3 {
			return true
		}
	}
	return false
}

// whereSearch keeps the cases in which every word of the query appears inside a word of
// the search key. Words of three letters or more are looked up as a prefix of the
// indexed suffixes (see migrateNameSearch), the scope applied inside the lookup so that
// it reads only the offices in scope; shorter words, which would match a large part of
// the index anyway, are matched in the key itself.
func whereSearch(q *gorm.DB, sc Scope, text string) *gorm.DB {
	for _, term := range SearchTerms(text) {
		if utf8.RuneCountInString(term) < 3 {
			q = q.Where(`cases.search_key LIKE ? ESCAPE '\'`, Like(term))
			continue
		}
		sub := sc.Where(q.Session(&gorm.Session{NewDB: true}).Table("case_search_suffixes").Select("case_id"), "office_id").
			Where("suffix >= ? AND suffix <= ?", term, term+string(utf8.MaxRune))
		q = q.Where("cases.id IN (?)", sub)
	}
	return q
}

// count is the number of cases the filter selects. Filtered only by office and status
// (the list as it opens, a status tab), it is read off case_tallies; the cases waiting
// since a time (the home's "waiting" list, of one assignee or all) are counted as the
// home counts them; any other filter counts the matching rows.
func (s *CaseStore) count(ctx context.Context, q *gorm.DB, sc Scope, f CaseFilter) (int64, error) {
	var total int64
	if f.onlyStale() {
		return waitingCount(s.db.Read.WithContext(ctx), sc, f.AssignedTo, f.StaleSince)
	}
	if !f.onlyOfficeAndStatus() {
		if err := q.Count(&total).Error; err != nil {
			return 0, fmt.Errorf("count cases: %w", err)
		}
		return total, nil
	}
	t := f.whereOfficeAndStatus(s.db.Read.WithContext(ctx).Table("case_tallies"), sc, "")
	if err := t.Select("COALESCE(SUM(n), 0)").Row().Scan(&total); err != nil {
		return 0, fmt.Errorf("count cases from tallies: %w", err)
	}
	return total, nil
}

// caseListRow is one row of the list query.
type caseListRow struct {
	ID                    uint
	CaseNumber            string
	OfficeID              uint
	FamilyName, GivenName string
	Nationality           string
	Status                CaseStatus
	AssignedToID          *uint
	CreatedAt, UpdatedAt  time.Time
	OfficeCode            *string
	AssigneeName          *string
}

// Update saves an edit made from version. If someone saved in between, nothing is
// written and a *ConflictError says what changed meanwhile. Closed cases are read-only.
func (s *CaseStore) Update(ctx context.Context, actor Actor, sc Scope, id uint, version int, in CaseInput) (*Case, error) {
	if err := in.ValidateAt(s.Today()).Err(); err != nil {
		return nil, err
	}
	var out *Case
	err := s.db.Tx(ctx, func(tx *gorm.DB) error {
		cur, err := s.get(tx, sc, id, true)
		if err != nil {
			return err
		}
		if cur.Status == StatusClosed {
			return ErrCaseClosed
		}
		if cur.Version != version {
			return s.conflict(tx, cur, version)
		}
		in.OfficeID = cur.OfficeID
		if _, err := checkOfficeAndAssignee(tx, Scope{OfficeID: &cur.OfficeID}, &in); err != nil {
			return err
		}
		old := InputOf(cur)
		changed := ChangedFields(&old, &in)
		if len(changed) == 0 {
			out = cur
			return nil
		}
		next := *cur
		applyInput(&next, &in)
		res := tx.Model(&Case{}).Where("id = ? AND version = ?", id, version).Updates(map[string]any{
			"direction": next.Direction, "family_name": next.FamilyName, "given_name": next.GivenName,
			"sex": next.Sex, "birth_date": next.BirthDate, "age_estimate": next.AgeEstimate,
			"nationality": next.Nationality, "return_country": next.ReturnCountry, "phone": next.Phone,
			"languages": next.Languages, "id_doc_type": next.IDDocType, "id_doc_number": next.IDDocNumber,
			"consent_date": next.ConsentDate, "consent_share": next.ConsentShare, "request_date": next.RequestDate,
			"request_reason": next.RequestReason, "assigned_to_id": next.AssignedToID, "notes": next.Notes,
			"name_key": next.NameKey, "search_key": next.SearchKey, "version": version + 1, "updated_at": s.now().UTC(),
		})
		if res.Error != nil {
			return fmt.Errorf("update case: %w", res.Error)
		}
		if res.RowsAffected == 0 {
			return s.conflict(tx, cur, version)
		}
		if slices.Contains(changed, "household") || slices.Contains(changed, "vulnerabilities") {
			if err := writeChildren(tx, id, &in, true); err != nil {
				return err
			}
		}
		ev := actor.Event("case.update", "case", fmt.Sprint(id))
		ev.Fields = strings.Join(changed, ",")
		ev.Details = fmt.Sprintf("version=%d", version+1)
		if err := s.audit.RecordTx(tx, ev); err != nil {
			return err
		}
		out, err = s.get(tx, sc, id, true)
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// conflict builds the error for an edit from an old version: the fields named by the
// updates saved since then.
func (s *CaseStore) conflict(tx *gorm.DB, cur *Case, from int) error {
	changed, err := fieldsChangedSince(tx, "case", cur.ID, []string{"case.update", "case.status", "case.reassign"},
		from, append(slices.Clone(CaseFieldOrder), "status"))
	if err != nil {
		return err
	}
	return &ConflictError{Current: cur, Changed: changed}
}

// fieldsChangedSince names, in order, the fields that the record's changes saved after
// version from changed: their audit events (actions) carry the fields and the version
// they produced. Both optimistic-concurrency refusals (cases, visits) say which fields
// someone else changed meanwhile.
func fieldsChangedSince(tx *gorm.DB, recordType string, id uint, actions []string, from int, order []string) ([]string, error) {
	var evs []AuditEvent
	if err := tx.Where("record_type = ? AND record_id = ? AND action IN ?", recordType, fmt.Sprint(id), actions).
		Order("id").Find(&evs).Error; err != nil {
		return nil, fmt.Errorf("load changes: %w", err)
	}
	seen := map[string]bool{}
	for _, ev := range evs {
		var v int
		if _, err := fmt.Sscanf(ev.Details, "version=%d", &v); err != nil || v <= from {
			continue
		}
		for _, f := range strings.Split(ev.Fields, ",") {
			if f != "" {
				seen[f] = true
			}
		}
	}
	var changed []string
	for _, f := range order {
		if seen[f] {
			changed = append(changed, f)
		}
	}
	return slices.Clip(changed), nil
}

// CaseFieldValue is one field of the input as text, for showing what changed.
func CaseFieldValue(in *CaseInput, field string) string {
	return caseFields(in)[field]
}
