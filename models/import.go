package models

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// The case import reads a file in the columns of cases.csv (the export), validates every
// row with the registration rules, and imports all rows in one transaction or none.
//
//   - Separator: comma or semicolon, whichever the header line has more of (French
//     spreadsheet programs write semicolons). UTF-8 with or without BOM, quoted fields, CRLF.
//   - case_number and age_band are read but ignored: numbers are allocated from the office
//     counters as in registration, in the year of registered_on (today when empty).
//   - office: the office code; rows without one take the default office chosen on the form.
//   - status: imported as given (empty: registered, or returned for inbound cases), with the
//     travel fields and closure reason; one status change "imported" by the administrator.
//   - A leading ' added by the export to neutralise a formula is removed.
//   - Dates as exported (YYYY-MM-DD) or as a French spreadsheet rewrites them (DD/MM/YYYY).

// ImportMaxBytes is the largest file accepted.
const ImportMaxBytes = 20 << 20

// importShown caps the errors and duplicates listed on the page (all are counted).
const importShown = 500

// importBatch is the rows per INSERT statement, under SQLite's 32,766 parameters (cases
// have 34 columns); PostgreSQL allows 65,535, and fewer, larger statements are faster there.
const importBatch = 400

const importBatchPostgres = 1500

// importRequired are the columns a file must have (besides birth_date or age_estimate).
var importRequired = []string{"direction", "family_name", "given_name", "sex", "nationality", "return_country", "consent_date"}

// ImportProblem is one error or warning: a data row (2 is the first row under the
// header, as spreadsheets number them), the column, and a translation key.
type ImportProblem struct {
	Row    int
	Column string
	Key    string
	// Other is the other row of the file, or the existing case number, for duplicates.
	OtherRow  int
	OtherCase string
}

// ImportResult is what a dry run or an import found.
type ImportResult struct {
	// Hash is the SHA-256 of the file, which the import must match.
	Hash string
	Rows int
	// FileError refuses the whole file (not CSV, unknown columns…); FileArg completes it.
	FileError, FileArg string
	Errors             []ImportProblem
	ErrorCount         int
	Duplicates         []ImportProblem
	DuplicateCount     int
	// Imported, First and Last describe a done import.
	Imported    int
	First, Last string
}

// OK reports a file with no error.
func (r *ImportResult) OK() bool { return r.FileError == "" && r.ErrorCount == 0 && r.Rows > 0 }

func (r *ImportResult) addError(row int, col, key string) {
	r.ErrorCount++
	if len(r.Errors) < importShown {
		r.Errors = append(r.Errors, ImportProblem{Row: row, Column: col, Key: key})
	}
}

func (r *ImportResult) addDuplicate(p ImportProblem) {
	r.DuplicateCount++
	if len(r.Duplicates) < importShown {
		r.Duplicates = append(r.Duplicates, p)
	}
}

// importRow is one valid row, ready to insert.
type importRow struct {
	line       int
	in         CaseInput
	office     *Office
	status     CaseStatus
	dep, arr   Date
	route      string
	escort     string
	receivedBy string
	closure    string
	registered Date
}

// ImportStore validates and imports case files.
type ImportStore struct {
	db    *DB
	now   func() time.Time
	audit *AuditStore
}

// NewImportStore builds the store.
func NewImportStore(db *DB, now func() time.Time, audit *AuditStore) *ImportStore {
	return &ImportStore{db: db, now: now, audit: audit}
}

// FileHash is the hex SHA-256 of a file.
func FileHash(data []byte) string {
	h := sha256.Sum256(data)
	return hex.EncodeToString(h[:])
}

// DryRun validates a file and lists its errors and possible duplicates; it writes nothing.
// Office codes, assignees and the existing cases compared for duplicates are those of
// the importing user's scope.
func (s *ImportStore) DryRun(ctx context.Context, scope Scope, data []byte, defaultOffice string) (*ImportResult, error) {
	res, _, err := s.check(s.db.Read.WithContext(ctx), scope, data, defaultOffice)
	return res, err
}

// Import validates the file again and, when it has no error and is the file of the dry
// run (same hash), imports every row in one transaction with one audit event per case
// and one for the import. A file with any error imports nothing.
func (s *ImportStore) Import(ctx context.Context, actor Actor, data []byte, defaultOffice, hash string) (*ImportResult, error) {
	if actor.User == nil {
		return nil, ErrForbidden
	}
	var res *ImportResult
	if s.db.Dialect == SQLite {
		// A large import touches index pages all over: with the default 2 MB page cache,
		// SQLite spills and rereads them, and 50,000 rows take a minute instead of seconds.
		if err := s.db.Write.WithContext(ctx).Exec("PRAGMA cache_size = -131072").Error; err != nil {
			return nil, fmt.Errorf("enlarge cache: %w", err)
		}
		defer s.db.Write.Exec("PRAGMA cache_size = -2000")
	}
	err := s.db.Tx(ctx, func(tx *gorm.DB) error {
		var rows []importRow
		var err error
		res, rows, err = s.check(tx, actor.User.Scope(), data, defaultOffice)
		if err != nil {
			return err
		}
		if res.Hash != strings.ToLower(strings.TrimSpace(hash)) && res.FileError == "" {
			res.FileError = "admin.import.error.hash_mismatch"
		}
		if !res.OK() {
			return nil
		}
		return s.insert(tx, actor, res, rows)
	})
	if err != nil {
		return nil, err
	}
	if res.OK() {
		if err := s.db.Analyze(ctx); err != nil {
			return nil, err
		}
	}
	return res, nil
}

// check parses and validates a file inside db (the transaction, for an import).
// An office outside scope is "unknown", as if it did not exist.
func (s *ImportStore) check(db *gorm.DB, scope Scope, data []byte, defaultOffice string) (*ImportResult, []importRow, error) {
	res := &ImportResult{Hash: FileHash(data)}
	records, header, ferr, farg := parseImportFile(data)
	if ferr != "" {
		res.FileError, res.FileArg = ferr, farg
		return res, nil, nil
	}
	col := map[string]int{}
	for i, h := range header {
		col[h] = i
	}
	var offices []Office
	if err := scope.Where(db, "id").Find(&offices).Error; err != nil {
		return nil, nil, fmt.Errorf("load offices: %w", err)
	}
	byCode := map[string]*Office{}
	for i := range offices {
		byCode[offices[i].Code] = &offices[i]
	}
	def := byCode[strings.ToUpper(strings.TrimSpace(defaultOffice))]
	if _, ok := col["office"]; !ok && def == nil {
		res.FileError, res.FileArg = "admin.import.error.missing_columns", "office"
		return res, nil, nil
	}
	var staff []User
	if err := scope.Where(db, "office_id").Where("active = ? AND role IN ?", true, []Role{RoleCaseworker, RoleSupervisor}).Find(&staff).Error; err != nil {
		return nil, nil, fmt.Errorf("load staff: %w", err)
	}
	byEmail := map[string]*User{}
	for i := range staff {
		byEmail[strings.ToLower(staff[i].Email)] = &staff[i]
	}
	today := DateOf(s.now())
	rows := make([]importRow, 0, len(records))
	for i, rec := range records {
		line := i + 2
		if len(rec) != len(header) {
			res.addError(line, "", "admin.import.error.field_count")
			continue
		}
		get := func(name string) string {
			if j, ok := col[name]; ok {
				return unneutralise(rec[j])
			}
			return ""
		}
		fe := FieldErrors{}
		r := importRow{line: line}
		r.in = CaseInput{
			Direction: strings.TrimSpace(get("direction")), FamilyName: get("family_name"), GivenName: get("given_name"),
			Sex: strings.ToUpper(strings.TrimSpace(get("sex"))), BirthDate: isoDate(get("birth_date")),
			AgeEstimate: get("age_estimate"), Nationality: get("nationality"), ReturnCountry: get("return_country"),
			Phone: get("phone"), Languages: get("languages"), IDDocType: strings.TrimSpace(get("id_doc_type")),
			IDDocNumber: get("id_doc_number"), ConsentDate: isoDate(get("consent_date")),
			RequestDate: isoDate(get("request_date")), RequestReason: strings.TrimSpace(get("request_reason")),
			Notes: get("notes"),
		}
		if v := strings.TrimSpace(get("vulnerabilities")); v != "" {
			for _, x := range strings.FieldsFunc(v, func(r rune) bool { return r == ';' || r == ',' }) {
				r.in.Vulnerabilities = append(r.in.Vulnerabilities, strings.TrimSpace(x))
			}
		}
		if v := strings.TrimSpace(get("household")); v != "" {
			for _, m := range strings.Split(v, ";") {
				p := strings.Split(m, "|")
				if len(p) != 4 {
					fe.Add("household", "admin.import.error.household")
					break
				}
				r.in.Household = append(r.in.Household, HouseholdInput{Name: p[0], Relation: p[1],
					Sex: strings.ToUpper(strings.TrimSpace(p[2])), BirthDate: isoDate(p[3])})
			}
		}
		if b, ok := parseBool(get("consent_share")); ok {
			r.in.ConsentShare = b
		} else {
			fe.Add("consent_share", "admin.import.error.boolean")
		}
		for k, v := range r.in.ValidateAt(today) {
			if strings.HasPrefix(k, "household[") {
				k = "household"
			}
			fe.Add(k, v)
		}
		// Office and assignee, as registration checks them.
		if code := strings.ToUpper(strings.TrimSpace(get("office"))); code != "" {
			r.office = byCode[code]
			if r.office == nil {
				fe.Add("office", "error.office_unknown")
			}
		} else if r.office = def; def == nil {
			fe.Add("office", "error.required")
		}
		if email := strings.ToLower(strings.TrimSpace(get("assigned_to"))); email != "" {
			u := byEmail[email]
			if u == nil || r.office == nil || u.OfficeID == nil || *u.OfficeID != r.office.ID {
				fe.Add("assigned_to", "cases.error.assignee")
			} else {
				r.in.AssignedToID = u.ID
			}
		}
		s.checkWorkflow(fe, &r, get, today)
		if len(fe) > 0 {
			for _, k := range importColumnOrder(fe) {
				res.addError(line, k, fe[k])
			}
			continue
		}
		rows = append(rows, r)
	}
	res.Rows = len(records)
	if res.ErrorCount == 0 {
		if err := s.duplicates(db, scope, res, rows, today); err != nil {
			return nil, nil, err
		}
	}
	return res, rows, nil
}

// checkWorkflow validates the status, travel fields, closure reason and registration date.
func (s *ImportStore) checkWorkflow(fe FieldErrors, r *importRow, get func(string) string, today Date) {
	dir := Direction(r.in.Direction)
	r.status = CaseStatus(strings.TrimSpace(get("status")))
	switch {
	case r.status == "" && dir == Inbound:
		r.status = StatusReturned
	case r.status == "":
		r.status = StatusRegistered
	case !r.status.Valid():
		fe.Add("status", "admin.import.error.status")
	case dir == Inbound && slices.Index(CaseStatuses, r.status) < slices.Index(CaseStatuses, StatusReturned):
		fe.Add("status", "admin.import.error.inbound_status")
	}
	if v := isoDate(get("departure_date")); strings.TrimSpace(v) != "" {
		r.dep = checkDate(fe, "departure_date", v, today, false)
	}
	if v := isoDate(get("arrival_date")); strings.TrimSpace(v) != "" {
		r.arr = checkDate(fe, "arrival_date", v, today, false)
		if !r.arr.IsZero() && !r.dep.IsZero() && r.arr.Before(r.dep) {
			fe.Add("arrival_date", "cases.error.arrival_before_departure")
		}
	}
	r.route, r.receivedBy = strings.TrimSpace(get("travel_route")), strings.TrimSpace(get("received_by"))
	checkText(fe, "travel_route", r.route, false)
	checkText(fe, "received_by", r.receivedBy, false)
	r.escort = strings.TrimSpace(get("escort"))
	if r.escort != "" && !slices.Contains(Escorts, r.escort) {
		fe.Add("escort", "error.choose_value")
	}
	r.closure = strings.TrimSpace(get("closure_reason"))
	switch {
	case r.status == StatusClosed && !slices.Contains(ClosureReasons, r.closure):
		fe.Add("closure_reason", "cases.error.closure_reason")
	case r.status != StatusClosed && r.closure != "" && r.status.Valid():
		fe.Add("closure_reason", "admin.import.error.closure_open")
	}
	r.registered = today
	if v := isoDate(get("registered_on")); strings.TrimSpace(v) != "" {
		if d := checkDate(fe, "registered_on", v, today, false); !d.IsZero() {
			r.registered = d
		}
	}
}

// importColumnOrder lists a row's error columns in the file's column order.
func importColumnOrder(fe FieldErrors) []string {
	keys := make([]string, 0, len(fe))
	for k := range fe {
		keys = append(keys, k)
	}
	order := ExportColumns["cases"]
	sort.Slice(keys, func(i, j int) bool { return slices.Index(order, keys[i]) < slices.Index(order, keys[j]) })
	return keys
}

// dupKeys are the keys two cases are possible duplicates by: the same normalised name
// and the same birth year, or the same nationality (as PossibleDuplicates).
func dupKeys(nameKey, year, nat string) []string {
	var out []string
	if year != "" {
		out = append(out, nameKey+"|y"+year)
	}
	if nat != "" {
		out = append(out, nameKey+"|n"+nat)
	}
	return out
}

func rowYear(in *CaseInput, today Date) string {
	if !in.birth.IsZero() {
		return strconv.Itoa(in.birth.Year())
	}
	if in.age != nil {
		return strconv.Itoa(today.Year() - *in.age)
	}
	return ""
}

// duplicates flags rows that match an earlier row of the file or an existing case.
func (s *ImportStore) duplicates(db *gorm.DB, scope Scope, res *ImportResult, rows []importRow, today Date) error {
	names := map[string]bool{}
	for i := range rows {
		names[NameKey(rows[i].in.FamilyName, rows[i].in.GivenName)] = true
	}
	list := make([]string, 0, len(names))
	for k := range names {
		if k != "" {
			list = append(list, k)
		}
	}
	existing := map[string]string{}
	for start := 0; start < len(list); start += 500 {
		var found []struct {
			CaseNumber, NameKey, Year, Nationality string
		}
		err := scope.Where(db.Model(&Case{}), "office_id").Select("case_number, name_key, COALESCE(substr(birth_date, 1, 4), '') AS year, nationality").
			Where("name_key IN ?", list[start:min(start+500, len(list))]).Order("case_number").Scan(&found).Error
		if err != nil {
			return fmt.Errorf("find duplicates: %w", err)
		}
		for _, f := range found {
			for _, k := range dupKeys(f.NameKey, f.Year, f.Nationality) {
				if _, ok := existing[k]; !ok {
					existing[k] = f.CaseNumber
				}
			}
		}
	}
	seen := map[string]int{}
	for i := range rows {
		r := &rows[i]
		key := NameKey(r.in.FamilyName, r.in.GivenName)
		if key == "" {
			continue
		}
		keys := dupKeys(key, rowYear(&r.in, today), r.in.Nationality)
		flagged := false
		for _, k := range keys {
			if n, ok := existing[k]; ok && !flagged {
				res.addDuplicate(ImportProblem{Row: r.line, OtherCase: n})
				flagged = true
			}
		}
		flagged = false
		for _, k := range keys {
			if other, ok := seen[k]; ok && !flagged {
				res.addDuplicate(ImportProblem{Row: r.line, OtherRow: other})
				flagged = true
			}
		}
		for _, k := range keys {
			if _, ok := seen[k]; !ok {
				seen[k] = r.line
			}
		}
	}
	return nil
}

// insert writes the validated rows in batches inside the import's transaction.
func (s *ImportStore) insert(tx *gorm.DB, actor Actor, res *ImportResult, rows []importRow) error {
	now := s.now().UTC()
	today := DateOf(now)
	// Case numbers: one counter update per office and year, for the whole block.
	type group struct {
		office *Office
		year   int
	}
	counts := map[group]int{}
	var groups []group
	for _, r := range rows {
		g := group{r.office, r.registered.Year()}
		if counts[g] == 0 {
			groups = append(groups, g)
		}
		counts[g]++
	}
	next := map[group]int{}
	for _, g := range groups {
		first, err := nextCaseNumbers(tx, g.office, g.year, counts[g])
		if err != nil {
			return err
		}
		next[g] = first
	}
	cases := make([]Case, len(rows))
	for i := range rows {
		r := &rows[i]
		c := &cases[i]
		g := group{r.office, r.registered.Year()}
		c.CaseNumber = fmt.Sprintf("%s-%d-%05d", r.office.Code, g.year, next[g])
		next[g]++
		applyInput(c, &r.in)
		c.OfficeID = r.office.ID
		c.Status = r.status
		c.DepartureDate, c.ArrivalDate, c.TravelRoute = r.dep, r.arr, r.route
		c.Escort, c.ReceivedBy, c.ClosureReason = r.escort, r.receivedBy, r.closure
		c.Version = 1
		c.CreatedByID = actor.User.ID
		c.CreatedAt = now
		if r.registered != today {
			// The registration day as the file gives it, at noon so that no time zone
			// moves it to another day.
			c.CreatedAt = r.registered.Time().Add(12 * time.Hour)
		}
		c.UpdatedAt = now
	}
	batch := importBatch
	if tx.Dialector.Name() == "postgres" {
		batch = importBatchPostgres
	}
	if err := tx.Omit(clause.Associations).CreateInBatches(&cases, batch).Error; err != nil {
		return fmt.Errorf("import cases: %w", err)
	}
	var members []HouseholdMember
	var vulns []CaseVulnerability
	changes := make([]StatusChange, len(rows))
	events := make([]AuditEvent, 0, len(rows)+1)
	short := res.Hash[:12]
	for i := range rows {
		r, c := &rows[i], &cases[i]
		for _, h := range r.in.Members() {
			bd, _ := ParseDate(h.BirthDate)
			members = append(members, HouseholdMember{CaseID: c.ID, Name: h.Name, Relation: h.Relation, Sex: Sex(h.Sex), BirthDate: bd})
		}
		for _, v := range r.in.Vulnerabilities {
			vulns = append(vulns, CaseVulnerability{CaseID: c.ID, Code: v})
		}
		changes[i] = StatusChange{CaseID: c.ID, To: c.Status, Date: today, Reason: "imported", UserID: actor.User.ID, CreatedAt: now}
		ev := actor.Event("case.create", "case", strconv.FormatUint(uint64(c.ID), 10))
		ev.At = now
		ev.Fields = strings.Join(setFields(&r.in), ",")
		ev.Details = "import=" + short
		events = append(events, ev)
	}
	if len(members) > 0 {
		if err := tx.CreateInBatches(&members, batch*2).Error; err != nil {
			return fmt.Errorf("import household: %w", err)
		}
	}
	if len(vulns) > 0 {
		if err := tx.CreateInBatches(&vulns, batch*2).Error; err != nil {
			return fmt.Errorf("import vulnerabilities: %w", err)
		}
	}
	if err := tx.CreateInBatches(&changes, batch*2).Error; err != nil {
		return fmt.Errorf("import status changes: %w", err)
	}
	sum := actor.Event("import.cases", "import", short)
	sum.At = now
	sum.Details = fmt.Sprintf("rows=%d sha256=%s duplicates=%d first=%s last=%s", len(rows), res.Hash,
		res.DuplicateCount, cases[0].CaseNumber, cases[len(cases)-1].CaseNumber)
	events = append(events, sum)
	if err := tx.CreateInBatches(&events, batch).Error; err != nil {
		return fmt.Errorf("record import: %w", err)
	}
	res.Imported, res.First, res.Last = len(rows), cases[0].CaseNumber, cases[len(cases)-1].CaseNumber
	return nil
}

// nextCaseNumbers reserves n consecutive numbers of an office's year inside tx, with the
// counter NextCaseNumber uses (the same row lock), and returns the first.
func nextCaseNumbers(tx *gorm.DB, office *Office, year, n int) (int, error) {
	var last int
	err := tx.Raw(`INSERT INTO case_counters (office_id, year, last) VALUES (?, ?, ?)
		ON CONFLICT (office_id, year) DO UPDATE SET last = case_counters.last + ? RETURNING last`,
		office.ID, year, n, n).Scan(&last).Error
	if err != nil {
		return 0, fmt.Errorf("allocate case numbers: %w", err)
	}
	return last - n + 1, nil
}

// parseImportFile reads the header and records, or says why the file is refused.
func parseImportFile(data []byte) (records [][]string, header []string, ferr, farg string) {
	data = bytes.TrimPrefix(data, []byte("\uFEFF"))
	switch {
	case len(bytes.TrimSpace(data)) == 0:
		return nil, nil, "admin.import.error.empty", ""
	case bytes.HasPrefix(data, []byte("PK\x03\x04")) || bytes.HasPrefix(data, []byte("\xD0\xCF\x11\xE0")):
		return nil, nil, "admin.import.error.spreadsheet", ""
	case bytes.IndexByte(data, 0) >= 0:
		return nil, nil, "admin.import.error.not_csv", ""
	case !utf8.Valid(data):
		return nil, nil, "admin.import.error.not_utf8", ""
	}
	first := data
	if i := bytes.IndexByte(data, '\n'); i >= 0 {
		first = data[:i]
	}
	rd := csv.NewReader(bytes.NewReader(data))
	if bytes.Count(first, []byte(";")) > bytes.Count(first, []byte(",")) {
		rd.Comma = ';'
	}
	rd.FieldsPerRecord = -1
	rd.ReuseRecord = false
	head, err := rd.Read()
	if err != nil {
		return nil, nil, "admin.import.error.not_csv", ""
	}
	known := ExportColumns["cases"]
	var unknown, dup []string
	seen := map[string]bool{}
	matched := 0
	for i, h := range head {
		h = strings.ToLower(strings.TrimSpace(h))
		head[i] = h
		switch {
		case !slices.Contains(known, h):
			unknown = append(unknown, h)
		case seen[h]:
			dup = append(dup, h)
		default:
			matched++
		}
		seen[h] = true
	}
	if matched == 0 {
		return nil, nil, "admin.import.error.not_cases", ""
	}
	if len(unknown) > 0 {
		return nil, nil, "admin.import.error.unknown_columns", strings.Join(unknown, ", ")
	}
	if len(dup) > 0 {
		return nil, nil, "admin.import.error.duplicate_columns", strings.Join(dup, ", ")
	}
	var missing []string
	for _, r := range importRequired {
		if !seen[r] {
			missing = append(missing, r)
		}
	}
	if !seen["birth_date"] && !seen["age_estimate"] {
		missing = append(missing, "birth_date")
	}
	if len(missing) > 0 {
		return nil, nil, "admin.import.error.missing_columns", strings.Join(missing, ", ")
	}
	for {
		rec, err := rd.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			line := 0
			if errors.As(err, &pe) {
				line = pe.StartLine
			}
			return nil, nil, "admin.import.error.syntax", strconv.Itoa(line)
		}
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue // a blank line
		}
		records = append(records, rec)
	}
	if len(records) == 0 {
		return nil, nil, "admin.import.error.no_rows", ""
	}
	return records, head, "", ""
}

// unneutralise removes the quote the export puts before a cell a spreadsheet would run
// as a formula.
func unneutralise(s string) string {
	if len(s) > 1 && s[0] == '\'' && strings.ContainsRune("=+-@\t\r", rune(s[1])) {
		return s[1:]
	}
	return s
}

var frenchDate = regexp.MustCompile(`^(\d{1,2})/(\d{1,2})/(\d{4})$`)

// isoDate turns a date a French spreadsheet rewrote (14/07/1985) back into 1985-07-14;
// anything else is left for the date check.
func isoDate(s string) string {
	s = strings.TrimSpace(s)
	if m := frenchDate.FindStringSubmatch(s); m != nil {
		d, _ := strconv.Atoi(m[1])
		mo, _ := strconv.Atoi(m[2])
		return fmt.Sprintf("%s-%02d-%02d", m[3], mo, d)
	}
	return s
}

// parseBool reads consent_share as exported (true/false) or as a spreadsheet in
// French or English may rewrite it; empty is false.
func parseBool(s string) (bool, bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "true", "vrai", "1", "yes", "oui":
		return true, true
	case "false", "faux", "0", "no", "non", "":
		return false, true
	}
	return false, false
}
