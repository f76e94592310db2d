package views

import (
	"context"

	"awda/models"
)

// RecordPage is the printable record of everything held about a person.
type RecordPage struct {
	CaseID uint
	Rec    *models.SubjectAccess
	// Lang is the language the page is printed in (the person's, chosen by the
	// supervisor).
	Lang string
}

// recordCode translates an enumerated value (prefix.code); empty stays empty.
func recordCode(ctx context.Context, prefix, code string) string {
	if code == "" {
		return ""
	}
	return T(ctx, prefix+"."+code)
}

// recordScore is a visit's composite score and band (no score when every answer was
// "don't know" or refused).
func recordScore(ctx context.Context, v models.SubjectVisit) string {
	if v.Composite == nil {
		return "—"
	}
	return Decimal(ctx, *v.Composite, 2) + " (" + recordCode(ctx, "monitoring.band", v.Band) + ")"
}

// recordWithdrawn is when a document was withdrawn, and why.
func recordWithdrawn(d models.SubjectDocument) string {
	if d.WithdrawnAt == nil {
		return ""
	}
	return d.WithdrawnAt.Format("2006-01-02") + " " + d.WithdrawnWhy
}

// recordField is one line of the person's fields: a label key and its value.
type recordField struct{ Label, Value string }

func recordFields(ctx context.Context, c models.SubjectCase) []recordField {
	age := ""
	if c.AgeEstimate != nil {
		age = Int(ctx, int64(*c.AgeEstimate))
	}
	share := T(ctx, "cases.no")
	if c.ConsentShare {
		share = T(ctx, "cases.yes")
	}
	return []recordField{
		{"cases.field.case_number", c.CaseNumber},
		{"cases.field.office", c.Office},
		{"cases.field.direction", recordCode(ctx, "cases.direction", c.Direction)},
		{"cases.field.family_name", c.FamilyName},
		{"cases.field.given_name", c.GivenName},
		{"cases.field.sex", recordCode(ctx, "cases.sex", c.Sex)},
		{"cases.field.birth_date", c.BirthDate},
		{"cases.field.age_estimate", age},
		{"cases.field.nationality", CountryName(ctx, c.Nationality)},
		{"cases.field.return_country", CountryName(ctx, c.ReturnCountry)},
		{"cases.field.phone", c.Phone},
		{"cases.field.languages", c.Languages},
		{"cases.field.id_doc_type", c.IDDocType},
		{"cases.field.id_doc_number", c.IDDocNumber},
		{"cases.field.consent_date", c.ConsentDate},
		{"cases.field.consent_share", share},
		{"cases.field.request_date", c.RequestDate},
		{"cases.field.request_reason", recordCode(ctx, "cases.reason", c.RequestReason)},
		{"cases.field.status", recordCode(ctx, "cases.status", c.Status)},
		{"cases.field.departure_date", c.DepartureDate},
		{"cases.field.arrival_date", c.ArrivalDate},
		{"cases.field.travel_route", c.TravelRoute},
		{"cases.field.escort", recordCode(ctx, "cases.escort", c.Escort)},
		{"cases.field.received_by", c.ReceivedBy},
		{"cases.field.closure_reason", recordCode(ctx, "cases.closure", c.ClosureReason)},
		{"cases.field.notes", c.Notes},
	}
}
