package handlers

import (
	"bytes"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"gorm.io/driver/postgres"

	"awda/models"
	"awda/models/dbtest"
	"awda/views"
)

// sendDocument posts the upload form as a browser does: the token and the fields
// first, the file last. A nil file sends the form with no file chosen.
func (c *client) sendDocument(caseID uint, fields url.Values, filename string, file []byte) *page {
	c.t.Helper()
	if c.csrf == "" {
		c.refreshCSRF()
	}
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	_ = w.WriteField("_csrf", c.csrf)
	for k, vs := range fields {
		for _, v := range vs {
			_ = w.WriteField(k, v)
		}
	}
	fw, _ := w.CreateFormFile("file", filename)
	_, _ = fw.Write(file)
	_ = w.Close()
	req, _ := http.NewRequest(http.MethodPost, c.app.http.URL+views.DocumentsPath(caseID), &body)
	req.Header.Set("Content-Type", w.FormDataContentType())
	return c.do(req)
}

// fetch GETs a path and returns the raw response and body (files are not HTML).
func (c *client) fetch(path string) (*http.Response, []byte) {
	c.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, c.app.http.URL+path, nil)
	resp, err := c.http.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}

func (a *testApp) documentCount() (docs, chunks int64) {
	a.stores.DB.Read.Table("documents").Count(&docs)
	a.stores.DB.Read.Table("document_chunks").Count(&chunks)
	return docs, chunks
}

func (a *testApp) assign(cs *models.Case, u *models.User) {
	a.t.Helper()
	if err := a.stores.DB.Write.Table("cases").Where("id = ?", cs.ID).Update("assigned_to_id", u.ID).Error; err != nil {
		a.t.Fatal(err)
	}
}

func (a *testApp) onlyDocument() models.Document {
	a.t.Helper()
	var d models.Document
	if err := a.stores.DB.Read.Order("id DESC").First(&d).Error; err != nil {
		a.t.Fatal(err)
	}
	return d
}

func TestDocumentsAttachDownloadWithdrawThroughThePages(t *testing.T) {
	app := newTestApp(t)
	cw, u := app.signedIn("cw@example.org", models.RoleCaseworker, "RAB")
	cs := app.insertCase("RAB", u, models.StatusRegistered, true)
	app.assign(cs, u)

	p := cw.get(views.CasePath(cs.ID))
	wantStatus(t, p, http.StatusOK)
	form := `form[data-testid="document-form"][enctype="multipart/form-data"][action="` + views.DocumentsPath(cs.ID) + `"]`
	if !p.has(form+` input[name="_csrf"]`) || !p.has(form+` input[type="file"][name="file"]`) || !p.has(form+` select[name="category"]`) {
		t.Fatalf("no upload form on the case file")
	}
	if !p.has(`a[href="#documents"]`) || !p.has(`[data-testid="documents"] [data-testid="empty"]`) {
		t.Fatal("the case file's menu and empty documents section")
	}

	pdf := dbtest.PDF(600 << 10)
	p = cw.sendDocument(cs.ID, url.Values{"category": {"consent"}, "description": {"Consentement signé"}}, "consentement.pdf", pdf)
	wantStatus(t, p, http.StatusSeeOther)
	if p.location() != views.CasePath(cs.ID)+"#documents" {
		t.Fatalf("redirect to %s", p.location())
	}
	d := app.onlyDocument()
	p = cw.get(views.CasePath(cs.ID))
	row := fmt.Sprintf(`[data-testid="document-%d"]`, d.ID)
	if got := p.text(row + ` [data-testid="document-download"]`); got != "consentement.pdf" {
		t.Fatalf("listed as %q", got)
	}

	resp, body := cw.fetch(views.DocumentPath(cs.ID, d.ID))
	if resp.StatusCode != http.StatusOK || !bytes.Equal(body, pdf) {
		t.Fatalf("download: %d, %d bytes", resp.StatusCode, len(body))
	}
	wantName := fmt.Sprintf(`attachment; filename="%s-%d.pdf"`, strings.ToLower(cs.CaseNumber), d.ID)
	for h, want := range map[string]string{
		"Content-Type": "application/pdf", "Content-Disposition": wantName, "X-Content-Type-Options": "nosniff",
		"Content-Security-Policy": "sandbox; default-src 'none'", "Content-Length": fmt.Sprint(len(pdf)), "Cache-Control": "no-store",
	} {
		if got := resp.Header.Get(h); got != want {
			t.Errorf("%s: %q, want %q", h, got, want)
		}
	}
	if resp.Header.Get("Content-Encoding") != "" {
		t.Errorf("a file is sent as stored, not %s", resp.Header.Get("Content-Encoding"))
	}

	// A photo: shown as a thumbnail, served inline; the download is the re-encoded copy.
	p = cw.sendDocument(cs.ID, url.Values{"category": {"project"}}, "boutique.jpg", dbtest.JPEGWithGPS(64, 48, 1))
	wantStatus(t, p, http.StatusSeeOther)
	photo := app.onlyDocument()
	p = cw.get(views.CasePath(cs.ID))
	if !p.has(fmt.Sprintf(`[data-testid="document-%d"] img[src="%s"]`, photo.ID, views.DocumentThumbPath(cs.ID, photo.ID))) {
		t.Fatal("no thumbnail in the list")
	}
	resp, body = cw.fetch(views.DocumentThumbPath(cs.ID, photo.ID))
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "image/jpeg" || resp.Header.Get("Content-Disposition") != "inline" ||
		!strings.Contains(resp.Header.Get("Content-Security-Policy"), "sandbox") || models.SniffDocument(body) != models.TypeJPEG {
		t.Fatalf("thumbnail: %d %v", resp.StatusCode, resp.Header)
	}
	resp, body = cw.fetch(views.DocumentPath(cs.ID, photo.ID))
	if resp.StatusCode != http.StatusOK || bytes.Contains(body, []byte(dbtest.GPSMarker)) || bytes.Contains(body, []byte("Exif")) {
		t.Fatalf("photo download: %d, metadata kept: %v", resp.StatusCode, bytes.Contains(body, []byte("Exif")))
	}

	// Withdrawal, from its own page: a reason is required; then the content is gone
	// and the record stays.
	p = cw.get(views.CasePath(cs.ID))
	if href, _ := p.Doc.Find(row + ` a[data-testid="withdraw-open"]`).Attr("href"); href != views.DocumentWithdrawPath(cs.ID, d.ID) {
		t.Fatalf("withdraw link %q", href)
	}
	p = cw.get(views.DocumentWithdrawPath(cs.ID, d.ID))
	wantStatus(t, p, http.StatusOK)
	if !p.has(`form[data-testid="withdraw-form"] textarea[name="reason"]`) {
		t.Fatal("no withdrawal form")
	}
	p = cw.post(views.DocumentWithdrawPath(cs.ID, d.ID), url.Values{"reason": {""}})
	wantStatus(t, p, http.StatusUnprocessableEntity)
	if !p.has(`[data-testid="reason-error"]`) {
		t.Fatal("no message beside the reason")
	}
	p = cw.post(views.DocumentWithdrawPath(cs.ID, d.ID), url.Values{"reason": {"Signé sur le mauvais formulaire"}})
	wantStatus(t, p, http.StatusSeeOther)
	p = cw.get(views.CasePath(cs.ID))
	if !p.has(row+` [data-testid="document-withdrawn"]`) || p.has(row+` [data-testid="document-download"]`) ||
		!strings.Contains(p.text(row), "Signé sur le mauvais formulaire") {
		t.Fatal("withdrawn document not shown as such")
	}
	if resp, _ := cw.fetch(views.DocumentPath(cs.ID, d.ID)); resp.StatusCode != http.StatusNotFound {
		t.Fatalf("withdrawn document downloaded: %d", resp.StatusCode)
	}

	if err := app.stores.Audit.Drain(t.Context()); err != nil {
		t.Fatal(err)
	}
	var actions []string
	app.stores.DB.Read.Table("audit_events").Where("record_type = ?", "document").Order("id").Pluck("action", &actions)
	want := "document.upload,document.download,document.upload,document.thumbnail,document.download,document.withdraw"
	if strings.Join(actions, ",") != want {
		t.Fatalf("audit: %v", actions)
	}
}

func TestDocumentsHostileFilesAreRefusedBesideTheField(t *testing.T) {
	app := newTestApp(t)
	cw, u := app.signedIn("cw@example.org", models.RoleCaseworker, "RAB")
	cs := app.insertCase("RAB", u, models.StatusRegistered, true)
	lim := app.stores.Documents.Limits()
	tests := []struct {
		name, filename string
		data           []byte
		key            string
	}{
		{"png 30000x30000", "photo.png", dbtest.PNGBomb(30000, 30000), models.DocErrPixels},
		{"html named .pdf", "facture.pdf", dbtest.HTMLNamedPDF(), models.DocErrType},
		{"polyglot", "scan.pdf", dbtest.PolyglotPDF(), models.DocErrPolyglot},
		{"zero bytes", "vide.pdf", []byte{}, models.DocErrEmpty},
		{"11 MB", "gros.pdf", dbtest.PDF(11 << 20), models.DocErrTooLarge},
		{"truncated image", "coupee.jpg", dbtest.Truncated(dbtest.JPEG(64, 64)), models.DocErrDamaged},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := cw.sendDocument(cs.ID, url.Values{"category": {"identity"}, "description": {"Passeport, page 2"}}, tt.filename, tt.data)
			wantStatus(t, p, http.StatusUnprocessableEntity)
			reason := app.srv.catalog.T("fr", tt.key, "Size", fmt.Sprintf("%d Mo", lim.MaxBytes>>20), "Max", lim.MaxPerCase,
				"Megapixels", lim.MaxPixels/1_000_000)
			want := app.srv.catalog.T("fr", "documents.error.in_file", "Name", tt.filename, "Reason", reason)
			if got := p.text(`[data-testid="file-error"]`); got != want {
				t.Fatalf("message %q, want %q", got, want)
			}
			if !p.has(`select[name="category"] option[value="identity"][selected]`) || p.text(`textarea[name="description"]`) != "Passeport, page 2" {
				t.Fatal("the fields typed are not kept")
			}
			if docs, chunks := app.documentCount(); docs+chunks != 0 {
				t.Fatalf("%d documents, %d chunks stored", docs, chunks)
			}
		})
	}
	// No file chosen, and no category.
	p := cw.sendDocument(cs.ID, url.Values{"category": {""}}, "", nil)
	wantStatus(t, p, http.StatusUnprocessableEntity)
	if !p.has(`[data-testid="file-error"]`) || !p.has(`[data-testid="category-error"]`) {
		t.Fatal("missing file and category not both reported")
	}
}

func TestDocumentsNeedTheCSRFTokenBeforeTheFile(t *testing.T) {
	app := newTestApp(t)
	cw, u := app.signedIn("cw@example.org", models.RoleCaseworker, "RAB")
	cs := app.insertCase("RAB", u, models.StatusRegistered, true)
	cw.get(views.CasePath(cs.ID))
	for _, fileFirst := range []bool{false, true} {
		var body bytes.Buffer
		w := multipart.NewWriter(&body)
		if fileFirst {
			fw, _ := w.CreateFormFile("file", "a.pdf")
			fw.Write(dbtest.PDF(1000))
			w.WriteField("_csrf", cw.csrf)
		} else {
			w.WriteField("category", "consent")
			fw, _ := w.CreateFormFile("file", "a.pdf")
			fw.Write(dbtest.PDF(1000))
		}
		w.WriteField("category", "consent")
		w.Close()
		req, _ := http.NewRequest(http.MethodPost, app.http.URL+views.DocumentsPath(cs.ID), &body)
		req.Header.Set("Content-Type", w.FormDataContentType())
		p := cw.do(req)
		wantStatus(t, p, http.StatusForbidden)
	}
	if docs, _ := app.documentCount(); docs != 0 {
		t.Fatalf("%d documents stored without a token", docs)
	}
}

func TestDocumentsScopeMedicalAndClosedCases(t *testing.T) {
	app := newTestApp(t)
	cw, u := app.signedIn("cw@example.org", models.RoleCaseworker, "RAB")
	cw2, _ := app.signedIn("cw2@example.org", models.RoleCaseworker, "RAB")
	sup, _ := app.signedIn("sup@example.org", models.RoleSupervisor, "RAB")
	cas, casUser := app.signedIn("cas@example.org", models.RoleCaseworker, "CAS")
	admin, _ := app.signedIn("admin@example.org", models.RoleAdmin, "")
	cs := app.insertCase("RAB", u, models.StatusRegistered, true)
	app.assign(cs, u)
	own := app.insertCase("CAS", casUser, models.StatusRegistered, true)

	wantStatus(t, cw.sendDocument(cs.ID, url.Values{"category": {"medical"}}, "certificat.pdf", dbtest.PDF(1000)), http.StatusSeeOther)
	med := app.onlyDocument()
	wantStatus(t, cw.sendDocument(cs.ID, url.Values{"category": {"consent"}}, "consent.pdf", dbtest.PDF(1000)), http.StatusSeeOther)
	consent := app.onlyDocument()

	for _, tc := range []struct {
		who  string
		c    *client
		path string
		want int
	}{
		{"another office, own case", cas, views.DocumentPath(own.ID, consent.ID), http.StatusNotFound},
		{"another office, the case", cas, views.DocumentPath(cs.ID, consent.ID), http.StatusNotFound},
		{"another caseworker, medical", cw2, views.DocumentPath(cs.ID, med.ID), http.StatusNotFound},
		{"another caseworker, consent", cw2, views.DocumentPath(cs.ID, consent.ID), http.StatusOK},
		{"supervisor, medical", sup, views.DocumentPath(cs.ID, med.ID), http.StatusOK},
		{"assigned caseworker, medical", cw, views.DocumentPath(cs.ID, med.ID), http.StatusOK},
		{"admin, medical", admin, views.DocumentPath(cs.ID, med.ID), http.StatusNotFound},
		{"admin, consent", admin, views.DocumentPath(cs.ID, consent.ID), http.StatusOK},
	} {
		if resp, _ := tc.c.fetch(tc.path); resp.StatusCode != tc.want {
			t.Errorf("%s: %d, want %d", tc.who, resp.StatusCode, tc.want)
		}
	}
	p := cw2.get(views.CasePath(cs.ID))
	if p.has(fmt.Sprintf(`[data-testid="document-%d"]`, med.ID)) || !p.has(`[data-testid="documents-restricted"]`) {
		t.Fatal("a medical document listed for a caseworker not assigned")
	}
	if p := admin.get(views.CasePath(cs.ID)); p.has(`[data-testid="document-form"]`) || p.has(`[data-testid="withdraw-open"]`) {
		t.Fatal("an admin is offered to attach or withdraw")
	}
	p = cw2.post(views.DocumentWithdrawPath(cs.ID, med.ID), url.Values{"reason": {"test"}})
	wantStatus(t, p, http.StatusNotFound)
	wantStatus(t, cw2.get(views.DocumentWithdrawPath(cs.ID, med.ID)), http.StatusNotFound)

	// A closed case keeps its documents, read-only.
	if err := app.stores.DB.Write.Table("cases").Where("id = ?", cs.ID).Update("status", models.StatusClosed).Error; err != nil {
		t.Fatal(err)
	}
	p = cw.get(views.CasePath(cs.ID))
	if p.has(`[data-testid="document-form"]`) || p.has(`[data-testid="withdraw-open"]`) || !p.has(fmt.Sprintf(`[data-testid="document-%d"]`, consent.ID)) {
		t.Fatal("a closed case's documents must be listed, without forms")
	}
	p = cw.sendDocument(cs.ID, url.Values{"category": {"consent"}}, "late.pdf", dbtest.PDF(1000))
	wantStatus(t, p, http.StatusSeeOther)
	p = cw.post(views.DocumentWithdrawPath(cs.ID, consent.ID), url.Values{"reason": {"late"}})
	wantStatus(t, p, http.StatusSeeOther)
	if docs, _ := app.documentCount(); docs != 2 {
		t.Fatalf("%d documents after writes on a closed case", docs)
	}
	if resp, _ := cw.fetch(views.DocumentPath(cs.ID, consent.ID)); resp.StatusCode != http.StatusOK {
		t.Fatalf("closed case's document: %d", resp.StatusCode)
	}
}

func TestDocumentsCaseFileNamesDeliveredSupportWithoutReceipt(t *testing.T) {
	app := newTestApp(t)
	cw, u := app.signedIn("cw@example.org", models.RoleCaseworker, "RAB")
	_, sup := app.signedIn("sup@example.org", models.RoleSupervisor, "RAB")
	cs := app.insertCase("RAB", u, models.StatusReturned, true)
	sp := app.plan(u, cs, "1500")
	ctx := t.Context()
	if err := app.stores.Support.Approve(ctx, models.Actor{User: sup}, sup.Scope(), cs.ID, sp.ID, 0); err != nil {
		t.Fatal(err)
	}
	if err := app.stores.Support.Deliver(ctx, models.Actor{User: u}, u.Scope(), cs.ID, sp.ID, 0, "2021-02-25"); err != nil {
		t.Fatal(err)
	}
	supC := app.client()
	supC.login("sup@example.org", testPassword)
	if p := supC.get(views.PathApprovals); !p.has(fmt.Sprintf(`[data-testid="approvals-missing-receipts"] [data-testid="missing-receipt-%d"] a[href="%s#documents"]`, sp.ID, views.CasePath(cs.ID))) {
		t.Fatal("the approvals page does not list the delivered support without a receipt")
	}
	p := cw.get(views.CasePath(cs.ID))
	if !p.has(fmt.Sprintf(`[data-testid="missing-receipts"] [data-testid="missing-receipt-%d"]`, sp.ID)) {
		t.Fatal("the delivered support without a receipt is not named")
	}
	if !p.has(fmt.Sprintf(`select[name="support_id"] option[value="%d"]`, sp.ID)) {
		t.Fatal("the upload form does not offer the support for a receipt")
	}
	p = cw.sendDocument(cs.ID, url.Values{"category": {"receipt"}, "support_id": {fmt.Sprint(sp.ID)}}, "recu.pdf", dbtest.PDF(2000))
	wantStatus(t, p, http.StatusSeeOther)
	if d := app.onlyDocument(); d.SupportID == nil || *d.SupportID != sp.ID {
		t.Fatalf("receipt linked to %v", d.SupportID)
	}
	if p := cw.get(views.CasePath(cs.ID)); p.has(`[data-testid="missing-receipts"]`) {
		t.Fatal("still listed as lacking a receipt")
	}
	if p := supC.get(views.PathApprovals); !p.has(`[data-testid="approvals-missing-receipts"] [data-testid="empty"]`) {
		t.Fatal("the approvals page still lists it")
	}
}

// TestDocumentsTwoServersShareTheFiles runs two portals on one database, as two app
// servers behind a load balancer: a document uploaded through one is listed and
// served by the other, byte for byte (the content lives in the database, not on a
// server's disk).
func TestDocumentsTwoServersShareTheFiles(t *testing.T) {
	app := newTestApp(t)
	cw, u := app.signedIn("cw@example.org", models.RoleCaseworker, "RAB")
	cs := app.insertCase("RAB", u, models.StatusRegistered, true)

	dsn := app.stores.DB.Path
	if app.stores.DB.Dialect == models.Postgres {
		dsn = app.stores.DB.Write.Config.Dialector.(*postgres.Dialector).Config.DSN
	}
	db2, err := models.Open(t.Context(), dsn, quietLogger())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db2.Close() })
	stores2 := models.NewStores(db2, app.clock.Now, dbtest.CheapArgon)
	srv2 := newPortal(t, stores2, quietLogger())
	hs2 := httptest.NewServer(srv2.e)
	t.Cleanup(hs2.Close)
	second := &testApp{t: t, srv: srv2, http: hs2, stores: stores2, clock: app.clock, logs: app.logs}
	cw2 := second.client()
	cw2.login("cw@example.org", testPassword)

	pdf := dbtest.PDF(700 << 10)
	wantStatus(t, cw.sendDocument(cs.ID, url.Values{"category": {"travel"}}, "billet.pdf", pdf), http.StatusSeeOther)
	d := app.onlyDocument()
	p := cw2.get(views.CasePath(cs.ID))
	if !p.has(fmt.Sprintf(`[data-testid="document-%d"]`, d.ID)) {
		t.Fatal("the other server does not list the document")
	}
	resp, body := cw2.fetch(views.DocumentPath(cs.ID, d.ID))
	if resp.StatusCode != http.StatusOK || !bytes.Equal(body, pdf) {
		t.Fatalf("the other server serves %d, %d bytes", resp.StatusCode, len(body))
	}
	// And back: a photo through the second, its thumbnail from the first.
	wantStatus(t, cw2.sendDocument(cs.ID, url.Values{"category": {"project"}}, "atelier.png", dbtest.PNG(200, 100)), http.StatusSeeOther)
	photo := app.onlyDocument()
	if resp, body := cw.fetch(views.DocumentThumbPath(cs.ID, photo.ID)); resp.StatusCode != http.StatusOK || models.SniffDocument(body) != models.TypeJPEG {
		t.Fatalf("the first server's thumbnail of a photo sent to the second: %d", resp.StatusCode)
	}
}

func TestDocumentsOfficeReceiptRuleThroughThePages(t *testing.T) {
	app := newTestApp(t)
	admin, _ := app.signedIn("admin@example.org", models.RoleAdmin, "")
	cw, u := app.signedIn("cw@example.org", models.RoleCaseworker, "RAB")
	_, sup := app.signedIn("sup@example.org", models.RoleSupervisor, "RAB")
	rab := app.office("RAB")

	p := admin.get(views.PathAdminOffices)
	form := `[data-testid="office-RAB"] form[data-testid="receipt-rule"]`
	if !p.has(form+` input[type="checkbox"][name="receipt_required"]`) || p.has(form+` input[name="receipt_required"][checked]`) {
		t.Fatal("no receipt rule form, or the rule is on already")
	}
	p = admin.post(views.AdminOfficePath(rab.ID), url.Values{"action": {"receipts"}, "receipt_required": {"1"}})
	wantStatus(t, p, http.StatusSeeOther)
	if p = admin.get(views.PathAdminOffices); !p.has(form + ` input[name="receipt_required"][checked]`) {
		t.Fatal("the rule is not shown as on")
	}
	wantStatus(t, cw.post(views.AdminOfficePath(rab.ID), url.Values{"action": {"receipts"}}), http.StatusForbidden)

	cs := app.insertCase("RAB", u, models.StatusReturned, true)
	sp := app.plan(u, cs, "1500") // cash
	if err := app.stores.Support.Approve(t.Context(), models.Actor{User: sup}, sup.Scope(), cs.ID, sp.ID, 0); err != nil {
		t.Fatal(err)
	}
	deliver := url.Values{"date": {"2021-03-01"}, "version": {"2"}}
	p = cw.post(views.SupportActionPath(cs.ID, sp.ID, "deliver"), deliver)
	wantStatus(t, p, http.StatusSeeOther)
	p = cw.get(p.location())
	if want := app.srv.catalog.T("fr", "documents.error.receipt_required"); !strings.Contains(p.Body, want[:40]) {
		t.Fatalf("no message about the receipt:\n%s", excerpt(p.text(".flash")))
	}
	if got := app.supportStatus(sp.ID); got != models.SupportApproved {
		t.Fatalf("delivered without a receipt: %s", got)
	}
	wantStatus(t, cw.sendDocument(cs.ID, url.Values{"category": {"receipt"}, "support_id": {fmt.Sprint(sp.ID)}}, "recu.pdf", dbtest.PDF(3000)), http.StatusSeeOther)
	wantStatus(t, cw.post(views.SupportActionPath(cs.ID, sp.ID, "deliver"), deliver), http.StatusSeeOther)
	if got := app.supportStatus(sp.ID); got != models.SupportDelivered {
		t.Fatalf("with its receipt: %s", got)
	}
}
