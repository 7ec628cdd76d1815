package dialog

import (
	"math/rand/v2"
	"testing"
)

// Filling the table with random keys that never expire: up to MaxEntries
// (75% of the slots) almost nothing may be evicted; beyond it evictions
// grow, and the figures logged here are the ones quoted in
// docs/hashing.md.
func TestEvictionsBeforeMaxEntries(t *testing.T) {
	const maxEntries = 300_000
	tb := New(maxEntries, 64, 16)
	r := rand.New(rand.NewPCG(11, 12))
	puts := 0
	put := func() {
		tb.Put(r.Uint64(), uint32(puts%16), 1<<62)
		puts++
	}
	for tb.Len() < maxEntries {
		put()
	}
	st := tb.Stats()
	rate := float64(st.Evictions) / float64(puts)
	t.Logf("at MaxEntries (load %.2f): %d evictions in %d puts (%.3f%%)",
		float64(st.Entries)/float64(st.Capacity), st.Evictions, puts, 100*rate)
	if rate > 0.01 {
		t.Errorf("%.3f%% of puts evicted a live entry before reaching MaxEntries, want <= 1%%", 100*rate)
	}
	for _, load := range []float64{0.85, 0.90, 0.95} {
		for float64(tb.Len()) < load*float64(tb.Capacity()) && puts < 10*maxEntries {
			put()
		}
		st := tb.Stats()
		t.Logf("at load %.2f: %d evictions in %d puts (%.2f%%)", load, st.Evictions, puts, 100*float64(st.Evictions)/float64(puts))
	}
	checkInvariants(t, tb)
}
