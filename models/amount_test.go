package models

import (
	"errors"
	"testing"
)

func TestParseAmount(t *testing.T) {
	tests := []struct {
		in, cur string
		want    int64
		err     string // translation key of the expected error
	}{
		// English writing.
		{"1500", "MAD", 150000, ""},
		{"1500.50", "MAD", 150050, ""},
		{"1,500.50", "USD", 150050, ""},
		{"1,234,567.89", "USD", 123456789, ""},
		{"1,500,000", "USD", 150000000, ""},
		{"0.5", "EUR", 50, ""},
		{"  250  ", "MAD", 25000, ""},
		// French writing.
		{"1 500,50", "MAD", 150050, ""},
		{"1\u00a0500,50", "MAD", 150050, ""},
		{"1\u202f500,50", "EUR", 150050, ""},
		{"1.500,50", "EUR", 150050, ""},
		{"1500,5", "MAD", 150050, ""},
		{"1 500", "MAD", 150000, ""},
		{"12 345 678", "MAD", 1234567800, ""},
		{"1.500.000", "EUR", 150000000, ""},
		{"0,75", "MAD", 75, ""},
		// Currencies without decimals, or with three.
		{"1,500", "XOF", 1500, ""},
		{"1.500", "XOF", 1500, ""},
		{"250 000", "GNF", 250000, ""},
		{"1,500", "TND", 1500, ""},
		{"12.345", "TND", 12345, ""},
		{"0", "MAD", 0, ""},
		// Refused.
		{"", "MAD", 0, "casework.error.amount_required"},
		{"   ", "MAD", 0, "casework.error.amount_required"},
		{"-50", "MAD", 0, "casework.error.amount_negative"},
		{"−50", "MAD", 0, "casework.error.amount_negative"},
		{"1,500", "MAD", 0, "casework.error.amount_ambiguous"},
		{"1.500", "EUR", 0, "casework.error.amount_ambiguous"},
		{"1500.505", "MAD", 0, "casework.error.amount_decimals"},
		{"1 500,505", "MAD", 0, "casework.error.amount_decimals"},
		{"1500,5", "XOF", 0, "casework.error.amount_decimals"},
		{"1500 MAD", "MAD", 0, "casework.error.amount_invalid"},
		{"mille", "MAD", 0, "casework.error.amount_invalid"},
		{"1e6", "MAD", 0, "casework.error.amount_invalid"},
		{"15 00", "MAD", 0, "casework.error.amount_invalid"},
		{"1,50.5", "USD", 0, "casework.error.amount_invalid"},
		{"1.500.50", "EUR", 0, "casework.error.amount_invalid"},
		{"1500.", "MAD", 0, "casework.error.amount_invalid"},
		{".50", "MAD", 0, "casework.error.amount_invalid"},
		{"1,500.50,25", "USD", 0, "casework.error.amount_invalid"},
		{"+500", "MAD", 0, "casework.error.amount_invalid"},
		{"999999999999999", "MAD", 0, "casework.error.amount_too_large"},
		{"100000000001", "MAD", 0, "casework.error.amount_too_large"},
	}
	for _, tt := range tests {
		t.Run(tt.in+" "+tt.cur, func(t *testing.T) {
			got, err := ParseAmount(tt.in, tt.cur)
			if tt.err == "" {
				if err != nil || got != tt.want {
					t.Fatalf("ParseAmount(%q, %s) = %d, %v; want %d", tt.in, tt.cur, got, err, tt.want)
				}
				return
			}
			var ae *AmountError
			if !errors.As(err, &ae) || ae.Key != tt.err {
				t.Fatalf("ParseAmount(%q, %s) = %d, %v; want error %s", tt.in, tt.cur, got, err, tt.err)
			}
		})
	}
}

func FuzzParseAmount(f *testing.F) {
	for _, s := range []string{"1500", "1 500,50", "1,500.50", "1.500,50", "1,500", "-3", "0,5", "1\u202f000"} {
		f.Add(s, "MAD")
		f.Add(s, "XOF")
		f.Add(s, "TND")
	}
	f.Fuzz(func(t *testing.T, s, cur string) {
		v, err := ParseAmount(s, cur)
		if err != nil {
			var ae *AmountError
			if !errors.As(err, &ae) {
				t.Fatalf("error %v is not an AmountError", err)
			}
			return
		}
		if v < 0 {
			t.Fatalf("ParseAmount(%q) = %d < 0", s, v)
		}
		back, err := ParseAmount(FormatMinor(v, cur), cur)
		if err != nil || back != v {
			t.Fatalf("round trip of %q: %d → %q → %d, %v", s, v, FormatMinor(v, cur), back, err)
		}
	})
}
