package views

import (
	"context"
	"testing"
)

func TestCountryOptionsAreNamedInTheUsersLanguageAndSorted(t *testing.T) {
	for lang, want := range map[string]string{"fr": "Maroc", "en": "Morocco", "ar": "المغرب"} {
		ctx := WithRequest(context.Background(), &Request{Lang: lang})
		opts := CountryOptions(ctx)
		found := false
		for _, o := range opts {
			if o.Value == "MA" {
				found = true
				if o.Label != want {
					t.Errorf("%s: MA is %q, want %q", lang, o.Label, want)
				}
			}
		}
		if !found {
			t.Errorf("%s: Morocco missing", lang)
		}
	}
	ctx := WithRequest(context.Background(), &Request{Lang: "fr"})
	opts := CountryOptions(ctx)
	idx := map[string]int{}
	for i, o := range opts {
		idx[o.Value] = i
	}
	// Afrique du Sud (ZA) sorts before Allemagne (DE), and Égypte (EG) among the E's.
	if idx["ZA"] > idx["DE"] || idx["EG"] > idx["ES"] {
		t.Errorf("French order wrong: ZA %d DE %d EG %d ES %d", idx["ZA"], idx["DE"], idx["EG"], idx["ES"])
	}
}
