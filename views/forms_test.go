package views

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
	"github.com/a-h/templ"

	"awda/models"
)

// langCtx is a request context in a language, with the real catalogue.
func langCtx(t *testing.T, lang string) context.Context {
	t.Helper()
	c, err := LoadCatalog()
	if err != nil {
		t.Fatal(err)
	}
	return WithRequest(context.Background(), &Request{Lang: lang, Catalog: c, Asset: func(n string) string { return "/static/" + n }})
}

func renderComp(t *testing.T, ctx context.Context, comp templ.Component) *goquery.Document {
	t.Helper()
	return renderDoc(t, ctx, func(ctx context.Context, b *bytes.Buffer) error { return comp.Render(ctx, b) })
}

func squash(s string) string { return strings.Join(strings.Fields(s), " ") }

// The error summary lists every error, as the form shows its fields, each a link to
// its field named by the field's label; an error of a field not named still links.
func TestFormErrorSummaryLinksEachErrorToItsField(t *testing.T) {
	ctx := langCtx(t, "fr")
	errs := map[string]string{"city": "error.required", "code": "error.office_code", "extra": "error.choose_value"}
	doc := renderComp(t, ctx, FormErrorSummary(errs,
		Field{Name: "code", Label: "admin.offices.code"}, Field{Name: "name", Label: "admin.offices.name"},
		Field{Name: "city", Label: "admin.offices.city", ID: "city-7"}))
	links := doc.Find(`[data-testid="form-errors"] li a`)
	if links.Length() != 3 {
		t.Fatalf("%d links, want 3: %s", links.Length(), squash(doc.Text()))
	}
	want := []struct{ href, text string }{
		{"#field-code", "Code : Le code est fait de trois lettres, par exemple RAB."},
		{"#city-7", "Ville : Ce champ est obligatoire."},
		{"#field-extra", "Choisissez une valeur dans la liste."},
	}
	links.Each(func(i int, a *goquery.Selection) {
		if h, _ := a.Attr("href"); h != want[i].href {
			t.Errorf("link %d: href %q, want %q", i, h, want[i].href)
		}
		if got := squash(a.Text()); got != want[i].text {
			t.Errorf("link %d: %q, want %q", i, got, want[i].text)
		}
	})
	if !strings.Contains(doc.Find("p").Text(), "3 erreurs") {
		t.Errorf("count: %q", doc.Find("p").Text())
	}
	if role, _ := doc.Find(`[data-testid="form-errors"]`).Attr("role"); role != "alert" {
		t.Errorf("role %q", role)
	}
	if doc = renderComp(t, ctx, FormErrorSummary(nil)); doc.Find(`[data-testid="form-errors"]`).Length() != 0 {
		t.Error("a summary without errors")
	}
}

// A required field carries the visible mark (explained by RequiredLegend) and says so
// to the browser and assistive technology, whatever its kind; an optional one neither.
func TestRequiredFieldsAreMarked(t *testing.T) {
	ctx := langCtx(t, "fr")
	req := Field{Name: "x", Label: "admin.offices.name", Required: true}
	for name, comp := range map[string]templ.Component{
		"input":    Input(req),
		"select":   Select(req, []Option{{"a", "A"}}, true),
		"textarea": TextArea(req),
		"checkbox": Checkbox(req, false),
	} {
		doc := renderComp(t, ctx, comp)
		if doc.Find("label .required-mark").Length() != 1 {
			t.Errorf("%s: no mark in the label", name)
		}
		c := doc.Find("#field-x")
		if _, ok := c.Attr("required"); !ok {
			t.Errorf("%s: no required attribute", name)
		}
		if v, _ := c.Attr("aria-required"); v != "true" {
			t.Errorf("%s: aria-required %q", name, v)
		}
		opt := req
		opt.Required = false
		var od *goquery.Document
		switch name {
		case "input":
			od = renderComp(t, ctx, Input(opt))
		case "textarea":
			od = renderComp(t, ctx, TextArea(opt))
		default:
			continue
		}
		if od.Find(".required-mark").Length() != 0 || od.Find("[required]").Length() != 0 {
			t.Errorf("%s: an optional field is marked", name)
		}
	}
	legend := renderComp(t, ctx, RequiredLegend())
	if got := squash(legend.Text()); got != "* Les champs marqués d'un astérisque sont obligatoires." {
		t.Errorf("legend %q", got)
	}
}

// Beside a date input, the date written out in the page's language; the input keeps
// the ISO value; app.js gets the month names to do the same as the date changes.
func TestDateInputWritesTheDateOut(t *testing.T) {
	for _, tc := range []struct{ lang, value, want, june string }{
		{"fr", "2026-12-03", "3 décembre 2026", "juin"},
		{"en", "2026-12-03", "3 December 2026", "June"},
		{"ar", "2026-12-03", "3 دجنبر 2026", "يونيو"},
		{"fr", "", "", "juin"},
		{"fr", "03/12/2026", "", "juin"},
	} {
		ctx := langCtx(t, tc.lang)
		doc := renderComp(t, ctx, Input(Field{Name: "d", Label: "admin.filter.from", Type: "date", Value: tc.value, Hint: "admin.offices.code_hint"}))
		in := doc.Find("input#field-d")
		if v, _ := in.Attr("value"); v != tc.value {
			t.Errorf("%s %q: value %q", tc.lang, tc.value, v)
		}
		w := doc.Find("#field-d-written")
		if got := strings.TrimSpace(w.Text()); got != tc.want {
			t.Errorf("%s %q: written %q, want %q", tc.lang, tc.value, got, tc.want)
		}
		months := strings.Split(w.AttrOr("data-months", ""), "|")
		if len(months) != 12 || months[5] != tc.june {
			t.Errorf("%s: data-months %v", tc.lang, months)
		}
		if d, _ := in.Attr("aria-describedby"); d != "field-d-written field-d-hint" {
			t.Errorf("%s: aria-describedby %q", tc.lang, d)
		}
	}
	// Other inputs have no written-out date.
	if doc := renderComp(t, langCtx(t, "fr"), Input(Field{Name: "n", Label: "admin.offices.name"})); doc.Find(".date-written").Length() != 0 {
		t.Error("a text input with a written-out date")
	}
}

// The role beside a name agrees with the user's gender when the account says it.
func TestRoleLabelAgreesWithTheUser(t *testing.T) {
	for _, tc := range []struct {
		lang, sex string
		role      models.Role
		want      string
	}{
		{"fr", "F", models.RoleCaseworker, "chargée de dossiers"},
		{"fr", "M", models.RoleCaseworker, "chargé de dossiers"},
		{"fr", "", models.RoleCaseworker, "chargé·e de dossiers"},
		{"fr", "F", models.RoleSupervisor, "superviseure"},
		{"fr", "F", models.RoleAdmin, "administratrice"},
		{"ar", "F", models.RoleCaseworker, "مكلفة بالملفات"},
		{"ar", "M", models.RoleCaseworker, "مكلف بالملفات"},
		{"ar", "F", models.RoleSupervisor, "مشرفة"},
		{"en", "F", models.RoleSupervisor, "supervisor"},
	} {
		u := &models.User{Role: tc.role, Sex: tc.sex}
		if got := RoleLabel(langCtx(t, tc.lang), u); got != tc.want {
			t.Errorf("%s %s %s: %q, want %q", tc.lang, tc.sex, tc.role, got, tc.want)
		}
	}
	// The header says it too.
	ctx := langCtx(t, "fr")
	Req(ctx).User = &models.User{Name: "Salma Benali", Role: models.RoleCaseworker, Sex: "F"}
	doc := renderComp(t, ctx, Layout(Page{Title: "home.title"}))
	if got := doc.Find("header .muted").Text(); got != "(chargée de dossiers)" {
		t.Errorf("header role %q", got)
	}
}

func TestPersonNameFollowsTheLanguage(t *testing.T) {
	for lang, want := range map[string]string{"fr": "Camara Mariama", "en": "Mariama Camara", "ar": "Mariama Camara"} {
		if got := PersonName(langCtx(t, lang), "Camara", "Mariama"); got != want {
			t.Errorf("%s: %q, want %q", lang, got, want)
		}
	}
	if got := PersonName(langCtx(t, "fr"), "", "Mariama"); got != "Mariama" {
		t.Errorf("given name alone: %q", got)
	}
}

// One title per page: a page that prints its own heading says so, and the layout
// prints none.
func TestOneTitlePerPage(t *testing.T) {
	ctx := langCtx(t, "fr")
	if n := renderComp(t, ctx, Layout(Page{Title: "home.title"})).Find("h1").Length(); n != 1 {
		t.Errorf("%d h1 from the layout", n)
	}
	if n := renderComp(t, ctx, Layout(Page{Title: "home.title", OwnHeading: true})).Find("h1").Length(); n != 0 {
		t.Errorf("%d h1 from the layout of a page with its own heading", n)
	}
	for name, comp := range map[string]templ.Component{
		"sessions":    SessionsPage(SessionsVM{}),
		"session-new": SessionNewPage(SessionForm{}),
		"session":     SessionPage(SessionVM{Session: &models.GroupSession{Title: "Information"}}),
	} {
		if n := renderComp(t, ctx, comp).Find("h1").Length(); n != 1 {
			t.Errorf("%s: %d h1", name, n)
		}
	}
}

// The note the portal writes when the first support is delivered reads in the page's
// language, whether stored as its key or, in older rows, as English text; a typed note
// stays as typed.
func TestHistoryNotesWrittenByThePortalAreTranslated(t *testing.T) {
	for _, stored := range []string{models.NoteFirstSupport, "first support delivered"} {
		for lang, want := range map[string]string{"fr": "Première aide remise", "ar": "تم تسليم أول مساعدة", "en": "First support delivered"} {
			if got := HistoryNote(langCtx(t, lang), stored); got != want {
				t.Errorf("%s %q: %q, want %q", lang, stored, got, want)
			}
		}
	}
	if got := HistoryNote(langCtx(t, "fr"), "Appel du bureau de Dakar"); got != "Appel du bureau de Dakar" {
		t.Errorf("typed note: %q", got)
	}
}

// The registration form's summary names each field by its label, consent first, and
// links a household member's error to that member's control.
func TestCaseFormErrorSummaryNamesItsFields(t *testing.T) {
	ctx := langCtx(t, "fr")
	f := CaseForm{In: models.CaseInput{Household: []models.HouseholdInput{{}}}, Errors: models.FieldErrors{
		"family_name": "error.required", "consent_date": "error.required", "household[0].relation": "error.required"}}
	doc := renderComp(t, ctx, CaseFormPage(f))
	var got []string
	doc.Find(`[data-testid="form-errors"] li a`).Each(func(_ int, a *goquery.Selection) {
		h, _ := a.Attr("href")
		got = append(got, h+" "+squash(a.Find("strong").Text()))
	})
	want := []string{"#field-consent_date Date du consentement éclairé", "#field-family_name Nom de famille", "#household-0-relation Lien de parenté"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("summary links %q, want %q", got, want)
	}
	for _, href := range []string{"field-consent_date", "field-family_name", "household-0-relation"} {
		if doc.Find("#"+href).Length() != 1 {
			t.Errorf("no control with id %s", href)
		}
	}
}
