package e2e

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestScreenshots takes, for `make screenshots` (AWDA_SCREENSHOTS=dir), each page of
// shots in French and Arabic: on screen (NAME-LANG.png), in its print view
// (NAME-LANG-print.png, the print stylesheet at the width of A4) and printed to an A4
// PDF (NAME-LANG.pdf).
func TestScreenshots(t *testing.T) {
	if screenshotDir == "" {
		t.Skip("set AWDA_SCREENSHOTS=dir (make screenshots) to take the screenshots")
	}
	for _, s := range shots {
		t.Run(s.Name, func(t *testing.T) {
			t.Parallel()
			b := newTab(t)
			if s.As != "" {
				b.login("shot-" + s.As)
			}
			for _, lang := range []string{"fr", "ar"} {
				if s.As == "" {
					b.get(s.Path + "?lang=" + lang)
				} else {
					b.get(s.Path)
					b.submit("lang-" + lang)
					b.get(s.Path)
				}
				b.waitLoaded()
				name := s.Name + "-" + lang
				t.Logf("%s", b.screenshot(screenshotDir, name, 1280))
				b.media("print")
				t.Logf("%s", b.screenshot(screenshotDir, name+"-print", 794)) // A4 at 96 dpi
				b.media("")
				pdf := run(b, chromedp.PrintToPDF(chromedp.PDFPaper(chromedp.PaperA4), chromedp.PDFPreferCSSPageSize()))
				path := filepath.Join(screenshotDir, name+".pdf")
				if err := os.WriteFile(path, pdf, 0o644); err != nil {
					t.Fatal(err)
				}
				t.Logf("%s", path)
			}
			if s.As != "" {
				b.submit("lang-fr")
			}
		})
	}
}
