package models_test

import (
	"fmt"
	"testing"

	"awda/models"
)

// TestMonitoringSupportGroupsDelivered checks the support-type groups of the monitoring
// summary against direct SQL, with and without the "delivered support only" filter: a
// person counts under a type only for support the filter counts, and each drill-down
// lists as many cases as its figure.
func TestMonitoringSupportGroupsDelivered(t *testing.T) {
	f := newCaseworkFixture(t)
	ctx := t.Context()
	cur, _ := f.s.Monitoring.Current(ctx)
	best, mid := bestAnswers(cur.Instrument), midAnswers(cur.Instrument)
	people := make([]*models.Case, 4)
	for i := range people {
		people[i] = returnedCase(t, f, f.rab, models.NewDate(2021, 1, 10))
		for _, v := range []models.VisitInput{visitInput("baseline", "2021-01-05", mid), visitInput("followup", "2021-04-12", best)} {
			if _, err := f.s.Monitoring.RecordVisit(ctx, act(f.cw), f.cw.Scope(), people[i].ID, v); err != nil {
				t.Fatal(err)
			}
		}
	}
	support := func(cs *models.Case, typ string, status models.SupportStatus) {
		t.Helper()
		sp, err := f.s.Support.Plan(ctx, act(f.cw), f.cw.Scope(), cs.ID, models.SupportInput{Type: typ, Description: "Aide",
			Amount: "500", Currency: "MAD", Date: "2021-02-01"})
		if err != nil {
			t.Fatal(err)
		}
		if err := f.s.DB.Write.Model(sp).Update("status", status).Error; err != nil {
			t.Fatal(err)
		}
	}
	support(people[0], "cash", models.SupportDelivered)
	support(people[0], "micro_project", models.SupportApproved)
	support(people[1], "micro_project", models.SupportPlanned)
	support(people[2], "medical", models.SupportCancelled)
	support(people[3], "cash", models.SupportDelivered)

	// bySQL counts the compared people per support group straight from the tables.
	bySQL := func(statusCond string) map[string]int64 {
		rows, err := f.s.DB.Read.Raw(`SELECT COALESCE(g.type, 'none'), COUNT(*) FROM cases c
			LEFT JOIN (SELECT DISTINCT case_id, type FROM supports WHERE ` + statusCond + `) g ON g.case_id = c.id
			WHERE EXISTS (SELECT 1 FROM monitoring_visits b WHERE b.case_id = c.id AND b.kind = 'baseline' AND b.composite IS NOT NULL)
			AND EXISTS (SELECT 1 FROM monitoring_visits v WHERE v.case_id = c.id AND v.kind = 'followup' AND v.composite IS NOT NULL
				AND v.date >= '2021-01-01' AND v.date <= '2021-12-31')
			GROUP BY COALESCE(g.type, 'none')`).Rows()
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		out := map[string]int64{}
		for rows.Next() {
			var k string
			var n int64
			if err := rows.Scan(&k, &n); err != nil {
				t.Fatal(err)
			}
			out[k] = n
		}
		return out
	}
	for _, tt := range []struct {
		delivered  bool
		statusCond string
		want       map[string]int64
	}{
		{false, "status <> 'cancelled'", map[string]int64{"cash": 2, "micro_project": 2, "none": 1}},
		{true, "status = 'delivered'", map[string]int64{"cash": 2, "none": 2}},
	} {
		year := models.SummaryFilter{From: models.NewDate(2021, 1, 1), To: models.NewDate(2021, 12, 31), Delivered: tt.delivered}
		m, err := f.s.Summary.MonitoringSummary(ctx, f.hq.Scope(), year)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]int64{}
		for _, p := range m.BySupport {
			got[p.Key] = p.People
		}
		direct := bySQL(tt.statusCond)
		if fmt.Sprint(got) != fmt.Sprint(direct) || fmt.Sprint(got) != fmt.Sprint(tt.want) {
			t.Errorf("delivered=%t: summary %v, SQL %v, want %v", tt.delivered, got, direct, tt.want)
		}
		for k, n := range got {
			list, total, err := f.s.Summary.MonitoringCases(ctx, f.hq.Scope(), year, "support:"+k, 1, 100)
			if err != nil || total != n || int64(len(list)) != n {
				t.Errorf("delivered=%t drill-down %s: %d listed, total %d, %v; figure %d", tt.delivered, k, len(list), total, err, n)
			}
		}
	}
}
