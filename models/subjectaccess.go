package models

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// SubjectAccess is everything held about the person of one case, for a data-subject
// access request: the case, household, vulnerabilities, status history, support,
// sessions attended, individual follow-up, referrals, legal holds, erasure requests, and
// the audit entries of who viewed or changed the record. The JSON names are a stable
// contract (README "Data-subject access").
type SubjectAccess struct {
	ProducedAt      time.Time            `json:"produced_at"`
	Case            SubjectCase          `json:"case"`
	Household       []SubjectMember      `json:"household"`
	Vulnerabilities []string             `json:"vulnerabilities"`
	History         []SubjectStatus      `json:"status_history"`
	Support         []SubjectSupport     `json:"support"`
	Sessions        []SubjectSession     `json:"sessions"`
	Activities      []SubjectActivity    `json:"activities"`
	Referrals       []SubjectReferral    `json:"referrals"`
	Visits          []SubjectVisit       `json:"monitoring_visits"`
	Documents       []SubjectDocument    `json:"documents"`
	Holds           []SubjectHold        `json:"legal_holds"`
	Erasures        []SubjectErasure     `json:"erasure_requests"`
	Access          []SubjectAccessEvent `json:"access_log"`
	Anonymised      *time.Time           `json:"anonymised_at"`
}

// SubjectVisit is a monitoring visit with the scores it was given.
type SubjectVisit struct {
	Date              string   `json:"date"`
	Kind              string   `json:"kind"`
	Method            string   `json:"method"`
	InstrumentVersion int      `json:"instrument_version"`
	Composite         *float64 `json:"composite"`
	Band              string   `json:"band"`
	Notes             string   `json:"notes"`
}

// SubjectDocument is a document attached to the case: what it is, never its content
// (the person is shown the list; a copy of a file is given through the case file).
type SubjectDocument struct {
	Category     string     `json:"category"`
	Description  string     `json:"description"`
	Filename     string     `json:"filename"`
	ContentType  string     `json:"content_type"`
	Size         int64      `json:"size"`
	UploadedAt   time.Time  `json:"uploaded_at"`
	WithdrawnAt  *time.Time `json:"withdrawn_at"`
	WithdrawnWhy string     `json:"withdraw_reason"`
}

// SubjectCase is the case's own fields.
type SubjectCase struct {
	CaseNumber    string `json:"case_number"`
	Office        string `json:"office"`
	Direction     string `json:"direction"`
	FamilyName    string `json:"family_name"`
	GivenName     string `json:"given_name"`
	Sex           string `json:"sex"`
	BirthDate     string `json:"birth_date"`
	AgeEstimate   *int   `json:"age_estimate"`
	Nationality   string `json:"nationality"`
	ReturnCountry string `json:"return_country"`
	Phone         string `json:"phone"`
	Languages     string `json:"languages"`
	IDDocType     string `json:"id_doc_type"`
	IDDocNumber   string `json:"id_doc_number"`
	ConsentDate   string `json:"consent_date"`
	ConsentShare  bool   `json:"consent_share"`
	RequestDate   string `json:"request_date"`
	RequestReason string `json:"request_reason"`
	Status        string `json:"status"`
	DepartureDate string `json:"departure_date"`
	ArrivalDate   string `json:"arrival_date"`
	TravelRoute   string `json:"travel_route"`
	Escort        string `json:"escort"`
	ReceivedBy    string `json:"received_by"`
	ClosureReason string `json:"closure_reason"`
	Notes         string `json:"notes"`
	RegisteredAt  string `json:"registered_at"`
}

// SubjectMember is a household member.
type SubjectMember struct {
	Name      string `json:"name"`
	Relation  string `json:"relation"`
	Sex       string `json:"sex"`
	BirthDate string `json:"birth_date"`
}

// SubjectStatus is a step of the status history.
type SubjectStatus struct {
	Date   string `json:"date"`
	From   string `json:"from"`
	To     string `json:"to"`
	Reason string `json:"reason"`
	Note   string `json:"note"`
}

// SubjectSupport is a piece of reintegration support.
type SubjectSupport struct {
	Date           string `json:"date"`
	Type           string `json:"type"`
	Description    string `json:"description"`
	Amount         string `json:"amount"`
	Currency       string `json:"currency"`
	FundedByOffice bool   `json:"funded_by_office"`
	Status         string `json:"status"`
	DeliveredOn    string `json:"delivered_on"`
	CancelReason   string `json:"cancel_reason"`
}

// SubjectSession is a session attended.
type SubjectSession struct {
	Date  string `json:"date"`
	Kind  string `json:"kind"`
	Title string `json:"title"`
	Place string `json:"place"`
}

// SubjectActivity is an individual follow-up.
type SubjectActivity struct {
	Date string `json:"date"`
	Kind string `json:"kind"`
	Mode string `json:"mode"`
	Note string `json:"note"`
}

// SubjectReferral is a referral to a partner.
type SubjectReferral struct {
	DateSent     string `json:"date_sent"`
	Partner      string `json:"partner"`
	PartnerName  string `json:"partner_name"`
	Purpose      string `json:"purpose"`
	Status       string `json:"status"`
	Outcome      string `json:"outcome"`
	Satisfaction *int   `json:"satisfaction"`
	Reason       string `json:"reason"`
}

// SubjectHold is a legal hold.
type SubjectHold struct {
	PlacedAt   time.Time  `json:"placed_at"`
	Reason     string     `json:"reason"`
	ReleasedAt *time.Time `json:"released_at"`
}

// SubjectErasure is an erasure request.
type SubjectErasure struct {
	RequestedAt time.Time  `json:"requested_at"`
	Reason      string     `json:"reason"`
	ApprovedAt  *time.Time `json:"approved_at"`
}

// SubjectAccessEvent is an audit entry about the record: who (a staff member), when,
// what, which fields. The staff's addresses are not the person's data and stay out.
type SubjectAccessEvent struct {
	At     time.Time `json:"at"`
	User   string    `json:"user"`
	Action string    `json:"action"`
	Fields string    `json:"fields"`
}

// SubjectAccess gathers everything held about the person of a case in scope
// (supervisors; ErrNotFound outside the scope) and records the production in the audit
// log (case.record, with the format).
func (s *RetentionStore) SubjectAccess(ctx context.Context, actor Actor, cases *CaseStore, id uint, format string) (*SubjectAccess, error) {
	if err := supervisorOnly(actor); err != nil {
		return nil, err
	}
	sc := actor.User.Scope()
	// the views queued so far are part of the log the person receives
	if err := s.audit.Drain(ctx); err != nil {
		return nil, err
	}
	file, err := cases.File(ctx, sc, id)
	if err != nil {
		return nil, err
	}
	db := s.db.Read.WithContext(ctx)
	cs := file.Case
	out := &SubjectAccess{ProducedAt: s.now().UTC()}
	office := ""
	if cs.Office != nil {
		office = cs.Office.Code
	}
	out.Case = SubjectCase{CaseNumber: cs.CaseNumber, Office: office, Direction: string(cs.Direction), FamilyName: cs.FamilyName,
		GivenName: cs.GivenName, Sex: string(cs.Sex), BirthDate: cs.BirthDate.String(), AgeEstimate: cs.AgeEstimate,
		Nationality: cs.Nationality, ReturnCountry: cs.ReturnCountry, Phone: cs.Phone, Languages: cs.Languages,
		IDDocType: cs.IDDocType, IDDocNumber: cs.IDDocNumber, ConsentDate: cs.ConsentDate.String(), ConsentShare: cs.ConsentShare,
		RequestDate: cs.RequestDate.String(), RequestReason: cs.RequestReason, Status: string(cs.Status),
		DepartureDate: cs.DepartureDate.String(), ArrivalDate: cs.ArrivalDate.String(), TravelRoute: cs.TravelRoute,
		Escort: cs.Escort, ReceivedBy: cs.ReceivedBy, ClosureReason: cs.ClosureReason, Notes: cs.Notes,
		RegisteredAt: cs.CreatedAt.UTC().Format(time.RFC3339)}
	out.Household = []SubjectMember{}
	for _, h := range cs.Household {
		out.Household = append(out.Household, SubjectMember{Name: h.Name, Relation: h.Relation, Sex: string(h.Sex), BirthDate: h.BirthDate.String()})
	}
	out.Vulnerabilities = []string{}
	for _, v := range cs.VulnerabilityOf {
		out.Vulnerabilities = append(out.Vulnerabilities, v.Code)
	}
	out.History = []SubjectStatus{}
	for _, h := range cs.History {
		note := h.Note
		if SystemNoteKey(note) != "" {
			note = ""
		}
		out.History = append(out.History, SubjectStatus{Date: h.Date.String(), From: string(h.From), To: string(h.To), Reason: h.Reason, Note: note})
	}
	related := map[string][]string{"case": {strconv.FormatUint(uint64(id), 10)}}
	out.Support = []SubjectSupport{}
	for _, sp := range file.Support {
		out.Support = append(out.Support, SubjectSupport{Date: sp.Date.String(), Type: string(sp.Type), Description: sp.Description,
			Amount: FormatMinor(sp.Amount, sp.Currency), Currency: sp.Currency, FundedByOffice: sp.FundedByOffice,
			Status: string(sp.Status), DeliveredOn: sp.DeliveredOn.String(), CancelReason: sp.CancelReason})
		related["support"] = append(related["support"], fmt.Sprint(sp.ID))
	}
	out.Sessions = []SubjectSession{}
	for _, g := range file.Sessions {
		out.Sessions = append(out.Sessions, SubjectSession{Date: g.Date.String(), Kind: string(g.Kind), Title: g.Title, Place: g.Place})
	}
	out.Activities = []SubjectActivity{}
	for _, a := range file.Activities {
		out.Activities = append(out.Activities, SubjectActivity{Date: a.Date.String(), Kind: string(a.Kind), Mode: a.Mode, Note: a.Note})
		related["activity"] = append(related["activity"], fmt.Sprint(a.ID))
	}
	out.Referrals = []SubjectReferral{}
	for _, r := range file.Referrals {
		out.Referrals = append(out.Referrals, SubjectReferral{DateSent: r.DateSent.String(), Partner: r.Partner, PartnerName: r.PartnerName,
			Purpose: r.Purpose, Status: string(r.Status), Outcome: r.Outcome, Satisfaction: r.Satisfaction, Reason: r.Reason})
		related["referral"] = append(related["referral"], fmt.Sprint(r.ID))
	}
	out.Visits = []SubjectVisit{}
	if err := db.Raw(`SELECT date, kind, method, instrument_version, composite, band, notes FROM monitoring_visits
		WHERE case_id = ? ORDER BY date, id`, id).Scan(&out.Visits).Error; err != nil {
		return nil, err
	}
	var docs []struct {
		ID uint
		SubjectDocument
	}
	if err := db.Raw(`SELECT id, category, description, filename, content_type, size, created_at AS uploaded_at,
		withdrawn_at, withdraw_reason AS withdrawn_why FROM documents WHERE case_id = ? ORDER BY created_at, id`, id).Scan(&docs).Error; err != nil {
		return nil, err
	}
	out.Documents = []SubjectDocument{}
	for _, d := range docs {
		out.Documents = append(out.Documents, d.SubjectDocument)
		related["document"] = append(related["document"], fmt.Sprint(d.ID))
	}
	var holds []LegalHold
	if err := db.Table("legal_holds").Where("case_id = ?", id).Order("id").Find(&holds).Error; err != nil {
		return nil, err
	}
	out.Holds = []SubjectHold{}
	for _, h := range holds {
		out.Holds = append(out.Holds, SubjectHold{PlacedAt: h.PlacedAt.UTC(), Reason: h.Reason, ReleasedAt: h.ReleasedAt})
	}
	var erasures []ErasureRequest
	if err := db.Table("erasure_requests").Where("case_id = ?", id).Order("id").Find(&erasures).Error; err != nil {
		return nil, err
	}
	out.Erasures = []SubjectErasure{}
	for _, e := range erasures {
		out.Erasures = append(out.Erasures, SubjectErasure{RequestedAt: e.RequestedAt.UTC(), Reason: e.Reason, ApprovedAt: e.ApprovedAt})
	}
	var anon struct{ AnonymisedAt *time.Time }
	if err := db.Raw("SELECT anonymised_at FROM cases WHERE id = ?", id).Scan(&anon).Error; err != nil {
		return nil, err
	}
	out.Anonymised = anon.AnonymisedAt
	// One term per kind of record, each read through the index by record: a constant
	// term in the OR (such as a leading 1 = 0) made SQLite read the whole log in time
	// order instead (0.3 s with a million events).
	var terms []string
	var args []any
	for _, kind := range []string{"case", "support", "activity", "referral", "document"} {
		if ids := related[kind]; len(ids) > 0 {
			terms = append(terms, "(record_type = ? AND record_id IN ?)")
			args = append(args, kind, ids)
		}
	}
	var evs []AuditEvent
	if len(terms) > 0 {
		if err := db.Model(&AuditEvent{}).Where(strings.Join(terms, " OR "), args...).Order("at, id").Find(&evs).Error; err != nil {
			return nil, fmt.Errorf("audit entries of case %d: %w", id, err)
		}
	}
	out.Access = []SubjectAccessEvent{}
	for _, e := range evs {
		out.Access = append(out.Access, SubjectAccessEvent{At: e.At.UTC(), User: e.UserEmail, Action: e.Action, Fields: e.Fields})
	}
	ev := actor.Event("case.record", "case", fmt.Sprint(id))
	ev.Details = "format=" + format
	if err := s.audit.Record(context.WithoutCancel(ctx), ev); err != nil {
		return nil, err
	}
	return out, nil
}
