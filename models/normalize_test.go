package models

import (
	"strings"
	"testing"
)

func TestNormalizeFoldsAccentsCaseAndTransliterations(t *testing.T) {
	same := [][]string{
		{"Mohamed", "Mohammed", "Muhammad", "Mohamad", "MOHAMMED", "Mouhamed"},
		{"Fatoumata", "Fatimata", "Fatoumatta", "fatoumata"},
		{"Ousmane", "Usman", "Ousman"},
		{"Aïcha", "Aicha", "Aisha", "AÏCHA"},
		{"Abdoulaye", "Abdullahi"},
		{"Mamadou", "Mamadu"},
		{"Ibrahima", "Ibrahim"},
		{"Youssef", "Yusuf", "Youssouf"},
		{"Éléonore", "eleonore", "ELEONORE"},
		{"فاطمة", "فَاطِمَة", "فاطمـة", "فاطمه"},
		{"أحمد", "احمد", "إحمد"},
		{"N'Diaye", "n diaye"},
	}
	for _, group := range same {
		want := Normalize(group[0])
		for _, s := range group[1:] {
			if got := Normalize(s); got != want {
				t.Errorf("Normalize(%q) = %q, want %q (as %q)", s, got, want, group[0])
			}
		}
	}
	differ := [][2]string{{"Mohamed", "Ahmed"}, {"Fatoumata", "Fatima"}, {"Aicha", "Aissatou"}, {"فاطمة", "خديجة"}}
	for _, p := range differ {
		if Normalize(p[0]) == Normalize(p[1]) {
			t.Errorf("%q and %q should stay apart", p[0], p[1])
		}
	}
}

func TestNameKeyIgnoresWordOrder(t *testing.T) {
	if a, b := NameKey("Diallo", "Mamadou Alpha"), NameKey("Alpha Mamadu", "DIALLO"); a != b {
		t.Fatalf("NameKey differs: %q vs %q", a, b)
	}
	if a, b := NameKey("الزهراء", "فاطمة"), NameKey("فاطمة", "الزهراء"); a != b {
		t.Fatalf("NameKey differs for Arabic: %q vs %q", a, b)
	}
}

func TestSearchKeyKeepsIdentifiersWhole(t *testing.T) {
	k := SearchKey("Ben Saïd", "Aïcha", "RAB-2021-00042", "AB 123456", "+212 6 12 34 56 78")
	for _, q := range []string{"said", "aisha", "rab-2021-00042", "RAB202100042", "00042", "ab123456", "6 12 34", "612345678"} {
		terms := SearchTerms(q)
		for _, term := range terms {
			if !contains(k, term) {
				t.Errorf("search %q (term %q) not found in key %q", q, term, k)
			}
		}
	}
}

func contains(s, sub string) bool { return sub != "" && strings.Contains(s, sub) }
