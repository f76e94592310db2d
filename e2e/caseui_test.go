package e2e

import (
	"encoding/json"
	"testing"

	"github.com/chromedp/chromedp"
)

// box is an element's place on the screen (getBoundingClientRect), with the viewport's
// size.
type box struct {
	Found                    bool
	Top, Bottom, Left, Right float64
	VW, VH                   float64
	Text                     string
}

// boxOf measures the first element matching sel.
func (b *tab) boxOf(sel string) box {
	b.t.Helper()
	return eval[box](b, `(function (el) {
		const d = document.documentElement;
		if (!el) return {Found: false, VW: d.clientWidth, VH: window.innerHeight};
		const r = el.getBoundingClientRect();
		return {Found: true, Top: r.top, Bottom: r.bottom, Left: r.left, Right: r.right,
			VW: d.clientWidth, VH: window.innerHeight, Text: el.textContent.trim()};
	})(document.querySelector(`+jsString(sel)+`))`)
}

// visible reports whether the first element matching sel is drawn: not hidden, and not
// inside a closed <details> (whose content keeps its boxes but is not rendered).
func (b *tab) visible(sel string) bool {
	b.t.Helper()
	return eval[bool](b, `(function (el) { return !!el && el.checkVisibility({contentVisibilityAuto: true, visibilityProperty: true}); })(document.querySelector(`+jsString(sel)+`))`)
}

func jsString(s string) string {
	j, _ := json.Marshal(s)
	return string(j)
}

// The case file opens on who the person is, their stage and the next thing to do: all
// three within the first screen of a 1366×768 laptop, in French and in Arabic.
func TestCaseFileHeaderAboveTheFold(t *testing.T) {
	for _, who := range []string{"caseworker", "arabic"} {
		t.Run(who, func(t *testing.T) {
			t.Parallel()
			b := newTab(t)
			b.login(who)
			b.do(chromedp.EmulateViewport(1366, 768))
			b.get(fixtureCase)
			for _, id := range []string{"case-name", "case-status", "next-action"} {
				bx := b.boxOf(testSel(id))
				if !bx.Found || bx.Text == "" {
					t.Fatalf("%s: missing or empty", id)
				}
				if bx.Top < 0 || bx.Bottom > bx.VH || bx.Left < 0 || bx.Right > bx.VW {
					t.Errorf("%s %q at %.0f..%.0f × %.0f..%.0f, outside the first screen %.0f×%.0f", id, bx.Text, bx.Left, bx.Right, bx.Top, bx.Bottom, bx.VW, bx.VH)
				}
			}
			if got := b.attr(testSel("next-action"), "data-action"); got != "record-counselling" {
				t.Errorf("next action %q on a registered case, want record-counselling", got)
			}
		})
	}
}

// A chip removes its filter and keeps the others; "clear all" removes them all.
func TestCaseListChipsRemoveFilters(t *testing.T) {
	t.Parallel()
	b := newTab(t)
	b.login("caseworker")
	b.get("/cases?status=registered&direction=outbound&sort=name")
	if !b.has(testSel("chip-status")) || !b.has(testSel("chip-direction")) {
		t.Fatal("no chips for the active filters")
	}
	if st := b.submit("chip-status"); st != 200 {
		t.Fatalf("remove the stage filter: status %d", st)
	}
	if loc := b.location(); loc != "/cases?direction=outbound&sort=name" {
		t.Errorf("after removing the stage: at %s", loc)
	}
	if b.has(testSel("chip-status")) || !b.has(testSel("chip-direction")) {
		t.Error("the stage chip is still there, or the direction chip went too")
	}
	if got := b.value("status"); got != "" {
		t.Errorf("the stage control still holds %q", got)
	}
	if st := b.submit("clear-filters"); st != 200 {
		t.Fatalf("clear all: status %d", st)
	}
	if loc := b.location(); loc != "/cases?sort=name" || b.has(testSel("active-filters")) {
		t.Errorf("after clearing: at %s, chips shown: %v", loc, b.has(testSel("active-filters")))
	}
}

// At 390 px each case is a card that fits the screen, the filters fold away, and the
// case file's support shows its amount and status; in both directions.
func TestCaseScreensAt390(t *testing.T) {
	for _, who := range []string{"caseworker", "arabic"} {
		t.Run(who, func(t *testing.T) {
			t.Parallel()
			b := newTab(t)
			b.login(who)
			b.do(chromedp.EmulateViewport(390, 844))
			b.get("/cases")
			if w := eval[[]float64](b, `[document.documentElement.scrollWidth, document.documentElement.clientWidth]`); w[0] > w[1]+1 {
				t.Errorf("the list scrolls sideways: %.0f px in %.0f", w[0], w[1])
			}
			if got := b.style(testSel("case-row"), "display"); got != "grid" {
				t.Errorf("a case row is displayed %q, not as a card", got)
			}
			if b.visible(`input[name="q"]`) {
				t.Error("the filters are unfolded on a phone with none active")
			}
			for _, sel := range []string{".c-num", ".c-name", ".c-stage .badge", ".c-who", ".c-wait"} {
				bx := b.boxOf(testSel("case-row") + " " + sel)
				if !bx.Found || bx.Left < 0 || bx.Right > bx.VW+1 || bx.Right-bx.Left < 1 {
					t.Errorf("card part %s at %.0f..%.0f in %.0f px", sel, bx.Left, bx.Right, bx.VW)
				}
			}
			b.get(fixtureCase)
			if w := eval[[]float64](b, `[document.documentElement.scrollWidth, document.documentElement.clientWidth]`); w[0] > w[1]+1 {
				t.Errorf("the case file scrolls sideways: %.0f px in %.0f", w[0], w[1])
			}
			for _, sel := range []string{`[data-testid="support-list"] td.num`, `[data-testid="support-status"]`} {
				bx := b.boxOf(sel)
				if !bx.Found || bx.Left < 0 || bx.Right > bx.VW+1 {
					t.Errorf("support %s at %.0f..%.0f in %.0f px: cut", sel, bx.Left, bx.Right, bx.VW)
				}
			}
		})
	}
}

// Without JavaScript the filter bar is open on a wide screen (the style sheet, not the
// script, unfolds it).
func TestCaseFiltersOpenOnDesktopWithoutJavaScript(t *testing.T) {
	t.Parallel()
	b := newTab(t)
	b.login("nojs-caseworker")
	b.noScript()
	b.do(chromedp.EmulateViewport(1366, 768))
	b.get("/cases")
	if !b.visible(`input[name="q"]`) || !b.visible(testSel("search")) {
		t.Error("the filters are folded on a wide screen without JavaScript")
	}
	if b.visible(testSel("filter-fold") + " > summary") {
		t.Error("the fold's summary shows on a wide screen")
	}
}
