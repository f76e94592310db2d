package views

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/a-h/templ"

	"golang.org/x/text/language"
	"golang.org/x/text/message"
	"golang.org/x/text/number"

	"awda/models"
)

// Request is the cross-cutting data every page needs, prepared once per request by the
// handlers and carried in the context. Page-specific data goes in view-model parameters.
type Request struct {
	Lang    string
	User    *models.User
	CSRF    string
	Path    string // the current path and query, for the language switch to return to
	Flashes []Flash
	Catalog *Catalog
	// Asset maps a static file name to its content-hashed URL.
	Asset func(name string) string
	// RequestID is shown on error pages so a user can quote it to support.
	RequestID string
}

// Flash is a one-time message shown at the top of the next page.
type Flash struct {
	Kind string // success, error or info
	Key  string // translation key
	Args []any
}

type requestKey struct{}

// WithRequest stores the request data in a context for the components.
func WithRequest(ctx context.Context, r *Request) context.Context {
	return context.WithValue(ctx, requestKey{}, r)
}

// Req returns the request data; components can rely on it being set by the renderer.
func Req(ctx context.Context) *Request {
	if r, ok := ctx.Value(requestKey{}).(*Request); ok {
		return r
	}
	return &Request{Lang: Languages[0], Asset: func(n string) string { return "/static/" + n }}
}

// T translates a key in the request's language.
func T(ctx context.Context, key string, args ...any) string {
	r := Req(ctx)
	if r.Catalog == nil {
		return key
	}
	return r.Catalog.T(r.Lang, key, args...)
}

// bdiMark brackets the index of an argument in a translation rendered by TBdi (a
// private-use character, which no catalogue text holds).
const bdiMark = "\uE000"

// TBdi renders a translation with the value of each argument in a <bdi>, so a number
// or a code keeps its own order inside right-to-left text ("1–50", "RAB"). A Count
// argument is passed as it is, since it chooses the plural form.
func TBdi(key string, args ...any) templ.Component {
	return templ.ComponentFunc(func(ctx context.Context, w io.Writer) error {
		marked := slices.Clone(args)
		var values []string
		for i := 0; i+1 < len(marked); i += 2 {
			if marked[i] == "Count" {
				continue
			}
			marked[i+1] = bdiMark + strconv.Itoa(len(values)) + bdiMark
			values = append(values, fmt.Sprint(args[i+1]))
		}
		var b strings.Builder
		for i, part := range strings.Split(T(ctx, key, marked...), bdiMark) {
			n, err := strconv.Atoi(part)
			if i%2 == 0 || err != nil || n >= len(values) {
				b.WriteString(templ.EscapeString(part))
				continue
			}
			b.WriteString("<bdi>" + templ.EscapeString(values[n]) + "</bdi>")
		}
		_, err := io.WriteString(w, b.String())
		return err
	})
}

// Dir is the text direction of the request's language.
func Dir(ctx context.Context) string { return Direction(Req(ctx).Lang) }

// numberTag is the locale used for numbers: French groups with a narrow space and uses a
// decimal comma; Arabic uses Western digits as is usual in Morocco.
func numberTag(lang string) language.Tag {
	switch lang {
	case "fr":
		return language.French
	case "ar":
		return language.MustParse("ar-MA")
	}
	return language.English
}

// Int formats a whole number for the request's language (1 925, 1,925).
func Int(ctx context.Context, n int64) string {
	return formatInt(Req(ctx).Lang, n)
}

// Decimal formats a number with a fixed count of decimals.
func Decimal(ctx context.Context, v float64, decimals int) string {
	return message.NewPrinter(numberTag(Req(ctx).Lang)).Sprint(number.Decimal(v, number.MinFractionDigits(decimals), number.MaxFractionDigits(decimals)))
}

// Money formats minor units as an amount with its currency code (1 500,50 MAD).
func Money(ctx context.Context, minor int64, currency string) string {
	digits := models.CurrencyDigits(currency)
	if digits == 0 {
		return Int(ctx, minor) + " " + currency
	}
	div := int64(1)
	for range digits {
		div *= 10
	}
	sign := ""
	if minor < 0 {
		sign, minor = "-", -minor
	}
	lang := Req(ctx).Lang
	frac := fmt.Sprintf("%0*d", digits, minor%div)
	return sign + formatInt(lang, minor/div) + decimalMark(lang) + frac + " " + currency
}

// decimalSeparator is the locale's decimal mark, read off a formatted 1.5 so that
// amounts held as integers never pass through a float.
func decimalSeparator(p *message.Printer) string {
	s := []rune(p.Sprint(number.Decimal(1.5, number.MinFractionDigits(1))))
	if len(s) == 3 {
		return string(s[1])
	}
	return "."
}

// FormatDate writes a date with the month's name in the request's language (2 mars 2021).
func FormatDate(ctx context.Context, d models.Date) string {
	if d.IsZero() {
		return ""
	}
	t := d.Time()
	return fmt.Sprintf("%d %s %d", t.Day(), T(ctx, fmt.Sprintf("month.%d", int(t.Month()))), t.Year())
}

// Label translates an enumerated value under a prefix: Label(ctx, "status", "approved").
func Label(ctx context.Context, prefix, value string) string {
	if value == "" {
		return ""
	}
	return T(ctx, prefix+"."+value)
}

// Attr joins class names, skipping empty ones.
func Attr(parts ...string) string {
	out := parts[:0]
	for _, p := range parts {
		if p != "" {
			out = append(out, p)
		}
	}
	return strings.Join(out, " ")
}

// officeOptions lists offices for a drop-down, by code and name.
func officeOptions(offices []models.Office) []Option {
	out := make([]Option, len(offices))
	for i, o := range offices {
		out[i] = Option{Value: o.Code, Label: o.Code + " — " + o.Name}
	}
	return out
}
