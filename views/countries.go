package views

import (
	"context"
	"io"
	"slices"
	"sort"
	"sync"

	"github.com/a-h/templ"
	"golang.org/x/text/collate"
	"golang.org/x/text/language"
	"golang.org/x/text/language/display"

	"awda/models"
)

func displayTag(lang string) language.Tag {
	switch lang {
	case "ar":
		return language.Arabic
	case "en":
		return language.English
	}
	return language.French
}

// CountryName is a country's name in the request's language (the code when unknown).
func CountryName(ctx context.Context, code string) string {
	if code == "" {
		return ""
	}
	r, err := language.ParseRegion(code)
	if err != nil {
		return code
	}
	if n := display.Regions(displayTag(Req(ctx).Lang)).Name(r); n != "" {
		return n
	}
	return code
}

// CountryOptions lists every country, named in the request's language and sorted by
// that name with the language's collation. Each language's list is built once (the
// case forms and the list's filter show it on every request); callers get a copy.
func CountryOptions(ctx context.Context) []Option {
	lang := Req(ctx).Lang
	if cached, ok := countryOptions.Load(lang); ok {
		return slices.Clone(cached.([]Option))
	}
	opts := make([]Option, len(models.Countries))
	for i, c := range models.Countries {
		opts[i] = Option{Value: c, Label: CountryName(ctx, c)}
	}
	col := collate.New(displayTag(lang), collate.Loose)
	sort.SliceStable(opts, func(i, j int) bool { return col.CompareString(opts[i].Label, opts[j].Label) < 0 })
	countryOptions.Store(lang, opts)
	return slices.Clone(opts)
}

// countryOptions caches the sorted options by language.
var countryOptions sync.Map

// countryOptionsHTML caches, by language, every country's <option> rendered without
// and with the selected attribute.
var countryOptionsHTML sync.Map

type renderedOption struct{ value, plain, selected string }

// countryOptionList writes the country options (value selected), from HTML rendered
// once per language: a list page or a form shows some 250 countries on every request.
func countryOptionList(value string) templ.Component {
	return templ.ComponentFunc(func(ctx context.Context, w io.Writer) error {
		lang := Req(ctx).Lang
		cached, ok := countryOptionsHTML.Load(lang)
		if !ok {
			opts := CountryOptions(ctx)
			rendered := make([]renderedOption, len(opts))
			for i, o := range opts {
				v, l := templ.EscapeString(o.Value), templ.EscapeString(o.Label)
				rendered[i] = renderedOption{value: o.Value,
					plain:    `<option value="` + v + `">` + l + `</option>`,
					selected: `<option value="` + v + `" selected>` + l + `</option>`}
			}
			cached, _ = countryOptionsHTML.LoadOrStore(lang, rendered)
		}
		for _, o := range cached.([]renderedOption) {
			s := o.plain
			if o.value == value {
				s = o.selected
			}
			if _, err := io.WriteString(w, s); err != nil {
				return err
			}
		}
		return nil
	})
}
