package handlers

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"awda/models"
	"awda/models/dbtest"
	"awda/views"
)

// goldenHeaders are the export contracts (README "CSV exports"): a change here breaks
// every spreadsheet and import built on them.
var goldenHeaders = map[string]string{
	"cases": "case_number,office,direction,family_name,given_name,sex,birth_date,age_estimate,age_band,nationality," +
		"return_country,phone,languages,id_doc_type,id_doc_number,vulnerabilities,household,consent_date,consent_share," +
		"request_date,request_reason,status,departure_date,arrival_date,travel_route,escort,received_by,closure_reason," +
		"assigned_to,notes,registered_on,document_count",
	"support": "case_number,office,direction,nationality,sex,age_band,family_name,given_name,type,description,amount," +
		"currency,date,funded_by_office,status,delivered_on,cancel_reason",
	"activities": "case_number,office,direction,nationality,sex,age_band,family_name,given_name,kind,mode,date,note",
	"referrals": "case_number,office,direction,nationality,sex,age_band,family_name,given_name,partner,partner_name," +
		"purpose,date_sent,status,outcome,satisfaction,reason",
	"sessions": "session_id,session_office,session_kind,session_title,session_date,place,facilitator,case_number,office," +
		"direction,nationality,sex,age_band,family_name,given_name",
}

// exportData registers cases with risky and non-Latin names, and one record of each kind.
func exportData(t *testing.T, app *testApp) {
	t.Helper()
	rab := app.office("RAB")
	cw := app.user("cw@example.org", models.RoleCaseworker, "RAB")
	d := func(s string) models.Date { x, _ := models.ParseDate(s); return x }
	people := []dbtest.Person{
		{CaseNumber: "RAB-2021-00001", Family: "العلوي", Given: "فاطمة الزهراء", Birth: "1985-07-14", Phone: "+212661234567", DocNumber: "MA998877"},
		{CaseNumber: "RAB-2021-00002", Family: "Ñúñez-Çelik", Given: "Zoé Åsa", Birth: "2009-02-28", Phone: "0612345678", DocNumber: "X1234567", Sex: "M"},
	}
	for i, first := range []string{"=", "+", "-", "@", "\t", "\r"} {
		people = append(people, dbtest.Person{CaseNumber: "RAB-2021-0010" + string(rune('0'+i)), Family: first + "HYPERLINK(\"http://x\")", Given: "Risk"})
	}
	var ids []uint
	for _, p := range people {
		ids = append(ids, dbtest.MustCase(t, app.stores, rab.ID, cw.ID, p).ID)
	}
	g := &models.GroupSession{OfficeID: rab.ID, Kind: models.TrainingSession, Title: "Entrepreneuriat", Date: d("2021-03-20"), CreatedByID: cw.ID}
	dbtest.MustInsert(t, app.stores, g,
		&models.Support{CaseID: ids[0], Type: models.MicroProject, Amount: 1500000, Currency: "MAD", Date: d("2021-03-10"), FundedByOffice: true, Status: models.SupportDelivered, PlannedByID: cw.ID, Version: 1},
		&models.Support{CaseID: ids[1], Type: models.Cash, Amount: 25000, Currency: "XOF", Date: d("2021-04-10"), Status: models.SupportPlanned, PlannedByID: cw.ID, Version: 1},
		&models.Activity{CaseID: ids[0], Kind: "monitoring", Mode: "phone", Date: d("2021-03-05"), Note: "-1 call", CreatedByID: cw.ID},
		&models.Referral{CaseID: ids[1], Partner: "OFPPT", Purpose: "formation", DateSent: d("2021-03-02"), Status: models.ReferralCompleted, CreatedByID: cw.ID, Version: 1},
		&models.HouseholdMember{CaseID: ids[0], Name: "يوسف", Relation: "son", Sex: "M", BirthDate: d("2015-01-01")},
	)
	dbtest.MustInsert(t, app.stores, &models.Attendance{SessionID: g.ID, CaseID: ids[0], AddedByID: cw.ID},
		&models.Attendance{SessionID: g.ID, CaseID: ids[1], AddedByID: cw.ID})
}

func TestEveryExportHasItsGoldenHeaderBOMAndFilename(t *testing.T) {
	app := newTestApp(t)
	exportData(t, app)
	admin, _ := app.signedIn("admin@example.org", models.RoleAdmin, "")
	want := map[string]int{"cases": 8, "support": 2, "activities": 1, "referrals": 1, "sessions": 2}
	for _, kind := range models.ExportKinds {
		p := admin.get(views.ExportPath(kind+".csv", nil))
		rows := readCSV(t, p)
		if got := strings.Join(rows[0], ","); got != goldenHeaders[kind] {
			t.Errorf("%s header:\n got %s\nwant %s", kind, got, goldenHeaders[kind])
		}
		if len(rows)-1 != want[kind] {
			t.Errorf("%s: %d rows, want %d", kind, len(rows)-1, want[kind])
		}
		if ct := p.Header.Get("Content-Type"); ct != "text/csv; charset=utf-8" {
			t.Errorf("%s content type %q", kind, ct)
		}
		if cd := p.Header.Get("Content-Disposition"); cd != `attachment; filename="awda-`+kind+`-2021-03-01.csv"` {
			t.Errorf("%s disposition %q", kind, cd)
		}
	}
	sup := readCSV(t, admin.get(views.ExportPath("support.csv", nil)))
	if got := strings.Join(sup[1][8:15], ","); got != "micro_project,,15000.00,MAD,2021-03-10,true,delivered" {
		t.Errorf("support amounts: %s", got)
	}
	if got := strings.Join(sup[2][10:12], ","); got != "25000,XOF" {
		t.Errorf("support in XOF: %s", got)
	}
	act := readCSV(t, admin.get(views.ExportPath("activities.csv", nil)))
	if act[1][11] != "'-1 call" {
		t.Errorf("activity note %q, want neutralised", act[1][11])
	}
}

func TestExportNeutralisesFormulasAndKeepsNamesByteForByte(t *testing.T) {
	app := newTestApp(t)
	exportData(t, app)
	admin, _ := app.signedIn("admin@example.org", models.RoleAdmin, "")
	p := admin.get(views.ExportPath("cases.csv", nil))
	rows := readCSV(t, p)
	byNumber := map[string][]string{}
	for _, r := range rows[1:] {
		byNumber[r[0]] = r
	}
	for i, first := range []string{"=", "+", "-", "@", "\t", "\r"} {
		r := byNumber["RAB-2021-0010"+string(rune('0'+i))]
		if want := "'" + first + "HYPERLINK(\"http://x\")"; r[3] != want {
			t.Errorf("name starting with %q exported as %q, want %q", first, r[3], want)
		}
	}
	a, b := byNumber["RAB-2021-00001"], byNumber["RAB-2021-00002"]
	if a[3] != "العلوي" || a[4] != "فاطمة الزهراء" || b[3] != "Ñúñez-Çelik" || b[4] != "Zoé Åsa" {
		t.Fatalf("names changed: %q %q / %q %q", a[3], a[4], b[3], b[4])
	}
	for _, raw := range []string{"العلوي", "فاطمة الزهراء", "Ñúñez-Çelik", "Zoé Åsa", "يوسف|son|M|2015-01-01"} {
		if !strings.Contains(p.Body, raw) {
			t.Errorf("the file's bytes lack %q", raw)
		}
	}
	if a[11] != "'+212661234567" || a[6] != "1985-07-14" || a[8] != "35-44" || a[19] != "2021-03-01" {
		t.Errorf("phone, dates or age band: %q", a)
	}
}

func TestPseudonymisedExportsContainNoPersonalData(t *testing.T) {
	app := newTestApp(t)
	exportData(t, app)
	admin, _ := app.signedIn("admin@example.org", models.RoleAdmin, "")
	secrets := []string{"العلوي", "فاطمة", "Ñúñez", "Zoé", "Risk", "HYPERLINK", "يوسف", "661234567", "0612345678",
		"MA998877", "X1234567", "1985-07-14", "2009-02-28", "2015-01-01"}
	for _, kind := range models.ExportKinds {
		p := admin.get(views.ExportPath(kind+".csv", url.Values{"pseudonymise": {"1"}}))
		rows := readCSV(t, p)
		if len(rows) < 2 {
			t.Fatalf("%s: no rows", kind)
		}
		for _, sec := range secrets {
			if strings.Contains(p.Body, sec) {
				t.Errorf("pseudonymised %s holds %q", kind, sec)
			}
		}
		if !strings.Contains(p.Body, "RAB-2021-0000") {
			t.Errorf("pseudonymised %s lacks case numbers", kind)
		}
		if cd := p.Header.Get("Content-Disposition"); !strings.Contains(cd, "awda-"+kind+"-pseudonymised-2021-03-01.csv") {
			t.Errorf("%s disposition %q", kind, cd)
		}
	}
	rows := readCSV(t, admin.get(views.ExportPath("cases.csv", url.Values{"pseudonymise": {"1"}})))
	if rows[1][8] != "35-44" || rows[2][8] != "0-17" || rows[1][16] != "|son|M|0-17" {
		t.Fatalf("age bands: %q %q %q", rows[1][8], rows[2][8], rows[1][16])
	}
}

func TestExportFiltersAreAppliedAndAudited(t *testing.T) {
	app := newTestApp(t)
	exportData(t, app)
	admin, me := app.signedIn("admin@example.org", models.RoleAdmin, "")
	q := url.Values{"from": {"2021-03-01"}, "to": {"2021-12-31"}, "office": {"RAB"}, "direction": {"outbound"},
		"nationality": {"sn"}, "sex": {"M"}, "pseudonymise": {"1"}}
	rows := readCSV(t, admin.get(views.ExportPath("cases.csv", q)))
	if len(rows) != 2 || rows[1][0] != "RAB-2021-00002" {
		t.Fatalf("filtered cases: %q", rows)
	}
	evs := dbtest.AuditEvents(t)(app.stores.Audit.List(t.Context(), models.AuditFilter{Action: "export.cases", UserID: &me.ID}))
	want := "from=2021-03-01 to=2021-12-31 office=RAB direction=outbound nationality=SN sex=M pseudonymise=true rows=1"
	if len(evs) != 1 || evs[0].Details != want || evs[0].RecordType != "export" {
		t.Fatalf("audit event: %+v\nwant details %q", evs, want)
	}
	bad := admin.get(views.ExportPath("cases.csv", url.Values{"from": {"2021-02-30"}, "sex": {"Q"}}))
	wantStatus(t, bad, http.StatusUnprocessableEntity)
	if !bad.has(`[data-testid="from-error"]`) || !bad.has(`[data-testid="sex-error"]`) {
		t.Fatal("invalid filters: no errors beside the fields")
	}
	if v, _ := bad.Doc.Find(`#field-from`).Attr("value"); v != "2021-02-30" {
		t.Fatalf("typed filter kept as %q", v)
	}
	page := admin.get(views.PathAdminExports)
	wantStatus(t, page, http.StatusOK)
	if !page.has(`[data-testid="export-sessions"]`) || !page.has(`[data-testid="recent-exports"]`) {
		t.Fatal("export page lacks its buttons or its recent exports")
	}
}
