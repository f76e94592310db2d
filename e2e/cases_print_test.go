package e2e

import (
	"bytes"
	"regexp"
	"testing"

	"github.com/chromedp/chromedp"
)

// The case file prints cleanly on A4: no navigation, no buttons or workflow forms,
// the page's full width used, each section kept whole where it fits, no heading left
// alone at the foot of a page; in French and in Arabic.
func TestCaseFilePrint(t *testing.T) {
	for _, who := range []string{"supervisor", "ar-supervisor"} {
		t.Run(who, func(t *testing.T) {
			t.Parallel()
			b := newTab(t)
			b.login(who)
			b.get(fixtureCase)
			b.media("print")
			for _, sel := range []string{"header.site nav > ul:nth-child(2)", ".lang-switch", testSel("logout"), testSel("print"), testSel("edit-case"), "details.step"} {
				if b.has(sel) && b.rendered(sel) {
					t.Errorf("print: %s is shown", sel)
				}
			}
			for _, sel := range []string{"main h1", testSel("profile"), testSel("household-list"), testSel("vulnerabilities"), testSel("consent"), testSel("process"), "#history"} {
				if !b.rendered(sel) {
					t.Errorf("print: %s is hidden", sel)
				}
			}
			if got := b.style(testSel("household-list"), "break-inside"); got != "avoid-page" && got != "avoid" {
				t.Errorf("print: a section may be split across pages (break-inside %q)", got)
			}
			if got := b.style(testSel("household-list")+" h2", "break-after"); got != "avoid-page" {
				t.Errorf("print: a heading may end a page (break-after %q)", got)
			}
			// The content uses the page's width, not a narrow screen column.
			type widths struct{ Main, Page float64 }
			w := eval[widths](b, `({Main: document.querySelector('main').getBoundingClientRect().width, Page: document.documentElement.clientWidth})`)
			if w.Main < 0.9*w.Page {
				t.Errorf("print: the content is %.0f px wide on a %.0f px page", w.Main, w.Page)
			}
			b.media("")
			pdf := run(b, chromedp.PrintToPDF(chromedp.PDFPaper(chromedp.PaperA4), chromedp.PDFPreferCSSPageSize()))
			if !bytes.HasPrefix(pdf, []byte("%PDF")) {
				t.Fatal("no PDF")
			}
			// Registration, process and history on one or two pages; the casework that
			// follows (support, sessions, monitoring visits with their chart, timeline)
			// may take two more.
			if n := len(regexp.MustCompile(`/Type\s*/Page[^s]`).FindAll(pdf, -1)); n < 1 || n > 4 {
				t.Errorf("the case file prints on %d A4 pages, want 1 to 4", n)
			}
		})
	}
}
