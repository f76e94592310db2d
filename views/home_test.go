package views

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"awda/models"
)

// TestHomeShowsEachFigureWithItsUnitAndTheYearsSideBySide: a line's figure keeps its
// unit (and a line without a unit shows no figure), and the key figures sit in two
// columns, this year then last year, each heading linking to its year's summary.
func TestHomeShowsEachFigureWithItsUnitAndTheYearsSideBySide(t *testing.T) {
	c, err := LoadCatalog()
	if err != nil {
		t.Fatal(err)
	}
	u := &models.User{ID: 1, Name: "Salma", Role: models.RoleSupervisor}
	sections := []HomeSection{
		{Title: "cases.home.waiting", ID: "cases-waiting", Links: []HomeLink{
			{Label: "RAB-2026-00001 · Sow Awa", Count: 1797, Unit: UnitDays, Href: "/cases/1", ID: "waiting-case"},
			{Label: "export.cases", Href: "/admin/exports", ID: "home-export"},
		}},
		{Title: "summary.home.title", ID: "summary", Years: &HomeYears{This: 2026, Last: 2025, ThisHref: "/summary?year=2026", LastHref: "/summary?year=2025",
			Rows: []HomeYearRow{{Label: "homes.figure.returns", Unit: UnitPeople, This: 12, Last: 2377, ID: "home-figure-returns"}}}},
	}
	for lang, want := range map[string][]string{
		"fr": {"1 797 j", "Retours", "12 pers.", "2 377 pers.", "Cette année (2026)", "L'an dernier (2025)"},
		"en": {"1,797 days", "Returns", "12 people", "2,377 people", "This year (2026)", "Last year (2025)"},
		"ar": {"1.797 يومًا", "حالات العودة", "12 شخصًا", "2.377 شخصًا", "هذه السنة (2026)", "السنة الماضية (2025)"},
	} {
		ctx := WithRequest(context.Background(), &Request{Lang: lang, Catalog: c, User: u, CSRF: "tok", Path: "/",
			Asset: func(n string) string { return "/static/" + n }})
		doc := renderDoc(t, ctx, func(ctx context.Context, b *bytes.Buffer) error { return Home(sections).Render(ctx, b) })
		text := func(sel string) string {
			return strings.NewReplacer("\u202f", " ", "\u00a0", " ").Replace(strings.TrimSpace(doc.Find(sel).Text()))
		}
		got := []string{
			text(`[data-testid="waiting-case"] .badge`),
			text(`[data-testid="home-figure-returns"] th`),
			text(`[data-testid="home-figure-returns"] [data-testid="this"]`),
			text(`[data-testid="home-figure-returns"] [data-testid="last"]`),
			text(`[data-testid="home-year-this"]`),
			text(`[data-testid="home-year-last"]`),
		}
		if strings.Join(got, "|") != strings.Join(want, "|") {
			t.Errorf("%s: %q, want %q", lang, got, want)
		}
		if dir, _ := doc.Find(`[data-testid="waiting-case"] .badge`).Attr("dir"); dir != Direction(lang) {
			t.Errorf("%s: the figure's direction is %q, not the page's", lang, dir)
		}
		if doc.Find(`[data-testid="home-export"] .badge`).Length() != 0 {
			t.Errorf("%s: a line without a unit shows a figure", lang)
		}
		if href, _ := doc.Find(`[data-testid="home-year-last"] a`).Attr("href"); href != "/summary?year=2025" {
			t.Errorf("%s: last year's link %q", lang, href)
		}
		doc.Find(`.home-cards h2`).Each(func(_ int, h *goquery.Selection) {
			if strings.ContainsAny(h.Text(), "\u00ad") {
				t.Errorf("%s: a soft hyphen in heading %q", lang, h.Text())
			}
		})
	}
}
