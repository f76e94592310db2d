package handlers

import (
	"bytes"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"awda/models"
	"awda/models/dbtest"
	"awda/views"
)

// namedFile is one file of an upload.
type namedFile struct {
	name string
	data []byte
}

// sendDocuments posts the upload form with several files chosen at once, as a browser
// sends an <input type=file multiple>: the token and fields first, then one "file" part
// per file; after, extra parts the form never sends.
func (c *client) sendDocuments(caseID uint, fields url.Values, files []namedFile, after map[string][]byte) *page {
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
	for _, f := range files {
		fw, _ := w.CreateFormFile("file", f.name)
		_, _ = fw.Write(f.data)
	}
	for k, v := range after {
		fw, _ := w.CreateFormField(k)
		_, _ = fw.Write(v)
	}
	_ = w.Close()
	req, _ := http.NewRequest(http.MethodPost, c.app.http.URL+views.DocumentsPath(caseID), &body)
	req.Header.Set("Content-Type", w.FormDataContentType())
	return c.do(req)
}

func TestDocumentsSeveralFilesInOneUpload(t *testing.T) {
	app := newTestApp(t)
	cw, u := app.signedIn("cw@example.org", models.RoleCaseworker, "RAB")
	cs := app.insertCase("RAB", u, models.StatusRegistered, true)

	p := cw.get(views.CasePath(cs.ID))
	if !p.has(`form[data-testid="document-form"] input[type="file"][name="file"][multiple]`) {
		t.Fatal("the upload form does not take several files")
	}
	fields := url.Values{"category": {"identity"}, "description": {"Passeport, pages 2 et 3"}}
	refusals := []struct {
		name  string
		files []namedFile
		file  string
		key   string
	}{
		{"the second file is a web page", []namedFile{{"page2.pdf", dbtest.PDF(200 << 10)}, {"facture.pdf", dbtest.HTMLNamedPDF()},
			{"page3.jpg", dbtest.JPEG(64, 48)}}, "facture.pdf", models.DocErrType},
		{"the last file is a pixel bomb", []namedFile{{"page2.pdf", dbtest.PDF(300 << 10)}, {"page3.jpg", dbtest.JPEG(64, 48)},
			{"bombe.png", dbtest.PNGBomb(30000, 30000)}}, "bombe.png", models.DocErrPixels},
	}
	for _, r := range refusals {
		p := cw.sendDocuments(cs.ID, fields, r.files, nil)
		wantStatus(t, p, http.StatusUnprocessableEntity)
		lim := app.stores.Documents.Limits()
		reason := app.srv.catalog.T("fr", r.key, "Megapixels", lim.MaxPixels/1_000_000)
		want := app.srv.catalog.T("fr", "documents.error.in_file", "Name", r.file, "Reason", reason)
		if got := p.text(`[data-testid="file-error"]`); got != want {
			t.Errorf("%s: message %q, want %q", r.name, got, want)
		}
		if !p.has(`select[name="category"] option[value="identity"][selected]`) || p.text(`textarea[name="description"]`) != "Passeport, pages 2 et 3" {
			t.Errorf("%s: the fields typed are not kept", r.name)
		}
		if docs, chunks := app.documentCount(); docs+chunks != 0 {
			t.Fatalf("%s: %d documents and %d chunks stored", r.name, docs, chunks)
		}
	}
	// In English and Arabic too, the message names the file.
	for _, lang := range []string{"en", "ar"} {
		other, ou := app.signedIn(lang+"@example.org", models.RoleCaseworker, "RAB")
		if err := app.stores.DB.Write.Table("users").Where("id = ?", ou.ID).Update("language", lang).Error; err != nil {
			t.Fatal(err)
		}
		p := other.sendDocuments(cs.ID, fields, []namedFile{{"ok.pdf", dbtest.PDF(2000)}, {"vide.pdf", nil}}, nil)
		wantStatus(t, p, http.StatusUnprocessableEntity)
		reason := app.srv.catalog.T(lang, models.DocErrEmpty)
		want := app.srv.catalog.T(lang, "documents.error.in_file", "Name", "vide.pdf", "Reason", reason)
		if got := p.text(`[data-testid="file-error"]`); got != want || !strings.Contains(got, "vide.pdf") {
			t.Errorf("%s: message %q, want %q", lang, got, want)
		}
	}

	p = cw.sendDocuments(cs.ID, fields, []namedFile{{"page2.pdf", dbtest.PDF(300 << 10)}, {"page3.jpg", dbtest.JPEG(64, 48)},
		{"page4.png", dbtest.PNG(50, 40)}}, nil)
	wantStatus(t, p, http.StatusSeeOther)
	p = cw.get(p.location())
	if got, want := p.text(`.flash`), app.srv.catalog.T("fr", "documents.flash.uploaded", "Count", 3); !strings.Contains(got, want) {
		t.Errorf("flash %q, want %q", got, want)
	}
	var docs []models.Document
	if err := app.stores.DB.Read.Order("id").Find(&docs).Error; err != nil {
		t.Fatal(err)
	}
	if len(docs) != 3 {
		t.Fatalf("%d documents stored, want 3", len(docs))
	}
	for i, name := range []string{"page2.pdf", "page3.jpg", "page4.png"} {
		if docs[i].Filename != name || docs[i].Category != models.DocIdentity || docs[i].Description != "Passeport, pages 2 et 3" ||
			!p.has(`[data-testid="document-`+strconv.FormatUint(uint64(docs[i].ID), 10)+`"]`) {
			t.Errorf("document %d: %+v", i, docs[i])
		}
	}
}

// With small configured limits: an upload carries at most the files allowed, counts
// against the per-case limit as a whole, and a body larger than the files allowed could
// carry is refused without a 500.
func TestDocumentsUploadLimitsWithSeveralFiles(t *testing.T) {
	app := newTestApp(t)
	lim := smallDocumentLimits(app) // 64 KB, 3 a case, 2 an upload
	cw, u := app.signedIn("cw@example.org", models.RoleCaseworker, "RAB")
	cs := app.insertCase("RAB", u, models.StatusRegistered, true)
	fields := url.Values{"category": {"other"}}
	small := func(name string) namedFile { return namedFile{name, dbtest.PDF(20 << 10)} }
	refused := func(p *page, status int, name, key string) {
		t.Helper()
		wantStatus(t, p, status)
		got := p.text(`[data-testid="file-error"]`)
		reason := app.srv.catalog.T("fr", key, "Files", lim.MaxPerUpload, "Max", lim.MaxPerCase, "Held", 2, "Size", "64 Ko")
		if name != "" {
			reason = app.srv.catalog.T("fr", "documents.error.in_file", "Name", name, "Reason", reason)
		}
		if got != reason {
			t.Errorf("message %q, want %q", got, reason)
		}
	}
	refused(cw.sendDocuments(cs.ID, fields, []namedFile{small("a.pdf"), small("b.pdf"), small("c.pdf")}, nil),
		http.StatusUnprocessableEntity, "c.pdf", models.DocErrTooManyFiles)
	wantStatus(t, cw.sendDocuments(cs.ID, fields, []namedFile{small("a.pdf"), small("b.pdf")}, nil), http.StatusSeeOther)
	refused(cw.sendDocuments(cs.ID, fields, []namedFile{small("c.pdf"), small("d.pdf")}, nil),
		http.StatusUnprocessableEntity, "d.pdf", models.DocErrTooManyInUpload)
	if docs, _ := app.documentCount(); docs != 2 {
		t.Fatalf("%d documents, want 2", docs)
	}
	// Past the body's cap (2 × 64 KB + 1 MB) in a part after the files.
	p := cw.sendDocuments(cs.ID, fields, []namedFile{small("c.pdf")}, map[string][]byte{"padding": bytes.Repeat([]byte("x"), 2<<20)})
	refused(p, http.StatusRequestEntityTooLarge, "", models.DocErrUploadTooLarge)
	if docs, _ := app.documentCount(); docs != 2 {
		t.Fatalf("%d documents after the oversized body, want 2", docs)
	}
}
