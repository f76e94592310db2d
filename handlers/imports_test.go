package handlers

import (
	"bytes"
	"context"
	"encoding/csv"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"

	"awda/models"
	"awda/views"
)

// upload sends a multipart form with a file and the CSRF token of the last page.
func (c *client) upload(path string, fields map[string]string, file []byte) *page {
	c.t.Helper()
	if c.csrf == "" {
		c.get(views.PathLogin)
	}
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	_ = w.WriteField("_csrf", c.csrf)
	for k, v := range fields {
		_ = w.WriteField(k, v)
	}
	if file != nil {
		fw, _ := w.CreateFormFile("file", "cases.csv")
		_, _ = fw.Write(file)
	}
	_ = w.Close()
	req, _ := http.NewRequest(http.MethodPost, c.app.http.URL+path, &body)
	req.Header.Set("Content-Type", w.FormDataContentType())
	return c.do(req)
}

// importFile is a small file in the columns of cases.csv, from a French spreadsheet.
const importFile = "\uFEFFoffice;direction;family_name;given_name;sex;birth_date;nationality;return_country;consent_date;household\r\n" +
	"RAB;outbound;Ndiaye;Aïssatou;F;14/07/1985;SN;SN;01/02/2021;\"Moussa|child|M|2015-01-01;Awa|child|F|\"\r\n" +
	";inbound;العلوي;فاطمة الزهراء;F;1980-01-01;MA;MA;2021-02-01;\r\n"

func TestImportDryRunThenImportThroughThePage(t *testing.T) {
	app := newTestApp(t)
	app.office("RAB")
	app.office("OUJ")
	admin, _ := app.signedIn("admin@example.org", models.RoleAdmin, "")
	p := admin.get(views.PathAdminImports)
	wantStatus(t, p, http.StatusOK)
	if !p.has(`form[data-testid="import-form"][enctype="multipart/form-data"] input[type="file"][name="file"]`) {
		t.Fatal("no upload form")
	}
	data := []byte(importFile)
	p = admin.upload(views.PathAdminImports, map[string]string{"office": "OUJ"}, data)
	wantStatus(t, p, http.StatusOK)
	if !p.has(`form[data-testid="import-commit"] input[name="sha256"][value="` + models.FileHash(data) + `"]`) {
		t.Fatalf("no commit form:\n%s", excerpt(p.Body))
	}
	var n int64
	app.stores.DB.Read.Model(&models.Case{}).Count(&n)
	if n != 0 {
		t.Fatal("the dry run imported")
	}
	p = admin.upload(views.PathAdminImports, map[string]string{"office": "OUJ", "commit": "1", "sha256": models.FileHash(data)}, data)
	wantStatus(t, p, http.StatusSeeOther)
	p = admin.get(p.location())
	if got := p.text(`[data-testid="flash-success"]`); !strings.Contains(got, "RAB-2021-00001") || !strings.Contains(got, "OUJ-2021-00001") {
		t.Errorf("flash %q", got)
	}
	if !strings.Contains(p.text(`[data-testid="recent-imports"]`), "rows=2") {
		t.Errorf("recent imports %q", p.text(`[data-testid="recent-imports"]`))
	}
}

func TestImportDryRunShowsErrorsByRowAndColumnInTheUserLanguage(t *testing.T) {
	app := newTestApp(t)
	app.office("RAB")
	admin, _ := app.signedIn("admin@example.org", models.RoleAdmin, "")
	file := "office,direction,family_name,given_name,sex,birth_date,nationality,return_country,consent_date\n" +
		"RAB,outbound,Diallo,Ali,M,1990-01-01,GN,GN,2021-01-01\n" +
		"RAB,outbound,,Awa,F,1990-01-01,GN,GN,2021-01-01\n"
	admin.get(views.PathAdminImports)
	p := admin.upload(views.PathAdminImports, nil, []byte(file))
	wantStatus(t, p, http.StatusUnprocessableEntity)
	row := p.Doc.Find(`[data-testid="import-error"][data-row="3"][data-column="family_name"]`)
	if row.Length() != 1 || !strings.Contains(row.Text(), "obligatoire") {
		t.Fatalf("error row: %q\n%s", row.Text(), excerpt(p.Body))
	}
	if p.has(`form[data-testid="import-commit"]`) {
		t.Error("a file with errors offers the import")
	}
	// Forcing the import of that file imports nothing.
	p = admin.upload(views.PathAdminImports, map[string]string{"commit": "1", "sha256": models.FileHash([]byte(file))}, []byte(file))
	wantStatus(t, p, http.StatusUnprocessableEntity)
	var n int64
	app.stores.DB.Read.Model(&models.Case{}).Count(&n)
	if n != 0 {
		t.Fatalf("%d cases imported from a file with an error", n)
	}
}

func TestImportRefusesOversizeAndNonCSVFiles(t *testing.T) {
	app := newTestApp(t)
	admin, _ := app.signedIn("admin@example.org", models.RoleAdmin, "")
	admin.get(views.PathAdminImports)
	big := bytes.Repeat([]byte("a,b\n"), (models.ImportMaxBytes+100)/4)
	p := admin.upload(views.PathAdminImports, nil, big)
	wantStatus(t, p, http.StatusRequestEntityTooLarge)
	if got := p.text(`[data-testid="file-error"]`); !strings.Contains(got, "20 Mo") {
		t.Errorf("too large message %q", got)
	}
	// Without a Content-Length (chunked), the limit holds while reading.
	admin.get(views.PathAdminImports)
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	_ = w.WriteField("_csrf", admin.csrf)
	fw, _ := w.CreateFormFile("file", "cases.csv")
	_, _ = fw.Write(big)
	_ = w.Close()
	req, _ := http.NewRequest(http.MethodPost, app.http.URL+views.PathAdminImports, io.MultiReader(&body))
	req.Header.Set("Content-Type", w.FormDataContentType())
	p = admin.do(req)
	wantStatus(t, p, http.StatusRequestEntityTooLarge)
	for name, file := range map[string]string{
		"xlsx":   "PK\x03\x04\x14\x00\x06\x00\x08\x00",
		"binary": "\x00\x01\x02\x03",
		"header": "nom,prenom\nA,B\n",
	} {
		admin.get(views.PathAdminImports)
		p = admin.upload(views.PathAdminImports, nil, []byte(file))
		wantStatus(t, p, http.StatusUnprocessableEntity)
		if !p.has(`[data-testid="import-file-error"]`) {
			t.Errorf("%s: no message", name)
		}
	}
	admin.get(views.PathAdminImports)
	p = admin.upload(views.PathAdminImports, nil, nil)
	wantStatus(t, p, http.StatusUnprocessableEntity)
	if !p.has(`[data-testid="file-error"]`) {
		t.Error("no message without a file")
	}
}

func TestImportIsForAdminsOnly(t *testing.T) {
	app := newTestApp(t)
	sup, _ := app.signedIn("sup@example.org", models.RoleSupervisor, "RAB")
	wantStatus(t, sup.get(views.PathAdminImports), http.StatusForbidden)
	sup.get(views.PathCases)
	wantStatus(t, sup.upload(views.PathAdminImports, nil, []byte(importFile)), http.StatusForbidden)
	big := bytes.Repeat([]byte("x"), models.ImportMaxBytes+100<<10)
	wantStatus(t, sup.upload(views.PathAdminImports, nil, big), http.StatusForbidden)
	anon := app.client()
	p := anon.upload(views.PathAdminImports, nil, big)
	wantStatus(t, p, http.StatusSeeOther)
	if !strings.HasPrefix(p.location(), views.PathLogin) {
		t.Errorf("anonymous sent to %q", p.location())
	}
}

// TestImportRoundTrip exports cases with Arabic and accented names, households,
// vulnerabilities and workflow states, imports the file into an empty database, and
// exports again: the same file but for the case numbers.
func TestImportRoundTrip(t *testing.T) {
	src := newTestApp(t)
	rab := src.office("RAB")
	src.office("OUJ")
	cw := src.user("cw@example.org", models.RoleCaseworker, "RAB")
	sup := src.user("sup@example.org", models.RoleSupervisor, "RAB")
	ctx := context.Background()
	act := models.Actor{User: cw}
	inputs := []models.CaseInput{
		{Direction: "outbound", FamilyName: "Ñúñez-Çelik", GivenName: "Zoé Åsa", Sex: "F", BirthDate: "1985-07-14",
			Nationality: "SN", ReturnCountry: "SN", Phone: "+221771234567", Languages: "wolof, français", IDDocType: "passport",
			IDDocNumber: "A12345", Vulnerabilities: []string{"single_parent", "medical_condition"},
			Household: []models.HouseholdInput{{Name: "Moussa", Relation: "child", Sex: "M", BirthDate: "2015-01-01"},
				{Name: "عائشة", Relation: "child", Sex: "F"}},
			ConsentDate: "2021-02-01", ConsentShare: true, RequestDate: "2021-02-02", RequestReason: "family",
			AssignedToID: cw.ID, Notes: "=SUM(A1) \"quoted\"; line\nbreak", OfficeID: rab.ID},
		{Direction: "inbound", FamilyName: "العلوي", GivenName: "فاطمة الزهراء", Sex: "F", AgeEstimate: "34",
			Nationality: "MA", ConsentDate: "2021-01-15", OfficeID: rab.ID, Notes: "-1"},
		{Direction: "outbound", FamilyName: "Diallo", GivenName: "Mamadou", Sex: "M", BirthDate: "1990-01-01",
			Nationality: "GN", ReturnCountry: "GN", ConsentDate: "2021-01-10", OfficeID: rab.ID},
	}
	var ids []uint
	for _, in := range inputs {
		c, err := src.stores.Cases.Create(ctx, act, models.Scope{}, in)
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, c.ID)
	}
	if _, err := src.stores.Cases.Move(ctx, models.Actor{User: sup}, models.Scope{}, ids[2],
		models.TransitionInput{To: "closed", Reason: "withdrawn", Version: 1}); err != nil {
		t.Fatal(err)
	}
	admin, _ := src.signedIn("admin@example.org", models.RoleAdmin, "")
	first := admin.get(views.ExportPath("cases.csv", nil)).Body

	dst := newTestApp(t)
	dst.office("RAB")
	dst.office("OUJ")
	dst.user("cw@example.org", models.RoleCaseworker, "RAB")
	dadmin, _ := dst.signedIn("admin@example.org", models.RoleAdmin, "")
	dadmin.get(views.PathAdminImports)
	p := dadmin.upload(views.PathAdminImports, nil, []byte(first))
	wantStatus(t, p, http.StatusOK)
	p = dadmin.upload(views.PathAdminImports, map[string]string{"commit": "1", "sha256": models.FileHash([]byte(first))}, []byte(first))
	wantStatus(t, p, http.StatusSeeOther)
	second := dadmin.get(views.ExportPath("cases.csv", nil)).Body

	a, b := parseCSV(t, first), parseCSV(t, second)
	if len(a) != 4 || len(b) != 4 {
		t.Fatalf("rows: %d and %d", len(a), len(b))
	}
	for i := range a {
		if strings.Join(a[i][1:], "\x1f") != strings.Join(b[i][1:], "\x1f") {
			t.Errorf("row %d differs:\n%q\n%q", i, a[i], b[i])
		}
	}
	// Byte for byte, once each old case number is replaced by its new one.
	renumbered := first
	for i := 1; i < len(a); i++ {
		renumbered = strings.ReplaceAll(renumbered, a[i][0], "#"+b[i][0])
	}
	if strings.ReplaceAll(renumbered, "#", "") != second {
		t.Errorf("the files differ beyond the case numbers:\n%s\n%s", first, second)
	}
}

// parseCSV parses a CSV download body after its BOM.
func parseCSV(t *testing.T, body string) [][]string {
	t.Helper()
	rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(body, "\uFEFF"))).ReadAll()
	if err != nil {
		t.Fatalf("parse CSV: %v", err)
	}
	return rows
}
