package demo

import (
	"crypto/sha256"
	"fmt"
	"testing"

	"awda/models"
)

// planFigures counts the report's figures from a plan, by the summary's definitions.
func planFigures(pl *plan) Figures {
	var f Figures
	informed, trained := map[*person]bool{}, map[*person]bool{}
	for _, s := range pl.sessions {
		for _, p := range s.attendees {
			if s.kind == models.InfoSession {
				informed[p] = true
			} else {
				trained[p] = true
			}
		}
	}
	f.Informed, f.Trained = len(informed), len(trained)
	for _, p := range pl.people {
		if p.dir == models.Outbound && p.dep >= 0 {
			f.Returns++
		}
		funded, supported := false, false
		for _, sr := range p.supports {
			if sr.cancel >= 0 {
				continue
			}
			supported = true
			funded = funded || sr.funded
			for i, t := range models.SupportTypes {
				if sr.typ == t {
					f.ByType[i]++
				}
			}
		}
		if p.dir == models.Outbound && funded {
			f.FundedByOffice++
		}
		if p.dir == models.Inbound && supported {
			f.InboundSupported++
		}
	}
	return f
}

func digest(pl *plan) string {
	h := sha256.New()
	for _, p := range pl.people {
		fmt.Fprintln(h, p.office, p.in.FamilyName, p.in.GivenName, p.in.Nationality, p.in.BirthDate, p.reg, p.dep, p.closeOn, len(p.supports))
	}
	for _, s := range pl.supports {
		fmt.Fprintln(h, s.p.n, s.typ, s.amount, s.currency, s.plan, s.approve, s.deliver, s.cancel, s.funded)
	}
	for _, s := range pl.sessions {
		fmt.Fprintln(h, s.office, s.kind, s.day, len(s.attendees))
	}
	return fmt.Sprintf("%x", h.Sum(nil))
}

func TestPlanIsDeterministic(t *testing.T) {
	a, b := digest(newPlan(2021, 1)), digest(newPlan(2021, 1))
	if a != b {
		t.Fatalf("two plans differ: %s vs %s", a, b)
	}
	if c := digest(newPlan(2021, 2)); c == a {
		t.Fatal("scale 2 gives the same plan as scale 1")
	}
}

// TestPlanFiguresAtScale checks the figures, the dates and the session sizes of the plan
// at several scales (the loaded dataset is checked in the database by demo_test.go).
func TestPlanFiguresAtScale(t *testing.T) {
	scales := []int{1, 2, 3}
	if !testing.Short() {
		scales = append(scales, 40)
	}
	for _, scale := range scales {
		t.Run(fmt.Sprint("scale ", scale), func(t *testing.T) {
			pl := newPlan(2020+scale%3, scale) // also a leap year
			if got, want := planFigures(pl), Expected(scale); got != want {
				t.Fatalf("figures %+v, want %+v", got, want)
			}
			for _, s := range pl.sessions {
				if n := len(s.attendees); n < 5 || n > 25 {
					t.Errorf("session of office %d on day %d has %d attendees", s.office, s.day, n)
				}
				for _, p := range s.attendees {
					if p.reg > s.day || (p.dep >= 0 && s.day >= p.dep) || (p.closeOn >= 0 && s.day >= p.closeOn) {
						t.Fatalf("person %d attends on day %d outside [%d, %d/%d)", p.n, s.day, p.reg, p.dep, p.closeOn)
					}
				}
			}
			for _, p := range pl.people {
				days := []int{p.reg, p.counsel, p.approve, p.dep, p.arr, p.closeOn}
				for _, d := range days {
					if d > pl.last {
						t.Fatalf("person %d has a day %d after the year", p.n, d)
					}
				}
				if p.reg < 0 {
					t.Fatalf("person %d never registered", p.n)
				}
			}
		})
	}
}
