package views

import (
	"context"
	"sort"

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
// that name with the language's collation.
func CountryOptions(ctx context.Context) []Option {
	opts := make([]Option, len(models.Countries))
	for i, c := range models.Countries {
		opts[i] = Option{Value: c, Label: CountryName(ctx, c)}
	}
	col := collate.New(displayTag(Req(ctx).Lang), collate.Loose)
	sort.SliceStable(opts, func(i, j int) bool { return col.CompareString(opts[i].Label, opts[j].Label) < 0 })
	return opts
}
