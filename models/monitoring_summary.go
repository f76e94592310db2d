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
// score dated in the period; the latest such follow-up is the one compared. When the compared visits were scored with more than one
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
// "delivered support only" filter, as the support breakdown), or none. It ends with
// its WHERE clause, for more conditions.
func supportGroupSQL(f SummaryFilter) string {
	return `SELECT DISTINCT s.case_id, s.type AS grp FROM supports s WHERE ` + f.supportStatusCond()
}

// MonitoringSummary computes the monitoring section for the filters in scope. The
// database gives each compared person once, with their two visits' scores (pairsSQL,
// the drill-downs' definition too), and the means, bands, groups and versions are added
// up here in one pass: the section reads the period's visits a few times, not once per
// figure.
func (s *SummaryStore) MonitoringSummary(ctx context.Context, scope Scope, f SummaryFilter) (*MonitoringSummary, error) {
	db := s.db.Read.WithContext(ctx)
	m := &MonitoringSummary{}
	if err := s.countVisits(ctx, scope, f, m); err != nil {
		return nil, err
	}
	pairs, pargs := pairsSQL(scope, f)
	// One row per compared person and dimension code of their baseline (none when the
	// baseline has no dimension score), with the follow-up's score for the same code.
	rows, err := db.Raw(`SELECT p.case_id, p.base_id, o.code, p.base_c, p.fu_c, p.base_v, p.fu_v, p.band,
			bs.code, bs.score, fs.score
		FROM (`+pairs+`) p JOIN offices o ON o.id = p.office_id
		LEFT JOIN monitoring_scores bs ON bs.visit_id = p.base_id AND bs.level = 'dimension'
		LEFT JOIN monitoring_scores fs ON fs.visit_id = p.fu_id AND fs.level = 'dimension' AND fs.code = bs.code
		ORDER BY p.case_id, p.base_id`, pargs...).Rows()
	if err != nil {
		return nil, fmt.Errorf("monitoring pairs: %w", err)
	}
	type person struct {
		office     string
		base, fu   float64
		baseV, fuV int
		band       string
		groups     []string
	}
	// A pair is a case and its baseline (one per case, but the figures count what the
	// drill-down lists, pairs).
	var people []*person
	byPair := map[[2]uint]*person{}
	byCase := map[uint][]*person{}
	var all, dims, offices meanSums
	versions := map[int]bool{}
	for rows.Next() {
		var id, baseID uint
		var p person
		var code sql.NullString
		var bs, fs sql.NullFloat64
		if err := rows.Scan(&id, &baseID, &p.office, &p.base, &p.fu, &p.baseV, &p.fuV, &p.band, &code, &bs, &fs); err != nil {
			rows.Close()
			return nil, err
		}
		if key := [2]uint{id, baseID}; byPair[key] == nil {
			byPair[key] = &p
			byCase[id] = append(byCase[id], &p)
			people = append(people, &p)
			all.add("", p.base, p.fu)
			offices.add(p.office, p.base, p.fu)
			versions[p.baseV], versions[p.fuV] = true, true
		}
		if code.Valid && bs.Valid && fs.Valid {
			dims.add(code.String, bs.Float64, fs.Float64)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("monitoring pairs: %w", err)
	}
	m.All = all.pair("")
	m.Dimensions = dims.sorted()
	m.ByOffice = offices.sorted()
	if len(people) == 0 {
		return m, nil
	}

	// The support groups of the people with a follow-up in the period (a few more than
	// those compared: the others are skipped).
	cond, cargs := f.caseCond(scope)
	groups, err := db.Raw(supportGroupSQL(f)+` AND s.case_id IN (SELECT v.case_id FROM monitoring_visits v JOIN cases c ON c.id = v.case_id
			WHERE v.kind = 'followup' AND v.date >= ? AND v.date <= ?`+cond+`)`,
		append([]any{f.From.String(), f.To.String()}, cargs...)...).Rows()
	if err != nil {
		return nil, fmt.Errorf("monitoring support groups: %w", err)
	}
	for groups.Next() {
		var id uint
		var grp string
		if err := groups.Scan(&id, &grp); err != nil {
			groups.Close()
			return nil, err
		}
		for _, p := range byCase[id] {
			p.groups = append(p.groups, grp)
		}
	}
	groups.Close()
	if err := groups.Err(); err != nil {
		return nil, fmt.Errorf("monitoring support groups: %w", err)
	}
	var support meanSums
	bands := map[string]int64{}
	for _, p := range people {
		if len(p.groups) == 0 {
			p.groups = []string{"none"}
		}
		for _, g := range p.groups {
			support.add(g, p.base, p.fu)
		}
		bands[p.band]++
	}
	for _, grp := range MonitoringSupportGroups {
		if _, ok := support.n[grp]; ok {
			m.BySupport = append(m.BySupport, support.pair(grp))
		}
	}
	for _, b := range Bands {
		if n := bands[b]; n > 0 {
			m.Bands = append(m.Bands, KeyCount{Key: b, Count: n})
		}
	}
	for v := range versions {
		m.Versions = append(m.Versions, v)
	}
	slices.Sort(m.Versions)
	return m, nil
}

// countVisits counts the baselines and follow-ups dated in the period, in the filters.
func (s *SummaryStore) countVisits(ctx context.Context, scope Scope, f SummaryFilter, m *MonitoringSummary) error {
	cond, args := f.caseCond(scope)
	from := "monitoring_visits v"
	if cond != "" {
		from += " JOIN cases c ON c.id = v.case_id"
	}
	rows, err := s.db.Read.WithContext(ctx).Raw(`SELECT v.kind, COUNT(*) FROM `+from+`
		WHERE v.kind IN ('baseline', 'followup') AND v.date >= ? AND v.date <= ?`+cond+` GROUP BY v.kind`,
		append([]any{f.From.String(), f.To.String()}, args...)...).Rows()
	if err != nil {
		return fmt.Errorf("count visits: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var kind string
		var n int64
		if err := rows.Scan(&kind, &n); err != nil {
			return err
		}
		if kind == "baseline" {
			m.Baselines = n
		} else {
			m.Followups = n
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("count visits: %w", err)
	}
	return nil
}

// meanSums adds up baseline and follow-up scores per key, for their means.
type meanSums struct {
	n        map[string]int64
	base, fu map[string]float64
}

func (ms *meanSums) add(key string, base, fu float64) {
	if ms.n == nil {
		ms.n, ms.base, ms.fu = map[string]int64{}, map[string]float64{}, map[string]float64{}
	}
	ms.n[key]++
	ms.base[key] += base
	ms.fu[key] += fu
}

func (ms *meanSums) pair(key string) MeanPair {
	n := ms.n[key]
	if n == 0 {
		return MeanPair{Key: key}
	}
	return MeanPair{Key: key, People: n, Baseline: ms.base[key] / float64(n), Followup: ms.fu[key] / float64(n)}
}

// sorted is every key's means, by key.
func (ms *meanSums) sorted() []MeanPair {
	var out []MeanPair
	for k := range ms.n {
		out = append(out, ms.pair(k))
	}
	slices.SortFunc(out, func(a, b MeanPair) int { return strings.Compare(a.Key, b.Key) })
	return out
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
