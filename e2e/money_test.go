package e2e

import (
	"strings"
	"testing"
)

// moneyCell is one amount as the browser lays it out: its text, its direction, and
// where its first digit and its currency code are drawn.
type moneyCell struct {
	Text      string
	Dir       string
	DigitLeft float64
	CodeLeft  float64
	CodeRight float64
	NextLeft  float64 // the left edge of the next amount on the same line, or -1
}

// In an Arabic case file every amount reads as one left-to-right unit, the amount then
// its currency, and never pairs with a neighbour's currency: each currency code is drawn
// to the right of its own digits, and the next amount on the line starts outside it.
func TestArabicMoneyKeepsAmountAndCurrencyTogether(t *testing.T) {
	b := newTab(t)
	b.login("arabic")
	b.get(fixtureCase)
	cells := eval[[]moneyCell](b, `[...document.querySelectorAll('bdi.money')].map(function (el) {
		const text = el.textContent, node = el.firstChild, r = document.createRange();
		const at = function (from, to) { r.setStart(node, from); r.setEnd(node, to); return r.getBoundingClientRect(); };
		const digit = text.search(/[0-9]/), code = text.search(/[A-Z]{3}$/);
		const next = el.parentElement.querySelectorAll('bdi.money');
		const i = [...next].indexOf(el);
		return {Text: text, Dir: getComputedStyle(el).direction,
			DigitLeft: at(digit, digit + 1).left, CodeLeft: at(code, code + 3).left, CodeRight: at(code, code + 3).right,
			NextLeft: i + 1 < next.length ? next[i + 1].getBoundingClientRect().left : -1};
	})`)
	if len(cells) < 2 {
		t.Fatalf("%d amounts on the fixture case file, want its support's", len(cells))
	}
	for _, c := range cells {
		if c.Dir != "ltr" || !strings.HasSuffix(c.Text, " MAD") {
			t.Errorf("amount %q: direction %s, want ltr with the currency after the amount", c.Text, c.Dir)
		}
		if c.CodeLeft <= c.DigitLeft {
			t.Errorf("amount %q: currency drawn at %.0f, left of its first digit at %.0f", c.Text, c.CodeLeft, c.DigitLeft)
		}
		if c.NextLeft >= 0 && c.NextLeft > c.DigitLeft && c.NextLeft < c.CodeRight {
			t.Errorf("amount %q: the next amount starts inside it", c.Text)
		}
	}
}
