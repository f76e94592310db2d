package models

import (
	"context"
	"fmt"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
)

// SummaryFilter selects what the summary counts: a period (both ends included) and
// optional case filters. An empty filter field means "all".
type SummaryFilter struct {
	From, To    Date
	Office      string // office code, e.g. RAB
	Direction   Direction
	Nationality string // ISO 3166-1 alpha-2
	Sex         Sex
	// Delivered counts delivered support only; by default every support record that is
	// not cancelled (planned, approved, delivered) counts.
	Delivered bool
	// Defaulted is true when the URL named no period and the latest year with data was
	// chosen (see WithYear).
	Defaulted bool
}

var (
	nationalityPattern = regexp.MustCompile(`^[A-Z]{2}$`)
	summaryOfficeCode  = regexp.MustCompile(`^[A-Z]{3}$`)
)

// ParseSummaryFilter reads the summary filters from a query string. A missing period
// leaves From and To zero (the caller then picks the latest year with data); a period
// with one end only is completed to the end or start of that end's calendar year.
func ParseSummaryFilter(q url.Values) (SummaryFilter, FieldErrors) {
	fe := FieldErrors{}
	var f SummaryFilter
	get := func(k string) string { return strings.TrimSpace(q.Get(k)) }
	if v := get("from"); v != "" {
		d, err := ParseDate(v)
		if err != nil {
			fe.Add("from", "summary.error.date")
		}
		f.From = d
	}
	if v := get("to"); v != "" {
		d, err := ParseDate(v)
		if err != nil {
			fe.Add("to", "summary.error.date")
		}
		f.To = d
	}
	if f.From.IsZero() && !f.To.IsZero() {
		f.From = NewDate(f.To.Year(), time.January, 1)
	}
	if f.To.IsZero() && !f.From.IsZero() {
		f.To = NewDate(f.From.Year(), time.December, 31)
	}
	if !f.From.IsZero() && f.From.After(f.To) {
		fe.Add("to", "summary.error.range")
	}
	if !f.From.IsZero() && f.To.Time().Sub(f.From.Time()) > 20*366*24*time.Hour {
		fe.Add("to", "summary.error.too_long")
	}
	f.Office = strings.ToUpper(get("office"))
	if f.Office != "" && !summaryOfficeCode.MatchString(f.Office) {
		fe.Add("office", "summary.error.office")
	}
	f.Direction = Direction(get("direction"))
	if f.Direction != "" && f.Direction != Outbound && f.Direction != Inbound {
		fe.Add("direction", "summary.error.choice")
	}
	f.Nationality = strings.ToUpper(get("nationality"))
	if f.Nationality != "" && !nationalityPattern.MatchString(f.Nationality) {
		fe.Add("nationality", "summary.error.nationality")
	}
	f.Sex = Sex(strings.ToUpper(get("sex")))
	if f.Sex != "" && f.Sex != SexF && f.Sex != SexM && f.Sex != SexX {
		fe.Add("sex", "summary.error.choice")
	}
	switch get("delivered") {
	case "", "0":
	case "1":
		f.Delivered = true
	default:
		fe.Add("delivered", "summary.error.choice")
	}
	return f, fe
}

// HasPeriod reports whether the filter names a period.
func (f SummaryFilter) HasPeriod() bool { return !f.From.IsZero() && !f.To.IsZero() }

// WithYear sets the period to a whole calendar year and marks it as defaulted.
func (f SummaryFilter) WithYear(year int) SummaryFilter {
	f.From, f.To = NewDate(year, time.January, 1), NewDate(year, time.December, 31)
	f.Defaulted = true
	return f
}

// Query is the filter as URL parameters, so links keep it.
func (f SummaryFilter) Query() url.Values {
	q := url.Values{}
	set := func(k, v string) {
		if v != "" {
			q.Set(k, v)
		}
	}
	set("from", f.From.String())
	set("to", f.To.String())
	set("office", f.Office)
	set("direction", string(f.Direction))
	set("nationality", f.Nationality)
	set("sex", string(f.Sex))
	if f.Delivered {
		q.Set("delivered", "1")
	}
	return q
}

// caseCond is the SQL condition on the case alias c for the scope and the case
// filters (not the period, which each indicator applies to its own date).
func (f SummaryFilter) caseCond(scope Scope) (string, []any) { return f.filterCond(scope, "c") }

// filterCond is the scope and case filters on alias, a table carrying the case's
// office, direction, nationality and sex: the cases themselves or a prepared table.
func (f SummaryFilter) filterCond(scope Scope, alias string) (string, []any) {
	var sb strings.Builder
	var args []any
	if scope.OfficeID != nil {
		sb.WriteString(" AND " + alias + ".office_id = ?")
		args = append(args, *scope.OfficeID)
	}
	if f.Office != "" {
		sb.WriteString(" AND " + alias + ".office_id = (SELECT o.id FROM offices o WHERE o.code = ?)")
		args = append(args, f.Office)
	}
	if f.Direction != "" {
		sb.WriteString(" AND " + alias + ".direction = ?")
		args = append(args, string(f.Direction))
	}
	if f.Nationality != "" {
		sb.WriteString(" AND " + alias + ".nationality = ?")
		args = append(args, f.Nationality)
	}
	if f.Sex != "" {
		sb.WriteString(" AND " + alias + ".sex = ?")
		args = append(args, string(f.Sex))
	}
	return sb.String(), args
}

// supportStatusCond is the support records the filter counts: not cancelled, or
// delivered only.
func (f SummaryFilter) supportStatusCond() string {
	if f.Delivered {
		return "s.status = 'delivered'"
	}
	return "s.status <> 'cancelled'"
}

// Indicator names: the figures of the summary page, each defined once in
// indicatorSQL below. A keyed indicator is a breakdown: one figure per key.
const (
	// IndReturns: outbound cases whose departure_date falls in the period.
	IndReturns = "returns"
	// IndReturnsMonth: returns by month of departure (key YYYY-MM).
	IndReturnsMonth = "returns_month"
	// IndReturnsNationality: returns by nationality (key ISO code; the page shows the
	// top 10 and the rest, key OtherKey).
	IndReturnsNationality = "returns_nationality"
	// IndReturnsOffice: returns by the case's office (key office code).
	IndReturnsOffice = "returns_office"
	// IndReturnsSex: returns by sex (key F, M, X).
	IndReturnsSex = "returns_sex"
	// IndReturnsAge: returns by age group at the departure date (key AgeGroups).
	IndReturnsAge = "returns_age"
	// IndVulnerable: returns with at least one vulnerability recorded.
	IndVulnerable = "vulnerable"
	// IndVulnerability: returns by vulnerability category (key the code; a person with
	// two categories counts in both).
	IndVulnerability = "vulnerability"
	// IndInformed: distinct people who attended an info_session dated in the period.
	IndInformed = "informed"
	// IndTrained: distinct people who attended a training session dated in the period.
	IndTrained = "trained"
	// IndOfficeFunded: distinct outbound cases with non-cancelled support funded by the
	// office itself (funded_by_office) dated in the period.
	IndOfficeFunded = "office_funded"
	// IndInboundSupported: distinct inbound (Moroccan) cases with non-cancelled support
	// dated in the period.
	IndInboundSupported = "inbound_supported"
	// IndSupportType: distinct people with non-cancelled support of a type (key the type)
	// dated in the period: the people behind the support breakdown's record counts.
	IndSupportType = "support_type"
	// IndReferrals: distinct people with a referral sent in the period, by partner and
	// status (key "partner:status").
	IndReferrals = "referrals"
)

// Indicators lists every indicator name, for validation and tests.
var Indicators = []string{
	IndReturns, IndReturnsMonth, IndReturnsNationality, IndReturnsOffice, IndReturnsSex, IndReturnsAge,
	IndVulnerable, IndVulnerability, IndInformed, IndTrained, IndOfficeFunded, IndInboundSupported,
	IndSupportType, IndReferrals,
}

// keyedIndicators are the breakdowns.
var keyedIndicators = map[string]bool{
	IndReturnsMonth: true, IndReturnsNationality: true, IndReturnsOffice: true, IndReturnsSex: true,
	IndReturnsAge: true, IndVulnerability: true, IndSupportType: true, IndReferrals: true,
}

// IsKeyed reports whether an indicator is a breakdown with one figure per key.
func IsKeyed(ind string) bool { return keyedIndicators[ind] }

// OtherKey is the drill-down key of "every nationality outside the top 10".
const OtherKey = "_other"

// AgeGroups are the age bands of IndReturnsAge, in display order.
var AgeGroups = []string{"under_18", "18_59", "60_plus", "unknown"}

// ageAtDeparture is the person's age in whole years on the departure date: from the
// birth date when known, else the age estimate as recorded; NULL when neither is known.
const ageAtDeparture = `COALESCE(
	CAST(substr(c.departure_date,1,4) AS INTEGER) - CAST(substr(NULLIF(c.birth_date,''),1,4) AS INTEGER)
	- CASE WHEN substr(c.departure_date,6,5) < substr(NULLIF(c.birth_date,''),6,5) THEN 1 ELSE 0 END,
	c.age_estimate)`

// ageGroupSQL maps the age to AgeGroups: under 18, 18 to 59, 60 and over, unknown.
var ageGroupSQL = `CASE WHEN ` + ageAtDeparture + ` IS NULL THEN 'unknown' WHEN ` + ageAtDeparture +
	` < 18 THEN 'under_18' WHEN ` + ageAtDeparture + ` < 60 THEN '18_59' ELSE '60_plus' END`

// indicatorSQL is THE definition of every indicator: a SELECT of (case_id, k) rows,
// the cases behind the figure with the key they count under. The page's figures are
// COUNT(DISTINCT case_id) grouped by k over it, and the drill-down lists the cases whose
// id is in it, so a list's length equals its figure by construction.
//
// Every definition applies the scope and the case filters to the case (alias c); the
// period applies to the date named below, both ends included ('YYYY-MM-DD' text compares
// in date order on both databases).
func indicatorSQL(ind string, f SummaryFilter, scope Scope) (string, []any, bool) {
	cond, cargs := f.caseCond(scope)
	period := []any{f.From.String(), f.To.String()}
	// joinCase joins the case of a row only when a scope or filter needs it (every row
	// has a case: case_id is a non-null foreign key), sparing a lookup per row.
	joinCase := func(alias string) string {
		if cond == "" {
			return ""
		}
		return " JOIN cases c ON c.id = " + alias + ".case_id"
	}
	// returns: outbound cases whose departure date falls in the period.
	returns := func(k, join string) (string, []any, bool) {
		return "SELECT c.id AS case_id, " + k + " AS k FROM cases c" + join +
				" WHERE c.direction = 'outbound' AND c.departure_date >= ? AND c.departure_date <= ?" + cond,
			append(period, cargs...), true
	}
	// attended: people who attended a session of the kind dated in the period.
	attended := func(kind SessionKind) (string, []any, bool) {
		return "SELECT a.case_id AS case_id, '' AS k FROM group_sessions g" +
				" JOIN session_attendances a ON a.session_id = g.id" + joinCase("a") +
				" WHERE g.kind = ? AND g.date >= ? AND g.date <= ?" + cond,
			append(append([]any{string(kind)}, period...), cargs...), true
	}
	// supported: non-cancelled support dated in the period, for cases of a direction
	// (any when empty), only office-funded support when officeFunded.
	supported := func(k string, dir Direction, officeFunded bool) (string, []any, bool) {
		join := joinCase("s")
		if dir != "" {
			join = " JOIN cases c ON c.id = s.case_id"
		}
		q := "SELECT s.case_id AS case_id, " + k + " AS k FROM supports s" + join +
			" WHERE s.date >= ? AND s.date <= ? AND " + f.supportStatusCond()
		args := append([]any{}, period...)
		if officeFunded {
			q += " AND s.funded_by_office = ?"
			args = append(args, true)
		}
		if dir != "" {
			q += " AND c.direction = ?"
			args = append(args, string(dir))
		}
		return q + cond, append(args, cargs...), true
	}
	switch ind {
	case IndReturns:
		return returns("''", "")
	case IndReturnsMonth:
		return returns("substr(c.departure_date,1,7)", "")
	case IndReturnsNationality:
		return returns("c.nationality", "")
	case IndReturnsOffice:
		return returns("o.code", " JOIN offices o ON o.id = c.office_id")
	case IndReturnsSex:
		return returns("c.sex", "")
	case IndReturnsAge:
		return returns(ageGroupSQL, "")
	case IndVulnerable:
		q, args, ok := returns("''", "")
		return q + " AND EXISTS (SELECT 1 FROM case_vulnerabilities v WHERE v.case_id = c.id)", args, ok
	case IndVulnerability:
		return returns("v.code", " JOIN case_vulnerabilities v ON v.case_id = c.id")
	case IndInformed:
		return attended(InfoSession)
	case IndTrained:
		return attended(TrainingSession)
	case IndOfficeFunded:
		return supported("''", Outbound, true)
	case IndInboundSupported:
		return supported("''", Inbound, false)
	case IndSupportType:
		return supported("s.type", "", false)
	case IndReferrals:
		return "SELECT r.case_id AS case_id, r.partner || ':' || r.status AS k FROM referrals r" + joinCase("r") +
			" WHERE r.date_sent >= ? AND r.date_sent <= ?" + cond, append(period, cargs...), true
	}
	return "", nil, false
}

// supportBreakdownSQL counts the non-cancelled support records dated in the period
// and sums their amounts, per type and currency, for the cases of the filters and scope.
func supportBreakdownSQL(f SummaryFilter, scope Scope) (string, []any) {
	cond, cargs := f.caseCond(scope)
	join := ""
	if cond != "" {
		join = " JOIN cases c ON c.id = s.case_id"
	}
	return "SELECT 'support' AS ind, s.type || ':' || s.currency AS k, COUNT(*) AS n, CAST(SUM(s.amount) AS BIGINT) AS amount" +
			" FROM supports s" + join +
			" WHERE s.date >= ? AND s.date <= ? AND " + f.supportStatusCond() + cond +
			" GROUP BY s.type, s.currency",
		append([]any{f.From.String(), f.To.String()}, cargs...)
}

// SummaryQuery is the one SQL statement behind Summary and its arguments: the support
// breakdown and every indicator grouped by key, joined by UNION ALL. It is exported for
// the benchmark that compares Summary with running this SQL directly.
func SummaryQuery(f SummaryFilter, scope Scope) (string, []any) {
	return summaryQuery(f, scope, Indicators)
}

// summaryQuery is SummaryQuery for some of the indicators.
func summaryQuery(f SummaryFilter, scope Scope, inds []string) (string, []any) {
	q, args := supportBreakdownSQL(f, scope)
	parts := []string{q}
	for _, ind := range inds {
		def, dargs, _ := indicatorSQL(ind, f, scope)
		parts = append(parts, "SELECT '"+ind+"' AS ind, d.k AS k, COUNT(DISTINCT d.case_id) AS n, CAST(0 AS BIGINT) AS amount FROM ("+def+") d GROUP BY d.k")
		args = append(args, dargs...)
	}
	return strings.Join(parts, "\nUNION ALL\n"), args
}

// KeyCount is one figure of a breakdown.
type KeyCount struct {
	Key   string
	Count int64
}

// Amount is a sum of money in one currency.
type Amount struct {
	Currency string
	Minor    int64
}

// SupportShare is one line of the support breakdown.
type SupportShare struct {
	Type  SupportType
	Count int64 // non-cancelled records dated in the period
	// Share is the whole-number per cent (largest remainder: the shares add up to 100).
	Share int
	// Tenths is the share in tenths of a per cent, rounded half up (583 = 58.3 %).
	Tenths  int64
	People  int64    // distinct cases behind Count (IndSupportType)
	Amounts []Amount // per currency, by currency code
}

// Summary is everything the summary page shows.
type Summary struct {
	Filter       SummaryFilter
	Support      []SupportShare // in SupportTypes order
	SupportTotal int64
	// Figures of the keyless indicators, by indicator name.
	Figures map[string]int64
	// Breakdowns of the keyed indicators, by indicator name; see Summary for orders.
	Breakdowns map[string][]KeyCount
	// Monitoring is the monitoring section, when the caller computed it (summary.csv
	// then carries its figures).
	Monitoring *MonitoringSummary
	// Receipts is the share of delivered support a receipt proves, when the caller
	// asked for it (ReceiptCoverage): the summary page and summary.csv do.
	Receipts *ReceiptCoverage
}

// Figure returns a keyless indicator's figure.
func (s *Summary) Figure(ind string) int64 { return s.Figures[ind] }

// SummaryStore computes the summary pages' figures.
type SummaryStore struct{ db *DB }

// NewSummaryStore returns the store.
func NewSummaryStore(db *DB) *SummaryStore { return &SummaryStore{db: db} }

// LatestYearQuery is the SQL of LatestYear: the latest date of a return, a support
// record, a session or a referral in the scope.
//
// For one office, support records and referrals carry no office: the latest is found by
// reading them newest first until one of the office's cases comes (CROSS JOIN keeps
// SQLite from starting with every case of the office), a few rows when offices are
// alike. An office without a case reads none.
func LatestYearQuery(scope Scope) (string, []any) {
	if scope.OfficeID == nil {
		return `SELECT MAX(d) FROM (
			SELECT MAX(departure_date) AS d FROM cases
			UNION ALL SELECT MAX(date) FROM supports
			UNION ALL SELECT MAX(date) FROM group_sessions
			UNION ALL SELECT MAX(date_sent) FROM referrals) x`, nil
	}
	id := *scope.OfficeID
	return `SELECT MAX(d) FROM (
			SELECT MAX(departure_date) AS d FROM cases WHERE office_id = ?
			UNION ALL SELECT (SELECT s.date FROM supports s CROSS JOIN cases c
				WHERE c.id = s.case_id AND c.office_id = ? ORDER BY s.date DESC LIMIT 1)
				WHERE EXISTS (SELECT 1 FROM cases WHERE office_id = ?)
			UNION ALL SELECT MAX(date) FROM group_sessions WHERE office_id = ?
			UNION ALL SELECT (SELECT r.date_sent FROM referrals r CROSS JOIN cases c
				WHERE c.id = r.case_id AND c.office_id = ? ORDER BY r.date_sent DESC LIMIT 1)
				WHERE EXISTS (SELECT 1 FROM cases WHERE office_id = ?)) x`,
		[]any{id, id, id, id, id, id}
}

// Rebind turns the ? placeholders of a query into the dialect's ($n for PostgreSQL),
// for running it on *sql.DB. The summary's SQL has no ? inside string literals.
func Rebind(d Dialect, q string) string {
	if d != Postgres {
		return q
	}
	var sb strings.Builder
	n := 0
	for _, r := range q {
		if r == '?' {
			n++
			sb.WriteString("$" + strconv.Itoa(n))
			continue
		}
		sb.WriteRune(r)
	}
	return sb.String()
}

// LatestYear is the latest calendar year with data in the scope: a return, a support
// record, a session or a referral; ok is false when there is none.
func (s *SummaryStore) LatestYear(ctx context.Context, scope Scope) (int, bool, error) {
	q, args := LatestYearQuery(scope)
	var d *string
	if err := s.db.Read.WithContext(ctx).Raw(q, args...).Row().Scan(&d); err != nil {
		return 0, false, fmt.Errorf("latest summary year: %w", err)
	}
	if d == nil || len(*d) < 4 {
		return 0, false, nil
	}
	var y int
	if _, err := fmt.Sscanf((*d)[:4], "%d", &y); err != nil {
		return 0, false, fmt.Errorf("latest summary year from %q: %w", *d, err)
	}
	return y, true, nil
}

// Summary computes every figure of the summary page in one SQL statement (SummaryQuery).
// Breakdown orders: months are every month of the period in order (zeros included);
// nationalities are the top 10 by count (ties by code) then OtherKey when there are
// more; sex and age groups follow Sexes and AgeGroups (zeros included); offices,
// vulnerabilities and referrals are by key.
func (s *SummaryStore) Summary(ctx context.Context, scope Scope, f SummaryFilter) (*Summary, error) {
	return s.summary(ctx, scope, f, Indicators)
}

// HeadlineIndicators are the figures of the home page's summary block, beside the
// support count.
var HeadlineIndicators = []string{IndReturns, IndInformed, IndTrained}

// Headline computes only the home page's figures (HeadlineIndicators and the support
// breakdown), with the same definitions as Summary: a supervisor's home page shows
// them for two years, and the whole summary twice was most of that page's time.
func (s *SummaryStore) Headline(ctx context.Context, scope Scope, f SummaryFilter) (*Summary, error) {
	return s.summary(ctx, scope, f, HeadlineIndicators)
}

func (s *SummaryStore) summary(ctx context.Context, scope Scope, f SummaryFilter, inds []string) (*Summary, error) {
	// On PostgreSQL, planning the statement again at each run was a quarter of its
	// time: its values (dates, office ids, the codes the filter has checked) are
	// written in and the plan is kept.
	q, args := preparedQuery(s.db.Dialect, f, scope, inds)
	q, args, err := keptPlan(s.db.Dialect == Postgres, q, args)
	if err != nil {
		return nil, fmt.Errorf("summary: %w", err)
	}
	return s.run(ctx, f, inds, q, args)
}

// directSummary computes the same figures as summary straight from the records
// (SummaryQuery): the reference the prepared figures are tested against.
func (s *SummaryStore) directSummary(ctx context.Context, scope Scope, f SummaryFilter, inds []string) (*Summary, error) {
	q, args := summaryQuery(f, scope, inds)
	return s.run(ctx, f, inds, q, args)
}

// run reads the (ind, k, n, amount) rows of a summary query into a Summary: ind is an
// indicator name, or "support" for the support breakdown (k "type:currency").
func (s *SummaryStore) run(ctx context.Context, f SummaryFilter, inds []string, q string, args []any) (*Summary, error) {
	sqlDB, err := s.db.Read.DB()
	if err != nil {
		return nil, fmt.Errorf("summary: %w", err)
	}
	// database/sql directly: the rows are a few dozen grouped figures, and gorm would
	// add nothing but its statement building to the one query.
	rows, err := sqlDB.QueryContext(ctx, Rebind(s.db.Dialect, q), args...)
	if err != nil {
		return nil, fmt.Errorf("summary: %w", err)
	}
	defer rows.Close()
	out := &Summary{Filter: f, Figures: map[string]int64{}, Breakdowns: map[string][]KeyCount{}}
	type money struct {
		count  int64
		amount []Amount
	}
	support := map[SupportType]*money{}
	people := map[string]int64{}
	for rows.Next() {
		var ind, k string
		var n, amount int64
		if err := rows.Scan(&ind, &k, &n, &amount); err != nil {
			return nil, fmt.Errorf("summary row: %w", err)
		}
		// the prepared tables name the support breakdown and its delivered variants
		ind = strings.TrimSuffix(ind, deliveredSuffix)
		if ind == factRecords {
			ind = "support"
		}
		switch {
		case ind == "support":
			typ, cur, _ := strings.Cut(k, ":")
			m := support[SupportType(typ)]
			if m == nil {
				m = &money{}
				support[SupportType(typ)] = m
			}
			m.count += n
			m.amount = append(m.amount, Amount{Currency: cur, Minor: amount})
		case ind == IndSupportType:
			people[k] = n
		case IsKeyed(ind):
			out.Breakdowns[ind] = append(out.Breakdowns[ind], KeyCount{k, n})
		default:
			out.Figures[ind] = n
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("summary rows: %w", err)
	}
	counts := make([]int64, len(SupportTypes))
	for i, t := range SupportTypes {
		counts[i] = 0
		if m := support[t]; m != nil {
			counts[i] = m.count
		}
		out.SupportTotal += counts[i]
	}
	shares := LargestRemainder(counts)
	for i, t := range SupportTypes {
		row := SupportShare{Type: t, Count: counts[i], Share: shares[i], People: people[string(t)]}
		if out.SupportTotal > 0 {
			row.Tenths = (counts[i]*2000 + out.SupportTotal) / (2 * out.SupportTotal)
		}
		if m := support[t]; m != nil {
			row.Amounts = m.amount
			sort.Slice(row.Amounts, func(a, b int) bool { return row.Amounts[a].Currency < row.Amounts[b].Currency })
		}
		out.Support = append(out.Support, row)
	}
	for _, ind := range inds {
		if IsKeyed(ind) {
			out.Breakdowns[ind] = orderBreakdown(ind, out.Breakdowns[ind], f)
		}
	}
	return out, nil
}

// orderBreakdown puts a breakdown in its display order (see Summary).
func orderBreakdown(ind string, kc []KeyCount, f SummaryFilter) []KeyCount {
	byKey := map[string]int64{}
	for _, x := range kc {
		byKey[x.Key] += x.Count
	}
	fixed := func(keys []string) []KeyCount {
		out := make([]KeyCount, 0, len(keys))
		for _, k := range keys {
			out = append(out, KeyCount{k, byKey[k]})
		}
		return out
	}
	switch ind {
	case IndReturnsMonth:
		var keys []string
		if f.HasPeriod() {
			for m := NewDate(f.From.Year(), f.From.Time().Month(), 1); !m.After(f.To); m = m.AddMonths(1) {
				keys = append(keys, m.String()[:7])
			}
		}
		return fixed(keys)
	case IndReturnsSex:
		keys := make([]string, len(Sexes))
		for i, s := range Sexes {
			keys[i] = string(s)
		}
		return fixed(keys)
	case IndReturnsAge:
		return fixed(AgeGroups)
	case IndReturnsNationality:
		top, rest := topNationalities(kc)
		if rest > 0 {
			top = append(top, KeyCount{OtherKey, rest})
		}
		return top
	}
	sort.Slice(kc, func(a, b int) bool { return kc[a].Key < kc[b].Key })
	return kc
}

// topNationalities is the 10 largest (ties by code) and the sum of the others.
func topNationalities(kc []KeyCount) ([]KeyCount, int64) {
	all := append([]KeyCount(nil), kc...)
	sort.Slice(all, func(a, b int) bool {
		if all[a].Count != all[b].Count {
			return all[a].Count > all[b].Count
		}
		return all[a].Key < all[b].Key
	})
	var rest int64
	if len(all) > 10 {
		for _, x := range all[10:] {
			rest += x.Count
		}
		all = all[:10]
	}
	return all, rest
}

// SummaryCase is one line of a drill-down list.
type SummaryCase struct {
	ID            uint
	CaseNumber    string
	FamilyName    string
	GivenName     string
	OfficeCode    string
	Direction     Direction
	Sex           Sex
	Nationality   string
	Status        CaseStatus
	DepartureDate Date
}

// Cases lists the cases behind one figure (an indicator, and its key for a breakdown),
// by case number, one page at a time, with their total. It uses the indicator's own
// definition (indicatorSQL), so the total equals the figure. An unknown indicator is
// ErrNotFound.
func (s *SummaryStore) Cases(ctx context.Context, scope Scope, f SummaryFilter, ind, key string, page, perPage int) ([]SummaryCase, int64, error) {
	var inner string
	var args []any
	if ind == IndReturnsNationality && key == OtherKey {
		// every nationality outside the top 10 of the page's breakdown
		all, aargs, _ := factsCasesSQL(IndReturnsNationality, OtherKey, f, scope)
		all, aargs = strings.TrimSuffix(all, " AND x.k = ?"), aargs[:len(aargs)-1]
		var kc []KeyCount
		byNat := strings.Replace(all, "SELECT x.case_id", "SELECT x.k AS key, COUNT(*) AS count", 1) + " GROUP BY x.k"
		if err := s.db.Read.WithContext(ctx).Raw(byNat, aargs...).Scan(&kc).Error; err != nil {
			return nil, 0, fmt.Errorf("summary nationalities: %w", err)
		}
		top, rest := topNationalities(kc)
		if rest == 0 {
			return nil, 0, nil
		}
		keys := make([]string, len(top))
		for i, x := range top {
			keys[i] = x.Key
		}
		inner, args = all+" AND x.k NOT IN ?", append(aargs, keys)
	} else {
		var ok bool
		if inner, args, ok = factsCasesSQL(ind, key, f, scope); !ok {
			return nil, 0, ErrNotFound
		}
	}
	db := s.db.Read.WithContext(ctx)
	var total int64
	if err := db.Raw("SELECT COUNT(*) FROM cases c WHERE c.id IN ("+inner+")", args...).Row().Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("count summary cases: %w", err)
	}
	if perPage <= 0 {
		perPage = 50
	}
	if page < 1 {
		page = 1
	}
	var out []SummaryCase
	err := db.Raw(`SELECT c.id, c.case_number, c.family_name, c.given_name, o.code AS office_code, c.direction, c.sex,
		c.nationality, c.status, c.departure_date FROM cases c JOIN offices o ON o.id = c.office_id
		WHERE c.id IN (`+inner+`) ORDER BY c.case_number LIMIT ? OFFSET ?`,
		append(args, perPage, (page-1)*perPage)...).Scan(&out).Error
	if err != nil {
		return nil, 0, fmt.Errorf("list summary cases: %w", err)
	}
	return out, total, nil
}

// LargestRemainder turns counts into whole per cents that add up to exactly 100 (all
// zeros when the counts add up to 0). Each share is the floor of its exact share,
// and the points still missing go one each to the largest remainders; ties go first to
// the larger count, then to the earlier position (SupportTypes order for the support
// breakdown). Every share is therefore within 1 of its exact value. Exact integer
// arithmetic: no floating point.
func LargestRemainder(counts []int64) []int {
	out := make([]int, len(counts))
	var total int64
	for _, c := range counts {
		total += c
	}
	if total <= 0 {
		return out
	}
	rem := make([]int64, len(counts))
	missing := 100
	for i, c := range counts {
		out[i] = int(c * 100 / total)
		rem[i] = c * 100 % total
		missing -= out[i]
	}
	order := make([]int, len(counts))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool {
		i, j := order[a], order[b]
		if rem[i] != rem[j] {
			return rem[i] > rem[j]
		}
		if counts[i] != counts[j] {
			return counts[i] > counts[j]
		}
		return i < j
	})
	for k := 0; k < missing; k++ {
		out[order[k]]++
	}
	return out
}

// AddMonths moves a first-of-month date by whole months.
func (d Date) AddMonths(n int) Date { return Date{d.t.AddDate(0, n, 0)} }

// factIndicator is the summary_facts indicator behind a page indicator (the returns'
// breakdowns all read the returns' facts), in the filter's support variant.
func factIndicator(ind string, f SummaryFilter) (string, bool) {
	switch ind {
	case IndReturns, IndReturnsMonth, IndReturnsOffice:
		return factReturns, true
	case IndReturnsNationality, IndReturnsSex, IndReturnsAge, IndVulnerable, IndVulnerability, IndInformed, IndTrained, IndReferrals:
		return ind, true
	case IndOfficeFunded, IndInboundSupported, IndSupportType:
		if f.Delivered {
			return ind + deliveredSuffix, true
		}
		return ind, true
	case "support":
		if f.Delivered {
			return factRecords + deliveredSuffix, true
		}
		return factRecords, true
	}
	return "", false
}

// factCond is the scope and case filters on a prepared table (alias x).
func (f SummaryFilter) factCond(scope Scope) (string, []any) { return f.filterCond(scope, "x") }

// monthEnd is the last day of d's month.
func monthEnd(d Date) Date { return NewDate(d.Year(), d.Time().Month(), 1).AddMonths(1).AddDays(-1) }

// preparedQuery is the summary's SQL over the prepared tables (see
// migrateSummaryPrepared): the same (ind, k, n, amount) rows as summaryQuery.
//
// A period [from, to] splits into its whole months [full0, full1] and the days of a
// partial month at either end. A row counts when its day is in the period and its prev
// is NULL or before from. For whole months the tallies answer, with prev's month
// before from's month; when from is not a first of the month, the rows whose prev
// falls in from's month before from are added from the facts. The partial months'
// days are read from summary_days (prev's month before from's month) when no
// nationality or sex filter asks for columns it lacks, else from the facts.
func preparedQuery(dialect Dialect, f SummaryFilter, scope Scope, inds []string) (string, []any) {
	// SQLite plans without the bound values (QPSG): told nothing, it reads the rows
	// whose prev is in from's month through the day index, over every whole month
	byPrev := " INDEXED BY idx_summary_facts_ind_prev"
	if dialect == Postgres {
		byPrev = ""
	}
	factInds := map[string]bool{}
	want := map[string]bool{}
	for _, ind := range append([]string{"support"}, inds...) {
		fi, _ := factIndicator(ind, f)
		factInds[fi] = true
		want[ind] = true
	}
	list := make([]string, 0, len(factInds))
	for fi := range factInds {
		list = append(list, fi)
	}
	sort.Strings(list)
	inList := func(list []string) string { return "x.ind IN ('" + strings.Join(list, "', '") + "')" }
	indIn := inList(list)
	cond, cargs := f.factCond(scope)
	from, to := f.From, f.To
	full0 := from
	if from.Time().Day() != 1 {
		full0 = NewDate(from.Year(), from.Time().Month(), 1).AddMonths(1)
	}
	full1 := to
	if to != monthEnd(to) {
		full1 = NewDate(to.Year(), to.Time().Month(), 1).AddDays(-1)
	}
	// without a nationality or sex filter, the tallies without those columns do
	tallies := "summary_tallies"
	if f.Nationality == "" && f.Sex == "" {
		tallies = "summary_totals"
	}
	const cols = "x.ind AS ind, x.k AS k, %s AS month, x.office_id AS office_id, x.n AS n, x.amount AS amount"
	factCols := fmt.Sprintf(cols, "substr(x.d,1,7)")
	var parts []string
	var args []any
	edge := func(a, b Date) {
		parts = append(parts, "SELECT "+factCols+" FROM summary_facts x WHERE "+indIn+
			" AND x.d >= ? AND x.d <= ? AND COALESCE(x.prev, '') < ?"+cond)
		args = append(append(args, a.String(), b.String(), from.String()), cargs...)
	}
	fromMonth := NewDate(from.Year(), from.Time().Month(), 1)
	// the rows whose prev falls in from's own month before from, with d in [a, b]
	prevInFromMonth := func(a, b Date) {
		parts = append(parts, "SELECT "+factCols+" FROM summary_facts x"+byPrev+" WHERE "+indIn+
			" AND x.prev >= ? AND x.prev < ? AND x.d >= ? AND x.d <= ?"+cond)
		args = append(append(args, fromMonth.String(), from.String(), a.String(), b.String()), cargs...)
	}
	// grouped sums the rows of a prepared table that satisfy where per the leading
	// columns of its primary key (ind, period, prev's period, k; and office for the
	// returns, whose breakdown by office needs it). In the key's order the database sums
	// them as it reads them, without sorting, and a period's rows reach the final sums
	// as one per key and day (or month, or year) instead of one per office and direction:
	// a ninth of them for a mid-month period at the demo's scale 40.
	grouped := func(table, period, prevPeriod, month string, inds []string, where string, wargs ...any) {
		var others []string
		returns := false
		for _, ind := range inds {
			if ind == factReturns {
				returns = true
			} else {
				others = append(others, ind)
			}
		}
		key := "x.ind, x." + period + ", x." + prevPeriod + ", x.k"
		sel := func(office, inds, groupBy string) {
			parts = append(parts, "SELECT x.ind AS ind, x.k AS k, "+month+" AS month, "+office+" AS office_id, SUM(x.n) AS n, SUM(x.amount) AS amount FROM "+
				table+" x WHERE "+inds+" AND "+where+cond+" GROUP BY "+groupBy)
			args = append(append(args, wargs...), cargs...)
		}
		if len(others) > 0 {
			sel("0", inList(others), key)
		}
		if returns {
			sel("x.office_id", "x.ind = '"+factReturns+"'", key+", x.office_id")
		}
	}
	months := func(inds []string, a, b Date) {
		if len(inds) == 0 || a.After(b) {
			return
		}
		grouped(tallies, "month", "pmonth", "x.month", inds, "x.month >= ? AND x.month <= ? AND x.pmonth < ?",
			a.String()[:7], b.String()[:7], from.String()[:7])
	}
	// A period from 1 January reads its whole years from summary_years (prev's year
	// before from's), when no nationality or sex filter asks for columns it lacks. The
	// returns stay monthly when the page breaks them down by month (the months are
	// needed) or by office; the home's headline, which only counts them, reads a row
	// per office and year instead of one per month.
	lastYear := full1.Year()
	if full1.Time().Month() != time.December {
		lastYear--
	}
	monthlyReturns := want[IndReturnsMonth] || want[IndReturnsOffice]
	if tallies == "summary_totals" && from == full0 && from.Time().Month() == time.January && lastYear >= from.Year() {
		var yearly []string
		for _, fi := range list {
			if fi != factReturns || !monthlyReturns {
				yearly = append(yearly, fi)
			}
		}
		if len(yearly) > 0 {
			y0, y1 := fmt.Sprintf("%04d", from.Year()), fmt.Sprintf("%04d", lastYear)
			grouped("summary_years", "year", "pyear", "x.year", yearly, "x.year >= ? AND x.year <= ? AND x.pyear < ?", y0, y1, y0)
		}
		months(yearly, NewDate(lastYear+1, time.January, 1), full1)
		if factInds[factReturns] && monthlyReturns {
			months([]string{factReturns}, full0, full1)
		}
	} else {
		months(list, full0, full1)
	}
	var partial [][2]Date
	switch {
	case full0.After(full1):
		partial = [][2]Date{{from, to}}
	default:
		if from != full0 {
			partial = append(partial, [2]Date{from, full0.AddDays(-1)})
		}
		if to != full1 {
			partial = append(partial, [2]Date{full1.AddDays(1), to})
		}
	}
	if tallies == "summary_totals" {
		// Without a nationality or sex filter, the partial months' days are summed per
		// day (summary_days, prev's month before from's), and only the rows whose prev
		// falls in from's own month before from are read from the facts.
		for _, r := range partial {
			grouped("summary_days", "d", "pmonth", "substr(x.d,1,7)", list, "x.d >= ? AND x.d <= ? AND x.pmonth < ?",
				r[0].String(), r[1].String(), from.String()[:7])
		}
		if from != fromMonth {
			prevInFromMonth(from, to)
		}
	} else {
		if from != fromMonth && !full0.After(full1) {
			prevInFromMonth(full0, full1)
		}
		for _, r := range partial {
			edge(r[0], r[1])
		}
	}
	var out strings.Builder
	out.WriteString("WITH t AS (" + strings.Join(parts, "\nUNION ALL\n") + ")\n")
	out.WriteString("SELECT t.ind, t.k, SUM(t.n), CAST(SUM(t.amount) AS BIGINT) FROM t GROUP BY t.ind, t.k HAVING SUM(t.n) > 0")
	for _, b := range []struct{ ind, key string }{{IndReturnsMonth, "t.month"}, {IndReturnsOffice, "o.code"}} {
		if !want[b.ind] {
			continue
		}
		join := ""
		if b.ind == IndReturnsOffice {
			join = " JOIN offices o ON o.id = t.office_id"
		}
		out.WriteString("\nUNION ALL SELECT '" + b.ind + "', " + b.key + ", SUM(t.n), CAST(0 AS BIGINT) FROM t" + join +
			" WHERE t.ind = '" + factReturns + "' GROUP BY " + b.key + " HAVING SUM(t.n) > 0")
	}
	return out.String(), args
}

// factsCasesSQL selects the case_id of the facts behind one figure (a breakdown's key
// included): the rows the figure counts, one per day, so a case may appear more than
// once.
func factsCasesSQL(ind, key string, f SummaryFilter, scope Scope) (string, []any, bool) {
	fi, ok := factIndicator(ind, f)
	if !ok || ind == "support" {
		return "", nil, false
	}
	cond, args := f.factCond(scope)
	q := "SELECT x.case_id FROM summary_facts x WHERE x.ind = ? AND x.d >= ? AND x.d <= ?" + cond
	args = append([]any{fi, f.From.String(), f.To.String()}, args...)
	switch ind {
	case IndReturnsMonth:
		q += " AND substr(x.d,1,7) = ?"
	case IndReturnsOffice:
		q += " AND x.office_id = (SELECT o.id FROM offices o WHERE o.code = ?)"
	case IndReturnsNationality, IndReturnsSex, IndReturnsAge, IndVulnerability, IndSupportType, IndReferrals:
		q += " AND x.k = ?"
	default:
		return q, args, true
	}
	return q, append(args, key), true
}
