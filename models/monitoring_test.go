package models_test

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"awda/models"
)

// answerAll answers every question of the instrument with pick.
func answerAll(ins *models.Instrument, pick func(q *models.Question) string) map[string]string {
	out := map[string]string{}
	for _, q := range ins.Questions() {
		out[q.Code] = pick(q)
	}
	return out
}

// bestAnswers answers every question with its first option (the best in the default).
func bestAnswers(ins *models.Instrument) map[string]string {
	return answerAll(ins, func(q *models.Question) string { return q.Options[0].Code })
}

// midAnswers answers the economic questions with their last option (worst), the others
// with the first, and refuses the water question.
func midAnswers(ins *models.Instrument) map[string]string {
	a := bestAnswers(ins)
	for _, ind := range ins.Dimensions[0].Indicators {
		q := ind.Questions[0]
		a[q.Code] = q.Options[len(q.Options)-1].Code
	}
	a["water_access"] = models.AnswerRefused
	return a
}

// reweighted is the default instrument with the economic dimension weighing half, as a
// programme's version 2 might.
func reweighted(t *testing.T) []byte {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(models.DefaultInstrumentJSON(), &m); err != nil {
		t.Fatal(err)
	}
	delete(m, "default")
	dims := m["dimensions"].([]any)
	for i, w := range []float64{0.5, 0.25, 0.25} {
		dims[i].(map[string]any)["weight"] = w
	}
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func returnedCase(t *testing.T, f *caseworkFixture, office *models.Office, arrival models.Date) *models.Case {
	t.Helper()
	cs := insertCase(t, f.s, office, f.cw, models.StatusReintegration, true)
	if err := f.s.DB.Write.Model(cs).Updates(map[string]any{"arrival_date": arrival, "assigned_to_id": f.cw.ID}).Error; err != nil {
		t.Fatal(err)
	}
	return cs
}

func visitInput(kind, date string, answers map[string]string) models.VisitInput {
	return models.VisitInput{Kind: kind, Date: date, Method: "in_person", Interviewer: "Amina Tazi", Answers: answers, Notes: "Met at home"}
}

// TestVisitKeepsScoresAfterNewVersion: a visit scored under version 1 keeps its stored
// scores and version when version 2 is published; the next visit uses version 2.
func TestVisitKeepsScoresAfterNewVersion(t *testing.T) {
	f := newCaseworkFixture(t)
	ctx := t.Context()
	cs := returnedCase(t, f, f.rab, models.NewDate(2021, 2, 1))
	v1, err := f.s.Monitoring.Current(ctx)
	if err != nil || v1.Version != 1 || !v1.IsDefault {
		t.Fatalf("current instrument %+v, %v; want the default as version 1", v1, err)
	}
	answers := midAnswers(v1.Instrument)
	base, err := f.s.Monitoring.RecordVisit(ctx, act(f.cw), f.cw.Scope(), cs.ID, visitInput("baseline", "2021-01-20", answers))
	if err != nil {
		t.Fatal(err)
	}
	// Economic 0, social 1 (water refused), psychosocial 1: equal weights give 2/3.
	if base.InstrumentVersion != 1 || !sameScore(base.Composite, f64(2.0/3)) || base.Band != "high" {
		t.Fatalf("baseline version %d composite %s band %s, want version 1, 0.666667, high", base.InstrumentVersion, show(base.Composite), base.Band)
	}
	for range 2 {
		if cur, err := f.s.Monitoring.Current(ctx); err != nil || cur.Version != 1 || cur.Definition != v1.Definition || cur.Instrument == nil {
			t.Fatalf("current before publishing version 2: %+v, %v", cur, err)
		}
	}
	v2, err := f.s.Monitoring.Publish(ctx, act(f.admin), reweighted(t))
	if err != nil {
		t.Fatal(err)
	}
	if v2.Version != 2 || v2.IsDefault {
		t.Fatalf("published %+v", v2)
	}
	// The current version is read whole once, then known by its id and checksum: the
	// newly published one replaces it at once, definition and all, and what a caller
	// does with its copy changes nothing for the next.
	for range 3 {
		cur, err := f.s.Monitoring.Current(ctx)
		if err != nil || cur.Version != 2 || cur.Definition != v2.Definition || cur.Checksum != v2.Checksum ||
			cur.Instrument == nil || cur.Instrument == v1.Instrument {
			t.Fatalf("current after publishing version 2: %+v, %v", cur, err)
		}
		cur.Definition = "changed by a caller"
	}
	f.clock.Advance(24 * time.Hour)
	follow, err := f.s.Monitoring.RecordVisit(ctx, act(f.cw), f.cw.Scope(), cs.ID, visitInput("followup", "2021-05-03", answers))
	if err != nil {
		t.Fatal(err)
	}
	// Same answers under version 2: 0.5 × 0 + 0.25 × 1 + 0.25 × 1.
	if follow.InstrumentVersion != 2 || !sameScore(follow.Composite, f64(0.5)) || follow.Band != "medium" {
		t.Fatalf("follow-up version %d composite %s band %s", follow.InstrumentVersion, show(follow.Composite), follow.Band)
	}
	m, err := f.s.Monitoring.ForCase(ctx, f.cw.Scope(), cs.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Visits) != 2 {
		t.Fatalf("%d visits", len(m.Visits))
	}
	got := m.Visits[0]
	if got.InstrumentVersion != 1 || !sameScore(got.Composite, f64(2.0/3)) || !sameScore(got.Dimensions["economic"], f64(0)) ||
		!sameScore(got.Dimensions["social"], f64(1)) || got.Indicators["water"] != nil || !sameScore(got.Indicators["housing"], f64(1)) {
		t.Errorf("baseline after version 2: version %d composite %s dims %v", got.InstrumentVersion, show(got.Composite), got.Dimensions)
	}
	if m.Versions[1] == nil || m.Versions[2] == nil || m.Current.Version != 2 || m.Band != "medium" {
		t.Errorf("versions %v current %d band %s", m.Versions, m.Current.Version, m.Band)
	}
	// Stored rows: 15 answers and 3 + 15 scores per visit.
	var answersN, scoresN int64
	f.s.DB.Read.Model(&models.VisitAnswer{}).Where("visit_id = ?", base.ID).Count(&answersN)
	f.s.DB.Read.Model(&models.VisitScore{}).Where("visit_id = ?", base.ID).Count(&scoresN)
	if answersN != 15 || scoresN != 18 {
		t.Errorf("%d answers and %d scores stored, want 15 and 18", answersN, scoresN)
	}
	var refused models.VisitAnswer
	f.s.DB.Read.Where("visit_id = ? AND question = ?", base.ID, "water_access").Take(&refused)
	if refused.Answer != "refused" || refused.Value != nil {
		t.Errorf("refused answer stored as %+v", refused)
	}
	var events int64
	f.s.DB.Read.Model(&models.AuditEvent{}).Where("action IN ?", []string{"monitoring.visit.create", "monitoring.instrument.publish"}).Count(&events)
	if events != 3 {
		t.Errorf("%d audit events, want 3", events)
	}
}

func f64(x float64) *float64 { return &x }

func TestRecordVisitRefuses(t *testing.T) {
	f := newCaseworkFixture(t)
	ctx := t.Context()
	cs := returnedCase(t, f, f.rab, models.NewDate(2021, 2, 1))
	cur, err := f.s.Monitoring.Current(ctx)
	if err != nil {
		t.Fatal(err)
	}
	good := bestAnswers(cur.Instrument)
	partial := bestAnswers(cur.Instrument)
	delete(partial, "debt_level")
	registered := insertCase(t, f.s, f.rab, f.cw, models.StatusRegistered, true)
	closed := insertCase(t, f.s, f.rab, f.cw, models.StatusClosed, true)
	if _, err := f.s.Monitoring.RecordVisit(ctx, act(f.cw), f.cw.Scope(), cs.ID, visitInput("baseline", "2021-01-20", good)); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		user   *models.User
		caseID uint
		in     models.VisitInput
		field  string
		key    string
		err    error
	}{
		{"unanswered question", f.cw, cs.ID, visitInput("followup", "2021-05-01", partial), "q_debt_level", "error.required", nil},
		{"second baseline", f.cw, cs.ID, visitInput("baseline", "2021-01-25", good), "kind", "monitoring.error.baseline_exists", nil},
		{"follow-up before return", f.cw, cs.ID, visitInput("followup", "2021-01-31", good), "date", "monitoring.error.followup_before_return", nil},
		{"follow-up before the case returned", f.cw, registered.ID, visitInput("followup", "2021-05-01", good), "kind", "monitoring.error.not_returned", nil},
		{"date in the future", f.cw, cs.ID, visitInput("followup", "2021-06-02", good), "date", "casework.error.date_future", nil},
		{"bad method", f.cw, cs.ID, models.VisitInput{Kind: "followup", Date: "2021-05-01", Method: "letter", Answers: good}, "method", "error.choose_value", nil},
		{"form of an older version", f.cw, cs.ID, models.VisitInput{Kind: "followup", Date: "2021-05-01", Method: "phone", Answers: good, InstrumentVersion: 9},
			"instrument_version", "monitoring.error.instrument_changed", nil},
		{"another office", f.cwCas, cs.ID, visitInput("followup", "2021-05-01", good), "", "", models.ErrNotFound},
		{"admin reads only", f.admin, cs.ID, visitInput("followup", "2021-05-01", good), "", "", models.ErrReadOnly},
		{"closed case", f.cw, closed.ID, visitInput("followup", "2021-05-01", good), "", "", models.ErrCaseClosed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := f.s.Monitoring.RecordVisit(ctx, act(tt.user), tt.user.Scope(), tt.caseID, tt.in)
			if tt.err != nil {
				if !errors.Is(err, tt.err) {
					t.Fatalf("got %v, want %v", err, tt.err)
				}
				return
			}
			fe, ok := models.AsValidation(err)
			if !ok || fe[tt.field] != tt.key {
				t.Fatalf("got %v %v, want %s on %s", err, fe, tt.key, tt.field)
			}
		})
	}
	var n int64
	f.s.DB.Read.Model(&models.Visit{}).Count(&n)
	var answers int64
	f.s.DB.Read.Model(&models.VisitAnswer{}).Count(&answers)
	if n != 1 || answers != 15 {
		t.Errorf("%d visits and %d answers saved, want only the first baseline's", n, answers)
	}
}

func TestPublishInstrument(t *testing.T) {
	f := newCaseworkFixture(t)
	ctx := t.Context()
	bad := bytes.Replace(models.DefaultInstrumentJSON(), []byte(`"weight": 0.2`), []byte(`"weight": 0.3`), 1)
	_, err := f.s.Monitoring.Publish(ctx, act(f.admin), bad)
	probs, ok := models.AsInstrumentError(err)
	if !ok || len(probs) != 1 || probs[0].Key != "monitoring.instrument.error.weights_sum" || probs[0].Path != "dimensions[0].indicators" {
		t.Fatalf("got %v %+v, want one weights problem", err, probs)
	}
	if _, err := f.s.Monitoring.Publish(ctx, act(f.sup), reweighted(t)); !errors.Is(err, models.ErrForbidden) {
		t.Fatalf("supervisor publishes: %v", err)
	}
	vs, err := f.s.Monitoring.Versions(ctx)
	if err != nil || len(vs) != 1 || vs[0].Version != 1 || !vs[0].IsDefault {
		t.Fatalf("versions %+v, %v: want only the default", vs, err)
	}
	for want := 2; want <= 3; want++ {
		iv, err := f.s.Monitoring.Publish(ctx, act(f.admin), reweighted(t))
		if err != nil || iv.Version != want {
			t.Fatalf("publish: %+v %v, want version %d", iv, err, want)
		}
	}
	vs, _ = f.s.Monitoring.Versions(ctx)
	if len(vs) != 3 || vs[0].Version != 3 || vs[0].PublishedByID == nil || *vs[0].PublishedByID != f.admin.ID {
		t.Fatalf("versions %+v", vs)
	}
}

// TestFollowupSchedule checks the window at its boundaries and month ends.
func TestFollowupSchedule(t *testing.T) {
	ret := models.NewDate(2021, 1, 15)
	months := []int{3, 6, 12}
	tests := []struct {
		today string
		done  int
		want  []models.FollowupState
	}{
		{"2021-03-31", 0, []models.FollowupState{"upcoming", "upcoming", "upcoming"}},
		{"2021-04-01", 0, []models.FollowupState{"due", "upcoming", "upcoming"}},
		{"2021-04-29", 0, []models.FollowupState{"due", "upcoming", "upcoming"}},
		{"2021-04-30", 0, []models.FollowupState{"overdue", "upcoming", "upcoming"}},
		{"2021-04-30", 1, []models.FollowupState{"done", "upcoming", "upcoming"}},
		{"2021-07-01", 1, []models.FollowupState{"done", "due", "upcoming"}},
		{"2022-02-01", 1, []models.FollowupState{"done", "overdue", "overdue"}},
		{"2022-02-01", 3, []models.FollowupState{"done", "done", "done"}},
	}
	for _, tt := range tests {
		today, _ := models.ParseDate(tt.today)
		got := models.FollowupSchedule(ret, months, tt.done, today)
		for i, p := range got {
			if p.State != tt.want[i] {
				t.Errorf("%s, %d done: follow-up %d is %s, want %s", tt.today, tt.done, p.Month, p.State, tt.want[i])
			}
		}
		if got[0].Due.String() != "2021-04-15" || got[2].Due.String() != "2022-01-15" {
			t.Errorf("due dates %v", got)
		}
	}
	for _, tt := range []struct{ from, want string }{{"2021-01-31", "2021-04-30"}, {"2020-11-30", "2021-02-28"}, {"2019-11-30", "2020-02-29"}} {
		d, _ := models.ParseDate(tt.from)
		if got := d.AddMonthsClamped(3).String(); got != tt.want {
			t.Errorf("%s + 3 months = %s, want %s", tt.from, got, tt.want)
		}
	}
}

// TestDueFollowups lists due and overdue follow-ups at the window's boundaries, in scope,
// per caseworker, and counts overdue ones per caseworker for supervisors.
func TestDueFollowups(t *testing.T) {
	f := newCaseworkFixture(t)
	ctx := t.Context()
	due := returnedCase(t, f, f.rab, models.NewDate(2021, 2, 15))     // 3 months: 2021-05-15, due 05-01 … 05-29
	overdue := returnedCase(t, f, f.rab, models.NewDate(2021, 2, 14)) // 2021-05-14: overdue from 05-29
	early := returnedCase(t, f, f.rab, models.NewDate(2021, 2, 16))   // 2021-05-16: due from 05-02
	other := returnedCase(t, f, f.cas, models.NewDate(2021, 1, 1))    // another office, overdue
	visited := returnedCase(t, f, f.rab, models.NewDate(2021, 1, 1))  // first follow-up done, next 07-01
	unassigned := returnedCase(t, f, f.rab, models.NewDate(2021, 1, 10))
	f.s.DB.Write.Model(unassigned).Update("assigned_to_id", nil)
	cur, err := f.s.Monitoring.Current(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.Monitoring.RecordVisit(ctx, act(f.cw), f.cw.Scope(), visited.ID, visitInput("followup", "2021-04-02", bestAnswers(cur.Instrument))); err != nil {
		t.Fatal(err)
	}
	day := func(s string) models.Date { d, _ := models.ParseDate(s); return d }
	list := func(today string, scope models.Scope, assigned uint) map[uint]models.FollowupState {
		due, err := f.s.Monitoring.DueFollowups(ctx, scope, assigned, day(today), 100)
		if err != nil {
			t.Fatal(err)
		}
		out := map[uint]models.FollowupState{}
		for _, it := range due.Items {
			out[it.CaseID] = it.State
		}
		return out
	}
	got := list("2021-05-01", f.cw.Scope(), f.cw.ID)
	if len(got) != 2 || got[due.ID] != "due" || got[overdue.ID] != "due" {
		t.Errorf("on 05-01: %v, want the cases of 02-14 and 02-15 due", got)
	}
	got = list("2021-05-28", f.cw.Scope(), f.cw.ID)
	if len(got) != 3 || got[due.ID] != "due" || got[overdue.ID] != "due" || got[early.ID] != "due" {
		t.Errorf("on 05-28: %v", got)
	}
	got = list("2021-05-29", f.cw.Scope(), f.cw.ID)
	if len(got) != 3 || got[due.ID] != "due" || got[overdue.ID] != "overdue" {
		t.Errorf("on 05-29: %v", got)
	}
	got = list("2021-06-17", f.cw.Scope(), f.cw.ID)
	if got[visited.ID] != "due" || got[unassigned.ID] != "" || got[other.ID] != "" {
		t.Errorf("on 06-17: %v, want the visited case's 6-month follow-up due, nothing unassigned or of CAS", got)
	}
	got = list("2021-06-17", f.sup.Scope(), 0)
	if got[unassigned.ID] != "overdue" || got[other.ID] != "" {
		t.Errorf("supervisor on 06-17: %v", got)
	}
	overdueBy := func(sc models.Scope) []models.CaseworkerOverdue {
		t.Helper()
		due, err := f.s.Monitoring.DueFollowups(ctx, sc, 0, day("2021-06-17"), 0)
		if err != nil {
			t.Fatal(err)
		}
		return due.OverdueBy
	}
	per := overdueBy(f.hq.Scope())
	// RAB caseworker: due, overdue, early are overdue on 06-17 (other is CAS, but
	// assigned to the RAB caseworker by the fixture); unassigned: 1.
	if len(per) != 2 || per[0].AssignedToID != f.cw.ID || per[0].Overdue != 4 || per[1].AssignedToID != 0 || per[1].Overdue != 1 {
		t.Errorf("overdue per caseworker %+v", per)
	}
	per = overdueBy(f.sup.Scope())
	if len(per) != 2 || per[0].Overdue != 3 {
		t.Errorf("RAB supervisor's overdue per caseworker %+v", per)
	}
}

// TestExportMonitoring writes one row per visit with its version, answers and scores,
// columns for every version's codes, and leaves names and notes out when pseudonymised.
func TestExportMonitoring(t *testing.T) {
	f := newCaseworkFixture(t)
	ctx := t.Context()
	cs := returnedCase(t, f, f.rab, models.NewDate(2021, 2, 1))
	cur, err := f.s.Monitoring.Current(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.Monitoring.RecordVisit(ctx, act(f.cw), f.cw.Scope(), cs.ID, visitInput("baseline", "2021-01-20", midAnswers(cur.Instrument))); err != nil {
		t.Fatal(err)
	}
	// Version 2 renames one question: its column is added, empty for the baseline.
	v2 := bytes.Replace(reweighted(t), []byte(`"code":"water_access"`), []byte(`"code":"water_source"`), 1)
	if _, err := f.s.Monitoring.Publish(ctx, act(f.admin), v2); err != nil {
		t.Fatal(err)
	}
	answers := bestAnswers(cur.Instrument)
	answers["water_source"] = "good"
	if _, err := f.s.Monitoring.RecordVisit(ctx, act(f.cw), f.cw.Scope(), cs.ID, visitInput("followup", "2021-05-03", answers)); err != nil {
		t.Fatal(err)
	}
	cols, err := f.s.Monitoring.MonitoringColumns(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(cols) != len(models.MonitoringFixedColumns)+3+15+16 {
		t.Fatalf("%d columns: %v", len(cols), cols)
	}
	col := func(name string) int {
		for i, c := range cols {
			if c == name {
				return i
			}
		}
		t.Fatalf("no column %s", name)
		return -1
	}
	for _, pseudo := range []bool{false, true} {
		var rows [][]string
		n, err := f.s.Monitoring.ExportMonitoring(ctx, act(f.admin), f.s.Exports, models.ExportFilter{}, cols, pseudo, func(r []string) error {
			rows = append(rows, append([]string(nil), r...))
			return nil
		})
		if err != nil || n != 2 || len(rows) != 2 {
			t.Fatalf("export: %d rows, %v", n, err)
		}
		b, fu := rows[0], rows[1]
		check := map[string][2]string{
			"case_number":             {b[col("case_number")], cs.CaseNumber},
			"kind":                    {b[col("kind")], "baseline"},
			"instrument_version":      {b[col("instrument_version")], "1"},
			"composite":               {b[col("composite")], "0.6667"},
			"band":                    {b[col("band")], "high"},
			"dimension_economic":      {b[col("dimension_economic")], "0.0000"},
			"indicator_water":         {b[col("indicator_water")], ""},
			"q_water_access":          {b[col("q_water_access")], "refused"},
			"q_water_source":          {b[col("q_water_source")], ""},
			"q_debt_level":            {b[col("q_debt_level")], "higher"},
			"followup version":        {fu[col("instrument_version")], "2"},
			"followup composite":      {fu[col("composite")], "0.9875"}, // water good = 0.75: 0.5 + 0.25 × 4.75/5 + 0.25
			"followup q_water_source": {fu[col("q_water_source")], "good"},
			"followup q_water_access": {fu[col("q_water_access")], ""},
			"method":                  {b[col("method")], "in_person"},
			"date":                    {fu[col("date")], "2021-05-03"},
		}
		wantName, wantNotes, wantInterviewer := cs.FamilyName, "Met at home", "Amina Tazi"
		if pseudo {
			wantName, wantNotes, wantInterviewer = "", "", ""
		}
		check["family_name"] = [2]string{b[col("family_name")], wantName}
		check["notes"] = [2]string{b[col("notes")], wantNotes}
		check["interviewer"] = [2]string{b[col("interviewer")], wantInterviewer}
		check["recorded_by"] = [2]string{b[col("recorded_by")], f.cw.Email}
		for name, c := range check {
			if c[0] != c[1] {
				t.Errorf("pseudonymise=%t %s = %q, want %q", pseudo, name, c[0], c[1])
			}
		}
	}
	var ev models.AuditEvent
	f.s.DB.Read.Where("action = ?", "export.monitoring").Order("id DESC").Take(&ev)
	if !strings.Contains(ev.Details, "pseudonymise=true rows=2") {
		t.Errorf("audit details %q", ev.Details)
	}
	// An office's filter and another office's records.
	n, err := f.s.Monitoring.ExportMonitoring(ctx, act(f.admin), f.s.Exports, models.ExportFilter{Office: "CAS"}, cols, false, func([]string) error { return nil })
	if err != nil || n != 0 {
		t.Errorf("CAS export: %d rows, %v", n, err)
	}
}

// exportFile is monitoring.csv as the handler writes it, for the import tests.
func exportFile(t *testing.T, f *caseworkFixture) []byte {
	t.Helper()
	cols, err := f.s.Monitoring.MonitoringColumns(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	_ = w.Write(cols)
	if _, err := f.s.Monitoring.ExportMonitoring(t.Context(), act(f.admin), f.s.Exports, models.ExportFilter{}, cols, false, w.Write); err != nil {
		t.Fatal(err)
	}
	w.Flush()
	return append([]byte("\uFEFF"), buf.Bytes()...)
}

// TestVisitCSVRoundTrip exports visits of two versions, removes them, and imports the
// file back: the same visits with the same versions and scores.
func TestVisitCSVRoundTrip(t *testing.T) {
	f := newCaseworkFixture(t)
	ctx := t.Context()
	cs := returnedCase(t, f, f.rab, models.NewDate(2021, 2, 1))
	cur, _ := f.s.Monitoring.Current(ctx)
	if _, err := f.s.Monitoring.RecordVisit(ctx, act(f.cw), f.cw.Scope(), cs.ID, visitInput("baseline", "2021-01-20", midAnswers(cur.Instrument))); err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.Monitoring.Publish(ctx, act(f.admin), reweighted(t)); err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.Monitoring.RecordVisit(ctx, act(f.cw), f.cw.Scope(), cs.ID, visitInput("followup", "2021-05-03", midAnswers(cur.Instrument))); err != nil {
		t.Fatal(err)
	}
	before, _ := f.s.Monitoring.ForCase(ctx, f.cw.Scope(), cs.ID)
	data := exportFile(t, f)
	for _, tbl := range []string{"monitoring_scores", "monitoring_answers", "monitoring_visits"} {
		if err := f.s.DB.Write.Exec("DELETE FROM " + tbl).Error; err != nil {
			t.Fatal(err)
		}
	}
	if _, err := f.s.Monitoring.DryRunVisits(ctx, act(f.cw), data); !errors.Is(err, models.ErrForbidden) {
		t.Fatalf("a caseworker's dry run: %v", err)
	}
	res, err := f.s.Monitoring.DryRunVisits(ctx, act(f.admin), data)
	if err != nil || !res.OK() || res.Rows != 2 {
		t.Fatalf("dry run %+v, %v", res, err)
	}
	if res, err := f.s.Monitoring.ImportVisits(ctx, act(f.admin), data, "not the hash"); err != nil || res.Imported != 0 || res.FileError != "admin.import.error.hash_mismatch" {
		t.Fatalf("import with another hash: %+v, %v", res, err)
	}
	res, err = f.s.Monitoring.ImportVisits(ctx, act(f.admin), data, res.Hash)
	if err != nil || res.Imported != 2 {
		t.Fatalf("import %+v, %v", res, err)
	}
	after, _ := f.s.Monitoring.ForCase(ctx, f.cw.Scope(), cs.ID)
	if len(after.Visits) != 2 {
		t.Fatalf("%d visits after the import", len(after.Visits))
	}
	for i, v := range after.Visits {
		b := before.Visits[i]
		if v.Kind != b.Kind || v.Date != b.Date || v.InstrumentVersion != b.InstrumentVersion || !sameScore(v.Composite, b.Composite) ||
			!sameScore(v.Dimensions["economic"], b.Dimensions["economic"]) || v.Indicators["water"] != nil || v.InterviewerID != f.cw.ID ||
			v.Interviewer != "Amina Tazi" || v.Version != 1 {
			t.Errorf("visit %d imported as %+v, exported from %+v", i, v, b)
		}
	}
	// The same file again: the case already has its baseline.
	res, err = f.s.Monitoring.DryRunVisits(ctx, act(f.admin), data)
	if err != nil || res.OK() || res.Errors[0].Row != 2 || res.Errors[0].Column != "kind" || res.Errors[0].Key != "monitoring.error.baseline_exists" {
		t.Fatalf("second dry run %+v, %v", res, err)
	}
}

func TestVisitImportErrors(t *testing.T) {
	f := newCaseworkFixture(t)
	ctx := t.Context()
	cs := returnedCase(t, f, f.rab, models.NewDate(2021, 2, 1))
	cur, _ := f.s.Monitoring.Current(ctx)
	head := "case_number;kind;date;method;interviewer"
	good := ""
	for _, q := range cur.Instrument.Questions() {
		head += ";q_" + q.Code
		good += ";" + q.Options[0].Code
	}
	file := head + "\n" +
		cs.CaseNumber + ";baseline;20/01/2021;phone;Amina Tazi" + good + "\n" + // French date: fine
		cs.CaseNumber + ";baseline;2021-01-21;phone;Amina Tazi" + good + "\n" + // a second baseline in the file
		"RAB-2021-99999;followup;2021-05-01;phone;Amina Tazi" + good + "\n" +
		cs.CaseNumber + ";followup;2021-05-01;letter;nobody@example.org" + strings.Replace(good, ";regular", ";always", 1) + "\n" +
		cs.CaseNumber + ";followup;2021-05-02;phone;" + good + "\n" // the interviewer column is there: required
	res, err := f.s.Monitoring.DryRunVisits(ctx, act(f.admin), []byte(file))
	if err != nil {
		t.Fatal(err)
	}
	type at struct {
		row      int
		col, key string
	}
	want := []at{{3, "kind", "monitoring.error.baseline_exists"}, {4, "case_number", "monitoring.import.error.case_unknown"},
		{5, "interviewer", "monitoring.import.error.interviewer_unknown"}, {5, "method", "error.choose_value"},
		{5, "q_income_regular", "error.choose_value"}, {6, "interviewer", "error.required"}}
	var got []at
	for _, e := range res.Errors {
		got = append(got, at{e.Row, e.Column, e.Key})
	}
	if fmt.Sprint(got) != fmt.Sprint(want) || res.Rows != 5 {
		t.Errorf("errors %v, want %v", got, want)
	}
	res, _ = f.s.Monitoring.DryRunVisits(ctx, act(f.admin), []byte("case_number,kind,date,method,colour\nX,baseline,2021-01-01,phone,red\n"))
	if res.FileError != "monitoring.import.error.unknown_columns" || res.FileArg != "colour" {
		t.Errorf("unknown column: %+v", res)
	}
	res, _ = f.s.Monitoring.ImportVisits(ctx, act(f.admin), []byte(file), res.Hash)
	var n int64
	f.s.DB.Read.Model(&models.Visit{}).Count(&n)
	if res.Imported != 0 || n != 0 {
		t.Errorf("a file with errors imported %d visits", n)
	}
}

// worstAnswers answers every question with its last option (the worst in the default).
func worstAnswers(ins *models.Instrument) map[string]string {
	return answerAll(ins, func(q *models.Question) string { return q.Options[len(q.Options)-1].Code })
}

// TestMonitoringSummary checks the summary's figures against means worked out by hand,
// and that every drill-down lists as many cases as its figure.
func TestMonitoringSummary(t *testing.T) {
	f := newCaseworkFixture(t)
	ctx := t.Context()
	cur, _ := f.s.Monitoring.Current(ctx)
	mid, best, worst := midAnswers(cur.Instrument), bestAnswers(cur.Instrument), worstAnswers(cur.Instrument)
	visit := func(u *models.User, cs *models.Case, kind, date string, a map[string]string) {
		t.Helper()
		if _, err := f.s.Monitoring.RecordVisit(ctx, act(u), u.Scope(), cs.ID, visitInput(kind, date, a)); err != nil {
			t.Fatal(err)
		}
	}
	a := returnedCase(t, f, f.rab, models.NewDate(2021, 1, 10))
	b := returnedCase(t, f, f.rab, models.NewDate(2021, 1, 10))
	c := returnedCase(t, f, f.rab, models.NewDate(2021, 1, 10))
	d := returnedCase(t, f, f.cas, models.NewDate(2021, 1, 10))
	f.plan(t, f.cw, a, "1000")
	_, err := f.s.Support.Plan(ctx, act(f.cw), f.cw.Scope(), a.ID, models.SupportInput{Type: "cash", Description: "Arrivée", Amount: "500", Currency: "MAD", Date: "2021-01-12"})
	if err != nil {
		t.Fatal(err)
	}
	visit(f.cw, a, "baseline", "2021-01-05", mid)     // 2/3, economic 0
	visit(f.cw, a, "followup", "2021-03-01", worst)   // an earlier follow-up, not compared
	visit(f.cw, a, "followup", "2021-04-12", best)    // 1
	visit(f.cw, b, "baseline", "2021-01-05", best)    // 1
	visit(f.cw, b, "followup", "2021-04-12", worst)   // 0
	visit(f.cw, c, "baseline", "2021-01-05", mid)     // no follow-up: not compared
	visit(f.cwCas, d, "baseline", "2021-01-05", mid)  // 2/3
	visit(f.cwCas, d, "followup", "2021-04-12", best) // 1
	year := models.SummaryFilter{From: models.NewDate(2021, 1, 1), To: models.NewDate(2021, 12, 31)}

	m, err := f.s.Summary.MonitoringSummary(ctx, f.hq.Scope(), year)
	if err != nil {
		t.Fatal(err)
	}
	if m.Baselines != 4 || m.Followups != 4 || m.All.People != 3 {
		t.Errorf("baselines %d follow-ups %d people %d, want 4, 4, 3", m.Baselines, m.Followups, m.All.People)
	}
	near := func(name string, got, want float64) {
		t.Helper()
		if d := got - want; d > 1e-9 || d < -1e-9 {
			t.Errorf("%s = %v, want %v", name, got, want)
		}
	}
	near("baseline mean", m.All.Baseline, (2.0/3+1+2.0/3)/3)
	near("follow-up mean", m.All.Followup, 2.0/3)
	for _, dm := range m.Dimensions {
		if dm.Key == "economic" {
			near("economic at baseline", dm.Baseline, 1.0/3)
			near("economic at follow-up", dm.Followup, 2.0/3)
		}
	}
	if fmt.Sprint(m.Bands) != fmt.Sprint([]models.KeyCount{{Key: "low", Count: 1}, {Key: "high", Count: 2}}) {
		t.Errorf("bands %v", m.Bands)
	}
	groups := map[string]models.MeanPair{}
	for _, p := range m.BySupport {
		groups["support:"+p.Key] = p
	}
	for _, p := range m.ByOffice {
		groups["office:"+p.Key] = p
	}
	if len(m.BySupport) != 3 || groups["support:micro_project"].People != 1 || groups["support:cash"].People != 1 ||
		groups["support:none"].People != 2 {
		t.Errorf("by support %+v", m.BySupport)
	}
	near("micro-project follow-up", groups["support:micro_project"].Followup, 1)
	near("none baseline", groups["support:none"].Baseline, (1+2.0/3)/2)
	near("none follow-up", groups["support:none"].Followup, 0.5)
	if groups["office:RAB"].People != 2 || groups["office:CAS"].People != 1 {
		t.Errorf("by office %+v", m.ByOffice)
	}
	if m.Mixed() || fmt.Sprint(m.Versions) != "[1]" {
		t.Errorf("versions %v", m.Versions)
	}

	// Every figure's drill-down lists as many rows as the figure.
	figures := map[string]int64{models.GroupBaselines: m.Baselines, models.GroupFollowups: m.Followups, models.GroupPeople: m.All.People}
	for _, b := range m.Bands {
		figures["band:"+b.Key] = b.Count
	}
	for k, p := range groups {
		figures[k] = p.People
	}
	for group, want := range figures {
		list, total, err := f.s.Summary.MonitoringCases(ctx, f.hq.Scope(), year, group, 1, 100)
		if err != nil || total != want || int64(len(list)) != want {
			t.Errorf("drill-down %s: %d listed, total %d, %v; want %d", group, len(list), total, err, want)
		}
	}
	if _, _, err := f.s.Summary.MonitoringCases(ctx, f.hq.Scope(), year, "support:bike", 1, 100); !errors.Is(err, models.ErrNotFound) {
		t.Errorf("unknown group: %v", err)
	}

	// Scope and filters: a Rabat supervisor compares Rabat's two people only.
	m, _ = f.s.Summary.MonitoringSummary(ctx, f.sup.Scope(), year)
	if m.All.People != 2 || m.Baselines != 3 {
		t.Errorf("RAB supervisor: %d people, %d baselines", m.All.People, m.Baselines)
	}
	// A period before the follow-ups compares nobody, without dividing by zero.
	m, err = f.s.Summary.MonitoringSummary(ctx, f.hq.Scope(), models.SummaryFilter{From: models.NewDate(2021, 1, 1), To: models.NewDate(2021, 2, 1)})
	if err != nil || m.All.People != 0 || m.Baselines != 4 || len(m.BySupport) != 0 {
		t.Errorf("January: %+v, %v", m, err)
	}

	// A follow-up under version 2 makes the compared versions mixed.
	if _, err := f.s.Monitoring.Publish(ctx, act(f.admin), reweighted(t)); err != nil {
		t.Fatal(err)
	}
	visit(f.cw, c, "followup", "2021-05-20", best)
	m, _ = f.s.Summary.MonitoringSummary(ctx, f.hq.Scope(), year)
	if !m.Mixed() || fmt.Sprint(m.Versions) != "[1 2]" || m.All.People != 4 {
		t.Errorf("after version 2: versions %v, %d people", m.Versions, m.All.People)
	}
}
