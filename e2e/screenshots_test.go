package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestScreenshots takes, for `make screenshots` (AWDA_SCREENSHOTS=dir), every page of
// pages in French and Arabic at both widths of the layout checks, as one account that
// may see it (pages/NAME-LANG-WIDTH.png); and each page of shots in French and Arabic:
// on screen at both widths (NAME-LANG-WIDTH.png), in its print view (NAME-LANG-print.png,
// the print stylesheet at the width of A4) and printed to an A4 PDF (NAME-LANG.pdf).
func TestScreenshots(t *testing.T) {
	if screenshotDir == "" {
		t.Skip("set AWDA_SCREENSHOTS=dir (make screenshots) to take the screenshots")
	}
	order, plan := screenshotPlan()
	for _, who := range order {
		t.Run("pages/"+who, func(t *testing.T) {
			t.Parallel()
			b := newTabFor(t, 10*time.Minute)
			lang := layoutVisitors[who]
			if lang == "" {
				b.login(who)
				lang = accounts[who].Language
			}
			for _, p := range plan[who] {
				b.net.reset() // a request the last page left unfinished would hold waitLoaded
				b.get(p.Path)
				b.waitLoaded()
				for _, w := range layoutWidths {
					t.Logf("%s", b.screenshot(filepath.Join(screenshotDir, "pages"), fmt.Sprintf("%s-%s-%d", p.Name, lang, w), w))
				}
			}
		})
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
				for _, w := range layoutWidths {
					t.Logf("%s", b.screenshot(screenshotDir, fmt.Sprintf("%s-%d", name, w), w))
				}
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

// screenshotPlan picks, for each page of pages, one account (or visitor) that may see it
// in French and its twin in Arabic: the layout checks' plan, one role per page.
func screenshotPlan() (order []string, plan map[string][]pageSpec) {
	all, full := layoutPlan()
	taken := map[string]map[string]bool{} // page name -> languages taken
	plan = map[string][]pageSpec{}
	for _, who := range all {
		lang := layoutVisitors[who]
		if lang == "" {
			lang = accounts[who].Language
		}
		for _, p := range full[who] {
			if taken[p.Name] == nil {
				taken[p.Name] = map[string]bool{}
			}
			if taken[p.Name][lang] {
				continue
			}
			taken[p.Name][lang] = true
			if _, ok := plan[who]; !ok {
				order = append(order, who)
			}
			plan[who] = append(plan[who], p)
		}
	}
	return order, plan
}
