package views

import (
	"encoding/json"
	"io/fs"
	"testing"
	"time"

	"github.com/nicksnyder/go-i18n/v2/i18n/template"
)

// Every message of the catalogue, in every language and plural form, reads the same
// through the placeholder parser as through text/template, whatever its arguments are:
// numbers, text with markup characters, a value that prints itself, a missing one.
func TestPlaceholdersReadAsTextTemplate(t *testing.T) {
	files, err := fs.Glob(localeFiles, "locales/*.json")
	if err != nil {
		t.Fatal(err)
	}
	var sources []string
	for _, name := range files {
		raw, err := fs.ReadFile(localeFiles, name)
		if err != nil {
			t.Fatal(err)
		}
		var msgs map[string]json.RawMessage
		if err := json.Unmarshal(raw, &msgs); err != nil {
			t.Fatal(err)
		}
		for _, m := range msgs {
			var one string
			if json.Unmarshal(m, &one) == nil {
				sources = append(sources, one)
				continue
			}
			var forms map[string]string
			if err := json.Unmarshal(m, &forms); err != nil {
				t.Fatalf("%s: %s: %v", name, m, err)
			}
			for _, f := range forms {
				sources = append(sources, f)
			}
		}
	}
	// and the forms the catalogue does not use but a translator might write
	sources = append(sources, "{{ .N }} cas", "{{.N}}{{.N}}", "{{if .N}}oui{{end}} {{.N}}", "{{.N}} }} {{", "sans rien", "{{.N.X}}")

	var fast placeholderParser
	var slow template.TextParser
	values := map[string]any{
		"int": 3, "int64": int64(-1234567), "uint": uint(7), "zero": int64(0),
		"text": `<b>"Fès" & 'Oujda'</b>`, "stringer": time.Date(2021, 12, 15, 0, 0, 0, 0, time.UTC),
		"pointer": new(int64), "nil": nil,
	}
	placeholdersSeen := 0
	for _, src := range sources {
		f, err := fast.Parse(src, "", "")
		s, serr := slow.Parse(src, "", "")
		if (err == nil) != (serr == nil) {
			t.Fatalf("%q: parse errors differ: %v / %v", src, err, serr)
		}
		if err != nil {
			continue
		}
		if _, ok := f.(*placeholders); ok {
			placeholdersSeen++
		}
		names := placeholderAction.FindAllStringSubmatch(src, -1)
		for vname, v := range values {
			data := map[string]any{}
			for _, m := range names {
				data[m[1]] = v
			}
			if vname == "nil" {
				data = map[string]any{}
			}
			// as Catalog.T passes them: name/value pairs, a name given twice, its last value
			args := templateArgs{"Other", 1}
			for name, v := range data {
				args = append(args, name, "first", name, v)
			}
			want, werr := s.Execute(data)
			for _, d := range []any{data, args} {
				got, gerr := f.Execute(d)
				if got != want || (gerr == nil) != (werr == nil) {
					t.Errorf("%q with %s as %T: %q (%v), text/template gives %q (%v)", src, vname, d, got, gerr, want, werr)
				}
			}
		}
	}
	if placeholdersSeen < 400 {
		t.Fatalf("only %d messages read by placeholders: the fast path is not taken", placeholdersSeen)
	}
}

// BenchmarkFigure is one figure as a home shows it ("1 234 dossiers").
func BenchmarkFigure(b *testing.B) {
	c, err := LoadCatalog()
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		c.T("fr", UnitCases, "Count", int64(1234), "N", "1 234")
	}
}
