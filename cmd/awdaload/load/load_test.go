package load

import (
	"slices"
	"testing"
	"time"
)

func TestPossibleFinal(t *testing.T) {
	w := func(v string, acked bool) Write { return Write{Value: v, Acked: acked} }
	for _, tc := range []struct {
		writes []Write
		want   []string
		any    bool
	}{
		{nil, nil, false},
		{[]Write{w("fr", false)}, nil, false},
		{[]Write{w("fr", true), w("en", true)}, []string{"en"}, true},
		// Sent after the last acknowledged one, and perhaps saved before a crash.
		{[]Write{w("fr", true), w("en", true), w("ar", false)}, []string{"en", "ar"}, true},
	} {
		got, ok := possibleFinal(tc.writes)
		if ok != tc.any || !slices.Equal(got, tc.want) {
			t.Errorf("possibleFinal(%v) = %v %v, want %v %v", tc.writes, got, ok, tc.want, tc.any)
		}
	}
}

func TestPercentiles(t *testing.T) {
	var l []time.Duration
	for i := 1; i <= 100; i++ {
		l = append(l, time.Duration(i)*time.Millisecond)
	}
	if pct(l, 50) != 50*time.Millisecond || pct(l, 99) != 99*time.Millisecond || pct(l, 100) != 100*time.Millisecond {
		t.Errorf("p50 %s p99 %s p100 %s", pct(l, 50), pct(l, 99), pct(l, 100))
	}
	if pct(nil, 99) != 0 || pct(l[:1], 99) != time.Millisecond {
		t.Error("edge cases")
	}
}
