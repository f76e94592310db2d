package handlers

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"awda/models"
	"awda/models/dbtest"
	"awda/views"
)

// retentionCase inserts a closed case of an office whose closing is years old (due
// under the default policy).
func retentionCase(t *testing.T, a *testApp, officeCode string, creator *models.User, n int, family string) *models.Case {
	t.Helper()
	cs := dbtest.MustCase(t, a.stores, a.office(officeCode).ID, creator.ID, dbtest.Person{
		CaseNumber: fmt.Sprintf("%s-2014-%05d", officeCode, n), Family: family, Given: "Amina", Birth: "1988-02-03",
		Phone: "0611223344", DocNumber: "AB" + family, RequestDate: "2014-01-10"})
	for _, q := range []string{
		"UPDATE cases SET status = 'closed', closure_reason = 'withdrawn' WHERE id = ?",
		"INSERT INTO status_changes (case_id, from_status, to_status, date, reason, note, user_id, created_at) VALUES (?, 'registered', 'closed', '2014-06-01', 'withdrawn', '', 1, CURRENT_TIMESTAMP)",
	} {
		if err := a.stores.DB.Write.Exec(q, cs.ID).Error; err != nil {
			t.Fatal(err)
		}
	}
	return cs
}

func retentionState(t *testing.T, a *testApp, id uint) *models.RetentionState {
	t.Helper()
	st, err := a.stores.Retention.State(t.Context(), models.Scope{Role: models.RoleAdmin}, id)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// A supervisor holds and releases a case; an erasure request needs a second supervisor;
// others are refused; an empty reason is shown beside its field and saves nothing.
func TestLegalHoldAndErasureRoutes(t *testing.T) {
	a := newTestApp(t)
	sup, supU := a.signedIn("sup@example.org", models.RoleSupervisor, "RAB")
	sup2, _ := a.signedIn("sup2@example.org", models.RoleSupervisor, "RAB")
	cw, _ := a.signedIn("cw@example.org", models.RoleCaseworker, "RAB")
	supCas, _ := a.signedIn("supcas@example.org", models.RoleSupervisor, "CAS")
	cs := retentionCase(t, a, "RAB", supU, 1, "Belkadi")
	casePath := views.CasePath(cs.ID)

	if p := sup.get(casePath); !p.has(`[data-testid="retention-section"]`) {
		t.Fatal("no retention section for a supervisor")
	}
	if p := cw.get(casePath); p.has(`[data-testid="retention-section"]`) {
		t.Error("a caseworker sees the retention section")
	}

	if p := cw.post(views.CaseHoldPath(cs.ID), url.Values{"reason": {"x"}}); p.StatusCode == http.StatusSeeOther {
		t.Error("a caseworker placed a hold")
	}
	wantStatus(t, supCas.post(views.CaseHoldPath(cs.ID), url.Values{"reason": {"x"}}), http.StatusNotFound)
	wantStatus(t, sup.postRaw(views.CaseHoldPath(cs.ID), url.Values{"reason": {"x"}}), http.StatusForbidden)
	p := sup.post(views.CaseHoldPath(cs.ID), url.Values{"reason": {"  "}})
	wantStatus(t, p, http.StatusUnprocessableEntity)
	if !p.has(`[data-testid="reason-error"]`) {
		t.Errorf("no message beside the reason:\n%s", excerpt(p.Body))
	}
	if retentionState(t, a, cs.ID).Hold != nil {
		t.Fatal("a hold without a reason was saved")
	}
	wantStatus(t, sup.post(views.CaseHoldPath(cs.ID), url.Values{"reason": {"Court <b>order</b>"}}), http.StatusSeeOther)
	p = sup.get(casePath)
	if got := p.text(`[data-testid="hold-reason"]`); got != "Court <b>order</b>" {
		t.Errorf("hold reason shown as %q", got)
	}
	if st := retentionState(t, a, cs.ID); st.Hold == nil || st.Hold.Reason != "Court <b>order</b>" {
		t.Fatalf("hold: %+v", st.Hold)
	}
	wantStatus(t, sup.post(views.CaseHoldReleasePath(cs.ID), nil), http.StatusSeeOther)
	if retentionState(t, a, cs.ID).Hold != nil {
		t.Fatal("hold not released")
	}

	wantStatus(t, sup.post(views.CaseErasurePath(cs.ID), url.Values{"reason": {"The person asked in writing"}}), http.StatusSeeOther)
	if p := sup.get(casePath); !p.has(`[data-testid="erasure-own"]`) || p.has(`[data-testid="erasure-approve"]`) {
		t.Error("the requester is offered the approval")
	}
	wantStatus(t, sup.post(views.CaseErasureApprovePath(cs.ID), nil), http.StatusSeeOther)
	if retentionState(t, a, cs.ID).Anonymised != nil {
		t.Fatal("the requester's own approval anonymised the case")
	}
	if p := sup2.get(casePath); !p.has(`[data-testid="erasure-approve"]`) {
		t.Fatal("a second supervisor is not offered the approval")
	}
	wantStatus(t, sup2.post(views.CaseErasureApprovePath(cs.ID), nil), http.StatusSeeOther)
	if retentionState(t, a, cs.ID).Anonymised == nil {
		t.Fatal("the approved erasure did not anonymise the case")
	}
	if p := sup2.get(casePath); !p.has(`[data-testid="anonymised"]`) || strings.Contains(p.Body, "Belkadi") {
		t.Error("the anonymised case file still names the person or says nothing")
	} else if p.has(`[data-testid="step-reopen"]`) {
		t.Error("the anonymised case file offers reopening")
	}
	// a forged reopening is refused with a message, the case left closed
	p = moveForm(t, a, sup2, cs.ID, models.Reopen, url.Values{"note": {"typed back"}})
	wantStatus(t, p, http.StatusUnprocessableEntity)
	if !p.has(`[data-testid="move-error"]`) && !p.has(`[data-testid="form-errors"]`) {
		t.Errorf("refused reopening without a message:\n%s", excerpt(p.Body))
	}
	if got, _ := a.stores.Cases.Get(t.Context(), models.Scope{}, cs.ID); got == nil || got.Status != models.StatusClosed {
		t.Errorf("the anonymised case was reopened: %+v", got)
	}
}

// The administrator sees what falls due, makes a dry run that changes nothing, and
// anonymises only after confirming; the policy form checks its fields.
func TestAdminRetentionPage(t *testing.T) {
	a := newTestApp(t)
	a.clock.Advance(6 * 365 * 24 * 60 * 60 * 1e9)
	admin, _ := a.signedIn("admin@example.org", models.RoleAdmin, "")
	sup, supU := a.signedIn("sup@example.org", models.RoleSupervisor, "RAB")
	due := retentionCase(t, a, "RAB", supU, 1, "Zerhouni")
	held := retentionCase(t, a, "RAB", supU, 2, "Haddaoui")
	if err := a.stores.Retention.Hold(t.Context(), models.Actor{User: supU}, supU.Scope(), held.ID, "inquiry"); err != nil {
		t.Fatal(err)
	}
	if p := sup.get(views.PathAdminRetention); p.StatusCode == http.StatusOK {
		t.Error("a supervisor opened the retention page")
	}
	p := admin.get(views.PathAdminRetention)
	wantStatus(t, p, http.StatusOK)
	if got := p.text(`[data-testid="due-RAB"] [data-testid="now"]`); got != "1" {
		t.Errorf("due now in RAB: %q", got)
	}
	if got := p.text(`[data-testid="due-RAB"] [data-testid="held"]`); got != "1" {
		t.Errorf("held in RAB: %q", got)
	}
	p = admin.post(views.PathAdminRetention, nil)
	wantStatus(t, p, http.StatusOK)
	if !p.has(`[data-testid="dry-run-result"]`) || !p.has(`[data-testid="apply-form"]`) {
		t.Fatalf("dry run page:\n%s", excerpt(p.Body))
	}
	p = admin.post(views.PathAdminRetention, url.Values{"apply": {"1"}})
	wantStatus(t, p, http.StatusUnprocessableEntity)
	if !p.has(`[data-testid="confirm-error"]`) {
		t.Error("no message beside the confirmation")
	}
	if retentionState(t, a, due.ID).Anonymised != nil {
		t.Fatal("anonymised without confirmation")
	}
	wantStatus(t, admin.post(views.PathAdminRetention, url.Values{"apply": {"1"}, "confirm": {"1"}}), http.StatusSeeOther)
	if retentionState(t, a, due.ID).Anonymised == nil || retentionState(t, a, held.ID).Anonymised != nil {
		t.Error("apply did not anonymise exactly the due case")
	}

	for _, bad := range []url.Values{{"years": {"abc"}}, {"years": {"0"}}, {"years": {"99"}}, {"office": {"ZZZ"}, "years": {"3"}}} {
		if p := admin.post(views.PathAdminRetentionPolicy, bad); p.StatusCode != http.StatusUnprocessableEntity || !p.Doc.Find(`.field-error`).Is("*") {
			t.Errorf("policy %v: status %d", bad, p.StatusCode)
		}
	}
	wantStatus(t, admin.post(views.PathAdminRetentionPolicy, url.Values{"office": {"RAB"}, "years": {"12"}}), http.StatusSeeOther)
	if p := admin.get(views.PathAdminRetention); p.text(`[data-testid="due-RAB"] [data-testid="years"]`) != "12" {
		t.Error("office policy not shown")
	}
}

// A supervisor produces everything held about a person, printable in the person's
// language and as JSON; each production is audited; nobody else can.
func TestSubjectAccessRecord(t *testing.T) {
	a := newTestApp(t)
	sup, supU := a.signedIn("sup@example.org", models.RoleSupervisor, "RAB")
	cw, _ := a.signedIn("cw@example.org", models.RoleCaseworker, "RAB")
	admin, _ := a.signedIn("admin@example.org", models.RoleAdmin, "")
	supCas, _ := a.signedIn("supcas@example.org", models.RoleSupervisor, "CAS")
	cs := retentionCase(t, a, "RAB", supU, 1, "Tazi <script>")
	if err := a.stores.DB.Write.Exec("INSERT INTO household_members (case_id, name, relation, sex, birth_date) VALUES (?, 'Yassine Tazi', 'child', 'M', '2012-01-01')", cs.ID).Error; err != nil {
		t.Fatal(err)
	}
	if err := a.stores.DB.Write.Exec(`INSERT INTO monitoring_visits (case_id, date, instrument_id, instrument_version, kind, method,
		interviewer_id, notes, composite, band, created_at) VALUES (?, '2021-06-01', 1, 1, 'baseline', 'phone', ?, 'Visited in Dakar', 0.5, 'medium', ?)`,
		cs.ID, supU.ID, time.Now()).Error; err != nil {
		t.Fatal(err)
	}
	if err := a.stores.DB.Write.Exec(`INSERT INTO documents (case_id, category, description, filename, content_type, source_type, size,
		uploaded_by_id, created_at) VALUES (?, 'identity', 'Passport of Tazi', 'p.pdf', 'application/pdf', 'application/pdf', 10, ?, ?)`,
		cs.ID, supU.ID, time.Now()).Error; err != nil {
		t.Fatal(err)
	}
	wantStatus(t, cw.get(views.CasePath(cs.ID)), http.StatusOK) // a view the log must show
	if err := a.stores.Audit.Record(t.Context(), models.AuditEvent{Action: "case.update", RecordType: "case",
		RecordID: idStr(cs.ID), UserID: &supU.ID, UserEmail: supU.Email, Fields: "phone,notes"}); err != nil {
		t.Fatal(err)
	}

	p := sup.get(views.CaseRecordPath(cs.ID) + "?lang=ar")
	wantStatus(t, p, http.StatusOK)
	if lang, _ := p.Doc.Find("html").Attr("lang"); lang != "ar" {
		t.Errorf("record printed in %q, want ar", lang)
	}
	if !strings.Contains(p.text(`[data-testid="record-person"]`), "Tazi <script>") || strings.Contains(p.Body, "Tazi <script>") {
		t.Error("the family name is missing or not escaped")
	}
	if !strings.Contains(p.text(`[data-testid="record-household"]`), "Yassine Tazi") {
		t.Error("household missing")
	}
	if !strings.Contains(p.text(`[data-testid="record-visits"]`), "Visited in Dakar") || !strings.Contains(p.text(`[data-testid="record-documents"]`), "Passport of Tazi") {
		t.Errorf("monitoring visits or documents missing:\n%s\n%s", p.text(`[data-testid="record-visits"]`), p.text(`[data-testid="record-documents"]`))
	}
	if !strings.Contains(p.text(`[data-testid="record-access"]`), "cw@example.org") {
		t.Errorf("the caseworker's view is not in the access log:\n%s", p.text(`[data-testid="record-access"]`))
	}
	// A change's fields are listed with spaces, where a line may break.
	if fields := p.Doc.Find(`[data-testid="record-access"] [data-testid="access-fields"]`).Text(); !strings.Contains(fields, "phone, notes") {
		t.Errorf("the changed fields in the access log: %q", fields)
	}

	p = sup.get(views.CaseRecordJSONPath(cs.ID))
	wantStatus(t, p, http.StatusOK)
	if !strings.Contains(p.Header.Get("Content-Disposition"), "attachment") {
		t.Error("the JSON is not a download")
	}
	var rec struct {
		Case struct {
			FamilyName  string `json:"family_name"`
			IDDocNumber string `json:"id_doc_number"`
		} `json:"case"`
		Household []struct{ Name string }         `json:"household"`
		Access    []struct{ User, Action string } `json:"access_log"`
		Support   []any                           `json:"support"`
		Visits    []struct{ Notes string }        `json:"monitoring_visits"`
		Documents []struct{ Description string }  `json:"documents"`
	}
	if err := json.Unmarshal([]byte(p.Body), &rec); err != nil {
		t.Fatalf("record.json: %v\n%s", err, excerpt(p.Body))
	}
	if rec.Case.FamilyName != "Tazi <script>" || rec.Case.IDDocNumber != "ABTazi <script>" || len(rec.Household) != 1 || rec.Support == nil ||
		len(rec.Visits) != 1 || rec.Visits[0].Notes != "Visited in Dakar" || len(rec.Documents) != 1 || rec.Documents[0].Description != "Passport of Tazi" {
		t.Errorf("record.json: %+v", rec)
	}
	seen := map[string]bool{}
	for _, e := range rec.Access {
		seen[e.Action+" "+e.User] = true
	}
	if !seen["case.view cw@example.org"] || !seen["case.record sup@example.org"] {
		t.Errorf("access log: %v", rec.Access)
	}

	for _, c := range []*client{cw, admin} {
		if p := c.get(views.CaseRecordJSONPath(cs.ID)); p.StatusCode == http.StatusOK {
			t.Error("someone other than a supervisor got the record")
		}
	}
	wantStatus(t, supCas.get(views.CaseRecordPath(cs.ID)), http.StatusNotFound)
	wantStatus(t, supCas.get(views.CaseRecordJSONPath(cs.ID)), http.StatusNotFound)
	var n int64
	a.stores.DB.Read.Raw("SELECT COUNT(*) FROM audit_events WHERE action = 'case.record' AND record_id = ?", fmt.Sprint(cs.ID)).Row().Scan(&n)
	if n != 2 {
		t.Errorf("%d case.record events, want 2", n)
	}
}
