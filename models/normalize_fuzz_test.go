package models

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// Name normalisation never panics, gives valid UTF-8, and is idempotent: a normalised
// name normalises to itself (the stored keys and the typed searches meet), and the
// search and name keys are made of normalised words.
func FuzzNormalize(f *testing.F) {
	for _, s := range []string{"Fatoumata Diallo", "  MOHAMMED  el-Amrani ", "الزهراء فاطمة", "أحمد بن علي", "Aïcha Koné",
		"RAB-2021-00042", "06 12 34 56 78", "ﻻ", "İstanbul ǅemal", "oou", "Ouédraogo", "\xff\xfe", "ـــــ", "ß straße", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n := Normalize(s)
		if !utf8.ValidString(n) {
			t.Fatalf("Normalize(%q) = %q: not valid UTF-8", s, n)
		}
		if again := Normalize(n); again != n {
			t.Fatalf("Normalize is not idempotent: %q → %q → %q", s, n, again)
		}
		if n != strings.TrimSpace(n) || strings.Contains(n, "  ") {
			t.Fatalf("Normalize(%q) = %q: spaces not collapsed", s, n)
		}
		for _, k := range []string{SearchKey(s, s), NameKey(s, s)} {
			if !utf8.ValidString(k) {
				t.Fatalf("key of %q = %q: not valid UTF-8", s, k)
			}
			for _, w := range strings.Fields(k) {
				if Normalize(w) != w {
					t.Fatalf("key of %q has the word %q, which normalises to %q", s, w, Normalize(w))
				}
			}
		}
		if NameKey(s, "x") != NameKey("x", s) {
			t.Fatalf("NameKey depends on the order of %q and x", s)
		}
		for _, term := range SearchTerms(s) {
			if Normalize(term) != term {
				t.Fatalf("search term %q of %q normalises to %q", term, s, Normalize(term))
			}
		}
	})
}
