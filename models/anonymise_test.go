package models_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"awda/models"
	"awda/models/dbtest"
)

// textColumns lists every text column of every table of the database, read from the
// schema, so that a table added later is searched without changing the test.
func textColumns(t *testing.T, db *models.DB) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	if db.Dialect == models.Postgres {
		var rows []struct{ TableName, ColumnName string }
		err := db.Read.Raw(`SELECT table_name, column_name FROM information_schema.columns
			WHERE table_schema = current_schema() AND data_type IN ('text', 'character varying', 'character', 'json', 'jsonb')`).Scan(&rows).Error
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rows {
			out[r.TableName] = append(out[r.TableName], r.ColumnName)
		}
		return out
	}
	var tables []string
	if err := db.Read.Raw(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`).Scan(&tables).Error; err != nil {
		t.Fatal(err)
	}
	for _, tb := range tables {
		var cols []struct{ Name string }
		if err := db.Read.Raw(`SELECT name FROM pragma_table_info(?)`, tb).Scan(&cols).Error; err != nil {
			t.Fatal(err)
		}
		// SQLite stores any value in any column: every column is searched as text.
		for _, c := range cols {
			out[tb] = append(out[tb], c.Name)
		}
	}
	return out
}

// whereFound lists the table.column places holding a value (case-insensitively).
func whereFound(t *testing.T, db *models.DB, cols map[string][]string, value string) []string {
	t.Helper()
	var found []string
	for tb, cs := range cols {
		for _, c := range cs {
			var n int64
			q := fmt.Sprintf(`SELECT COUNT(*) FROM %q WHERE LOWER(CAST(%q AS TEXT)) LIKE ?`, tb, c)
			if err := db.Read.Raw(q, "%"+strings.ToLower(value)+"%").Row().Scan(&n); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
			if n > 0 {
				found = append(found, tb+"."+c)
			}
		}
	}
	return found
}

// TestAnonymiseLeavesNoIdentifyingValue records a person with every kind of
// identifying data, has an erasure request approved by a second supervisor, and then
// searches every text column of every table for each value: none is left, while
// another person's data is untouched. It also checks the four-eyes rules.
func TestAnonymiseLeavesNoIdentifyingValue(t *testing.T) {
	ctx := context.Background()
	f := newCaseworkFixture(t)
	s := f.s
	register := func(family, given, doc, phone, member, notes, langs string) *models.Case {
		cs, err := s.Cases.Create(ctx, act(f.cw), f.cw.Scope(), models.CaseInput{
			Direction: "outbound", FamilyName: family, GivenName: given, Sex: "F", BirthDate: "1990-04-12",
			Nationality: "SN", ReturnCountry: "SN", Phone: phone, Languages: langs, IDDocType: "passport", IDDocNumber: doc,
			Household:   []models.HouseholdInput{{Name: member, Relation: "child", Sex: "M", BirthDate: "2015-09-30"}},
			ConsentDate: "2021-05-02", ConsentShare: true, RequestDate: "2021-05-03", RequestReason: "family",
			Notes: notes, ConfirmDifferent: true,
		})
		if err != nil {
			t.Fatalf("register %s: %v", family, err)
		}
		return cs
	}
	secret := map[string]string{
		"family": "Zyxwquorne", "given": "Plimbette", "doc": "QX7731905", "phone": "+221 77 918 2736",
		"phone digits": "221779182736", "member": "Vromquillard", "notes": "Qnotesword", "languages": "Qwolofish",
		"activity": "Qactivitynote", "partner": "Qpartnername", "purpose": "Qpurposeword", "support": "Qsupportdesc",
		"closing": "Qclosingnote", "hold": "Qholdreason", "erasure": "Qerasurereason", "document": "Qdocumentword",
	}
	other := register("Oumarrakesh", "Kemblefrost", "ZZ1122334", "+221 70 555 1212", "Trellisande", "Othernoteword", "Wolof")
	cs := register(secret["family"], secret["given"], secret["doc"], secret["phone"], secret["member"],
		"Lives with "+secret["notes"], secret["languages"])
	if _, err := s.Activities.Record(ctx, act(f.cw), f.cw.Scope(), cs.ID, models.ActivityInput{Kind: "counselling", Date: "2021-05-10", Note: "Met " + secret["activity"]}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Referrals.Create(ctx, act(f.cw), f.cw.Scope(), cs.ID, models.ReferralInput{Partner: "other", PartnerName: secret["partner"], Purpose: secret["purpose"], Date: "2021-05-11"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Support.Plan(ctx, act(f.cw), f.cw.Scope(), cs.ID, models.SupportInput{Type: "cash", Description: secret["support"], Amount: "100", Currency: "MAD", Date: "2021-05-12"}); err != nil {
		t.Fatal(err)
	}
	doc, err := s.Documents.Upload(ctx, act(f.cw), f.cw.Scope(), cs.ID, models.DocumentInput{Category: "identity",
		Description: "Passport of " + secret["document"], Filename: secret["document"] + ".pdf", Content: bytes.NewReader(dbtest.PDF(3000))})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Retention.Hold(ctx, act(f.sup), f.sup.Scope(), cs.ID, "Court order "+secret["hold"]); err != nil {
		t.Fatal(err)
	}
	if err := s.Retention.Release(ctx, act(f.sup), f.sup.Scope(), cs.ID); err != nil {
		t.Fatal(err)
	}
	cur, err := s.Cases.Get(ctx, f.sup.Scope(), cs.ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Cases.Move(ctx, act(f.sup), f.sup.Scope(), cs.ID, models.TransitionInput{To: "closed", Date: "2021-05-20",
		Reason: "withdrawn", Note: "Said " + secret["closing"], Version: cur.Version}); err != nil {
		t.Fatal(err)
	}
	if err := s.Retention.RequestErasure(ctx, act(f.sup), f.sup.Scope(), cs.ID, "Asked by "+secret["erasure"]); err != nil {
		t.Fatal(err)
	}

	cols := textColumns(t, s.DB)
	for k, v := range secret {
		if len(whereFound(t, s.DB, cols, v)) == 0 {
			t.Fatalf("%s %q is nowhere before anonymising: the search cannot fail", k, v)
		}
	}

	// four eyes: not by the requester, not by a caseworker, not while held
	if err := s.Retention.ApproveErasure(ctx, act(f.sup), f.sup.Scope(), cs.ID); !errors.Is(err, models.ErrSameSupervisor) {
		t.Fatalf("approval by the requester: %v", err)
	}
	if err := s.Retention.ApproveErasure(ctx, act(f.cw), f.cw.Scope(), cs.ID); !errors.Is(err, models.ErrForbidden) {
		t.Fatalf("approval by a caseworker: %v", err)
	}
	if err := s.Retention.Hold(ctx, act(f.sup2), f.sup2.Scope(), cs.ID, "second hold"); err != nil {
		t.Fatal(err)
	}
	if err := s.Retention.ApproveErasure(ctx, act(f.sup2), f.sup2.Scope(), cs.ID); !errors.Is(err, models.ErrHeldForErasure) {
		t.Fatalf("approval while held: %v", err)
	}
	if err := s.Retention.Release(ctx, act(f.sup2), f.sup2.Scope(), cs.ID); err != nil {
		t.Fatal(err)
	}
	if err := s.Retention.ApproveErasure(ctx, act(f.sup2), f.sup2.Scope(), cs.ID); err != nil {
		t.Fatalf("approval by a second supervisor: %v", err)
	}

	for k, v := range secret {
		if at := whereFound(t, s.DB, cols, v); len(at) > 0 {
			t.Errorf("%s %q left in %v", k, v, at)
		}
	}
	var chunks int64
	if err := s.DB.Read.Raw("SELECT COUNT(*) FROM document_chunks WHERE document_id = ?", doc.ID).Row().Scan(&chunks); err != nil || chunks != 0 {
		t.Errorf("the document's content is still held: %d chunks, %v", chunks, err)
	}
	for _, v := range []string{"Oumarrakesh", "Kemblefrost", "ZZ1122334", "Trellisande", "Othernoteword"} {
		if len(whereFound(t, s.DB, cols, v)) == 0 {
			t.Errorf("another person's %q was removed", v)
		}
	}
	if got, _, err := s.Cases.List(ctx, f.sup.Scope(), models.CaseFilter{Q: cs.CaseNumber}); err != nil || len(got) != 1 {
		t.Errorf("the anonymised case is not found by its number: %d cases, %v", len(got), err)
	}
	if got, _, _ := s.Cases.List(ctx, f.sup.Scope(), models.CaseFilter{Q: "Kemblefrost"}); len(got) != 1 || got[0].ID != other.ID {
		t.Errorf("the other person is not found by name: %v", got)
	}
	if got, _, _ := s.Cases.List(ctx, f.sup.Scope(), models.CaseFilter{Q: "zyxwquorne"}); len(got) != 0 {
		t.Errorf("the anonymised person is still found by name")
	}

	after, err := s.Cases.Get(ctx, f.sup.Scope(), cs.ID)
	if err != nil {
		t.Fatal(err)
	}
	if after.Sex != models.SexF || after.Nationality != "SN" || after.Status != models.StatusClosed || after.ClosureReason != "withdrawn" ||
		after.IDDocType != "passport" || !after.BirthDate.IsZero() || after.AgeEstimate == nil || *after.AgeEstimate != 25 {
		t.Errorf("kept fields changed: %+v", after)
	}
	if len(after.Household) != 1 || after.Household[0].Relation != "child" || after.Household[0].BirthDate.String() != "2021-01-01" {
		t.Errorf("household member: %+v", after.Household)
	}
	st, err := s.Retention.State(ctx, f.sup.Scope(), cs.ID)
	if err != nil || st.Anonymised == nil || st.Erasure != nil || st.Hold != nil {
		t.Errorf("state after erasure: %+v, %v", st, err)
	}
	if err := s.Retention.RequestErasure(ctx, act(f.sup), f.sup.Scope(), cs.ID, "again"); !errors.Is(err, models.ErrAnonymised) {
		t.Errorf("a second request on an anonymised case: %v", err)
	}
	// closed for good: reopened, it would take the names typed back in
	if after.AnonymisedAt == nil || slices.Contains(models.StepsFor(after, models.RoleSupervisor), models.Reopen) {
		t.Errorf("an anonymised case offers reopening: anonymised at %v, steps %v", after.AnonymisedAt, models.StepsFor(after, models.RoleSupervisor))
	}
	_, err = s.Cases.Move(ctx, act(f.sup), f.sup.Scope(), cs.ID, models.TransitionInput{To: models.Reopen, Note: "typed back", Version: after.Version})
	if te := (*models.TransitionError)(nil); !errors.As(err, &te) || te.Key != "cases.refused.anonymised" {
		t.Errorf("reopening an anonymised case: %v", err)
	}
	if again, _ := s.Cases.Get(ctx, f.sup.Scope(), cs.ID); again == nil || again.Status != models.StatusClosed || again.Version != after.Version {
		t.Errorf("the refused reopening changed the case: %+v", again)
	}
	if err := s.Audit.Drain(ctx); err != nil {
		t.Fatal(err)
	}
	for _, a := range []string{"case.hold", "case.hold_release", "case.erasure_request", "case.erasure_approve", "case.anonymise"} {
		var n int64
		s.DB.Read.Raw("SELECT COUNT(*) FROM audit_events WHERE action = ? AND record_id = ?", a, fmt.Sprint(cs.ID)).Row().Scan(&n)
		if n == 0 {
			t.Errorf("no %s audit event", a)
		}
	}
}

// TestHoldAndErasureScope: a case of another office answers ErrNotFound, a caseworker
// may not hold, an empty reason is a field error.
func TestHoldAndErasureScope(t *testing.T) {
	ctx := context.Background()
	f := newCaseworkFixture(t)
	cs := insertCase(t, f.s, f.cas, f.cwCas, models.StatusClosed, true)
	if err := f.s.Retention.Hold(ctx, act(f.sup), f.sup.Scope(), cs.ID, "x"); !errors.Is(err, models.ErrNotFound) {
		t.Errorf("hold on another office's case: %v", err)
	}
	if err := f.s.Retention.Hold(ctx, act(f.cwCas), f.cwCas.Scope(), cs.ID, "x"); !errors.Is(err, models.ErrForbidden) {
		t.Errorf("hold by a caseworker: %v", err)
	}
	if err := f.s.Retention.Hold(ctx, act(f.hq), f.hq.Scope(), cs.ID, "  "); err == nil {
		t.Error("hold without a reason")
	} else if fe, ok := models.AsValidation(err); !ok || fe["reason"] == "" {
		t.Errorf("hold without a reason: %v", err)
	}
	if err := f.s.Retention.Hold(ctx, act(f.hq), f.hq.Scope(), cs.ID, "audit"); err != nil {
		t.Fatal(err)
	}
	if err := f.s.Retention.Hold(ctx, act(f.hq), f.hq.Scope(), cs.ID, "audit"); !errors.Is(err, models.ErrAlreadyHeld) {
		t.Errorf("second hold: %v", err)
	}
	if err := f.s.Retention.RequestErasure(ctx, act(f.sup), f.sup.Scope(), cs.ID, "x"); !errors.Is(err, models.ErrNotFound) {
		t.Errorf("erasure request on another office's case: %v", err)
	}
}
