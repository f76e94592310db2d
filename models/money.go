package models

import "strconv"

// Currencies offered in forms, MAD first; the ISO 4217 minor-unit digits of each.
var Currencies = []string{"MAD", "EUR", "USD", "XOF", "XAF", "GNF", "NGN", "CDF", "GMD", "SLE", "GBP", "CHF", "TND", "DZD", "EGP", "SAR"}

var currencyDigits = map[string]int{"XOF": 0, "XAF": 0, "GNF": 0, "TND": 3}

// CurrencyDigits is how many decimals a currency's amounts have (2 unless listed).
func CurrencyDigits(code string) int {
	if d, ok := currencyDigits[code]; ok {
		return d
	}
	return 2
}

// ValidCurrency reports whether a code is one we offer.
func ValidCurrency(code string) bool {
	for _, c := range Currencies {
		if c == code {
			return true
		}
	}
	return false
}

// FormatMinor writes minor units in major units with a dot and no grouping (1500.50),
// the neutral format of CSV exports.
func FormatMinor(minor int64, currency string) string {
	digits := CurrencyDigits(currency)
	s := strconv.FormatInt(abs64(minor), 10)
	if digits > 0 {
		for len(s) <= digits {
			s = "0" + s
		}
		s = s[:len(s)-digits] + "." + s[len(s)-digits:]
	}
	if minor < 0 {
		s = "-" + s
	}
	return s
}

func abs64(n int64) int64 {
	if n < 0 {
		return -n
	}
	return n
}
