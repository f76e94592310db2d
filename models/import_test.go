package models_test

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"awda/models"
	"awda/models/dbtest"
)

var importStart = time.Date(2021, 3, 1, 9, 0, 0, 0, time.UTC)

type importFixture struct {
	s     *models.Stores
	admin *models.User
	cw    *models.User
	rab   *models.Office
}

func newImportFixture(t testing.TB) *importFixture {
	t.Helper()
	s := dbtest.Stores(t, dbtest.NewClock(importStart))
	f := &importFixture{s: s}
	f.rab = dbtest.MustOffice(t, s, "RAB", "Rabat")
	dbtest.MustOffice(t, s, "OUJ", "Oujda")
	f.admin = dbtest.MustUser(t, s, "admin@example.org", models.RoleAdmin, "", "a long test passphrase")
	f.cw = dbtest.MustUser(t, s, "cw@example.org", models.RoleCaseworker, "RAB", "a long test passphrase")
	return f
}

// frenchFile is cases.csv as a French spreadsheet program saves it: BOM, semicolons,
// CRLF, dates rewritten as DD/MM/YYYY, VRAI for true, a quoted cell holding the separator.
const frenchFile = "\uFEFFcase_number;office;direction;family_name;given_name;sex;birth_date;age_estimate;age_band;" +
	"nationality;return_country;phone;languages;id_doc_type;id_doc_number;vulnerabilities;household;consent_date;" +
	"consent_share;request_date;request_reason;status;departure_date;arrival_date;travel_route;escort;received_by;" +
	"closure_reason;assigned_to;notes;registered_on\r\n" +
	"RAB-2019-00007;RAB;outbound;Ndiaye;Aïssatou Éloïse;F;14/07/1985;;35-44;SN;SN;'+221771234567;wolof;passport;A123;" +
	"single_parent;\"Moussa|child|M|2015-01-01;Awa|child|F|\";2021-02-01;VRAI;2021-02-02;family;;;;;;;;cw@example.org;" +
	"\"Suivi; rappeler\";2019-05-06\r\n" +
	";;inbound;العلوي;فاطمة الزهراء;F;;34;25-34;MA;MA;;arabe;;;;;01/02/2021;faux;;;returned;2021-02-10;2021-02-11;" +
	"Tripoli-Casablanca;escort;OIM Casablanca;;;;\r\n"

func TestImportFrenchSpreadsheetFile(t *testing.T) {
	f := newImportFixture(t)
	ctx := context.Background()
	data := []byte(frenchFile)
	res, err := f.s.Imports.DryRun(ctx, models.Scope{}, data, "OUJ")
	if err != nil {
		t.Fatal(err)
	}
	if !res.OK() || res.Rows != 2 {
		t.Fatalf("dry run: %+v", res)
	}
	var n int64
	f.s.DB.Read.Model(&models.Case{}).Count(&n)
	if n != 0 {
		t.Fatalf("the dry run wrote %d cases", n)
	}
	res, err = f.s.Imports.Import(ctx, actorOf(f.admin), data, "OUJ", res.Hash)
	if err != nil {
		t.Fatal(err)
	}
	if res.Imported != 2 || res.First != "RAB-2019-00001" || res.Last != "OUJ-2021-00001" {
		t.Fatalf("import: %+v", res)
	}
	var cases []models.Case
	f.s.DB.Read.Preload("Household", func(db *gorm.DB) *gorm.DB { return db.Order("id") }).Preload("VulnerabilityOf").
		Preload("History").Order("id").Find(&cases)
	a, b := cases[0], cases[1]
	if a.CaseNumber != "RAB-2019-00001" || a.GivenName != "Aïssatou Éloïse" || a.BirthDate.String() != "1985-07-14" ||
		a.Phone != "+221771234567" || !a.ConsentShare || a.Notes != "Suivi; rappeler" || a.Status != models.StatusRegistered ||
		a.AssignedToID == nil || *a.AssignedToID != f.cw.ID || a.CreatedAt.Format("2006-01-02") != "2019-05-06" ||
		a.NameKey != models.NameKey("Ndiaye", "Aïssatou Éloïse") {
		t.Errorf("first case: %+v", a)
	}
	if len(a.Household) != 2 || a.Household[0].Name != "Moussa" || a.Household[1].BirthDate.String() != "" ||
		len(a.VulnerabilityOf) != 1 || a.VulnerabilityOf[0].Code != "single_parent" {
		t.Errorf("household %+v, vulnerabilities %+v", a.Household, a.VulnerabilityOf)
	}
	if b.CaseNumber != "OUJ-2021-00001" || b.FamilyName != "العلوي" || b.GivenName != "فاطمة الزهراء" ||
		b.AgeEstimate == nil || *b.AgeEstimate != 34 || b.Status != models.StatusReturned ||
		b.DepartureDate.String() != "2021-02-10" || b.Escort != "escort" || b.ReceivedBy != "OIM Casablanca" {
		t.Errorf("second case: %+v", b)
	}
	if len(b.History) != 1 || b.History[0].Reason != "imported" || b.History[0].UserID != f.admin.ID {
		t.Errorf("history %+v", b.History)
	}
	// Numbers come from the counters, as in registration: the next registration follows.
	var last int
	f.s.DB.Read.Raw("SELECT last FROM case_counters WHERE office_id = ? AND year = 2019", f.rab.ID).Scan(&last)
	if last != 1 {
		t.Errorf("counter %d", last)
	}
	var evs []models.AuditEvent
	f.s.DB.Read.Where("action IN ?", []string{"import.cases", "case.create"}).Order("id").Find(&evs)
	if len(evs) != 3 || evs[2].Action != "import.cases" || !strings.Contains(evs[2].Details, "rows=2 sha256="+res.Hash) {
		t.Fatalf("audit %+v", evs)
	}
	for _, ev := range evs {
		if strings.Contains(ev.Details+ev.Fields, "Ndiaye") || strings.Contains(ev.Details+ev.Fields, "العلوي") {
			t.Errorf("personal data in the audit log: %+v", ev)
		}
	}
}

func TestImportDryRunListsErrorsByRowAndColumn(t *testing.T) {
	f := newImportFixture(t)
	file := "office,direction,family_name,given_name,sex,birth_date,nationality,return_country,consent_date,status,closure_reason,assigned_to\n" +
		"RAB,outbound,Diallo,Ali,M,1990-01-01,GN,GN,2021-01-01,,,\n" +
		"RAB,outbound,Diallo,Awa,Z,1990-02-30,GN,GN,2021-01-01,,,\n" +
		"XYZ,outbound,,Sara,F,1990-01-01,GN,GN,2022-01-01,closed,,nobody@example.org\n" +
		"RAB,inbound,Alaoui,Omar,M,1990-01-01,MA,MA,2021-01-01,registered,withdrawn,\n" +
		"RAB,outbound,Too,Few\n"
	res, err := f.s.Imports.DryRun(context.Background(), models.Scope{}, []byte(file), "")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range res.Errors {
		got = append(got, fmt.Sprintf("%d %s %s", e.Row, e.Column, e.Key))
	}
	want := []string{
		"3 sex error.choose_value",
		"3 birth_date cases.error.date_invalid",
		"4 office error.office_unknown",
		"4 family_name error.required",
		"4 consent_date cases.error.date_future",
		"4 closure_reason cases.error.closure_reason",
		"4 assigned_to cases.error.assignee",
		"5 status admin.import.error.inbound_status",
		"5 closure_reason admin.import.error.closure_open",
		"6  admin.import.error.field_count",
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Fatalf("errors:\n got %q\nwant %q", got, want)
	}
	if res.OK() || res.Rows != 5 || res.ErrorCount != len(want) {
		t.Errorf("result %+v", res)
	}
}

func TestImportWithOneBadRowImportsNothing(t *testing.T) {
	f := newImportFixture(t)
	ctx := context.Background()
	var b strings.Builder
	b.WriteString("office,direction,family_name,given_name,sex,birth_date,nationality,return_country,consent_date\n")
	for i := range 50 {
		birth := fmt.Sprintf("19%02d-01-01", 50+i)
		if i == 37 {
			birth = "demain"
		}
		fmt.Fprintf(&b, "RAB,outbound,Nom%d,Prénom,F,%s,SN,SN,2021-01-01\n", i, birth)
	}
	data := []byte(b.String())
	res, err := f.s.Imports.Import(ctx, actorOf(f.admin), data, "", models.FileHash(data))
	if err != nil {
		t.Fatal(err)
	}
	if res.Imported != 0 || res.ErrorCount != 1 || res.Errors[0].Row != 39 || res.Errors[0].Column != "birth_date" {
		t.Fatalf("result %+v", res)
	}
	var n, counters, events int64
	f.s.DB.Read.Model(&models.Case{}).Count(&n)
	f.s.DB.Read.Model(&models.CaseCounter{}).Count(&counters)
	f.s.DB.Read.Model(&models.AuditEvent{}).Where("action IN ?", []string{"case.create", "import.cases"}).Count(&events)
	if n+counters+events != 0 {
		t.Fatalf("a refused file left %d cases, %d counters, %d events", n, counters, events)
	}
	// A clean file that is not the one of the dry run (another hash) is refused too.
	clean := []byte(strings.Replace(b.String(), "demain", "1990-01-01", 1))
	res, err = f.s.Imports.Import(ctx, actorOf(f.admin), clean, "", models.FileHash(data))
	if err != nil {
		t.Fatal(err)
	}
	if res.Imported != 0 || res.FileError != "admin.import.error.hash_mismatch" {
		t.Fatalf("hash mismatch: %+v", res)
	}
	res, err = f.s.Imports.Import(ctx, actorOf(f.admin), clean, "", models.FileHash(clean))
	if err != nil || res.Imported != 50 {
		t.Fatalf("clean file: %+v %v", res, err)
	}
}

func TestImportRefusesFilesThatAreNotCasesCSV(t *testing.T) {
	f := newImportFixture(t)
	head := "office,direction,family_name,given_name,sex,birth_date,nationality,return_country,consent_date"
	for _, tc := range []struct{ name, file, key, arg string }{
		{"empty", "\uFEFF\r\n", "admin.import.error.empty", ""},
		{"xlsx", "PK\x03\x04\x14\x00\x06\x00", "admin.import.error.spreadsheet", ""},
		{"binary", "\x7fELF\x02\x01\x01\x00\x00", "admin.import.error.not_csv", ""},
		{"latin1", head + "\nRAB,outbound,Ren\xe9,Z,F,1990-01-01,FR,FR,2021-01-01\n", "admin.import.error.not_utf8", ""},
		{"other csv", "name,amount\nx,1\n", "admin.import.error.not_cases", ""},
		{"unknown column", head + ",shoe_size,colour\n", "admin.import.error.unknown_columns", "shoe_size, colour"},
		{"missing", "office,family_name,given_name\nRAB,A,B\n", "admin.import.error.missing_columns", "direction, sex, nationality, return_country, consent_date, birth_date"},
		{"twice", head + ",sex\n", "admin.import.error.duplicate_columns", "sex"},
		{"header only", head + "\r\n", "admin.import.error.no_rows", ""},
		{"bad quote", head + "\nRAB,outbound,\"Ali,B,F,1990-01-01,FR,2021-01-01\n", "admin.import.error.syntax", "2"},
		{"no office", "direction,family_name,given_name,sex,birth_date,nationality,return_country,consent_date\ninbound,A,B,F,1990-01-01,MA,MA,2021-01-01\n", "admin.import.error.missing_columns", "office"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := f.s.Imports.DryRun(context.Background(), models.Scope{}, []byte(tc.file), "")
			if err != nil {
				t.Fatal(err)
			}
			if res.FileError != tc.key || res.FileArg != tc.arg || res.OK() {
				t.Fatalf("got %q %q, want %q %q", res.FileError, res.FileArg, tc.key, tc.arg)
			}
		})
	}
}

func TestImportFlagsDuplicatesAsWarnings(t *testing.T) {
	f := newImportFixture(t)
	ctx := context.Background()
	sc := models.Scope{}
	existing, err := f.s.Cases.Create(ctx, actorOf(f.cw), sc, models.CaseInput{Direction: "outbound", FamilyName: "Traoré",
		GivenName: "Moussa", Sex: "M", BirthDate: "1990-05-05", Nationality: "ML", ReturnCountry: "ML", ConsentDate: "2021-01-01", OfficeID: f.rab.ID})
	if err != nil {
		t.Fatal(err)
	}
	file := "office,direction,family_name,given_name,sex,birth_date,nationality,return_country,consent_date\n" +
		"RAB,outbound,MOUSSA,traore,M,1990-01-01,SN,SN,2021-01-01\n" + // same name (any order, accents) and birth year
		"RAB,outbound,Kane,Awa,F,1991-01-01,SN,SN,2021-01-01\n" +
		"RAB,outbound,Kane,Awa,F,1985-01-01,SN,SN,2021-01-01\n" + // same name and nationality as row 3
		"RAB,outbound,Kane,Awa,F,1970-01-01,GN,GN,2021-01-01\n" // same name, other year and nationality
	res, err := f.s.Imports.DryRun(ctx, models.Scope{}, []byte(file), "")
	if err != nil {
		t.Fatal(err)
	}
	if !res.OK() || res.DuplicateCount != 2 {
		t.Fatalf("result %+v", res)
	}
	if d := res.Duplicates[0]; d.Row != 2 || d.OtherCase != existing.CaseNumber {
		t.Errorf("first duplicate %+v", d)
	}
	if d := res.Duplicates[1]; d.Row != 4 || d.OtherRow != 3 {
		t.Errorf("second duplicate %+v", d)
	}
	res, err = f.s.Imports.Import(ctx, actorOf(f.admin), []byte(file), "", res.Hash)
	if err != nil || res.Imported != 4 {
		t.Fatalf("duplicates must not stop the import: %+v %v", res, err)
	}
}

// TestImport50000Rows measures the import of 50,000 rows (AWDA_IMPORT_BENCH=1).
func TestImport50000Rows(t *testing.T) {
	if os.Getenv("AWDA_IMPORT_BENCH") == "" {
		t.Skip("set AWDA_IMPORT_BENCH=1 to measure the import of 50,000 rows")
	}
	f := newImportFixture(t)
	ctx := context.Background()
	var b strings.Builder
	b.WriteString("office,direction,family_name,given_name,sex,birth_date,nationality,return_country,consent_date,vulnerabilities,household,phone\n")
	n := 50000
	if s := os.Getenv("AWDA_IMPORT_ROWS"); s != "" {
		n, _ = strconv.Atoi(s)
	}
	for i := range n {
		fmt.Fprintf(&b, "%s,outbound,Nom%d,Prénom %d,F,19%02d-%02d-%02d,SN,SN,2021-01-01,single_parent,Enfant %d|child|M|2015-01-01,+22177%07d\n",
			[]string{"RAB", "OUJ"}[i%2], i, i, 50+i%50, 1+i%12, 1+i%28, i, i)
	}
	data := []byte(b.String())
	start := time.Now()
	res, err := f.s.Imports.DryRun(ctx, models.Scope{}, data, "")
	if err != nil || !res.OK() {
		t.Fatalf("%+v %v", res, err)
	}
	dry := time.Since(start)
	start = time.Now()
	res, err = f.s.Imports.Import(ctx, actorOf(f.admin), data, "", res.Hash)
	if err != nil || res.Imported != n {
		t.Fatalf("%+v %v", res, err)
	}
	imp := time.Since(start)
	t.Logf("%s: %d rows, %.1f MB: dry run %v (%.0f rows/s), import %v (%.0f rows/s)", dbtest.Backend(), n,
		float64(len(data))/1e6, dry.Round(time.Millisecond), float64(n)/dry.Seconds(), imp.Round(time.Millisecond), float64(n)/imp.Seconds())
}
