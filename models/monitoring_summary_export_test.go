package models_test

import (
	"strconv"
	"testing"

	"awda/models"
)

// TestMonitoringSummaryRows lays the monitoring section out as summary.csv rows: the
// counts always, the means, bands (shares adding up to 100), support groups and
// offices when anyone is compared.
func TestMonitoringSummaryRows(t *testing.T) {
	m := &models.MonitoringSummary{Baselines: 4, Followups: 3,
		All:        models.MeanPair{People: 3, Baseline: 2.0 / 3, Followup: 0.5},
		Dimensions: []models.MeanPair{{Key: "economic", People: 3, Baseline: 0.25, Followup: 1.0 / 3}},
		Bands:      []models.KeyCount{{Key: "low", Count: 1}, {Key: "medium", Count: 1}, {Key: "high", Count: 1}},
		BySupport:  []models.MeanPair{{Key: "cash", People: 1, Baseline: 1, Followup: 0}},
		ByOffice:   []models.MeanPair{{Key: "RAB", People: 3, Baseline: 2.0 / 3, Followup: 0.5}},
	}
	rows := map[string]models.SummaryRow{}
	for _, r := range models.MonitoringSummaryRows(m) {
		rows[r.Section+"/"+r.Key] = r
	}
	want := map[string]string{
		"monitoring/baselines": "4", "monitoring/followups": "3", "monitoring/people": "3",
		"monitoring_mean/composite.baseline": "0.6667", "monitoring_mean/composite.followup": "0.5000",
		"monitoring_mean/economic.followup": "0.3333", "monitoring_band/high": "1",
		"monitoring_support/cash": "1", "monitoring_support/cash.baseline": "1.0000", "monitoring_office/RAB.followup": "0.5000",
	}
	for k, v := range want {
		if rows[k].Count != v {
			t.Errorf("%s = %q, want %q", k, rows[k].Count, v)
		}
	}
	var shares int
	for _, b := range []string{"low", "medium", "high"} {
		n, _ := strconv.Atoi(rows["monitoring_band/"+b].SharePercent)
		shares += n
	}
	if shares != 100 || rows["monitoring_band/low"].ShareOneDecimal != "33.3" {
		t.Errorf("band shares add up to %d, low %q", shares, rows["monitoring_band/low"].ShareOneDecimal)
	}
	if len(rows) != 3+4+3+3+3 {
		t.Errorf("%d rows: %v", len(rows), rows)
	}
	nobody := models.MonitoringSummaryRows(&models.MonitoringSummary{Baselines: 2})
	if len(nobody) != 3 || nobody[0].Count != "2" || nobody[2].Count != "0" {
		t.Errorf("nobody compared: %+v", nobody)
	}
}
