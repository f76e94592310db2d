package views

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"

	"golang.org/x/text/message"
	"golang.org/x/text/number"

	"awda/models"
)

// Whole numbers and amounts read exactly as x/text writes them, in every language, for
// numbers of every length and sign; and every language takes the fast path.
func TestNumbersAsXText(t *testing.T) {
	c, err := LoadCatalog()
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(1, 2))
	ns := []int64{0, 1, -1, 9, 10, 99, 100, 999, 1000, -1000, 9999, 10000, 99999, 100000, 999999, 1000000, 1<<63 - 1, -1 << 63}
	for range 2000 {
		ns = append(ns, r.Int64()>>r.UintN(63), -(r.Int64() >> r.UintN(63)))
	}
	for _, lang := range Languages {
		if _, ok := wholeNumberFormats()[lang]; !ok {
			t.Errorf("%s: numbers left to x/text", lang)
		}
		ctx := WithRequest(context.Background(), &Request{Lang: lang, Catalog: c})
		p := message.NewPrinter(numberTag(lang))
		for _, n := range ns {
			if got, want := Int(ctx, n), p.Sprint(number.Decimal(n)); got != want {
				t.Fatalf("%s: Int(%d) = %q, x/text %q", lang, n, got, want)
			}
			minor := n % 1_000_000_000_000
			for _, cur := range []string{"MAD", "XOF", "EUR"} {
				if got, want := Money(ctx, minor, cur), moneyByXText(p, minor, cur); got != want {
					t.Fatalf("%s: Money(%d, %s) = %q, x/text %q", lang, minor, cur, got, want)
				}
			}
		}
	}
}

// moneyByXText is an amount written by x/text alone: the whole units and the decimal
// mark read off the locale's printer, as Money did before it had the fast path.
func moneyByXText(p *message.Printer, minor int64, currency string) string {
	digits := models.CurrencyDigits(currency)
	if digits == 0 {
		return p.Sprint(number.Decimal(minor)) + " " + currency
	}
	div := int64(1)
	for range digits {
		div *= 10
	}
	sign := ""
	if minor < 0 {
		sign, minor = "-", -minor
	}
	return sign + p.Sprint(number.Decimal(minor/div)) + decimalSeparator(p) + fmt.Sprintf("%0*d", digits, minor%div) + " " + currency
}

// BenchmarkInt is one whole number as a page writes it.
func BenchmarkInt(b *testing.B) {
	ctx := WithRequest(context.Background(), &Request{Lang: "fr"})
	for b.Loop() {
		Int(ctx, 1234567)
	}
}
