package models

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// monitoring.csv has one row per visit: the case columns of every record export, the
// visit, its stored scores, then the answer to each question. The score and answer
// columns come from the instruments (every version's dimensions, indicators and
// questions, the current version's first), so a file spanning versions has a column for
// every code any of them used, empty where a visit's version did not ask it.

// MonitoringFixedColumns are monitoring.csv's first columns, in order.
var MonitoringFixedColumns = []string{"case_number", "office", "direction", "nationality", "sex", "age_band",
	"family_name", "given_name", "visit_id", "kind", "date", "method", "instrument_version", "interviewer", "recorded_by",
	"notes", "composite", "band"}

// Prefixes of monitoring.csv's instrument columns.
const (
	colDimension = "dimension_"
	colIndicator = "indicator_"
	colAnswer    = "q_"
)

// MonitoringColumns is monitoring.csv's header: the fixed columns, then a column per
// dimension, per indicator and per question of every published version.
func (s *MonitoringStore) MonitoringColumns(ctx context.Context) ([]string, error) {
	vs, err := s.Versions(ctx)
	if err != nil {
		return nil, err
	}
	var dims, inds, qs []string
	for _, v := range vs {
		for _, d := range v.Instrument.Dimensions {
			dims = appendNew(dims, colDimension+d.Code)
			for _, ind := range d.Indicators {
				inds = appendNew(inds, colIndicator+ind.Code)
				for _, q := range ind.Questions {
					qs = appendNew(qs, colAnswer+q.Code)
				}
			}
		}
	}
	cols := slices.Concat(MonitoringFixedColumns, dims, inds, qs)
	return cols, nil
}

func appendNew(list []string, v string) []string {
	if slices.Contains(list, v) {
		return list
	}
	return append(list, v)
}

// formatScore writes a stored score with four decimals and a dot; empty for none.
func formatScore(s string) string {
	if s == "" {
		return ""
	}
	x, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return ""
	}
	return strconv.FormatFloat(x, 'f', 4, 64)
}

// ExportMonitoring streams monitoring.csv under the export filters (the period applies
// to the visit's date) to emit, header excluded, and records the export in the audit
// log. With pseudonymise the names and notes go out empty, as in the other exports.
func (s *MonitoringStore) ExportMonitoring(ctx context.Context, actor Actor, exports *ExportStore, f ExportFilter,
	columns []string, pseudonymise bool, emit func([]string) error) (int, error) {
	if actor.User != nil {
		f.scope = actor.User.OfficeID
	}
	at := map[string]int{}
	for i, c := range columns {
		at[c] = i
	}
	where, args := f.where("x.date", "o")
	db := s.db.Read
	q := `SELECT ` + caseCells + `, x.id, x.kind, x.date, x.method, x.instrument_version, x.interviewer, COALESCE(u.email, ''), x.notes,
		x.composite, x.band, ` +
		aggregate(db, "sc.level || ':' || sc.code || '=' || COALESCE(CAST(sc.score AS VARCHAR(40)), '')",
			"monitoring_scores sc WHERE sc.visit_id = x.id", "sc.level, sc.code") + `, ` +
		aggregate(db, "a.question || '=' || a.answer", "monitoring_answers a WHERE a.visit_id = x.id", "a.question") + `
		FROM monitoring_visits x JOIN cases c ON c.id = x.case_id JOIN offices o ON o.id = c.office_id
		LEFT JOIN users u ON u.id = x.interviewer_id
		WHERE ` + where + ` ORDER BY x.date, x.id`
	var cs caseScan
	var id, version sql.NullInt64
	var kind, date, method, interviewer, recordedBy, notes, band, scores, answers sql.NullString
	var composite sql.NullFloat64
	dest := append(cs.dest(), &id, &kind, &date, &method, &version, &interviewer, &recordedBy, &notes, &composite, &band, &scores, &answers)
	row := make([]string, len(columns))
	n, err := exports.stream(ctx, q, args, dest, func() error {
		for i := range row {
			row[i] = ""
		}
		// The fixed cells are written over the start of row (same backing array).
		fixed := cs.cells(row[:0], pseudonymise)
		// The interviewer is typed text (often a partner's staff): left out like notes.
		note, who := notes.String, interviewer.String
		if pseudonymise {
			note, who = "", ""
		}
		comp := ""
		if composite.Valid {
			comp = strconv.FormatFloat(composite.Float64, 'f', 4, 64)
		}
		fixed = append(fixed, intCell(id), kind.String, dateCell(date), method.String, intCell(version), who,
			recordedBy.String, note, comp, band.String)
		for _, part := range splitAgg(scores.String) {
			level, rest, _ := strings.Cut(part, ":")
			code, val, _ := strings.Cut(rest, "=")
			prefix := colIndicator
			if level == LevelDimension {
				prefix = colDimension
			}
			if i, ok := at[prefix+code]; ok {
				row[i] = formatScore(val)
			}
		}
		for _, part := range splitAgg(answers.String) {
			code, val, _ := strings.Cut(part, "=")
			if i, ok := at[colAnswer+code]; ok {
				row[i] = val
			}
		}
		return emit(row)
	})
	if err != nil {
		return n, err
	}
	ev := actor.Event("export.monitoring", "export", "monitoring")
	ev.Details = strings.TrimSpace(fmt.Sprintf("%s pseudonymise=%t rows=%d", f.Details(), pseudonymise, n))
	if err := s.audit.Record(context.WithoutCancel(ctx), ev); err != nil {
		return n, err
	}
	return n, nil
}

func splitAgg(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ";")
}
