package models

import (
	"database/sql"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
)

// Anonymisation removes, irreversibly, everything that identifies the person of one
// case, and keeps every field a published figure or an export counts on: office,
// direction, sex, nationality, return country, the age group, vulnerabilities, the
// dates and codes of the workflow, support types, amounts and dates, referral partners
// and statuses, session attendance. A figure computed before is computed the same after.
//
// It is an explicit list of steps, one per table or concern, all run in the caller's
// transaction: a crash leaves a case untouched or anonymised, never half of it. A table
// that comes to hold identifying data adds its own step to anonymiseSteps.

// anonCase is what the steps need to know about the case being anonymised.
type anonCase struct {
	ID         uint
	CaseNumber string
	Direction  Direction
	BirthDate  Date
	Age        *int
	Departure  Date
	// Ref is the date the exports compute the age band at (caseRefDate).
	Ref Date
}

// anonymiseStep removes one kind of identifying data of the case.
type anonymiseStep struct {
	Name string
	Run  func(tx *gorm.DB, c *anonCase, now time.Time) error
}

// anonymiseSteps run in this order for every anonymised case.
var anonymiseSteps = []anonymiseStep{
	{"person", anonymisePerson},
	{"household", anonymiseHousehold},
	{"status_notes", anonymiseStatusNotes},
	{"activities", exec("UPDATE activities SET note = '' WHERE case_id = ?")},
	{"referrals", exec("UPDATE referrals SET partner_name = '', purpose = '', outcome = '', reason = '' WHERE case_id = ?")},
	{"support", exec("UPDATE supports SET description = '', cancel_reason = '', return_comment = '' WHERE case_id = ?")},
	{"reassignments", exec("UPDATE case_reassignments SET reason = '' WHERE case_id = ?")},
	{"legal_holds", exec("UPDATE legal_holds SET reason = '' WHERE case_id = ?")},
	{"erasure_requests", exec("UPDATE erasure_requests SET reason = '' WHERE case_id = ?")},
	{"monitoring_visits", exec("UPDATE monitoring_visits SET notes = '' WHERE case_id = ?")},
	{"documents", anonymiseDocuments},
}

// anonymiseDocuments deletes the content of every document of the case (scans of
// papers, photos: the most identifying data held) and what was typed or sent about
// them, and marks them withdrawn; the category, size and dates stay, so the case file
// still says which papers there were.
func anonymiseDocuments(tx *gorm.DB, c *anonCase, now time.Time) error {
	if err := tx.Exec("DELETE FROM document_chunks WHERE document_id IN (SELECT id FROM documents WHERE case_id = ?)", c.ID).Error; err != nil {
		return err
	}
	return tx.Exec(`UPDATE documents SET description = '', filename = '', sha256 = '', withdraw_reason = '',
		chunks = 0, thumb_chunks = 0, withdrawn_at = COALESCE(withdrawn_at, ?) WHERE case_id = ?`, now.UTC(), c.ID).Error
}

// exec is a step made of one statement on the case id.
func exec(stmt string) func(tx *gorm.DB, c *anonCase, now time.Time) error {
	return func(tx *gorm.DB, c *anonCase, _ time.Time) error { return tx.Exec(stmt, c.ID).Error }
}

// ErrAnonymised refuses to anonymise a case twice or to change an anonymised case.
var ErrAnonymised = errors.New("the case is anonymised")

// anonymiseCase runs every step for one case in tx and marks it anonymised. A case
// already anonymised is ErrAnonymised; a missing one ErrNotFound.
func anonymiseCase(tx *gorm.DB, id uint, now time.Time) error {
	var (
		c     anonCase
		birth sql.NullString
		age   sql.NullInt64
		dep   sql.NullString
		ref   sql.NullString
		done  sql.NullTime
	)
	c.ID = id
	row := tx.Raw(`SELECT case_number, direction, birth_date, age_estimate, departure_date, `+caseRefDate+`, anonymised_at
		FROM cases c WHERE id = ?`, id).Row()
	if err := row.Scan(&c.CaseNumber, &c.Direction, &birth, &age, &dep, &ref, &done); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return ErrNotFound
		}
		return fmt.Errorf("read case %d to anonymise: %w", id, err)
	}
	if done.Valid {
		return ErrAnonymised
	}
	c.BirthDate, _ = parseDateCell(birth)
	c.Departure, _ = parseDateCell(dep)
	c.Ref, _ = parseDateCell(ref)
	if age.Valid {
		a := int(age.Int64)
		c.Age = &a
	}
	for _, st := range anonymiseSteps {
		if err := st.Run(tx, &c, now); err != nil {
			return fmt.Errorf("anonymise case %d, %s: %w", id, st.Name, err)
		}
	}
	return nil
}

func parseDateCell(s sql.NullString) (Date, error) {
	if !s.Valid || s.String == "" {
		return Date{}, nil
	}
	v := s.String
	if len(v) > 10 {
		v = v[:10]
	}
	return ParseDate(v)
}

// anonymisePerson clears the principal's names, search keys (the name-search suffix
// index follows by its trigger), document number, phone, languages and free text, and
// reduces the birth date to an age that gives the same age group to the summary and
// the same age band to the exports.
func anonymisePerson(tx *gorm.DB, c *anonCase, now time.Time) error {
	birth, age := reducedAge(c)
	res := tx.Exec(`UPDATE cases SET family_name = '', given_name = '', name_key = '', search_key = ?,
		birth_date = ?, age_estimate = ?, phone = '', languages = '', id_doc_number = '', notes = '',
		travel_route = '', received_by = '', version = version + 1, updated_at = ?, anonymised_at = ?
		WHERE id = ?`, SearchKey(c.CaseNumber), birth, age, now, now, c.ID)
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected != 1 {
		return ErrNotFound
	}
	return nil
}

// ageAt is the age in whole years on day ref of a person born on birth.
func ageAt(birth, ref Date) int {
	a := ref.Year() - birth.Year()
	if ref.Time().Month() < birth.Time().Month() || (ref.Time().Month() == birth.Time().Month() && ref.Time().Day() < birth.Time().Day()) {
		a--
	}
	return a
}

// summaryAgeGroup is ageGroupSQL in Go.
func summaryAgeGroup(age int) string {
	switch {
	case age < 18:
		return "under_18"
	case age < 60:
		return "18_59"
	}
	return "60_plus"
}

// exportBandStarts are the first ages of AgeBand's bands.
var exportBandStarts = []int{0, 18, 25, 35, 45, 60}

// reducedAge is what an anonymised case keeps of the person's age: no birth date and
// an age estimate, the first age of the export band the person was in at the exports'
// reference date, provided it also gives the summary's age group at departure, or
// another age of that band that does. A birthday crossing 18 or 60 between the request
// and the departure fits no single age: the case then keeps a birth date made up as
// the departure day so many years back, which gives both the band and the group (and
// says nothing more than the age at departure). When nothing fits, the summary's
// group wins: a published figure moves for no one. Both nil when no age was known.
func reducedAge(c *anonCase) (Date, *int) {
	var at func(d Date) (int, bool)
	switch {
	case !c.BirthDate.IsZero():
		at = func(d Date) (int, bool) {
			if d.IsZero() {
				return 0, false
			}
			return ageAt(c.BirthDate, d), true
		}
	case c.Age != nil:
		a := *c.Age
		at = func(Date) (int, bool) { return a, true }
	default:
		return Date{}, nil
	}
	band := ""
	if a, ok := at(c.Ref); ok && a >= 0 {
		band = exportBand(a)
	}
	group := ""
	if c.Direction == Outbound {
		if a, ok := at(c.Departure); ok {
			group = summaryAgeGroup(a)
		}
	}
	fits := func(atRef, atDep int) bool {
		return (band == "" || exportBand(atRef) == band) && (group == "" || summaryAgeGroup(atDep) == group)
	}
	candidates := append([]int{}, exportBandStarts...)
	for a := 0; a <= 120; a++ {
		candidates = append(candidates, a)
	}
	for _, a := range candidates {
		if fits(a, a) {
			return Date{}, &a
		}
	}
	if !c.BirthDate.IsZero() && !c.Departure.IsZero() && !c.Ref.IsZero() {
		dep := c.Departure.Time()
		for _, back := range []int{0, 1, -1} {
			a := ageAt(c.BirthDate, c.Departure) + back
			b := NewDate(dep.Year()-a, dep.Month(), dep.Day())
			if fits(ageAt(b, c.Ref), ageAt(b, c.Departure)) {
				return b, nil
			}
		}
	}
	a := map[string]int{"under_18": 0, "18_59": 18, "60_plus": 60}[group]
	return Date{}, &a
}

// exportBand is AgeBand of an age.
func exportBand(age int) string {
	return AgeBand("", sql.NullInt64{Int64: int64(age), Valid: true}, "")
}

// anonymiseHousehold clears the members' names and reduces their birth dates to the
// first of January of the year that gives the same age band at the case's reference
// date (the only thing the pseudonymised export shows of them).
func anonymiseHousehold(tx *gorm.DB, c *anonCase, _ time.Time) error {
	type member struct {
		ID        uint
		BirthDate Date
	}
	var ms []member
	if err := tx.Raw("SELECT id, birth_date FROM household_members WHERE case_id = ? ORDER BY id", c.ID).Scan(&ms).Error; err != nil {
		return err
	}
	for _, m := range ms {
		var birth any
		if !m.BirthDate.IsZero() && !c.Ref.IsZero() {
			a := ageAt(m.BirthDate, c.Ref)
			start := 0
			for _, s := range exportBandStarts {
				if a >= s {
					start = s
				}
			}
			if a >= 0 {
				birth = NewDate(c.Ref.Year()-start, time.January, 1).String()
			}
		}
		if err := tx.Exec("UPDATE household_members SET name = '', birth_date = ? WHERE id = ?", birth, m.ID).Error; err != nil {
			return err
		}
	}
	return nil
}

// anonymiseStatusNotes clears the notes people typed into the status history and
// keeps those the portal wrote itself (catalogue keys, no personal data).
func anonymiseStatusNotes(tx *gorm.DB, c *anonCase, _ time.Time) error {
	keep := []string{NoteFirstSupport}
	for k := range legacyNotes {
		keep = append(keep, k)
	}
	return tx.Exec("UPDATE status_changes SET note = '' WHERE case_id = ? AND note NOT IN ?", c.ID, keep).Error
}
