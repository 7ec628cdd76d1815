package dialog

import "testing"

// keyAt builds a key that lands on slot h of a single-shard table of n
// slots; u makes keys with the same home distinct (it goes in the high bits,
// which pick the shard, and there is only one).
func keyAt(h, n int, u uint32) uint64 {
	low := (uint64(h)<<32 + uint64(n) - 1) / uint64(n)
	return uint64(u)<<32 | low
}

// checkInvariants walks every slot and checks what the package promises:
// each entry sits in its own shard within Window of its home with no free
// slot on the way, keys are unique, and the incremental counts (Len,
// CountFor, LostFor, per-shard entries) equal a brute-force count.
func checkInvariants(t *testing.T, tb *Table) {
	t.Helper()
	counts := make([]int, tb.MaxServers())
	lost := make([]int, tb.MaxServers())
	total := 0
	for si := range tb.shards {
		s := &tb.shards[si]
		s.mu.Lock()
		n := len(s.slots)
		seen := make(map[uint64]bool)
		inShard := 0
		for pos, sl := range s.slots {
			if sl.srv == 0 {
				continue
			}
			inShard++
			if sl.gen == tb.gens[sl.srv-1].Load() {
				counts[sl.srv-1]++
			} else {
				lost[sl.srv-1]++
			}
			if tb.shardFor(sl.key) != s {
				t.Errorf("shard %d slot %d: key %#x belongs to another shard", si, pos, sl.key)
			}
			if seen[sl.key] {
				t.Errorf("shard %d: key %#x stored twice", si, sl.key)
			}
			seen[sl.key] = true
			h := home(sl.key, n)
			if d := (pos - h + n) % n; d >= window(n) {
				t.Errorf("shard %d slot %d: key %#x is %d slots from home, window %d", si, pos, sl.key, d, window(n))
			}
			for j := h; j != pos; j = (j + 1) % n {
				if s.slots[j].srv == 0 {
					t.Errorf("shard %d: free slot %d between home %d and entry at %d", si, j, h, pos)
				}
			}
		}
		if got := int(s.entries.Load()); got != inShard {
			t.Errorf("shard %d: entries counter %d, brute force %d", si, got, inShard)
		}
		total += inShard
		s.mu.Unlock()
	}
	if tb.Len() != total {
		t.Errorf("Len = %d, brute force %d", tb.Len(), total)
	}
	for srv, want := range counts {
		if got := tb.CountFor(uint32(srv)); got != want {
			t.Errorf("CountFor(%d) = %d, brute force %d", srv, got, want)
		}
		if got := tb.LostFor(uint32(srv)); got != lost[srv] {
			t.Errorf("LostFor(%d) = %d, brute force %d", srv, got, lost[srv])
		}
	}
}

// newOneShard returns a table of one shard of exactly n slots (n divisible
// by 4) and 8 servers.
func newOneShard(t *testing.T, n int) *Table {
	t.Helper()
	tb := New(n*SlotsPerEntryDen/SlotsPerEntryNum, 1, 8)
	if tb.Capacity() != n {
		t.Fatalf("table has %d slots, want %d", tb.Capacity(), n)
	}
	return tb
}
