package demo_test

import (
	"testing"

	"awda/models"
)

// checkMonitoring: part of the 2021 returnees have a baseline and follow-ups (fewer:
// those who returned late in the year have none yet), and the mean follow-up score of
// people with a micro-project is above that of people with cash only (the plausible
// order the dataset is built with).
func checkMonitoring(t *testing.T, db *models.DB) {
	t.Run("monitoring visits", func(t *testing.T) {
		baselines := count(t, db, `SELECT COUNT(*) FROM monitoring_visits WHERE kind = 'baseline'`)
		followups := count(t, db, `SELECT COUNT(*) FROM monitoring_visits WHERE kind = 'followup'`)
		if baselines < 100 || followups < baselines/2 {
			t.Errorf("%d baselines and %d follow-ups", baselines, followups)
		}
		if n := count(t, db, `SELECT COUNT(*) FROM monitoring_visits WHERE date < '2021-01-01' OR date > '2021-12-31'`); n != 0 {
			t.Errorf("%d visits outside 2021", n)
		}
		mean := func(typ string) float64 {
			var m float64
			if err := db.Read.Raw(`SELECT AVG(v.composite) FROM monitoring_visits v WHERE v.kind = 'followup'
				AND EXISTS (SELECT 1 FROM supports s WHERE s.case_id = v.case_id AND s.type = ? AND s.status <> 'cancelled')
				AND NOT EXISTS (SELECT 1 FROM supports s WHERE s.case_id = v.case_id AND s.type <> ? AND s.status <> 'cancelled')`,
				typ, typ).Scan(&m).Error; err != nil {
				t.Fatal(err)
			}
			return m
		}
		if mp, cash := mean("micro_project"), mean("cash"); !(mp > cash) {
			t.Errorf("mean follow-up score with a micro-project %.3f, with cash only %.3f: want the micro-project higher", mp, cash)
		}
	})
}
