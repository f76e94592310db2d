package models

import (
	"strings"
)

// AmountError is an amount that cannot be read; Key is the translation key of the
// message shown beside the field.
type AmountError struct {
	Key string
	msg string
}

func (e *AmountError) Error() string { return e.msg }

var (
	errAmountEmpty     = &AmountError{Key: "casework.error.amount_required", msg: "amount is empty"}
	errAmountNegative  = &AmountError{Key: "casework.error.amount_negative", msg: "amount is negative"}
	errAmountInvalid   = &AmountError{Key: "casework.error.amount_invalid", msg: "amount is not a number such as 1500 or 1 500,50"}
	errAmountAmbiguous = &AmountError{Key: "casework.error.amount_ambiguous", msg: "amount is ambiguous: one separator followed by three digits may be thousands or decimals"}
	errAmountDecimals  = &AmountError{Key: "casework.error.amount_decimals", msg: "amount has more decimals than the currency allows"}
	errAmountTooLarge  = &AmountError{Key: "casework.error.amount_too_large", msg: "amount is too large"}
)

// MaxAmountMajor is the largest amount accepted, in major units (100 billion): larger
// is a typing mistake for any support given to one person.
const MaxAmountMajor = 100_000_000_000

// cwGroupSpaces are the spaces people and spreadsheets put between thousands.
var cwGroupSpaces = strings.NewReplacer(" ", " ", "\u00a0", " ", "\u202f", " ", "\u2009", " ")

// ParseAmount reads an amount typed as people write it, in major units of the currency,
// and returns minor units. Accepted: 1500, 1500.50, 1500,5, 1 500,50 (also with
// no-break or narrow spaces), 1,500.50, 1.500,50, 1.500.000.
//
// The rules:
//   - when both "." and "," appear, the last one is the decimal mark and the other groups
//     thousands; a mark that appears more than once groups thousands;
//   - spaces only group thousands (groups of exactly three digits);
//   - a single "." or "," followed by exactly three digits (1,500 or 1.500), without
//     spaces to show the grouping, is ambiguous (1500 or 1.5?) and refused, except for a
//     currency without decimals (XOF: it groups thousands) or with three (TND: it is the
//     decimal mark, as Tunisians write 1,500 DT), and except after a lone 0 or more than three digits (0,500 and 1500,500 are decimals);
//   - negative amounts, letters, more decimals than the currency has (CurrencyDigits)
//     and more than MaxAmountMajor are refused.
func ParseAmount(s, currency string) (int64, error) {
	s = strings.TrimSpace(cwGroupSpaces.Replace(s))
	if s == "" {
		return 0, errAmountEmpty
	}
	if s[0] == '-' || strings.HasPrefix(s, "−") {
		return 0, errAmountNegative
	}
	digits := CurrencyDigits(currency)
	spaced := strings.Contains(s, " ")
	for _, r := range s {
		if !(r >= '0' && r <= '9') && r != '.' && r != ',' && r != ' ' {
			return 0, errAmountInvalid
		}
	}
	lastDot, lastComma := strings.LastIndexByte(s, '.'), strings.LastIndexByte(s, ',')
	nDot, nComma := strings.Count(s, "."), strings.Count(s, ",")
	intPart, frac := s, ""
	var group byte // the thousands separator other than space, if any
	switch {
	case nDot > 0 && nComma > 0:
		dec := max(lastDot, lastComma)
		if s[dec] == '.' {
			group = ','
			if nDot > 1 {
				return 0, errAmountInvalid
			}
		} else {
			group = '.'
			if nComma > 1 {
				return 0, errAmountInvalid
			}
		}
		intPart, frac = s[:dec], s[dec+1:]
		if strings.IndexByte(frac, group) >= 0 {
			return 0, errAmountInvalid
		}
	case nDot > 1 || nComma > 1:
		if nDot > 1 {
			group = '.'
		} else {
			group = ','
		}
	case nDot == 1 || nComma == 1:
		dec := max(lastDot, lastComma)
		before, after := s[:dec], s[dec+1:]
		if len(after) == 3 && !spaced && before != "0" && len(before) <= 3 && cwIsDigits(after) && cwIsDigits(before) {
			switch digits {
			case 0:
				group = s[dec]
			case 3:
				intPart, frac = before, after
			default:
				return 0, errAmountAmbiguous
			}
		} else {
			intPart, frac = before, after
		}
	}
	if group != 0 {
		intPart = strings.ReplaceAll(intPart, string(group), " ")
	}
	whole, ok := cwGroupedDigits(intPart)
	if !ok {
		return 0, errAmountInvalid
	}
	if frac != "" || strings.HasSuffix(s, ".") || strings.HasSuffix(s, ",") {
		if frac == "" || !cwIsDigits(frac) {
			return 0, errAmountInvalid
		}
	}
	if len(frac) > digits {
		return 0, errAmountDecimals
	}
	if len(strings.TrimLeft(whole, "0")) > 12 {
		return 0, errAmountTooLarge
	}
	var major int64
	for _, r := range whole {
		major = major*10 + int64(r-'0')
	}
	if major > MaxAmountMajor {
		return 0, errAmountTooLarge
	}
	minor := major
	for i := range digits {
		minor *= 10
		if i < len(frac) {
			minor += int64(frac[i] - '0')
		}
	}
	if major == MaxAmountMajor && minor%cwPow10(digits) != 0 {
		return 0, errAmountTooLarge
	}
	return minor, nil
}

func cwPow10(n int) int64 {
	p := int64(1)
	for range n {
		p *= 10
	}
	return p
}

func cwIsDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// cwGroupedDigits checks a whole part written with space-separated thousands (or none)
// and returns its digits.
func cwGroupedDigits(s string) (string, bool) {
	if !strings.Contains(s, " ") {
		return s, cwIsDigits(s)
	}
	parts := strings.Split(s, " ")
	if len(parts[0]) < 1 || len(parts[0]) > 3 || !cwIsDigits(parts[0]) {
		return "", false
	}
	for _, p := range parts[1:] {
		if len(p) != 3 || !cwIsDigits(p) {
			return "", false
		}
	}
	return strings.Join(parts, ""), true
}
