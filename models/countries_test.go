package models

import (
	"testing"

	"golang.org/x/text/language"
)

func TestCountriesAreTheAssignedISOCodes(t *testing.T) {
	if len(Countries) != 249 {
		t.Fatalf("%d countries, want 249", len(Countries))
	}
	for _, c := range Countries {
		r, err := language.ParseRegion(c)
		if err != nil || !r.IsCountry() {
			t.Errorf("%s is not a country code (%v)", c, err)
		}
	}
	for code, want := range map[string]bool{"MA": true, "GN": true, "SN": true, "ma": false, "XX": false, "ZZ": false, "": false, "EU": false} {
		if got := ValidCountry(code); got != want {
			t.Errorf("ValidCountry(%q) = %v, want %v", code, got, want)
		}
	}
}
