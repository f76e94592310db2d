package models

import (
	"database/sql"
	"testing"
)

// reducedAge keeps the export's age band at the request and the summary's age group at
// departure, whatever the birthday.
func TestReducedAgeKeepsBandAndGroup(t *testing.T) {
	d := func(s string) Date {
		x, err := ParseDate(s)
		if err != nil {
			t.Fatal(err)
		}
		return x
	}
	age := func(n int) *int { return &n }
	for _, c := range []struct {
		name      string
		in        anonCase
		wantBirth string
		wantAge   *int
	}{
		{"adult", anonCase{Direction: Outbound, BirthDate: d("1990-04-12"), Ref: d("2021-05-03"), Departure: d("2021-08-01")}, "", age(25)},
		{"child", anonCase{Direction: Outbound, BirthDate: d("2010-04-12"), Ref: d("2021-05-03"), Departure: d("2021-08-01")}, "", age(0)},
		{"turns 18 before departure", anonCase{Direction: Outbound, BirthDate: d("2003-06-20"), Ref: d("2021-05-03"), Departure: d("2021-08-01")}, "2003-08-01", nil},
		{"turns 60 before departure", anonCase{Direction: Outbound, BirthDate: d("1961-06-20"), Ref: d("2021-05-03"), Departure: d("2021-08-01")}, "1961-08-01", nil},
		{"turns 18, not departed", anonCase{Direction: Outbound, BirthDate: d("2003-06-20"), Ref: d("2021-05-03")}, "", age(0)},
		{"inbound turns 18", anonCase{Direction: Inbound, BirthDate: d("2003-06-20"), Ref: d("2021-05-03"), Departure: d("2021-08-01")}, "", age(0)},
		{"estimate", anonCase{Direction: Outbound, Age: age(41), Ref: d("2021-05-03"), Departure: d("2021-08-01")}, "", age(35)},
		{"unknown", anonCase{Direction: Outbound, Ref: d("2021-05-03"), Departure: d("2021-08-01")}, "", nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			birth, a := reducedAge(&c.in)
			if birth.String() != c.wantBirth || (a == nil) != (c.wantAge == nil) || (a != nil && *a != *c.wantAge) {
				t.Fatalf("got %q, %v; want %q, %v", birth.String(), a, c.wantBirth, c.wantAge)
			}
			// whatever was kept, the band at the request and the group at departure hold
			if c.in.BirthDate.IsZero() {
				return
			}
			keptAt := func(on Date) int {
				if !birth.IsZero() {
					return ageAt(birth, on)
				}
				return *a
			}
			if got, want := exportBand(keptAt(c.in.Ref)), AgeBand(c.in.BirthDate.String(), sql.NullInt64{}, c.in.Ref.String()); got != want {
				t.Errorf("export band %s, want %s", got, want)
			}
			if !c.in.Departure.IsZero() && c.in.Direction == Outbound {
				if got, want := summaryAgeGroup(keptAt(c.in.Departure)), summaryAgeGroup(ageAt(c.in.BirthDate, c.in.Departure)); got != want {
					t.Errorf("summary group %s, want %s", got, want)
				}
			}
		})
	}
}
