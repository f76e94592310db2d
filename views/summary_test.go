package views

import (
	"fmt"
	"strings"
	"testing"

	"awda/models"
)

// TestChartsMirrorForRightToLeft: a bar's reading-side edge is where the other
// direction's bar ends, and every bar stays inside the drawing.
func TestChartsMirrorForRightToLeft(t *testing.T) {
	labels, values, counts := []string{"a", "b", "c"}, []string{"1", "2", "0"}, []int64{10, 5, 0}
	for name, draw := range map[string]func([]string, []string, []int64, bool) chart{"hbar": hbarChart, "vbar": vbarChart} {
		ltr, rtl := draw(labels, values, counts, false), draw(labels, values, counts, true)
		for i := range counts {
			l, r := ltr.Bars[i], rtl.Bars[i]
			if l.W != r.W || l.H != r.H || l.Y != r.Y {
				t.Errorf("%s bar %d: sizes differ between directions: %+v %+v", name, i, l, r)
			}
			if l.X+r.X+l.W != ltr.W {
				t.Errorf("%s bar %d: x %d and %d are not mirrored in width %d", name, i, l.X, r.X, ltr.W)
			}
			for _, b := range []chartBar{l, r} {
				if b.X < 0 || b.X+b.W > ltr.W || b.Y < 0 || b.Y+b.H > ltr.H {
					t.Errorf("%s bar %d outside the drawing: %+v", name, i, b)
				}
			}
		}
	}
	if c := hbarChart(labels, values, []int64{0, 0, 0}, false); c.Bars[0].W != 0 {
		t.Error("all zero: bars of no width, no division by zero")
	}
}

// TestMonthChartOverSeveralYearsMarksTheYears: one year keeps month numbers only; over
// two years each January (and the first month) carries its year; past 24 months only
// the year marks remain, the bars narrow so the chart keeps a readable width, and no
// two year marks overlap.
func TestMonthChartOverSeveralYearsMarksTheYears(t *testing.T) {
	draw := func(keys []string) chart {
		labels, values, counts := make([]string, len(keys)), make([]string, len(keys)), make([]int64, len(keys))
		for i, k := range keys {
			labels[i], values[i], counts[i] = k[5:], "1", 1
		}
		return yearMarks(vbarChart(labels, values, counts, false), keys)
	}
	months := func(from string, n int) []string {
		var out []string
		y, m := 0, 0
		fmt.Sscanf(from, "%d-%d", &y, &m)
		for range n {
			out = append(out, fmt.Sprintf("%04d-%02d", y, m))
			if m++; m > 12 {
				y, m = y+1, 1
			}
		}
		return out
	}
	one := draw(months("2021-01", 12))
	for _, b := range one.Bars {
		if b.Sub != "" || b.Label == "" {
			t.Fatalf("one year: %+v", b)
		}
	}
	two := draw(months("2020-07", 18))
	var marks []string
	for _, b := range two.Bars {
		if b.Sub != "" {
			marks = append(marks, b.Sub+"@"+b.Label)
		}
		if b.Label == "" || b.Value == "" || b.SubY+4 > two.H {
			t.Fatalf("eighteen months: %+v in height %d", b, two.H)
		}
	}
	if got := strings.Join(marks, " "); got != "2020@07 2021@01" {
		t.Errorf("year marks %q", got)
	}
	long := draw(months("2002-11", 240))
	if long.W > 1100 {
		t.Errorf("twenty years drawn %d wide", long.W)
	}
	last := -1000
	for _, b := range long.Bars {
		if b.Label != "" || b.Value != "" {
			t.Fatalf("dense chart keeps month labels: %+v", b)
		}
		if b.Sub != "" {
			if b.LabelX-last < 40 {
				t.Fatalf("year marks overlap at %s", b.Sub)
			}
			last = b.LabelX
		}
	}
	if long.Bars[0].Sub != "" || long.Bars[2].Sub != "2003" {
		t.Errorf("first marks: %q %q", long.Bars[0].Sub, long.Bars[2].Sub)
	}
}

// Every figure of the summary has its one-line definition in every language (the
// support figures a second one for the delivered-only filter), and training sessions
// and training support never share a name.
func TestSummaryDefinitionsAndTrainingNames(t *testing.T) {
	c, err := LoadCatalog()
	if err != nil {
		t.Fatal(err)
	}
	for _, lang := range Languages {
		for _, delivered := range []bool{false, true} {
			f := models.SummaryFilter{Delivered: delivered}
			for _, ind := range append([]string{"support"}, models.Indicators...) {
				if key := DefinitionKey(ind, f); !c.Has(lang, key) {
					t.Errorf("%s: no definition %s", lang, key)
				}
			}
		}
		sessions, support := c.T(lang, "summary.ind.trained"), c.T(lang, "summary.type.training")
		if sessions == support || strings.Contains(sessions, support) || strings.Contains(support, sessions) {
			t.Errorf("%s: training sessions %q and training support %q read alike", lang, sessions, support)
		}
	}
}
