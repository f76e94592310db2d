package models

import (
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"
)

// TextLimits is the longest value, in characters (runes), of every free-text form field,
// by field name; a name means the same kind of text on every form (a "note" is a status
// or activity note, a "name" a person's, a household member's or an office's). Short
// texts that a list or a CSV column shows whole get 200; texts that tell something get
// 4,000 (some two pages); the case notes keep 5,000. Without a limit one 900 KB note made
// a case file page of several megabytes. The README lists the same table.
var TextLimits = map[string]int{
	"family_name":   200,
	"given_name":    200,
	"name":          200,
	"languages":     200,
	"phone":         40,
	"id_doc_number": 60,
	"notes":         5000,
	"note":          4000,
	"reason":        4000,
	"comment":       4000,
	"description":   4000,
	"purpose":       4000,
	"outcome":       4000,
	"partner_name":  200,
	"title":         200,
	"place":         200,
	"facilitator":   200,
	"travel_route":  200,
	"received_by":   200,
	"interviewer":   200,
	"email":         254,
	"city":          200,
}

// TextLimit is the limit of a form field; household rows ("household[2].name") share
// their column's. Zero means the field is not free text.
func TextLimit(field string) int {
	if i := strings.LastIndexByte(field, '.'); i >= 0 {
		field = field[i+1:]
	}
	return TextLimits[field]
}

// LimitValues are the distinct limits, smallest first: each has its message.
func LimitValues() []int {
	var out []int
	for _, n := range TextLimits {
		if !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	slices.Sort(out)
	return out
}

// TooLongKey is the message key for a value over a limit of n characters.
func TooLongKey(n int) string { return fmt.Sprintf("limits.error.too_long_%d", n) }

// NotUTF8Key is the message for a value whose bytes are not UTF-8 text.
const NotUTF8Key = "limits.error.not_utf8"

// checkText checks a free-text value (already trimmed): text at all (valid UTF-8, so
// exports stay readable and re-importable), present when required, and within the
// field's limit from TextLimits.
func checkText(fe FieldErrors, field, v string, required bool) {
	max := TextLimit(field)
	switch {
	case !utf8.ValidString(v):
		fe.Add(field, NotUTF8Key)
	case required && v == "":
		fe.Add(field, "error.required")
	case max > 0 && utf8.RuneCountInString(v) > max:
		fe.Add(field, TooLongKey(max))
	}
}
