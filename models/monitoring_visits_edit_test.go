package models_test

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"awda/models"
)

// TestUpdateVisitRescoresWithItsOwnVersion corrects a visit recorded under version 1
// after version 2 is published: the scores are those of version 1, the visit keeps its
// version, the correction is audited by field name only, and a second correction made
// from the same (now stale) form is refused without writing anything.
func TestUpdateVisitRescoresWithItsOwnVersion(t *testing.T) {
	f := newCaseworkFixture(t)
	ctx := t.Context()
	cs := returnedCase(t, f, f.rab, models.NewDate(2021, 2, 1))
	v1, err := f.s.Monitoring.Current(ctx)
	if err != nil {
		t.Fatal(err)
	}
	base, err := f.s.Monitoring.RecordVisit(ctx, act(f.cw), f.cw.Scope(), cs.ID, visitInput("baseline", "2021-01-20", bestAnswers(v1.Instrument)))
	if err != nil {
		t.Fatal(err)
	}
	if base.Version != 1 || base.Interviewer != "Amina Tazi" || !sameScore(base.Composite, f64(1)) {
		t.Fatalf("recorded %+v", base)
	}
	if _, err := f.s.Monitoring.Publish(ctx, act(f.admin), reweighted(t)); err != nil {
		t.Fatal(err)
	}
	e, err := f.s.Monitoring.VisitForEdit(ctx, f.cw.Scope(), cs.ID, base.ID)
	if err != nil {
		t.Fatal(err)
	}
	if e.Instrument.Version != 1 || e.Answers["debt_level"] != bestAnswers(v1.Instrument)["debt_level"] || e.Input().Interviewer != "Amina Tazi" {
		t.Fatalf("edit form drawn with version %d, answers %v", e.Instrument.Version, e.Answers)
	}
	in := e.Input()
	in.Answers = midAnswers(v1.Instrument)
	in.Interviewer = "Youssef (partner NGO)"
	got, err := f.s.Monitoring.UpdateVisit(ctx, act(f.sup), f.sup.Scope(), cs.ID, base.ID, e.Visit.Version, in)
	if err != nil {
		t.Fatal(err)
	}
	// Version 1 weighs the dimensions equally: 2/3. Version 2 would give 0.5.
	if got.Version != 2 || got.InstrumentVersion != 1 || !sameScore(got.Composite, f64(2.0/3)) || got.Band != "high" || got.UpdatedAt == nil {
		t.Fatalf("corrected visit version %d instrument %d composite %s band %s", got.Version, got.InstrumentVersion, show(got.Composite), got.Band)
	}
	m, err := f.s.Monitoring.ForCase(ctx, f.cw.Scope(), cs.ID)
	if err != nil {
		t.Fatal(err)
	}
	stored := m.Visits[0]
	if len(m.Visits) != 1 || stored.InstrumentVersion != 1 || !sameScore(stored.Composite, f64(2.0/3)) || !sameScore(stored.Dimensions["economic"], f64(0)) ||
		stored.Indicators["water"] != nil || stored.Interviewer != "Youssef (partner NGO)" || stored.InterviewerID != f.cw.ID {
		t.Errorf("stored after correction: %+v", stored)
	}
	var answers, scores int64
	f.s.DB.Read.Model(&models.VisitAnswer{}).Where("visit_id = ?", base.ID).Count(&answers)
	f.s.DB.Read.Model(&models.VisitScore{}).Where("visit_id = ?", base.ID).Count(&scores)
	var water models.VisitAnswer
	f.s.DB.Read.Where("visit_id = ? AND question = ?", base.ID, "water_access").Take(&water)
	if answers != 15 || scores != 18 || water.Answer != models.AnswerRefused || water.Value != nil {
		t.Errorf("%d answers, %d scores, water %+v after correction", answers, scores, water)
	}
	var ev models.AuditEvent
	if err := f.s.DB.Read.Where("action = ?", "monitoring.visit.update").Take(&ev).Error; err != nil {
		t.Fatal(err)
	}
	if ev.Fields != "interviewer,answers" || ev.RecordID != fmt.Sprint(base.ID) || ev.UserID == nil || *ev.UserID != f.sup.ID ||
		ev.Details != fmt.Sprintf("version=2 case=%d instrument_version=1", cs.ID) {
		t.Errorf("audit event %+v", ev)
	}
	if strings.Contains(ev.Details+ev.Fields, "Youssef") || strings.Contains(ev.Details, "refused") {
		t.Errorf("personal data in the audit log: %+v", ev)
	}

	// The caseworker's form was drawn at version 1: their save is refused, naming what
	// changed meanwhile, and nothing of theirs is written.
	stale := e.Input()
	stale.Notes = "Phone call, second attempt"
	_, err = f.s.Monitoring.UpdateVisit(ctx, act(f.cw), f.cw.Scope(), cs.ID, base.ID, 1, stale)
	var conflict *models.VisitConflictError
	if !errors.As(err, &conflict) || !errors.Is(err, models.ErrConflict) || conflict.Current.Version != 2 ||
		!slices.Equal(conflict.Changed, []string{"interviewer", "answers"}) {
		t.Fatalf("stale correction: %v %+v", err, conflict)
	}
	m, _ = f.s.Monitoring.ForCase(ctx, f.cw.Scope(), cs.ID)
	if m.Visits[0].Notes != "Met at home" || m.Visits[0].Version != 2 || !sameScore(m.Visits[0].Composite, f64(2.0/3)) {
		t.Errorf("a stale correction wrote: %+v", m.Visits[0])
	}
	// Saved again from the version the conflict names, it goes through.
	if got, err = f.s.Monitoring.UpdateVisit(ctx, act(f.cw), f.cw.Scope(), cs.ID, base.ID, conflict.Current.Version, stale); err != nil || got.Version != 3 {
		t.Fatalf("deliberate save after the conflict: %+v, %v", got, err)
	}
	// A save that changes nothing is no new version and no audit event.
	e, _ = f.s.Monitoring.VisitForEdit(ctx, f.cw.Scope(), cs.ID, base.ID)
	if got, err = f.s.Monitoring.UpdateVisit(ctx, act(f.cw), f.cw.Scope(), cs.ID, base.ID, 3, e.Input()); err != nil || got.Version != 3 {
		t.Fatalf("unchanged save: %+v, %v", got, err)
	}
	var n int64
	f.s.DB.Read.Model(&models.AuditEvent{}).Where("action = ?", "monitoring.visit.update").Count(&n)
	if n != 2 {
		t.Errorf("%d update events, want 2", n)
	}
}

// TestUpdateVisitRefuses: validation, scope, roles, and cases that are read-only.
func TestUpdateVisitRefuses(t *testing.T) {
	f := newCaseworkFixture(t)
	ctx := t.Context()
	cs := returnedCase(t, f, f.rab, models.NewDate(2021, 2, 1))
	other := returnedCase(t, f, f.rab, models.NewDate(2021, 2, 1))
	cur, _ := f.s.Monitoring.Current(ctx)
	good := bestAnswers(cur.Instrument)
	fu, err := f.s.Monitoring.RecordVisit(ctx, act(f.cw), f.cw.Scope(), cs.ID, visitInput("followup", "2021-05-03", good))
	if err != nil {
		t.Fatal(err)
	}
	partial := bestAnswers(cur.Instrument)
	delete(partial, "debt_level")
	withInput := func(mod func(*models.VisitInput)) models.VisitInput {
		in := visitInput("followup", "2021-05-03", good)
		mod(&in)
		return in
	}
	tests := []struct {
		name           string
		user           *models.User
		caseID, visit  uint
		in             models.VisitInput
		field, key     string
		err            error
		closeCase, ano bool
	}{
		{"before the return", f.cw, cs.ID, fu.ID, withInput(func(in *models.VisitInput) { in.Date = "2021-01-31" }), "date", "monitoring.error.followup_before_return", nil, false, false},
		{"in the future", f.cw, cs.ID, fu.ID, withInput(func(in *models.VisitInput) { in.Date = "2021-06-02" }), "date", "casework.error.date_future", nil, false, false},
		{"no interviewer", f.cw, cs.ID, fu.ID, withInput(func(in *models.VisitInput) { in.Interviewer = "  " }), "interviewer", "error.required", nil, false, false},
		{"interviewer too long", f.cw, cs.ID, fu.ID, withInput(func(in *models.VisitInput) { in.Interviewer = strings.Repeat("é", 201) }), "interviewer", models.TooLongKey(200), nil, false, false},
		{"unanswered question", f.cw, cs.ID, fu.ID, withInput(func(in *models.VisitInput) { in.Answers = partial }), "q_debt_level", "error.required", nil, false, false},
		{"bad method", f.cw, cs.ID, fu.ID, withInput(func(in *models.VisitInput) { in.Method = "letter" }), "method", "error.choose_value", nil, false, false},
		{"another office", f.cwCas, cs.ID, fu.ID, withInput(func(*models.VisitInput) {}), "", "", models.ErrNotFound, false, false},
		{"another case's visit", f.cw, other.ID, fu.ID, withInput(func(*models.VisitInput) {}), "", "", models.ErrNotFound, false, false},
		{"admin reads only", f.admin, cs.ID, fu.ID, withInput(func(*models.VisitInput) {}), "", "", models.ErrReadOnly, false, false},
		{"anonymised case", f.cw, cs.ID, fu.ID, withInput(func(*models.VisitInput) {}), "", "", models.ErrAnonymised, false, true},
		{"closed case", f.cw, cs.ID, fu.ID, withInput(func(*models.VisitInput) {}), "", "", models.ErrCaseClosed, true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.ano {
				f.s.DB.Write.Exec("UPDATE cases SET anonymised_at = CURRENT_TIMESTAMP WHERE id = ?", cs.ID)
				defer f.s.DB.Write.Exec("UPDATE cases SET anonymised_at = NULL WHERE id = ?", cs.ID)
			}
			if tt.closeCase {
				f.s.DB.Write.Exec("UPDATE cases SET status = 'closed' WHERE id = ?", cs.ID)
			}
			_, err := f.s.Monitoring.UpdateVisit(ctx, act(tt.user), tt.user.Scope(), tt.caseID, tt.visit, 1, tt.in)
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
	if _, err := f.s.Monitoring.VisitForEdit(ctx, f.cwCas.Scope(), cs.ID, fu.ID); !errors.Is(err, models.ErrNotFound) {
		t.Errorf("another office's edit form: %v", err)
	}
	var v models.Visit
	f.s.DB.Read.Take(&v, fu.ID)
	var n int64
	f.s.DB.Read.Model(&models.AuditEvent{}).Where("action = ?", "monitoring.visit.update").Count(&n)
	if v.Version != 1 || v.Date.String() != "2021-05-03" || n != 0 {
		t.Errorf("a refused correction wrote: %+v, %d events", v, n)
	}
}

// TestCloseCompletedAtTheBoundary: with the default schedule (3, 6, 12 months) a case
// with two follow-ups is refused; the third makes it closable, through the workflow.
func TestCloseCompletedAtTheBoundary(t *testing.T) {
	f := newCaseworkFixture(t)
	ctx := t.Context()
	cs := returnedCase(t, f, f.rab, models.NewDate(2020, 5, 1))
	cur, _ := f.s.Monitoring.Current(ctx)
	visit := func(date string) {
		t.Helper()
		if _, err := f.s.Monitoring.RecordVisit(ctx, act(f.cw), f.cw.Scope(), cs.ID, visitInput("followup", date, bestAnswers(cur.Instrument))); err != nil {
			t.Fatal(err)
		}
	}
	visit("2020-08-01")
	visit("2020-11-02")
	if _, err := f.s.Cases.CloseCompleted(ctx, act(f.sup), f.sup.Scope(), cs.ID, 1, ""); !errors.Is(err, models.ErrFollowupsMissing) {
		t.Fatalf("12-month follow-up missing: %v", err)
	}
	m, _ := f.s.Monitoring.ForCase(ctx, f.sup.Scope(), cs.ID)
	if m.Completed {
		t.Error("the case file says complete with the last follow-up missing")
	}
	visit("2021-05-03")
	m, _ = f.s.Monitoring.ForCase(ctx, f.sup.Scope(), cs.ID)
	if !m.Completed {
		t.Error("the case file does not say complete")
	}
	if _, err := f.s.Cases.CloseCompleted(ctx, act(f.cw), f.cw.Scope(), cs.ID, 1, ""); err == nil {
		t.Fatal("a caseworker closed a case")
	} else if key, ok := models.IsRefused(err); !ok || key != "cases.refused.supervisor_only" {
		t.Fatalf("caseworker: %v", err)
	}
	if _, err := f.s.Cases.CloseCompleted(ctx, act(f.sup), f.cwCas.Scope(), cs.ID, 1, ""); !errors.Is(err, models.ErrNotFound) {
		t.Fatalf("another office: %v", err)
	}
	if _, err := f.s.Cases.CloseCompleted(ctx, act(f.sup), f.sup.Scope(), cs.ID, 0, ""); !errors.Is(err, models.ErrConflict) {
		t.Fatalf("stale version: %v", err)
	}
	closed, err := f.s.Cases.CloseCompleted(ctx, act(f.sup), f.sup.Scope(), cs.ID, 1, "")
	if err != nil {
		t.Fatal(err)
	}
	var got models.Case
	f.s.DB.Read.Take(&got, cs.ID)
	var change models.StatusChange
	f.s.DB.Read.Where("case_id = ?", cs.ID).Order("id DESC").Take(&change)
	var ev models.AuditEvent
	f.s.DB.Read.Where("action = ? AND record_id = ?", "case.status", fmt.Sprint(cs.ID)).Take(&ev)
	if closed.Status != models.StatusClosed || got.Status != models.StatusClosed || got.ClosureReason != models.ClosureCompleted ||
		got.Version != 2 || change.From != models.StatusReintegration || change.To != models.StatusClosed ||
		change.Reason != models.ClosureCompleted || change.UserID != f.sup.ID || !strings.Contains(ev.Details, "to=closed") {
		t.Errorf("closed case %+v, change %+v, event %+v", got, change, ev)
	}
	if _, err := f.s.Cases.CloseCompleted(ctx, act(f.sup), f.sup.Scope(), cs.ID, 2, ""); !errors.Is(err, models.ErrNotInReintegration) {
		t.Errorf("closing twice: %v", err)
	}
	returned := returnedCase(t, f, f.rab, models.NewDate(2020, 5, 1))
	f.s.DB.Write.Model(returned).Update("status", models.StatusReturned)
	if _, err := f.s.Cases.CloseCompleted(ctx, act(f.sup), f.sup.Scope(), returned.ID, 1, ""); !errors.Is(err, models.ErrNotInReintegration) {
		t.Errorf("a returned case: %v", err)
	}
}

// TestVisitImportInterviewer: a file without the interviewer column imports with no
// interviewer; an older export's email in it is read as that user.
func TestVisitImportInterviewer(t *testing.T) {
	f := newCaseworkFixture(t)
	ctx := t.Context()
	cs := returnedCase(t, f, f.rab, models.NewDate(2021, 2, 1))
	cur, _ := f.s.Monitoring.Current(ctx)
	head, good := "case_number,kind,date,method", ""
	for _, q := range cur.Instrument.Questions() {
		head += ",q_" + q.Code
		good += "," + q.Options[0].Code
	}
	importFile := func(file string) *models.ImportResult {
		t.Helper()
		res, err := f.s.Monitoring.DryRunVisits(ctx, act(f.admin), []byte(file))
		if err != nil || !res.OK() {
			t.Fatalf("dry run %+v, %v", res, err)
		}
		res, err = f.s.Monitoring.ImportVisits(ctx, act(f.admin), []byte(file), res.Hash)
		if err != nil || res.Imported != 1 {
			t.Fatalf("import %+v, %v", res, err)
		}
		return res
	}
	importFile(head + "\n" + cs.CaseNumber + ",baseline,2021-01-20,phone" + good + "\n")
	importFile(strings.Replace(head, "method", "method,interviewer", 1) + "\n" + cs.CaseNumber + ",followup,2021-05-03,phone,CW@example.org" + good + "\n")
	var visits []models.Visit
	f.s.DB.Read.Order("id").Find(&visits)
	if len(visits) != 2 || visits[0].Interviewer != "" || visits[0].InterviewerID != f.admin.ID ||
		visits[1].Interviewer != f.cw.Name || visits[1].InterviewerID != f.cw.ID {
		t.Fatalf("imported %+v", visits)
	}
}
