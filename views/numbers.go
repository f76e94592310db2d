package views

import (
	"strconv"
	"strings"
	"sync"

	"golang.org/x/text/language"
	"golang.org/x/text/message"
	"golang.org/x/text/number"
)

// wholeNumberFormat is how a language writes whole numbers, as x/text's CLDR data says:
// the sign's prefix, the separator between groups of three digits, and the decimal mark
// amounts are written with. Read from x/text once, so that a number costs a conversion
// and a few copies instead of a new printer and a pattern walk each (a home page writes
// some twenty, a summary a hundred).
type wholeNumberFormat struct {
	minus, group, decimal string
}

// wholeNumberFormats holds the format of each language whose numbers x/text writes that
// way; a language it does not fit (another grouping, say) is left out and formatted by
// x/text itself.
var wholeNumberFormats = sync.OnceValue(func() map[string]wholeNumberFormat {
	out := map[string]wholeNumberFormat{}
	for _, lang := range Languages {
		tag := numberTag(lang)
		minus, _ := strings.CutSuffix(xtextInt(tag, -1), "1")
		group, _ := strings.CutPrefix(xtextInt(tag, 1000), "1")
		group, _ = strings.CutSuffix(group, "000")
		f := wholeNumberFormat{minus: minus, group: group, decimal: decimalSeparator(message.NewPrinter(tag))}
		fits := true
		for _, n := range []int64{0, 9, -9, 999, 1000, -1000, 12345, 123456, -1234567, 1<<63 - 1, -1 << 63} {
			fits = fits && f.format(n) == xtextInt(tag, n)
		}
		if fits {
			out[lang] = f
		}
	}
	return out
})

// xtextInt is n written by x/text for a locale.
func xtextInt(tag language.Tag, n int64) string {
	return message.NewPrinter(tag).Sprint(number.Decimal(n))
}

// format writes n with its digits in groups of three.
func (f wholeNumberFormat) format(n int64) string {
	var buf [20]byte
	digits := strconv.AppendInt(buf[:0], n, 10)
	var b strings.Builder
	if digits[0] == '-' {
		b.WriteString(f.minus)
		digits = digits[1:]
	}
	b.Grow(len(digits) + len(digits)/3*len(f.group))
	first := len(digits) % 3
	if first == 0 {
		first = 3
	}
	b.Write(digits[:first])
	for i := first; i < len(digits); i += 3 {
		b.WriteString(f.group)
		b.Write(digits[i : i+3])
	}
	return b.String()
}

// formatInt writes a whole number as the language does (1 925, 1,925, 1.925).
func formatInt(lang string, n int64) string {
	if f, ok := wholeNumberFormats()[lang]; ok {
		return f.format(n)
	}
	return xtextInt(numberTag(lang), n)
}

// decimalMark is the mark between whole units and decimals in a language (1 500,50).
func decimalMark(lang string) string {
	if f, ok := wholeNumberFormats()[lang]; ok {
		return f.decimal
	}
	return decimalSeparator(message.NewPrinter(numberTag(lang)))
}
