package dbtest

import (
	"testing"

	"awda/models"
)

// Person is what a test case needs; empty fields get plain defaults.
type Person struct {
	CaseNumber, Family, Given, Sex, Birth, Phone, DocNumber, Nationality, Direction, Notes string
	RequestDate                                                                            string
}

// MustCase inserts a case directly (without the registration rules), for tests of
// exports and lists.
func MustCase(t testing.TB, s *models.Stores, officeID, userID uint, p Person) *models.Case {
	t.Helper()
	def := func(v *string, d string) {
		if *v == "" {
			*v = d
		}
	}
	def(&p.Sex, "F")
	def(&p.Nationality, "SN")
	def(&p.Direction, "outbound")
	def(&p.RequestDate, "2021-03-01")
	birth, _ := models.ParseDate(p.Birth)
	req, _ := models.ParseDate(p.RequestDate)
	c := &models.Case{CaseNumber: p.CaseNumber, OfficeID: officeID, Direction: models.Direction(p.Direction),
		FamilyName: p.Family, GivenName: p.Given, Sex: models.Sex(p.Sex), BirthDate: birth, Nationality: p.Nationality,
		ReturnCountry: p.Nationality, Phone: p.Phone, IDDocType: "passport", IDDocNumber: p.DocNumber,
		ConsentDate: req, ConsentShare: true, RequestDate: req, RequestReason: "family", Notes: p.Notes,
		Status: models.StatusRegistered, Version: 1, CreatedByID: userID}
	if err := s.DB.Write.Create(c).Error; err != nil {
		t.Fatalf("insert case %s: %v", p.CaseNumber, err)
	}
	return c
}

// MustInsert inserts any rows directly, or fails the test.
func MustInsert(t testing.TB, s *models.Stores, rows ...any) {
	t.Helper()
	for _, r := range rows {
		if err := s.DB.Write.Create(r).Error; err != nil {
			t.Fatalf("insert %T: %v", r, err)
		}
	}
}
