package models_test

import (
	"context"
	"strings"
	"testing"

	"awda/models"
)

// marker is free text typed in every free-text field below; no audit column may hold it.
const marker = "Zoubida Marker-Name"

// TestNoFreeTextReachesTheAuditLog goes through every writer that records an audit event
// after taking free text (case, status note, reassignment reason, support description,
// comment and reason, activity note, referral and follow-up, session, user and office
// names) with the marker typed, then reads every audit column.
func TestNoFreeTextReachesTheAuditLog(t *testing.T) {
	f := newCaseworkFixture(t)
	ctx := context.Background()
	must := func(what string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	cw2 := dbtestUser(t, f, "cw2@example.org", models.RoleCaseworker, "CAS")
	cs, err := f.s.Cases.Create(ctx, act(f.cwCas), f.cwCas.Scope(), models.CaseInput{Direction: "outbound", FamilyName: marker,
		GivenName: marker, Sex: "F", BirthDate: "1990-01-01", Nationality: "SN", ReturnCountry: "SN",
		ConsentDate: "2021-05-01", ConsentShare: true, Notes: marker, Languages: marker, OfficeID: f.cas.ID})
	must("register", err)
	_, err = f.s.Cases.Move(ctx, act(f.cwCas), f.cwCas.Scope(), cs.ID, models.TransitionInput{To: "counselled", Note: marker, Version: 1})
	must("move", err)
	n, err := f.s.Cases.Reassign(ctx, act(f.hq), f.hq.Scope(), models.ReassignInput{CaseIDs: []uint{cs.ID}, ToUser: cw2.ID, Reason: marker})
	if err != nil || n != 1 {
		t.Fatalf("reassign: %d %v", n, err)
	}
	var ra models.Reassignment
	must("load reassignment", f.s.DB.Read.Where("case_id = ?", cs.ID).First(&ra).Error)
	if ra.Reason != marker || ra.ToUserID != cw2.ID || ra.UserID != f.hq.ID {
		t.Errorf("the reassignment record %+v does not keep the reason", ra)
	}
	ret := insertCase(t, f.s, f.rab, f.cw, models.StatusReturned, true)
	sp, err := f.s.Support.Plan(ctx, act(f.cw), f.cw.Scope(), ret.ID, models.SupportInput{Type: "micro_project",
		Description: marker, Amount: "100", Currency: "MAD", Date: "2021-05-20"})
	must("plan", err)
	must("send back", f.s.Support.SendBack(ctx, act(f.sup), f.sup.Scope(), ret.ID, sp.ID, sp.Version, marker))
	must("cancel", f.s.Support.Cancel(ctx, act(f.cw), f.cw.Scope(), ret.ID, sp.ID, sp.Version+1, marker))
	_, err = f.s.Activities.Record(ctx, act(f.cw), f.cw.Scope(), ret.ID, models.ActivityInput{Kind: "counselling", Date: "2021-05-20", Note: marker})
	must("activity", err)
	r, err := f.s.Referrals.Create(ctx, act(f.cw), f.cw.Scope(), ret.ID, models.ReferralInput{Partner: "other", PartnerName: marker, Purpose: marker, Date: "2021-05-20"})
	must("referral", err)
	must("follow-up", f.s.Referrals.FollowUp(ctx, act(f.cw), f.cw.Scope(), ret.ID, r.ID, models.FollowUpInput{Status: "rejected", Reason: marker, Outcome: marker, Version: r.Version}))
	_, err = f.s.GroupSessions.Create(ctx, act(f.cw), f.cw.Scope(), models.SessionInput{Kind: "training", Title: marker, Date: "2021-05-20", Place: marker, Facilitator: marker})
	must("session", err)
	_, _, err = f.s.Users.Create(ctx, act(f.admin), models.UserInput{Email: "new@example.org", Name: marker, Role: models.RoleCaseworker, OfficeCode: "RAB"})
	must("user", err)
	_, err = f.s.Offices.Create(ctx, act(f.admin), models.OfficeInput{Code: "TNG", Name: marker, City: marker})
	must("office", err)
	_, err = f.s.Audit.Stream(ctx, act(f.admin), models.AuditFilter{}, "record_id=smith user=3 action=case.create record_type=Zoubida to=2021-01-01", func([]string) error { return nil })
	must("audit export", err)
	must("drain", f.s.Audit.Drain(ctx))

	var events []models.AuditEvent
	must("read audit", f.s.DB.Read.Order("id").Find(&events).Error)
	if len(events) < 14 {
		t.Fatalf("only %d audit events: a writer above recorded nothing", len(events))
	}
	actions := map[string]bool{}
	for _, ev := range events {
		actions[ev.Action] = true
		for _, part := range strings.Fields(marker) {
			for _, v := range []string{ev.Action, ev.RecordType, ev.RecordID, ev.Fields, ev.Details, ev.UserEmail, ev.IP} {
				if strings.Contains(v, part) {
					t.Errorf("audit event %s %s/%s holds %q: %q", ev.Action, ev.RecordType, ev.RecordID, part, v)
				}
			}
		}
	}
	var exp models.AuditEvent
	must("audit export event", f.s.DB.Read.Where("action = ?", "export.audit").First(&exp).Error)
	if !strings.HasPrefix(exp.Details, "record_id=(text) user=3 action=case.create record_type=(text) to=2021-01-01 rows=") {
		t.Errorf("audit export details %q", exp.Details)
	}
	for _, a := range []string{"case.create", "case.status", "case.reassign", "support.plan", "support.cancel", "user.create", "office.create", "export.audit"} {
		if !actions[a] {
			t.Errorf("no %s event (have %v)", a, actions)
		}
	}
	var reassign models.AuditEvent
	must("reassign event", f.s.DB.Read.Where("action = ?", "case.reassign").First(&reassign).Error)
	if !strings.Contains(reassign.Details, "reassignment="+itoa(ra.ID)) {
		t.Errorf("the reassignment event %q does not name its record", reassign.Details)
	}
}

func TestCleanDetailsKeepsTokensOnly(t *testing.T) {
	for in, want := range map[string]string{
		"version=3 to_user=4 reason=Leaving for Agadir": "version=3 to_user=4 reason=Leaving",
		"record_id=Zoé rows=2":                          "record_id=(text) rows=2",
		"duplicate_checked":                             "duplicate_checked",
		"from=2021-01-01 office=RAB pseudonymise=true":  "from=2021-01-01 office=RAB pseudonymise=true",
		"Smith": "",
	} {
		if got := models.CleanDetails(in); got != want {
			t.Errorf("CleanDetails(%q) = %q, want %q", in, got, want)
		}
	}
}

func dbtestUser(t *testing.T, f *caseworkFixture, email string, role models.Role, office string) *models.User {
	t.Helper()
	u, _, err := f.s.Users.Create(context.Background(), models.Actor{}, models.UserInput{Email: email, Name: "Agent", Role: role, OfficeCode: office, Password: "a long test passphrase"})
	if err != nil {
		t.Fatal(err)
	}
	return u
}
