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

// smallDocumentLimits gives the portal the limits an operator set with awda serve's
// flags: 64 KB a file, 3 documents a case, 2 files an upload, 1.5 megapixels.
func smallDocumentLimits(app *testApp) models.DocumentLimits {
	lim := models.DefaultDocumentLimits()
	lim.MaxBytes, lim.MaxPerCase, lim.MaxPerUpload, lim.MaxPixels = 64<<10, 3, 2, 1_500_000
	app.stores.Documents = models.NewDocumentStore(app.stores.DB, app.clock.Now, app.stores.Audit, lim)
	return lim
}

// The page states the configured limits, not the defaults, and the store applies them.
func TestDocumentsConfiguredLimitsShowAndApply(t *testing.T) {
	app := newTestApp(t)
	smallDocumentLimits(app)
	cw, u := app.signedIn("cw@example.org", models.RoleCaseworker, "RAB")
	cs := app.insertCase("RAB", u, models.StatusRegistered, true)

	p := cw.get(views.CasePath(cs.ID))
	wantStatus(t, p, http.StatusOK)
	hint := p.text(`#document-file-hint`)
	if !strings.Contains(hint, "64 Ko") || !strings.Contains(hint, "0 document(s) sur 3") || strings.Contains(hint, "10 Mo") {
		t.Fatalf("hint %q does not state the configured limits", hint)
	}
	refused := func(filename string, data []byte, want string) {
		t.Helper()
		p := cw.sendDocument(cs.ID, url.Values{"category": {"project"}}, filename, data)
		wantStatus(t, p, http.StatusUnprocessableEntity)
		if got := p.text(`[data-testid="file-error"]`); !strings.Contains(got, want) {
			t.Errorf("%s: message %q, want it to name %q", filename, got, want)
		}
	}
	refused("gros.pdf", dbtest.PDF(65<<10), "64 Ko")
	refused("grande.png", dbtest.PNG(1300, 1200), "1,5 mégapixels")
	for i := range 3 {
		p := cw.sendDocument(cs.ID, url.Values{"category": {"project"}}, "ok.pdf", dbtest.PDF(60<<10+i))
		wantStatus(t, p, http.StatusSeeOther)
	}
	refused("quatrieme.pdf", dbtest.PDF(1000), "3 documents")
	if docs, _ := app.documentCount(); docs != 3 {
		t.Fatalf("%d documents stored, want 3", docs)
	}
}
