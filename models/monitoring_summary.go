package models

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
)

// The monitoring summary compares the same people at baseline and at their latest
// follow-up: a person counts when their case is in the filters and scope, has a
// baseline with a composite score (of any date), and has a follow-up with a composite
// score dated in the period; the latest such follow-up is the one compared. Means are
// computed by the database. When the compared visits were scored with more than one
// instrument version, the summary lists the versions so the page can say they are mixed.

// MonitoringGroups are the drill-down groups of the monitoring summary: "baselines" and
// "followups" (visits in the period), "people" (the compared people), "band:<band>",
// "support:<type or none>", "office:<code>".
const (
	GroupBaselines = "baselines"
	GroupFollowups = "followups"
	GroupPeople    = "people"
)

// MonitoringSupportGroups are the support types the summary breaks down by, then none.
var MonitoringSupportGroups = func() []string {
	var out []string
	for _, t := range SupportTypes {
		out = append(out, string(t))
	}
	return append(out, "none")
}()

// MeanPair is a group's mean composite at baseline and at the latest follow-up.
type MeanPair struct {
	Key      string
	People   int64
	Baseline float64
	Followup float64
}

// MonitoringSummary is the monitoring section of the summary page.
type MonitoringSummary struct {
	Baselines, Followups int64
	// All is the compared people's means; Dimensions the same per dimension code.
	All        MeanPair
	Dimensions []MeanPair
	Bands      []KeyCount // people per band at the latest follow-up, in Bands order
	BySupport  []MeanPair // in MonitoringSupportGroups order, empty groups left out
	ByOffice   []MeanPair // by office code
	// Versions are the instrument versions of the compared visits.
	Versions []int
}

// Mixed is true when the compared visits were scored with more than one version.
func (m *MonitoringSummary) Mixed() bool { return len(m.Versions) > 1 }

// pairsSQL is the compared people: case, office, baseline and latest follow-up visits.
func pairsSQL(scope Scope, f SummaryFilter) (string, []any) {
	cond, args := f.caseCond(scope)
	q := `SELECT c.id AS case_id, c.office_id, b.id AS base_id, b.composite AS base_c, b.instrument_version AS base_v,
			fu.id AS fu_id, fu.composite AS fu_c, fu.instrument_version AS fu_v, fu.band AS band
		FROM cases c
		JOIN monitoring_visits b ON b.case_id = c.id AND b.kind = 'baseline' AND b.composite IS NOT NULL
		JOIN (SELECT v.*, ROW_NUMBER() OVER (PARTITION BY v.case_id ORDER BY v.date DESC, v.id DESC) AS rn
			FROM monitoring_visits v
			WHERE v.kind = 'followup' AND v.composite IS NOT NULL AND v.date >= ? AND v.date <= ?) fu
			ON fu.case_id = c.id AND fu.rn = 1
		WHERE 1 = 1` + cond
	return q, append([]any{f.From.String(), f.To.String()}, args...)
}

// supportGroupSQL gives each compared person's support groups: every type of support
// they have that the filter counts (not cancelled; delivered only under the summary's
// "delivered support only" filter, as the support breakdown), or none.
func supportGroupSQL(f SummaryFilter) string {
	return `SELECT DISTINCT s.case_id, s.type AS grp FROM supports s WHERE ` + f.supportStatusCond()
}

// MonitoringSummary computes the monitoring section for the filters in scope.
func (s *SummaryStore) MonitoringSummary(ctx context.Context, scope Scope, f SummaryFilter) (*MonitoringSummary, error) {
	db := s.db.Read.WithContext(ctx)
	m := &MonitoringSummary{}
	cond, args := f.caseCond(scope)
	visits := `SELECT COUNT(*) FROM monitoring_visits v JOIN cases c ON c.id = v.case_id
		WHERE v.kind = ? AND v.date >= ? AND v.date <= ?` + cond
	for kind, dst := range map[string]*int64{"baseline": &m.Baselines, "followup": &m.Followups} {
		if err := db.Raw(visits, append([]any{kind, f.From.String(), f.To.String()}, args...)...).Scan(dst).Error; err != nil {
			return nil, fmt.Errorf("count visits: %w", err)
		}
	}
	pairs, pargs := pairsSQL(scope, f)
	means := func(q string, args []any) ([]MeanPair, error) {
		rows, err := db.Raw(q, args...).Rows()
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		var out []MeanPair
		for rows.Next() {
			var p MeanPair
			var b, fu sql.NullFloat64
			if err := rows.Scan(&p.Key, &p.People, &b, &fu); err != nil {
				return nil, err
			}
			p.Baseline, p.Followup = b.Float64, fu.Float64
			out = append(out, p)
		}
		return out, rows.Err()
	}
	all, err := means(`SELECT '' AS k, COUNT(*), AVG(p.base_c), AVG(p.fu_c) FROM (`+pairs+`) p`, pargs)
	if err != nil {
		return nil, fmt.Errorf("monitoring means: %w", err)
	}
	m.All = all[0]
	if m.Dimensions, err = means(`SELECT bs.code, COUNT(*), AVG(bs.score), AVG(fs.score) FROM (`+pairs+`) p
		JOIN monitoring_scores bs ON bs.visit_id = p.base_id AND bs.level = 'dimension' AND bs.score IS NOT NULL
		JOIN monitoring_scores fs ON fs.visit_id = p.fu_id AND fs.level = 'dimension' AND fs.code = bs.code AND fs.score IS NOT NULL
		GROUP BY bs.code ORDER BY bs.code`, pargs); err != nil {
		return nil, fmt.Errorf("monitoring dimension means: %w", err)
	}
	support, err := means(`SELECT COALESCE(g.grp, 'none'), COUNT(*), AVG(p.base_c), AVG(p.fu_c) FROM (`+pairs+`) p
		LEFT JOIN (`+supportGroupSQL(f)+`) g ON g.case_id = p.case_id
		GROUP BY COALESCE(g.grp, 'none')`, pargs)
	if err != nil {
		return nil, fmt.Errorf("monitoring means by support: %w", err)
	}
	for _, grp := range MonitoringSupportGroups {
		for _, p := range support {
			if p.Key == grp {
				m.BySupport = append(m.BySupport, p)
			}
		}
	}
	if m.ByOffice, err = means(`SELECT o.code, COUNT(*), AVG(p.base_c), AVG(p.fu_c) FROM (`+pairs+`) p
		JOIN offices o ON o.id = p.office_id GROUP BY o.code ORDER BY o.code`, pargs); err != nil {
		return nil, fmt.Errorf("monitoring means by office: %w", err)
	}
	bands, err := means(`SELECT p.band, COUNT(*), 0, 0 FROM (`+pairs+`) p GROUP BY p.band`, pargs)
	if err != nil {
		return nil, fmt.Errorf("monitoring bands: %w", err)
	}
	for _, b := range Bands {
		for _, p := range bands {
			if p.Key == b {
				m.Bands = append(m.Bands, KeyCount{Key: b, Count: p.People})
			}
		}
	}
	var versions []int
	if err := db.Raw(`SELECT DISTINCT v FROM (SELECT p.base_v AS v FROM (`+pairs+`) p UNION SELECT p.fu_v FROM (`+pairs+`) p) x ORDER BY v`,
		append(slices.Clone(pargs), pargs...)...).Scan(&versions).Error; err != nil {
		return nil, fmt.Errorf("monitoring versions: %w", err)
	}
	m.Versions = versions
	return m, nil
}

// MonitoringCase is one case behind a figure of the monitoring summary.
type MonitoringCase struct {
	ID         uint
	CaseNumber string
	Office     string
}

// MonitoringCases lists the cases behind one figure (group, see MonitoringGroups), in
// case-number order, and how many there are: the count is the figure.
func (s *SummaryStore) MonitoringCases(ctx context.Context, scope Scope, f SummaryFilter, group string, page, perPage int) ([]MonitoringCase, int64, error) {
	var ids string
	var args []any
	pairs, pargs := pairsSQL(scope, f)
	kind, key, _ := strings.Cut(group, ":")
	switch kind {
	case GroupBaselines, GroupFollowups:
		cond, cargs := f.caseCond(scope)
		ids = `SELECT v.case_id FROM monitoring_visits v JOIN cases c ON c.id = v.case_id
			WHERE v.kind = ? AND v.date >= ? AND v.date <= ?` + cond
		args = append([]any{strings.TrimSuffix(kind, "s"), f.From.String(), f.To.String()}, cargs...)
	case GroupPeople:
		ids, args = `SELECT p.case_id FROM (`+pairs+`) p`, pargs
	case "band":
		ids, args = `SELECT p.case_id FROM (`+pairs+`) p WHERE p.band = ?`, append(slices.Clone(pargs), key)
	case "support":
		if !slices.Contains(MonitoringSupportGroups, key) {
			return nil, 0, ErrNotFound
		}
		ids = `SELECT p.case_id FROM (` + pairs + `) p LEFT JOIN (` + supportGroupSQL(f) + `) g ON g.case_id = p.case_id
			WHERE COALESCE(g.grp, 'none') = ?`
		args = append(slices.Clone(pargs), key)
	case "office":
		ids = `SELECT p.case_id FROM (` + pairs + `) p JOIN offices o ON o.id = p.office_id WHERE o.code = ?`
		args = append(slices.Clone(pargs), key)
	default:
		return nil, 0, ErrNotFound
	}
	// A figure counts visits (baselines, follow-ups) or people; the list shows one row
	// per visit or person, so its length is the figure.
	db := s.db.Read.WithContext(ctx)
	var total int64
	if err := db.Raw(`SELECT COUNT(*) FROM (`+ids+`) x`, args...).Scan(&total).Error; err != nil {
		return nil, 0, fmt.Errorf("count monitoring cases: %w", err)
	}
	page = max(page, 1)
	rows, err := db.Raw(`SELECT c.id, c.case_number, o.code FROM (`+ids+`) x JOIN cases c ON c.id = x.case_id
		JOIN offices o ON o.id = c.office_id ORDER BY c.case_number, c.id LIMIT ? OFFSET ?`,
		append(slices.Clone(args), perPage, (page-1)*perPage)...).Rows()
	if err != nil {
		return nil, 0, fmt.Errorf("list monitoring cases: %w", err)
	}
	defer rows.Close()
	var out []MonitoringCase
	for rows.Next() {
		var mc MonitoringCase
		if err := rows.Scan(&mc.ID, &mc.CaseNumber, &mc.Office); err != nil {
			return nil, 0, err
		}
		out = append(out, mc)
	}
	return out, total, rows.Err()
}
