package e2e

import (
	"bytes"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"awda/models/dbtest"
)

// attach fills the case file's document form (opening its fold) and sends it with
// files from disk (several chosen at once), as a caseworker does with the browser's
// file picker.
func (b *tab) attach(category, description string, files ...string) {
	b.t.Helper()
	b.open("document-form")
	b.choose("document-category", category)
	b.fill("document-description", description)
	b.do(chromedp.SetUploadFiles(chromedp.CSS(`#document-file`), files))
	if st := b.submit("document-submit"); st != 200 {
		b.t.Fatalf("attach %s: status %d at %s", filepath.Base(files[0]), st, b.location())
	}
	if b.has(testSel("file-error")) {
		b.t.Fatalf("attach %s refused: %s", filepath.Base(files[0]), b.testText("file-error"))
	}
}

// TestDocumentsJourney: a caseworker attaches the signed consent (a PDF) and a receipt
// photographed on a phone (a JPEG with a GPS position) to a case, sees both on the case
// file, the photo as a thumbnail, and downloads the receipt without its GPS block.
func TestDocumentsJourney(t *testing.T) {
	t.Parallel()
	form := fixtureForm()
	form.Set("family_name", "Kouyaté")
	form.Set("given_name", "Fanta Documents")
	casePath := newCase(t, "documents-cw", form)
	dir := t.TempDir()
	consent := filepath.Join(dir, "consentement-signé.pdf")
	receipt := filepath.Join(dir, "reçu-espèces.jpg")
	if err := os.WriteFile(consent, dbtest.PDF(40<<10), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(receipt, dbtest.JPEGWithGPS(480, 320, 1), 0o600); err != nil {
		t.Fatal(err)
	}
	pages := []string{filepath.Join(dir, "passeport-page1.pdf"), filepath.Join(dir, "passeport-page2.pdf")}
	if err := os.WriteFile(pages[0], dbtest.PDF(30<<10), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(pages[1], dbtest.PDF(20<<10), 0o600); err != nil {
		t.Fatal(err)
	}

	cw := newTab(t)
	cw.login("documents-cw")
	cw.get(casePath)
	cw.attach("Consentement signé", "Formulaire de consentement signé le jour de l'entretien", consent)
	if !strings.HasSuffix(cw.location(), casePath+"#documents") && cw.location() != casePath {
		t.Fatalf("after attaching: at %s", cw.location())
	}
	cw.attach("Reçu de remise", "Reçu signé pour l'aide en espèces", receipt)
	// Two files chosen at once: one upload, both attached with the same fields.
	cw.attach("Pièce d'identité", "Passeport, deux pages", pages...)
	if got := cw.text(`[data-testid="flash-success"]`); !strings.Contains(got, "2 documents") {
		t.Errorf("after attaching two files at once: flash %q", got)
	}

	list := cw.testText("document-list")
	for _, want := range []string{"consentement-signé.pdf", "Consentement signé", "reçu-espèces.jpg", "Reçu de remise", "Reçu signé pour l'aide en espèces",
		"passeport-page1.pdf", "passeport-page2.pdf", "Passeport, deux pages"} {
		if !strings.Contains(list, want) {
			t.Errorf("the case file's documents lack %q: %q", want, list)
		}
	}
	// The thumbnail is drawn (the image loaded under the page's CSP); it loads lazily,
	// so it is brought into view and given a moment.
	cw.do(chromedpEval(`document.querySelector('[data-testid="document-thumb"]').scrollIntoView()`))
	thumbs := 0
	for deadline := time.Now().Add(5 * time.Second); thumbs != 1 && time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		thumbs = eval[int](cw, `Array.from(document.querySelectorAll('[data-testid="document-thumb"]')).filter(i => i.complete && i.naturalWidth > 0).length`)
	}
	if thumbs != 1 {
		t.Fatalf("%d thumbnails drawn, want 1", thumbs)
	}
	href := cw.attr(`[data-testid="document-list"] tr[data-category="receipt"] [data-testid="document-download"]`, "href")
	st, body := cw.fetch(href)
	// The body comes back decoded as text: the binary bytes are mangled, ASCII is not.
	if st != 200 || len(body) < 1000 || strings.Contains(body, dbtest.GPSMarker) || strings.Contains(body, "Exif") {
		t.Fatalf("the receipt's download: %d, %d bytes, GPS kept: %v", st, len(body), strings.Contains(body, dbtest.GPSMarker))
	}
	cw.checkAxe("case file with documents")
}

// attachFixture attaches a file to a case over plain HTTP (the form's token and
// fields first, the file last), for the pages that show a case with documents.
func (p *portal) attachFixture(casePath, category, description, name string, data []byte) error {
	resp, err := p.c.Get(baseURL + casePath)
	if err != nil {
		return err
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	m := csrfRE.FindSubmatch(page)
	if m == nil {
		return fmt.Errorf("GET %s: %d, no CSRF token", casePath, resp.StatusCode)
	}
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	_ = w.WriteField("_csrf", string(m[1]))
	_ = w.WriteField("category", category)
	_ = w.WriteField("description", description)
	fw, _ := w.CreateFormFile("file", name)
	_, _ = fw.Write(data)
	_ = w.Close()
	resp, err = p.c.Post(baseURL+casePath+"/documents", w.FormDataContentType(), &body)
	if err != nil {
		return err
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		return fmt.Errorf("attach %s to %s: status %d", name, casePath, resp.StatusCode)
	}
	return nil
}

// fixtureDocuments gives the fixture case a signed consent (PDF) and a photo of the
// micro-project (JPEG, shown as a thumbnail), so the checks of the case file see the
// documents' list as well as its form.
func fixtureDocuments(p *portal) error {
	if err := p.attachFixture(fixtureCase, "consent", "Consentement signé à l'entretien", "consentement.pdf", dbtest.PDF(30<<10)); err != nil {
		return err
	}
	return p.attachFixture(fixtureCase, "project", "Photo de la boutique", "boutique.jpg", dbtest.JPEG(400, 300))
}
