package views

import (
	"encoding/json"
	"io/fs"
	"os"
	"regexp"
	"sort"
	"strings"
	"testing"
)

// glossary is views/glossary.json: the portal's words.
type glossary struct {
	Terms []struct {
		ID, FR, EN, AR string
		Keys           []string
	}
	Retired map[string][]struct{ Term, Use string }
}

func loadGlossary(t *testing.T) glossary {
	t.Helper()
	b, err := os.ReadFile("glossary.json")
	if err != nil {
		t.Fatal(err)
	}
	var g glossary
	if err := json.Unmarshal(b, &g); err != nil {
		t.Fatalf("glossary.json: %v", err)
	}
	return g
}

// catalogueTexts reads every catalogue file as key (and plural form) → text, by file.
func catalogueTexts(t *testing.T) map[string]map[string]string {
	t.Helper()
	files, err := fs.Glob(localeFiles, "locales/*.json")
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]map[string]string{}
	for _, name := range files {
		b, _ := fs.ReadFile(localeFiles, name)
		var raw map[string]any
		if err := json.Unmarshal(b, &raw); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		texts := map[string]string{}
		for k, v := range raw {
			switch v := v.(type) {
			case string:
				texts[k] = v
			case map[string]any:
				for form, s := range v {
					if s, ok := s.(string); ok {
						texts[k+"#"+form] = s
					}
				}
			}
		}
		out[strings.TrimPrefix(name, "locales/")] = texts
	}
	return out
}

// retiredPattern matches a retired term as a whole word (or words), whatever the case.
func retiredPattern(term string) *regexp.Regexp {
	return regexp.MustCompile(`(?i)(^|[^\p{L}\p{M}])` + regexp.QuoteMeta(term) + `($|[^\p{L}\p{M}])`)
}

// No catalogue text uses a word the glossary retired.
func TestCatalogueUsesNoRetiredTerm(t *testing.T) {
	g := loadGlossary(t)
	texts := catalogueTexts(t)
	var names []string
	for n := range texts {
		names = append(names, n)
	}
	sort.Strings(names)
	patterns := map[string][]*regexp.Regexp{}
	for lang, rs := range g.Retired {
		for _, r := range rs {
			patterns[lang] = append(patterns[lang], retiredPattern(r.Term))
		}
	}
	for _, name := range names {
		parts := strings.Split(name, ".")
		lang := parts[len(parts)-2]
		for key, text := range texts[name] {
			for i, r := range g.Retired[lang] {
				if !patterns[lang][i].MatchString(text) {
					continue
				}
				t.Errorf("%s %s: %q uses the retired %q: use %q", name, key, text, r.Term, r.Use)
			}
		}
	}
}

// The keys the glossary names use its word, in each language.
func TestCatalogueUsesTheGlossarysTerms(t *testing.T) {
	g := loadGlossary(t)
	c, err := LoadCatalog()
	if err != nil {
		t.Fatal(err)
	}
	for _, term := range g.Terms {
		if term.FR == "" || term.EN == "" || term.AR == "" {
			t.Errorf("%s: a language is missing", term.ID)
		}
		for _, key := range term.Keys {
			for lang, word := range map[string]string{"fr": term.FR, "en": term.EN, "ar": term.AR} {
				text := c.T(lang, key)
				if text == key { // a plural message
					text = c.T(lang, key, "Count", 5)
				}
				if !strings.Contains(strings.ToLower(text), strings.ToLower(word)) && !strings.Contains(strings.ToLower(text), strings.ToLower(stem(word))) {
					t.Errorf("%s (%s) in %s: %q does not use %q", key, term.ID, lang, text, word)
				}
			}
		}
	}
}

// stem drops a plural or feminine ending, so "Séances" uses "séance" and "الجلسات"
// "جلسة".
func stem(word string) string {
	if len([]rune(word)) > 3 {
		return strings.TrimRight(word, "seة")
	}
	return word
}

// The check fails on a retired word, as a whole word only.
func TestRetiredPatternMatchesWholeWords(t *testing.T) {
	p := retiredPattern("référence")
	for text, want := range map[string]bool{
		"Référence enregistrée.": true,
		"Suivi de la référence":  true,
		"références":             false,
		"Préférence":             false,
		"(référence)":            true,
	} {
		if got := p.MatchString(text); got != want {
			t.Errorf("%q: %v, want %v", text, got, want)
		}
	}
	if !retiredPattern("الجلسات الجماعية").MatchString("كل الجلسات الجماعية") {
		t.Error("Arabic phrase not found")
	}
}
