package views

import (
	"bytes"
	"context"
	"net/url"
	"strings"
	"testing"

	"awda/models"
)

func caseUICtx(t *testing.T, lang string, role models.Role) context.Context {
	t.Helper()
	c, err := LoadCatalog()
	if err != nil {
		t.Fatal(err)
	}
	u := &models.User{ID: 1, Name: "Salma", Role: role}
	return WithRequest(context.Background(), &Request{Lang: lang, Catalog: c, User: u, CSRF: "tok", Path: "/cases",
		Asset: func(n string) string { return "/static/" + n }})
}

// The Arabic case file: the header names the person, points from nationality to return
// country in the reading direction, and shows a waiting note instead of a button.
func TestCaseFileHeaderInArabic(t *testing.T) {
	ctx := caseUICtx(t, "ar", models.RoleCaseworker)
	cs := &models.Case{ID: 4, CaseNumber: "RAB-2021-00004", FamilyName: "Diallo", GivenName: "Oumar", Sex: models.SexM,
		Nationality: "GN", ReturnCountry: "SN", Direction: models.Outbound, Status: models.StatusCounselled,
		Office: &models.Office{Name: "Rabat"}, VulnerabilityOf: []models.CaseVulnerability{{Code: "medical_condition"}}}
	f := CaseFile{Case: cs, CanEdit: true, Head: CaseHead{Age: "31", Next: NextAction{ID: "wait-counselled", Key: "caseui.next.wait_counselled", Wait: true}}}
	doc := renderDoc(t, ctx, func(ctx context.Context, b *bytes.Buffer) error { return CaseFilePage(f).Render(ctx, b) })
	head := doc.Find(`[data-testid="case-header"]`)
	// Arabic writes the given name first (person.name).
	if got := head.Find(`[data-testid="case-name"]`).Text(); got != "Oumar Diallo" {
		t.Errorf("name %q", got)
	}
	if got := head.Find(`[data-testid="case-nationality"]`).Text(); !strings.Contains(got, "←") || strings.Contains(got, "→") {
		t.Errorf("nationality → return country in Arabic: %q", got)
	}
	if head.Find(`a[data-testid="next-action"]`).Length() != 0 || !strings.Contains(head.Find(`p[data-testid="next-action"]`).Text(), "المشرف") {
		t.Error("a stage where the caseworker waits shows a button, or no note")
	}
	if got := head.Find(`[data-testid="vulnerabilities"] li`).Length(); got != 1 {
		t.Errorf("%d vulnerabilities", got)
	}
	if doc.Find(`h1`).Length() != 1 {
		t.Error("more than one title")
	}
}

// The list's chips name each filter with its value as the controls show it, and link
// to the list without it (sort kept, page dropped).
func TestCaseListChipsNameTheirValues(t *testing.T) {
	ctx := caseUICtx(t, "fr", models.RoleSupervisor)
	l := CaseList{Query: url.Values{"status": {"returned"}, "office": {"RAB"}, "nationality": {"GN"}, "assigned": {"7"}, "sort": {"name"}},
		Statuses: []Option{{Value: "returned", Label: "Rentré"}}, Offices: []Option{{Value: "RAB", Label: "RAB — Rabat"}},
		Workers: []Option{{Value: "7", Label: "Salma Benali"}}, Page: 2, PerPage: 50}
	got := map[string]FilterChip{}
	for _, ch := range l.Chips(ctx) {
		got[ch.Param] = ch
	}
	want := map[string]string{"status": "Rentré", "office": "RAB — Rabat", "nationality": "Guinée", "assigned": "Salma Benali"}
	if len(got) != len(want) {
		t.Fatalf("chips %v", got)
	}
	for p, v := range want {
		if got[p].Value != v {
			t.Errorf("chip %s = %q, want %q", p, got[p].Value, v)
		}
		u, _ := url.Parse(got[p].Remove)
		if u.Query().Has(p) || u.Query().Get("sort") != "name" || len(u.Query()) != 4 {
			t.Errorf("chip %s removes to %q", p, got[p].Remove)
		}
	}
	if !l.FiltersActive() || (CaseList{Query: url.Values{"sort": {"name"}}}).FiltersActive() {
		t.Error("FiltersActive counts the sort, or misses the filters")
	}
}
