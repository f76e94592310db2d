package models

import (
	"context"
	"database/sql"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"gorm.io/gorm"
)

// Exports are CSV files of the records, streamed from the database row by row so memory
// stays flat whatever the row count. The column lists below are the files' contract
// (documented in README.md): never rename or reorder a column, only append.

// ExportKinds lists the record exports in the order of the export page.
var ExportKinds = []string{"cases", "support", "activities", "referrals", "sessions"}

// ExportColumns is the header row of each export.
var ExportColumns = map[string][]string{
	"cases": {"case_number", "office", "direction", "family_name", "given_name", "sex", "birth_date", "age_estimate",
		"age_band", "nationality", "return_country", "phone", "languages", "id_doc_type", "id_doc_number",
		"vulnerabilities", "household", "consent_date", "consent_share", "request_date", "request_reason", "status",
		"departure_date", "arrival_date", "travel_route", "escort", "received_by", "closure_reason", "assigned_to",
		"notes", "registered_on", "document_count"},
	"support": {"case_number", "office", "direction", "nationality", "sex", "age_band", "family_name", "given_name",
		"type", "description", "amount", "currency", "date", "funded_by_office", "status", "delivered_on", "cancel_reason"},
	"activities": {"case_number", "office", "direction", "nationality", "sex", "age_band", "family_name", "given_name",
		"kind", "mode", "date", "note"},
	"referrals": {"case_number", "office", "direction", "nationality", "sex", "age_band", "family_name", "given_name",
		"partner", "partner_name", "purpose", "date_sent", "status", "outcome", "satisfaction", "reason"},
	"sessions": {"session_id", "session_office", "session_kind", "session_title", "session_date", "place", "facilitator",
		"case_number", "office", "direction", "nationality", "sex", "age_band", "family_name", "given_name"},
}

// FreeTextColumns are each export's columns of typed text, emptied with pseudonymise=1:
// whatever a field is meant for, someone may type a name in it. The columns stay, so a
// spreadsheet or import built on the header works on both kinds of file.
var FreeTextColumns = map[string][]string{
	"cases":      {"languages", "travel_route", "received_by", "notes"},
	"support":    {"description", "cancel_reason"},
	"activities": {"note"},
	"referrals":  {"partner_name", "purpose", "outcome", "reason"},
	"sessions":   {"session_title", "place", "facilitator"},
}

// emptyFreeText wraps emit so that the export's free-text cells go out empty.
func emptyFreeText(kind string, emit func([]string) error) func([]string) error {
	var idx []int
	for _, name := range FreeTextColumns[kind] {
		idx = append(idx, slices.Index(ExportColumns[kind], name))
	}
	return func(row []string) error {
		for _, i := range idx {
			row[i] = ""
		}
		return emit(row)
	}
}

// ExportFilter is the summary's filters, applied to every export: the period applies to
// each record's own date (a case's request date, or its consent date when it has none;
// support's date; an activity's date; a referral's date sent; a session's date).
type ExportFilter struct {
	From, To    Date
	Office      string
	Direction   string
	Nationality string
	Sex         string
	// scope is the exporting user's office, when they have one: they export only its
	// records (applied in the SQL, like every scope).
	scope *uint
}

var countryPattern = regexp.MustCompile(`^[A-Z]{2}$`)

// ExportFilterInput is the filters as typed in the query string.
type ExportFilterInput struct {
	From, To, Office, Direction, Nationality, Sex string
}

// Validate parses the filters, returning errors keyed by parameter.
func (in ExportFilterInput) Validate() (ExportFilter, FieldErrors) {
	fe := FieldErrors{}
	var f ExportFilter
	var err error
	if s := strings.TrimSpace(in.From); s != "" {
		if f.From, err = ParseDate(s); err != nil {
			fe.Add("from", "admin.error.date_invalid")
		}
	}
	if s := strings.TrimSpace(in.To); s != "" {
		if f.To, err = ParseDate(s); err != nil {
			fe.Add("to", "admin.error.date_invalid")
		}
	}
	if !f.From.IsZero() && !f.To.IsZero() && f.To.Before(f.From) {
		fe.Add("to", "admin.error.period_order")
	}
	f.Office = strings.ToUpper(strings.TrimSpace(in.Office))
	if f.Office != "" && !officeCodePattern.MatchString(f.Office) {
		fe.Add("office", "error.office_unknown")
	}
	f.Direction = strings.TrimSpace(in.Direction)
	if f.Direction != "" && f.Direction != string(Outbound) && f.Direction != string(Inbound) {
		fe.Add("direction", "error.choose_value")
	}
	f.Nationality = strings.ToUpper(strings.TrimSpace(in.Nationality))
	if f.Nationality != "" && !countryPattern.MatchString(f.Nationality) {
		fe.Add("nationality", "admin.error.country")
	}
	f.Sex = strings.ToUpper(strings.TrimSpace(in.Sex))
	if f.Sex != "" && f.Sex != string(SexF) && f.Sex != string(SexM) && f.Sex != string(SexX) {
		fe.Add("sex", "error.choose_value")
	}
	return f, fe
}

// Details describes the filters for the audit log (codes and dates only, no personal data).
func (f ExportFilter) Details() string {
	var parts []string
	add := func(k, v string) {
		if v != "" {
			parts = append(parts, k+"="+v)
		}
	}
	if !f.From.IsZero() {
		add("from", f.From.String())
	}
	if !f.To.IsZero() {
		add("to", f.To.String())
	}
	add("office", f.Office)
	add("direction", f.Direction)
	add("nationality", f.Nationality)
	add("sex", f.Sex)
	return strings.Join(parts, " ")
}

// where builds the filter's SQL over the case alias c, the office alias o, and the
// record's date expression.
func (f ExportFilter) where(dateExpr, officeAlias string) (string, []any) {
	conds := []string{"1 = 1"}
	var args []any
	if !f.From.IsZero() {
		conds = append(conds, dateExpr+" >= ?")
		args = append(args, f.From.String())
	}
	if !f.To.IsZero() {
		conds = append(conds, dateExpr+" <= ?")
		args = append(args, f.To.String())
	}
	if f.Office != "" {
		conds = append(conds, officeAlias+".code = ?")
		args = append(args, f.Office)
	}
	if f.scope != nil {
		conds = append(conds, officeAlias+".id = ?")
		args = append(args, *f.scope)
	}
	if f.Direction != "" {
		conds = append(conds, "c.direction = ?")
		args = append(args, f.Direction)
	}
	if f.Nationality != "" {
		conds = append(conds, "c.nationality = ?")
		args = append(args, f.Nationality)
	}
	if f.Sex != "" {
		conds = append(conds, "c.sex = ?")
		args = append(args, f.Sex)
	}
	return strings.Join(conds, " AND "), args
}

// ExportStore streams the record exports.
type ExportStore struct {
	db    *DB
	audit *AuditStore
}

// NewExportStore builds the store.
func NewExportStore(db *DB, audit *AuditStore) *ExportStore {
	return &ExportStore{db: db, audit: audit}
}

// Run streams one export (kind in ExportKinds) to emit, one row at a time without the
// header, then records the export in the audit log with its filters and row count. The
// slice passed to emit is reused: emit must not keep it.
func (s *ExportStore) Run(ctx context.Context, actor Actor, kind string, f ExportFilter, pseudonymise bool,
	emit func(row []string) error) (int, error) {
	var n int
	var err error
	if actor.User != nil {
		f.scope = actor.User.OfficeID
	}
	if pseudonymise {
		emit = emptyFreeText(kind, emit)
	}
	switch kind {
	case "cases":
		n, err = s.Cases(ctx, f, pseudonymise, emit)
	case "support":
		n, err = s.Support(ctx, f, pseudonymise, emit)
	case "activities":
		n, err = s.Activities(ctx, f, pseudonymise, emit)
	case "referrals":
		n, err = s.Referrals(ctx, f, pseudonymise, emit)
	case "sessions":
		n, err = s.Sessions(ctx, f, pseudonymise, emit)
	default:
		return 0, ErrNotFound
	}
	if err != nil {
		return n, err
	}
	ev := actor.Event("export."+kind, "export", kind)
	ev.Details = strings.TrimSpace(fmt.Sprintf("%s pseudonymise=%t rows=%d", f.Details(), pseudonymise, n))
	// The download is done; its record must be written even if the client has gone.
	if err := s.audit.Record(context.WithoutCancel(ctx), ev); err != nil {
		return n, err
	}
	return n, nil
}

// AgeBand is the age group of a person at a reference date, from the birth date or, when
// unknown, the estimated age; empty when neither is known.
func AgeBand(birth string, estimate sql.NullInt64, ref string) string {
	age := -1
	if b, err := ParseDate(birth); err == nil && !b.IsZero() {
		r, err := ParseDate(ref)
		if err != nil || r.IsZero() {
			return ""
		}
		age = r.Year() - b.Year()
		if r.Time().Month() < b.Time().Month() || (r.Time().Month() == b.Time().Month() && r.Time().Day() < b.Time().Day()) {
			age--
		}
	} else if estimate.Valid {
		age = int(estimate.Int64)
	}
	switch {
	case age < 0:
		return ""
	case age < 18:
		return "0-17"
	case age < 25:
		return "18-24"
	case age < 35:
		return "25-34"
	case age < 45:
		return "35-44"
	case age < 60:
		return "45-59"
	default:
		return "60+"
	}
}

func boolCell(b sql.NullBool) string {
	if b.Valid && b.Bool {
		return "true"
	}
	return "false"
}

func intCell(n sql.NullInt64) string {
	if !n.Valid {
		return ""
	}
	return strconv.FormatInt(n.Int64, 10)
}

// dateCell keeps the YYYY-MM-DD part of a stored date or timestamp.
func dateCell(s sql.NullString) string {
	if len(s.String) > 10 {
		return s.String[:10]
	}
	return s.String
}

// stream runs a query and calls scan for each row, never holding more than one row.
func (s *ExportStore) stream(ctx context.Context, query string, args []any, dest []any, each func() error) (int, error) {
	rows, err := s.db.Stream.WithContext(ctx).Raw(query, args...).Rows()
	if err != nil {
		return 0, fmt.Errorf("export query: %w", err)
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return n, fmt.Errorf("export scan: %w", err)
		}
		if err := each(); err != nil {
			return n, err
		}
		n++
	}
	if err := rows.Err(); err != nil {
		return n, fmt.Errorf("export rows: %w", err)
	}
	return n, nil
}

// aggregate is the dialect's ordered string aggregation of expr over a subquery.
func aggregate(db *gorm.DB, expr, from, order string) string {
	if db.Dialector.Name() == "postgres" {
		return fmt.Sprintf("(SELECT string_agg(%s, ';' ORDER BY %s) FROM %s)", expr, order, from)
	}
	return fmt.Sprintf("(SELECT group_concat(x, ';') FROM (SELECT %s AS x FROM %s ORDER BY %s))", expr, from, order)
}

// caseRefDate is the date a case's age band is computed at.
const caseRefDate = "COALESCE(c.request_date, c.consent_date)"

// Cases streams cases.csv: one row per case, in case-number order.
func (s *ExportStore) Cases(ctx context.Context, f ExportFilter, pseudonymise bool, emit func([]string) error) (int, error) {
	where, args := f.where(caseRefDate, "o")
	db := s.db.Read
	q := `SELECT c.case_number, o.code, c.direction, c.family_name, c.given_name, c.sex, c.birth_date, c.age_estimate,
		c.nationality, c.return_country, c.phone, c.languages, c.id_doc_type, c.id_doc_number, ` +
		aggregate(db, "v.code", "case_vulnerabilities v WHERE v.case_id = c.id", "v.code") + `, ` +
		aggregate(db, "h.name || '|' || h.relation || '|' || h.sex || '|' || COALESCE(h.birth_date, '')",
			"household_members h WHERE h.case_id = c.id", "h.id") + `,
		c.consent_date, c.consent_share, c.request_date, c.request_reason, c.status, c.departure_date, c.arrival_date,
		c.travel_route, c.escort, c.received_by, c.closure_reason, COALESCE(u.email, ''), c.notes, c.created_at, ` +
		caseRefDate + `, (SELECT COUNT(*) FROM documents d WHERE d.case_id = c.id AND d.withdrawn_at IS NULL)
		FROM cases c JOIN offices o ON o.id = c.office_id LEFT JOIN users u ON u.id = c.assigned_to_id
		WHERE ` + where + ` ORDER BY c.case_number`
	var (
		num, office, dir, family, given, sex, birth          sql.NullString
		nat, ret, phone, langs, docType, docNum, vulns, hh   sql.NullString
		consent, reqDate, reason, status, dep, arr, route    sql.NullString
		escort, recv, closure, assigned, notes, created, ref sql.NullString
		estimate, docs                                       sql.NullInt64
		share                                                sql.NullBool
	)
	dest := []any{&num, &office, &dir, &family, &given, &sex, &birth, &estimate, &nat, &ret, &phone, &langs, &docType,
		&docNum, &vulns, &hh, &consent, &share, &reqDate, &reason, &status, &dep, &arr, &route, &escort, &recv,
		&closure, &assigned, &notes, &created, &ref, &docs}
	row := make([]string, len(ExportColumns["cases"]))
	return s.stream(ctx, q, args, dest, func() error {
		band := AgeBand(dateCell(birth), estimate, dateCell(ref))
		b, est, fam, giv, ph, doc, household, note := dateCell(birth), intCell(estimate), family.String, given.String,
			phone.String, docNum.String, hh.String, notes.String
		if pseudonymise {
			b, est, fam, giv, ph, doc, note = "", "", "", "", "", "", ""
			household = pseudonymousHousehold(hh.String, dateCell(ref))
		}
		row = append(row[:0], num.String, office.String, dir.String, fam, giv, sex.String, b, est, band, nat.String,
			ret.String, ph, langs.String, docType.String, doc, vulns.String, household, dateCell(consent),
			boolCell(share), dateCell(reqDate), reason.String, status.String, dateCell(dep), dateCell(arr),
			route.String, escort.String, recv.String, closure.String, assigned.String, note, dateCell(created),
			intCell(docs))
		return emit(row)
	})
}

// pseudonymousHousehold keeps each member's relation and sex and replaces name and birth
// date by an age band.
func pseudonymousHousehold(hh, ref string) string {
	if hh == "" {
		return ""
	}
	members := strings.Split(hh, ";")
	for i, m := range members {
		p := strings.Split(m, "|")
		if len(p) != 4 {
			members[i] = ""
			continue
		}
		members[i] = "|" + p[1] + "|" + p[2] + "|" + AgeBand(p[3], sql.NullInt64{}, ref)
	}
	return strings.Join(members, ";")
}

// caseCells are the case columns every record export starts with.
const caseCells = `c.case_number, o.code, c.direction, c.nationality, c.sex, c.birth_date, c.age_estimate, ` + caseRefDate + `, c.family_name, c.given_name`

type caseScan struct {
	num, office, dir, nat, sex, birth, ref, family, given sql.NullString
	estimate                                              sql.NullInt64
}

func (c *caseScan) dest() []any {
	return []any{&c.num, &c.office, &c.dir, &c.nat, &c.sex, &c.birth, &c.estimate, &c.ref, &c.family, &c.given}
}

func (c *caseScan) cells(row []string, pseudonymise bool) []string {
	fam, giv := c.family.String, c.given.String
	if pseudonymise {
		fam, giv = "", ""
	}
	return append(row, c.num.String, c.office.String, c.dir.String, c.nat.String, c.sex.String,
		AgeBand(dateCell(c.birth), c.estimate, dateCell(c.ref)), fam, giv)
}

// Support streams support.csv: one row per piece of support.
func (s *ExportStore) Support(ctx context.Context, f ExportFilter, pseudonymise bool, emit func([]string) error) (int, error) {
	where, args := f.where("x.date", "o")
	q := `SELECT ` + caseCells + `, x.type, x.description, x.amount, x.currency, x.date, x.funded_by_office, x.status,
		x.delivered_on, x.cancel_reason
		FROM supports x JOIN cases c ON c.id = x.case_id JOIN offices o ON o.id = c.office_id
		WHERE ` + where + ` ORDER BY x.date, x.id`
	var cs caseScan
	var typ, desc, cur, date, status, delivered, cancel sql.NullString
	var amount sql.NullInt64
	var funded sql.NullBool
	dest := append(cs.dest(), &typ, &desc, &amount, &cur, &date, &funded, &status, &delivered, &cancel)
	row := make([]string, 0, len(ExportColumns["support"]))
	return s.stream(ctx, q, args, dest, func() error {
		row = cs.cells(row[:0], pseudonymise)
		row = append(row, typ.String, desc.String, FormatMinor(amount.Int64, cur.String), cur.String, dateCell(date),
			boolCell(funded), status.String, dateCell(delivered), cancel.String)
		return emit(row)
	})
}

// Activities streams activities.csv: one row per activity.
func (s *ExportStore) Activities(ctx context.Context, f ExportFilter, pseudonymise bool, emit func([]string) error) (int, error) {
	where, args := f.where("x.date", "o")
	q := `SELECT ` + caseCells + `, x.kind, x.mode, x.date, x.note
		FROM activities x JOIN cases c ON c.id = x.case_id JOIN offices o ON o.id = c.office_id
		WHERE ` + where + ` ORDER BY x.date, x.id`
	var cs caseScan
	var kind, mode, date, note sql.NullString
	dest := append(cs.dest(), &kind, &mode, &date, &note)
	row := make([]string, 0, len(ExportColumns["activities"]))
	return s.stream(ctx, q, args, dest, func() error {
		n := note.String
		if pseudonymise {
			n = ""
		}
		row = cs.cells(row[:0], pseudonymise)
		row = append(row, kind.String, mode.String, dateCell(date), n)
		return emit(row)
	})
}

// Referrals streams referrals.csv: one row per referral.
func (s *ExportStore) Referrals(ctx context.Context, f ExportFilter, pseudonymise bool, emit func([]string) error) (int, error) {
	where, args := f.where("x.date_sent", "o")
	q := `SELECT ` + caseCells + `, x.partner, x.partner_name, x.purpose, x.date_sent, x.status, x.outcome,
		x.satisfaction, x.reason
		FROM referrals x JOIN cases c ON c.id = x.case_id JOIN offices o ON o.id = c.office_id
		WHERE ` + where + ` ORDER BY x.date_sent, x.id`
	var cs caseScan
	var partner, pname, purpose, date, status, outcome, reason sql.NullString
	var sat sql.NullInt64
	dest := append(cs.dest(), &partner, &pname, &purpose, &date, &status, &outcome, &sat, &reason)
	row := make([]string, 0, len(ExportColumns["referrals"]))
	return s.stream(ctx, q, args, dest, func() error {
		row = cs.cells(row[:0], pseudonymise)
		row = append(row, partner.String, pname.String, purpose.String, dateCell(date), status.String, outcome.String,
			intCell(sat), reason.String)
		return emit(row)
	})
}

// Sessions streams sessions.csv: one row per attendee of each group session. The office
// filter applies to the session's office.
func (s *ExportStore) Sessions(ctx context.Context, f ExportFilter, pseudonymise bool, emit func([]string) error) (int, error) {
	where, args := f.where("g.date", "so")
	q := `SELECT g.id, so.code, g.kind, g.title, g.date, g.place, g.facilitator, ` + caseCells + `
		FROM session_attendances a JOIN group_sessions g ON g.id = a.session_id JOIN offices so ON so.id = g.office_id
		JOIN cases c ON c.id = a.case_id JOIN offices o ON o.id = c.office_id
		WHERE ` + where + ` ORDER BY g.date, g.id, c.case_number`
	var cs caseScan
	var id sql.NullInt64
	var soffice, kind, title, date, place, facilitator sql.NullString
	dest := append([]any{&id, &soffice, &kind, &title, &date, &place, &facilitator}, cs.dest()...)
	row := make([]string, 0, len(ExportColumns["sessions"]))
	return s.stream(ctx, q, args, dest, func() error {
		row = append(row[:0], intCell(id), soffice.String, kind.String, title.String, dateCell(date), place.String,
			facilitator.String)
		row = cs.cells(row, pseudonymise)
		return emit(row)
	})
}
