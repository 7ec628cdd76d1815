package status

import (
	"testing"
	"time"
)

func TestRTTHistogramBuckets(t *testing.T) {
	var h RTTHistogram
	h.Observe(0)                                         // first bucket
	h.Observe(RTTBounds[0])                              // a bound belongs to its own bucket (le)
	h.Observe(RTTBounds[0] + 1)                          // the next one
	h.Observe(RTTBounds[len(RTTBounds)-1] + time.Second) // overflow
	want := map[int]uint64{0: 2, 1: 1, NumRTTBuckets - 1: 1}
	for i, c := range h.Counts {
		if c != want[i] {
			t.Errorf("bucket %d: %d, want %d", i, c, want[i])
		}
	}
	if h.Count() != 4 {
		t.Errorf("count %d, want 4", h.Count())
	}
	if s := 2*RTTBounds[0] + 1 + RTTBounds[len(RTTBounds)-1] + time.Second; h.Sum != s {
		t.Errorf("sum %v, want %v", h.Sum, s)
	}
	for i := 1; i < len(RTTBounds); i++ {
		if RTTBounds[i] <= RTTBounds[i-1] {
			t.Errorf("bounds not increasing at %d", i)
		}
	}
}
