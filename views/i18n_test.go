package views

import (
	"bytes"
	"context"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/PuerkitoBio/goquery"

	"awda/models"
)

func TestCatalogHasEveryKeyInEveryLanguage(t *testing.T) {
	c, err := LoadCatalog()
	if err != nil {
		t.Fatal(err)
	}
	if missing := c.MissingKeys(); len(missing) > 0 {
		t.Fatalf("keys missing from the catalogue: %v", missing)
	}
}

func TestMissingKeyFailsTheCatalogueCheck(t *testing.T) {
	fsys := fstest.MapFS{
		"locales/a.fr.json": {Data: []byte(`{"x": "X", "y": "Y"}`)},
		"locales/a.en.json": {Data: []byte(`{"x": "X"}`)},
		"locales/a.ar.json": {Data: []byte(`{"x": "X", "y": "Y"}`)},
	}
	c, err := loadCatalog(fsys)
	if err != nil {
		t.Fatal(err)
	}
	got := c.MissingKeys()
	if len(got) != 1 || len(got["en"]) != 1 || got["en"][0] != "y" {
		t.Fatalf("MissingKeys() = %v, want en: [y]", got)
	}
}

func TestEveryEnumeratedValueHasALabel(t *testing.T) {
	c, err := LoadCatalog()
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range models.Roles {
		if !c.Has("fr", "role."+string(r)) {
			t.Errorf("no label for role %s", r)
		}
	}
}

// spaces folds the narrow and non-breaking spaces French uses between thousands.
var spaces = strings.NewReplacer("\u202f", " ", "\u00a0", " ")

func TestNumberAndMoneyFormatsFollowTheLanguage(t *testing.T) {
	c, err := LoadCatalog()
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		lang, number, money, date string
	}{
		{"fr", "1 925", "1 500,50 MAD", "2 mars 2021"},
		{"en", "1,925", "1,500.50 MAD", "2 March 2021"},
		{"ar", "1.925", "1.500,50 MAD", "2 مارس 2021"},
	}
	for _, tc := range cases {
		ctx := WithRequest(context.Background(), &Request{Lang: tc.lang, Catalog: c})
		if got := spaces.Replace(Int(ctx, 1925)); got != tc.number {
			t.Errorf("%s: Int = %q, want %q", tc.lang, got, tc.number)
		}
		if got := spaces.Replace(Money(ctx, 150050, "MAD")); got != tc.money {
			t.Errorf("%s: Money = %q, want %q", tc.lang, got, tc.money)
		}
		if got := FormatDate(ctx, models.NewDate(2021, 3, 2)); got != tc.date {
			t.Errorf("%s: FormatDate = %q, want %q", tc.lang, got, tc.date)
		}
	}
}

func TestAcceptLanguage(t *testing.T) {
	for header, want := range map[string]string{"": "fr", "ar-MA,ar;q=0.9": "ar", "en-GB,en;q=0.8": "en", "de-DE": "fr", "fr-MA": "fr"} {
		if got := MatchLanguage(header); got != want {
			t.Errorf("MatchLanguage(%q) = %q, want %q", header, got, want)
		}
	}
}

// withArg (a row label translated once per page) gives what T gives, in every language;
// plain messages come from the cache unchanged.
func TestWithArgAndPlainCacheMatchTheCatalogue(t *testing.T) {
	c, err := LoadCatalog()
	if err != nil {
		t.Fatal(err)
	}
	for _, lang := range Languages {
		ctx := WithRequest(context.Background(), &Request{Lang: lang, Catalog: c})
		want := c.T(lang, "cases.reassign.select_one", "Number", "OUJ-2021-00001")
		if got := withArg(ctx, "cases.reassign.select_one", "Number")("OUJ-2021-00001"); got != want || !strings.Contains(got, "OUJ-2021-00001") {
			t.Errorf("%s: %q, want %q", lang, got, want)
		}
		first, second := c.T(lang, "cases.list_title"), c.T(lang, "cases.list_title")
		if first != second || first == "cases.list_title" {
			t.Errorf("%s: %q then %q", lang, first, second)
		}
	}
}

// TBdi reads as T does, in every language, with each value in its own <bdi>, escaped.
func TestTBdiIsolatesEachValue(t *testing.T) {
	c, err := LoadCatalog()
	if err != nil {
		t.Fatal(err)
	}
	for _, lang := range Languages {
		ctx := WithRequest(context.Background(), &Request{Lang: lang, Catalog: c})
		args := []any{"Page", "2", "Pages", "<12>"}
		doc := renderDoc(t, ctx, func(ctx context.Context, b *bytes.Buffer) error {
			return TBdi("pager.position", args...).Render(ctx, b)
		})
		if got, want := doc.Text(), c.T(lang, "pager.position", args...); got != want {
			t.Errorf("%s: %q, want %q", lang, got, want)
		}
		var bdis []string
		doc.Find("bdi").Each(func(_ int, s *goquery.Selection) { bdis = append(bdis, s.Text()) })
		if !slices.Equal(bdis, []string{"2", "<12>"}) {
			t.Errorf("%s: bdi %v", lang, bdis)
		}
	}
}

// renderDoc renders a component and parses the HTML.
func renderDoc(t *testing.T, ctx context.Context, render func(context.Context, *bytes.Buffer) error) *goquery.Document {
	t.Helper()
	var b bytes.Buffer
	if err := render(ctx, &b); err != nil {
		t.Fatal(err)
	}
	doc, err := goquery.NewDocumentFromReader(&b)
	if err != nil {
		t.Fatal(err)
	}
	return doc
}
