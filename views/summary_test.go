package views

import "testing"

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
