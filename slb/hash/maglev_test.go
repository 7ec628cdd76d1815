package hash

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

func named(n int) []Backend {
	bs := make([]Backend, n)
	for i := range bs {
		bs[i] = Backend{Name: fmt.Sprintf("rs%d", i+1), Weight: 1}
	}
	return bs
}

func randomKeys(n int) []uint64 {
	return corpora[0].keys(n, 1)
}

// owners maps each key to the name of its backend ("" for none).
func owners(t *Table, bs []Backend, keys []uint64) []string {
	out := make([]string, len(keys))
	for i, k := range keys {
		if j := t.Lookup(k); j >= 0 {
			out[i] = bs[j].Name
		}
	}
	return out
}

func TestEmptyTables(t *testing.T) {
	tests := []struct {
		name     string
		backends []Backend
	}{
		{"no backends", nil},
		{"all weight zero", []Backend{{"a", 0}, {"b", 0}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tb := Build(tt.backends, 0)
			if got := tb.Lookup(42); got != -1 {
				t.Errorf("Lookup = %d, want -1", got)
			}
			if tb.Size() != 0 {
				t.Errorf("Size = %d, want 0", tb.Size())
			}
			if tb.Len() != len(tt.backends) {
				t.Errorf("Len = %d, want %d", tb.Len(), len(tt.backends))
			}
		})
	}
	var nilTable *Table
	if nilTable.Lookup(1) != -1 || nilTable.Size() != 0 || nilTable.Share(0) != 0 {
		t.Error("nil *Table is not empty")
	}
}

func TestSize(t *testing.T) {
	tests := []struct {
		name string
		n    int
		size uint32
		want uint32
	}{
		{"default", 3, 0, DefaultSize},
		{"prime kept", 3, 251, 251},
		{"rounded up to prime", 3, 1000, 1009},
		{"default grows past 100 x N", 1000, 0, 100003},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Build(named(tt.n), tt.size).Size(); got != tt.want {
				t.Errorf("Size = %d, want %d", got, tt.want)
			}
		})
	}
}

func TestWeightZeroGetsNothing(t *testing.T) {
	bs := []Backend{{"a", 1}, {"b", 0}, {"c", 1}}
	tb := Build(bs, 0)
	if tb.Share(1) != 0 {
		t.Errorf("weight-0 backend owns %.4f of the slots", tb.Share(1))
	}
	for _, k := range randomKeys(10000) {
		if tb.Lookup(k) == 1 {
			t.Fatal("a key was sent to the weight-0 backend")
		}
	}
	if got := tb.Share(0) + tb.Share(2); math.Abs(got-1) > 1e-12 {
		t.Errorf("shares of the weighted backends sum to %v, want 1", got)
	}
	if tb.Share(-1) != 0 || tb.Share(3) != 0 {
		t.Error("Share of an out-of-range index is not 0")
	}
}

// The table must depend on the set of backends, not on their order: two
// balancers whose configs list the servers differently agree on every call.
func TestOrderIndependent(t *testing.T) {
	bs := []Backend{{"alpha", 1}, {"bravo", 3}, {"charlie", 2}, {"delta", 1}, {"echo", 5}, {"dup", 1}, {"zero", 0}}
	ref := Build(bs, 0)
	r := rand.New(rand.NewPCG(7, 7))
	for trial := range 10 {
		sh := append([]Backend(nil), bs...)
		r.Shuffle(len(sh), func(i, j int) { sh[i], sh[j] = sh[j], sh[i] })
		tb := Build(sh, 0)
		for s := range ref.slots {
			if a, b := bs[ref.slots[s]].Name, sh[tb.slots[s]].Name; a != b {
				t.Fatalf("trial %d: slot %d owned by %q, by %q after shuffling", trial, s, a, b)
			}
		}
	}
}

// Duplicate names must still get distinct permutations, or the second one
// would get almost nothing.
func TestDuplicateNamesShare(t *testing.T) {
	tb := Build([]Backend{{"x", 1}, {"x", 1}}, 0)
	for i := range 2 {
		if s := tb.Share(i); math.Abs(s-0.5) > 0.01 {
			t.Errorf("duplicate %d owns %.4f, want 0.5", i, s)
		}
	}
}

const disruptionKeys = 100_000

// Removing one of N servers must move that server's calls (about 1/N) and
// almost nothing else, and must spread the orphaned calls over all the
// survivors rather than dumping them on one neighbour.
func TestRemoveOneMovesOnlyItsShare(t *testing.T) {
	keys := randomKeys(disruptionKeys)
	var worstOther, worstExcess float64
	for n := 2; n <= 10; n++ {
		full := named(n)
		before := owners(Build(full, 0), full, keys)
		for r := range n {
			t.Run(fmt.Sprintf("N=%d/remove=%s", n, full[r].Name), func(t *testing.T) {
				less := append(append([]Backend(nil), full[:r]...), full[r+1:]...)
				after := owners(Build(less, 0), less, keys)
				moved, onOthers, otherMoved := 0, 0, 0
				received := map[string]int{}
				for i := range keys {
					if before[i] != full[r].Name {
						onOthers++
					}
					if before[i] == after[i] {
						continue
					}
					moved++
					if before[i] == full[r].Name {
						received[after[i]]++
					} else {
						otherMoved++
					}
				}
				frac := float64(moved) / float64(len(keys))
				other := float64(otherMoved) / float64(onOthers)
				worstOther = max(worstOther, other)
				worstExcess = max(worstExcess, frac-1/float64(n))
				if bound := 1/float64(n) + 0.02; frac > bound {
					t.Errorf("%.4f of calls moved, bound %.4f", frac, bound)
				}
				if other > 0.02 {
					t.Errorf("%.4f of the survivors' calls moved, bound 0.02", other)
				}
				orphans := moved - otherMoved
				fair := float64(orphans) / float64(n-1)
				for _, b := range less {
					if got := float64(received[b.Name]); got < 0.5*fair || got > 1.5*fair {
						t.Errorf("%s took %v of %d orphaned calls, fair share %.0f", b.Name, got, orphans, fair)
					}
				}
			})
		}
	}
	t.Logf("on removal: worst excess over 1/N %.4f; worst fraction of survivors' calls moved %.4f", worstExcess, worstOther)
}

// Adding a server to N must move about 1/(N+1) of the calls, all of them to
// the new server.
func TestAddOneMovesOnlyItsShare(t *testing.T) {
	keys := randomKeys(disruptionKeys)
	var worstFrac, worstBetween float64
	for n := 2; n <= 10; n++ {
		t.Run(fmt.Sprintf("N=%d+1", n), func(t *testing.T) {
			old := named(n)
			grown := named(n + 1)
			before := owners(Build(old, 0), old, keys)
			after := owners(Build(grown, 0), grown, keys)
			moved, between := 0, 0
			for i := range keys {
				if before[i] != after[i] {
					moved++
					if after[i] != grown[n].Name {
						between++
					}
				}
			}
			frac := float64(moved) / float64(len(keys))
			bf := float64(between) / float64(len(keys))
			worstFrac = max(worstFrac, frac-1/float64(n+1))
			worstBetween = max(worstBetween, bf)
			if bound := 1/float64(n+1) + 0.02; frac > bound {
				t.Errorf("%.4f of calls moved, bound %.4f", frac, bound)
			}
			if bf > 0.02 {
				t.Errorf("%.4f of calls moved between old servers, bound 0.02", bf)
			}
		})
	}
	t.Logf("worst excess over 1/(N+1) on add: %.4f; worst moved between old servers: %.4f", worstFrac, worstBetween)
}

func TestWeightsRespected(t *testing.T) {
	tests := []struct {
		name    string
		weights []uint32
	}{
		{"1:2:3:4", []uint32{1, 2, 3, 4}},
		{"10:1", []uint32{10, 1}},
		{"1:10", []uint32{1, 10}},
		{"equal 5", []uint32{7, 7, 7, 7, 7}},
		{"1:1:1:5", []uint32{1, 1, 1, 5}},
		{"100:50:1", []uint32{100, 50, 1}},
	}
	keys := randomKeys(disruptionKeys)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			bs := make([]Backend, len(tt.weights))
			var sum float64
			for i, w := range tt.weights {
				bs[i] = Backend{Name: fmt.Sprintf("rs%d", i+1), Weight: w}
				sum += float64(w)
			}
			tb := Build(bs, 0)
			got := make([]int, len(bs))
			for _, k := range keys {
				got[tb.Lookup(k)]++
			}
			for i, w := range tt.weights {
				want := float64(w) / sum
				share := tb.Share(i)
				keyShare := float64(got[i]) / float64(len(keys))
				t.Logf("%s weight %d: want %.4f, slots %.4f (%+.2f%%), keys %.4f (%+.2f%%)",
					bs[i].Name, w, want, share, 100*(share/want-1), keyShare, 100*(keyShare/want-1))
				if math.Abs(share/want-1) > 0.05 {
					t.Errorf("%s owns %.4f of the slots, want %.4f ±5%%", bs[i].Name, share, want)
				}
				// Sampling error for the smallest share here (1/151 of 100k
				// keys) is ~1.2% relative, so ±5% still has room.
				if math.Abs(keyShare/want-1) > 0.05 {
					t.Errorf("%s received %.4f of the calls, want %.4f ±5%%", bs[i].Name, keyShare, want)
				}
			}
		})
	}
}

// Real Call-ID formats, including the sequential ones SIPp produces, must
// spread evenly: each server within ±5% of its share, and the counts must
// pass a chi-square test against the table's own slot shares (which checks
// Key, not the table).
func TestCorporaSpreadEvenly(t *testing.T) {
	const perCorpus = 100_000
	for ci, c := range corpora {
		keys := c.keys(perCorpus, uint64(100+ci))
		for n := 2; n <= 10; n++ {
			t.Run(fmt.Sprintf("%s/N=%d", c.name, n), func(t *testing.T) {
				bs := named(n)
				tb := Build(bs, 0)
				got := make([]int, n)
				for _, k := range keys {
					got[tb.Lookup(k)]++
				}
				var chi2 float64
				for i := range n {
					share := float64(got[i]) / perCorpus
					if d := share*float64(n) - 1; math.Abs(d) > 0.05 {
						t.Errorf("%s: %.4f of calls, want %.4f ±5%% (off by %+.2f%%)", bs[i].Name, share, 1/float64(n), 100*d)
					}
					exp := tb.Share(i) * perCorpus
					chi2 += (float64(got[i]) - exp) * (float64(got[i]) - exp) / exp
				}
				if crit := chiSquareCritical(n-1, zTail); chi2 > crit {
					t.Errorf("chi-square %.2f with %d dof exceeds %.2f (p < 1e-4): counts %v", chi2, n-1, crit, got)
				}
			})
		}
	}
}

// Key itself must be uniform on every corpus: 256 buckets of the top byte
// (what the dialog table uses to pick a shard) and of the low byte.
func TestKeyUniformOnCorpora(t *testing.T) {
	const perCorpus = 100_000
	for ci, c := range corpora {
		t.Run(c.name, func(t *testing.T) {
			keys := c.keys(perCorpus, uint64(200+ci))
			for _, shift := range []uint{0, 56} {
				var buckets [256]float64
				for _, k := range keys {
					buckets[byte(k>>shift)]++
				}
				exp := float64(perCorpus) / 256
				var chi2 float64
				for _, b := range buckets {
					chi2 += (b - exp) * (b - exp) / exp
				}
				if crit := chiSquareCritical(255, zTail); chi2 > crit {
					t.Errorf("byte at bit %d: chi-square %.1f exceeds %.1f (p < 1e-4)", shift, chi2, crit)
				}
			}
		})
	}
}

func TestLookupAllocatesNothing(t *testing.T) {
	tb := Build(named(8), 0)
	keys := randomKeys(64)
	i, sink := 0, 0
	if n := testing.AllocsPerRun(1000, func() {
		sink += tb.Lookup(keys[i%len(keys)])
		i++
	}); n != 0 {
		t.Errorf("Lookup allocates %v times per call", n)
	}
	_ = sink
}

func TestChiSquareCritical(t *testing.T) {
	// Table values at p = 1e-4 (upper tail).
	tests := []struct {
		k    int
		want float64
	}{{1, 15.14}, {9, 33.72}, {255, 346.5}}
	for _, tt := range tests {
		if got := chiSquareCritical(tt.k, zTail); math.Abs(got/tt.want-1) > 0.08 {
			t.Errorf("k=%d: %.2f, want about %.2f", tt.k, got, tt.want)
		}
	}
}
