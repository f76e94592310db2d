package models

import (
	"strings"
	"testing"
)

// ParseDate never panics; what it accepts is a real calendar day that prints back as
// the same YYYY-MM-DD; what it refuses comes with an error that quotes the input.
func FuzzParseDate(f *testing.F) {
	for _, s := range []string{"2021-03-01", " 2021-12-31 ", "2021-02-30", "2020-02-29", "21-3-1", "",
		"0000-01-01", "9999-12-31", "2021-13-01", "2021-03-01T10:00:00Z", "٢٠٢١-٠٣-٠١", "2021-03-01\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseDate(s)
		if err != nil {
			if !d.IsZero() {
				t.Errorf("ParseDate(%q) failed but returned %v", s, d)
			}
			if !strings.Contains(err.Error(), "parse date") {
				t.Errorf("ParseDate(%q): unclear error %q", s, err)
			}
			return
		}
		out := d.String()
		if len(out) != 10 || out != strings.TrimSpace(s) {
			t.Errorf("ParseDate(%q) = %q, want the input back", s, out)
		}
		again, err := ParseDate(out)
		if err != nil || again != d {
			t.Errorf("round trip of %q: %v, %v", out, again, err)
		}
		var scanned Date
		if err := scanned.Scan(out); err != nil || scanned != d {
			t.Errorf("Scan(%q) = %v, %v", out, scanned, err)
		}
	})
}
