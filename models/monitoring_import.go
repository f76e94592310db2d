package models

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"gorm.io/gorm"
)

// The visit import reads a file in the columns of monitoring.csv (programmes collect
// visits on paper or in survey tools), with the dry-run rules of the case import: the
// dry run lists every error by row and column and writes nothing; the import takes the
// same file again (same SHA-256) and imports every row in one transaction, or none.
//
//   - Read: case_number, kind, date, method, instrument_version (empty: the current
//     version), interviewer, recorded_by (a user's email; empty: the importing
//     administrator), notes, and q_<question> for each question of the row's version.
//     The case, score, band and name columns of an export are accepted and ignored:
//     scores are computed again with the row's version, so an exported file imports to
//     the same scores.
//   - interviewer is who conducted the visit, as on the form: required in every row of
//     a file that has the column. Files made before the column held a name carried the
//     recording user's email there: such a value is read as that user (their name, and
//     they recorded it). A file without the column (older survey templates) imports
//     its visits with no interviewer, shown as not recorded.
//   - Each row follows the rules of the visit form (one baseline per case, in the file
//     as in the database; follow-ups after return; every question answered).

// visitImportRequired are the columns a visit file must have.
var visitImportRequired = []string{"case_number", "kind", "date", "method"}

// importUser is a user named by email in a visit file.
type importUser struct {
	ID   uint
	Name string
}

type visitRow struct {
	line        int
	cs          *Case
	iv          *InstrumentVersion
	in          VisitInput
	interviewer uint
}

// DryRunVisits validates a visit file and lists its errors; it writes nothing.
func (s *MonitoringStore) DryRunVisits(ctx context.Context, actor Actor, data []byte) (*ImportResult, error) {
	if actor.User == nil || actor.User.Role != RoleAdmin {
		return nil, ErrForbidden
	}
	res, _, err := s.checkVisits(s.db.Read.WithContext(ctx), actor, data)
	return res, err
}

// ImportVisits validates the file again and, when it has no error and is the file of
// the dry run, records every visit in one transaction.
func (s *MonitoringStore) ImportVisits(ctx context.Context, actor Actor, data []byte, hash string) (*ImportResult, error) {
	if actor.User == nil || actor.User.Role != RoleAdmin {
		return nil, ErrForbidden
	}
	if _, err := s.Current(ctx); err != nil {
		return nil, err
	}
	var res *ImportResult
	err := s.db.Tx(ctx, func(tx *gorm.DB) error {
		var rows []visitRow
		var err error
		res, rows, err = s.checkVisits(tx, actor, data)
		if err != nil || !res.OK() {
			return err
		}
		if hash != res.Hash {
			res.FileError = "admin.import.error.hash_mismatch"
			return nil
		}
		for _, r := range rows {
			sc, err := r.iv.Instrument.Score(r.in.Answers)
			if err != nil {
				return err
			}
			v := &Visit{CaseID: r.cs.ID, Date: r.in.date, InstrumentID: r.iv.ID, InstrumentVersion: r.iv.Version,
				Kind: r.in.Kind, Method: r.in.Method, InterviewerID: r.interviewer, Interviewer: r.in.Interviewer,
				Notes: r.in.Notes, Version: 1,
				Composite: sc.Composite, Band: r.iv.Instrument.Band(sc.Composite), CreatedAt: s.now().UTC()}
			if err := saveVisit(tx, v, r.iv.Instrument, r.in.Answers, sc); err != nil {
				return err
			}
			ev := actor.Event("monitoring.visit.create", "monitoring_visit", fmt.Sprint(v.ID))
			ev.Fields = "kind,date,method,interviewer,answers,notes"
			ev.Details = fmt.Sprintf("case=%d version=%d imported", r.cs.ID, r.iv.Version)
			if err := s.audit.RecordTx(tx, ev); err != nil {
				return err
			}
		}
		res.Imported = len(rows)
		ev := actor.Event("import.monitoring", "import", res.Hash[:16])
		ev.Details = fmt.Sprintf("rows=%d", len(rows))
		return s.audit.RecordTx(tx, ev)
	})
	if err != nil {
		return nil, err
	}
	return res, nil
}

// checkVisits parses and validates a visit file inside db.
func (s *MonitoringStore) checkVisits(db *gorm.DB, actor Actor, data []byte) (*ImportResult, []visitRow, error) {
	res := &ImportResult{Hash: FileHash(data)}
	var versions []InstrumentVersion
	if err := db.Order("version").Find(&versions).Error; err != nil {
		return nil, nil, fmt.Errorf("load instrument versions: %w", err)
	}
	if len(versions) == 0 {
		res.FileError = "monitoring.import.error.no_instrument"
		return res, nil, nil
	}
	byVersion := map[int]*InstrumentVersion{}
	known := slices.Clone(MonitoringFixedColumns)
	for i := range versions {
		iv := &versions[i]
		if err := iv.parse(); err != nil {
			return nil, nil, err
		}
		byVersion[iv.Version] = iv
		for _, d := range iv.Instrument.Dimensions {
			known = append(known, colDimension+d.Code)
			for _, ind := range d.Indicators {
				known = append(known, colIndicator+ind.Code)
			}
		}
		for _, q := range iv.Instrument.Questions() {
			known = append(known, colAnswer+q.Code)
		}
	}
	current := &versions[len(versions)-1]
	records, head, ferr, farg := parseVisitFile(data, known)
	if ferr != "" {
		res.FileError, res.FileArg = ferr, farg
		return res, nil, nil
	}
	res.Rows = len(records)
	scope := actor.User.Scope()
	today := DateOf(s.now())
	cases := map[string]*Case{}
	users := map[string]importUser{}
	baselines := map[uint]bool{}
	var rows []visitRow
	for i, rec := range records {
		line := i + 2
		if len(rec) != len(head) {
			res.addError(line, "", "admin.import.error.field_count")
			continue
		}
		get := func(col string) string {
			if j := slices.Index(head, col); j >= 0 {
				return strings.TrimSpace(unneutralise(rec[j]))
			}
			return ""
		}
		fe := FieldErrors{}
		r := visitRow{line: line, interviewer: actor.User.ID}
		num := get("case_number")
		cs, ok := cases[num]
		if !ok {
			var c Case
			err := scope.Where(db.Where("case_number = ?", num), "office_id").Take(&c).Error
			switch {
			case errors.Is(err, gorm.ErrRecordNotFound):
				cs = nil
			case err != nil:
				return nil, nil, fmt.Errorf("load case: %w", err)
			default:
				cs = &c
			}
			cases[num] = cs
		}
		if cs == nil {
			fe.Add("case_number", "monitoring.import.error.case_unknown")
		} else if cs.Status == StatusClosed {
			fe.Add("case_number", "monitoring.error.case_closed")
		}
		r.iv = current
		if v := get("instrument_version"); v != "" {
			n, err := strconv.Atoi(v)
			if r.iv = byVersion[n]; err != nil || r.iv == nil {
				fe.Add("instrument_version", "monitoring.import.error.version_unknown")
				r.iv = current
			}
		}
		user := func(email string) (importUser, error) {
			email = strings.ToLower(email)
			u, ok := users[email]
			if !ok {
				if err := db.Table("users").Select("id, name").Where("email = ?", email).Limit(1).Scan(&u).Error; err != nil {
					return u, fmt.Errorf("load user: %w", err)
				}
				users[email] = u
			}
			return u, nil
		}
		r.in = VisitInput{Kind: get("kind"), Date: isoDate(get("date")), Method: get("method"), Notes: get("notes"),
			Interviewer: get("interviewer"), interviewerOptional: !slices.Contains(head, "interviewer"), Answers: map[string]string{}}
		if email := get("recorded_by"); email != "" {
			u, err := user(email)
			if err != nil {
				return nil, nil, err
			}
			if u.ID == 0 {
				fe.Add("recorded_by", "monitoring.import.error.interviewer_unknown")
			}
			r.interviewer = u.ID
		}
		if strings.Contains(r.in.Interviewer, "@") {
			// an export made before the column held a name: the recording user's email
			u, err := user(r.in.Interviewer)
			if err != nil {
				return nil, nil, err
			}
			if u.ID == 0 {
				fe.Add("interviewer", "monitoring.import.error.interviewer_unknown")
			} else if get("recorded_by") == "" {
				r.interviewer = u.ID
			}
			r.in.Interviewer = u.Name
		}
		for _, q := range r.iv.Instrument.Questions() {
			r.in.Answers[q.Code] = get(colAnswer + q.Code)
		}
		for k, v := range r.in.Validate(today, r.iv) {
			fe.Add(k, v)
		}
		if cs != nil && len(fe) == 0 {
			if err := s.checkVisitForCase(db, cs, &r.in, fe); err != nil {
				return nil, nil, err
			}
			if r.in.Kind == "baseline" {
				if baselines[cs.ID] {
					fe.Add("kind", "monitoring.error.baseline_exists")
				}
				baselines[cs.ID] = true
			}
		}
		if len(fe) > 0 {
			for _, col := range slices.Sorted(maps.Keys(fe)) {
				res.addError(line, col, fe[col])
			}
			continue
		}
		r.cs = cs
		rows = append(rows, r)
	}
	return res, rows, nil
}

// parseVisitFile reads the header and records of a visit file, or says why it is refused.
func parseVisitFile(data []byte, known []string) (records [][]string, header []string, ferr, farg string) {
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
	head, err := rd.Read()
	if err != nil {
		return nil, nil, "admin.import.error.not_csv", ""
	}
	var unknown, dup, missing []string
	seen := map[string]bool{}
	for i, h := range head {
		h = strings.ToLower(strings.TrimSpace(h))
		head[i] = h
		switch {
		case !slices.Contains(known, h):
			unknown = append(unknown, h)
		case seen[h]:
			dup = append(dup, h)
		}
		seen[h] = true
	}
	for _, r := range visitImportRequired {
		if !seen[r] {
			missing = append(missing, r)
		}
	}
	switch {
	case len(unknown) > 0:
		return nil, nil, "monitoring.import.error.unknown_columns", strings.Join(unknown, ", ")
	case len(dup) > 0:
		return nil, nil, "admin.import.error.duplicate_columns", strings.Join(dup, ", ")
	case len(missing) > 0:
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
			continue
		}
		records = append(records, rec)
	}
	if len(records) == 0 {
		return nil, nil, "admin.import.error.no_rows", ""
	}
	return records, head, "", ""
}
