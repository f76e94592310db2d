package models_test

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"awda/models"
)

// TestMonitoringSummaryMatchesDirectSQL writes random visits, scores and support straight
// into the tables and compares every figure of the monitoring section, for random
// periods, filters and scopes, with the database's own aggregates over the compared
// people (pairsSQL's definition, as the drill-downs list them).
func TestMonitoringSummaryMatchesDirectSQL(t *testing.T) {
	f := newCaseworkFixture(t)
	ctx := t.Context()
	db := f.s.DB.Write
	rng := rand.New(rand.NewPCG(16, 4))
	cur, err := f.s.Monitoring.Current(ctx)
	if err != nil {
		t.Fatal(err)
	}
	day := func() string { return models.NewDate(2021, 1, 1).AddDays(rng.IntN(365)).String() }
	score := func() *float64 {
		if rng.IntN(8) == 0 {
			return nil
		}
		v := float64(rng.IntN(101)) / 100
		return &v
	}
	mustCreate := func(v any) {
		t.Helper()
		if err := db.Create(v).Error; err != nil {
			t.Fatal(err)
		}
	}
	dims := []string{"economic", "social", "psychosocial"}
	for i := range 50 {
		office := []*models.Office{f.rab, f.cas}[i%2]
		cs := insertCase(t, f.s, office, f.cw, models.StatusReintegration, true)
		if rng.IntN(2) == 0 {
			if err := db.Model(cs).Updates(map[string]any{"sex": "M", "direction": models.Outbound}).Error; err != nil {
				t.Fatal(err)
			}
		}
		for range rng.IntN(3) {
			st := []models.SupportStatus{models.SupportPlanned, models.SupportApproved, "delivered", "cancelled"}[rng.IntN(4)]
			mustCreate(&models.Support{CaseID: cs.ID, Type: models.SupportTypes[rng.IntN(len(models.SupportTypes))], Amount: 100,
				Currency: "MAD", Date: models.NewDate(2021, 3, 1), Status: st, PlannedByID: f.cw.ID, Version: 1})
		}
		kinds := []string{}
		if rng.IntN(5) > 0 {
			kinds = append(kinds, "baseline")
		}
		for range rng.IntN(4) {
			kinds = append(kinds, "followup")
		}
		for _, kind := range kinds {
			composite := score()
			band := ""
			if composite != nil {
				band = cur.Instrument.Band(composite)
			}
			version := 1 + rng.IntN(2)
			v := &models.Visit{CaseID: cs.ID, Date: mustDate(t, day()), InstrumentID: cur.ID, InstrumentVersion: version,
				Kind: kind, Method: "phone", InterviewerID: f.cw.ID, Composite: composite, Band: band, CreatedAt: f.clock.Now()}
			mustCreate(v)
			for _, d := range dims {
				if rng.IntN(6) > 0 {
					mustCreate(&models.VisitScore{VisitID: v.ID, Level: "dimension", Code: d, Score: score()})
				}
			}
		}
	}
	compared := 0
	for round := range 12 {
		from := models.NewDate(2021, 1, 1).AddDays(rng.IntN(300))
		filter := models.SummaryFilter{From: from, To: from.AddDays(rng.IntN(200))}
		switch round % 4 {
		case 1:
			filter.Office = "CAS"
		case 2:
			filter.Sex = models.SexF
		case 3:
			filter.Direction = models.Outbound
		}
		filter.Delivered = round%5 == 4
		scope := f.hq.Scope()
		if round%3 == 2 {
			scope = f.sup.Scope()
		}
		t.Run(fmt.Sprintf("round %d", round), func(t *testing.T) {
			got, err := f.s.Summary.MonitoringSummary(ctx, scope, filter)
			if err != nil {
				t.Fatal(err)
			}
			want := directMonitoringSummary(t, f.s, scope, filter)
			if want.All.People > 1 && len(want.BySupport) > 1 && len(want.Dimensions) > 0 {
				compared++
			}
			if got.Baselines != want.Baselines || got.Followups != want.Followups {
				t.Errorf("visits %d/%d, direct %d/%d", got.Baselines, got.Followups, want.Baselines, want.Followups)
			}
			samePairs(t, "all", []models.MeanPair{got.All}, []models.MeanPair{want.All})
			samePairs(t, "dimensions", got.Dimensions, want.Dimensions)
			samePairs(t, "by support", got.BySupport, want.BySupport)
			samePairs(t, "by office", got.ByOffice, want.ByOffice)
			if fmt.Sprint(got.Bands) != fmt.Sprint(want.Bands) || fmt.Sprint(got.Versions) != fmt.Sprint(want.Versions) {
				t.Errorf("bands %v versions %v, direct %v %v", got.Bands, got.Versions, want.Bands, want.Versions)
			}
			// Every group's drill-down lists as many rows as its figure.
			for _, p := range got.BySupport {
				if _, n, err := f.s.Summary.MonitoringCases(ctx, scope, filter, "support:"+p.Key, 1, 10); err != nil || n != p.People {
					t.Errorf("support %s: drill-down %d, figure %d, %v", p.Key, n, p.People, err)
				}
			}
		})
	}
	// The comparison means something only if the random data compared people.
	if compared < 4 {
		t.Errorf("only %d rounds compared several people in several groups", compared)
	}
}

func mustDate(t *testing.T, s string) models.Date {
	t.Helper()
	d, err := models.ParseDate(s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func samePairs(t *testing.T, name string, got, want []models.MeanPair) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s: %+v, direct %+v", name, got, want)
		return
	}
	for i := range got {
		g, w := got[i], want[i]
		if g.Key != w.Key || g.People != w.People || !closeTo(g.Baseline, w.Baseline) || !closeTo(g.Followup, w.Followup) {
			t.Errorf("%s %q: %+v, direct %+v", name, w.Key, g, w)
		}
	}
}

func closeTo(a, b float64) bool { return a-b < 1e-9 && b-a < 1e-9 }

// directMonitoringSummary is the section computed by the database, one aggregate per
// figure, over the compared people of pairsSQL (copied here as the reference).
func directMonitoringSummary(t *testing.T, s *models.Stores, scope models.Scope, f models.SummaryFilter) *models.MonitoringSummary {
	t.Helper()
	cond, args := "", []any{}
	if scope.OfficeID != nil {
		cond += " AND c.office_id = ?"
		args = append(args, *scope.OfficeID)
	}
	if f.Office != "" {
		cond += " AND c.office_id = (SELECT o.id FROM offices o WHERE o.code = ?)"
		args = append(args, f.Office)
	}
	if f.Direction != "" {
		cond += " AND c.direction = ?"
		args = append(args, string(f.Direction))
	}
	if f.Sex != "" {
		cond += " AND c.sex = ?"
		args = append(args, string(f.Sex))
	}
	pairs := `SELECT c.id AS case_id, c.office_id, b.id AS base_id, b.composite AS base_c, b.instrument_version AS base_v,
			fu.id AS fu_id, fu.composite AS fu_c, fu.instrument_version AS fu_v, fu.band AS band
		FROM cases c
		JOIN monitoring_visits b ON b.case_id = c.id AND b.kind = 'baseline' AND b.composite IS NOT NULL
		JOIN (SELECT v.*, ROW_NUMBER() OVER (PARTITION BY v.case_id ORDER BY v.date DESC, v.id DESC) AS rn
			FROM monitoring_visits v
			WHERE v.kind = 'followup' AND v.composite IS NOT NULL AND v.date >= ? AND v.date <= ?) fu
			ON fu.case_id = c.id AND fu.rn = 1
		WHERE 1 = 1` + cond
	pargs := append([]any{f.From.String(), f.To.String()}, args...)
	db := s.DB.Read
	m := &models.MonitoringSummary{}
	for kind, dst := range map[string]*int64{"baseline": &m.Baselines, "followup": &m.Followups} {
		if err := db.Raw(`SELECT COUNT(*) FROM monitoring_visits v JOIN cases c ON c.id = v.case_id
			WHERE v.kind = ? AND v.date >= ? AND v.date <= ?`+cond, append([]any{kind, f.From.String(), f.To.String()}, args...)...).
			Scan(dst).Error; err != nil {
			t.Fatal(err)
		}
	}
	means := func(q string) []models.MeanPair {
		rows, err := db.Raw(q, pargs...).Rows()
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var out []models.MeanPair
		for rows.Next() {
			var p models.MeanPair
			var b, fu *float64
			if err := rows.Scan(&p.Key, &p.People, &b, &fu); err != nil {
				t.Fatal(err)
			}
			if b != nil {
				p.Baseline, p.Followup = *b, *fu
			}
			out = append(out, p)
		}
		return out
	}
	m.All = means(`SELECT '', COUNT(*), AVG(p.base_c), AVG(p.fu_c) FROM (` + pairs + `) p`)[0]
	m.Dimensions = means(`SELECT bs.code, COUNT(*), AVG(bs.score), AVG(fs.score) FROM (` + pairs + `) p
		JOIN monitoring_scores bs ON bs.visit_id = p.base_id AND bs.level = 'dimension' AND bs.score IS NOT NULL
		JOIN monitoring_scores fs ON fs.visit_id = p.fu_id AND fs.level = 'dimension' AND fs.code = bs.code AND fs.score IS NOT NULL
		GROUP BY bs.code ORDER BY bs.code`)
	counted := "s.status <> 'cancelled'"
	if f.Delivered {
		counted = "s.status = 'delivered'"
	}
	support := means(`SELECT COALESCE(g.grp, 'none'), COUNT(*), AVG(p.base_c), AVG(p.fu_c) FROM (` + pairs + `) p
		LEFT JOIN (SELECT DISTINCT s.case_id, s.type AS grp FROM supports s WHERE ` + counted + `) g ON g.case_id = p.case_id
		GROUP BY COALESCE(g.grp, 'none')`)
	for _, grp := range models.MonitoringSupportGroups {
		for _, p := range support {
			if p.Key == grp {
				m.BySupport = append(m.BySupport, p)
			}
		}
	}
	m.ByOffice = means(`SELECT o.code, COUNT(*), AVG(p.base_c), AVG(p.fu_c) FROM (` + pairs + `) p
		JOIN offices o ON o.id = p.office_id GROUP BY o.code ORDER BY o.code`)
	for _, b := range models.Bands {
		for _, p := range means(`SELECT p.band, COUNT(*), 0, 0 FROM (` + pairs + `) p GROUP BY p.band`) {
			if p.Key == b {
				m.Bands = append(m.Bands, models.KeyCount{Key: b, Count: p.People})
			}
		}
	}
	var versions []int
	if err := db.Raw(`SELECT DISTINCT v FROM (SELECT p.base_v AS v FROM (`+pairs+`) p UNION SELECT p.fu_v FROM (`+pairs+`) p) x ORDER BY v`,
		append(slices.Clone(pargs), pargs...)...).Scan(&versions).Error; err != nil {
		t.Fatal(err)
	}
	m.Versions = versions
	return m
}
