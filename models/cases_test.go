package models_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"awda/models"
	"awda/models/dbtest"
)

type caseFixture struct {
	s        *models.Stores
	clock    *dbtest.Clock
	rab, oud *models.Office
	cw, cw2  *models.User
	sup      *models.User
	oudCW    *models.User
}

func newCaseFixture(t *testing.T) *caseFixture {
	t.Helper()
	clock := dbtest.NewClock(time.Date(2021, 3, 1, 9, 0, 0, 0, time.UTC))
	s := dbtest.Stores(t, clock)
	f := &caseFixture{s: s, clock: clock}
	f.rab = dbtest.MustOffice(t, s, "RAB", "Rabat")
	f.oud = dbtest.MustOffice(t, s, "OUD", "Oujda")
	f.cw = dbtest.MustUser(t, s, "cw@example.org", models.RoleCaseworker, "RAB", "correct horse battery")
	f.cw2 = dbtest.MustUser(t, s, "cw2@example.org", models.RoleCaseworker, "RAB", "correct horse battery")
	f.sup = dbtest.MustUser(t, s, "sup@example.org", models.RoleSupervisor, "", "correct horse battery")
	f.oudCW = dbtest.MustUser(t, s, "oud@example.org", models.RoleCaseworker, "OUD", "correct horse battery")
	return f
}

func actorOf(u *models.User) models.Actor { return models.Actor{User: u, IP: "10.0.0.1"} }

func validInput() models.CaseInput {
	return models.CaseInput{
		Direction: "outbound", FamilyName: "Diallo", GivenName: "Fatoumata", Sex: "F", BirthDate: "1995-04-12",
		Nationality: "GN", ReturnCountry: "GN", Phone: "+212 6 12 34 56 78", Languages: "Pular, French",
		IDDocType: "passport", IDDocNumber: "R1234567", Vulnerabilities: []string{"single_parent"},
		Household:   []models.HouseholdInput{{Name: "Mamadou Diallo", Relation: "child", Sex: "M", BirthDate: "2019-06-01"}},
		ConsentDate: "2021-02-26", ConsentShare: true, RequestDate: "2021-02-20", RequestReason: "lack_of_resources",
		Notes: "Came with her son.",
	}
}

func TestCreateCaseStoresEveryFieldAndHistory(t *testing.T) {
	ctx := context.Background()
	f := newCaseFixture(t)
	in := validInput()
	in.FamilyName, in.GivenName = "الزهراء", "فاطمة"
	in.AssignedToID = f.cw.ID
	cs, err := f.s.Cases.Create(ctx, actorOf(f.cw), f.cw.Scope(), in)
	if err != nil {
		t.Fatal(err)
	}
	if cs.CaseNumber != "RAB-2021-00001" || cs.Status != models.StatusRegistered || cs.Version != 1 {
		t.Fatalf("got %s %s v%d", cs.CaseNumber, cs.Status, cs.Version)
	}
	got, err := f.s.Cases.Get(ctx, f.cw.Scope(), cs.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.FamilyName != "الزهراء" || got.GivenName != "فاطمة" || got.BirthDate.String() != "1995-04-12" ||
		got.Nationality != "GN" || got.Phone != "+212 6 12 34 56 78" || got.IDDocNumber != "R1234567" ||
		!got.ConsentShare || got.RequestReason != "lack_of_resources" || got.Office.Code != "RAB" ||
		got.AssignedTo == nil || got.AssignedTo.ID != f.cw.ID {
		t.Fatalf("stored case differs: %+v", got)
	}
	if len(got.Household) != 1 || got.Household[0].Name != "Mamadou Diallo" || got.Household[0].BirthDate.String() != "2019-06-01" {
		t.Fatalf("household: %+v", got.Household)
	}
	if len(got.VulnerabilityOf) != 1 || got.VulnerabilityOf[0].Code != "single_parent" {
		t.Fatalf("vulnerabilities: %+v", got.VulnerabilityOf)
	}
	if len(got.History) != 1 || got.History[0].To != models.StatusRegistered || got.History[0].User.ID != f.cw.ID {
		t.Fatalf("history: %+v", got.History)
	}
	evs := dbtest.AuditEvents(t)(f.s.Audit.List(ctx, models.AuditFilter{Action: "case.create"}))
	if len(evs) != 1 || !strings.Contains(evs[0].Fields, "family_name") || strings.Contains(evs[0].Fields, "فاطمة") {
		t.Fatalf("audit: %+v", evs)
	}
	inb := validInput()
	inb.Direction, inb.Nationality, inb.ReturnCountry, inb.FamilyName = "inbound", "MA", "", "Benali"
	cs2, err := f.s.Cases.Create(ctx, actorOf(f.cw), f.cw.Scope(), inb)
	if err != nil {
		t.Fatal(err)
	}
	if cs2.Status != models.StatusReturned || cs2.ReturnCountry != "MA" || cs2.CaseNumber != "RAB-2021-00002" {
		t.Fatalf("inbound: %s %s %s", cs2.Status, cs2.ReturnCountry, cs2.CaseNumber)
	}
}

func TestCaseValidation(t *testing.T) {
	today := models.NewDate(2021, 3, 1)
	cases := []struct {
		name  string
		edit  func(*models.CaseInput)
		field string
		key   string
	}{
		{"family name", func(in *models.CaseInput) { in.FamilyName = " " }, "family_name", "error.required"},
		{"given name", func(in *models.CaseInput) { in.GivenName = "" }, "given_name", "error.required"},
		{"direction", func(in *models.CaseInput) { in.Direction = "sideways" }, "direction", "error.choose_value"},
		{"sex", func(in *models.CaseInput) { in.Sex = "" }, "sex", "error.choose_value"},
		{"birth date not real", func(in *models.CaseInput) { in.BirthDate = "1995-02-30" }, "birth_date", "cases.error.date_invalid"},
		{"birth date future", func(in *models.CaseInput) { in.BirthDate = "2021-03-02" }, "birth_date", "cases.error.date_future"},
		{"birth date absurd", func(in *models.CaseInput) { in.BirthDate = "1850-01-01" }, "birth_date", "cases.error.date_too_old"},
		{"no birth nor age", func(in *models.CaseInput) { in.BirthDate = "" }, "birth_date", "cases.error.birth_or_age"},
		{"age range", func(in *models.CaseInput) { in.BirthDate, in.AgeEstimate = "", "121" }, "age_estimate", "cases.error.age_range"},
		{"age text", func(in *models.CaseInput) { in.BirthDate, in.AgeEstimate = "", "about 30" }, "age_estimate", "cases.error.age_range"},
		{"nationality", func(in *models.CaseInput) { in.Nationality = "XX" }, "nationality", "cases.error.country"},
		{"return country", func(in *models.CaseInput) { in.ReturnCountry = "" }, "return_country", "cases.error.country"},
		{"inbound elsewhere", func(in *models.CaseInput) { in.Direction = "inbound" }, "return_country", "cases.error.inbound_morocco"},
		{"phone", func(in *models.CaseInput) { in.Phone = "call me" }, "phone", "cases.error.phone"},
		{"consent", func(in *models.CaseInput) { in.ConsentDate = "" }, "consent_date", "error.required"},
		{"consent future", func(in *models.CaseInput) { in.ConsentDate = "2022-01-01" }, "consent_date", "cases.error.date_future"},
		{"vulnerability", func(in *models.CaseInput) { in.Vulnerabilities = []string{"rich"} }, "vulnerabilities", "error.choose_value"},
		{"reason", func(in *models.CaseInput) { in.RequestReason = "boredom" }, "request_reason", "error.choose_value"},
		{"household name", func(in *models.CaseInput) { in.Household[0].Name = "" }, "household[0].name", "error.required"},
		{"household sex", func(in *models.CaseInput) { in.Household[0].Sex = "Q" }, "household[0].sex", "error.choose_value"},
		{"household birth", func(in *models.CaseInput) { in.Household[0].BirthDate = "2019-13-01" }, "household[0].birth_date", "cases.error.date_invalid"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			in := validInput()
			tc.edit(&in)
			fe := in.ValidateAt(today)
			if fe[tc.field] != tc.key {
				t.Fatalf("errors %v, want %s=%s", fe, tc.field, tc.key)
			}
		})
	}
	in := validInput()
	in.FamilyName, in.GivenName = "O'Brien-Nʼdiaye", "Zoë"
	in.Household = append(in.Household, models.HouseholdInput{}, models.HouseholdInput{Name: "x", Remove: true})
	if fe := in.ValidateAt(today); len(fe) != 0 {
		t.Fatalf("valid input refused: %v", fe)
	}
	if in.FamilyName != "O'Brien-Nʼdiaye" || len(in.Members()) != 1 {
		t.Fatalf("names or rows changed: %q %d", in.FamilyName, len(in.Members()))
	}
}

func TestConcurrentRegistrationsNeverShareANumber(t *testing.T) {
	ctx := context.Background()
	f := newCaseFixture(t)
	const n = 40
	var wg sync.WaitGroup
	numbers := make(chan string, n)
	errs := make(chan error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			in := validInput()
			in.FamilyName = fmt.Sprintf("Person%c%c", 'a'+i%26, 'a'+i/26)
			in.ConfirmDifferent = true
			cs, err := f.s.Cases.Create(ctx, actorOf(f.cw), f.cw.Scope(), in)
			if err != nil {
				errs <- err
				return
			}
			numbers <- cs.CaseNumber
		}()
	}
	wg.Wait()
	close(numbers)
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for num := range numbers {
		if seen[num] {
			t.Fatalf("number %s given twice", num)
		}
		seen[num] = true
	}
	if len(seen) != n || !seen[fmt.Sprintf("RAB-2021-%05d", n)] {
		t.Fatalf("%d numbers, want %d up to %05d", len(seen), n, n)
	}
}

func TestDuplicatesAreFoundAcrossTransliterations(t *testing.T) {
	ctx := context.Background()
	f := newCaseFixture(t)
	in := validInput()
	in.FamilyName, in.GivenName = "Diallo", "Mohamed Ousmane"
	orig, err := f.s.Cases.Create(ctx, actorOf(f.cw), f.cw.Scope(), in)
	if err != nil {
		t.Fatal(err)
	}
	again := validInput()
	again.FamilyName, again.GivenName, again.BirthDate, again.Nationality = "Usman", "DIALLO Muhammad", "1995-12-01", "ML"
	_, err = f.s.Cases.Create(ctx, actorOf(f.cw), f.cw.Scope(), again)
	var de *models.DuplicatesError
	if !errors.As(err, &de) || len(de.Cases) != 1 || de.Cases[0].ID != orig.ID {
		t.Fatalf("got %v, want the original as a duplicate", err)
	}
	other := again
	other.BirthDate, other.Nationality = "1980-01-01", "ML"
	if _, err := f.s.Cases.Create(ctx, actorOf(f.cw), f.cw.Scope(), other); err != nil {
		t.Fatalf("different birth year and nationality is not a duplicate: %v", err)
	}
	// Out of scope: Oujda's caseworker sees no duplicate in Rabat.
	if d, _ := f.s.Cases.PossibleDuplicates(ctx, f.oudCW.Scope(), again); len(d) != 0 {
		t.Fatalf("duplicates leak across offices: %d", len(d))
	}
	again.ConfirmDifferent = true
	cs, err := f.s.Cases.Create(ctx, actorOf(f.cw), f.cw.Scope(), again)
	if err != nil || !cs.DuplicateChecked {
		t.Fatalf("confirmed different: %v %+v", err, cs)
	}
	evs := dbtest.AuditEvents(t)(f.s.Audit.List(ctx, models.AuditFilter{Action: "case.create", RecordID: fmt.Sprint(cs.ID)}))
	if len(evs) != 1 || evs[0].Details != "duplicate_checked" {
		t.Fatalf("audit of confirmation: %+v", evs)
	}
}

func TestListSearchesFiltersAndScopes(t *testing.T) {
	ctx := context.Background()
	f := newCaseFixture(t)
	mk := func(u *models.User, family, given, nat string, vulns ...string) *models.Case {
		in := validInput()
		in.FamilyName, in.GivenName, in.Nationality, in.ReturnCountry, in.Vulnerabilities = family, given, nat, nat, vulns
		in.ConfirmDifferent = true
		in.IDDocNumber, in.Phone = "", ""
		if family == "Coulibaly" {
			in.IDDocNumber, in.Phone = "X998877", "0612345678"
		}
		cs, err := f.s.Cases.Create(ctx, actorOf(u), u.Scope(), in)
		if err != nil {
			t.Fatal(err)
		}
		f.clock.Advance(time.Minute)
		return cs
	}
	a := mk(f.cw, "Coulibaly", "Aïcha", "ML", "pregnant")
	b := mk(f.cw, "الزهراء", "فاطمة", "SN")
	c := mk(f.oudCW, "Koné", "Aïcha", "CI")
	ids := func(list []models.Case) string {
		var s []string
		for _, x := range list {
			s = append(s, x.CaseNumber)
		}
		return strings.Join(s, ",")
	}
	tests := []struct {
		name  string
		scope models.Scope
		f     models.CaseFilter
		want  []*models.Case
	}{
		{"accent-less finds accented", f.sup.Scope(), models.CaseFilter{Q: "aicha"}, []*models.Case{c, a}},
		{"transliteration", f.sup.Scope(), models.CaseFilter{Q: "AISHA coulibaly"}, []*models.Case{a}},
		{"arabic", f.sup.Scope(), models.CaseFilter{Q: "فاطمه"}, []*models.Case{b}},
		{"case number", f.sup.Scope(), models.CaseFilter{Q: a.CaseNumber}, []*models.Case{a}},
		{"document", f.sup.Scope(), models.CaseFilter{Q: "x998877"}, []*models.Case{a}},
		{"phone", f.sup.Scope(), models.CaseFilter{Q: "06 12 34"}, []*models.Case{a}},
		{"scope", f.cw.Scope(), models.CaseFilter{Q: "aicha"}, []*models.Case{a}},
		{"office", f.sup.Scope(), models.CaseFilter{OfficeCode: "oud"}, []*models.Case{c}},
		{"nationality", f.sup.Scope(), models.CaseFilter{Nationality: "SN"}, []*models.Case{b}},
		{"vulnerability", f.sup.Scope(), models.CaseFilter{Vulnerability: "pregnant"}, []*models.Case{a}},
		{"status", f.sup.Scope(), models.CaseFilter{Status: "closed"}, nil},
		{"sorted by number", f.sup.Scope(), models.CaseFilter{Sort: "number"}, []*models.Case{c, a, b}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, total, err := f.s.Cases.List(ctx, tc.scope, tc.f)
			if err != nil {
				t.Fatal(err)
			}
			var want []models.Case
			for _, w := range tc.want {
				want = append(want, *w)
			}
			if ids(got) != ids(want) || total != int64(len(want)) {
				t.Fatalf("got %s (%d), want %s", ids(got), total, ids(want))
			}
		})
	}
	page2, total, _ := f.s.Cases.List(ctx, f.sup.Scope(), models.CaseFilter{PerPage: 2, Page: 2})
	if total != 3 || len(page2) != 1 || page2[0].ID != a.ID {
		t.Fatalf("page 2: %s of %d", ids(page2), total)
	}
	if _, err := f.s.Cases.Get(ctx, f.cw.Scope(), c.ID); !errors.Is(err, models.ErrNotFound) {
		t.Fatalf("other office's case: %v, want not found", err)
	}
}

func TestEveryTransitionByRole(t *testing.T) {
	ctx := context.Background()
	f := newCaseFixture(t)
	rabSup := dbtest.MustUser(t, f.s, "rabsup@example.org", models.RoleSupervisor, "RAB", "correct horse battery")
	travel := models.TransitionInput{DepartureDate: "2021-02-27", Escort: "none"}
	tests := []struct {
		from   models.CaseStatus
		to     string
		role   models.Role
		reason string
		ok     bool
	}{}
	for _, from := range models.CaseStatuses {
		for _, to := range append(append([]string{}, statusStrings()...), models.Reopen) {
			for _, role := range []models.Role{models.RoleCaseworker, models.RoleSupervisor} {
				_, inGraph := findT(from, models.CaseStatus(to))
				ok := inGraph
				if to == models.Reopen {
					ok = from == models.StatusClosed
				}
				if ok && role == models.RoleCaseworker && (to == "approved" || to == "closed" || to == models.Reopen) {
					ok = false
				}
				reason := ""
				if to == "closed" {
					reason = "withdrawn"
					if from == models.StatusReturned || from == models.StatusReintegration {
						reason = "reintegration_completed"
					}
				}
				tests = append(tests, struct {
					from   models.CaseStatus
					to     string
					role   models.Role
					reason string
					ok     bool
				}{from, to, role, reason, ok})
			}
		}
	}
	for _, tc := range tests {
		t.Run(fmt.Sprintf("%s to %s by %s", tc.from, tc.to, tc.role), func(t *testing.T) {
			cs := caseAt(t, f, rabSup, tc.from)
			u := f.cw
			if tc.role == models.RoleSupervisor {
				u = rabSup
			}
			in := travel
			in.To, in.Reason, in.Version, in.Note = tc.to, tc.reason, cs.Version, "because"
			_, err := f.s.Cases.Move(ctx, actorOf(u), u.Scope(), cs.ID, in)
			after, _ := f.s.Cases.Get(ctx, u.Scope(), cs.ID)
			if tc.ok {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				want := models.CaseStatus(tc.to)
				if tc.to == models.Reopen {
					want = models.StatusReintegration // the status before closure
				}
				if after.Status != want || after.History[len(after.History)-1].To != want || after.History[len(after.History)-1].Note != "because" {
					t.Fatalf("status %s, history %+v", after.Status, after.History[len(after.History)-1])
				}
				return
			}
			if _, refused := models.IsRefused(err); !refused {
				t.Fatalf("got %v, want a refusal", err)
			}
			if after.Status != tc.from || after.Version != cs.Version {
				t.Fatalf("refused move changed the case: %s v%d", after.Status, after.Version)
			}
		})
	}
}

func statusStrings() []string {
	var out []string
	for _, s := range models.CaseStatuses {
		out = append(out, string(s))
	}
	return out
}

func findT(from, to models.CaseStatus) (models.Transition, bool) {
	for _, t := range models.Transitions {
		if t.From == from && t.To == to {
			return t, true
		}
	}
	return models.Transition{}, false
}

// caseAt registers a case and moves it (as a supervisor) to the status.
func caseAt(t *testing.T, f *caseFixture, sup *models.User, status models.CaseStatus) *models.Case {
	t.Helper()
	ctx := context.Background()
	in := validInput()
	in.ConfirmDifferent = true
	cs, err := f.s.Cases.Create(ctx, actorOf(sup), sup.Scope(), in)
	if err != nil {
		t.Fatal(err)
	}
	path := []string{"counselled", "approved", "returned", "reintegration", "closed"}
	for _, to := range path {
		if cs.Status == status {
			break
		}
		mv := models.TransitionInput{To: to, Version: cs.Version, DepartureDate: "2021-02-27", Reason: "reintegration_completed"}
		if cs, err = f.s.Cases.Move(ctx, actorOf(sup), sup.Scope(), cs.ID, mv); err != nil {
			t.Fatalf("move to %s: %v", to, err)
		}
	}
	return cs
}

func TestTransitionRules(t *testing.T) {
	ctx := context.Background()
	f := newCaseFixture(t)
	rabSup := dbtest.MustUser(t, f.s, "rabsup@example.org", models.RoleSupervisor, "RAB", "correct horse battery")
	cs := caseAt(t, f, rabSup, models.StatusApproved)
	_, err := f.s.Cases.Move(ctx, actorOf(f.cw), f.cw.Scope(), cs.ID, models.TransitionInput{To: "returned", Version: cs.Version})
	if fe, ok := models.AsValidation(err); !ok || fe["departure_date"] != "error.required" {
		t.Fatalf("returned without departure: %v", err)
	}
	_, err = f.s.Cases.Move(ctx, actorOf(rabSup), rabSup.Scope(), cs.ID, models.TransitionInput{To: "closed", Reason: "reintegration_completed", Version: cs.Version})
	if fe, ok := models.AsValidation(err); !ok || fe["reason"] != "cases.error.closure_reason" {
		t.Fatalf("closing before return as completed: %v", err)
	}
	_, err = f.s.Cases.Move(ctx, actorOf(f.cw), f.cw.Scope(), cs.ID, models.TransitionInput{To: "returned", DepartureDate: "2021-02-27", Version: cs.Version - 1})
	if !errors.Is(err, models.ErrConflict) {
		t.Fatalf("stale version: %v", err)
	}
	moved, err := f.s.Cases.Move(ctx, actorOf(f.cw), f.cw.Scope(), cs.ID, models.TransitionInput{
		To: "returned", DepartureDate: "2021-02-27", ArrivalDate: "2021-02-28", TravelRoute: "CMN-CKY", Escort: "medical_escort", ReceivedBy: "Mission Conakry", Version: cs.Version})
	if err != nil {
		t.Fatal(err)
	}
	got, _ := f.s.Cases.Get(ctx, f.cw.Scope(), moved.ID)
	if got.DepartureDate.String() != "2021-02-27" || got.Escort != "medical_escort" || got.ReceivedBy != "Mission Conakry" {
		t.Fatalf("travel not stored: %+v", got)
	}
	closed := caseAt(t, f, rabSup, models.StatusClosed)
	_, err = f.s.Cases.Update(ctx, actorOf(f.cw), f.cw.Scope(), closed.ID, closed.Version, validInput())
	if !errors.Is(err, models.ErrCaseClosed) {
		t.Fatalf("edit of a closed case: %v", err)
	}
	_, err = f.s.Cases.Move(ctx, actorOf(rabSup), rabSup.Scope(), closed.ID, models.TransitionInput{To: models.Reopen, Version: closed.Version})
	if fe, ok := models.AsValidation(err); !ok || fe["note"] == "" {
		t.Fatalf("reopen without reason: %v", err)
	}
	re, err := f.s.Cases.Move(ctx, actorOf(rabSup), rabSup.Scope(), closed.ID, models.TransitionInput{To: models.Reopen, Note: "Contact found again", Version: closed.Version})
	if err != nil || re.Status != models.StatusReintegration {
		t.Fatalf("reopen: %v %v", err, re)
	}
}

func TestEditConflictKeepsTheFirstEdit(t *testing.T) {
	ctx := context.Background()
	f := newCaseFixture(t)
	cs, err := f.s.Cases.Create(ctx, actorOf(f.cw), f.cw.Scope(), validInput())
	if err != nil {
		t.Fatal(err)
	}
	first := validInput()
	first.Phone = "0600000001"
	if _, err := f.s.Cases.Update(ctx, actorOf(f.cw), f.cw.Scope(), cs.ID, 1, first); err != nil {
		t.Fatal(err)
	}
	second := validInput()
	second.Notes = "second"
	_, err = f.s.Cases.Update(ctx, actorOf(f.cw2), f.cw2.Scope(), cs.ID, 1, second)
	var ce *models.ConflictError
	if !errors.As(err, &ce) || !errors.Is(err, models.ErrConflict) || strings.Join(ce.Changed, ",") != "phone" || ce.Current.Version != 2 {
		t.Fatalf("second edit: %v %+v", err, ce)
	}
	got, _ := f.s.Cases.Get(ctx, f.cw.Scope(), cs.ID)
	if got.Phone != "0600000001" || got.Notes != "Came with her son." {
		t.Fatalf("first edit lost: %q %q", got.Phone, got.Notes)
	}
	if _, err := f.s.Cases.Update(ctx, actorOf(f.cw2), f.cw2.Scope(), cs.ID, 2, second); err != nil {
		t.Fatalf("re-applied edit: %v", err)
	}
	evs := dbtest.AuditEvents(t)(f.s.Audit.List(ctx, models.AuditFilter{Action: "case.update"}))
	if len(evs) != 2 || evs[0].Fields != "phone,notes" && evs[0].Fields != "notes" {
		t.Fatalf("audit: %+v", evs)
	}
	if _, err := f.s.Cases.Update(ctx, actorOf(f.oudCW), f.oudCW.Scope(), cs.ID, 3, second); !errors.Is(err, models.ErrNotFound) {
		t.Fatalf("other office edit: %v", err)
	}
}

func TestReassignIsAudited(t *testing.T) {
	ctx := context.Background()
	f := newCaseFixture(t)
	var ids []uint
	for range 3 {
		in := validInput()
		in.AssignedToID, in.ConfirmDifferent = f.cw.ID, true
		cs, err := f.s.Cases.Create(ctx, actorOf(f.cw), f.cw.Scope(), in)
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, cs.ID)
	}
	n, err := f.s.Cases.Reassign(ctx, actorOf(f.sup), f.sup.Scope(), models.ReassignInput{FromUser: f.cw.ID, ToUser: f.cw2.ID, Reason: "Leaving"})
	if err != nil || n != 3 {
		t.Fatalf("reassign: %d %v", n, err)
	}
	list, _, _ := f.s.Cases.List(ctx, f.sup.Scope(), models.CaseFilter{AssignedTo: f.cw2.ID})
	if len(list) != 3 {
		t.Fatalf("%d cases now with cw2", len(list))
	}
	evs := dbtest.AuditEvents(t)(f.s.Audit.List(ctx, models.AuditFilter{Action: "case.reassign"}))
	if len(evs) != 3 || evs[0].Fields != "assigned_to" || evs[0].UserID == nil || *evs[0].UserID != f.sup.ID {
		t.Fatalf("audit: %+v", evs)
	}
	_, err = f.s.Cases.Reassign(ctx, actorOf(f.sup), f.sup.Scope(), models.ReassignInput{CaseIDs: ids[:1], ToUser: f.oudCW.ID, Reason: "x"})
	if fe, ok := models.AsValidation(err); !ok || fe["to_user"] != "cases.error.reassign_office" {
		t.Fatalf("to another office: %v", err)
	}
	_, err = f.s.Cases.Reassign(ctx, actorOf(f.oudCW), f.oudCW.Scope(), models.ReassignInput{CaseIDs: ids[:1], ToUser: f.oudCW.ID, Reason: "x"})
	if !errors.Is(err, models.ErrNotFound) {
		t.Fatalf("out of scope: %v", err)
	}
}

// The case file's query joins the office and the assignee: an unassigned case still has
// no assignee (not an empty one), and the list shows the office code and assignee name.
func TestGetAndListJoinOfficeAndAssignee(t *testing.T) {
	ctx := context.Background()
	f := newCaseFixture(t)
	in := validInput()
	cs, err := f.s.Cases.Create(ctx, actorOf(f.cw), f.cw.Scope(), in)
	if err != nil {
		t.Fatal(err)
	}
	got, err := f.s.Cases.Get(ctx, f.cw.Scope(), cs.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.AssignedTo != nil || got.AssignedToID != nil || got.Office == nil || got.Office.Code != "RAB" {
		t.Fatalf("unassigned case: assignee %+v, office %+v", got.AssignedTo, got.Office)
	}
	in.AssignedToID = f.cw.ID
	if _, err := f.s.Cases.Create(ctx, actorOf(f.cw), f.cw.Scope(), in); err == nil {
		t.Fatal("want the duplicate warning")
	}
	in.ConfirmDifferent = true
	if _, err := f.s.Cases.Create(ctx, actorOf(f.cw), f.cw.Scope(), in); err != nil {
		t.Fatal(err)
	}
	list, total, err := f.s.Cases.List(ctx, f.cw.Scope(), models.CaseFilter{Sort: "created"})
	if err != nil {
		t.Fatal(err)
	}
	if total != 2 || len(list) != 2 || list[0].AssignedTo != nil || list[0].Office.Code != "RAB" ||
		list[1].AssignedTo == nil || list[1].AssignedTo.Name != f.cw.Name || list[1].Office.Code != "RAB" {
		t.Fatalf("list: %d %+v", total, list)
	}
}
